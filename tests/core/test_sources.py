"""One way in (cutsim.workspace.sources.open_source): every kind of source opens through
one call, and a signed ``.cutsim`` file is read once and parsed once for both its model
and its signatures."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from support.small_model import EXAMPLE, REPO

from cutsim.cli import main
from cutsim.files import exchange, signing
from cutsim.files.keyring import Keyring
from cutsim.files.workbook import write_workbook
from cutsim.model.errors import InputError
from cutsim.workspace import Workspace
from cutsim.workspace.sources import CUTSIM, WORKBOOK, WORKSPACE, open_source, read_any

POOLED = REPO / "scenarios" / "pooled-health-care.cutsim"
NEWER = Path(__file__).parent / "golden" / "v4" / "format4-min-reader1.cutsim"  # newer than this reader


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    ring = Keyring(tmp_path / "ring")
    ring.new_key("council")
    return ring


def _signed(tmp_path: Path, keyring: Keyring) -> Path:
    path = tmp_path / "pooled.cutsim"
    path.write_bytes(POOLED.read_bytes())
    signing.sign_path(path, keyring)
    return path


def test_a_signed_file_is_read_once_and_parsed_once_for_its_model_and_signatures(
        tmp_path: Path, keyring: Keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _signed(tmp_path, keyring)
    text = path.read_text(encoding="utf-8")
    reads: list[Path] = []
    parses: list[str] = []
    real_bytes, real_loads = exchange.file_bytes, json.loads

    def counted_bytes(where):
        reads.append(Path(where))
        return real_bytes(where)

    def counted_loads(s, *args, **kwargs):
        parses.append(s if isinstance(s, str) else s.decode("utf-8"))
        return real_loads(s, *args, **kwargs)

    monkeypatch.setattr(exchange, "file_bytes", counted_bytes)
    monkeypatch.setattr(json, "loads", counted_loads)
    opened = open_source(path, keyring=keyring)
    verification = opened.verification
    monkeypatch.undo()

    assert reads == [path]
    assert parses == [text]  # the file's text parsed once, and nothing else parsed
    assert verification is not None and verification.trusted
    assert verification.signers() == ["Seaport Council (unitary)"]
    assert opened.kind == CUTSIM and opened.ignored == ()
    assert opened.file == exchange.read_file(path)
    assert opened.provenance == opened.file.provenance is not None


def test_the_signatures_are_checked_only_when_asked_for(
        tmp_path: Path, keyring: Keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _signed(tmp_path, keyring)
    checked: list[str] = []
    real = signing.verify_document
    monkeypatch.setattr(signing, "verify_document",
                        lambda document, ring, source="file": checked.append(source)
                        or real(document, ring, source))
    opened = open_source(path, keyring=keyring)
    assert checked == []  # run, show, validate: no keyring read, no hash computed
    assert opened.verification is opened.verification  # checked once, then kept
    assert checked == ["pooled.cutsim"]


def test_a_newer_file_has_its_signatures_checked_over_what_was_sent(
        tmp_path: Path, keyring: Keyring) -> None:
    """The fields this version drops from a newer file are covered by its signatures."""
    document = json.loads(NEWER.read_text(encoding="utf-8"))
    document.pop("sha256", None)
    record, private = keyring.signing_key("council")
    content = signing.content_sha256(document)
    sig = private.sign(signing.signed_message("council", content))
    document["signatures"] = [{"agency": "council", "key_id": record["key_id"], "alg": "ed25519",
                               "signed_sha256": content,
                               "sig": base64.b64encode(sig).decode("ascii")}]
    document["sha256"] = exchange.canonical_sha256(document)
    path = tmp_path / "newer.cutsim"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")

    opened = open_source(path, keyring=keyring)
    assert opened.ignored == ('services[0] "youth": carbon_tonnes',
                              'scenarios[0] "youth-cut" levers[0] "l1": evidence_url',
                              "attestations")
    assert opened.verification is not None and opened.verification.trusted


def test_each_kind_of_source_opens_through_the_one_call(tmp_path: Path, keyring: Keyring) -> None:
    example = exchange.read_file(EXAMPLE)

    as_file = open_source(EXAMPLE, keyring=keyring)
    assert (as_file.kind, as_file.model_key, as_file.version) == (CUTSIM, None, None)
    assert as_file.file == example and as_file.path == EXAMPLE
    assert as_file.verification is not None and not as_file.verification.signed

    book = tmp_path / "place.xlsx"
    write_workbook(book, example)
    as_book = open_source(book, keyring=keyring)
    assert as_book.kind == WORKBOOK and as_book.file.model == example.model
    # A workbook carries no signature: it reads as unsigned, as `cutsim verify` says.
    assert as_book.verification is not None and not as_book.verification.signed

    store = tmp_path / "place.sqlite"
    with Workspace.create(store, example) as workspace:
        key, version = workspace.model_keys()[0][0], workspace.model_version()
    as_store = open_source(store)
    assert as_store.kind == WORKSPACE and as_store.file.model == example.model
    assert (as_store.model_key, as_store.version) == (key, version)
    assert as_store.verification is None  # a workspace carries no signatures
    assert open_source(store, key).file == as_store.file == read_any(store)
    assert open_source(store, str(key)).model_key == key


def test_a_file_is_refused_as_a_workspace_and_the_reverse(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--model is for a workspace"):
        open_source(EXAMPLE, "1")
    with pytest.raises(InputError, match=r"missing\.cutsim: no such file"):
        open_source(tmp_path / "missing.cutsim")
    store = tmp_path / "two.sqlite"
    with Workspace.create(store, exchange.read_file(EXAMPLE)) as workspace:
        second = workspace.add_model(exchange.read_file(POOLED))
    with pytest.raises(InputError, match="holds 2 models; choose one with --model"):
        open_source(store, choose=True)
    assert open_source(store, second).model_key == second
    # Read as a file only (a file named .cutsim in the app, `verify`): a workspace is not one.
    with pytest.raises(InputError, match="not UTF-8 text"):
        open_source(store, allow_workspace=False)


def test_verify_and_validate_read_through_the_one_call(
        tmp_path: Path, keyring: Keyring, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = _signed(tmp_path, keyring)
    monkeypatch.setenv("CUTSIM_CONFIG_DIR", str(keyring.folder))
    opened: list[Path] = []
    real = exchange.file_bytes
    monkeypatch.setattr(exchange, "file_bytes", lambda where: opened.append(Path(where))
                        or real(where))
    assert main(["verify", str(path)]) == 0
    assert "signed by Seaport Council (unitary) (council, key" in capsys.readouterr().out
    assert main(["validate", str(path)]) == 0
    assert opened == [path, path]  # one read each
