"""The app and signed files: who signed what in the title bar, a warning before an
unverified file is used, and the 'require' policy honoured on open and import."""

from __future__ import annotations

import json
from pathlib import Path

from cutsim.files import exchange, signing
from cutsim.files.keyring import Keyring

REPO = Path(__file__).resolve().parents[2]
POOLED = REPO / "scenarios" / "pooled-health-care.cutsim"


def _signed(tmp_path: Path) -> Path:
    keyring = Keyring()  # the test's own config folder (conftest)
    keyring.new_key("council")
    path = tmp_path / "signed.cutsim"
    path.write_bytes(POOLED.read_bytes())
    signing.sign_path(path, keyring)
    return path


def _tampered(signed: Path, tmp_path: Path) -> Path:
    document = json.loads(signed.read_text())
    document["model"]["services"][0]["baseline_spend"] += 1000
    document.pop("sha256")
    document["sha256"] = exchange.canonical_sha256(document)
    path = tmp_path / "tampered.cutsim"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_title_bar_says_who_signed_the_open_file(window, tmp_path, dialog_log) -> None:
    path = _signed(tmp_path)
    assert window.files.open_path(path)
    assert "signed by Seaport Council (unitary)" in window.windowTitle()
    assert dialog_log.questions == [] and dialog_log.errors == []
    # An edit saved back: the council's signature is now over an earlier version.
    scenario = window.document.file.scenarios[0]
    lever = scenario.levers[0].model_copy(update={"efficiency_percent": 5.0})
    from cutsim.model.commands import ReplaceScenario

    window.document.apply(ReplaceScenario(scenario.model_copy(update={"levers": [lever]})))
    assert window.files.save_to(path)
    assert "not verified" in window.windowTitle() and "signed by" not in window.windowTitle()


def test_an_unverified_file_is_warned_about_before_it_is_used(window, tmp_path, dialog_log) -> None:
    tampered = _tampered(_signed(tmp_path), tmp_path)
    before = window.document.file
    dialog_log.yes = False
    assert not window.files.open_path(tampered)
    assert window.document.file is before and window.document.path is None
    assert "over an earlier version" in dialog_log.questions[-1]
    dialog_log.yes = True
    assert window.files.open_path(tampered)
    assert window.document.path == tampered and "not verified" in window.windowTitle()


def test_an_unsigned_file_opens_marked_unsigned_but_its_import_is_asked_about(
        window, tmp_path, dialog_log) -> None:
    unsigned = tmp_path / "unsigned.cutsim"
    unsigned.write_bytes(POOLED.read_bytes())
    assert window.files.open_path(unsigned)
    assert "unsigned" in window.windowTitle() and dialog_log.questions == []
    dialog_log.yes = False
    received = tmp_path / "received.cutsim"
    received.write_bytes(POOLED.read_bytes())
    before = window.document.file
    assert not window.files.import_path(received)
    assert window.document.file is before
    assert "unsigned: the file carries no signature" in dialog_log.questions[-1]


def test_the_require_policy_refuses_an_unverified_file_on_open_and_import(
        window, tmp_path, dialog_log) -> None:
    Keyring().set_policy("require")
    unsigned = tmp_path / "unsigned.cutsim"
    unsigned.write_bytes(POOLED.read_bytes())
    before = window.document.file
    assert not window.files.open_path(unsigned)
    assert not window.files.import_path(unsigned)
    assert window.document.file is before
    assert len(dialog_log.errors) == 2 and "policy 'require'" in dialog_log.error_text()
    assert window.files.open_path(_signed(tmp_path))  # a signed file is still accepted


def test_the_require_policy_refuses_a_workbook_and_json_under_any_name_on_open(
        window, tmp_path, dialog_log) -> None:
    """The app's Open applies the policy to every file, not only to one named .cutsim: a
    workbook and the same JSON under another name carry no trusted signature either."""
    from cutsim.files.workbook import write_workbook

    book = tmp_path / "place.xlsx"
    write_workbook(book, exchange.read_file(POOLED))
    as_json = tmp_path / "place.json"
    as_json.write_bytes(POOLED.read_bytes())
    assert window.files.open_path(book)  # the default policy, 'flag': opened
    Keyring().set_policy("require")
    before = window.document.file
    assert not window.files.open_path(book)
    assert not window.files.open_path(as_json)
    assert window.document.file is before
    assert len(dialog_log.errors) == 2 and "policy 'require'" in dialog_log.error_text()
