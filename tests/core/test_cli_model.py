"""`cutsim init / validate / show / export` as a user runs them (the entry point in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import CliRun, run_cli

from cutsim.files import exchange

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


def cutsim(*args: object, cwd: Path | None = None) -> CliRun:
    return run_cli(*args, cwd=cwd)


def test_init_show_export_round_trip(tmp_path: Path, small_file: Path) -> None:
    ws = tmp_path / "ws.sqlite"
    assert cutsim("validate", small_file).returncode == 0
    done = cutsim("init", ws, "--from", small_file)
    assert done.returncode == 0, done.stderr
    shown = cutsim("show", ws)
    assert shown.returncode == 0
    assert "Smallton" in shown.stdout and "youth" in shown.stdout and "£6.00m" in shown.stdout
    out = tmp_path / "out.cutsim"
    assert cutsim("export", ws, "-o", out).returncode == 0
    original, exported = exchange.read_file(small_file), exchange.read_file(out)
    assert exported.model == original.model and exported.scenarios == original.scenarios
    assert json.loads(out.read_text())["sha256"]  # files cutsim writes carry their hash


@pytest.mark.parametrize("breakage, expected", [
    (lambda d: d["model"]["effects"][0].update(service="nowhere"),
     'effects[0] "e1": service refers to service "nowhere", which does not exist'),
    (lambda d: d["model"]["services"][0].update(unit_cost=-5),
     'services[0] "youth": unit_cost must be > 0 (got -5)'),
    (lambda d: d["model"]["services"][0].update(colour="red"),
     'services[0] "youth": colour: unknown field'),
])
def test_bad_files_are_refused_with_a_located_message(tmp_path: Path, small_doc: dict,
                                                      breakage, expected: str) -> None:
    breakage(small_doc)
    bad = tmp_path / "bad.cutsim"
    bad.write_text(json.dumps(small_doc))
    _assert_refused_without_change(tmp_path, bad, expected)


@pytest.mark.parametrize("text, expected", [
    ('"per_unit": NaN', "NaN is not allowed"),
    ('"unit_cost": 1000, "unit_cost": 1000', 'duplicate key "unit_cost"'),
])
def test_bad_json_is_refused(tmp_path: Path, small_doc: dict, text: str, expected: str) -> None:
    raw = json.dumps(small_doc)
    raw = raw.replace('"per_unit": -0.5', text) if "NaN" in text else raw.replace('"unit_cost": 1000', text)
    bad = tmp_path / "bad.cutsim"
    bad.write_text(raw)
    _assert_refused_without_change(tmp_path, bad, expected)


def _assert_refused_without_change(tmp_path: Path, bad: Path, expected: str) -> None:
    done = cutsim("validate", bad)
    assert done.returncode == 1
    assert expected in done.stderr and "Traceback" not in done.stderr
    ws = tmp_path / "ws.sqlite"
    done = cutsim("init", ws, "--from", bad)
    assert done.returncode == 1 and expected in done.stderr and "Traceback" not in done.stderr
    assert not ws.exists()


def test_usage_errors_exit_2() -> None:
    assert cutsim().returncode == 2
    assert cutsim("validate").returncode == 2
    assert cutsim("frobnicate").returncode == 2


@pytest.mark.skipif(not EXAMPLE.exists(), reason="example model not present")
def test_the_bundled_example_validates_and_round_trips(tmp_path: Path) -> None:
    assert cutsim("validate", EXAMPLE).returncode == 0
    ws = tmp_path / "ws.sqlite"
    assert cutsim("init", ws, "--from", EXAMPLE).returncode == 0
    shown = cutsim("show", ws)
    assert shown.returncode == 0 and exchange.read_file(EXAMPLE).model.place.name in shown.stdout
    out = tmp_path / "out.cutsim"
    assert cutsim("export", ws, "-o", out).returncode == 0
    assert exchange.read_file(out).model == exchange.read_file(EXAMPLE).model


def test_an_unwritable_out_path_is_bad_input_not_a_traceback(tmp_path: Path, small_file: Path) -> None:
    target = tmp_path / "no-such-folder" / "result.json"
    done = cutsim("run", small_file, "--scenario", "youth-cut", "--json", "--out", target)
    assert done.returncode == 1 and "cannot write" in done.stderr and "Traceback" not in done.stderr
