"""Ed25519 signatures on ``.cutsim`` files, checked against the partner keyring.

What is signed (docs/signing.md): the file's *content* is the RFC 8785 canonical JSON of
the file without its ``sha256`` and ``signatures`` fields (docs/file-format.md); its SHA-256 is the
content hash. A signature signs the message::

    cutsim-signature-v1\\n<agency id>\\n<content hash, 64 lower-case hex digits>\\n

and records that hash as ``signed_sha256``. Because the hash is in the entry, a
signature made over an earlier version of the file can still be checked, and is
reported as "over an earlier version" rather than as a forgery; because the agency id is
in the message, a signature cannot be relabelled to another agency.

The file's ``sha256`` is written last, over everything else *including* the signatures,
so that a signature dropped or swapped without re-hashing is caught on load as any
other change is; with the hash re-computed, the signature check itself says what is
wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature

from cutsim.files import exchange
from cutsim.files.canonical import canonical_bytes
from cutsim.files.keyring import Keyring, public_key_object
from cutsim.model.safetext import terminal_safe
from cutsim.model.schema import CutsimFile, Signature

log = logging.getLogger(__name__)

ALG: Final = "ed25519"
MESSAGE_TAG = "cutsim-signature-v1"
UNSIGNED_FIELDS = ("sha256", "signatures")

# One status per kind of answer, each with its own wording in SignatureCheck.message.
VALID, EARLIER, UNKNOWN_KEY, WRONG_AGENCY, REVOKED, BAD = (
    "valid", "earlier_version", "unknown_key", "wrong_agency", "revoked", "bad_signature")


def content_bytes(document: dict) -> bytes:
    """RFC 8785 canonical JSON of the file without ``sha256`` and ``signatures``."""
    return canonical_bytes({k: v for k, v in document.items() if k not in UNSIGNED_FIELDS})


def content_sha256(document: dict) -> str:
    """The content hash a signature covers (hex)."""
    return hashlib.sha256(content_bytes(document)).hexdigest()


def signed_message(agency: str, content_hash: str) -> bytes:
    """The exact bytes an Ed25519 signature signs."""
    return f"{MESSAGE_TAG}\n{agency}\n{content_hash.lower()}\n".encode()


def _seal(document: dict) -> dict:
    """The document with its ``sha256`` (over everything else, signatures included) last."""
    document = {k: v for k, v in document.items() if k != "sha256"}
    document["sha256"] = exchange.canonical_sha256(document)
    return document


def sign(cutsim_file: CutsimFile, keyring: Keyring, agency: str | None = None,
         key_id: str | None = None) -> dict:
    """The document of ``cutsim_file`` with one more signature, by the keyring's own key.

    Earlier signatures are kept (partners sign in turn). The document is written as it
    stands (provenance is not re-stamped, which would change the signed content); the
    format version becomes 2, with ``min_reader_version`` 1 since a signature changes no
    figure.
    """
    record, private = keyring.signing_key(agency, key_id)
    organisation = record.get("organisation") or _agency_name(cutsim_file, record["agency"])
    earlier = list(cutsim_file.signatures or [])
    placeholder = Signature(agency=record["agency"], organisation=organisation,
                            key_id=record["key_id"], alg=ALG, signed_sha256="0" * 64, sig="")
    # The versions depend on signatures being present, so they are fixed before signing.
    document = exchange.to_document(cutsim_file.model_copy(update={
        "signatures": earlier + [placeholder], "sha256": None}), stamp=False)
    content_hash = content_sha256(document)
    signature = private.sign(signed_message(record["agency"], content_hash))
    entry = placeholder.model_copy(update={
        "signed_sha256": content_hash, "sig": base64.b64encode(signature).decode("ascii")})
    document["signatures"] = [s.model_dump(mode="json", exclude_none=True) for s in earlier + [entry]]
    log.info("signed as %s with key %s (content %s)", record["agency"], record["key_id"], content_hash)
    return _seal(document)


def document_text(document: dict) -> str:
    """A document as file text, in the writer's layout."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _agency_name(cutsim_file: CutsimFile | dict, agency: str) -> str | None:
    agencies = (cutsim_file.model.agencies if isinstance(cutsim_file, CutsimFile)
                else [a for a in cutsim_file.get("model", {}).get("agencies", [])])
    for a in agencies:
        ident, name = (a.id, a.name) if not isinstance(a, dict) else (a.get("id"), a.get("name"))
        if ident == agency:
            return name
    return None


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature in a file proves, with the sentence that says it."""

    agency: str
    name: str  # the agency's name in the file (or its id)
    key_id: str
    status: str
    message: str
    key_agency: str | None = None  # the agency the keyring records the key for

    @property
    def holds(self) -> bool:
        return self.status == VALID

    def to_json(self) -> dict:
        return {"agency": self.agency, "name": self.name, "key_id": self.key_id,
                "status": self.status, "holds": self.holds, "message": self.message}


@dataclass
class Verification:
    """Every signature of one file checked; ``holds`` when at least one is valid."""

    source: str
    content_sha256: str
    has_sha256: bool
    checks: list[SignatureCheck] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return bool(self.checks)

    @property
    def holds(self) -> bool:
        return any(c.holds for c in self.checks)

    @property
    def trusted(self) -> bool:
        """At least one signature holds, none is bad (a bad one means forgery or damage)
        and the integrity hash is there (a file is never accepted with it silently gone)."""
        return self.holds and self.has_sha256 and not any(c.status == BAD for c in self.checks)

    def signers(self) -> list[str]:
        """Names of the agencies whose signatures hold."""
        return [c.name for c in self.checks if c.holds]

    def lines(self) -> list[str]:
        """One sentence per signature (or for no signature), and one for a missing hash."""
        source = terminal_safe(str(self.source))
        out = [c.message for c in self.checks] or [
            f"{source}: unsigned: the file carries no signature, so nothing shows who "
            "wrote it (ask the sender to sign it with cutsim sign)"]
        if not self.has_sha256:
            out.append(f"{source}: no sha256: the integrity hash was left out or removed, "
                       "so accidental damage is not detected"
                       + (" (the valid signature still covers the content)" if self.holds else ""))
        return out

    def summary(self) -> str:
        """One line for a title bar or a status message."""
        if self.holds:
            return "signed by " + ", ".join(terminal_safe(n) for n in self.signers())
        if not self.signed:
            return "unsigned"
        return "no signature holds"

    def refusal(self, policy: str) -> str | None:
        """Why the file is refused under ``policy``, or None when it may be used."""
        if policy != "require" or self.trusted:
            return None
        reasons = "; ".join(self.lines())
        return (f"{terminal_safe(str(self.source))}: refused, because signed, intact files are required (policy "
                f"'require'): {reasons}")

    def to_json(self) -> dict:
        return {"file": self.source, "content_sha256": self.content_sha256,
                "has_sha256": self.has_sha256, "signed": self.signed, "holds": self.holds,
                "trusted": self.trusted, "signatures": [c.to_json() for c in self.checks],
                "messages": self.lines()}


def _check(entry: dict, document: dict, content_hash: str, keyring: Keyring,
           source: str) -> SignatureCheck:
    agency = str(entry.get("agency", ""))
    key_id = str(entry.get("key_id", ""))
    name = _agency_name(document, agency) or entry.get("organisation") or agency
    # Every piece of text from the file is escaped in full before it joins a message: a
    # newline in an agency name would otherwise print a forged "signed by …" line.
    who = f"{terminal_safe(str(name))} ({terminal_safe(agency)}, key {terminal_safe(key_id)})"
    shown_source = terminal_safe(str(source))

    def result(status: str, message: str, key_agency: str | None = None) -> SignatureCheck:
        return SignatureCheck(agency, str(name), key_id, status, f"{shown_source}: {message}",
                              key_agency)

    key = keyring.find(key_id)
    if key is None:
        return result(UNKNOWN_KEY, f"signature claiming {who}: unknown key: it is not in your "
                                   "keyring, so it proves nothing; get the partner's public key "
                                   "from them directly and run cutsim keys trust")
    if key.revoked:
        return result(REVOKED, f"signature by {who}: the key was revoked on {key.revoked}; "
                               "its signatures no longer count", key.agency)
    if key.agency != agency:
        return result(WRONG_AGENCY, f"signature claiming {who}: the key belongs to agency "
                                    f"{terminal_safe(repr(key.agency))} in your keyring, not "
                                    f"{terminal_safe(repr(agency))}: a key used "
                                    "for another agency's name", key.agency)
    try:
        signature = base64.b64decode(str(entry.get("sig", "")), validate=True)
        signed_hash = str(entry.get("signed_sha256", ""))
        public_key_object(key.raw).verify(signature, signed_message(agency, signed_hash))
    except (InvalidSignature, binascii.Error, ValueError):
        return result(BAD, f"signature by {who}: bad signature: it does not verify with the "
                           "key, so the signature or the file was altered", key.agency)
    if signed_hash.lower() != content_hash:
        return result(EARLIER, f"signature by {who}: over an earlier version (content "
                               f"{terminal_safe(signed_hash[:16])}…); the file has changed since it was signed "
                               "(compare with that version using cutsim diff)", key.agency)
    return result(VALID, f"signed by {who}, unchanged since", key.agency)


def verify_document(document: dict, keyring: Keyring, source: str = "file") -> Verification:
    """Check every signature of a parsed (and already validated) document."""
    content_hash = content_sha256(document)
    checks = [_check(entry if isinstance(entry, dict) else {}, document, content_hash, keyring,
                     source) for entry in document.get("signatures") or []]
    return Verification(source, content_hash, "sha256" in document, checks)


def sign_path(path: str | os.PathLike[str], keyring: Keyring, out: str | os.PathLike[str] | None = None,
              agency: str | None = None, key_id: str | None = None) -> dict:
    """Sign the file at ``path`` and write it (atomically) to ``out`` or back to ``path``."""
    cutsim_file = exchange.read_file(path)
    document = sign(cutsim_file, keyring, agency, key_id)
    exchange.atomic_write_bytes(out or path, document_text(document).encode("utf-8"))
    return document
