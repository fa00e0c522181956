"""Where a workspace is kept: a file today, a database server's URL later.

Everything that opens a workspace passes a *location*: a path (``w.sqlite``), or a URL.
``sqlite:///w.sqlite`` and ``file:///…/w.sqlite`` name a workspace file like its path
does; a server URL (``postgresql://host/db``) is recognised and refused with
:class:`~cutsim.model.errors.WorkspaceUnsupported`, so that adding a server workspace
means adding an adapter beside :mod:`cutsim.workspace.sqlite_adapter`, not changing
the callers. No database code is loaded here (the app's start-up reads this module).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cutsim.model.errors import InputError, WorkspaceUnsupported

# A scheme of two letters or more, then "://": a drive letter ("C:\\", "C:/") never matches.
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://")
_FILE_SCHEMES = {"sqlite", "sqlite+pysqlite", "file"}


@dataclass(frozen=True)
class Location:
    """A workspace's place: ``path`` of its file (the only kind opened today)."""

    path: Path

    @property
    def name(self) -> str:
        """What messages call the workspace (the file's name)."""
        return self.path.name

    def __str__(self) -> str:
        return str(self.path)


def is_url(where: str | os.PathLike[str] | Location) -> bool:
    """True if ``where`` is written as a URL (``scheme://…``), not as a path."""
    return isinstance(where, str) and _URL.match(where) is not None


def parse_location(where: str | os.PathLike[str] | Location) -> Location:
    """The workspace location ``where`` names: a path, or an ``sqlite:``/``file:`` URL.

    A URL of any other scheme (``postgresql://``, ``mysql://``, …) raises
    :class:`WorkspaceUnsupported`: server workspaces are not supported yet. The message
    shows the URL without its password.
    """
    if isinstance(where, Location):
        return where
    if not is_url(where):
        return Location(Path(where))
    text = str(where)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _FILE_SCHEMES:
        shown = _without_password(text)
        raise WorkspaceUnsupported(
            f"{shown}: server workspaces ({scheme.split('+')[0]}) are not supported yet; "
            "a workspace is a file for now (for example w.sqlite)")
    if parts.query or parts.fragment:
        raise InputError(f"{text}: a workspace URL takes no options (?…, #…)")
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InputError(f"{text}: a file URL on another computer is not a workspace "
                             "cutsim can open; copy the file here")
        path = unquote(parts.path)
        if re.match(r"^/[A-Za-z]:", path):  # file:///C:/… names C:/… on Windows
            path = path[1:]
        return Location(Path(path))
    # SQLAlchemy's form: sqlite:///relative/path or sqlite:////absolute/path.
    rest = text[len(parts.scheme) + 3:]
    if not rest.startswith("/") or rest == "/":
        raise InputError(f"{text}: not a workspace file URL; write sqlite:///path/to/w.sqlite")
    return Location(Path(unquote(rest[1:])))


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{host}").geturl()
