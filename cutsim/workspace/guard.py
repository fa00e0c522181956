"""Opening a workspace as safely as reading a received file (docs/file-format.md, docs/workspace-safety.md).

A workspace can arrive from anyone (an email, a shared drive), so it is no more trusted
than a ``.cutsim`` file. Every connection cutsim makes to one is hardened
(:func:`harden`) and a workspace is checked before any of its rows is read:

- ``PRAGMA trusted_schema = OFF``: functions and virtual tables named in the schema
  cannot run as a side effect of a query;
- SQLite's defensive mode (``SQLITE_DBCONFIG_DEFENSIVE``, via ``Connection.setconfig``
  on Python 3.12+). Python 3.11 has no way to set it, so there an authoriser stands in:
  it refuses ``PRAGMA writable_schema``, ``ATTACH``, and creating triggers or views;
- a progress handler stops any query that runs longer than the caller's deadline
  (``QUERY_TIME_LIMIT_S`` in the store), so a hostile recursive view or a huge table
  cannot hang the command line or freeze the app;
- the schema is compared with the one this version of cutsim builds: an unknown
  trigger, view, table or index is refused, naming it, and so is a table whose
  definition differs (a dropped column, a changed type); the planted trigger never
  gets a chance to run;
- ``PRAGMA quick_check`` must say ``ok``.

The rows themselves are then validated by the store exactly as a ``.cutsim`` file is.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from cutsim.model.errors import InputError
from cutsim.workspace.migrations import MIGRATIONS, V1_DDL, run_script

PROGRESS_EVERY = 20_000  # SQLite virtual-machine steps between deadline checks

_DENIED = {
    sqlite3.SQLITE_ATTACH: "ATTACH",
    sqlite3.SQLITE_CREATE_TRIGGER: "creating a trigger",
    sqlite3.SQLITE_CREATE_TEMP_TRIGGER: "creating a trigger",
    sqlite3.SQLITE_CREATE_VIEW: "creating a view",
    sqlite3.SQLITE_CREATE_TEMP_VIEW: "creating a view",
}


def _authorise(action: int, arg1: str | None, arg2: str | None, _db: str | None,
               _trigger: str | None) -> int:
    if action in _DENIED:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() == "writable_schema":
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def harden(conn: sqlite3.Connection, deadline: Callable[[], float]) -> None:
    """Make one connection safe for an untrusted file; ``deadline()`` is the monotonic time
    after which the running query is interrupted."""
    conn.execute("PRAGMA trusted_schema = OFF")
    setconfig = getattr(conn, "setconfig", None)
    defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
    if setconfig is not None and defensive is not None:  # Python 3.12+
        setconfig(defensive, True)
    conn.set_authorizer(_authorise)  # also on 3.12+: triggers and views are never ours to make
    monotonic = time.monotonic
    conn.set_progress_handler(lambda: 1 if monotonic() > deadline() else 0, PROGRESS_EVERY)


def _normalise(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip().lower()


@lru_cache(maxsize=1)
def expected_schema() -> dict[tuple[str, str], str]:
    """{(type, name): normalised SQL} of a workspace this version builds (the chain of
    migrations run in memory, as ``init`` runs it)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        run_script(conn, V1_DDL)
        for migration in MIGRATIONS:
            migration(conn)
        return _objects(conn)
    finally:
        conn.close()


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    return {(str(kind), str(name)): _normalise(sql) for kind, name, sql in rows}


def check_objects(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse any trigger or view, and any object whose name this cutsim never makes
    (checked before a migration, whatever the schema version)."""
    known_names = {name for _, name in expected_schema()}
    strange = sorted((kind, name) for kind, name in _objects(conn)
                     if kind in ("trigger", "view") or name not in known_names)
    if strange:
        listed = ", ".join(f'{kind} "{name}"' for kind, name in strange[:10])
        raise InputError(f"{path}: not a workspace this cutsim made: unknown {listed}; "
                         "it was not opened (nothing in it ran)")


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a workspace whose tables or indexes differ from the expected ones."""
    check_objects(conn, path)
    have, want = _objects(conn), expected_schema()
    missing = sorted(name for key, name in ((k, k[1]) for k in want) if key not in have)
    changed = sorted(name for key, name in ((k, k[1]) for k in want)
                     if key in have and have[key] != want[key])
    if missing or changed:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if changed:
            parts.append("changed definition of " + ", ".join(changed))
        raise InputError(f"{path}: the workspace's tables are not the expected ones ("
                         + "; ".join(parts) + "); it was not opened")


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged database file (SQLite's quick_check)."""
    rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    if [r[0] for r in rows] != ["ok"]:
        found = "; ".join(str(r[0]) for r in rows)[:300]
        raise InputError(f"{path}: the workspace file is damaged ({found}); it was not opened")


def check_file(path: Path, limit_s: float) -> None:
    """Every check of this module on ``path`` through a read-only connection that writes
    nothing (no journal, no lock files): a refused workspace is left exactly as it was.
    Where a write-ahead log is present (another program has it open, or it crashed),
    the schema in that log counts too, so the file is opened normally instead."""
    from cutsim.workspace.migrations import APPLICATION_ID, SCHEMA_VERSION

    if Path(f"{path}-wal").exists():
        conn = sqlite3.connect(path, isolation_level=None)
    else:
        uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    deadline = time.monotonic() + limit_s
    try:
        harden(conn, lambda: deadline)
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise InputError(f"{path}: an SQLite file, but not a cutsim workspace")
        check_objects(conn, path)
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            check_schema(conn, path)
        quick_check(conn, path)
    finally:
        conn.close()
