"""Where a workspace is kept: a file, or a database on a PostgreSQL server.

Everything that opens a workspace passes a *location*: a path (``w.sqlite``), or a URL.
``sqlite:///w.sqlite`` and ``file:///…/w.sqlite`` name a workspace file like its path
does; a libpq connection URI (``postgresql://role:password@host:5432/db``, also
``postgres://``) names a partnership's workspace on a server
(:mod:`cutsim.workspace.pg_adapter`). Any other scheme is refused with
:class:`~cutsim.model.errors.WorkspaceUnsupported`. Messages show a URL without its
password. No database code is loaded here (the app's start-up reads this module).
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
_SERVER_SCHEMES = {"postgresql", "postgres"}


@dataclass(frozen=True)
class Location:
    """A workspace's place: ``path`` of its file, or for a server workspace its libpq
    ``url`` (with its password, for connecting) and as ``path`` the database's name."""

    path: Path
    url: str | None = None

    @property
    def is_server(self) -> bool:
        """True for a workspace on a database server (a ``postgresql://`` URL)."""
        return self.url is not None

    @property
    def name(self) -> str:
        """What messages call the workspace (the file's name, or the database's)."""
        return self.path.name

    @property
    def shown(self) -> str:
        """The location as messages show it: a path, or the URL without its password."""
        return without_password(self.url) if self.url is not None else str(self.path)

    def __str__(self) -> str:
        return self.shown

    def __repr__(self) -> str:  # never the password, even in a traceback
        return f"Location({self.shown!r})"


def is_url(where: str | os.PathLike[str] | Location) -> bool:
    """True if ``where`` is written as a URL (``scheme://…``), not as a path."""
    return isinstance(where, str) and _URL.match(where) is not None


def parse_location(where: str | os.PathLike[str] | Location) -> Location:
    """The workspace location ``where`` names: a path, an ``sqlite:``/``file:`` URL, or
    a libpq URI (``postgresql://…``, ``postgres://…``) of a server workspace.

    A URL of any other scheme (``mysql://``, …) raises :class:`WorkspaceUnsupported`.
    Messages show the URL without its password.
    """
    if isinstance(where, Location):
        return where
    if not is_url(where):
        return Location(Path(where))
    text = str(where)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in _SERVER_SCHEMES:
        return _server_location(text, parts.path)
    if scheme not in _FILE_SCHEMES:
        shown = without_password(text)
        raise WorkspaceUnsupported(
            f"{shown}: workspaces on {scheme.split('+')[0]} are not supported; a workspace "
            "is a file (for example w.sqlite) or a PostgreSQL database (postgresql://…)")
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


def _server_location(text: str, path: str) -> Location:
    """A libpq URI: the database named by its path (libpq's default, the user's name,
    when it names none)."""
    database = unquote(path.lstrip("/")) or "postgres"
    if "/" in database or database in (".", ".."):
        raise InputError(f"{without_password(text)}: not a database name ({database!r})")
    return Location(Path(database), text)


def without_password(url: str) -> str:
    """``url`` with the password of its user part, and any ``password=`` option, shown
    as ``***``."""
    url = re.sub(r"(?i)([?&]password=)[^&#]*", r"\1***", url)
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{host}").geturl()


def shown(where: str | os.PathLike[str] | Location) -> str:
    """``where`` as messages show it: a path as written, a URL without its password."""
    if isinstance(where, Location):
        return where.shown
    return without_password(str(where)) if is_url(where) else str(where)
