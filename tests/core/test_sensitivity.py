"""Tornado swings, Sobol indices and EVPPI, each checked against figures worked out by
hand or in closed form; and the ``sensitivity`` / ``evppi`` commands."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm
from support.engine_fixtures import cutsim_file, demand, effect, model, outcome, service

from cutsim.api import Project, load
from cutsim.appraise import evppi as ev
from cutsim.appraise.executor import InProcess
from cutsim.appraise.figures import Figure
from cutsim.appraise.sensitivity import pert_ppf, sobol, tornado
from cutsim.appraise.uncertain import uncertainty_space
from cutsim.cli import main

REPO = Path(__file__).resolve().parents[2]

U_AE = 100.0  # £ per A&E attendance
CUT = 200.0  # each 20 % cut of £1m at £1,000 a unit removes 200 units a year
RATE = 0.035
F = sum((1 + RATE) ** -y for y in range(10))  # Σ discount factors over the 10 years
# Three independent links, each onto its own outcome; demand links fixed (no range).
LINKS = {  # id: (k_low, k, k_high, d)
    "e1": (-0.9, -0.5, -0.3, 0.2),
    "e2": (-0.4, -0.3, -0.1, 0.5),
    "e3": (-1.2, -0.6, -0.5, 0.1),
}


def additive_project(scenarios=None) -> Project:
    """Place NPV = F·(3·200,000 + 200·u·Σ d_i k_i): additive (linear) in the k_i."""
    services = [service(f"s{i}", "council", 1_000_000, 1000) for i in (1, 2, 3)]
    services.append(service("ae", "nhs", 5_000_000, U_AE, "demand_led"))
    outcomes = [outcome(f"o{i}") for i in (1, 2, 3)]
    effects = [effect(eid, f"s{eid[1]}", f"o{eid[1]}", k, low=lo, high=hi)
               for eid, (lo, k, hi, _) in LINKS.items()]
    demands = [demand(f"d{eid[1]}", f"o{eid[1]}", "ae", d) for eid, (*_, d) in LINKS.items()]
    cuts = [{"id": f"l{i}", "kind": "cut", "service": f"s{i}", "percent": 20} for i in (1, 2, 3)]
    scenarios = scenarios or [{"id": "all", "name": "all", "levers": cuts}]
    return Project(cutsim_file(model(services, outcomes, effects, demands), scenarios))


def slope(eid: str) -> float:
    """d(place NPV)/d(k_i) in £ per unit of k: the extra A&E cost of the cut, discounted."""
    return F * CUT * U_AE * LINKS[eid][3]


def pert_variance(lo: float, mode: float, hi: float) -> float:
    a = 1 + 4 * (mode - lo) / (hi - lo)
    b = 1 + 4 * (hi - mode) / (hi - lo)
    return (hi - lo) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1))


def test_tornado_equals_hand_computed_swings():
    p = additive_project()
    space = uncertainty_space(p.model, [p.scenario("all")])
    agencies = list(p.compiled.agency_ids)
    central, rows = tornado(space, "all", Figure(), agencies)
    hand_central = F * (3 * 200_000 + CUT * U_AE * sum(d * k for _, k, _, d in LINKS.values()))
    assert central == pytest.approx(hand_central, rel=1e-12)
    assert central == pytest.approx(p.run("all").appraisal.place.npv, rel=1e-12)
    hand = {f"effects[{e}].per_unit": slope(e) * (hi - lo) for e, (lo, _, hi, _) in LINKS.items()}
    assert [r.input for r in rows] == sorted(hand, key=lambda n: -hand[n])
    for r in rows:
        eid = r.input[8:10]
        lo, k, hi, _ = LINKS[eid]
        assert (r.low, r.high) == (lo, hi)
        assert r.swing == pytest.approx(hand[r.input], rel=1e-10)
        assert r.figure_low == pytest.approx(central + slope(eid) * (lo - k), rel=1e-10)
        assert r.figure_high == pytest.approx(central + slope(eid) * (hi - k), rel=1e-10)
    # an agency's net saving in one year: the NHS pays u·d·k·ΔA a year, no discounting
    _, nhs = tornado(space, "all", Figure("net_saving", "nhs", 2), agencies, top=1)
    widths = {e: CUT * U_AE * d_ * (h - lo) for e, (lo, _, h, d_) in LINKS.items()}
    assert nhs[0].swing == pytest.approx(max(widths.values()), rel=1e-10)
    assert nhs[0].input == f"effects[{max(widths, key=widths.get)}].per_unit"


def test_sobol_matches_the_analytic_indices_of_an_additive_figure():
    p = additive_project()
    space = uncertainty_space(p.model, [p.scenario("all")])
    out = sobol(space, "all", Figure(), list(p.compiled.agency_ids), n=4096, seed=3)
    parts = {f"effects[{e}].per_unit": slope(e) ** 2 * pert_variance(lo, k, hi)
             for e, (lo, k, hi, _) in LINKS.items()}
    total = sum(parts.values())
    assert out["variance"] == pytest.approx(total, rel=0.05)
    assert out["converged"]
    assert out["runs"] == 4096 * (3 + 2)
    for row in out["sobol"]:
        analytic = parts[row["input"]] / total
        assert abs(row["S1"] - analytic) <= row["S1_conf"], row
        assert abs(row["ST"] - analytic) <= row["ST_conf"], row
        # additive: no interactions, so total order equals first order
        assert abs(row["ST"] - row["S1"]) <= row["S1_conf"] + row["ST_conf"]
    assert sum(r["S1"] for r in out["sobol"]) == pytest.approx(1.0, abs=0.05)


def test_pert_ppf_inverts_the_draws_distribution():
    u = np.array([0.1, 0.5, 0.9])
    x = pert_ppf(u, np.full(3, -0.9), np.full(3, -0.5), np.full(3, -0.3))
    rng = np.random.default_rng(0)
    from cutsim.appraise.montecarlo import pert

    sample = pert(rng, np.array([-0.9]), np.array([-0.5]), np.array([-0.3]), 200_000)[:, 0]
    np.testing.assert_allclose(np.quantile(sample, u), x, atol=2e-3, rtol=1e-5)


def _closed_form_evpi(mu: float, sigma: float) -> float:
    """E[max(0, X)] − max(0, μ) for X ~ N(μ, σ²)."""
    return sigma * norm.pdf(mu / sigma) + mu * norm.cdf(mu / sigma) - max(0.0, mu)


def test_evppi_matches_closed_form_on_a_two_option_normal_case():
    rng = np.random.default_rng(12)
    n = 40_000
    x = rng.normal(size=(n, 3))
    a1, a2, mu = 1000.0, 500.0, 300.0
    nb = np.column_stack([np.zeros(n), mu + a1 * x[:, 0] + a2 * x[:, 1]])  # x[:, 2] unused
    evpi, se = ev.evpi(nb)
    assert evpi == pytest.approx(_closed_form_evpi(mu, math.hypot(a1, a2)), abs=4 * se)
    for j, a in ((0, a1), (1, a2)):
        assert ev.evppi(x[:, j], nb) == pytest.approx(_closed_form_evpi(mu, a), abs=4 * se)
    assert ev.evppi(x[:, 2], nb) < 0.02 * evpi  # the decision does not depend on it
    both = ev.evppi(x[:, :2], nb)
    assert both == pytest.approx(evpi, abs=4 * se)


def test_evppi_through_cutsim_two_scenarios():
    cut = {"kind": "cut", "percent": 20}
    p = additive_project([
        {"id": "a", "name": "a", "levers": [{"id": "l1", "service": "s1", **cut},
                                            {"id": "l3", "service": "s3", **cut}]},
        {"id": "b", "name": "b", "levers": [{"id": "l2", "service": "s2", **cut},
                                            {"id": "l3", "service": "s3", **cut}]}])
    space = uncertainty_space(p.model, [p.scenario("a"), p.scenario("b")])
    report = ev.evppi_table(space, ["a", "b"], list(p.compiled.agency_ids), draws=4096, seed=4)
    by_input = {r["input"]: r["evppi"] for r in report["evppi"]}
    assert report["evpi"] > 0
    # both options cut s3, so knowing e3 cannot change the choice
    assert by_input["effects[e3].per_unit"] < 0.02 * report["evpi"]
    # the choice turns on e1 and e2 together; each alone is worth less than both
    assert max(by_input["effects[e1].per_unit"], by_input["effects[e2].per_unit"]) \
        <= report["evpi"] + 4 * report["evpi_se"]
    grouped = ev.evppi_table(space, ["a", "b"], list(p.compiled.agency_ids), draws=4096,
                             seed=4, groups={"e1+e2": ["effects[e1].per_unit",
                                                       "effects[e2].per_unit"]})
    g = next(r for r in grouped["evppi"] if r["input"] == "e1+e2")
    assert g["evppi"] == pytest.approx(report["evpi"], abs=4 * report["evpi_se"])


def _write(tmp_path, project: Project):
    path = tmp_path / "p.cutsim"
    path.write_text(json.dumps(project.file.model_dump(mode="json", by_alias=True,
                                                       exclude_none=True)), encoding="utf-8")
    return path


def test_sensitivity_command_json(tmp_path, capsys):
    path = _write(tmp_path, additive_project())
    assert main(["sensitivity", str(path), "--scenario", "all", "--json", "--top", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [set(r) for r in out["tornado"]] == [{"input", "label", "low", "high", "figure_low",
                                                 "figure_high", "swing"}] * 2
    assert all(r["label"] and r["label"] != r["input"] for r in out["tornado"])  # words, not ids
    assert out["tornado"][0]["swing"] >= out["tornado"][1]["swing"]
    assert main(["sensitivity", str(path), "--scenario", "all", "--method", "sobol", "--n", "64",
                 "--json"]) == 0
    sob = json.loads(capsys.readouterr().out)
    assert {tuple(sorted(r)) for r in sob["sobol"]} == {("S1", "S1_conf", "ST", "ST_conf", "input", "label")}
    assert main(["sensitivity", str(path), "--scenario", "all", "--figure", "npv:nobody"]) == 1
    assert 'no agency "nobody"' in capsys.readouterr().err
    assert main(["sensitivity", str(path), "--scenario", "all", "--method", "sobol",
                 "--n", "100"]) == 1
    assert "power of two" in capsys.readouterr().err


def test_evppi_command(tmp_path, capsys):
    cut = {"kind": "cut", "percent": 20}
    path = _write(tmp_path, additive_project([
        {"id": "a", "name": "a", "levers": [{"id": "l1", "service": "s1", **cut}]},
        {"id": "b", "name": "b", "levers": [{"id": "l2", "service": "s2", **cut}]}]))
    assert main(["evppi", str(path), "--scenario", "a", "--scenario", "b", "--draws", "1024",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenarios"] == ["a", "b"] and out["evpi"] >= out["evppi"][0]["evppi"] - \
        4 * out["evpi_se"]
    assert main(["evppi", str(path), "--scenario", "a", "--scenario", "b", "--draws", "512"]) == 0
    assert "EVPI" in capsys.readouterr().out
    assert main(["evppi", str(path), "--scenario", "a", "--scenario", "b",
                 "--group", "x=effects[e9].per_unit"]) == 1
    assert 'no uncertain input "effects[e9].per_unit"' in capsys.readouterr().err


def test_lever_ranges_pool_efficiency_and_procurement_premium():
    from support.small_model import REPO

    from cutsim.files.exchange import read_file

    pooled = read_file(REPO / "scenarios" / "pooled-health-care.cutsim")
    doc = pooled.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["scenarios"][0]["levers"][0].update(efficiency_percent_low=2, efficiency_percent_high=6)
    p = Project(type(pooled).model_validate(doc))
    sid = p.file.scenarios[0].id
    space = uncertainty_space(p.model, [p.scenario(sid)])
    name = f"scenarios[{sid}].levers[bcf].efficiency_percent"
    assert [i.name for i in space.extras] == [name]
    _, rows = tornado(space, sid, Figure(), list(p.compiled.agency_ids))
    row = next(r for r in rows if r.input == name)
    assert (row.low, row.high) == (2.0, 6.0)
    assert row.figure_high > row.figure_low  # a more efficient pool saves more
    # each end equals a plain run of the scenario with that efficiency
    for end, value in (("figure_low", 2), ("figure_high", 6)):
        lever = p.scenario(sid).levers[0].model_copy(update={"efficiency_percent": value})
        plain = p.run(p.scenario(sid).model_copy(update={"levers": [lever]}))
        assert getattr(row, end) == pytest.approx(plain.appraisal.place.npv, rel=1e-12)

    proc = read_file(REPO / "scenarios" / "social-value-procurement.cutsim")
    doc = proc.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["scenarios"][0]["levers"][0].update(premium_percent_low=1, premium_percent_high=8)
    p = Project(type(proc).model_validate(doc))
    sid = p.file.scenarios[0].id
    space = uncertainty_space(p.model, [p.scenario(sid)])
    _, rows = tornado(space, sid, Figure(), list(p.compiled.agency_ids))
    row = next(r for r in rows if r.input.endswith("premium_percent"))
    assert row.figure_high < row.figure_low  # a higher premium costs more


def test_evppi_decision_rule_keeps_to_the_red_lines():
    """Option A is worth 10 but breaks its red line when φ > 0.5 (excess φ − 0.5); B is
    worth 5 and has none. φ ~ U(0, 1.2): A's expected excess is +0.1, so without
    information B is chosen; knowing φ allows A whenever φ ≤ 0.5 (5/12 of the time), worth
    (5/12)·(10 − 5). Knowing ψ, which nothing depends on, is worth nothing."""
    rng = np.random.default_rng(3)
    n = 40_000
    phi, psi = rng.uniform(0.0, 1.2, n), rng.normal(size=n)
    nb = np.column_stack([np.full(n, 10.0), np.full(n, 5.0)])
    excess = np.column_stack([phi - 0.5, np.full(n, np.nan)])
    assert list(ev.choices(nb.mean(axis=0)[None], excess.mean(axis=0)[None])) == [1]
    want = 5 / 12 * 5.0
    value, se = ev.evpi(nb, excess)
    assert value == pytest.approx(want, abs=4 * se + 0.01)
    assert ev.evppi(phi, nb, excess) == pytest.approx(want, abs=0.05)
    assert ev.evppi(psi, nb, excess) < 0.01
    # without the red line A is always chosen, and nothing is worth knowing
    assert ev.evpi(nb)[0] == 0.0 and ev.evppi(phi, nb) == 0.0
    # when no option is allowed the rule is the one without red lines
    both = np.column_stack([phi + 1.0, phi + 1.0])
    assert list(ev.choices(nb, both)) == [0] * n


def test_evppi_table_reports_which_scenarios_the_red_lines_allow():
    cut = {"kind": "cut", "percent": 20}
    strict = [{"outcome": "o1", "max_change": 0.0, "as": "level"}]  # any rise breaks it
    p = additive_project([
        {"id": "a", "name": "a", "red_lines": strict,
         "levers": [{"id": "l1", "service": "s1", **cut}]},
        {"id": "b", "name": "b", "levers": [{"id": "l2", "service": "s2", **cut}]}])
    space = uncertainty_space(p.model, [p.scenario("a"), p.scenario("b")])
    report = ev.evppi_table(space, ["a", "b"], list(p.compiled.agency_ids), draws=1024, seed=4)
    breached = p.run("a").red_lines()[0]["breached"]
    status = report["red_lines"]
    assert status["b"] == {"has_red_lines": False, "allowed": True, "expected_excess": None,
                           "breach_share": None}
    assert status["a"]["has_red_lines"] and status["a"]["allowed"] is (not breached)
    if breached:  # a's cut raises o1 in every draw: only b is allowed, whatever the NPVs
        assert status["a"]["breach_share"] == 1.0 and report["choice"] == "b"
        assert report["evpi"] == 0.0
    assert "red lines allow" in ev.table(report)


def test_every_uncertain_input_has_a_label_in_words():
    """Sensitivity, EVPPI, the app and the workbook show an input by its label ("Youth work →
    young people who offend, per youth worker hour"); its id stays in the JSON beside it."""
    import cutsim
    from cutsim.appraise.uncertain import uncertainty_space

    project = cutsim.load(Path(__file__).resolve().parents[2] / "scenarios" / "pooled-health-care.cutsim")
    space = uncertainty_space(project.model, list(project.file.scenarios), wide=True)
    assert space.inputs
    for inp in space.inputs:
        assert inp.label and "[" not in inp.label, (inp.name, inp.label)
    effect = project.model.effects[0]
    service = project.model.service(effect.service)
    label = next(i.label for i in space.inputs if i.name == f"effects[{effect.id}].per_unit")
    assert label.startswith(f"{service.name} → ") and label.endswith(f"per {service.activity_unit}")


class _Recording(InProcess):
    """In this process, keeping what each task returned."""

    def __init__(self) -> None:
        self.returned: list = []

    def map(self, fn, tasks):
        out = super().map(fn, tasks)
        self.returned.extend(out)
        return out


def test_sweeps_reduce_each_block_to_its_figure_where_it_runs():
    from cutsim.appraise.figures import Picked, ScenarioFigures, figure_of_rows

    example = load(REPO / "models" / "example-place.cutsim")
    space = uncertainty_space(example.model, [example.scenario("youth-cut")])
    agencies = list(example.compiled.agency_ids)
    rows = np.tile(space.central, (600, 1))
    rows[:, space.varying()[0]] = np.linspace(space.low[space.varying()[0]],
                                              space.high[space.varying()[0]], 600)
    recording = _Recording()
    figure = Figure("net_saving", agencies[0], 3)
    picked = figure_of_rows(space, "youth-cut", figure, agencies, rows, recording)
    # each task returned one figure a row (and the red-line excess), not the money by year
    assert [type(r) for r in recording.returned] == [Picked] * 3
    assert [r.value.shape for r in recording.returned] == [(256,), (256,), (88,)]
    whole = ScenarioFigures(space, "youth-cut")(rows)
    assert picked.value.tobytes() == whole.pick(figure, agencies).tobytes()
    assert np.ptp(picked.value) > 0  # the input moved the figure
    # Sobol and EVPPI go the same way
    recording.returned.clear()
    sobol(space, "youth-cut", Figure(), agencies, n=8, executor=recording)
    assert recording.returned and all(isinstance(r, Picked) for r in recording.returned)
