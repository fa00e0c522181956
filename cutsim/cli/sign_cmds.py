"""Commands for signatures: keys (new, trust, list, revoke, policy), sign, verify."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from cutsim.files import signing
from cutsim.files.keyring import POLICIES, Keyring
from cutsim.model.errors import InputError
from cutsim.model.safetext import terminal_safe
from cutsim.model.schema import CutsimFile
from cutsim.workspace import is_workspace
from cutsim.workspace.admission import admit, policy_for
from cutsim.workspace.location import parse_location
from cutsim.workspace.sources import OpenedSource, open_source


def register(subparsers: argparse._SubParsersAction) -> None:
    keys = subparsers.add_parser(
        "keys", help="your signing keys and the partner keys you trust",
        description="Manage the partner keyring in your config folder (CUTSIM_CONFIG_DIR "
                    "overrides where it is). See docs/signing.md.")
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    new = sub.add_parser("new", help="make an Ed25519 key pair for your agency",
                         description="Make a key pair; the private key is kept owner-only in "
                                     "the config folder, the public key is printed to send to "
                                     "partners and trusted for AGENCY here.")
    new.add_argument("--agency", required=True, metavar="ID", help="your agency's id in the model")
    new.add_argument("--organisation", metavar="NAME", help="your organisation's name (optional)")
    new.set_defaults(func=cmd_keys_new)
    trust = sub.add_parser("trust", help="trust a partner's public key for one agency",
                           description="Record PUBKEY (a cutsim-ed25519:… line) as the key of "
                                       "agency ID. Check it with the partner by another channel "
                                       "first (phone, a meeting): the key id is its fingerprint.")
    trust.add_argument("public_key", metavar="PUBKEY", help="the partner's public key line")
    trust.add_argument("--agency", required=True, metavar="ID", help="the partner's agency id")
    trust.add_argument("--note", help="how the key was checked (optional)")
    trust.set_defaults(func=cmd_keys_trust)
    listing = sub.add_parser("list", help="list trusted keys and your own")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_keys_list)
    revoke = sub.add_parser("revoke", help="stop trusting a key (its signatures no longer count)")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(func=cmd_keys_revoke)
    policy = sub.add_parser("policy", help="flag or refuse files no signature holds for",
                            description="Show or set the signature policy: 'flag' (default: "
                                        "use unverified files with a warning) or 'require' "
                                        "(refuse them in import, merge, init --from and the app's Open).")
    policy.add_argument("policy", nargs="?", choices=POLICIES, help="the policy to set")
    policy.add_argument("--workspace", metavar="WORKSPACE",
                        help="set it for this workspace only (the file, by its identity: a "
                             "link to it has the same policy)")
    policy.set_defaults(func=cmd_keys_policy)

    sign = subparsers.add_parser(
        "sign", help="add your signature to a .cutsim file",
        description="Sign FILE with your own key: an Ed25519 signature over the file's content "
                    "(without sha256 and signatures). Earlier signatures are kept.")
    sign.add_argument("file", metavar="FILE")
    sign.add_argument("-o", "--out", metavar="OUT", help="write the signed file here (default: FILE)")
    sign.add_argument("--agency", metavar="ID", help="sign with your key for this agency")
    sign.add_argument("--key", metavar="KEY_ID", help="sign with this key of yours")
    sign.set_defaults(func=cmd_sign)

    verify = subparsers.add_parser(
        "verify", help="who signed a .cutsim file, and whether it changed since",
        description="Check every signature of FILE against your keyring. Exit 0 when at least "
                    "one signature holds, 1 when none does (or the file is unsigned).")
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.set_defaults(func=cmd_verify)


def cmd_keys_new(args: argparse.Namespace) -> int:
    keyring = Keyring()
    key = keyring.new_key(args.agency, args.organisation)
    print(key.public_key)
    print(f"made key {key.key_id} for agency {key.agency}; send the line above to your partners "
          f"(private key in {keyring.folder / 'private'}, owner-only)", file=sys.stderr)
    return 0


def cmd_keys_trust(args: argparse.Namespace) -> int:
    key = Keyring().trust(args.public_key, args.agency, args.note)
    print(f"trusted key {key.key_id} for agency {key.agency}")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    keyring = Keyring()
    own = {o["key_id"] for o in keyring.own()}
    keys = keyring.keys()
    if args.json:
        print(json.dumps({"keys": [dict(k.__dict__, own=k.key_id in own) for k in keys],
                          "policy": keyring.policy()}, indent=2))
        return 0
    if not keys:
        print(f"no keys in {keyring.folder}")
    for k in keys:
        state = f"revoked {k.revoked}" if k.revoked else "trusted"
        print(f"{k.key_id}  {k.agency:<16} {state:<18} {'own key' if k.key_id in own else ''}"
              f"  {k.public_key}")
    print(f"policy: {keyring.policy()}")
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    key = Keyring().revoke(args.key_id)
    print(f"revoked key {key.key_id} of agency {key.agency} (from {key.revoked})")
    return 0


def cmd_keys_policy(args: argparse.Namespace) -> int:
    keyring = Keyring()
    if args.workspace is not None and not is_workspace(args.workspace):
        raise InputError(f"{terminal_safe(str(args.workspace))}: not a cutsim workspace (a "
                         "policy is set for a workspace file, by its identity)")
    path = parse_location(args.workspace).path if args.workspace is not None else None
    if args.policy:
        keyring.set_policy(args.policy, path)
    where = f"workspace {terminal_safe(str(args.workspace))}" if args.workspace else "default"
    print(f"policy ({where}): {policy_for(keyring, path)}")
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    document = signing.sign_path(args.file, Keyring(), args.out, args.agency, args.key)
    entry = document["signatures"][-1]
    print(f"signed {args.out or args.file} as {entry['agency']} (key {entry['key_id']}); "
          f"{len(document['signatures'])} signature(s) on the file")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    verification = _file_verification(open_source(args.file, allow_workspace=False))
    if args.json:
        print(json.dumps(verification.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(verification.lines()))
    return 0 if verification.holds else 1


def check_signed(path: str | os.PathLike[str], require: bool = False,
                 workspace: str | os.PathLike[str] | None = None
                 ) -> tuple[CutsimFile, signing.Verification]:
    """Read a file (a ``.cutsim`` file, JSON under any name, or a model workbook) and
    apply the signature policy for ``workspace`` before anything is written
    (:func:`cutsim.workspace.admission.admit`, the one place the policy is applied).

    ``require`` (``--require-signed``) or a 'require' policy refuses (InputError) a file
    no signature holds for; otherwise its verdict is returned, to be said (:func:`verdict`).
    """
    opened = admit(path, into=workspace, require=require)
    return opened.file, _file_verification(opened)


def _file_verification(opened: OpenedSource) -> signing.Verification:
    """What the signatures of a file (never a workspace, which carries none) prove."""
    verification = opened.verification
    if verification is None:  # open_source(allow_workspace=False) reads files only
        raise InputError(f"{opened.path}: a workspace carries no signatures")
    return verification


def verdict(path: str | os.PathLike[str], verification: signing.Verification) -> str:
    """One line for stderr: who signed the file, or a warning saying why it is unverified."""
    name = terminal_safe(Path(path).name)
    if verification.trusted:
        return f"{name}: {verification.summary()}"
    return f"warning: {name}: unverified: " + "; ".join(verification.lines())
