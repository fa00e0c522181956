"""``cutsim actuals import``: located errors, nothing half-imported (issue 35)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from support.small_model import SMALL_DOC

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.workspace.store import Workspace

GOOD = """kind,id,year,value,source,area,date
spend,youth,2026-27,812345.5,RO outturn,,2027-07-01
outcome,OFF1,2026-27,2011.25,YJB,,
outcome,offending,2027-28,1990,YJB,,
"""

HOSTILE = """kind,id,year,value,source
spend,nope,2026-27,1,x
outcome,offending,2050-51,1,x
outcome,offending,2026-27,NaN,x
outcome,offending,2027-28,5,x
outcome,offending,2027-28,6,x
thing,youth,2026-27,1,x
spend,youth,2026-27,,x
spend,youth,2028-29,-inf,x
spend,youth,26-27,1,x
"""


@pytest.fixture
def target(tmp_path: Path) -> Path:
    doc = copy.deepcopy(SMALL_DOC)
    doc["model"]["outcomes"][0]["indicator"] = "OFF1"
    path = tmp_path / "place.cutsim"
    exchange.write_file(path, exchange.load_document(doc))
    return path


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_csv_is_imported_with_indicator_codes_read_as_ids(tmp_path, target, capsys) -> None:
    assert main(["actuals", "import", str(target), str(_write(tmp_path, "a.csv", GOOD))]) == 0
    assert "added 3 observation(s)" in capsys.readouterr().out
    actuals = exchange.read_file(target).actuals
    assert [(o.kind, o.id, o.year, o.value) for o in actuals.observations] == [
        ("spend", "youth", "2026-27", 812345.5), ("outcome", "offending", "2026-27", 2011.25),
        ("outcome", "offending", "2027-28", 1990.0)]
    assert actuals.observations[0].date == "2027-07-01"
    # the same rows again: held already, nothing changes
    before = target.read_bytes()
    assert main(["actuals", "import", str(target), str(tmp_path / "a.csv")]) == 0
    assert exchange.read_file(target).actuals == actuals
    assert len(before) == len(target.read_bytes())


def test_a_hostile_csv_gets_every_problem_by_row_and_imports_nothing(tmp_path, target, capsys) -> None:
    before = target.read_bytes()
    assert main(["actuals", "import", str(target), str(_write(tmp_path, "bad.csv", HOSTILE))]) == 1
    err = capsys.readouterr().err
    for expected in (
        'bad.csv row 2 (id): refers to service "nope", which does not exist',
        'bad.csv row 3 (year): year "2050-51" is outside the model\'s horizon (2026-27 to 2035-36)',
        "bad.csv row 4 (value): must be a finite number",
        "bad.csv row 6: the same outcome offending in 2027-28 as bad.csv row 5",
        "bad.csv row 7 (kind): must be outcome or spend",
        "bad.csv row 8 (value): required, the cell is empty",
        "bad.csv row 9 (value): must be a finite number",
        'bad.csv row 10 (year): year must be a financial-year label',
        "nothing was imported",
    ):
        assert expected in err
    assert target.read_bytes() == before


def test_a_changed_value_is_refused_unless_replaced(tmp_path, target, capsys) -> None:
    assert main(["actuals", "import", str(target), str(_write(tmp_path, "a.csv", GOOD))]) == 0
    changed = _write(tmp_path, "b.csv", "kind,id,year,value,source\nspend,youth,2026-27,9,RO\n")
    before = target.read_bytes()
    assert main(["actuals", "import", str(target), str(changed)]) == 1
    assert "--replace" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert main(["actuals", "import", str(target), str(changed), "--replace"]) == 0
    assert exchange.read_file(target).actuals.observations[0].value == 9.0


@pytest.mark.parametrize("table", [
    "kind,id,year,value\nspend,youth,2026-27,1\n",  # a required column missing
    "kind,id,year,value,source,colour\nspend,youth,2026-27,1,x,red\n",  # an unknown column
    "kind,id,year,value,source,value\nspend,youth,2026-27,1,x,2\n",  # a column twice
])
def test_a_table_with_bad_columns_is_refused(tmp_path, target, capsys, table) -> None:
    before = target.read_bytes()
    assert main(["actuals", "import", str(target), str(_write(tmp_path, "t.csv", table))]) == 1
    assert "row 1" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_not_utf8_is_refused(tmp_path, target, capsys) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("kind,id,year,value,source\nspend,youth,2026-27,1,Caf\xe9\n".encode("latin-1"))
    assert main(["actuals", "import", str(target), str(path)]) == 1
    assert "not UTF-8" in capsys.readouterr().err


def test_import_into_a_workspace_and_from_a_workbook(tmp_path, target) -> None:
    from cutsim.files.workbook import write_workbook

    ws_path = tmp_path / "w.sqlite"
    Workspace.create(ws_path, exchange.read_file(target)).close()
    assert main(["actuals", "import", str(ws_path), str(_write(tmp_path, "a.csv", GOOD)),
                 "--illustrative"]) == 0
    with Workspace.open(ws_path) as ws:
        held = ws.load()
    assert held.actuals.illustrative and len(held.actuals.observations) == 3
    # the model workbook's Actuals sheet (units in row 2) reads back as the same rows
    write_workbook(tmp_path / "m.xlsx", held)
    assert main(["actuals", "import", str(target), str(tmp_path / "m.xlsx")]) == 0
    assert exchange.read_file(target).actuals.observations == held.actuals.observations


def test_a_file_with_actuals_is_format_version_3(tmp_path, target) -> None:
    assert main(["actuals", "import", str(target), str(_write(tmp_path, "a.csv", GOOD))]) == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert (document["format_version"], document["min_reader_version"]) == (3, 1)


def test_a_decision_is_recorded_and_a_bad_one_changes_nothing(tmp_path, target, capsys) -> None:
    assert main(["actuals", "decide", str(target), "--scenario", "youth-cut", "--date",
                 "2026-03-04", "--by", "Cabinet"]) == 0
    decision = exchange.read_file(target).actuals.decision
    assert (decision.scenario, decision.date, decision.by) == ("youth-cut", "2026-03-04", "Cabinet")
    before = target.read_bytes()
    assert main(["actuals", "decide", str(target), "--scenario", "nope"]) == 1
    assert 'no scenario "nope"' in capsys.readouterr().err
    assert main(["actuals", "decide", str(target), "--scenario", "youth-cut", "--date", "4/3/26"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert target.read_bytes() == before
