"""A workspace kept in a PostgreSQL database: everything about it that is the server's own.

The repository (:mod:`cutsim.workspace.store`) writes the same portable SQLAlchemy
queries over a session as for a workspace file; this adapter gives it an engine on a
libpq connection URI (psycopg 3) and keeps the rest:

- the schema: the same tables and columns as a workspace file, built from
  :mod:`cutsim.workspace.tables` into an existing, empty database, in one transaction,
  and stamped with its schema version in the comment of table ``model``
  (:data:`STAMP`); opening refuses a database whose stamp is missing or newer, and
  brings an older one up to date with :data:`PG_MIGRATIONS` (none yet: version 4 is
  the first schema on a server);
- locking: one writer at a time, by a transaction-level advisory lock
  (``pg_advisory_xact_lock``) taken at the start of a write transaction; a writer waits
  up to :data:`BUSY_TIMEOUT_S` (``lock_timeout``), then the workspace is busy;
- a time limit per statement (``statement_timeout``, :data:`QUERY_TIME_LIMIT_S`);
- a notice to every listener when a model is written (``NOTIFY`` on channel
  :data:`CHANNEL` with the model's key, from a trigger on table ``edit``), so the app
  of a partner can offer to reload;
- translating the server's errors into the project's own
  (:class:`~cutsim.model.errors.StorageError`,
  :class:`~cutsim.model.errors.WorkspaceBusy`), in words, never with the password.

Row-level security for a partnership (a role per agency) is added by
:mod:`cutsim.workspace.partnership`; the repository does not change for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import create_engine

from cutsim.model.errors import CutsimError, InputError, StorageError, WorkspaceBusy
from cutsim.workspace.location import Location, without_password
from cutsim.workspace.migrations import SCHEMA_VERSION
from cutsim.workspace.tables import ITEM_TABLES as _ITEMS
from cutsim.workspace.tables import (
    ActualRow,
    AdoptionRow,
    DecisionRow,
    EditRow,
    LeverRow,
    ModelRow,
    RunRow,
    ScenarioRow,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0  # as for a workspace file (docs/workspace-safety.md)
QUERY_TIME_LIMIT_S = 60.0
CONNECT_TIMEOUT_S = 10
#: The advisory lock every writer of a cutsim workspace takes ("CUTS" in ASCII).
WRITE_LOCK_KEY = 0x43555453
#: The NOTIFY channel on which a write of a model is announced (payload: the model's key).
CHANNEL = "cutsim_workspace"
#: The comment of table ``model`` that marks a cutsim workspace and its schema version.
STAMP = "cutsim workspace, schema version {version}"
_STAMP_RE = re.compile(r"^cutsim workspace, schema version (\d+)$")

#: Every table of a workspace, parents before children (the same as a workspace file's).
TABLES = (ModelRow, *_ITEMS, ScenarioRow, LeverRow, EditRow, RunRow, DecisionRow, ActualRow,
          AdoptionRow)

#: PG_MIGRATIONS[v] takes a server workspace from schema version v to v + 1 (SQL text).
#: The first server schema is version 4; a later schema change adds its step both here
#: and to the file chain in :mod:`cutsim.workspace.migrations`.
PG_MIGRATIONS: dict[int, str] = {}
FIRST_SERVER_VERSION = 4

_NOTIFY_DDL = f"""
CREATE FUNCTION cutsim_notify_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.model_pk::text);
    RETURN NULL;
END $$;
CREATE TRIGGER cutsim_notify_edit AFTER INSERT ON edit
    FOR EACH ROW EXECUTE FUNCTION cutsim_notify_edit();
"""


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    diag = getattr(orig, "diag", None)
    text = (getattr(diag, "message_primary", None) or str(orig)).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None)


def translate(exc: BaseException, name: str, doing: str) -> CutsimError:
    """The project's error for a server error met while ``doing`` ("open", "read",
    "write" or "create") to the workspace called ``name`` (its URL without password)."""
    state = _sqlstate(exc)
    reason = _reason(exc)
    if state == "55P03" or (state == "57014" and "lock timeout" in reason):
        return WorkspaceBusy(
            f"{name}: workspace busy: another partner (or cutsim) kept it locked for more "
            f"than {BUSY_TIMEOUT_S:g} s; nothing was changed, try again")
    if state == "57014":
        return StorageError(f"{name}: a query ran longer than {QUERY_TIME_LIMIT_S:g} s and "
                            "was stopped; nothing was changed")
    if state in ("42501",) or (state or "").startswith("42") and "row-level security" in reason:
        return StorageError(f"{name}: the database refused the change: {reason}. Your "
                            "role may change only your own agency's rows; nothing was saved")
    if isinstance(exc, StaleDataError):
        return StorageError(f"{name}: the database refused the change: a row you changed "
                            "is not yours to change (row-level security); nothing was saved")
    if isinstance(getattr(exc, "orig", exc), psycopg.OperationalError) and doing == "open":
        return StorageError(f"{name}: cannot connect to the workspace's database ({reason})")
    if doing == "create":
        return StorageError(f"{name}: cannot create the workspace ({reason})")
    if doing == "write":
        return StorageError(f"{name}: the database refused the change ({reason}); nothing "
                            "was saved")
    return StorageError(f"{name}: cannot be read as a workspace ({reason})")


@contextmanager
def server_errors(name: str, doing: str) -> Iterator[None]:
    """Inside the block, a server error becomes the project's own (:func:`translate`)."""
    try:
        yield
    except (DBAPIError, SQLAlchemyError, psycopg.Error) as exc:
        raise translate(exc, name, doing) from None


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A psycopg connection on the libpq URI ``url`` with cutsim's time limits."""
    return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S,
                           options=f"-c statement_timeout={int(QUERY_TIME_LIMIT_S * 1000)} "
                                   f"-c lock_timeout={int(BUSY_TIMEOUT_S * 1000)}",
                           application_name="cutsim")


def schema_version(conn: psycopg.Connection) -> int | None:
    """The schema version stamped on the database's ``model`` table, or None if the
    database holds no cutsim workspace (no such table, or not stamped by cutsim)."""
    row = conn.execute("SELECT obj_description(to_regclass('model'), 'pg_class')").fetchone()
    match = _STAMP_RE.match(row[0] or "") if row is not None and row[0] else None
    return int(match.group(1)) if match else None


def _user_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "ORDER BY tablename").fetchall()
    return [r[0] for r in rows]


def build_schema(conn: psycopg.Connection) -> None:
    """Create every table of a workspace (from :mod:`cutsim.workspace.tables`), the
    notice trigger and the stamp, inside the caller's transaction."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    dialect = postgresql.dialect()
    for row_class in TABLES:
        table = row_class.__table__  # type: ignore[union-attr]  # every row class is a table
        conn.execute(str(CreateTable(table).compile(dialect=dialect)))
    conn.execute(_NOTIFY_DDL)
    conn.execute(f"COMMENT ON TABLE model IS '{STAMP.format(version=SCHEMA_VERSION)}'")


class PostgresAdapter:
    """One workspace in a PostgreSQL database, checked and brought up to date: made by
    :meth:`create` or :meth:`open`, then handed to the repository."""

    #: Writes of a model are made as differences (rows added, changed, removed), never by
    #: deleting and rewriting every row: under row-level security a role may not touch
    #: the rows of another agency, even to write them back unchanged.
    diff_writes = True

    def __init__(self, location: Location, backup: Path | None = None) -> None:
        if location.url is None:
            raise ValueError("a server workspace needs a URL")
        self.location = location
        self.url = location.url
        self.path = location.path  # what messages name: the database's name
        self.backup = backup  # the server's own backups (pg_dump) are the partnership's
        self.shown = without_password(location.url)

    @classmethod
    def create(cls, location: Location,
               fill: Callable[[PostgresAdapter], None] | None = None) -> PostgresAdapter:
        """A new workspace in the existing, empty database at ``location``; ``fill``
        writes its first contents. The tables are built in one transaction; if filling
        fails they are dropped again, so the database is left empty as it was found."""
        adapter = cls(location)
        with server_errors(adapter.shown, "create"), connect(adapter.url) as conn:
            present = _user_tables(conn)
            if present:
                raise InputError(
                    f"{adapter.shown}: the database already holds tables ({', '.join(present[:5])}"
                    f"{', …' if len(present) > 5 else ''}); cutsim init needs an empty database")
            build_schema(conn)
        if fill is not None:
            try:
                fill(adapter)
            except BaseException:
                adapter.drop()
                raise
        log.info("created a workspace in %s", adapter.shown)
        return adapter

    def drop(self) -> None:
        """Remove every table and function of the workspace from its database (leaving it
        empty as ``create`` found it): a failed ``init``, and ``cutsim bench --server``."""
        with server_errors(self.shown, "create"), connect(self.url) as conn:
            for row_class in reversed(TABLES):
                conn.execute(f'DROP TABLE IF EXISTS "{row_class.__tablename__}" CASCADE')
            conn.execute("DROP FUNCTION IF EXISTS cutsim_notify_edit() CASCADE")

    @classmethod
    def open(cls, location: Location) -> PostgresAdapter:
        """The workspace in the database at ``location``, an older schema brought up to
        date. Refused with :class:`InputError` if the database holds no cutsim workspace
        or one written by a newer cutsim."""
        adapter = cls(location)
        with server_errors(adapter.shown, "open"), connect(adapter.url) as conn:
            version = schema_version(conn)
            if version is None:
                raise InputError(f"{adapter.shown}: this database holds no cutsim workspace "
                                 "(create one with cutsim init URL --from FILE)")
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"{adapter.shown}: workspace schema version {version} was written by a "
                    f"newer cutsim; this one reads up to version {SCHEMA_VERSION}")
            if version < FIRST_SERVER_VERSION:
                raise InputError(f"{adapter.shown}: workspace schema version {version} is not "
                                 "one cutsim wrote")
            for step in range(version, SCHEMA_VERSION):
                conn.execute(PG_MIGRATIONS[step])
                conn.execute(f"COMMENT ON TABLE model IS '{STAMP.format(version=step + 1)}'")
                log.info("migrated %s to schema version %d", adapter.shown, step + 1)
        return adapter

    # --- the engine the repository's sessions run on ------------------------------

    def engine(self, json_deserializer: Callable[[Any], object]) -> Engine:
        """An engine on the libpq URI (every libpq option kept), with cutsim's time
        limits, whose write transactions take the write lock (:meth:`write_lock`)."""
        url = self.url
        engine = create_engine("postgresql+psycopg://", creator=lambda: connect(url),
                               json_deserializer=json_deserializer)
        event.listen(engine, "begin", self._on_begin)
        return engine

    def start_clock(self) -> None:
        """Each statement is limited by the server (``statement_timeout``)."""

    @staticmethod
    def _on_begin(conn: Connection) -> None:
        if conn.info.get("immediate"):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    @contextmanager
    def write_lock(self, conn: Connection) -> Iterator[None]:
        """Transactions begun on ``conn`` inside the block take the workspace's write
        lock first: another writer waits up to :data:`BUSY_TIMEOUT_S`."""
        conn.info["immediate"] = True
        try:
            yield
        finally:
            conn.info.pop("immediate", None)

    def errors(self, doing: str) -> AbstractContextManager[None]:
        """A block in which server errors become the project's (:func:`server_errors`)."""
        return server_errors(self.shown, doing)
