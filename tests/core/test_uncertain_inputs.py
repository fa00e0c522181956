"""Every uncertain input: names, ranges, draws that keep the old draws bit for bit, wider
ranges, correlation by source, and the executor (in-process and Dask) giving equal bits."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from support.engine_fixtures import chain_model, cutsim_file

from cutsim.api import Project, load
from cutsim.appraise.executor import InProcess
from cutsim.appraise.montecarlo import DRAW_BLOCK, block_values, draw_params
from cutsim.appraise.uncertain import WIDE_HALF_WIDTH, iman_conover, uncertainty_space
from cutsim.model.validation import validate_model

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "core" / "golden" / "montecarlo" / "example-youth-cut.json"


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f8").tobytes()).hexdigest()


def test_file_without_ranges_draws_exactly_as_before_wider_uncertainty():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    project = load(REPO / "models" / "example-place.cutsim")
    params = draw_params(project.compiled, golden["draws"], golden["seed"])
    assert _digest(params.k) == golden["k_sha256"]
    assert _digest(params.d) == golden["d_sha256"]
    # the space's draws hold the same per_unit numbers, and nothing else
    space = uncertainty_space(project.model, [project.scenario(golden["scenario"])])
    assert not space.extras and space.correlation == 0
    values = np.concatenate([block_values(space, golden["seed"], b, n) for b, n in
                             enumerate([DRAW_BLOCK, DRAW_BLOCK, golden["draws"] - 2 * DRAW_BLOCK])])
    assert np.array_equal(values[:, :space.n_k], params.k)
    assert np.array_equal(values[:, space.n_k:], params.d)
    unc = project.run(golden["scenario"], draws=golden["draws"],
                      seed=golden["seed"]).uncertainty.as_dict()  # as run --json prints it
    assert unc["place"]["npv"] == golden["npv"]
    assert unc["place"]["net_saving"] == golden["place_net_saving"]
    assert unc["outcomes"] == golden["outcomes"]


def test_inputs_are_named_and_ranges_come_from_the_new_fields():
    m = chain_model(tau=1.0)
    doc = m.model_dump(mode="json", exclude_none=True)
    doc["services"][0].update(unit_cost_low=800.0, unit_cost_high=1300.0)
    doc["effects"][0].update(delay_years_low=0.5)
    m2 = type(m).model_validate(doc)
    assert validate_model(m2) == []
    space = uncertainty_space(m2, [])
    assert space.names[:2] == ["effects[e1].per_unit", "demands[d1].per_unit"]
    extras = {i.name: (i.low, i.central, i.high) for i in space.extras}
    assert extras == {"services[youth].unit_cost": (800.0, 1000.0, 1300.0),
                      "effects[e1].delay_years": (0.5, 1.0, 1.0)}
    # --wide fills the rest by confidence grade (3 when a service gives none)
    wide = {i.name: (i.low, i.high) for i in uncertainty_space(m2, [], wide=True).extras}
    w = WIDE_HALF_WIDTH[3]
    assert wide["services[ae].baseline_spend"] == pytest.approx((5e6 * (1 - w), 5e6 * (1 + w)))
    assert wide["services[youth].unit_cost"] == (800.0, 1300.0)  # its own range wins


def test_bad_range_is_refused_naming_the_field():
    doc = chain_model().model_dump(mode="json", exclude_none=True)
    doc["services"][0].update(unit_cost_low=1200.0)
    problems = validate_model(type(chain_model()).model_validate(doc))
    assert [str(p) for p in problems] == [
        'services[0] "youth": unit_cost_low <= unit_cost <= unit_cost_high must hold '
        "(got 1200, 1000, None)"]


def _ranged_project(**place):
    m = chain_model(tau=0.5)
    doc = m.model_dump(mode="json", exclude_none=True)
    doc["services"][1].update(unit_cost_low=60.0, unit_cost_high=150.0)
    doc["place"].update(place)
    scen = [{"id": "s", "name": "s", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "percent": 20}]}]
    return Project(cutsim_file(type(m).model_validate(doc), scen))


def test_wider_inputs_widen_the_band_and_keep_the_per_unit_draws():
    narrow = Project(cutsim_file(chain_model(tau=0.5), [{"id": "s", "name": "s", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "percent": 20}]}]))
    wide = _ranged_project()
    a = narrow.run("s", draws=300, seed=5).uncertainty.place_npv
    b = wide.run("s", draws=300, seed=5).uncertainty.place_npv
    assert b.p90 - b.p10 > a.p90 - a.p10
    space = uncertainty_space(wide.model, [wide.scenario("s")])
    v = block_values(space, 5, 0)
    assert np.array_equal(v[:, :2], np.column_stack(
        [draw_params(narrow.compiled, 256, 5).k, draw_params(narrow.compiled, 256, 5).d]))
    assert 60.0 <= v[:, 2].min() and v[:, 2].max() <= 150.0
    # grouping of blocks does not matter: 300 draws = first 300 of 600
    longer = wide.run("s", draws=600, seed=5)
    assert longer.uncertainty.draws == 600


def test_iman_conover_keeps_marginals_and_imposes_rank_correlation():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(256, 3))
    y = iman_conover(x, 0.7, np.random.default_rng(4))
    assert np.array_equal(np.sort(y, axis=0), np.sort(x, axis=0))
    ranks = np.argsort(np.argsort(y, axis=0), axis=0)
    r = np.corrcoef(ranks, rowvar=False)[np.triu_indices(3, 1)]
    assert np.all(np.abs(r - 0.7) < 0.1)


def test_correlation_between_inputs_sharing_a_source():
    m = chain_model(tau=0.5)
    doc = m.model_dump(mode="json", exclude_none=True)
    doc["effects"][0]["source"] = doc["demands"][0]["source"] = "One study (2020)"
    m2 = type(m).model_validate(doc)
    space = uncertainty_space(m2, [], correlation=0.8)
    assert [g.tolist() for g in space.correlated_groups()] == [[0, 1]]
    v = np.concatenate([block_values(space, 9, b) for b in range(4)])
    ranks = np.argsort(np.argsort(v, axis=0), axis=0)
    assert np.corrcoef(ranks, rowvar=False)[0, 1] > 0.7
    independent = np.concatenate([block_values(uncertainty_space(m2, []), 9, b) for b in range(4)])
    assert np.array_equal(np.sort(v, axis=0), np.sort(independent, axis=0))  # same marginals


def test_executor_in_process_equals_plain_run():
    p = _ranged_project()
    plain = p.run("s", draws=300, seed=11).uncertainty
    assert p.run("s", draws=300, seed=11, executor=InProcess()).uncertainty == plain


@pytest.mark.slow  # a Dask cluster
@pytest.mark.dask
@pytest.mark.timeout(300)
def test_two_worker_local_cluster_gives_identical_results():
    from cutsim.appraise.executor import DaskExecutor

    example = load(REPO / "models" / "example-place.cutsim")
    ranged = _ranged_project()
    with DaskExecutor() as ex:
        assert len(ex.client.scheduler_info()["workers"]) == 2
        for project, sid in ((example, "youth-cut"), (ranged, "s")):
            local = project.run(sid, draws=700, seed=21).uncertainty
            remote = project.run(sid, draws=700, seed=21, executor=ex).uncertainty
            assert remote == local
        # Sobol and EVPPI rows go through the same executor, with the same bits
        from cutsim.appraise.evppi import evppi_table
        from cutsim.appraise.figures import Figure
        from cutsim.appraise.sensitivity import sobol

        space = uncertainty_space(example.model, [example.scenario("youth-cut")])
        agencies = list(example.compiled.agency_ids)
        assert sobol(space, "youth-cut", Figure(), agencies, n=16, executor=ex) == \
            sobol(space, "youth-cut", Figure(), agencies, n=16)
        both = uncertainty_space(example.model, example.file.scenarios)
        ids = [s.id for s in example.file.scenarios]
        assert evppi_table(both, ids, agencies, draws=600, seed=2, executor=ex) == \
            evppi_table(both, ids, agencies, draws=600, seed=2)
        # and so do optimiser scans: the same package for every target
        from cutsim.appraise.optimise import Request
        from cutsim.appraise.target_scan import scan_targets

        targets = [1e6, 2.5e6, 4e6, 8e6, 5e9]
        assert scan_targets(example.model, Request(target=1.0), targets, executor=ex) == \
            scan_targets(example.model, Request(target=1.0), targets)
        # an existing scheduler, by its tls:// address (here the same local cluster's), with
        # the certificates Dask's configuration names (here the cluster's own, as PEM text)
        import dask

        security = ex.cluster.security
        with dask.config.set({"distributed.comm.tls.ca-file": security.tls_ca_file,
                              "distributed.comm.tls.client.cert": security.tls_client_cert,
                              "distributed.comm.tls.client.key": security.tls_client_key}), \
                DaskExecutor(ex.cluster.scheduler_address) as by_address:
            assert by_address.cluster is None
            assert ranged.run("s", draws=300, seed=4, executor=by_address).uncertainty == \
                ranged.run("s", draws=300, seed=4).uncertainty


def test_importing_cutsim_loads_neither_dask_nor_salib():
    import subprocess
    import sys

    code = ("import sys, cutsim, cutsim.api, cutsim.cli, cutsim.appraise.sensitivity, "
            "cutsim.appraise.evppi, cutsim.appraise.executor; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed', 'SALib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_run_wide_widens_the_cli_band(tmp_path, capsys):
    from cutsim.cli import main

    example = str(REPO / "models" / "example-place.cutsim")
    args = ["run", example, "--scenario", "youth-cut", "--draws", "256", "--seed", "3", "--json"]
    assert main(args) == 0
    narrow = json.loads(capsys.readouterr().out)["uncertainty"]["place"]["npv"]
    assert main(args + ["--wide"]) == 0
    wide = json.loads(capsys.readouterr().out)["uncertainty"]["place"]["npv"]
    assert wide["p90"] - wide["p10"] > narrow["p90"] - narrow["p10"]
    assert main(args + ["--correlate", "1.5"]) == 1
    assert "--correlate must be between 0 and 1" in capsys.readouterr().err


def test_heap_tuning_is_done_once():
    from cutsim.engine.heap import keep_large_arrays_in_heap

    keep_large_arrays_in_heap()
    assert keep_large_arrays_in_heap() is False  # already done in this process


@pytest.mark.parametrize("tau_low", [0.4, 0.0])
def test_compiled_with_values_equals_a_fresh_compile(tau_low):
    from cutsim.appraise.run import run_scenario
    from cutsim.engine.compiled import compile_model, with_values

    p = _ranged_project()
    space = uncertainty_space(p.model, [p.scenario("s")])
    m = p.model.model_copy(update={
        "services": [p.model.services[0], p.model.services[1].model_copy(update={"unit_cost": 77.0})],
        "effects": [p.model.effects[0].model_copy(update={"delay_years": tau_low})]})
    p.run("s")  # the central model's simulator cache is filled
    fast, fresh = with_values(p.compiled, m), compile_model(m)
    assert "layout" not in fast.cache  # new delays: no step matrices shared
    same = with_values(p.compiled, p.model)
    assert same.cache["layout"] is p.compiled.cache["layout"]
    a = run_scenario(fast, p.scenario("s")).to_json_dict()
    b = run_scenario(fresh, p.scenario("s")).to_json_dict()
    assert a["appraisal"] == b["appraisal"] and a["annual"] == b["annual"]
    assert space.extras  # the fixture varies a unit cost


def test_a_file_with_ranges_needs_a_version_2_reader_and_one_without_stays_version_1():
    from cutsim.files.exchange import dumps, read_bytes

    plain = _ranged_project().file.model_copy(deep=True)
    m = plain.model
    stripped = m.model_copy(update={"services": [s.model_copy(update={
        "unit_cost_low": None, "unit_cost_high": None}) for s in m.services]})
    version_1 = json.loads(dumps(plain.model_copy(update={"model": stripped}), stamp=False))
    assert version_1["format_version"] == 1 and "min_reader_version" not in version_1
    text = dumps(plain, stamp=False)
    doc = json.loads(text)
    assert (doc["format_version"], doc["min_reader_version"]) == (2, 2)
    back = read_bytes(text.encode("utf-8"))
    assert back.model.services[1].unit_cost_low == 60.0
