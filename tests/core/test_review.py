"""``cutsim review``: a hand-checked variance fixture, calibration of the learning, the JSON
(issue 35)."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
from support.small_model import SMALL_DOC

from cutsim.appraise.montecarlo import pert
from cutsim.appraise.review import (
    Evidence,
    PriorDraws,
    ReviewCancelled,
    effective_sample_size,
    importance_weights,
    prior_draws,
    review,
    weighted_quantiles,
    yearly_means,
)
from cutsim.cli import main
from cutsim.engine.compiled import compile_model
from cutsim.files import exchange


def _file(observations: list[dict], **outcome) -> exchange.CutsimFile:
    doc = copy.deepcopy(SMALL_DOC)
    doc["format_version"] = 3
    doc["model"]["services"][0]["demand_growth_percent"] = 10.0  # a pressure on youth
    doc["model"]["outcomes"][0].update(outcome)
    scenario = doc["scenarios"][0]
    # two cuts on youth: 20 % and 10 %, so a delivered saving is shared 2 : 1
    scenario["levers"].append({"id": "l2", "kind": "cut", "service": "youth", "percent": 10,
                               "start_year": 0, "phase_years": 0})
    doc["actuals"] = {"decision": {"scenario": "youth-cut", "date": "2026-02-20"},
                      "observations": observations}
    return exchange.load_document(doc)


SPEND = [
    {"kind": "spend", "id": "youth", "year": "2026-27", "value": 850000.0, "source": "RO"},
    {"kind": "spend", "id": "youth", "year": "2027-28", "value": 1150000.0, "source": "RO"},
]
OUTCOMES = [
    {"kind": "outcome", "id": "offending", "year": "2026-27", "value": 2040.0, "source": "YJB"},
    {"kind": "outcome", "id": "offending", "year": "2027-28", "value": 2400.0, "source": "YJB"},
]


def test_savings_variance_by_hand() -> None:
    result = review(_file(SPEND), draws=64, seed=1)
    youth = result.services["youth"]
    # baseline with pressures: £1m, then £1m × 1.1; delivered = that less the outturn
    assert youth["baseline_with_pressures"] == pytest.approx([1_000_000.0, 1_100_000.0], abs=1e-6)
    assert youth["delivered"] == pytest.approx([150_000.0, -50_000.0], abs=1e-6)
    assert youth["overspent"] == pytest.approx([0.0, 50_000.0], abs=1e-6)
    planned = youth["planned"]
    # the two cuts plan 30 % of the base-year spend each year (a cut is of the service's
    # baseline_spend; the pressure raises the baseline the outturn is set against)
    assert planned == pytest.approx([300_000.0, 300_000.0], rel=1e-9)
    assert youth["slipped"] == pytest.approx([150_000.0, 300_000.0], rel=1e-9)
    # shared among the levers in proportion to their own planned saving (2 : 1)
    assert result.savings["l1"]["planned"] == pytest.approx([200_000.0, 200_000.0], rel=1e-9)
    assert result.savings["l1"]["delivered"] == pytest.approx([100_000.0, -100_000.0 / 3], rel=1e-9)
    assert result.savings["l2"]["delivered"] == pytest.approx([50_000.0, -50_000.0 / 3], rel=1e-9)
    assert result.savings["l2"]["slipped"] == pytest.approx([50_000.0, 100_000.0], rel=1e-9)
    assert result.savings["l1"]["years"] == ["2026-27", "2027-28"]


def test_outcomes_against_the_forecast_by_hand() -> None:
    result = review(_file(OUTCOMES, observation_sd=20.0), draws=512, seed=3)
    row = result.outcomes["offending"]
    # a 30 % cut of 1,000 places at −0.5 offences each, through a first-order delay of a
    # year: ΔY(t) = 150 (1 − e^−t); the mean over year 0 is 150 e^−1, over year 1
    # 150 (1 − e^−1 + e^−2)
    expected = [2000 + 150 * math.exp(-1), 2000 + 150 * (1 - math.exp(-1) + math.exp(-2))]
    assert row["forecast_central"] == pytest.approx(expected, rel=1e-9)
    assert row["baseline"] == [2000.0, 2000.0]
    assert row["forecast_p10"][0] < row["forecast_p50"][0] < row["forecast_p90"][0]
    assert row["outside_band"] == [False, True]  # 2,040 is inside year 0's band; 2,400 is not
    assert result.observation_error["offending"]["sd"] == 20.0


def test_progress_reports_every_block_and_changes_no_figure() -> None:
    file = _file(OUTCOMES, observation_sd=20.0)
    seen: list[tuple[int, int]] = []
    with_progress = review(file, draws=600, seed=3, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(0, 600), (256, 600), (512, 600), (600, 600)]  # blocks of 256 draws
    assert with_progress.to_json_dict() == review(file, draws=600, seed=3).to_json_dict()


def test_a_cancelled_review_stops_between_blocks() -> None:
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # let the first block run, stop before the second

    with pytest.raises(ReviewCancelled, match="after 256 of 600 draws"):
        review(_file(OUTCOMES, observation_sd=20.0), draws=600, seed=3, cancelled=cancelled)
    assert len(asked) == 2


def test_the_json_has_the_documented_shape(tmp_path: Path, capsys) -> None:
    path = tmp_path / "f.cutsim"
    exchange.write_file(path, _file(SPEND + OUTCOMES[:1]))
    assert main(["review", str(path), "--draws", "256", "--seed", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("prior", "posterior", "effective_sample_size", "outcomes", "savings"):
        assert key in out
    assert set(out["prior"]) == set(out["posterior"]) == {"effects[e1].per_unit", "demands[d1].per_unit"}
    assert set(out["prior"]["effects[e1].per_unit"]) == {"p10", "p50", "p90"}
    assert set(out["outcomes"]["offending"]) >= {"years", "observed", "baseline", "forecast_p10",
                                                  "forecast_p50", "forecast_p90", "outside_band"}
    assert set(out["savings"]["l1"]) >= {"years", "planned", "delivered"}
    assert 0 < out["effective_sample_size"] <= 256
    assert out["scenario"] == "youth-cut"  # the decision's scenario, none being named
    # the same seed, the same review
    assert main(["review", str(path), "--draws", "256", "--seed", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == out


def test_review_without_actuals_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "f.cutsim"
    exchange.write_file(path, exchange.load_document(copy.deepcopy(SMALL_DOC)))
    assert main(["review", str(path), "--scenario", "youth-cut"]) == 1
    assert "no actuals" in capsys.readouterr().err


def test_weighted_quantiles_with_equal_weights_are_midpoint_quantiles() -> None:
    values = np.arange(1.0, 11.0)[:, None]  # 1 … 10
    q = weighted_quantiles(values, None)
    # mass 0.1 at each, the midpoints at 0.05, 0.15, …: P10 halfway 1 → 2, P50 halfway 5 → 6
    assert q[:, 0] == pytest.approx([1.5, 5.5, 9.5])
    heavy = np.zeros(10)
    heavy[2] = 1.0
    assert weighted_quantiles(values, heavy)[:, 0] == pytest.approx([3.0, 3.0, 3.0])
    assert effective_sample_size(np.full(10, 0.1)) == pytest.approx(10.0)


# ------------------------------------------------------------------------ calibration

REPLICATIONS = 200
SD = 10.0  # observation error, offences
YEARS = np.array([0, 1])  # two years observed, as the example place has


@pytest.fixture(scope="module")
def calibration_setup():
    cutsim_file = _file(OUTCOMES)
    cm = compile_model(cutsim_file.model)
    scenario = cutsim_file.scenario("youth-cut")
    prior = prior_draws(cm, scenario, 4000, 11)
    return cm, scenario, prior


def _observations(cm, scenario, prior: PriorDraws, truth: np.ndarray,
                  rng: np.random.Generator) -> Evidence:
    true_means = yearly_means(cm, scenario, prior.space, truth[None, :])[0]  # (O, H)
    values = true_means[0, YEARS] + rng.normal(0.0, SD, size=len(YEARS))
    return Evidence(np.zeros(len(YEARS), dtype=int), YEARS, values, np.full(len(YEARS), SD))


def test_the_posterior_80_percent_interval_covers_the_truth_about_80_percent(calibration_setup):
    """Each replication draws its truth from the prior (PERT, as the draws) and its
    observations with the documented error; the posterior P10–P90 of the effect should
    hold the truth in 80 % of replications. If the posterior were exact the count would be
    Binomial(200, 0.8): sd 2.8 points, so ±10 points (3.5 sd) leaves room for the
    importance-sampling error of a finite prior sample while still catching a posterior
    that is too narrow (or that ignores the data: the prior would also pass, so the next
    check asks that the interval be narrower than the prior's)."""
    cm, scenario, prior = calibration_setup
    rng = np.random.default_rng(2035)
    space = prior.space
    j = space.index("effects[e1].per_unit")
    covered, widths = 0, []
    for _ in range(REPLICATIONS):
        truth = pert(rng, space.low, space.central, space.high, 1)[0]
        weights = importance_weights(prior, _observations(cm, scenario, prior, truth, rng))
        p10, _, p90 = weighted_quantiles(prior.values[:, j], weights)
        covered += bool(p10 <= truth[j] <= p90)
        widths.append(p90 - p10)
    coverage = covered / REPLICATIONS
    assert 0.70 <= coverage <= 0.90, coverage
    prior_p10, _, prior_p90 = weighted_quantiles(prior.values[:, j], None)
    assert np.mean(widths) < 0.6 * (prior_p90 - prior_p10)  # the data teach something


def test_for_a_fixed_truth_the_posterior_median_is_nearer_than_the_prior_median(calibration_setup):
    cm, scenario, prior = calibration_setup
    space = prior.space
    j = space.index("effects[e1].per_unit")
    truth = space.central.copy()
    truth[j] = -0.3  # inside the prior's range (−0.8 to −0.2), away from its mode (−0.5)
    rng = np.random.default_rng(7)
    prior_median = weighted_quantiles(prior.values[:, j], None)[1]
    nearer = 0
    for _ in range(20):
        weights = importance_weights(prior, _observations(cm, scenario, prior, truth, rng))
        posterior_median = weighted_quantiles(prior.values[:, j], weights)[1]
        nearer += abs(posterior_median - truth[j]) < abs(prior_median - truth[j])
    assert nearer == 20


def test_the_example_places_actuals_come_from_its_documented_true_model() -> None:
    import importlib.util

    from support.small_model import EXAMPLE, REPO

    spec = importlib.util.spec_from_file_location("build_example_actuals",
                                                  REPO / "models" / "build_example_actuals.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bundled = exchange.read_file(EXAMPLE)
    assert module.build().actuals == bundled.actuals
    assert bundled.actuals.illustrative and bundled.actuals.decision.scenario == "youth-cut"
    csv_rows = (REPO / "models" / "example-place-actuals.csv").read_text(encoding="utf-8")
    assert csv_rows == module.csv_text(bundled.actuals)


def test_the_example_review_learns() -> None:
    from support.small_model import EXAMPLE

    result = review(exchange.read_file(EXAMPLE), draws=4000, seed=35)
    assert result.effective_sample_size >= 100 and not result.warnings
    key = "effects[e01].per_unit"  # youth work → young people who offend
    truth = -0.0004148 + 0.45 * (-0.0008296 + 0.0004148)  # the documented true model
    prior, posterior = result.prior[key], result.posterior[key]
    assert abs(posterior["p50"] - truth) < abs(prior["p50"] - truth)
    later = result.reforecast["youth_offending"]
    assert (later["posterior_p90"][0] - later["posterior_p10"][0]
            < later["prior_p90"][0] - later["prior_p10"][0])
    assert result.savings["l1"]["delivered"] == pytest.approx([450_000.0, 600_000.0])


def test_review_reads_an_actuals_csv_without_changing_the_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "f.cutsim"
    exchange.write_file(path, exchange.load_document(copy.deepcopy(SMALL_DOC)))
    before = path.read_bytes()
    table = tmp_path / "a.csv"
    table.write_text("kind,id,year,value,source\nspend,youth,2026-27,850000,RO\n", encoding="utf-8")
    assert main(["review", str(path), "--scenario", "youth-cut", "--actuals", str(table),
                 "--draws", "64", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["services"]["youth"]["delivered"] == [150000.0]
    assert out["outcomes"] == {} and out["effective_sample_size"] == pytest.approx(64.0)
    assert path.read_bytes() == before
    assert main(["review", str(path), "--scenario", "youth-cut", "--actuals", str(table),
                 "--draws", "8"]) == 1
    assert "--draws must be at least 16" in capsys.readouterr().err
