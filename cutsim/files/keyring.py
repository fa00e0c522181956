"""The partner keyring: your own signing keys and the partners' public keys you trust.

Everything lives in the user's config folder (:func:`config_dir`; ``CUTSIM_CONFIG_DIR``
overrides it):

- ``keyring.json``: the trusted public keys, each recorded for one agency id
  (``{"keys": [{"agency", "public_key", "key_id", "added", "revoked", "note"}],
  "own": [{"agency", "key_id", "organisation"}], "policy": {...}}``);
- ``private/<key_id>.key``: one private key per file, ``cutsim-ed25519-secret:<base64 of
  the 32-byte seed>``, readable by its owner only (0600, folder 0700).

A public key is one line of text, ``cutsim-ed25519:<base64 of the 32-byte key>``; its key
id is the first 16 hex digits of the SHA-256 of the 32 bytes. A key is trusted for exactly
one agency; a revoked key stays listed (with the date) so that its signatures are
reported as revoked rather than unknown.

The policy says what ``import``, ``merge`` and the app do with a file no signature holds
for: ``flag`` (the default: use it, with a warning) or ``require`` (refuse it). It is set
for all workspaces or for one workspace (by the workspace file's identity, so that a link
to it has the same policy). It is applied in one place,
:mod:`cutsim.workspace.admission`.

The file is believed only after it passes :func:`keyring_problem` (its schema) and
:func:`read_private_text` (a regular file, not a link, not writable by everyone; a private
key readable by its owner only): see docs/signing.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cutsim.files.exchange import atomic_write_bytes
from cutsim.model.errors import InputError

PUBLIC_PREFIX = "cutsim-ed25519:"
SECRET_PREFIX = "cutsim-ed25519-secret:"
KEYRING_FILE = "keyring.json"
PRIVATE_FOLDER = "private"
POLICIES = ("flag", "require")
DEFAULT_POLICY = "flag"
_AGENCY_ID = re.compile(r"[a-z0-9_-]{1,64}")


def config_dir() -> Path:
    """The user's cutsim config folder (``CUTSIM_CONFIG_DIR`` overrides it)."""
    override = os.environ.get("CUTSIM_CONFIG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "cutsim"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "cutsim"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "cutsim"


def key_id_of(raw_public: bytes) -> str:
    """The first 16 hex digits of the SHA-256 of a 32-byte public key."""
    return hashlib.sha256(raw_public).hexdigest()[:16]


def public_text(raw_public: bytes) -> str:
    """A public key as its one line of text."""
    return PUBLIC_PREFIX + base64.b64encode(raw_public).decode("ascii")


def parse_public(text: str) -> bytes:
    """The 32 bytes of a ``cutsim-ed25519:…`` public key line; InputError if it is not one."""
    text = text.strip()
    if not text.startswith(PUBLIC_PREFIX):
        raise InputError(f"not a cutsim public key: it must start with {PUBLIC_PREFIX} "
                         f"(got {text[:40]!r})")
    try:
        raw = base64.b64decode(text[len(PUBLIC_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise InputError("not a cutsim public key: the part after the colon is not base64") from None
    if len(raw) != 32:
        raise InputError(f"not a cutsim public key: it holds {len(raw)} bytes, an Ed25519 key 32")
    return raw


def check_agency_id(agency: str) -> str:
    if not _AGENCY_ID.fullmatch(agency) or agency == "place":
        raise InputError(f"agency id {agency!r} must be 1-64 of a-z, 0-9, _ and - (and not 'place')")
    return agency


@dataclass(frozen=True)
class TrustedKey:
    """A public key recorded for one agency; ``revoked`` is the ISO date it was revoked."""

    agency: str
    key_id: str
    public_key: str
    added: str
    revoked: str | None = None
    note: str | None = None

    @property
    def raw(self) -> bytes:
        return parse_public(self.public_key)


def _today() -> str:
    return _dt.datetime.now(_dt.UTC).date().isoformat()


class Keyring:
    """The keyring in one config folder. Reads on creation; each change is saved atomically."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else config_dir()
        self.path = self.folder / KEYRING_FILE
        self._data = self._read()

    def _read(self) -> dict:
        if not os.path.lexists(self.path):
            return {"keys": [], "own": [], "policy": {}}
        try:
            text = read_private_text(self.path, secret=False).decode("utf-8")
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: the keyring cannot be read ({exc}); fix or move it") from None
        except OSError as exc:
            raise InputError(f"{self.path}: the keyring cannot be read "
                             f"({exc.strerror or exc}); fix or move it") from None
        problem = keyring_problem(data)
        if problem:
            raise InputError(f"{self.path}: not a valid keyring: {problem}; fix or move it")
        keys = [TrustedKey(**{f: k.get(f) for f in _KEY_FIELDS}) for k in data.get("keys", [])]
        return {"keys": [k.__dict__ for k in keys], "own": list(data.get("own", [])),
                "policy": dict(data.get("policy", {}))}

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self._data, indent=2, ensure_ascii=False) + "\n"
        atomic_write_bytes(self.path, text.encode("utf-8"))

    # --- trusted public keys -----------------------------------------------------------

    def keys(self) -> list[TrustedKey]:
        return [TrustedKey(**k) for k in self._data["keys"]]

    def find(self, key_id: str) -> TrustedKey | None:
        return next((k for k in self.keys() if k.key_id == key_id), None)

    def trust(self, public_key: str, agency: str, note: str | None = None) -> TrustedKey:
        """Record ``public_key`` as ``agency``'s; refused if it is already another agency's
        or was revoked (a revoked key is never trusted again)."""
        check_agency_id(agency)
        raw = parse_public(public_key)
        key_id = key_id_of(raw)
        known = self.find(key_id)
        if known is not None:
            if known.revoked:
                raise InputError(f"key {key_id} was revoked on {known.revoked}; it cannot be "
                                 "trusted again (ask the partner for a new key)")
            if known.agency != agency:
                raise InputError(f"key {key_id} is already trusted for agency {known.agency!r}; "
                                 f"one key belongs to one agency (not {agency!r})")
            return known
        entry = TrustedKey(agency, key_id, public_text(raw), _today(), None, note)
        self._data["keys"].append(entry.__dict__)
        self._save()
        return entry

    def revoke(self, key_id: str) -> TrustedKey:
        """Mark a key revoked from today: its signatures no longer count."""
        for entry in self._data["keys"]:
            if entry["key_id"] == key_id:
                if not entry.get("revoked"):
                    entry["revoked"] = _today()
                    self._save()
                return TrustedKey(**entry)
        raise InputError(f"no key {key_id} in the keyring (see cutsim keys list)")

    # --- own keys --------------------------------------------------------------------------

    def own(self) -> list[dict]:
        return list(self._data["own"])

    def new_key(self, agency: str, organisation: str | None = None) -> TrustedKey:
        """Make an Ed25519 key pair for ``agency``: the private key owner-only, the public
        key trusted for the agency at once."""
        check_agency_id(agency)
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes_raw()
        raw = private.public_key().public_bytes_raw()
        key_id = key_id_of(raw)
        folder = self.folder / PRIVATE_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        path = folder / f"{key_id}.key"
        # O_EXCL with mode 0600: the secret is never readable by others, even for a moment.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(SECRET_PREFIX + base64.b64encode(seed).decode("ascii") + "\n")
        entry = TrustedKey(agency, key_id, public_text(raw), _today(), None, "own key")
        self._data["keys"].append(entry.__dict__)
        self._data["own"].append({"agency": agency, "key_id": key_id, "organisation": organisation})
        self._save()
        return entry

    def _revoked(self, key_id: str) -> bool:
        """Whether the key with this id is in the ring and revoked."""
        key = self.find(key_id)
        return key is not None and bool(key.revoked)

    def signing_key(self, agency: str | None = None,
                    key_id: str | None = None) -> tuple[dict, Ed25519PrivateKey]:
        """(own-key record, private key) to sign with: the one named, or the only one."""
        candidates = [o for o in self.own()
                      if (agency is None or o["agency"] == agency)
                      and (key_id is None or o["key_id"] == key_id)
                      and not self._revoked(o["key_id"])]
        if not candidates:
            what = " ".join(filter(None, [agency and f"for agency {agency!r}",
                                          key_id and f"with id {key_id}"]))
            raise InputError(f"no signing key {what or 'of your own'} in {self.folder} "
                             "(make one with: cutsim keys new --agency ID)")
        if len(candidates) > 1:
            listed = ", ".join(f"{o['agency']} ({o['key_id']})" for o in candidates)
            raise InputError(f"several signing keys ({listed}); choose one with --agency or --key")
        record = candidates[0]
        path = self.folder / PRIVATE_FOLDER / f"{record['key_id']}.key"
        try:
            text = read_private_text(path, secret=True).decode("ascii").strip()
            seed = base64.b64decode(text[len(SECRET_PREFIX):], validate=True)
            private = Ed25519PrivateKey.from_private_bytes(seed)
        except (OSError, ValueError, binascii.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise InputError(f"{path}: the private key cannot be read ({reason})") from None
        if key_id_of(private.public_key().public_bytes_raw()) != record["key_id"]:
            raise InputError(f"{path}: the private key does not match its key id")
        return record, private

    # --- policy --------------------------------------------------------------------------

    def policy(self, workspace: str | os.PathLike[str] | None = None) -> str:
        """``flag`` or ``require``: the workspace's own setting, else the default one.

        A workspace's setting is recorded by its identity (:func:`workspace_identity`:
        the file itself, not its name), so another path to the same file (a hard or
        symbolic link, another spelling) has the same policy. A setting recorded by an
        earlier cutsim under a resolved path is honoured for the file now at that path.
        """
        policies = self._data["policy"]
        if workspace is not None:
            identity = workspace_identity(workspace)
            own = policies.get("workspaces", {})
            if identity is not None:
                if identity in own:
                    return own[identity]
                for key, value in own.items():  # older entries, keyed by a path
                    if not key.startswith(IDENTITY_PREFIX) and workspace_identity(key) == identity:
                        return value
        return policies.get("default", DEFAULT_POLICY)

    def set_policy(self, policy: str, workspace: str | os.PathLike[str] | None = None) -> None:
        """Record ``policy`` as the default, or for the workspace file at ``workspace``
        (by its identity; InputError when there is no such file)."""
        if policy not in POLICIES:
            raise InputError(f"policy must be one of {', '.join(POLICIES)} (got {policy!r})")
        policies = self._data["policy"]
        if workspace is None:
            policies["default"] = policy
        else:
            identity = workspace_identity(workspace)
            if identity is None:
                raise InputError(f"{workspace}: no such workspace (create it with cutsim init "
                                 "before setting its policy)")
            own = policies.setdefault("workspaces", {})
            for key in [k for k in own if not k.startswith(IDENTITY_PREFIX)
                        and workspace_identity(k) == identity]:
                del own[key]  # an older entry for the same file, by path
            own[identity] = policy
        self._save()


IDENTITY_PREFIX = "file:"


def workspace_identity(path: str | os.PathLike[str]) -> str | None:
    """The identity of the file at ``path`` (``file:<device>:<inode>``, links followed),
    the same by every path that reaches it; None when there is no file there.

    It names the file, not its place: a hard link, a symbolic link and another spelling of
    the path all give the same identity; a copy is another file (with the default policy).
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return f"{IDENTITY_PREFIX}{st.st_dev}:{st.st_ino}"


_KEY_FIELDS = ("agency", "key_id", "public_key", "added", "revoked", "note")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_MAX_KEYRING_BYTES = 4 * 1024 * 1024  # thousands of keys; more is not a keyring


def _problem_of_key(i: int, entry: object) -> str | None:
    where = f"keys[{i}]"
    if not isinstance(entry, dict):
        return f"{where} must be an object, not {type(entry).__name__}"
    unknown = sorted(set(entry) - set(_KEY_FIELDS))
    if unknown:
        return f"{where} has an unknown field {unknown[0]!r}"
    for field in ("agency", "key_id", "public_key", "added"):
        if not isinstance(entry.get(field), str):
            return f"{where}.{field} must be text"
    for field in ("revoked", "note"):
        if entry.get(field) is not None and not isinstance(entry[field], str):
            return f"{where}.{field} must be text or null"
    if not _AGENCY_ID.fullmatch(entry["agency"]) or entry["agency"] == "place":
        return f"{where}.agency must be 1-64 of a-z, 0-9, _ and - (and not 'place')"
    try:
        raw = parse_public(entry["public_key"])
    except InputError as exc:
        return f"{where}.public_key: {exc}"
    if entry["key_id"] != key_id_of(raw):
        return f"{where}.key_id is not the id of its public key ({key_id_of(raw)})"
    return None


def _problem_of_own(i: int, entry: object) -> str | None:
    where = f"own[{i}]"
    if not isinstance(entry, dict):
        return f"{where} must be an object, not {type(entry).__name__}"
    unknown = sorted(set(entry) - {"agency", "key_id", "organisation"})
    if unknown:
        return f"{where} has an unknown field {unknown[0]!r}"
    if not isinstance(entry.get("agency"), str) or not _AGENCY_ID.fullmatch(entry["agency"]):
        return f"{where}.agency must be an agency id (1-64 of a-z, 0-9, _ and -)"
    if not isinstance(entry.get("key_id"), str) or not _KEY_ID.fullmatch(entry["key_id"]):
        return f"{where}.key_id must be 16 hex digits"
    if entry.get("organisation") is not None and not isinstance(entry["organisation"], str):
        return f"{where}.organisation must be text or null"
    return None


def _problem_of_policy(policy: object) -> str | None:
    if not isinstance(policy, dict):
        return f"policy must be an object, not {type(policy).__name__}"
    unknown = sorted(set(policy) - {"default", "workspaces"})
    if unknown:
        return f"policy has an unknown field {unknown[0]!r}"
    allowed = " or ".join(repr(p) for p in POLICIES)
    if "default" in policy and policy["default"] not in POLICIES:
        return f"policy.default must be exactly {allowed} (got {policy['default']!r})"
    workspaces = policy.get("workspaces", {})
    if not isinstance(workspaces, dict):
        return "policy.workspaces must be an object of workspace: policy"
    for where, value in workspaces.items():
        if value not in POLICIES:
            return f"policy.workspaces[{where!r}] must be exactly {allowed} (got {value!r})"
    return None


def keyring_problem(data: object) -> str | None:
    """What makes ``data`` (a parsed ``keyring.json``) not a keyring, or None.

    The schema: an object with optional ``keys`` (a list of trusted keys, each with its
    agency id, 16-hex key id matching its public key, and dates), ``own`` (a list of
    ``{agency, key_id, organisation}``) and ``policy`` (``{"default": P, "workspaces":
    {path: P}}`` where P is exactly ``flag`` or ``require``, lower case). Nothing else."""
    if not isinstance(data, dict):
        return f"it must be a JSON object, not {'null' if data is None else type(data).__name__}"
    unknown = sorted(set(data) - {"keys", "own", "policy"})
    if unknown:
        return f"unknown field {unknown[0]!r} (a keyring has keys, own and policy)"
    for name in ("keys", "own"):
        if not isinstance(data.get(name, []), list):
            return f"{name} must be a list"
    for i, entry in enumerate(data.get("keys", [])):
        problem = _problem_of_key(i, entry)
        if problem:
            return problem
    for i, entry in enumerate(data.get("own", [])):
        problem = _problem_of_own(i, entry)
        if problem:
            return problem
    return _problem_of_policy(data.get("policy", {}))


def read_private_text(path: Path, secret: bool) -> bytes:
    """The bytes of a keyring file, refused (InputError) unless it is a regular file, not
    a symbolic link, and not writable by everyone; a ``secret`` (a private key) must not be
    readable by others either (group or world: like ssh, only its owner may read it).

    Opened without following a link (``O_NOFOLLOW``) and checked on the open file, so a
    file swapped after the check is not read. Permission bits are checked where they exist
    (not on Windows, whose folders are per user)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    if os.path.islink(path):
        raise InputError(f"{path}: refused: it is a symbolic link; cutsim reads its keyring "
                         "and keys only from real files in its config folder (replace the link "
                         "with the file)")
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", None) or exc.errno == 40:
            raise InputError(f"{path}: refused: it is a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: refused: not a regular file")
        if sys.platform != "win32":
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o002:
                raise InputError(f"{path}: refused: anyone can write to it (mode {mode:o}), "
                                 "so anyone could add a key or change the policy; run "
                                 f"chmod o-w {path} after checking its content")
            if secret and mode & 0o077:
                raise InputError(f"{path}: refused: the private key can be read by others "
                                 f"(mode {mode:o}); treat it as leaked: revoke it (cutsim keys "
                                 "revoke), make a new one, and keep keys at chmod 600")
        if info.st_size > _MAX_KEYRING_BYTES:
            raise InputError(f"{path}: refused: {info.st_size} bytes is too large for a keyring")
        return handle.read(_MAX_KEYRING_BYTES + 1)


def public_key_object(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)
