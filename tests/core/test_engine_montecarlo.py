"""Monte Carlo: PERT draws, seeded reproducibility, ordered percentiles."""

from __future__ import annotations

import numpy as np
from support.engine_fixtures import chain_model, cutsim_file

from cutsim.api import Project
from cutsim.appraise.montecarlo import pert


def _project():
    f = cutsim_file(chain_model(tau=1.0, order=2), [{"id": "s", "name": "s", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "percent": 20}]}])
    return Project(f)


def test_same_seed_same_numbers_and_ordered_percentiles():
    p = _project()
    a = p.run("s", draws=300, seed=42).uncertainty
    b = p.run("s", draws=300, seed=42).uncertainty
    assert a == b
    c = p.run("s", draws=300, seed=43).uncertainty
    assert c != a
    for band in [a.place_net_saving, a.agency_net_saving["nhs"], a.outcomes["offending"]]:
        p10, p50, p90 = (np.array(band.quantile(q)) for q in ("p10", "p50", "p90"))
        assert np.all(p10 <= p50) and np.all(p50 <= p90)
    npv = a.place_npv
    assert npv.p10 <= npv.p50 <= npv.p90
    assert npv.p10 < npv.p90  # the links are uncertain, so the band is not a point


def test_pert_stays_in_range_and_degenerate_is_constant():
    rng = np.random.default_rng(0)
    x = pert(rng, np.array([1.0, 5.0]), np.array([2.0, 5.0]), np.array([4.0, 5.0]), 5000)
    assert x.shape == (5000, 2)
    assert x[:, 0].min() >= 1.0 and x[:, 0].max() <= 4.0
    assert abs(x[:, 0].mean() - (1 + 4 * 2 + 4) / 6) < 0.03  # PERT mean (a + 4m + b)/6
    assert np.all(x[:, 1] == 5.0)


def test_central_run_is_unchanged_by_draws():
    p = _project()
    plain = p.run("s").to_json_dict()
    with_draws = p.run("s", draws=50, seed=1).to_json_dict()
    with_draws.pop("uncertainty")
    assert plain == with_draws
