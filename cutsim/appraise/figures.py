"""The figures a sensitivity or value-of-information sweep judges, for rows of inputs.

A sweep asks one question many times: *given these values of the uncertain inputs, what
is this scenario's place NPV* (or an agency's NPV, or its net saving in one year)? Rows of
input values (in the order of an :class:`~cutsim.appraise.uncertain.UncertaintySpace`)
go in; per row come out every agency's and the place's annual net saving (£ per
financial year, positive = a saving) and NPV (£, the appraisal's discount factors, before
optimism bias). Rows that differ only in effect and demand per_unit values share one
compiled model and go through the engine as one batch of draws; rows with other inputs
changed (unit costs, spends, delays, pool efficiency, premium) are realised, compiled and
run group by group (rows with equal such values share a group).

:class:`ScenarioFigures` is a picklable task (the compiled models are rebuilt where it
runs), so :mod:`cutsim.appraise.executor` can send chunks of rows to a cluster. A sweep
that judges one figure sends :class:`PickedFigure` instead: each chunk is reduced where it
runs to that figure and the red-line excess per row (:class:`Picked`, two numbers a row),
so a worker returns that summary, never every agency's money by year, and the client
holds one figure per row whatever the number of rows (:func:`figure_of_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cutsim.appraise.appraisal import discount_factors
from cutsim.appraise.montecarlo import DRAW_BLOCK
from cutsim.appraise.redlines import worst_excess
from cutsim.appraise.uncertain import UncertaintySpace
from cutsim.engine.compiled import CompiledModel, Params, compile_model, with_values
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import by_agency, service_money
from cutsim.engine.simulate import Trajectory, simulate
from cutsim.levers.build import build_inputs
from cutsim.model.errors import InputError
from cutsim.model.schema import PLACE_ID, RedLine, Scenario

CACHE_MODELS = 8  # realised models kept per task (a tornado row group reuses its model)


@dataclass(frozen=True)
class Figure:
    """A figure of one scenario: ``kind`` "npv" (£) or "net_saving" (£ in financial year
    ``year``, 0-based), for an agency id or the place."""

    kind: str = "npv"
    agency: str = PLACE_ID
    year: int | None = None

    def label(self, years: list[str]) -> str:
        who = "the place" if self.agency == PLACE_ID else self.agency
        if self.kind == "npv":
            return f"the NPV for {who}"
        return f"the net saving for {who} in {years[self.year or 0]}"

    def spec(self) -> str:
        """The text :func:`parse_figure` reads back."""
        if self.kind == "npv":
            return "npv" if self.agency == PLACE_ID else f"npv:{self.agency}"
        return f"net_saving:{self.agency}:{self.year}"


def parse_figure(text: str | None, agencies: list[str], years: list[str],
                 headline: int) -> Figure:
    """Read ``npv``, ``npv:AGENCY``, ``net_saving:AGENCY`` (the headline year) or
    ``net_saving:AGENCY:YEAR`` (YEAR a 0-based index or a label such as 2028-29)."""
    parts = (text or "npv").strip().split(":")
    kind = parts[0]
    if kind not in ("npv", "net_saving") or len(parts) > (2 if kind == "npv" else 3):
        raise InputError(f'--figure "{text}": use npv, npv:AGENCY, net_saving:AGENCY or '
                         "net_saving:AGENCY:YEAR")
    agency = parts[1] if len(parts) > 1 and parts[1] else PLACE_ID
    if agency != PLACE_ID and agency not in agencies:
        raise InputError(f'--figure "{text}": no agency "{agency}" (agencies: '
                         f'{", ".join(agencies)}, or place)')
    if kind == "npv":
        return Figure("npv", agency)
    year = headline
    if len(parts) == 3:
        label = parts[2]
        if label in years:
            year = years.index(label)
        elif label.isdigit() and int(label) < len(years):
            year = int(label)
        else:
            raise InputError(f'--figure "{text}": year must be 0-{len(years) - 1} or one of '
                             f'{years[0]} … {years[-1]}')
    return Figure("net_saving", agency, year)


@dataclass(frozen=True)
class FigureRows:
    """Per row: ``annual`` (n, A + 1, H) net saving in £ per year and ``npv`` (n, A + 1)
    in £, agencies in model order and the place last; ``red_line_excess`` (n,) the
    largest excess over the scenario's red lines (> 0: breached; see
    :func:`cutsim.appraise.redlines.worst_excess`), None when it has none."""

    annual: np.ndarray
    npv: np.ndarray
    red_line_excess: np.ndarray | None = None

    def pick(self, figure: Figure, agencies: list[str]) -> np.ndarray:
        """The chosen figure per row, (n,) in £."""
        i = len(agencies) if figure.agency == PLACE_ID else agencies.index(figure.agency)
        if figure.kind == "npv":
            return self.npv[:, i]
        return self.annual[:, i, figure.year or 0]

    @staticmethod
    def concat(parts: list[FigureRows]) -> FigureRows:
        excess = None if any(p.red_line_excess is None for p in parts) \
            else np.concatenate([p.red_line_excess for p in parts])
        return FigureRows(np.concatenate([p.annual for p in parts]),
                          np.concatenate([p.npv for p in parts]), excess)

    def reordered(self, order: np.ndarray) -> FigureRows:
        """The rows in the order ``order`` (indices)."""
        return FigureRows(self.annual[order], self.npv[order],
                          None if self.red_line_excess is None else self.red_line_excess[order])


@dataclass(frozen=True)
class Picked:
    """A chunk of rows reduced to one figure: ``value`` (n,) in £ and the red-line
    ``excess`` (n,) as in :class:`FigureRows` (None when the scenario has none)."""

    value: np.ndarray
    excess: np.ndarray | None = None

    @staticmethod
    def concat(parts: Sequence[Picked]) -> Picked:
        value = np.concatenate([p.value for p in parts]) if parts else np.zeros(0)
        excess = None if not parts or any(p.excess is None for p in parts) \
            else np.concatenate([p.excess for p in parts])
        return Picked(value, excess)


class PickedFigure:
    """Rows of input values → :class:`Picked`: one figure of one scenario per row and its
    red-line excess (a picklable task, reduced where it runs)."""

    def __init__(self, space: UncertaintySpace, scenario_id: str, figure: Figure,
                 agencies: list[str]) -> None:
        self.rows = ScenarioFigures(space, scenario_id)
        self.figure = figure
        self.agencies = list(agencies)

    def __call__(self, rows: np.ndarray) -> Picked:
        out = self.rows(rows)
        return Picked(np.ascontiguousarray(out.pick(self.figure, self.agencies)),
                      out.red_line_excess)


def figure_of_rows(space: UncertaintySpace, scenario_id: str, figure: Figure,
                   agencies: list[str], rows: np.ndarray, executor=None) -> Picked:
    """``figure`` of ``scenario_id`` (£) and its red-line excess for every row of input
    values, in chunks of one draw block run by ``executor`` (an
    :class:`~cutsim.appraise.executor.Executor`; in this process when None). Each chunk is
    reduced where it runs (:class:`PickedFigure`), so memory holds two numbers a row;
    any executor gives the same bits."""
    task = PickedFigure(space, scenario_id, figure, agencies)
    chunks = [rows[i:i + DRAW_BLOCK] for i in range(0, len(rows), DRAW_BLOCK)]
    if executor is None:
        return Picked.concat([task(c) for c in chunks])
    return Picked.concat(executor.map(task, chunks))


class ScenarioFigures:
    """Rows of input values → :class:`FigureRows` of one scenario (a picklable task)."""

    def __init__(self, space: UncertaintySpace, scenario_id: str) -> None:
        self.space = space
        self.scenario_id = scenario_id
        self._cache: dict[bytes, tuple[CompiledModel, LeverInputs, Scenario]] = {}
        self._compiled: CompiledModel | None = None

    def __getstate__(self) -> dict:
        return {"space": self.space, "scenario_id": self.scenario_id, "_cache": {},
                "_compiled": None}

    def _base(self) -> CompiledModel:
        """The central model compiled once (realised rows reuse its structure)."""
        if self._compiled is None:
            self._compiled = compile_model(self.space.model)
        return self._compiled

    def __call__(self, rows: np.ndarray) -> FigureRows:
        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        space = self.space
        start = space.n_k + space.n_d
        extra = rows[:, start:]
        keys, group = np.unique(extra, axis=0, return_inverse=True) if extra.shape[1] \
            else (np.zeros((1, 0)), np.zeros(len(rows), dtype=np.int64))
        group = np.asarray(group).ravel()
        parts: list[tuple[np.ndarray, FigureRows]] = []
        for g, key in enumerate(keys):
            members = np.flatnonzero(group == g)
            cm, inputs, scenario = self._realised(rows[members[0]], key)
            for lo in range(0, len(members), DRAW_BLOCK):
                chunk = members[lo:lo + DRAW_BLOCK]
                params = Params(np.ascontiguousarray(rows[chunk, :space.n_k]),
                                np.ascontiguousarray(rows[chunk, space.n_k:start]))
                parts.append((chunk, price_rows(cm, inputs, params, scenario.red_lines)))
        order = np.concatenate([c for c, _ in parts])
        out = FigureRows.concat([p for _, p in parts])
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return out.reordered(back)

    def _realised(self, row: np.ndarray,
                  key: np.ndarray) -> tuple[CompiledModel, LeverInputs, Scenario]:
        digest = np.ascontiguousarray(key).tobytes()
        hit = self._cache.get(digest)
        if hit is None:
            model, scenarios = self.space.realise(row)
            scenario = _scenario(scenarios, self.scenario_id)
            cm = with_values(self._base(), model)
            hit = (cm, build_inputs(cm, scenario), scenario)
            if len(self._cache) >= CACHE_MODELS:
                self._cache.pop(next(iter(self._cache)))
            self._cache[digest] = hit
        return hit


def _scenario(scenarios: list[Scenario], scenario_id: str) -> Scenario:
    for s in scenarios:
        if s.id == scenario_id:
            return s
    raise InputError(f'no scenario "{scenario_id}" in the sweep')


def price_rows(cm: CompiledModel, inputs: LeverInputs, params: Params,
               red_lines: Sequence[RedLine] = ()) -> FigureRows:
    """Annual net saving (£/year) and NPV (£) per agency and the place, per draw of
    ``params``: the part no draw changes is priced once, the knock-on cost per draw
    (as :func:`cutsim.appraise.montecarlo._net_and_npv`); and how far each draw goes
    past ``red_lines`` (the scenario's)."""
    n, h = cm.n_steps, cm.h
    lever = inputs.activity_delta
    traj = simulate(cm, params, lever, inputs.outcome_input)
    fixed = service_money(cm, inputs, Trajectory(dY=traj.dY[:1] * 0.0, dA=lever[None],
                                                 dY_int=traj.dY_int[:1] * 0.0,
                                                 dA_int=lever[None, :, :n] * h))
    fixed_annual = by_agency(cm, fixed.annual["net_saving"])  # (1, A, H)
    dl = np.flatnonzero(cm.demand_led)
    price = cm.unit_cost[dl, None] * (1.0 - inputs.efficiency[dl, :n])  # (S_dl, N)
    knock = price * (traj.dA_int[:, dl] - lever[dl, :n] * h)  # (D, S_dl, N): £ per step
    knock_year = knock.reshape(knock.shape[:2] + (cm.horizon_years, cm.steps_per_year)).sum(-1)
    onehot = np.zeros((len(cm.agency_ids), len(dl)))
    onehot[cm.service_agency[dl], np.arange(len(dl))] = 1.0
    annual = fixed_annual - np.matmul(onehot, knock_year)  # (D, A, H)
    annual = np.concatenate([annual, annual.sum(axis=1, keepdims=True)], axis=1)
    factors = discount_factors(cm.horizon_years, cm.model.place.discount_rate)
    return FigureRows(annual, annual @ factors, worst_excess(cm, red_lines, traj.dY))

