"""What a cut package does besides saving money (``cutsim optimise --json``): the outcomes
it moves, the weakest evidence on its paths, and the cuts whose harm is mostly still to
come at the horizon's end (docs/levers.md, "The optimiser")."""

from __future__ import annotations

from typing import Any

import numpy as np

from cutsim.appraise.optimise import Package
from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import by_agency, service_money
from cutsim.engine.simulate import simulate
from cutsim.levers.kinds import CutLever
from cutsim.model import fmt
from cutsim.model.materiality import is_nothing, materiality_floor

LATE_HARM_SHARE = 0.5  # a cut whose knock-on in the last year is under half its long-run level
LONG_RUN_YEARS = 100  # the longest horizon a model may have: delays have played out by then


def consequences(cm: CompiledModel, package: Package, params: Params | None = None) -> dict[str, Any]:
    """What the package does besides saving money (``optimise --json``):

    - ``outcome_changes``: every outcome the package moves, by the end of the horizon
      (``change`` in the outcome's unit, ``percent`` of baseline, ``direction``), the
      largest relative change first;
    - ``weakest_evidence``: the links of the lowest confidence grade on the package's
      paths (effects from a cut service, demands from an outcome it moves, onwards);
    - ``late_harm``: each cut whose whole-place knock-on cost (£ a year) in the horizon's
      last year is under half its long-run level, so that most of its harm is still to come.
    """
    from cutsim.appraise.run import run_scenario
    from cutsim.engine.reach import reach

    params = params or cm.central_params()
    result = run_scenario(cm, package.scenario, params=params)
    model, h = cm.model, cm.horizon_years
    last = fmt.year_label(model.place.base_year, h - 1)
    changes: list[dict[str, Any]] = []
    for i, outcome in enumerate(model.outcomes):
        change = float(result.outcome_delta[i, -1])
        if change == 0.0:
            continue
        base = float(cm.outcome_baseline[i])
        worse = (change < 0) if outcome.higher_is_better else (change > 0)
        changes.append({"outcome": outcome.id, "name": outcome.name, "unit": outcome.unit,
                        "baseline": base, "change": change,
                        "percent": change / base * 100.0 if base else None,
                        "direction": "worse" if worse else "better", "by_end_of": last})
    changes.sort(key=lambda c: -abs(c["percent"] if c["percent"] is not None else 0.0))
    chosen = np.zeros(cm.n_services, dtype=bool)
    for sid in package.cuts:
        chosen[cm.service_index[sid]] = True
    out_mask, srv_mask = reach(cm, chosen, np.zeros(cm.n_outcomes, dtype=bool))
    links = [("effect", e.id, e.service, e.outcome, e.confidence, e.source)
             for e in model.effects if srv_mask[cm.service_index[e.service]]]
    links += [("demand", d.id, d.outcome, d.service, d.confidence, d.source)
              for d in model.demands if out_mask[cm.outcome_index[d.outcome]]]
    weakest = []
    if links:
        grade = min(link[4] for link in links)
        weakest = [{"kind": k, "id": i, "from": a, "to": b, "confidence": c, "source": src}
                   for k, i, a, b, c, src in links if c == grade]
    return {"outcome_changes": changes, "weakest_evidence": weakest,
            "late_harm": _late_harm(cm, package, params)}


def _late_harm(cm: CompiledModel, package: Package, params: Params) -> list[dict[str, Any]]:
    """Cuts whose knock-on in the last horizon year is under half its long-run level."""
    from cutsim.engine.compiled import compile_model
    from cutsim.levers.common import ramp

    if not package.cuts:
        return []
    place = cm.model.place
    long_model = cm.model.model_copy(update={"place": place.model_copy(update={
        "horizon_years": LONG_RUN_YEARS, "steps_per_year": 1})})
    long_cm = compile_model(long_model)
    ids = list(package.cuts)
    # Each cut saves from its start plus its notice (the package's lead times).
    starts = {lever.service: lever.start_year + lever.notice_months / 12.0
              for lever in package.scenario.levers if isinstance(lever, CutLever)}

    def knock_by_year(model_cm: CompiledModel) -> np.ndarray:
        """(cuts, H) whole-place knock-on cost, £ a year, of each cut alone."""
        n = model_cm.n_steps
        act = np.zeros((len(ids), model_cm.n_services, n + 1))
        for b, sid in enumerate(ids):
            s = model_cm.service_index[sid]
            profile = ramp(model_cm.t, starts.get(sid, 0.0), 0.0)
            act[b, s] = -package.cuts[sid] * profile / model_cm.unit_cost[s]
        traj = simulate(model_cm, params, act)
        zero = LeverInputs.zeros(len(model_cm.agency_ids), model_cm.n_services,
                                 model_cm.n_outcomes, n, model_cm.steps_per_year)
        money = service_money(model_cm, zero, traj, activity_lever=act)
        return by_agency(model_cm, money.annual["knock_on_cost"]).sum(axis=1)

    floor = materiality_floor(cm.model)
    in_horizon = knock_by_year(cm)[:, -1]
    long_run = knock_by_year(long_cm)[:, -1]
    out = []
    for b, sid in enumerate(ids):
        if is_nothing(long_run[b], floor) or in_horizon[b] >= LATE_HARM_SHARE * long_run[b]:
            continue
        out.append({"service": sid, "knock_on_last_year": float(in_horizon[b]),
                    "knock_on_long_run": float(long_run[b]),
                    "share_felt": float(in_horizon[b] / long_run[b])})
    return out
