"""`cutsim run` on a small fixture model: the JSON keeps the result contract (docs/result-format.md)."""

from __future__ import annotations

import json

import pytest
from support.cli import run_cli
from support.engine_fixtures import cutsim_file, loop_model
from support.result_contract import result_problems

from cutsim.files.exchange import write_file

SCENARIO = {"id": "s1", "name": "Youth and A&E", "levers": [
    {"id": "l1", "kind": "cut", "service": "youth", "percent": 20, "phase_years": 1,
     "one_off_cost": 50_000},
    {"id": "l2", "kind": "cut", "service": "ae", "percent": 5, "start_year": 2}],
    "red_lines": [{"outcome": "crime", "max_change": 10, "as": "level"}]}


@pytest.fixture()
def fixture_file(tmp_path):
    path = tmp_path / "place.cutsim"
    write_file(path, cutsim_file(loop_model(), [SCENARIO]))
    return path


def _cutsim(*args):
    return run_cli(*args)


@pytest.mark.parametrize("extra", [[], ["--draws", "20", "--seed", "1"]])
def test_run_json_keeps_the_result_contract(fixture_file, extra):
    run = _cutsim("run", str(fixture_file), "--scenario", "s1", "--json", *extra)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    model = json.loads(fixture_file.read_text(encoding="utf-8"))["model"]
    assert result_problems(result, model) == []
    assert result["red_lines"][0]["outcome"] == "crime"
    assert ("uncertainty" in result) == bool(extra)


def test_run_table_csv_and_bad_scenario(fixture_file, tmp_path):
    table = _cutsim("run", str(fixture_file), "--scenario", "s1")
    assert table.returncode == 0 and "2026-27" in table.stdout and "place" in table.stdout
    out = tmp_path / "r.csv"
    csv_run = _cutsim("run", str(fixture_file), "--scenario", "s1", "--csv", "--out", str(out))
    assert csv_run.returncode == 0
    assert out.read_text().splitlines()[0] == "t,entity,id,series,value"
    bad = _cutsim("run", str(fixture_file), "--scenario", "nope")
    assert bad.returncode == 1 and 'no scenario "nope"' in bad.stderr
    assert "Traceback" not in bad.stderr
