"""The least-cost cut package that meets a savings target (``cutsim optimise``).

Formulation (docs/levers.md, "The optimiser"). The engine is linear in lever inputs, so a
package of cuts has money and outcome changes Σ_c x_c·r_c, where x_c is £/yr taken from a
candidate service and r_c the engine's response to a £1/yr cut of it alone, starting
after its lead time (one batched engine run over all candidates).

A cut saves only after its **lead time** (:mod:`cutsim.appraise.delivery`): its notice,
plus collective consultation when the posts the package removes at one agency reach 20
(30 days) or 100 (45 days). The consultation is a step in the package's size, so each
candidate service with posts has one column per consultation level its agency can
reach, c = (s, k), and each such agency one binary y_{a,k} choosing its level (a mixed-
integer programme, solved exactly by HiGHS through :func:`scipy.optimize.milp`):

    minimise    Σ_c x_c·(K_c + D_c + w·V_c)
    subject to  Σ_c x_c·n_{c,y} ≥ target          for every financial year y ≥ by
                Σ_c x_c·adv_{c,o}(t) ≤ max_change_o  (each red line, each grid t ≤ by_year)
                Σ_k x_{s,k} ≤ cap_s;   x_{s,k} ≤ cap_s·y_{a,k};   Σ_k y_{a,k} = 1
                20·y_{a,30} + 100·y_{a,45} ≤ P_a ≤ (20−δ)·y_{a,0} + (100−δ)·y_{a,30} + M·y_{a,45}
                Σ_c x_c·r_c ≤ one-off cap (per agency, or in all)

- K_c (£ per £1/yr): NPV of the knock-on cost the cut puts on every agency of the place;
- D_c (£ per £1/yr): NPV of its one-off redundancy cost (posts × cost per redundancy);
- V_c (£ per £1/yr): NPV of the valued outcome loss, weighted by w = ``outcome_weight``
  (default 1: a £ of social value counts as a £ of cost; 0 = cash only). The terms are
  reported apart and never added into any cash figure;
- n_{c,y} (£ per £1/yr): what the target's budget nets in financial year y: its planned
  saving less the knock-on cost (cashable and not) on that budget's services. With
  ``--agency`` the budget is the agency's general fund, plus any ring-fenced grant named
  by ``--fund``; without, the place. With ``gross``: planned saving in year ``by`` alone;
- P_a: posts removed at agency a (FTE, the proxy for people), all the package's cuts
  starting together and so within 90 days of each other; δ keeps "fewer than 20" strict;
- r_c: £ of one-off cost per £1/yr cut; cap_s: the most the service may lose (above its
  statutory floor, ``max_cut_percent`` and ``--max-percent``).

Candidates are discretionary services, not protected, on the target's budget (a service
paid by a ring-fenced grant only with ``--fund`` naming the grant). Income levers are
never candidates. A cut on a demand-led service is an efficiency the model treats as free,
so it would always be taken first; plan efficiencies separately. An infeasible request
raises :class:`~cutsim.model.errors.NoCleanAnswer` naming what binds, and the earliest
year from which the target could be met when only the year is wrong.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from cutsim.appraise import delivery
from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import by_agency, service_money
from cutsim.engine.simulate import simulate
from cutsim.levers.kinds import CutLever
from cutsim.model import fmt
from cutsim.model.errors import InputError, NoCleanAnswer
from cutsim.model.schema import GENERAL_FUND, PLACE_ID, LeverBase, RedLine, Scenario, Target

log = logging.getLogger(__name__)

DEFAULT_OUTCOME_WEIGHT = 1.0
_FEAS_TOL = 1e-6  # relative tolerance when comparing a target with what can be saved
_POST_MARGIN = 1e-4  # FTE: "fewer than 20 posts" is at most 20 − this (far below a person)
_SCALE = 1e6  # the programme's variables are £m a year, so HiGHS sees numbers near 1


@dataclass
class Request:
    """What to optimise: ``target`` £/yr of net saving from financial year ``by``.

    ``agency``: only that agency's services are candidates and the target is its general
    fund's net saving (None: the whole place's). ``funds``: ring-fenced grants whose
    services may be cut, their net saving counting towards the target beside the general
    fund. ``protect``: service ids never cut. ``outcome_weight``: w. ``start``: year the
    cuts start (years from base_year; each saves after its lead time). ``max_percent``: no
    service cut by more than this percent of its baseline spend (0-100). ``max_one_off``:
    £ cap on the package's one-off costs (None: each agency's reserves above its minimum
    balance; an agency stating no reserves is not capped).
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
    funds: list[str] = field(default_factory=list)
    max_one_off: float | None = None

    @property
    def for_place(self) -> bool:
        return self.agency in (None, PLACE_ID)


@dataclass(eq=False)
class Responses:
    """The engine's response to a £1/yr cut of each candidate column c = (service, level).

    ``services[c]`` service index; ``levels[c]`` consultation days the column assumes;
    ``leads[c]`` its :class:`~cutsim.appraise.delivery.LeadTime`; ``knock_npv[c]``,
    ``loss_npv[c]`` and ``one_off_npv[c]`` £ per £1/yr; ``planned[c]`` the fraction of
    year ``by`` in force; ``dY[c, O, N+1]`` outcome change per £1/yr; ``max_cut[c]`` £/yr
    (the service's cap); ``net[c, H]`` £ per £1/yr the target's budget nets each year;
    ``posts[c]`` FTE and ``one_off[c]`` £ per £1/yr; ``agencies[c]`` agency index.
    """

    services: list[int]
    max_cut: np.ndarray
    planned: np.ndarray
    knock_npv: np.ndarray
    loss_npv: np.ndarray
    dY: np.ndarray
    posts: np.ndarray
    one_off: np.ndarray
    agencies: np.ndarray
    net: np.ndarray | None = None
    knock_annual: np.ndarray | None = None  # (C, H) £ whole-place knock-on per £1/yr
    levels: list[int] = field(default_factory=list)
    leads: list[delivery.LeadTime] = field(default_factory=list)
    one_off_npv: np.ndarray | None = None
    caps: dict[str, str] = field(default_factory=dict)  # service id → what sets its cap

    def target_rows(self, request: Request) -> np.ndarray:
        """(R, C): each row's Σ_c x_c·row_c must reach the target (see the module doc)."""
        if request.gross or self.net is None:
            return self.planned[None, :]
        return self.net[:, request.by:].T

    def cost(self, weight: float) -> np.ndarray:
        """(C,): the objective's £ per £1/yr of each column."""
        one_off = self.one_off_npv if self.one_off_npv is not None else 0.0
        return self.knock_npv + one_off + weight * self.loss_npv


@dataclass
class PackageCut:
    """One cut of the package, as a line of a savings programme."""

    service: str
    amount: float  # £/yr at full effect
    lead: delivery.LeadTime
    posts: float  # FTE removed
    one_off_cost: float  # £, redundancy and pension strain


@dataclass
class Package:
    """The optimal package: cuts £/yr by service id and the objective's terms (£, NPV).

    ``net_saving``: £ the target's budget nets in each financial year by the linear
    prediction (the engine gives the same; see the tests). ``binding``: what limits the
    package, in words (``{"kind", "text"}``)."""

    cuts: dict[str, float]
    planned_saving: float  # £/yr in year ``by``
    knock_on_npv: float  # whole-place net cost, £ (NPV)
    outcome_loss_npv: float  # valued outcome loss, £ (NPV), before weighting
    outcome_weight: float
    scenario: Scenario
    net_saving: list[float] = field(default_factory=list)
    one_off_npv: float = 0.0  # £ (NPV) of the package's redundancy costs
    lines: list[PackageCut] = field(default_factory=list)
    binding: list[dict[str, str]] = field(default_factory=list)
    consultation: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        return self.knock_on_npv + self.one_off_npv + self.outcome_weight * self.outcome_loss_npv

    @property
    def one_off_cost(self) -> float:
        """£ of one-off costs the package carries (undiscounted)."""
        return float(sum(line.one_off_cost for line in self.lines))


# --------------------------------------------------------------------------- candidates


def _budget_sources(request: Request) -> set[str]:
    return {GENERAL_FUND, *request.funds}


def _check_funds(cm: CompiledModel, request: Request) -> None:
    known = sorted({s.funding_source for s in cm.model.services
                    if s.funding_source and s.funding_source != GENERAL_FUND
                    and (request.for_place or s.agency == request.agency)})
    for grant in request.funds:
        if grant == GENERAL_FUND:
            raise InputError("--fund names a ring-fenced grant; the general fund always counts")
        if grant not in known:
            where = "the place" if request.for_place else f'agency "{request.agency}"'
            raise InputError(f'--fund: no service of {where} is paid by "{grant}" '
                             f"(grants: {', '.join(known) or 'none'})")


def candidates(cm: CompiledModel, request: Request) -> list[int]:
    """Discretionary, unprotected services on the target's budget (of ``request.agency``
    if given) that can be cut."""
    for sid in request.protect:
        if sid not in cm.service_index:
            raise InputError(f'--protect: no service "{sid}" in the model')
    if not request.for_place and request.agency not in cm.agency_index:
        raise InputError(f'--agency: no agency "{request.agency}" in the model')
    _check_funds(cm, request)
    sources = _budget_sources(request)
    out = []
    for s, service in enumerate(cm.model.services):
        if cm.demand_led[s] or service.id in request.protect:
            continue
        if not request.for_place and service.agency != request.agency:
            continue
        if (service.funding_source or GENERAL_FUND) not in sources:
            continue  # a ring-fenced grant's service saves the grant, not the target's budget
        if _room(service, request)[0] > 0:
            out.append(s)
    return out


def _room(service, request: Request) -> tuple[float, str]:
    """(the most the service may lose as a share of its baseline, what sets it)."""
    limits = [(1.0 - service.statutory_floor, "its statutory floor"),
              (request.max_percent / 100.0, f"--max-percent {request.max_percent:g}")]
    if service.max_cut_percent is not None:
        limits.append((service.max_cut_percent / 100.0,
                       f"its max_cut_percent {service.max_cut_percent:g}"))
    return min(limits, key=lambda item: item[0])


def _columns(cm: CompiledModel, services: list[int]) -> list[tuple[int, int]]:
    """(service, consultation days) for each candidate: one column per level its agency
    can reach with the candidates' posts (services without posts: level 0 alone)."""
    model = cm.model
    posts_by_agency: dict[int, float] = {}
    for s in services:
        a = int(cm.service_agency[s])
        posts_by_agency[a] = posts_by_agency.get(a, 0.0) + float(model.services[s].fte or 0.0)
    out = []
    for s in services:
        if not model.services[s].fte:
            out.append((s, 0))
            continue
        most = posts_by_agency[int(cm.service_agency[s])]
        out += [(s, days) for days in delivery.CONSULTATION_LEVELS
                if days == 0 or most >= min(n for n, d in delivery.CONSULTATION_THRESHOLDS
                                            if d == days)]
    return out


def _budget_mask(cm: CompiledModel, request: Request) -> np.ndarray:
    """(S,): 1 on the services whose money is the target's budget."""
    if request.for_place:
        return np.ones(cm.n_services)
    sources = _budget_sources(request)
    return np.array([float(s.agency == request.agency
                           and (s.funding_source or GENERAL_FUND) in sources)
                     for s in cm.model.services])


def unit_responses(cm: CompiledModel, request: Request, params: Params | None = None) -> Responses:
    """Run the engine once, batched over candidate columns, for a £1/yr cut of each
    starting at ``request.start`` plus the column's lead time."""
    from cutsim.appraise.appraisal import outcome_values, place_discount_factors
    from cutsim.levers.common import ramp

    params = params or cm.central_params()
    model = cm.model
    services = candidates(cm, request)
    columns = _columns(cm, services)
    n, c = cm.n_steps, len(columns)
    leads = [delivery.LeadTime(delivery.notice_months(model, model.services[s]), days)
             for s, days in columns]
    profiles = np.array([ramp(cm.t, request.start + lead.years, 0.0) for lead in leads]) \
        if c else np.zeros((0, n + 1))
    act = np.zeros((max(c, 1), cm.n_services, n + 1))
    for i, (s, _) in enumerate(columns):
        act[i, s] = -profiles[i] / cm.unit_cost[s]
    traj = simulate(cm, params, act)
    zero = LeverInputs.zeros(len(cm.agency_ids), cm.n_services, cm.n_outcomes, n,
                             cm.steps_per_year)
    money = service_money(cm, zero, traj, activity_lever=act)
    factors = place_discount_factors(model.place, cm.horizon_years)
    knock = by_agency(cm, money.annual["knock_on_cost"]).sum(axis=1)  # (C, H) £
    outcome_annual = traj.dY_int.reshape(act.shape[0], cm.n_outcomes, cm.horizon_years,
                                         cm.steps_per_year).sum(axis=-1)
    value = np.einsum("boh,o->bh", outcome_annual, outcome_values(model))
    mask = _budget_mask(cm, request)[None, :, None]
    own = money.annual["planned_saving"] - money.annual["knock_on_cost"]
    net = by_agency(cm, own * mask).sum(axis=1)  # (C, H) £ per £1/yr
    by = request.by
    in_year = np.array([p[by * cm.steps_per_year:(by + 1) * cm.steps_per_year].mean()
                        if 0 <= by < cm.horizon_years else 0.0 for p in profiles])
    room = {s: _room(model.services[s], request) for s in services}
    per_pound = np.array([delivery.posts_per_pound(model.services[s]) for s, _ in columns])
    one_off = np.array([per_pound[i] * delivery.cost_per_redundancy(model, model.services[s].agency)
                        for i, (s, _) in enumerate(columns)])
    lump_year = min(int(math.floor(request.start)), cm.horizon_years - 1)
    return Responses(services=[s for s, _ in columns],
                     max_cut=np.array([room[s][0] * cm.baseline_spend[s] for s, _ in columns]),
                     planned=in_year.astype(float), knock_npv=(knock @ factors)[:c],
                     loss_npv=-(value @ factors)[:c], dY=traj.dY[:c], net=net[:c],
                     knock_annual=knock[:c], levels=[d for _, d in columns], leads=leads,
                     posts=per_pound, one_off=one_off,
                     one_off_npv=one_off * factors[lump_year],
                     agencies=np.array([int(cm.service_agency[s]) for s, _ in columns], dtype=int),
                     caps={cm.service_ids[s]: room[s][1] for s in services})


# --------------------------------------------------------------------------- red lines


def red_line_rows(cm: CompiledModel, responses: Responses, line: RedLine):
    """(A, b): rows ``A x ≤ b`` for one red line over grid times t ≤ by_year."""
    if line.outcome not in cm.outcome_index:
        raise InputError(f'red line: no outcome "{line.outcome}" in the model')
    o = cm.outcome_index[line.outcome]
    sign = -1.0 if cm.model.outcomes[o].higher_is_better else 1.0
    adverse = sign * responses.dY[:, o, :]  # (C, N+1) per £1/yr
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


# --------------------------------------------------------------------------- the programme


@dataclass
class _Problem:
    """The mixed-integer programme's fixed parts: columns, binaries and their rows."""

    responses: Responses
    rows: list  # red lines: (A, b)
    caps: dict[int, float]  # agency index (or -1: the whole package) → £ one-off cap
    consulting: list[int]  # agency indices with a choice of consultation level
    fixed: dict[int, int] = field(default_factory=dict)  # agency → consultation days imposed

    @property
    def n_columns(self) -> int:
        return len(self.responses.services)

    def binary(self, a: int, days: int) -> int:
        """The variable index of y_{a,days}."""
        return self.n_columns + 3 * self.consulting.index(a) + delivery.CONSULTATION_LEVELS.index(days)

    @property
    def n_vars(self) -> int:
        return self.n_columns + 3 * len(self.consulting)


def _one_off_caps(cm: CompiledModel, request: Request, responses: Responses) -> dict[int, float]:
    """£ caps on one-off costs: ``--max-one-off`` over the whole package, else each
    agency's reserves above its minimum balance (no cap where it states no reserves)."""
    if request.max_one_off is not None:
        return {-1: float(request.max_one_off)}
    caps = {}
    for a in sorted({int(a) for a in responses.agencies}):
        headroom = delivery.reserves_headroom(cm.model, cm.agency_ids[a])
        if headroom is not None:
            caps[a] = headroom
    return caps


def _problem(cm: CompiledModel, request: Request, responses: Responses, rows) -> _Problem:
    consulting = sorted({int(responses.agencies[i]) for i, days in enumerate(responses.levels)
                         if days})
    return _Problem(responses, rows, _one_off_caps(cm, request, responses), consulting)


def _constraints(problem: _Problem) -> list[LinearConstraint]:
    """Every row but the target's (red lines, caps, consultation levels, one-off caps)."""
    r = problem.responses
    nc, nv = problem.n_columns, problem.n_vars
    out = []
    for a_rows, b in problem.rows:
        a = np.zeros((a_rows.shape[0], nv))
        a[:, :nc] = a_rows * _SCALE
        out.append(LinearConstraint(a, -np.inf, b))
    by_service: dict[int, list[int]] = {}
    for i, s in enumerate(r.services):
        by_service.setdefault(s, []).append(i)
    for cols in by_service.values():
        if len(cols) > 1:
            row = np.zeros(nv)
            row[cols] = 1.0
            out.append(LinearConstraint(row, -np.inf, r.max_cut[cols[0]] / _SCALE))
    for agency in problem.consulting:
        out += _consultation_rows(problem, agency)
    for agency, cap in problem.caps.items():
        row = np.zeros(nv)
        on = np.ones(nc, dtype=bool) if agency < 0 else (r.agencies == agency)
        row[:nc] = np.where(on, r.one_off, 0.0) * _SCALE
        if np.any(row):
            # A hair under the cap, so rounding each cut up to the penny never passes it.
            out.append(LinearConstraint(row, -np.inf, cap * (1 - 1e-6)))
    return out


def _consultation_rows(problem: _Problem, a: int) -> list[LinearConstraint]:
    """One level per agency; columns of a level only when it is chosen; the posts removed
    within the chosen level's band (module doc)."""
    r = problem.responses
    nc, nv = problem.n_columns, problem.n_vars
    levels = delivery.CONSULTATION_LEVELS
    y = {days: problem.binary(a, days) for days in levels}
    out = []
    one = np.zeros(nv)
    one[list(y.values())] = 1.0
    out.append(LinearConstraint(one, 1.0, 1.0))
    posts = np.zeros(nv)
    for i in range(nc):
        if r.agencies[i] != a:
            continue
        posts[i] = r.posts[i] * _SCALE
        if r.levels[i] or r.posts[i] > 0:
            link = np.zeros(nv)
            link[i] = 1.0
            link[y[r.levels[i]]] = -r.max_cut[i] / _SCALE
            out.append(LinearConstraint(link, -np.inf, 0.0))
    most = float(sum(r.posts[i] * r.max_cut[i] for i in range(nc) if r.agencies[i] == a)) + 100.0
    upper = posts.copy()
    upper[y[0]] = -(20 - _POST_MARGIN)
    upper[y[30]] = -(100 - _POST_MARGIN)
    upper[y[45]] = -most
    out.append(LinearConstraint(upper, -np.inf, 0.0))
    lower = posts.copy()
    lower[y[30]] = -20.0
    lower[y[45]] = -100.0
    out.append(LinearConstraint(lower, 0.0, np.inf))
    return out


def _solve(problem: _Problem, c: np.ndarray | None, target: float | None,
           target_rows: np.ndarray) -> np.ndarray | None:
    """HiGHS over x (£/yr) and the binaries: least cost with every target row ≥ ``target``;
    with ``target`` None, the x reaching the largest z that every target row reaches (the
    most that can be saved, as the target defines saving). None when infeasible."""
    nc, nv = problem.n_columns, problem.n_vars
    constraints = _constraints(problem)
    lower = np.zeros(nv + (1 if target is None else 0))
    upper = np.concatenate([problem.responses.max_cut / _SCALE, np.ones(nv - nc)])
    for a, days in problem.fixed.items():  # a level imposed: its binary 1, the others 0
        for level in delivery.CONSULTATION_LEVELS:
            i = problem.binary(a, level)
            lower[i] = upper[i] = float(level == days)
    integrality = np.concatenate([np.zeros(nc), np.ones(nv - nc)])
    rows = np.zeros((target_rows.shape[0], nv))
    rows[:, :nc] = target_rows * _SCALE
    if target is not None:
        # A hair above the target (1e-9 of it, and £1), so that the engine's own figures,
        # summed in another order, never fall short by round-off.
        constraints.append(LinearConstraint(rows, target * (1 + 1e-9) + 1.0, np.inf))
        objective = np.zeros(nv)
        objective[:nc] = c
    else:  # one more variable z: maximise z subject to row·x − z ≥ 0 for every target row
        constraints = [LinearConstraint(np.hstack([k.A, np.zeros((k.A.shape[0], 1))]), k.lb, k.ub)
                       for k in constraints]
        rows = np.hstack([rows, np.full((rows.shape[0], 1), -1e-6 * _SCALE)])
        constraints.append(LinearConstraint(rows, 0.0, np.inf))
        upper = np.concatenate([upper, [np.inf]])
        lower[-1] = -np.inf
        integrality = np.concatenate([integrality, [0]])
        objective = np.zeros(nv + 1)
        objective[-1] = -1.0
    res = milp(objective, constraints=constraints, integrality=integrality,
               bounds=Bounds(lower, upper), options={"mip_rel_gap": 1e-9})
    if res.status != 0 or res.x is None:
        return None
    return _settle(problem, res.x[:nv])


def _settle(problem: _Problem, solution: np.ndarray) -> np.ndarray:
    """x (£/yr per column) with each service's cut on the one column of its agency's
    chosen consultation level: the solver may leave crumbs within its integrality
    tolerance on another level's column (x ≤ cap·y with y a hair above 0)."""
    r = problem.responses
    nc = problem.n_columns
    x = solution[:nc] * _SCALE
    level = {a: max(delivery.CONSULTATION_LEVELS,
                    key=lambda days: solution[problem.binary(a, days)])
             for a in problem.consulting}
    settled = np.zeros(nc)
    home: dict[int, int] = {}
    for i, s in enumerate(r.services):
        wanted = level.get(int(r.agencies[i]), 0) if r.posts[i] > 0 else 0
        if r.levels[i] == wanted:
            home[s] = i
    for i, s in enumerate(r.services):
        settled[home.get(s, i)] += x[i]
    return np.minimum(settled, r.max_cut)


def optimise(cm: CompiledModel, request: Request, params: Params | None = None,
             scenario_id: str = "optimised", responses: Responses | None = None) -> Package:
    """The package meeting ``request`` with the least weighted whole-place cost
    (``responses``: :func:`unit_responses` for this request, when already computed; they
    do not depend on the target)."""
    _check_request(cm, request)
    if responses is None:
        responses = unit_responses(cm, request, params)
    rows = [red_line_rows(cm, responses, line) for line in request.red_lines]
    problem = _problem(cm, request, responses, rows)
    x = _solve(problem, responses.cost(request.outcome_weight), request.target,
               responses.target_rows(request))
    if x is None:
        raise NoCleanAnswer(_why_infeasible(cm, request, responses, problem))
    return _package(cm, request, responses, problem, x, scenario_id)


def _check_request(cm: CompiledModel, request: Request) -> None:
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
    if request.max_one_off is not None and not (0 <= request.max_one_off < math.inf):
        raise InputError("--max-one-off must be a £ amount of 0 or more")


def _money(v: float) -> str:
    return f"{fmt.money(v)}/yr"


def _why_infeasible(cm, request: Request, responses: Responses, problem: _Problem) -> str:
    """Which constraint binds: the year (lead times), the floors and protections, the
    reserves cap or a red line."""
    who = "the place's" if request.for_place else f"{request.agency}'s"
    t_rows = responses.target_rows(request)
    base = cm.model.place.base_year
    year = fmt.year_label(base, request.by)
    kind = f"planned saving in {year}" if request.gross else f"net saving in {year} and every later year"
    later = _earliest_year(cm, request, responses, problem)
    if later is not None:
        return (f"the target {_money(request.target)} of {kind} cannot be met: the cuts save "
                f"only after their lead times ({_lead_words(responses)}); the earliest "
                f"financial year from which it can be met is {fmt.year_label(base, later)} "
                f"(--by {fmt.year_label(base, later)})")

    def most(x: np.ndarray | None) -> float | None:
        return None if x is None else float(np.min(t_rows @ x))

    loose = _Problem(responses, [], {}, problem.consulting)
    capacity = most(_solve(loose, None, None, t_rows)) or 0.0
    if request.target > capacity * (1 + _FEAS_TOL):
        limits = [f"protected: {', '.join(request.protect)}"] if request.protect else []
        if request.max_percent < 100:
            limits.append(f"no service cut by more than {request.max_percent:g} %")
        extra = f" ({'; '.join(limits)})" if limits else ""
        return (f"the target {_money(request.target)} of {kind} exceeds "
                f"the {_money(capacity)} that all of {who} discretionary services on its "
                f"budget above their floors can give after their lead times{extra}")
    capped = _Problem(responses, [], problem.caps, problem.consulting)
    with_caps = most(_solve(capped, None, None, t_rows))
    if problem.caps and (with_caps is None or request.target > with_caps * (1 + _FEAS_TOL)):
        cap = sum(problem.caps.values())
        return (f"the target {_money(request.target)} of {kind} cannot be met within "
                f"{fmt.money(cap)} of one-off costs (redundancy and pension strain; "
                f"{_cap_words(cm, request)}): the most that can be saved within it is "
                f"{_money(with_caps or 0.0)}; raise --max-one-off to allow more")
    best = most(_solve(problem, None, None, t_rows))
    if best is None:
        for line, row in zip(request.red_lines, problem.rows):
            alone = _Problem(responses, [row], {}, problem.consulting)
            if _solve(alone, None, None, t_rows) is None:
                return f"{describe(line)} cannot be kept even with no cuts at all"
        return "the red lines together cannot be kept even with no cuts at all"
    binding = []
    for i, line in enumerate(request.red_lines):
        relaxed = _Problem(responses, problem.rows[:i] + problem.rows[i + 1:], problem.caps,
                           problem.consulting)
        more = most(_solve(relaxed, None, None, t_rows))
        if more is not None and more > best * (1 + _FEAS_TOL) + 1:
            enough = ", enough for the target" if more >= request.target * (1 - _FEAS_TOL) else ""
            binding.append(f"{describe(line)} (without it {_money(more)} could be saved{enough})")
    names = "; ".join(binding) if binding else "the red lines together"
    return (f"the target {_money(request.target)} of {kind} cannot be met: "
            f"with the red lines the most that can be saved is {_money(best)}; binding: {names}")


def _earliest_year(cm, request: Request, responses: Responses, problem: _Problem) -> int | None:
    """The first financial year after ``request.by`` from which the target can be met with
    every other rule kept (None: no later year either). Only net targets have later rows
    to drop; a gross target is re-asked in each later year."""
    for later in range(request.by + 1, cm.horizon_years):
        moved = replace(request, by=later)
        rows = responses.target_rows(moved) if not request.gross else \
            unit_responses(cm, moved).target_rows(moved)
        if _solve(problem, responses.cost(request.outcome_weight), request.target, rows) is not None:
            return later
    return None


def _lead_words(responses: Responses) -> str:
    notices = sorted({lead.notice_months for lead in responses.leads})
    words = ", ".join(f"{n:g}" for n in notices)
    return (f"{words} months' notice, and 30 or 45 days' collective consultation when 20 or "
            "100 posts go at one agency")


def _cap_words(cm, request: Request) -> str:
    if request.max_one_off is not None:
        return "--max-one-off"
    return "each agency's reserves above its minimum balance"


def _package(cm, request: Request, responses: Responses, problem: _Problem, x: np.ndarray,
             scenario_id: str) -> Package:
    chosen = np.zeros(len(x))
    lines: list[PackageCut] = []
    for i, s in enumerate(responses.services):
        if x[i] < 0.5:  # below £0.50/yr: solver noise, not a cut
            continue
        # Round up to the penny (never below the target), within the cap.
        amount = min(math.ceil(x[i] * 100) / 100, float(responses.max_cut[i]))
        chosen[i] = amount
        posts = amount * float(responses.posts[i])
        lines.append(PackageCut(cm.service_ids[s], amount, responses.leads[i], posts,
                                amount * float(responses.one_off[i])))
    cuts = {line.service: line.amount for line in lines}
    knock = float(chosen @ responses.knock_npv)
    loss = float(chosen @ responses.loss_npv)
    one_off_npv = float(chosen @ responses.one_off_npv) if responses.one_off_npv is not None else 0.0
    scenario = package_scenario(cm, request, lines, scenario_id, knock, loss)
    net = [] if responses.net is None else [float(v) for v in chosen @ responses.net]
    package = Package(cuts=cuts, planned_saving=float(chosen @ responses.planned),
                      knock_on_npv=knock, outcome_loss_npv=loss,
                      outcome_weight=request.outcome_weight, scenario=scenario, net_saving=net,
                      one_off_npv=one_off_npv, lines=lines,
                      consultation=_consultation(cm, lines))
    package.binding = binding(cm, request, responses, problem, chosen, package)
    log.debug("package of %d cuts, objective £%.0f", len(lines), package.objective)
    return package


def _consultation(cm, lines: list[PackageCut]) -> dict[str, dict[str, Any]]:
    """Per agency with posts going: the posts within 90 days and the consultation due."""
    out: dict[str, dict[str, Any]] = {}
    for line in lines:
        agency = cm.model.service(line.service).agency
        entry = out.setdefault(agency, {"posts": 0.0, "consultation_days": 0})
        entry["posts"] += line.posts
    for entry in out.values():
        entry["consultation_days"] = delivery.consultation_days(entry["posts"])
    return {a: e for a, e in out.items() if e["posts"] > 0}


def binding(cm, request: Request, responses: Responses, problem: _Problem,
            chosen: np.ndarray, package: Package) -> list[dict[str, str]]:
    """What limits the package, in words: the target's binding years (and the lead times
    that make the first of them dear), services at their cap (statutory floor,
    ``max_cut_percent``, ``--max-percent``), the one-off cap and red lines at their limit."""
    base = cm.model.place.base_year
    out: list[dict[str, str]] = []
    t_rows = responses.target_rows(request)
    reached = t_rows @ chosen
    tight = [i for i, v in enumerate(reached) if v <= request.target * (1 + 1e-6) + 1.0]
    for i in tight:
        y = request.by + (0 if request.gross else i)
        out.append({"kind": "target_year",
                    "text": f"the target binds in {fmt.year_label(base, y)}: the package nets "
                            f"{_money(float(reached[i]))} there"})
    if 0 in tight:  # the first target year binds: a lead time running into it is dear
        for line in package.lines:
            starts = request.start + line.lead.years
            if starts > request.by + 1e-9:
                out.append({"kind": "lead_time",
                            "text": f"lead time: {cm.model.service(line.service).name} saves "
                                    f"only from {_date_words(base, starts)} "
                                    f"({line.lead.words()}), so "
                                    f"{fmt.year_label(base, request.by)} has less of it"})
    for agency, entry in package.consultation.items():
        if entry["consultation_days"]:
            out.append({"kind": "consultation",
                        "text": f"{cm.model.agency(agency).name}: {entry['posts']:.1f} posts go "
                                f"within 90 days, so {entry['consultation_days']} days' collective "
                                f"consultation comes first ({delivery.CONSULTATION_SOURCE})"})
    for i, s in enumerate(responses.services):
        if chosen[i] > 0 and chosen[i] >= responses.max_cut[i] - 0.01:
            sid = cm.service_ids[s]
            out.append({"kind": "cap",
                        "text": f"{cm.model.services[s].name} is cut as far as "
                                f"{responses.caps.get(sid, 'its cap')} allows"})
    for a, cap in problem.caps.items():
        on = np.ones(len(chosen), dtype=bool) if a < 0 else (responses.agencies == a)
        spent = float(chosen[on] @ responses.one_off[on])
        if cap > 0 and spent >= cap * (1 - 1e-4):
            who = "the package" if a < 0 else cm.model.agency(cm.agency_ids[a]).name
            out.append({"kind": "reserves_cap",
                        "text": f"{who}: one-off costs {fmt.money(spent)} reach the cap of "
                                f"{fmt.money(cap)} ({_cap_words(cm, request)})"})
        elif cap == 0 and any(responses.one_off[on] > 0):
            who = "the package" if a < 0 else cm.model.agency(cm.agency_ids[a]).name
            out.append({"kind": "reserves_cap",
                        "text": f"{who}: no reserves above the minimum balance, so no cut that "
                                "removes posts (set --max-one-off to allow redundancy costs)"})
    for red_line, (a_rows, b) in zip(request.red_lines, problem.rows):
        if np.any(a_rows @ chosen >= b - 1e-6 * np.maximum(1.0, np.abs(b))):
            out.append({"kind": "red_line", "text": f"{describe(red_line)} is at its limit"})
    return out


def _date_words(base: int, years: float) -> str:
    """"July 2026" for a point ``years`` after 1 April of ``base``."""
    months = int(round(years * 12))
    month = (3 + months) % 12  # 0 = January; financial years start in April (3)
    year = base + (3 + months) // 12
    names = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
    return f"{names[month]} {year}"


def package_scenario(cm, request: Request, lines: list[PackageCut], scenario_id: str,
                     knock: float, loss: float) -> Scenario:
    """The package as a scenario: one ``cut`` lever (amount £/yr) per service cut, its
    lead time as the lever's notice, its redundancy cost as the lever's one-off cost."""
    levers: list[LeverBase] = []
    for line in lines:
        service = cm.model.service(line.service)
        pct = line.amount / service.baseline_spend * 100
        posts = f"; {line.posts:.1f} posts" if line.posts else ""
        levers.append(CutLever(kind="cut", id=f"cut-{line.service}"[:64], service=line.service,
                               amount=line.amount, start_year=float(request.start),
                               notice_months=line.lead.months, one_off_cost=line.one_off_cost,
                               directorate=service.directorate,
                               note=f"{pct:.1f} % of baseline spend{posts}; saves after "
                                    f"{line.lead.words()}"))
    who = PLACE_ID if request.agency is None else request.agency
    budget = "" if request.for_place else " general fund" + "".join(
        f" and {g}" for g in request.funds)
    what = (f"planned saving in year {request.by}" if request.gross else
            f"net saving (after {who}'s{budget} own knock-on costs) in year {request.by} and "
            "every later year")
    description = (
        f"Least-cost package for {_money(request.target)} of {what} ({who}). Objective: "
        f"knock-on cost NPV £{knock:,.0f} (whole place) + one-off costs + "
        f"{request.outcome_weight:g} x valued outcome loss NPV £{loss:,.0f}; the terms "
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
    £/yr (the comparator: 'cut everything equally'), under the same delivery rules: each
    service's notice, the consultation its agency's posts then require and the redundancy
    costs."""
    model = cm.model
    services = candidates(cm, request)
    base = float(cm.baseline_spend[services].sum())
    pct = total / base * 100.0
    posts: dict[str, float] = {}
    for s in services:
        service = model.services[s]
        posts[service.agency] = posts.get(service.agency, 0.0) + (service.fte or 0.0) * pct / 100
    levers: list[LeverBase] = []
    for s in services:
        service = model.services[s]
        days = delivery.consultation_days(posts[service.agency]) if service.fte else 0
        lead = delivery.LeadTime(delivery.notice_months(model, service), days)
        one_off = (service.fte or 0.0) * pct / 100 * delivery.cost_per_redundancy(model, service.agency)
        levers.append(CutLever(kind="cut", id=f"cut-{cm.service_ids[s]}"[:64],
                               service=cm.service_ids[s], percent=pct,
                               start_year=float(request.start), notice_months=lead.months,
                               one_off_cost=one_off))
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
    one_off = float(result.place_annual["one_off_cost"] @ factors)
    social = result.appraisal.place.social_value_npv or 0.0
    return {"npv_place": float(result.appraisal.place.npv), "knock_on_npv": knock,
            "one_off_npv": one_off, "social_value_npv": float(social),
            "objective": knock + one_off + weight * -float(social),
            "red_lines": result.red_lines(),
            "planned_saving_npv": float(result.place_annual["planned_saving"] @ factors)}
