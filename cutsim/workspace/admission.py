"""The signature policy, applied in one place (docs/signing.md, "The signature policy").

Everything that brings a file into a workspace or into a merged result asks here:
``import`` (the received file), ``merge`` (each of its three inputs, whatever their
format: a ``.cutsim`` file, JSON under another name, a file with no extension, a model
workbook, a workspace), ``init --from`` (the file the new workspace starts from) and the
app's Open. Commands that only read (``run``, ``show``, ``validate``, ``verify``) or
export do not: the policy is about what enters saved work.

The policy that applies is ``require`` when the command asks for it
(``--require-signed``), else the one recorded for the target workspace, by the
workspace file's identity (:func:`cutsim.files.keyring.workspace_identity`), not its
path, so a link to the workspace cannot escape it; else the keyring's default.

Under ``require`` a source no trusted signature holds for is refused with one message
and nothing is written: an unsigned or tampered ``.cutsim`` file, a model workbook (which
carries no signatures) and a workspace given as an input (likewise: export it and sign
the export).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from cutsim.model.errors import InputError
from cutsim.model.safetext import terminal_safe
from cutsim.workspace.location import Location, parse_location
from cutsim.workspace.sources import WORKSPACE, OpenedSource, open_source

if TYPE_CHECKING:
    from cutsim.files.keyring import Keyring

REQUIRE = "require"


def policy_for(keyring: Keyring, into: str | os.PathLike[str] | Location | None = None,
               require: bool = False) -> str:
    """``require`` or ``flag``: what applies to a file brought into ``into`` (a workspace's
    path or ``sqlite:``/``file:`` URL, or None for a merged result or a new workspace)."""
    if require:
        return REQUIRE
    return keyring.policy(None if into is None else parse_location(into).path)


def check_source(opened: OpenedSource, *,
                 into: str | os.PathLike[str] | Location | None = None,
                 require: bool = False, keyring: Keyring | None = None) -> str:
    """Apply the policy to a source already opened; InputError (nothing written) when it
    refuses the source. Returns the policy that was applied."""
    if keyring is None:
        from cutsim.files.keyring import Keyring

        keyring = opened.keyring or Keyring()
    policy = policy_for(keyring, into, require)
    if opened.kind == WORKSPACE:
        if policy == REQUIRE:
            raise InputError(f"{terminal_safe(str(opened.path))}: refused, because signed, intact "
                             "files are required (policy 'require'): a workspace carries no "
                             "signatures; export it, sign the export (cutsim sign) and use "
                             "that; nothing was written")
        return policy
    verification = opened.verification
    assert verification is not None  # a file always has a verdict
    refusal = verification.refusal(policy)
    if refusal:
        raise InputError(refusal + "; nothing was written")
    return policy


def admit(location: str | os.PathLike[str] | Location, *,
          into: str | os.PathLike[str] | Location | None = None, require: bool = False,
          allow_workspace: bool = False, keyring: Keyring | None = None) -> OpenedSource:
    """Open ``location`` (:func:`cutsim.workspace.sources.open_source`) and apply the
    signature policy (:func:`check_source`) before the caller writes anything.

    ``into``: the workspace the source goes into (its policy applies); ``require``: the
    command's ``--require-signed``; ``allow_workspace``: whether a workspace may be the
    source (a ``merge`` input), else everything is read as a file whatever its first bytes.
    """
    if keyring is None:
        from cutsim.files.keyring import Keyring

        keyring = Keyring()
    opened = open_source(location, allow_workspace=allow_workspace, keyring=keyring)
    check_source(opened, into=into, require=require, keyring=keyring)
    return opened
