"""``cutsim run`` and ``compare`` for people and machines: the headline year, draws,
annual CSV, workspaces and out-of-range options (docs/result-format.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

import cutsim
from cutsim.appraise.montecarlo import draw_params
from cutsim.cli import main
from cutsim.engine.compiled import Params
from cutsim.files.exchange import read_file
from cutsim.model.audit import audit_text
from cutsim.model.schema import PLACE_ID
from cutsim.workspace.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
POOLED = ROOT / "scenarios" / "pooled-health-care.cutsim"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_with_draws_prints_bands_of_place_npv_and_each_agency_in_the_headline_year(capsys):
    code, text, _ = _run(capsys, "run", str(EXAMPLE), "--scenario", "youth-cut",
                         "--draws", "64", "--seed", "5")
    assert code == 0
    plain_code, plain, _ = _run(capsys, "run", str(EXAMPLE), "--scenario", "youth-cut")
    assert text != plain and "P10" in text and "P50" in text and "P90" in text
    assert "place NPV" in text and "council net saving in 2030-31" in text
    assert "In 2030-31 (the headline year)" in plain
    assert audit_text(text) == [] and audit_text(plain) == []


def test_annual_draw_bands_are_the_exact_annual_figures_of_the_draws():
    project = cutsim.load(EXAMPLE)
    cm = project.compiled
    result = project.run("youth-cut", draws=16, seed=9)
    params = draw_params(cm, 16, 9)
    annual = np.array([project.run("youth-cut", params=Params(params.k[i], params.d[i]))
                       .agency_annual["net_saving"] for i in range(16)])  # (D, A, H)
    band = result.uncertainty.annual_net_saving("police")
    police = cm.agency_index["police"]
    assert band.p50 == pytest.approx(np.percentile(annual[:, police], 50, axis=0).tolist(),
                                        rel=1e-9, abs=1e-6)
    place = result.uncertainty.annual_net_saving(PLACE_ID).p90
    assert place == pytest.approx(np.percentile(annual.sum(axis=1), 90, axis=0).tolist(),
                                  rel=1e-9, abs=1e-6)


def test_csv_annual_writes_financial_years_exactly(capsys):
    code, text, _ = _run(capsys, "run", str(EXAMPLE), "--scenario", "youth-cut", "--csv", "--annual")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["year", "entity", "id", "series", "value"]
    result = cutsim.load(EXAMPLE).run("youth-cut")
    got = {(r["year"], r["id"], r["series"]): float(r["value"]) for r in rows}
    assert got[("2030-31", "place", "net_saving")] == result.place_annual["net_saving"][4]
    assert got[("2026-27", "council", "planned_saving")] == result.agency_annual["planned_saving"][0, 0]
    assert len(rows) == (len(result.compiled.agency_ids) + 1) * 4 * 10


def test_run_and_compare_read_a_workspace_and_choose_its_model(tmp_path, capsys):
    path = tmp_path / "w.sqlite"
    with Workspace.create(path, read_file(EXAMPLE)) as ws:
        pass
    code, text, _ = _run(capsys, "run", str(path), "--scenario", "youth-cut", "--json")
    assert code == 0
    direct = cutsim.load(EXAMPLE).run("youth-cut").to_json_dict()
    assert json.loads(text)["appraisal"]["npv"]["place"] == pytest.approx(direct["appraisal"]["npv"]["place"])
    code, text, _ = _run(capsys, "compare", str(path), "--scenario", "youth-cut", "--scenario", "baseline")
    assert code == 0 and "Net saving in 2030-31" in text
    with Workspace.open(path) as ws:
        ws.add_model(read_file(POOLED))
        keys = ws.model_keys()
    code, _, err = _run(capsys, "run", str(path), "--scenario", "youth-cut")
    assert code == 1 and "--model" in err and "2 models" in err
    code, text, _ = _run(capsys, "run", str(path), "--scenario", "bcf-benefit", "--model", str(keys[1][0]))
    assert code == 0 and "bcf-benefit" in text
    code, _, err = _run(capsys, "run", str(path), "--scenario", "youth-cut", "--model", "nope")
    assert code == 1 and 'no model "nope"' in err


@pytest.mark.parametrize("argv", [
    ["run", str(EXAMPLE), "--scenario", "youth-cut", "--draws", "0"],
    ["run", str(EXAMPLE), "--scenario", "youth-cut", "--draws", "5", "--seed", "-1"],
    ["run", str(EXAMPLE), "--scenario", "youth-cut", "--year", "2040-41"],
    ["run", str(EXAMPLE), "--scenario", "youth-cut", "--year", "10"],
    ["run", str(EXAMPLE), "--scenario", "youth-cut", "--year", "2030-32"],
    ["run", str(EXAMPLE), "--scenario", "youth-cut", "--annual"],
    ["compare", str(EXAMPLE), "--scenario", "youth-cut", "--scenario", "baseline", "--year", "x"],
    ["publish", str(EXAMPLE), "--scenario", "youth-cut", "-o", "unused", "--draws", "-1"],
    ["publish", str(EXAMPLE), "--scenario", "youth-cut", "-o", "unused", "--years", "12"],
])
def test_out_of_range_options_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_year_takes_a_label_or_an_index(capsys):
    _, by_label, _ = _run(capsys, "run", str(EXAMPLE), "--scenario", "youth-cut", "--year", "2028-29")
    _, by_index, _ = _run(capsys, "run", str(EXAMPLE), "--scenario", "youth-cut", "--year", "2")
    assert by_label == by_index and "In 2028-29 (the headline year)" in by_label
