"""The workspace repository over a SQLAlchemy session: open, load, save, import, history.

Every query here is portable SQLAlchemy; what is the database's own (connections,
durability settings, the write lock, migrations with a backup first, its errors) is
the adapter's (:mod:`cutsim.workspace.sqlite_adapter` for a workspace file). Every
write is one transaction: it lands whole or not at all. Callers reach this class
through :mod:`cutsim.workspace.repository` (``open_workspace(location)``).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import pydantic
from sqlalchemy import Connection, Engine, bindparam, update
from sqlmodel import Session, col, delete, insert, select

from cutsim.files import exchange
from cutsim.files.exchange import parse_json
from cutsim.model.errors import InputError, WorkspaceBusy, WorkspaceChanged
from cutsim.model.schema import CutsimFile
from cutsim.model.validation import validate_file
from cutsim.workspace import convert, importer
from cutsim.workspace.location import Location, parse_location
from cutsim.workspace.tables import (
    ActualRow,
    AdoptionRow,
    DecisionRow,
    EditRow,
    LeverRow,
    ModelRow,
    ScenarioRow,
    table_of,
)

if TYPE_CHECKING:
    from cutsim.workspace.repository import StorageAdapter

log = logging.getLogger(__name__)


def adapter_for(location: Location) -> Any:
    """The adapter class that keeps the workspace at ``location``: a file is SQLite's
    (:class:`~cutsim.workspace.sqlite_adapter.SqliteAdapter`), a ``postgresql://`` URL
    PostgreSQL's (:class:`~cutsim.workspace.pg_adapter.PostgresAdapter`)."""
    if location.is_server:
        from cutsim.workspace.pg_adapter import PostgresAdapter

        return PostgresAdapter
    from cutsim.workspace.sqlite_adapter import SqliteAdapter

    return SqliteAdapter


def _adapter_target(location: Location) -> Any:
    """What the adapter's ``open``/``create`` take: a server's location, a file's path."""
    return location if location.is_server else location.path


def _assigned(number: int | None) -> int:
    """A key or sequence number the database has assigned: a row read back, or one just
    flushed, always has it (the column is None only before the insert)."""
    assert number is not None
    return number


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _newest_edit(session: Session, model_pk: int) -> EditRow | None:
    """A model's newest edit: its number is the model's version (every write records one)."""
    return session.exec(select(EditRow).where(EditRow.model_pk == model_pk)
                        .order_by(col(EditRow.seq).desc()).limit(1)).first()


class Workspace:
    """An open workspace. Use :meth:`create` or :meth:`open` (or
    :func:`cutsim.workspace.repository.open_workspace`), then :meth:`close`."""

    def __init__(self, adapter: StorageAdapter, location: Location | None = None) -> None:
        self._adapter = adapter
        self.location = (location if location is not None
                         else getattr(adapter, "location", None) or Location(adapter.path))
        self.path = adapter.path  # what messages name
        self.backup = adapter.backup  # the copy made before a migration on open, if one was
        self._engine = adapter.engine(self._read_json)
        self._writing: Connection | None = None  # the connection of the open write transaction

    def _read_json(self, text: object) -> object:
        # A JSON column is read like a received file: bounded depth, size and numbers.
        if not isinstance(text, str):
            raise InputError(f"{self.path}: a JSON column holds {type(text).__name__}, not text")
        return parse_json(text.encode("utf-8"), f"{self.path.name} (a JSON column)")

    @contextmanager
    def write_transaction(self) -> Iterator[None]:
        """Hold the workspace's write lock for a whole read-plan-write: every read and write
        made by this object inside the block is one transaction that holds the write lock
        from its first statement, committed whole or rolled back whole. Another writer
        waits (a workspace file: ``sqlite_adapter.BUSY_TIMEOUT_S``), then gets
        :class:`WorkspaceBusy`. Blocks may nest."""
        if self._writing is not None:
            yield
            return
        self._adapter.start_clock()
        with self._adapter.errors("write"), self._engine.connect() as conn, \
                self._adapter.write_lock(conn), conn.begin():
            self._writing = conn
            try:
                yield
            finally:
                self._writing = None

    def _bind(self) -> Engine | Connection:
        """What the next operation runs on; each operation (or write transaction) gets
        the adapter's time limit before its query is stopped."""
        if self._writing is not None:
            return self._writing
        self._adapter.start_clock()
        return self._engine

    @classmethod
    def create(cls, where: str | os.PathLike[str] | Location,
               cutsim_file: CutsimFile | None = None) -> Workspace:
        """A new workspace at ``where`` (refused if one exists), optionally holding a file.

        Built whole before it appears (a workspace file: in a temporary file beside it), so
        a crash or a full disk leaves no workspace at all, never half of one.
        """
        location = parse_location(where)

        def fill(adapter: StorageAdapter) -> None:
            staging = cls(adapter)
            try:
                assert cutsim_file is not None  # fill is passed below only with a file
                staging.add_model(cutsim_file)
            finally:
                staging.close()

        adapter = adapter_for(location).create(_adapter_target(location),
                                                fill if cutsim_file is not None else None)
        return cls(adapter, location)

    @classmethod
    def open(cls, where: str | os.PathLike[str] | Location) -> Workspace:
        """Open an existing workspace, migrating an older schema after backing it up.

        Refused with :class:`InputError` (nothing in it runs, nothing is written) unless
        its schema is exactly the expected one and it passes the database's own check;
        see :mod:`cutsim.workspace.guard`.
        """
        location = parse_location(where)
        return cls(adapter_for(location).open(_adapter_target(location)), location)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def pragma(self, name: str) -> object:
        """A PRAGMA's value (journal_mode, application_id, user_version, …) of a workspace
        file (the SQLite adapter's)."""
        pragma = getattr(self._adapter, "pragma", None)
        if pragma is None:
            raise InputError(f"{self.location}: not a workspace file; it has no PRAGMAs")
        with self._adapter.errors("read"):
            return pragma(self._writing if self._writing is not None else self._engine, name)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction (or a part of the open :meth:`write_transaction`):
        committed whole, or rolled back whole."""
        with self.write_transaction(), Session(self._bind()) as session, session.begin():
            yield session

    # --- models --------------------------------------------------------------

    def model_keys(self) -> list[tuple[int, str]]:
        """(model key, place name) of every model in the workspace, oldest first."""
        with self._adapter.errors("read"), Session(self._bind()) as session:
            rows = session.exec(select(ModelRow).order_by(col(ModelRow.pk))).all()
            return [(_assigned(row.pk), row.name) for row in rows]

    def _default_key(self, model_pk: int | None) -> int:
        if model_pk is not None:
            return model_pk
        keys = self.model_keys()
        if not keys:
            raise InputError(f"{self.path.name}: the workspace holds no model yet")
        return keys[0][0]

    def add_model(self, cutsim_file: CutsimFile) -> int:
        """Store a validated file's model and scenarios in one transaction; its key."""
        _require_valid(cutsim_file)
        with self._write() as session:
            row = convert.model_row(cutsim_file)
            session.add(row)
            session.flush()
            pk = _assigned(row.pk)
            self._add_contents(session, pk, cutsim_file)
            session.add(EditRow(model_pk=pk, at=_now(), action="add model",
                                detail={"name": cutsim_file.model.place.name}))
            return pk

    @staticmethod
    def _add_contents(session: Session, model_pk: int, cutsim_file: CutsimFile) -> None:
        # Parents before children so that foreign keys hold at every insert; one batch per
        # table (row-by-row flushes made a 50,000-service save take minutes).
        for table, rows in convert.insert_batches(model_pk, cutsim_file):
            if rows:
                session.execute(insert(table), rows)

    def model_version(self, model_pk: int | None = None) -> int:
        """A number that changes whenever the model is written (its newest edit's number;
        every write of a model records an edit): 0 for a model with no edit recorded."""
        key = self._default_key(model_pk)
        with self._adapter.errors("read"), Session(self._bind()) as session:
            newest = _newest_edit(session, key)
        return _assigned(newest.seq) if newest is not None else 0

    def load_versioned(self, model_pk: int | None = None) -> tuple[CutsimFile, int]:
        """The model (as :meth:`load`) and the :meth:`model_version` it was read at, to
        pass back to :meth:`save` as ``expected_version``. Read without taking the write
        lock (a read-only workspace opens too): a write landing during the read is seen
        by the version changing, and the read is made again."""
        for _ in range(5):
            before = self.model_version(model_pk)
            loaded = self.load(model_pk)
            if self.model_version(model_pk) == before:
                return loaded, before
        raise WorkspaceBusy(f"{self.path.name}: the workspace kept changing while it was read; "
                            "try again when the other writer has finished")

    def save(self, cutsim_file: CutsimFile, model_pk: int | None = None,
             action: str = "save", *, validated: bool = False,
             previous: CutsimFile | None = None, expected_version: int | None = None) -> int:
        """Replace one model and its scenarios with ``cutsim_file``, in one transaction
        (``validated``: the caller has just checked every rule, as import does).

        ``previous``: what the model holds now, read inside the same write transaction
        (as import does). Then only the rows of items added, changed, moved or removed
        are written, which leaves the workspace exactly as rewriting every row would:
        importing a few changed services into a place of 10,000 rewrote 55,000 rows.

        ``expected_version``: the :meth:`model_version` the caller read the model at (the
        app, from :meth:`load_versioned`). If the model has been written since (an import
        from the command line, say), nothing is written and :class:`WorkspaceChanged`
        names the change: saving would silently undo it. Returns the new version.
        """
        if not validated:
            _require_valid(cutsim_file)
        key = self._default_key(model_pk)
        with self.write_transaction():
            if previous is None and getattr(self._adapter, "diff_writes", False):
                # A server workspace is written by difference (pg_adapter.diff_writes): what
                # the model holds now, read under the write lock.
                previous = self._read(key, checked=False)
            return self._save(cutsim_file, key, action, previous, expected_version)

    def _save(self, cutsim_file: CutsimFile, key: int, action: str,
              previous: CutsimFile | None, expected_version: int | None) -> int:
        with self._write() as session:
            existing = session.get(ModelRow, key)
            if existing is None:
                raise InputError(f"{self.path.name}: no model with key {key}")
            if expected_version is not None:
                self._check_unchanged(session, key, expected_version)
            if previous is None:
                for row_class in (ActualRow, AdoptionRow, LeverRow, ScenarioRow,
                                  *reversed([c for _, _, c in convert.ITEM_KINDS])):
                    session.exec(delete(row_class).where(col(row_class.model_pk) == key))
            fresh = convert.model_row(cutsim_file)
            for name in ModelRow.model_fields:
                if name != "pk":
                    setattr(existing, name, getattr(fresh, name))
            if previous is None:
                self._add_contents(session, key, cutsim_file)
            else:
                self._write_item_changes(session, key, previous, cutsim_file)
                self._write_scenario_changes(session, key, previous, cutsim_file)
                if previous.actuals != cutsim_file.actuals:  # rewritten whole, when changed
                    for row_class in (ActualRow, AdoptionRow):
                        session.exec(delete(row_class).where(col(row_class.model_pk) == key))
                    for table, rows in convert.actuals_batches(key, cutsim_file):
                        if rows:
                            session.execute(insert(table), rows)
            edit = EditRow(model_pk=key, at=_now(), action=action, detail={})
            session.add(edit)
            session.flush()
            return int(_assigned(edit.seq))

    def _check_unchanged(self, session: Session, key: int, expected: int) -> None:
        newest = _newest_edit(session, key)
        if (newest.seq if newest is not None else 0) != expected:
            what = f"{newest.action} at {newest.at}" if newest is not None else "a change"
            raise WorkspaceChanged(
                f"{self.path.name}: the model was changed since you opened it ({what}); "
                "nothing was saved, so that change is kept. Save your version under another "
                "name, or reopen the workspace to see the change")

    @staticmethod
    def _write_item_changes(session: Session, key: int, previous: CutsimFile,
                            cutsim_file: CutsimFile) -> None:
        """Insert, update and delete the item rows that differ between two versions of a
        model. Parents are written before children and removed after them, so that every
        reference holds at each statement."""
        removed: list[tuple[Any, list[str]]] = []
        for attribute, _, row_class in convert.ITEM_KINDS:
            table = table_of(row_class)
            before = {item.id: (position, item)
                      for position, item in enumerate(getattr(previous.model, attribute))}
            inserts, updates = [], []
            for position, item in enumerate(getattr(cutsim_file.model, attribute)):
                old = before.pop(item.id, None)
                if old is None:
                    inserts.append(convert.item_row(item, row_class, key, position))
                elif old[0] != position or old[1] != item:
                    # The key is matched, not set: setting it would make SQLite look for
                    # rows that refer to it (a scan of every link for a service).
                    row = convert.item_row(item, row_class, key, position)
                    where = {"_model_pk": row.pop("model_pk"), "_id": row.pop("id")}
                    updates.append({**row, **where})
            if inserts:
                session.execute(insert(table), inserts)
            if updates:
                columns = [c for c in updates[0] if not c.startswith("_")]
                statement = (update(table)
                             .where(table.c.model_pk == bindparam("_model_pk"),
                                    table.c.id == bindparam("_id"))
                             .values({c: bindparam(c) for c in columns}))
                session.connection().execute(statement, updates)
            removed.append((table, list(before)))
        for table, ids in reversed(removed):
            for start in range(0, len(ids), 500):  # within SQLite's limit on parameters
                session.execute(delete(table).where(table.c.model_pk == key,
                                                    table.c.id.in_(ids[start:start + 500])))

    @staticmethod
    def _write_scenario_changes(session: Session, key: int, previous: CutsimFile,
                                cutsim_file: CutsimFile) -> None:
        """Insert, update and delete the scenario and lever rows that differ between two
        versions of a model (scenarios before their levers are added, after them removed),
        so that a row nobody changed is not written (under row-level security a role may
        not write another's rows back, even unchanged)."""
        old = dict(convert.scenario_batches(key, previous))
        new = dict(convert.scenario_batches(key, cutsim_file))
        removed = []
        for table in (table_of(ScenarioRow), table_of(LeverRow)):
            keys = [c.name for c in table.primary_key.columns]
            before = {tuple(row[k] for k in keys): row for row in old[table]}
            inserts, updates = [], []
            for row in new[table]:
                was = before.pop(tuple(row[k] for k in keys), None)
                if was is None:
                    inserts.append(row)
                elif was != row:
                    updates.append(row)
            if inserts:
                session.execute(insert(table), inserts)
            for row in updates:
                where = [table.c[k] == row[k] for k in keys]
                session.execute(update(table).where(*where)
                                .values({c: v for c, v in row.items() if c not in keys}))
            removed.append((table, keys, list(before)))
        for table, keys, gone in reversed(removed):
            for values in gone:
                session.execute(delete(table).where(*[table.c[k] == v
                                                      for k, v in zip(keys, values)]))

    def load(self, model_pk: int | None = None) -> CutsimFile:
        """The model (first one by default) and its scenarios as an exchange file,
        validated exactly as a received ``.cutsim`` file is (InputError if not valid)."""
        return self._read(self._default_key(model_pk), checked=True)

    def _read(self, key: int, *, checked: bool) -> CutsimFile:
        """The model with key ``key``; ``checked``: every limit and rule of a received file
        checked too (unchecked only to compare with what is about to be written, under the
        write lock)."""
        with self._adapter.errors("read"), Session(self._bind()) as session:
            model_row = session.get(ModelRow, key)
            if model_row is None:
                raise InputError(f"{self.path.name}: no model with key {key}")
            # Plain rows (SQLAlchemy Core), not ORM objects: building tens of thousands of
            # mapped objects took most of the time of opening a large workspace.
            def rows(cls):
                table = cls.__table__
                query = select(table).where(table.c.model_pk == key).order_by(table.c.position)
                return session.execute(query).all()

            items = {attr: rows(cls) for attr, _, cls in convert.ITEM_KINDS}
            scenarios = rows(ScenarioRow)
            levers = rows(LeverRow)
            # sqlmodel's select is typed for row classes and columns; a plain table (as here,
            # for a result row rather than an object) works the same at run time.
            adoption = session.execute(select(cast(Any, table_of(AdoptionRow))).where(
                table_of(AdoptionRow).c.model_pk == key)).first()
            data = convert.file_data(model_row, items, scenarios, levers, adoption,
                                     rows(ActualRow))
        # The layers a received file goes through after parsing (JSON columns were parsed
        # by the file parser): text and list limits, types, then every rule. A workspace
        # is no more trusted than a file.
        source = f"{self.path.name} (workspace)"
        if checked:
            exchange.check_limits(data, source)
        try:
            built = CutsimFile.model_validate(data)
        except (pydantic.ValidationError, ValueError, TypeError) as exc:
            raise InputError(f"{self.path}: the workspace's rows do not make a valid model "
                             f"({_first_line(exc)}); it was not read") from None
        problems = [str(p) for p in validate_file(built)] if checked else []
        if problems:
            raise InputError(f"{source}: {len(problems)} problem(s); it was not read:\n  "
                             + "\n  ".join(problems[:20]), problems)
        return built

    def import_file(self, cutsim_file: CutsimFile, resolve: dict[tuple[str, str], str] | None = None,
                    model_pk: int | None = None, source: str = "file",
                    current: CutsimFile | None = None) -> importer.ImportReport:
        """Merge a validated file into a model, clashes resolved by ``resolve``
        {(kind, id): "keep" | "replace" | "rename"}; see :mod:`cutsim.workspace.importer`
        (``current``: the model as read inside the caller's write transaction)."""
        return importer.import_file(self, cutsim_file, resolve, model_pk, source, current)

    @property
    def in_write_transaction(self) -> bool:
        """Whether a :meth:`write_transaction` block is open on this object."""
        return self._writing is not None

    # --- history -------------------------------------------------------------

    def edits(self, model_pk: int | None = None) -> list[EditRow]:
        key = self._default_key(model_pk)
        with self._adapter.errors("read"), Session(self._bind()) as session:
            return list(session.exec(select(EditRow).where(EditRow.model_pk == key).order_by(col(EditRow.seq))).all())


    # --- workshop decisions --------------------------------------------------

    def add_decision(self, package: str, change: str, note: str | None = None, *,
                     at: str | None = None, model_pk: int | None = None) -> int:
        """Log one workshop change (its own transaction, so a crash keeps what went before);
        its sequence number."""
        key = self._default_key(model_pk)
        with self._write() as session:
            row = DecisionRow(model_pk=key, at=at or _now(), package=package, change=change, note=note)
            session.add(row)
            session.flush()
            return int(_assigned(row.seq))

    def decisions(self, model_pk: int | None = None) -> list[DecisionRow]:
        """The workshop decision log of one model, oldest first."""
        key = self._default_key(model_pk)
        with self._adapter.errors("read"), Session(self._bind()) as session:
            query = select(DecisionRow).where(DecisionRow.model_pk == key).order_by(col(DecisionRow.seq))
            return list(session.exec(query).all())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return " ".join(text[:3])[:300] if text else type(exc).__name__


def _require_valid(cutsim_file: CutsimFile) -> None:
    problems = [str(p) for p in validate_file(cutsim_file)]
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the model:\n  " + "\n  ".join(problems[:20]),
                         problems)
