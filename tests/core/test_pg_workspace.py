"""A workspace in a PostgreSQL database, against the private test server (tests/conftest.py)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import psycopg
import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.model.errors import InputError, WorkspaceChanged
from cutsim.workspace import create_workspace, open_workspace
from cutsim.workspace.sources import open_source, read_any
from cutsim.workspace.tables import (
    ITEM_TABLES,
    ActualRow,
    AdoptionRow,
    DecisionRow,
    EditRow,
    LeverRow,
    ModelRow,
    RunRow,
    ScenarioRow,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"


def _columns_sqlite(path: Path) -> dict[str, list[str]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(r[1] for r in conn.execute(f"PRAGMA table_info({n})")) for n in names}
    finally:
        conn.close()


def _columns_pg(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema()").fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return {t: sorted(c) for t, c in out.items()}


def test_init_on_a_url_gives_the_same_tables_columns_and_model_as_a_file(pg_url: str,
                                                                       tmp_path: Path, capsys) -> None:
    assert main(["init", pg_url, "--from", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    password = pg_url.split(":")[2].split("@")[0]
    assert "created workspace postgresql://cutsim_admin:***@" in out and password not in out
    local = tmp_path / "w.sqlite"
    assert main(["init", str(local), "--from", str(EXAMPLE)]) == 0
    assert _columns_pg(pg_url) == _columns_sqlite(local)
    assert "baseline_spend" in _columns_pg(pg_url)["service"]
    on_server, in_file = read_any(pg_url), read_any(local)
    assert exchange.to_document(on_server, stamp=False) == exchange.to_document(in_file, stamp=False)


def test_run_json_over_the_server_is_byte_identical_to_the_file(pg_url: str, capsys) -> None:
    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    capsys.readouterr()
    assert main(["run", str(EXAMPLE), "--scenario", "youth-cut", "--json"]) == 0
    from_file = capsys.readouterr().out
    assert main(["run", pg_url, "--scenario", "youth-cut", "--json"]) == 0
    assert capsys.readouterr().out == from_file


def test_init_refuses_a_database_that_is_not_empty_and_changes_nothing(pg_url: str, capsys) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE theirs (x int)")
    assert main(["init", pg_url, "--from", str(EXAMPLE)]) == 1
    assert "already holds tables (theirs)" in capsys.readouterr().err
    with psycopg.connect(pg_url) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    assert names == ["theirs"]


def test_a_database_without_a_workspace_is_refused_in_words(pg_url: str) -> None:
    with pytest.raises(InputError, match="holds no cutsim workspace"):
        open_workspace(pg_url)


def test_a_workspace_from_a_newer_cutsim_is_refused(pg_url: str) -> None:
    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    with psycopg.connect(pg_url) as conn:
        conn.execute("COMMENT ON TABLE model IS 'cutsim workspace, schema version 99'")
    with pytest.raises(InputError, match="version 99 was written by a newer cutsim"):
        open_workspace(pg_url)


def _with_spend(cutsim_file, service_id: str, spend: float):
    services = [s.model_copy(update={"baseline_spend": spend}) if s.id == service_id else s
                for s in cutsim_file.model.services]
    return cutsim_file.model_copy(update={"model": cutsim_file.model.model_copy(
        update={"services": services})})


def test_two_clients_saving_at_once_one_wins_the_other_is_told_what_changed(pg_url: str) -> None:
    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    first, second = open_workspace(pg_url), open_workspace(pg_url)
    try:
        mine, version = first.load_versioned()
        theirs, same_version = second.load_versioned()
        assert version == same_version
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def save(name, workspace, model) -> None:
            barrier.wait()
            try:
                outcomes[name] = workspace.save(model, expected_version=version)
            except WorkspaceChanged as exc:
                outcomes[name] = exc

        threads = [threading.Thread(target=save, args=("a", first, _with_spend(mine, "youth", 111.0))),
                   threading.Thread(target=save, args=("b", second, _with_spend(theirs, "youth", 222.0)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        refused = [o for o in outcomes.values() if isinstance(o, WorkspaceChanged)]
        won = [n for n, o in outcomes.items() if isinstance(o, int)]
        assert len(refused) == 1 and len(won) == 1
        assert "changed since you opened it (save at" in str(refused[0])
        kept = next(s for s in first.load().model.services if s.id == "youth").baseline_spend
        assert kept == (111.0 if won == ["a"] else 222.0)  # the winner's save, nothing lost
        assert first.model_version() == version + 1
    finally:
        first.close()
        second.close()


def test_import_and_export_over_the_url(pg_url: str, tmp_path: Path, capsys) -> None:
    source = exchange.read_file(EXAMPLE)
    with create_workspace(pg_url, source):
        pass
    changed = _with_spend(source, "youth", 2_500_000.0)
    theirs = tmp_path / "theirs.cutsim"
    exchange.write_file(theirs, changed)
    assert main(["import", pg_url, str(theirs), "--all", "replace"]) == 0
    out = capsys.readouterr().out
    assert "imported theirs.cutsim into postgresql://cutsim_admin:***@" in out
    mine = tmp_path / "mine.cutsim"
    assert main(["export", pg_url, "-o", str(mine)]) == 0
    exported = exchange.read_file(mine)
    assert next(s for s in exported.model.services if s.id == "youth").baseline_spend == 2_500_000.0
    opened = open_source(pg_url)
    assert opened.kind == "workspace" and opened.version is not None and opened.version >= 2


def test_every_table_of_a_workspace_file_is_on_the_server(pg_url: str) -> None:
    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    expected = {c.__tablename__ for c in (ModelRow, *ITEM_TABLES, ScenarioRow, LeverRow,
                                          EditRow, RunRow, DecisionRow, ActualRow, AdoptionRow)}
    assert set(_columns_pg(pg_url)) == expected
    with open_workspace(pg_url) as workspace:
        workspace.add_decision("youth-cut", "youth 10% → 20%", "agreed")
        assert [d.change for d in workspace.decisions()] == ["youth 10% → 20%"]
        assert json.dumps(workspace.edits()[0].detail)


def test_bench_on_a_server_reports_each_place_and_leaves_the_database_empty(pg_url: str,
                                                                           capsys) -> None:
    assert main(["bench", "--server", pg_url, "--quick"]) == 0
    report = json.loads(capsys.readouterr().out)["server"]
    assert report["example"]["services"] == len(exchange.read_file(EXAMPLE).model.services)
    assert report["synthetic"]["services"] == 200
    for place in report.values():
        assert place["open_load_seconds"] > 0 and place["save_one_change_seconds"] > 0
    assert _columns_pg(pg_url) == {}


def test_a_listener_hears_a_partners_save(pg_url: str) -> None:
    from cutsim.workspace.live import ChangeListener

    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    heard: list[int] = []
    arrived = threading.Event()

    def on_change(key: int) -> None:
        heard.append(key)
        arrived.set()

    listener = ChangeListener(pg_url, on_change)
    assert listener.start()
    try:
        with open_workspace(pg_url) as partner:
            model, version = partner.load_versioned()
            partner.save(_with_spend(model, "youth", 2_000_000.0), expected_version=version)
            key = partner.model_keys()[0][0]
        assert arrived.wait(10)
        assert heard == [key]
    finally:
        listener.stop()
    with pytest.raises(ValueError):
        ChangeListener("w.sqlite", on_change)
