"""A workspace kept in one SQLite file: everything about it that is SQLite's own.

The repository (:mod:`cutsim.workspace.store`) writes portable SQLAlchemy queries over
a session; this adapter gives it an engine and keeps the rest (docs/workspace-safety.md):

- durability: WAL journal, ``synchronous=FULL``, foreign keys on, every connection
  hardened for an untrusted file (:mod:`cutsim.workspace.guard`) with a time limit on
  each query;
- locking: one writer, by ``BEGIN IMMEDIATE`` for a write transaction and a busy
  timeout of :data:`BUSY_TIMEOUT_S`;
- creating a workspace whole in a temporary file beside its name;
- opening: the checks made before any row is read, then the migration of an older
  schema (``application_id``, ``user_version``, the chain in
  :mod:`cutsim.workspace.migrations`), after a backup of the file;
- translating the database's errors into the project's own
  (:class:`~cutsim.model.errors.StorageError`, :class:`~cutsim.model.errors.WorkspaceBusy`).

A server database would get an adapter of its own beside this one, with the same
methods (see :class:`cutsim.workspace.repository.StorageAdapter`).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError
from sqlmodel import create_engine

from cutsim.files.safewrite import (
    check_target,
    clean_leftovers,
    make_temp_file,
    new_file_mode,
    publish_new_file,
)
from cutsim.model.errors import (
    CutsimError,
    InputError,
    StorageError,
    WorkspaceBusy,
)
from cutsim.workspace import guard
from cutsim.workspace.detect import is_workspace
from cutsim.workspace.migrations import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    V1_DDL,
    run_script,
)

log = logging.getLogger(__name__)

# How long a writer waits for another to finish before giving up with "workspace busy"
# (exit 3 in the CLI). Documented in docs/workspace-safety.md.
BUSY_TIMEOUT_S = 10.0
# The longest any one operation (open, load, save, import) may query before it is
# stopped: a hostile recursive view or a huge table cannot hang cutsim.
QUERY_TIME_LIMIT_S = 60.0
OPEN_CHECK_LIMIT_S = 10.0  # the checks made on open (schema, quick_check, migration)

#: The errors of the database library that this adapter translates.
DATABASE_ERRORS = (DBAPIError, sqlite3.Error)


def _connect(path: Path, limit_s: float | None = None) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so DDL is transactional too.
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    deadline = time.monotonic() + (QUERY_TIME_LIMIT_S if limit_s is None else limit_s)
    guard.harden(conn, lambda: deadline)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _is_busy(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and (
        "locked" in str(orig) or "busy" in str(orig))


def _reason(exc: BaseException) -> str:
    """The database's own words for an error (SQLAlchemy wraps them)."""
    return str(getattr(exc, "orig", None) or exc)


def translate(exc: BaseException, path: Path, doing: str) -> CutsimError:
    """The project's error for a database error met while ``doing`` ("open", "read",
    "write" or "create") to the workspace at ``path``."""
    reason = _reason(exc)
    if _is_busy(exc):
        if doing == "write":
            return WorkspaceBusy(
                f"{path}: workspace busy: another program (or cutsim) kept it locked for "
                f"more than {BUSY_TIMEOUT_S:g} s; nothing was changed, try again")
        if doing == "open":
            return WorkspaceBusy(f"{path}: workspace busy: another program kept it locked "
                                 f"for more than {BUSY_TIMEOUT_S:g} s; try again")
        return WorkspaceBusy(f"{path}: workspace busy; try again")
    if doing == "create":
        return StorageError(f"{path}: cannot create the workspace ({reason})")
    if doing == "write":
        return StorageError(f"{path}: {reason}")
    if doing == "read" and "interrupt" in reason:
        return StorageError(f"{path}: a query ran longer than {QUERY_TIME_LIMIT_S:g} s and was "
                            "stopped; the workspace may be damaged")
    return StorageError(f"{path}: cannot be read as a workspace ({reason})")


@contextmanager
def storage_errors(path: Path, doing: str) -> Iterator[None]:
    """Inside the block, a database error becomes the project's own (:func:`translate`)."""
    try:
        yield
    except DATABASE_ERRORS as exc:
        raise translate(exc, path, doing) from None


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = check_target(path.with_name(f"{path.name}.v{version}-{stamp}.bak"))
    fd, name = make_temp_file(target)
    os.close(fd)
    try:
        copy = sqlite3.connect(name)
        try:
            conn.backup(copy)
        finally:
            copy.close()
        os.replace(name, target)  # the backup appears whole or not at all
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    log.info("backed up workspace schema version %d to %s before migrating", version, target.name)
    return target


def _migrate(conn: sqlite3.Connection, path: Path) -> Path | None:
    """Bring an existing workspace up to SCHEMA_VERSION; return the backup made, if any."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id != APPLICATION_ID:
        raise InputError(f"{path.name}: an SQLite file, but not a cutsim workspace")
    if version > SCHEMA_VERSION:
        raise InputError(f"{path.name}: workspace schema version {version} was written by a newer "
                         f"cutsim; this one reads up to version {SCHEMA_VERSION}")
    if version < 1:
        raise InputError(f"{path.name}: workspace schema version {version} is not one cutsim wrote")
    guard.check_objects(conn, path)  # no trigger or view of anyone else's may run here
    if version == SCHEMA_VERSION:
        return None
    backup = _backup(conn, path, version)
    for step in range(version, SCHEMA_VERSION):
        with _transaction(conn):
            MIGRATIONS[step - 1](conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
        log.info("migrated %s to schema version %d", path.name, step + 1)
    return backup


def _initialise(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")  # persistent; cannot change inside a transaction
    with _transaction(conn):
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        run_script(conn, V1_DDL)
        for migration in MIGRATIONS:
            migration(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class SqliteAdapter:
    """One workspace file, checked and brought up to date: made by :meth:`create` or
    :meth:`open`, then handed to the repository, which asks it for an :meth:`engine`."""

    def __init__(self, path: Path, backup: Path | None = None) -> None:
        self.path = path
        self.backup = backup  # the copy made before a migration on open, if one was
        self._deadline = time.monotonic() + QUERY_TIME_LIMIT_S

    @classmethod
    def create(cls, path: Path, fill: Callable[[SqliteAdapter], None] | None = None
               ) -> SqliteAdapter:
        """A new workspace file at ``path`` (refused if the file exists); ``fill`` writes
        its first contents through an adapter on the file being built.

        Built whole in a temporary file beside ``path`` and moved into place at the end, so
        a crash or a full disk leaves no workspace at all, never half of one.
        """
        path = check_target(path)
        if os.path.lexists(path):
            raise InputError(f"{path}: already exists; choose a new workspace file name")
        clean_leftovers(path)
        fd, name = make_temp_file(path)
        os.close(fd)
        tmp = Path(name)
        try:
            with storage_errors(path, "create"):
                os.chmod(tmp, new_file_mode(path))
                conn = _connect(tmp)
                try:
                    _initialise(conn)
                finally:
                    conn.close()
                if fill is not None:
                    fill(cls(tmp))
                publish_new_file(tmp, path)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        return cls(path)

    @classmethod
    def open(cls, path: Path) -> SqliteAdapter:
        """An existing workspace file, its older schema migrated after backing it up.

        Refused with :class:`InputError` (nothing in the file runs, nothing is written)
        unless its schema is exactly the expected one and it passes SQLite's quick_check;
        see :mod:`cutsim.workspace.guard`.
        """
        if not path.is_file():
            raise InputError(f"{path}: no such workspace file")
        if not is_workspace(path):
            raise InputError(f"{path.name}: not a cutsim workspace (not an SQLite file)")
        with storage_errors(path, "open"):
            guard.check_file(path, OPEN_CHECK_LIMIT_S)  # read only: a refused file is untouched
            conn = _connect(path, OPEN_CHECK_LIMIT_S)
            try:
                backup = _migrate(conn, path)
                guard.check_schema(conn, path)
                guard.quick_check(conn, path)
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
            finally:
                conn.close()
        return cls(path, backup)

    # --- the engine the repository's sessions run on ------------------------------

    def engine(self, json_deserializer: Callable[[Any], object]) -> Engine:
        """An engine whose every connection is hardened, durable and time-limited, and
        whose transactions are begun by this adapter (:meth:`write_lock`)."""
        # The driver's own transaction handling is off (isolation_level=None): _on_begin
        # issues BEGIN itself, IMMEDIATE for writes, so a read-plan-write holds the write
        # lock from its first read (docs/workspace-safety.md: one writer).
        engine = create_engine(f"sqlite:///{self.path}",
                               connect_args={"timeout": BUSY_TIMEOUT_S, "isolation_level": None},
                               json_deserializer=json_deserializer)
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "begin", self._on_begin)
        return engine

    def start_clock(self) -> None:
        """The next operation may query for :data:`QUERY_TIME_LIMIT_S` from now."""
        self._deadline = time.monotonic() + QUERY_TIME_LIMIT_S

    def _on_connect(self, dbapi_connection, _record) -> None:
        guard.harden(dbapi_connection, lambda: self._deadline)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @staticmethod
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")

    @contextmanager
    def write_lock(self, conn: Connection) -> Iterator[None]:
        """Transactions begun on ``conn`` inside the block take the write lock at once
        (``BEGIN IMMEDIATE``): another writer waits up to :data:`BUSY_TIMEOUT_S`."""
        conn.info["immediate"] = True
        try:
            yield
        finally:
            conn.info.pop("immediate", None)

    def errors(self, doing: str) -> AbstractContextManager[None]:
        """A block in which database errors become the project's (:func:`storage_errors`)."""
        return storage_errors(self.path, doing)

    @staticmethod
    def pragma(bind: Engine | Connection, name: str) -> object:
        """A PRAGMA's value (journal_mode, application_id, user_version, …)."""
        if not name.isidentifier():
            raise ValueError(f"not a pragma name: {name!r}")
        if isinstance(bind, Connection):
            return bind.exec_driver_sql(f"PRAGMA {name}").scalar()
        with bind.connect() as conn:
            return conn.exec_driver_sql(f"PRAGMA {name}").scalar()
