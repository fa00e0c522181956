"""A hostile-workspace corpus: each file is refused with exit 1 and a message, or read
safely with exit 0; never a traceback, nothing written, and a planted trigger never runs."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
SCENARIO = ROOT / "scenarios" / "youth-cut.cutsim"


def _sql(*statements: str) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = OFF")
            for statement in statements:
                conn.execute(statement)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    return change


def _bytes(edit: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        path.write_bytes(edit(path.read_bytes()))
    return change


def _recreate_service_with(column_sql: str) -> Callable[[Path], None]:
    """The service table rebuilt with one column declared differently."""
    def change(path: Path) -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE name='service'").fetchone()[0]
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("PRAGMA legacy_alter_table = ON")
            conn.execute("ALTER TABLE service RENAME TO service_old")
            conn.execute(sql.replace("baseline_spend FLOAT NOT NULL", column_sql))
            conn.execute("INSERT INTO service SELECT * FROM service_old")
            conn.execute("DROP TABLE service_old")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    return change


DEEP = "[" * 100_000 + "]" * 100_000
TRIGGER = ("CREATE TRIGGER leak AFTER INSERT ON edit BEGIN "
           "UPDATE service SET confidential = 0, name = 'PWNED'; END")

# name -> (how to spoil a good workspace, may it be read safely (exit 0)?)
CORPUS: dict[str, tuple[Callable[[Path], None], bool]] = {
    "truncated to half": (_bytes(lambda b: b[: len(b) // 2]), False),
    "truncated inside the header": (_bytes(lambda b: b[:60]), False),
    "header only": (_bytes(lambda b: b[:100]), False),
    "first page only": (_bytes(lambda b: b[:4096]), False),
    "random bytes after the header": (_bytes(lambda b: b[:100] + os.urandom(4000) + b[4100:]), False),
    "random bytes over a data page": (_bytes(lambda b: b[:8192] + os.urandom(4096) + b[12288:]), False),
    "bytes appended after the end": (_bytes(lambda b: b + os.urandom(5000)), True),
    "dropped column": (_sql("ALTER TABLE service DROP COLUMN notes"), False),
    "wrong column type": (_recreate_service_with("baseline_spend TEXT NOT NULL"), False),
    "text in a number column": (_sql("UPDATE service SET baseline_spend = 'lots'"), False),
    "blob as a name": (_sql("UPDATE agency SET name = x'00ff00ff'"), False),
    "planted trigger": (_sql(TRIGGER), False),
    "planted temp-looking trigger on model": (_sql(
        "CREATE TRIGGER t2 BEFORE UPDATE ON model BEGIN SELECT 1; END"), False),
    "view": (_sql("CREATE VIEW everything AS SELECT * FROM service"), False),
    "recursive view": (_sql("CREATE VIEW boom AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL "
                            "SELECT n + 1 FROM r) SELECT n FROM r"), False),
    "unknown table": (_sql("CREATE TABLE extra (x)"), False),
    "unknown index": (_sql("CREATE INDEX sneaky ON service (name)"), False),
    "huge steps_per_year": (_sql("UPDATE model SET steps_per_year = 1000000000"), False),
    "huge horizon": (_sql("UPDATE model SET horizon_years = 100000"), False),
    "negative unit cost": (_sql("UPDATE service SET unit_cost = -5"), False),
    "infinite spend": (_sql("UPDATE service SET baseline_spend = 9e999"), False),
    "deep JSON in a column": (_sql(f"UPDATE service SET groups = '{DEEP}'"), False),
    "broken JSON in lever params": (_sql("UPDATE lever SET params = '{{{'"), False),
    "duplicate keys in lever params": (_sql(
        "UPDATE lever SET params = '{\"kind\": \"cut\", \"kind\": \"cut\"}'"), False),
    "unknown lever kind": (_sql("UPDATE lever SET params = '{\"kind\": \"nuke\", \"id\": \"x\"}'"),
                           False),
    "number as JSON column": (_sql("UPDATE service SET groups = 5"), False),
    "id that is not a slug": (_sql("UPDATE scenario SET id = 'Bad Id!' WHERE position = 1"), False),
    "dangling link": (_sql("UPDATE effect SET service = 'no-such-service'"), False),
    "huge name": (_sql("UPDATE agency SET name = printf('%.200000c', 'x')"), False),
    "wrong application id": (_sql("PRAGMA application_id = 1"), False),
    "newer schema version": (_sql("PRAGMA user_version = 99"), False),
    "schema version zero": (_sql("PRAGMA user_version = 0"), False),
    "no model": (_sql("DELETE FROM lever", "DELETE FROM scenario", "DELETE FROM effect",
                      "DELETE FROM demand", "DELETE FROM service", "DELETE FROM outcome",
                      "DELETE FROM agency", "DELETE FROM edit", "DELETE FROM model"), False),
    "terminal escapes in names": (_sql("UPDATE agency SET name = char(27) || '[2J' || char(13) "
                                       "|| 'Validated OK'"), True),
}


@pytest.fixture(scope="module")
def good_workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.sqlite"
    Workspace.create(path, exchange.read_file(EXAMPLE)).close()
    return path


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_hostile_workspace_is_refused_or_read_safely(name, good_workspace, tmp_path, capsys) -> None:
    spoil, may_read = CORPUS[name]
    folder = tmp_path / "ws"
    folder.mkdir()
    path = folder / "hostile.sqlite"
    shutil.copyfile(good_workspace, path)
    spoil(path)
    before = _digest(folder)
    out = tmp_path / "out.cutsim"
    commands = [["show", str(path)], ["validate", str(path)],
                ["export", str(path), "-o", str(out), "--redact"]]
    if name not in ("no model", "terminal escapes in names"):  # import may rightly add or clash
        commands.append(["import", str(path), str(SCENARIO)])
    for argv in commands:
        code = main(argv)  # a traceback would be raised here and fail the test
        captured = capsys.readouterr()
        assert "\x1b" not in captured.out + captured.err
        if may_read:
            assert code == 0, (argv, captured.err)
        else:
            assert code == 1, (argv, code, captured.out)
            # (import first says the received file is unsigned: a warning, not the error)
            errors = [line for line in captured.err.splitlines() if line.startswith("cutsim: ")]
            assert errors and "hostile.sqlite" in errors[0], captured.err
            assert not out.exists()
            assert _digest(folder) == before, f"{argv[0]} wrote to a refused workspace"
        if argv[0] in ("show", "validate"):
            assert _digest(folder) == before, f"{argv[0]} wrote to the workspace"
    if not may_read:
        return
    # read safely: what it holds is what export wrote, and nothing ran
    exported = exchange.read_file(out)
    assert all(s.name != "PWNED" for s in exported.model.services)


def test_a_planted_trigger_never_runs(good_workspace, tmp_path, capsys) -> None:
    path = tmp_path / "trap.sqlite"
    shutil.copyfile(good_workspace, path)
    _sql(TRIGGER)(path)
    assert main(["import", str(path), str(SCENARIO)]) == 1
    assert 'trigger "leak"' in capsys.readouterr().err
    with sqlite3.connect(path) as conn:  # the canary: no service was renamed or made public
        assert conn.execute("SELECT count(*) FROM service WHERE name = 'PWNED'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM edit").fetchone()[0] == 1
    conn.close()


def test_messages_name_what_is_wrong(good_workspace, tmp_path, capsys) -> None:
    expect = {"view": 'view "everything"', "unknown table": 'table "extra"',
              "dropped column": "changed definition of service",
              "huge steps_per_year": "steps_per_year", "truncated to half": "hostile.sqlite"}
    for name, words in expect.items():
        path = tmp_path / name.replace(" ", "-") / "hostile.sqlite"
        path.parent.mkdir()
        shutil.copyfile(good_workspace, path)
        CORPUS[name][0](path)
        assert main(["show", str(path)]) == 1
        assert words in capsys.readouterr().err, name
