"""The exact responses a consultation page adds up (docs/consultation.md).

The engine is linear in the lever inputs, so every figure the page shows is

    F(x) = F₀ + Σᵢ xᵢ·aᵢ + Σᵢ [xᵢ ≠ 0]·Lᵢ + Σᵢ<ⱼ xᵢ·xⱼ·bᵢⱼ

where x are the offered levers' sizes in their own unit (percent of baseline spend, or
£/yr), F₀ the scenario with every offered lever left out (levers not offered — a pool,
say — stay as the council set them), aᵢ the response per unit of lever i, Lᵢ its
one-off cost (incurred only when the lever is used) and bᵢⱼ the one product the
money has: knock-on cost on a demand-led service is priced at its unit cost after
efficiency, u·(1 − e)·ΔA, so an efficiency lever on that service times a lever that
changes its demand. Each term is measured with the engine itself (two sizes per lever,
four runs per pair), so a sum on the page equals ``cutsim run`` of the same choices to
round-off. A choice of 0 leaves the lever out (no one-off cost).

The figures F, all in the place's price year:
- ``annual[agency][series]``: £ per financial year for ``planned_saving``,
  ``knock_on_cost``, ``one_off_cost`` and ``net_saving`` (positive saving is good for
  the budget; positive cost is a cost);
- ``outcomes[outcome]``: the average change in the outcome's level in each financial
  year (outcome units; ∫ΔY over the year);
- ``npv``: the place's net present value, £ (the appraisal's discounting).

A consultation page is public, so every figure F passes through the disclosure gate
(:mod:`cutsim.appraise.disclosure`) as it is measured: each run's figures have the
confidential services' part scaled by their agency's factor, F′ = F − (1 − k)·C. That
is linear in each run's money, so the terms of F′ add up exactly as those of F do, and a
page shows the same figures as the publication of the same choices. A lever on a
confidential service is never offered: :func:`check_public` refuses it, naming it,
until the service's owner marks the service public (``"confidential": false``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cutsim.api import Project
from cutsim.appraise.disclosure import DisclosureGate, service_npv
from cutsim.appraise.result import Result
from cutsim.engine.money import SERIES
from cutsim.levers.kinds import CutLever, InvestLever
from cutsim.model.errors import InputError
from cutsim.model.schema import Consultation, Scenario

UNIT_PERCENT, UNIT_POUNDS = "percent", "amount"


@dataclass(frozen=True)
class FigureLayout:
    """Names of the entries of the flat figure vector F."""

    agencies: list[str]
    outcomes: list[str]
    horizon: int

    @property
    def size(self) -> int:
        return (len(self.agencies) * len(SERIES) + len(self.outcomes)) * self.horizon + 1

    def flatten(self, result: Result, gate: DisclosureGate | None = None) -> np.ndarray:
        """F for one engine result, in the layout's order; with ``gate``, as published
        (the confidential services' part of every money figure scaled)."""
        annual = result.agency_annual
        npv = float(result.appraisal.place.npv)
        if gate is not None and gate.applies:
            per_service = result.service_annual
            if per_service is None:
                raise ValueError("this result was made without per-service money")
            annual = {s: np.asarray(annual[s]) - gate.correction(per_service[s]) for s in SERIES}
            npv -= float(gate.correction(service_npv(result.compiled, per_service)).sum())
        money = np.stack([annual[s] for s in SERIES], axis=1)  # (A, 4, H)
        outcomes = result.outcome_annual
        return np.concatenate([money.reshape(-1), np.asarray(outcomes).reshape(-1),
                               np.array([npv], dtype=float)])

    def unflatten(self, vector: np.ndarray) -> dict[str, Any]:
        """F as nested figures: annual[agency][series], outcomes[outcome], npv."""
        a, h = len(self.agencies), self.horizon
        money = vector[: a * len(SERIES) * h].reshape(a, len(SERIES), h)
        rest = vector[a * len(SERIES) * h:]
        outcomes = rest[: len(self.outcomes) * h].reshape(len(self.outcomes), h)
        return {
            "annual": {aid: {s: money[i, k].tolist() for k, s in enumerate(SERIES)}
                       for i, aid in enumerate(self.agencies)},
            "outcomes": {oid: outcomes[i].tolist() for i, oid in enumerate(self.outcomes)},
            "npv": float(rest[-1]),
        }


@dataclass(frozen=True)
class OfferedTerms:
    """One offered lever's terms of F(x) (each a vector in the layout's order)."""

    lever_id: str
    unit: str  # UNIT_PERCENT or UNIT_POUNDS
    per_unit: np.ndarray  # aᵢ: change in F per unit of the lever's size
    one_off: np.ndarray  # Lᵢ: change in F from the lever's one-off cost, when used


@dataclass(frozen=True)
class Offer:
    """Everything the page needs to add up F(x) exactly."""

    layout: FigureLayout
    base: np.ndarray  # F₀
    terms: list[OfferedTerms]
    products: dict[tuple[int, int], np.ndarray]  # bᵢⱼ (i < j) where not all zero
    proposal: dict[str, float]  # the council's own choice for each offered lever

    def evaluate(self, choices: dict[str, float]) -> np.ndarray:
        """F(x) for ``choices`` (lever id → size; missing means the proposal's)."""
        x = [float(choices.get(t.lever_id, self.proposal[t.lever_id])) for t in self.terms]
        total = self.base.copy()
        for xi, term in zip(x, self.terms):
            total += xi * term.per_unit
            if xi != 0.0:
                total += term.one_off
        for (i, j), b in self.products.items():
            total += x[i] * x[j] * b
        return total


def lever_unit(lever: CutLever | InvestLever) -> str:
    return UNIT_PERCENT if lever.percent is not None else UNIT_POUNDS


def lever_size(lever: CutLever | InvestLever) -> float:
    size = lever.percent if lever.percent is not None else lever.amount
    # Validation requires exactly one of percent and amount on a cut or invest lever.
    assert size is not None
    return float(size)


def offered_levers(scenario: Scenario) -> list[CutLever | InvestLever]:
    """The scenario's levers named by its consultation block, in the block's order."""
    if scenario.consultation is None:
        raise InputError(f'scenario "{scenario.id}" has no consultation block: it says which '
                         "levers residents may move (docs/consultation.md)")
    by_id = {lv.id: lv for lv in scenario.levers}
    levers: list[CutLever | InvestLever] = []
    for o in scenario.consultation.levers:
        lever = by_id[o.lever]
        # Validation allows only cut and invest levers in a consultation block.
        assert isinstance(lever, (CutLever, InvestLever))
        levers.append(lever)
    return levers


def with_choices(scenario: Scenario, choices: dict[str, float]) -> Scenario:
    """The scenario with each offered lever resized to the resident's choice; a choice
    of 0 leaves the lever out (and so its one-off cost)."""
    offered = {lv.id for lv in offered_levers(scenario)}
    levers = []
    for lever in scenario.levers:
        if lever.id not in offered or lever.id not in choices:
            levers.append(lever)
            continue
        # An offered lever is a cut or an invest lever (offered_levers above).
        assert isinstance(lever, (CutLever, InvestLever))
        size = float(choices[lever.id])
        if size == 0.0:
            continue
        field = "percent" if lever.percent is not None else "amount"
        levers.append(lever.model_copy(update={field: size}))
    return scenario.model_copy(update={"levers": levers})


def default_consultation(scenario: Scenario) -> Consultation:
    """Offer every cut and invest lever from 0 to twice its size (for a first draft)."""
    from cutsim.model.schema import OfferedLever

    offered = []
    for lever in scenario.levers:
        if isinstance(lever, (CutLever, InvestLever)):
            size = lever_size(lever)
            top = max(2.0 * size, 1.0)
            # Steps the proposal lies on: 0.5 % (or £500 a year) divides the usual sizes.
            step = 0.5 if lever.percent is not None else 500.0
            if abs(size / step - round(size / step)) > 1e-9:
                step = size / max(1, round(size / step))
            offered.append(OfferedLever(lever=lever.id, min=0.0, max=top, step=step,
                                        explanation=f"{lever.kind} {lever.service}"))
    if not offered:
        raise InputError(f'scenario "{scenario.id}" has no cut or invest lever to offer')
    return Consultation(levers=offered)


def check_public(project: Project, scenario: Scenario) -> None:
    """Refuse an offered lever on a confidential service, naming it (a page is public)."""
    for lever in offered_levers(scenario):
        service = project.model.service(lever.service)
        if service.confidential:
            raise InputError(
                f'scenario "{scenario.id}": lever "{lever.id}" offers residents a change to '
                f'service "{service.id}", which is confidential, and a consultation page is '
                "public. Take the lever out of the consultation block, or, if the service's "
                'owner agrees it may be named, mark the service public ("confidential": false '
                "in the file, or untick Confidential in the app's Services table)")


def build_offer(project: Project, scenario: Scenario) -> Offer:
    """Measure F₀, aᵢ, Lᵢ and bᵢⱼ with the engine (2n + 1 runs plus four per product pair),
    every run's figures as the disclosure gate publishes them."""
    levers = offered_levers(scenario)
    check_public(project, scenario)
    cm = project.compiled
    gate = DisclosureGate.for_model(cm)
    layout = FigureLayout(list(cm.agency_ids), list(cm.outcome_ids), cm.horizon_years)
    zero = {lv.id: 0.0 for lv in levers}

    def figures(choices: dict[str, float]) -> np.ndarray:
        return layout.flatten(project.run(with_choices(scenario, {**zero, **choices})), gate)

    base = figures({})
    terms, single = [], []
    for lever in levers:
        unit = _probe_size(lever)
        once, twice = figures({lever.id: unit}), figures({lever.id: 2.0 * unit})
        per_unit = (twice - once) / unit
        terms.append(OfferedTerms(lever.id, lever_unit(lever), per_unit,
                                  once - base - unit * per_unit))
        single.append((unit, once))
    products = {}
    demand_led = {s.id for s in project.model.services if s.mode == "demand_led"}
    for i, li in enumerate(levers):
        for j in range(i + 1, len(levers)):
            lj = levers[j]
            if li.service not in demand_led and lj.service not in demand_led:
                continue  # no efficiency lever in the pair: no product term
            ui, uj = single[i][0], single[j][0]
            both = figures({li.id: ui, lj.id: uj})
            b = (both - single[i][1] - single[j][1] + base) / (ui * uj)
            if np.any(b != 0.0):
                products[(i, j)] = b
    proposal = {lv.id: lever_size(lv) for lv in levers}
    return Offer(layout, base, terms, products, proposal)


def _probe_size(lever: CutLever | InvestLever) -> float:
    """A size to measure a lever's response at: 1 % or £1,000 a year (any works: exact)."""
    return 1.0 if lever.percent is not None else 1000.0
