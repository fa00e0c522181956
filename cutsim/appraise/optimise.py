"""The least-cost cut package that meets a savings target (``cutsim optimise``).

Formulation (docs/levers.md, "The optimiser"). The engine is linear in lever inputs, so a
package of cuts x_s (£/yr taken from discretionary service s, from ``start`` year, no
notice, no phasing) has money and outcome changes Σ_s x_s·r_s, where r_s is the engine's
response to a £1/yr cut of s alone (one batched engine run over all candidate services).
The linear programme is

    minimise    Σ_s x_s·(K_s + w·V_s)
    subject to  Σ_s x_s·n_{s,y} ≥ target  for every y ≥ by   (net saving, docs/result-format.md)
                Σ_s x_s·adv_{s,o}(t) ≤ max_change_o      (each red line, each grid time
                                                           t ≤ its by_year)
                0 ≤ x_s ≤ (1 − statutory_floor_s)·baseline_spend_s;  x_s = 0 if protected

- K_s (£ per £1/yr cut): the NPV of the knock-on cost the cut puts on every agency in the
  place (the whole-place net cost: the planned saving is pinned by the target);
- V_s (£ per £1/yr cut): the NPV of the valued outcome loss (−ΔY·value_per_unit,
  discounted like cash), weighted by w = ``outcome_weight`` (default 1: a £ of social value
  counts as a £ of cost, as in a Green Book social cost-benefit analysis; 0 = cash only).
  The two terms are reported apart and never added into any cash figure;
- n_{s,y} (£ per £1/yr cut): what the agency (or the place) *nets* in financial year y
  from a £1/yr cut of s: its planned saving less the knock-on cost the cut puts back on
  that same agency (on every agency, for the place). A recurrent target must be netted in
  the target year and every later year of the horizon, because knock-on costs grow as
  the outcomes' delays play out. With ``gross`` the constraint is the planned saving in
  year ``by`` alone, Σ_s x_s·p_s ≥ target, p_s the fraction of year ``by`` the cut is in
  force;
- adv: the adverse change of the red line's outcome (an increase when lower is better), in
  level units or percent of baseline. Outcomes without a value_per_unit are protected only
  by red lines.

Only discretionary services are candidates: a cut on a demand-led service is an
efficiency, which the model treats as free (no outcome changes), so it would always be
taken first; plan efficiencies separately. An infeasible request raises
:class:`~cutsim.model.errors.NoCleanAnswer` naming the constraint that binds.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import linprog

from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import by_agency, service_money
from cutsim.engine.simulate import simulate
from cutsim.levers.kinds import CutLever
from cutsim.model import fmt
from cutsim.model.errors import InputError, NoCleanAnswer
from cutsim.model.schema import PLACE_ID, RedLine, Scenario, Target

log = logging.getLogger(__name__)

DEFAULT_OUTCOME_WEIGHT = 1.0
_FEAS_TOL = 1e-6  # relative tolerance when comparing a target with what can be saved


@dataclass
class Request:
    """What to optimise: ``target`` £/yr of planned saving in financial year ``by``.

    ``agency``: only that agency's services are candidates and the target is its saving
    (None: the whole place). ``protect``: service ids never cut. ``outcome_weight``: w.
    ``start``: year the cuts start (years from base_year). ``max_percent``: no service
    cut by more than this percent of its baseline spend (0-100).
    """

    target: float
    by: int = 0
    agency: str | None = None
    protect: list[str] = field(default_factory=list)
    red_lines: list[RedLine] = field(default_factory=list)
    outcome_weight: float = DEFAULT_OUTCOME_WEIGHT
    start: float = 0.0
    max_percent: float = 100.0
    gross: bool = False  # True: the target is planned saving in year ``by`` (the old rule)


@dataclass(eq=False)
class Responses:
    """The engine's response to a £1/yr cut of each candidate service (index b).

    ``knock_npv[b]`` and ``loss_npv[b]`` are £ per £1/yr; ``planned[b]`` the fraction of
    year ``by`` in force; ``dY[b, O, N+1]`` outcome change per £1/yr; ``max_cut[b]`` £/yr;
    ``net[b, H]`` £ per £1/yr: what the target's agency (or the place) nets each year.
    """

    services: list[int]
    max_cut: np.ndarray
    planned: np.ndarray
    knock_npv: np.ndarray
    loss_npv: np.ndarray
    dY: np.ndarray
    net: np.ndarray | None = None
    knock_annual: np.ndarray | None = None  # (B, H) £ whole-place knock-on per £1/yr

    def target_rows(self, request: Request) -> np.ndarray:
        """(R, B): each row's Σ_b x_b·row_b must reach the target (see the module doc)."""
        if request.gross or self.net is None:
            return self.planned[None, :]
        return self.net[:, request.by:].T


@dataclass
class Package:
    """The optimal package: cuts £/yr by service id and the objective's terms (£, NPV).

    ``net_saving``: £ the target's agency (or the place) nets in each financial year by the
    linear prediction (the engine gives the same; see the tests)."""

    cuts: dict[str, float]
    planned_saving: float  # £/yr in year ``by``
    knock_on_npv: float  # whole-place net cost, £ (NPV)
    outcome_loss_npv: float  # valued outcome loss, £ (NPV), before weighting
    outcome_weight: float
    scenario: Scenario
    net_saving: list[float] = field(default_factory=list)

    @property
    def objective(self) -> float:
        return self.knock_on_npv + self.outcome_weight * self.outcome_loss_npv


# --------------------------------------------------------------------------- responses


def candidates(cm: CompiledModel, request: Request) -> list[int]:
    """Discretionary, unprotected services (of ``request.agency`` if given) that can be cut."""
    for sid in request.protect:
        if sid not in cm.service_index:
            raise InputError(f'--protect: no service "{sid}" in the model')
    if request.agency not in (None, PLACE_ID) and request.agency not in cm.agency_index:
        raise InputError(f'--agency: no agency "{request.agency}" in the model')
    out = []
    for s, service in enumerate(cm.model.services):
        if cm.demand_led[s] or service.id in request.protect:
            continue
        if request.agency not in (None, PLACE_ID) and service.agency != request.agency:
            continue
        if service.statutory_floor < 1.0:
            out.append(s)
    return out


def unit_responses(cm: CompiledModel, request: Request, params: Params | None = None) -> Responses:
    """Run the engine once, batched over candidates, for a £1/yr cut of each."""
    from cutsim.appraise.appraisal import outcome_values, place_discount_factors
    from cutsim.levers.common import ramp

    params = params or cm.central_params()
    services = candidates(cm, request)
    n, b = cm.n_steps, len(services)
    profile = ramp(cm.t, request.start, 0.0)
    act = np.zeros((max(b, 1), cm.n_services, n + 1))
    for i, s in enumerate(services):
        act[i, s] = -profile / cm.unit_cost[s]
    traj = simulate(cm, params, act)
    zero = LeverInputs.zeros(len(cm.agency_ids), cm.n_services, cm.n_outcomes, n,
                             cm.steps_per_year)
    money = service_money(cm, zero, traj, activity_lever=act)
    factors = place_discount_factors(cm.model.place, cm.horizon_years)
    knock = by_agency(cm, money.annual["knock_on_cost"]).sum(axis=1)  # (B, H) £
    outcome_annual = traj.dY_int.reshape(act.shape[0], cm.n_outcomes, cm.horizon_years,
                                         cm.steps_per_year).sum(axis=-1)
    value = np.einsum("boh,o->bh", outcome_annual, outcome_values(cm.model))
    net_by_agency = by_agency(cm, money.annual["net_saving"])  # (B, A, H) £ per £1/yr
    if request.agency in (None, PLACE_ID):
        net = net_by_agency.sum(axis=1)
    else:
        net = net_by_agency[:, cm.agency_index[request.agency]]
    by = request.by
    in_year = profile[by * cm.steps_per_year:(by + 1) * cm.steps_per_year].mean() \
        if 0 <= by < cm.horizon_years else 0.0
    floors = np.array([cm.model.services[s].statutory_floor for s in services])
    room = np.minimum(1.0 - floors, request.max_percent / 100.0)
    return Responses(services=services,
                     max_cut=room * cm.baseline_spend[services] if b else np.zeros(0),
                     planned=np.full(b, float(in_year)),
                     knock_npv=(knock @ factors)[:b], loss_npv=-(value @ factors)[:b],
                     dY=traj.dY[:b], net=net[:b], knock_annual=knock[:b])


# --------------------------------------------------------------------------- red lines


def red_line_rows(cm: CompiledModel, responses: Responses, line: RedLine):
    """(A, b): rows ``A x ≤ b`` for one red line over grid times t ≤ by_year."""
    if line.outcome not in cm.outcome_index:
        raise InputError(f'red line: no outcome "{line.outcome}" in the model')
    o = cm.outcome_index[line.outcome]
    sign = -1.0 if cm.model.outcomes[o].higher_is_better else 1.0
    adverse = sign * responses.dY[:, o, :]  # (B, N+1) per £1/yr
    if line.as_ == "percent":
        adverse = adverse / (abs(cm.outcome_baseline[o]) or 1.0) * 100.0
    mask = np.ones(cm.n_steps + 1, dtype=bool) if line.by_year is None \
        else cm.t <= line.by_year + 1e-9
    rows = adverse[:, mask].T
    # A hair inside the line, so that rounding the cuts up to the penny (and the engine's
    # own check) never sees a breach: 1e-6 of the line is far below any reported precision.
    limit = line.max_change - 1e-6 * max(1.0, abs(line.max_change))
    return rows, np.full(rows.shape[0], limit)


def describe(line: RedLine) -> str:
    unit = " %" if line.as_ == "percent" else ""
    by = "" if line.by_year is None else f" up to year {line.by_year:g}"
    return f"red line {line.outcome} +{line.max_change:g}{unit}{by}"


# --------------------------------------------------------------------------- the LP


def _solve(c, responses: Responses, rows, target: float | None, target_rows: np.ndarray):
    """linprog over x (£/yr): least cost with every target row ≥ ``target``; with
    ``target`` None, the largest z that every target row reaches (the most that can be
    saved, as the target defines saving). Returns (result, x or None[, z])."""
    a_ub = [r for r, _ in rows]
    b_ub = [b for _, b in rows]
    n = len(responses.max_cut)
    bounds = [(0.0, m / 1e6) for m in responses.max_cut]  # £m, so HiGHS sees numbers near 1
    if target is not None:
        a_ub.append(-target_rows)
        # A hair above the target, so that the engine's own figures never fall short by
        # round-off: 1e-9 of the target is far below any reported precision.
        b_ub.append(np.full(target_rows.shape[0], -target * (1 + 1e-9)))
        objective = c
    else:  # variables (x, z): maximise z subject to z − row·x ≤ 0 for every target row
        a_ub = [np.hstack([r, np.zeros((r.shape[0], 1))]) for r in a_ub]
        b_ub = list(b_ub)
        a_ub.append(np.hstack([-target_rows, np.full((target_rows.shape[0], 1), 1e-6)]))
        b_ub.append(np.zeros(target_rows.shape[0]))
        objective = np.concatenate([np.zeros(n), [-1.0]])
        bounds = bounds + [(None, None)]
    a = np.vstack(a_ub) if a_ub else None
    b = np.concatenate(b_ub) if b_ub else None
    res = linprog(objective, A_ub=a * 1e6 if a is not None else None, b_ub=b,
                  bounds=bounds, method="highs")
    if res.status != 0:
        return res, None
    return res, res.x[:n] * 1e6


def optimise(cm: CompiledModel, request: Request, params: Params | None = None,
             scenario_id: str = "optimised", responses: Responses | None = None) -> Package:
    """The package meeting ``request`` with the least weighted whole-place cost
    (``responses``: :func:`unit_responses` for this request, when already computed; they
    do not depend on the target)."""
    if not request.target > 0:
        raise InputError("--target must be a positive £/yr amount")
    if not 0 <= request.by < cm.horizon_years:
        raise InputError(f"--by must be a financial year 0-{cm.horizon_years - 1} of the horizon")
    if not 0 <= request.start < cm.horizon_years:
        # A package starting at the horizon would change nothing inside it (docs/levers.md).
        raise InputError(f"--start must be a year from 0 to before the horizon "
                         f"({cm.horizon_years} years)")
    if not 0 < request.max_percent <= 100:
        raise InputError("--max-percent must be above 0 and at most 100")
    if request.outcome_weight < 0:
        raise InputError("--outcome-weight must be >= 0")
    if responses is None:
        responses = unit_responses(cm, request, params)
    rows = [red_line_rows(cm, responses, line) for line in request.red_lines]
    c = responses.knock_npv + request.outcome_weight * responses.loss_npv
    res, x = _solve(c, responses, rows, request.target, responses.target_rows(request))
    if x is None:
        raise NoCleanAnswer(_why_infeasible(cm, request, responses, rows))
    return _package(cm, request, responses, x, scenario_id)


def _money(v: float) -> str:
    return f"{fmt.money(v)}/yr"


def _why_infeasible(cm, request: Request, responses: Responses, rows) -> str:
    """Which constraint binds: the floors and protections, or a red line."""
    who = "the place's" if request.agency in (None, PLACE_ID) else f'{request.agency}\'s'
    t_rows = responses.target_rows(request)
    year = fmt.year_label(cm.model.place.base_year, request.by)
    kind = f"planned saving in {year}" if request.gross else f"net saving in {year} and every later year"

    def most(x: np.ndarray | None) -> float | None:
        return None if x is None else float(np.min(t_rows @ x))

    _, full = _solve(None, responses, [], None, t_rows)
    capacity = most(full) or 0.0
    if request.target > capacity * (1 + _FEAS_TOL):
        limits = [f"protected: {', '.join(request.protect)}"] if request.protect else []
        if request.max_percent < 100:
            limits.append(f"no service cut by more than {request.max_percent:g} %")
        extra = f" ({'; '.join(limits)})" if limits else ""
        return (f"the target {_money(request.target)} of {kind} exceeds "
                f"the {_money(capacity)} that all of {who} discretionary services above their "
                f"statutory floors can give{extra}")
    _, best_x = _solve(None, responses, rows, None, t_rows)
    if best_x is None:
        for line, row in zip(request.red_lines, rows):
            _, alone = _solve(None, responses, [row], None, t_rows)
            if alone is None:
                return f"{describe(line)} cannot be kept even with no cuts at all"
        return "the red lines together cannot be kept even with no cuts at all"
    best = most(best_x)
    binding = []
    for i, line in enumerate(request.red_lines):
        _, relaxed = _solve(None, responses, rows[:i] + rows[i + 1:], None, t_rows)
        more = most(relaxed)
        if more is not None and more > best * (1 + _FEAS_TOL) + 1:
            enough = ", enough for the target" if more >= request.target * (1 - _FEAS_TOL) else ""
            binding.append(f"{describe(line)} (without it {_money(more)} could be saved{enough})")
    names = "; ".join(binding) if binding else "the red lines together"
    return (f"the target {_money(request.target)} of {kind} cannot be met: "
            f"with the red lines the most that can be saved is {_money(best)}; binding: {names}")


def _package(cm, request: Request, responses: Responses, x: np.ndarray,
             scenario_id: str) -> Package:
    cuts: dict[str, float] = {}
    for b, s in enumerate(responses.services):
        if x[b] < 0.5:  # below £0.50/yr: solver noise, not a cut
            continue
        # Round up to the penny (never below the target), within the floor.
        cuts[cm.service_ids[s]] = min(math.ceil(x[b] * 100) / 100, float(responses.max_cut[b]))
    chosen = np.array([cuts.get(cm.service_ids[s], 0.0) for s in responses.services])
    knock = float(chosen @ responses.knock_npv)
    loss = float(chosen @ responses.loss_npv)
    scenario = package_scenario(cm, request, cuts, scenario_id, knock, loss)
    net = [] if responses.net is None else [float(v) for v in chosen @ responses.net]
    return Package(cuts=cuts, planned_saving=float(chosen @ responses.planned),
                   knock_on_npv=knock, outcome_loss_npv=loss,
                   outcome_weight=request.outcome_weight, scenario=scenario, net_saving=net)


def package_scenario(cm, request: Request, cuts: dict[str, float], scenario_id: str,
                     knock: float, loss: float) -> Scenario:
    """The package as a scenario: one ``cut`` lever (amount £/yr) per service cut."""
    levers = []
    for sid, amount in cuts.items():
        pct = amount / cm.baseline_spend[cm.service_index[sid]] * 100
        levers.append(CutLever(kind="cut", id=f"cut-{sid}"[:64], service=sid, amount=amount,
                               start_year=float(request.start),
                               note=f"{pct:.1f} % of baseline spend"))
    who = PLACE_ID if request.agency is None else request.agency
    what = (f"planned saving in year {request.by}" if request.gross else
            f"net saving (after {who}'s own knock-on costs) in year {request.by} and every "
            "later year")
    description = (
        f"Least-cost package for {_money(request.target)} of {what} ({who}). Objective: "
        f"knock-on cost NPV £{knock:,.0f} (whole place) + "
        f"{request.outcome_weight:g} x valued outcome loss NPV £{loss:,.0f}; the two terms "
        "are reported apart, never added to cash. Unvalued outcomes are protected only by "
        "the red lines.")
    return Scenario(id=scenario_id, name=f"Optimised package: {_money(request.target)}",
                    description=description, red_lines=list(request.red_lines),
                    targets=[Target(agency=who, amount=float(request.target),
                                    from_year=int(request.by))],
                    levers=levers)


def pro_rata_scenario(cm: CompiledModel, request: Request, total: float,
                      scenario_id: str = "pro-rata") -> Scenario:
    """Every candidate service cut by the same percent of baseline, adding up to ``total``
    £/yr (the comparator: 'cut everything equally')."""
    services = candidates(cm, request)
    base = float(cm.baseline_spend[services].sum())
    pct = total / base * 100.0
    levers = [CutLever(kind="cut", id=f"cut-{cm.service_ids[s]}"[:64], service=cm.service_ids[s],
                       percent=pct, start_year=float(request.start)) for s in services]
    return Scenario(id=scenario_id, name=f"Pro-rata {pct:.2f} % cut", levers=levers,
                    red_lines=list(request.red_lines))


def evaluate(cm: CompiledModel, scenario: Scenario, weight: float) -> dict[str, Any]:
    """A scenario's whole-place figures by the real engine: place NPV, knock-on NPV, social
    value NPV and the weighted objective (all £)."""
    from cutsim.appraise.appraisal import place_discount_factors
    from cutsim.appraise.run import run_scenario

    result = run_scenario(cm, scenario)
    factors = place_discount_factors(cm.model.place, cm.horizon_years)
    knock = float(result.place_annual["knock_on_cost"] @ factors)
    social = result.appraisal.place.social_value_npv or 0.0
    return {"npv_place": float(result.appraisal.place.npv), "knock_on_npv": knock,
            "social_value_npv": float(social), "objective": knock + weight * -float(social),
            "red_lines": result.red_lines(),
            "planned_saving_npv": float(result.place_annual["planned_saving"] @ factors)}


# --------------------------------------------------------------------------- consequences

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
    from cutsim.model.materiality import is_nothing, materiality_floor

    params = params or cm.central_params()
    result = run_scenario(cm, package.scenario, params=params)
    model, h = cm.model, cm.horizon_years
    last = fmt.year_label(model.place.base_year, h - 1)
    changes = []
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
            "late_harm": _late_harm(cm, package, params, materiality_floor(model), is_nothing)}


def _late_harm(cm: CompiledModel, package: Package, params: Params, floor: float,
               is_nothing) -> list[dict[str, Any]]:
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
    start = package.scenario.levers[0].start_year if package.scenario.levers else 0.0

    def knock_by_year(model_cm: CompiledModel) -> np.ndarray:
        """(cuts, H) whole-place knock-on cost, £ a year, of each cut alone."""
        n = model_cm.n_steps
        profile = ramp(model_cm.t, start, 0.0)
        act = np.zeros((len(ids), model_cm.n_services, n + 1))
        for b, sid in enumerate(ids):
            s = model_cm.service_index[sid]
            act[b, s] = -package.cuts[sid] * profile / model_cm.unit_cost[s]
        traj = simulate(model_cm, params, act)
        zero = LeverInputs.zeros(len(model_cm.agency_ids), model_cm.n_services,
                                 model_cm.n_outcomes, n, model_cm.steps_per_year)
        money = service_money(model_cm, zero, traj, activity_lever=act)
        return by_agency(model_cm, money.annual["knock_on_cost"]).sum(axis=1)

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


# ----------------------------------------------------------------------- scans


class TargetScan:
    """One target of a scan as a picklable task (:mod:`cutsim.appraise.executor`): the
    package for ``target`` £/yr under the scan's request, summarised. The model is
    compiled, and the engine's responses (which do not depend on the target) computed,
    once per process that runs tasks."""

    def __init__(self, model: Any, request: Request) -> None:
        self.model, self.request = model, request
        self._cm: CompiledModel | None = None
        self._responses: Responses | None = None

    def __getstate__(self) -> dict:
        return {"model": self.model, "request": self.request, "_cm": None, "_responses": None}

    def __call__(self, target: float) -> dict[str, Any]:
        from cutsim.engine.compiled import compile_model

        if self._cm is None:
            self._cm = compile_model(self.model)
            self._responses = unit_responses(self._cm, self.request)
        request = replace(self.request, target=float(target))
        try:
            package = optimise(self._cm, request, responses=self._responses)
        except NoCleanAnswer as exc:
            return {"target": float(target), "feasible": False, "why": str(exc)}
        return {"target": float(target), "feasible": True,
                "planned_saving": package.planned_saving,
                "knock_on_npv": package.knock_on_npv,
                "outcome_loss_npv": package.outcome_loss_npv,
                "objective": package.objective, "cuts": package.cuts}


def scan_targets(model: Any, request: Request, targets: list[float],
                 executor: Any = None) -> list[dict[str, Any]]:
    """The least-cost package for each of ``targets`` (£/yr), in order: what each level of
    saving costs the whole place (knock-on NPV, valued outcome loss NPV, £), or why it
    cannot be met. ``executor`` (:mod:`cutsim.appraise.executor`) runs the targets, in
    this process by default; any executor gives the same packages."""
    from cutsim.appraise.executor import InProcess

    if not targets:
        raise InputError("a scan needs at least one target")
    for t in targets:
        if not t > 0:
            raise InputError(f"--target must be positive £/yr amounts (got {t:g})")
    return (executor or InProcess()).map(TargetScan(model, request), list(targets))
