"""The workspace file: durability settings, round trip, migrations with backup, transactions."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from cutsim.files import exchange
from cutsim.model.errors import InputError, StorageError, WorkspaceChanged
from cutsim.model.validation import validate_file
from cutsim.workspace import (
    Workspace,
    tables,  # noqa: F401  (registers the tables in SQLModel.metadata)
)
from cutsim.workspace.migrations import APPLICATION_ID, SCHEMA_VERSION

FIXTURES = Path(__file__).parent / "fixtures"


def test_new_workspace_has_durable_settings(tmp_path: Path, small_doc: dict) -> None:
    source = exchange.read_bytes(json.dumps(small_doc).encode())
    with Workspace.create(tmp_path / "w.sqlite", source) as ws:
        assert ws.pragma("journal_mode") == "wal"
        assert ws.pragma("application_id") == APPLICATION_ID != 0
        assert ws.pragma("user_version") == SCHEMA_VERSION >= 2
        assert ws.pragma("foreign_keys") == 1
        assert ws.pragma("synchronous") == 2  # FULL


def test_round_trip_through_the_workspace_keeps_everything(tmp_path: Path, small_doc: dict) -> None:
    small_doc["model"]["services"][0].update(groups=["young_people"], illustrative=True, notes="n")
    small_doc["model"]["agencies"][0]["savings_target"] = 250000
    small_doc["scenarios"][0]["red_lines"] = [{"outcome": "offending", "max_change": 5, "as": "percent"}]
    small_doc["provenance"] = {"author": "A. Finance", "organisation": "Smallton Council"}
    small_doc["model"]["place"].update(discount_schedule="flat", terminal_years=25)  # schema v4
    small_doc["format_version"], small_doc["min_reader_version"] = 2, 2
    source = exchange.read_bytes(json.dumps(small_doc).encode())
    with Workspace.create(tmp_path / "w.sqlite", source) as ws:
        back = ws.load()
    assert back.model == source.model
    assert back.scenarios == source.scenarios
    assert back.provenance.author == "A. Finance"


def test_fresh_schema_matches_the_sqlmodel_tables(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "w.sqlite").close()
    conn = sqlite3.connect(tmp_path / "w.sqlite")
    for table in SQLModel.metadata.sorted_tables:
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table.name})")}
        assert columns == {c.name for c in table.columns}, table.name
    conn.close()


def test_an_old_workspace_is_backed_up_then_migrated(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "workspace-v1.sqlite", old)
    original = old.read_bytes()
    with Workspace.open(old) as ws:
        assert ws.backup is not None and ws.backup.read_bytes()[:16] == b"SQLite format 3\x00"
        assert ws.pragma("user_version") == SCHEMA_VERSION
        assert ws.pragma("journal_mode") == "wal"
        migrated = ws.load()
    backup = sqlite3.connect(ws.backup)
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    assert backup.execute("SELECT name FROM model").fetchone()[0] == "Old Town"
    backup.close()
    assert original != old.read_bytes()
    assert migrated.model.place.name == "Old Town"
    assert migrated.model.service("youth").groups == ["young_people"]
    assert migrated.model.service("youth").illustrative is False  # the column v2 added
    assert migrated.scenarios[0].levers[0].percent == 20
    assert migrated.model.place.discount_schedule is None  # the column v4 added: Green Book
    assert migrated.model.place.terminal_years is None


def test_a_newer_or_foreign_database_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    Workspace.create(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(InputError, match="written by a newer cutsim"):
        Workspace.open(newer)
    foreign = tmp_path / "other.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(InputError, match="not a cutsim workspace"):
        Workspace.open(foreign)


def test_a_failed_save_leaves_the_workspace_as_it_was(tmp_path: Path, small_doc: dict) -> None:
    source = exchange.read_bytes(json.dumps(small_doc).encode())
    with Workspace.create(tmp_path / "w.sqlite", source) as ws:
        # an effect whose service is missing passes the typed schema but fails validation
        broken = source.model_copy(deep=True)
        broken.model.effects[0].service = "gone"
        with pytest.raises(InputError, match='refers to service "gone"'):
            ws.save(broken)
        assert ws.load().model == source.model
        edits_before = len(ws.edits())
        # and a failure inside the transaction (a foreign key the validator cannot see:
        # here simulated by bypassing validation) rolls back every row already written
        from cutsim.workspace import store

        original = store._require_valid
        store._require_valid = lambda _f: None
        try:
            with pytest.raises(StorageError):
                ws.save(broken)
        finally:
            store._require_valid = original
        assert ws.load().model == source.model
        assert len(ws.edits()) == edits_before


def test_a_bare_number_in_a_json_column_comes_back_exactly(tmp_path: Path, small_doc: dict) -> None:
    # SQLite's own text-to-real conversion is not correctly rounded: this value came back
    # as 16777216.674478568 while the column had NUMERIC affinity.
    small_doc["model"]["agencies"][0]["savings_target"] = 16777216.67447857
    small_doc["model"]["agencies"][1]["savings_target"] = [0.1] * 10
    source = exchange.read_bytes(json.dumps(small_doc).encode())
    with Workspace.create(tmp_path / "w.sqlite", source) as ws:
        agencies = ws.load().model.agencies
    assert agencies[0].savings_target == 16777216.67447857
    assert agencies[1].savings_target == [0.1] * 10


def test_fields_of_format_2_round_trip_through_a_workspace(tmp_path):
    """Fields with no column of their own (a consultation block, the financial plan's
    funding and growth, a headline year) come back exactly, through the extra column."""
    from cutsim.files import exchange
    from cutsim.workspace.store import Workspace

    repo = Path(__file__).resolve().parents[2]
    consulted = exchange.read_file(repo / "scenarios" / "budget-consultation.cutsim")
    scenario = consulted.scenarios[0].model_copy(update={"headline_year": 3})
    source = exchange.read_file(repo / "models" / "example-place.cutsim")
    source = source.model_copy(update={"scenarios": [scenario]})
    path = tmp_path / "w.sqlite"
    Workspace.create(path, source).close()
    with Workspace.open(path) as workspace:
        back = workspace.load()
    assert back.scenarios == source.scenarios
    assert back.model == source.model
    council = back.model.agency("council")
    assert council.reserves == 15_000_000 and back.model.service("lac").demand_growth_percent == 4.0


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every item, scenario and lever row of a workspace, keyed rows sorted."""
    conn = sqlite3.connect(path)
    try:
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in ("agency", "service", "outcome", "effect", "demand", "scenario", "lever")}
    finally:
        conn.close()


def test_saving_only_the_changes_leaves_what_a_full_save_leaves(tmp_path: Path) -> None:
    """Import writes only the rows that differ (``save(previous=…)``); the workspace must
    end exactly as rewriting every row leaves it: items changed, added, moved and
    removed, a service moved to a new agency whose old agency goes, links following."""
    before = exchange.read_file(Path(__file__).parents[2] / "models" / "example-place.cutsim")
    model = before.model
    services = list(model.services)
    lone = [n for n, s in enumerate(services)
            if sum(t.agency == s.agency for t in services) == 1][0]  # its agency's only service
    old_agency = services[lone].agency
    new_agency = model.agencies[0].model_copy(update={"id": "new-agency", "name": "New agency"})
    services[lone] = services[lone].model_copy(update={"agency": "new-agency"})
    changed = 1 if lone != 1 else 2
    services[changed] = services[changed].model_copy(update={"unit_cost": services[changed].unit_cost * 1.5})
    services.append(services[5].model_copy(update={"id": "added-service", "name": "Added"}))
    services[3], services[4] = services[4], services[3]  # moved: positions change
    gone_effect = model.effects[-1].id
    effects = [e for e in model.effects if e.id != gone_effect]
    agencies = [new_agency, *(a for a in model.agencies if a.id != old_agency)]
    after = before.model_copy(update={"model": model.model_copy(update={
        "services": services, "effects": effects, "agencies": agencies})})
    assert not validate_file(after), "the test's edited model must be valid"

    for name, previous in (("full", None), ("changes", before)):
        path = tmp_path / f"{name}.sqlite"
        with Workspace.create(path, before) as ws:
            ws.save(after, previous=previous)
            back = ws.load()
            assert (back.model, back.scenarios) == (after.model, after.scenarios)
    assert _rows(tmp_path / "full.sqlite") == _rows(tmp_path / "changes.sqlite")


def test_a_save_expecting_an_older_version_writes_nothing(tmp_path: Path) -> None:
    source = exchange.read_file(Path(__file__).parents[2] / "models" / "example-place.cutsim")
    path = tmp_path / "w.sqlite"
    with Workspace.create(path, source) as ws:
        loaded, version = ws.load_versioned()
        assert version == ws.model_version() > 0
        changed = loaded.model_copy(update={"scenarios": loaded.scenarios[:1]})
        newer = ws.save(changed, expected_version=version)  # nobody wrote between: saved
        assert newer > version and ws.model_version() == newer
        before = _rows(path)
        with pytest.raises(WorkspaceChanged, match="changed since you opened it"):
            ws.save(loaded, expected_version=version)  # read before the save above
        assert _rows(path) == before
        ws.save(loaded, expected_version=newer)
        assert len(ws.load().scenarios) == len(source.scenarios)


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_a_workspace_of_every_older_version_is_backed_up_then_migrated(tmp_path: Path,
                                                                       version: int) -> None:
    from cutsim.workspace.migrations import MIGRATIONS

    old = tmp_path / f"v{version}.sqlite"
    shutil.copy(FIXTURES / "workspace-v1.sqlite", old)
    conn = sqlite3.connect(old, isolation_level=None)  # as that version of cutsim left it
    for step in MIGRATIONS[:version - 1]:
        step(conn)
    conn.execute("UPDATE agency SET savings_target = '250000.25' WHERE id = 'council'")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    with Workspace.open(old) as ws:
        assert ws.pragma("user_version") == SCHEMA_VERSION
        migrated = ws.load()
    backup = sqlite3.connect(ws.backup)
    assert backup.execute("PRAGMA user_version").fetchone()[0] == version
    backup.close()
    assert migrated.model.place.name == "Old Town"
    assert migrated.model.agency("council").savings_target == 250000.25
    assert migrated.scenarios[0].levers[0].percent == 20
    with Workspace.open(old) as again:  # migrated once: no second backup
        assert again.backup is None
