"""Signatures, the partner keyring and the signature policy (docs/signing.md)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files import exchange, signing
from cutsim.files.keyring import Keyring, key_id_of, parse_public
from cutsim.model.errors import InputError
from cutsim.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
POOLED = REPO / "scenarios" / "pooled-health-care.cutsim"


class Partner:
    """One agency's desk: its own config folder (keyring) and the commands it runs."""

    def __init__(self, root: Path, agency: str, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.folder, self.agency = root / f"config-{agency}", agency
        self._mp, self._capsys = monkeypatch, capsys
        code, out, _ = self.run("keys", "new", "--agency", agency)
        assert code == 0
        self.public_key = out.strip()

    def run(self, *argv: str) -> tuple[int, str, str]:
        self._mp.setenv("CUTSIM_CONFIG_DIR", str(self.folder))
        self._capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = self._capsys.readouterr()
        return code, captured.out, captured.err

    def trusts(self, other: Partner) -> None:
        assert self.run("keys", "trust", other.public_key, "--agency", other.agency)[0] == 0

    @property
    def keyring(self) -> Keyring:
        return Keyring(self.folder)


@pytest.fixture
def partners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> tuple[Partner, Partner]:
    council = Partner(tmp_path, "council", monkeypatch, capsys)
    nhs = Partner(tmp_path, "nhs", monkeypatch, capsys)
    council.trusts(nhs)
    nhs.trusts(council)
    return council, nhs


def _signed_by_council(council: Partner, tmp_path: Path) -> Path:
    path = tmp_path / "pooled.cutsim"
    path.write_bytes(POOLED.read_bytes())
    code, out, _ = council.run("sign", path)
    assert code == 0 and "as council" in out
    return path


def _rehash(document: dict) -> dict:
    body = {k: v for k, v in document.items() if k != "sha256"}
    body["sha256"] = exchange.canonical_sha256(body)
    return body


def _save(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def test_keys_are_ed25519_one_line_with_a_16_hex_id_and_private_key_owner_only(
        partners: tuple[Partner, Partner]) -> None:
    council, _ = partners
    raw = parse_public(council.public_key)
    assert council.public_key.startswith("cutsim-ed25519:") and len(raw) == 32
    own = council.keyring.own()
    assert own[0]["key_id"] == hashlib.sha256(raw).hexdigest()[:16] == key_id_of(raw)
    secret = council.folder / "private" / f"{own[0]['key_id']}.key"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(secret.parent).st_mode) == 0o700
    assert council.public_key not in secret.read_text()  # the secret is not the public key
    code, out, _ = council.run("keys", "list")
    assert code == 0 and "own key" in out and "nhs" in out


def test_a_key_belongs_to_one_agency_and_a_revoked_key_is_not_trusted_again(
        partners: tuple[Partner, Partner]) -> None:
    council, nhs = partners
    code, _, err = council.run("keys", "trust", nhs.public_key, "--agency", "police")
    assert code == 1 and "already trusted for agency 'nhs'" in err
    key_id = key_id_of(parse_public(nhs.public_key))
    assert council.run("keys", "revoke", key_id)[0] == 0
    code, _, err = council.run("keys", "trust", nhs.public_key, "--agency", "nhs")
    assert code == 1 and "was revoked" in err
    code, _, err = council.run("keys", "trust", "ssh-ed25519 AAAA", "--agency", "nhs")
    assert code == 1 and "not a cutsim public key" in err


def test_signing_sets_format_2_and_never_raises_the_reader_version(
        partners: tuple[Partner, Partner], tmp_path: Path) -> None:
    council, nhs = partners
    unsigned = json.loads(POOLED.read_text())
    path = _signed_by_council(council, tmp_path)
    document = json.loads(path.read_text())
    # A signature changes no figure: the reader version stays what the file's own fields need.
    assert document["format_version"] == max(2, unsigned["format_version"])  # signatures are v2
    assert document.get("min_reader_version", 1) == unsigned.get("min_reader_version", 1)
    entry = document["signatures"][0]
    assert set(entry) == {"agency", "organisation", "key_id", "alg", "signed_sha256", "sig"}
    assert entry["alg"] == "ed25519" and entry["agency"] == "council"
    # The signature covers the content without sha256 and signatures; sha256 covers all else.
    assert entry["signed_sha256"] == signing.content_sha256(document)
    assert document["sha256"] == exchange.canonical_sha256(
        {k: v for k, v in document.items() if k != "sha256"})
    exchange.read_file(path)  # the writer's own hash verifies with signatures present
    code, out, _ = nhs.run("verify", path)
    assert code == 0
    assert out.strip() == (f"pooled.cutsim: signed by Seaport Council (unitary) (council, key "
                           f"{entry['key_id']}), unchanged since")
    # Figures are those of the unsigned file: a signature changes none.
    assert exchange.read_file(path).model == exchange.read_file(POOLED).model


def _tampered(kind: str, signed: Path, council: Partner, nhs: Partner, tmp_path: Path) -> Path:
    """A copy of the council-signed file, tampered with in one way."""
    document = json.loads(signed.read_text())
    if kind == "figure-rehashed":
        document["model"]["services"][0]["baseline_spend"] += 1000
        document = _rehash(document)
    elif kind == "hash-changed":
        document["model"]["services"][0]["baseline_spend"] += 1000
    elif kind == "hash-dropped":
        document.pop("sha256")
    elif kind == "signature-dropped":
        document.pop("signatures")
        document = _rehash(document)
    elif kind == "signature-swapped":
        other = tmp_path / "other.cutsim"
        doc2 = copy.deepcopy(json.loads(POOLED.read_text()))
        doc2["scenarios"] = doc2["scenarios"][:1]
        _save(other, _rehash(doc2))
        council.run("sign", other)
        # The signature bytes of another file the council signed, put on this one.
        document["signatures"][0]["sig"] = json.loads(other.read_text())["signatures"][0]["sig"]
        document = _rehash(document)
    elif kind == "untrusted-key":
        rogue = Partner(tmp_path, "rogue", council._mp, council._capsys)
        rogue_own = json.loads((rogue.folder / "keyring.json").read_text())
        rogue_own["own"][0]["agency"] = "council"  # the rogue claims to be the council
        _save(rogue.folder / "keyring.json", rogue_own)
        unsigned = tmp_path / "unsigned.cutsim"
        unsigned.write_bytes(POOLED.read_bytes())
        assert rogue.run("sign", unsigned)[0] == 0
        return unsigned
    elif kind == "other-agency":
        # The NHS's own (trusted) key, used to sign in the council's name.
        forger = json.loads((nhs.folder / "keyring.json").read_text())
        forger["own"][0]["agency"] = "council"
        _save(nhs.folder / "keyring.json", forger)
        unsigned = tmp_path / "forged.cutsim"
        unsigned.write_bytes(POOLED.read_bytes())
        assert nhs.run("sign", unsigned)[0] == 0
        return unsigned
    return _save(tmp_path / f"{kind}.cutsim", document)


TAMPERING = {
    "figure-rehashed": "over an earlier version",
    "hash-changed": "does not match its integrity hash",
    "hash-dropped": "no sha256: the integrity hash was left out or removed",
    "signature-dropped": "unsigned: the file carries no signature",
    "signature-swapped": "bad signature",
    "untrusted-key": "unknown key",
    "other-agency": "a key used for another agency's name",
    "revoked": "was revoked on",
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_each_tampering_has_its_own_message_and_nothing_is_written_in_refuse_mode(
        kind: str, partners: tuple[Partner, Partner], tmp_path: Path) -> None:
    council, nhs = partners
    signed = _signed_by_council(council, tmp_path)
    receiver = council if kind == "other-agency" else nhs  # the council receives the forgery
    if kind == "revoked":
        path = signed
        receiver.run("keys", "revoke", key_id_of(parse_public(council.public_key)))
    else:
        path = _tampered(kind, signed, council, nhs, tmp_path)
    message = TAMPERING[kind]
    others = [m for k, m in TAMPERING.items() if k != kind]
    code, out, err = receiver.run("verify", path)
    said = out + err
    assert message in said
    assert not any(m in said for m in others if m != TAMPERING["hash-dropped"]), said
    # verify: exit 1 when no signature holds (a dropped hash alone leaves the signature valid).
    assert code == (0 if kind == "hash-dropped" else 1)

    # Refuse mode: import and merge exit 1 and write nothing.
    workspace = tmp_path / "ws.cutsimdb"
    assert receiver.run("init", workspace, "--from", POOLED)[0] == 0
    before = hashlib.sha256(workspace.read_bytes()).hexdigest()
    code, _, err = receiver.run("import", workspace, path, "--require-signed")
    assert code == 1 and message in err and "nothing was written" in err or (
        kind == "hash-changed" and code == 1 and message in err)
    assert hashlib.sha256(workspace.read_bytes()).hexdigest() == before
    out_file = tmp_path / "merged.cutsim"
    code, _, err = receiver.run("merge", signed, signed, path, "-o", out_file, "--require-signed")
    assert code == 1 and message in err and not out_file.exists()


def test_flag_mode_uses_the_file_with_a_warning_and_the_workspace_policy_refuses(
        partners: tuple[Partner, Partner], tmp_path: Path) -> None:
    council, nhs = partners
    unsigned = tmp_path / "unsigned.cutsim"
    unsigned.write_bytes(POOLED.read_bytes())
    workspace = tmp_path / "ws.cutsimdb"
    assert nhs.run("init", workspace)[0] == 0
    code, _, err = nhs.run("import", workspace, unsigned)
    assert code == 0 and "warning: unsigned.cutsim: unverified: " in err
    strict = tmp_path / "strict.cutsimdb"
    assert nhs.run("init", strict)[0] == 0
    assert nhs.run("keys", "policy", "require", "--workspace", strict)[0] == 0
    before = strict.read_bytes()
    code, _, err = nhs.run("import", strict, unsigned)
    assert code == 1 and "policy 'require'" in err and strict.read_bytes() == before
    signed = _signed_by_council(council, tmp_path)
    code, _, err = nhs.run("import", strict, signed)
    assert code == 0 and "signed by Seaport Council" in err
    assert Workspace.open(strict).load().model.place.name


def test_two_agency_round_trip(partners: tuple[Partner, Partner], tmp_path: Path) -> None:
    council, nhs = partners
    council_copy = _signed_by_council(council, tmp_path)  # the council keeps this copy
    sent = tmp_path / "for-nhs.cutsim"
    sent.write_bytes(council_copy.read_bytes())

    # The NHS verifies, edits (through the writer, as the app saves) and signs.
    code, out, _ = nhs.run("verify", sent)
    assert code == 0 and "signed by Seaport Council" in out
    received = exchange.read_file(sent)
    pool = received.scenarios[0].levers[0]
    edited = received.model_copy(update={"scenarios": [
        received.scenarios[0].model_copy(update={"levers": [
            pool.model_copy(update={"efficiency_percent": 5.0})]}),
        *received.scenarios[1:]]})
    exchange.write_file(sent, edited)
    code, out, _ = nhs.run("sign", sent)
    assert code == 0 and "2 signature(s)" in out

    for who in (council, nhs):
        code, out, _ = who.run("verify", sent, "--json")
        assert code == 0
        report = json.loads(out)
        by = {s["agency"]: s for s in report["signatures"]}
        assert by["nhs"]["status"] == "valid" and by["nhs"]["holds"]
        assert by["council"]["status"] == "earlier_version" and not by["council"]["holds"]
        assert "over an earlier version" in by["council"]["message"]
    # The version the council signed is exactly its own copy.
    council_doc = json.loads(council_copy.read_text())
    assert (json.loads(sent.read_text())["signatures"][0]["signed_sha256"]
            == signing.content_sha256(council_doc))

    code, out, _ = council.run("diff", council_copy, sent)
    assert code == 0
    assert out.splitlines() == [
        "1 difference from pooled.cutsim to for-nhs.cutsim:",
        f'  scenario "{received.scenarios[0].id}": lever {pool.id} '
        f'(pool {", ".join(pool.services)}): efficiency_percent 4 → 5']


def test_merge_says_which_side_each_change_came_from_and_who_signed_it(
        partners: tuple[Partner, Partner], tmp_path: Path) -> None:
    council, nhs = partners
    base = exchange.read_file(POOLED)
    ours = tmp_path / "ours.cutsim"
    theirs = tmp_path / "theirs.cutsim"
    services = [s.model_copy(update={"notes": "council note"}) if s.id == "reablement" else s
                for s in base.model.services]
    exchange.write_file(ours, base.model_copy(update={
        "model": base.model.model_copy(update={"services": services})}))
    council.run("sign", ours)
    outcomes = [o.model_copy(update={"notes": "nhs note"}) if i == 0 else o
                for i, o in enumerate(base.model.outcomes)]
    exchange.write_file(theirs, base.model_copy(update={
        "model": base.model.model_copy(update={"outcomes": outcomes})}))
    nhs.run("sign", theirs)
    code, _, err = council.run("merge", POOLED, ours, theirs, "-o", tmp_path / "m.cutsim")
    assert code == 0
    assert ('service "reablement": notes (none) → "council note"  [from ours (ours.cutsim, '
            "signed by Seaport Council (unitary))]") in err
    assert f'outcome "{base.model.outcomes[0].id}": notes ' in err
    assert ' → "nhs note"  [from theirs ' \
           "(theirs.cutsim, signed by NHS in Seaport (ICB place budget and local trusts))]" in err


def test_a_redacted_copy_drops_signatures_made_over_the_full_file(
        partners: tuple[Partner, Partner], tmp_path: Path) -> None:
    from cutsim.files.redact import redact

    council, _ = partners
    signed = exchange.read_file(_signed_by_council(council, tmp_path))
    assert signed.signatures and redact(signed).signatures is None


def test_signing_without_an_own_key_is_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no signing key of your own"):
        signing.sign(exchange.read_file(POOLED), Keyring(tmp_path / "empty"))
