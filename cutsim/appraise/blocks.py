"""The typed blocks a :class:`~cutsim.appraise.result.Result` carries: its appraisal and
its uncertainty (docs/result-format.md).

Everything here is computed by the appraisal (:mod:`cutsim.appraise.appraisal`) and the
Monte Carlo (:mod:`cutsim.appraise.montecarlo`); the app, the publication and the
workshop read these fields and compute no money of their own. Each block's ``as_dict()``
is exactly its part of the ``run --json`` object, keys in the documented order; the
fields that are not in the JSON (present values of benefits and costs, the waterfall)
are for readers in Python only.

Units and signs: money in £ at the price year; for ``npv``, ``net_saving`` and the
waterfall's ``amount`` positive is good for the budget; ``pv_benefits`` and ``pv_costs``
are both ≥ 0, with ``npv = pv_benefits − pv_costs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cutsim.model.schema import PLACE_ID

# A figure of one run is a float (or None where it has no meaning); appraised with a
# leading draws axis (:func:`cutsim.appraise.appraisal.appraise` on (D, H) money) it is a
# list over draws.
Figure = Any


# --------------------------------------------------------------------------- appraisal


@dataclass(frozen=True)
class EntityAppraisal:
    """One agency's (or the place's) Green Book figures (docs/appraisal.md).

    ``npv``, ``npv_adjusted`` (£, optimism bias applied), ``payback_year`` (0-based
    financial year, None if never), ``bcr`` and ``bcr_adjusted`` (None where PV(costs) is
    nothing), ``social_value_npv`` (£, the place only; None for agencies),
    ``pv_benefits`` and ``pv_costs`` (£, ≥ 0, classified year by year and agency by agency,
    so ``npv = pv_benefits − pv_costs``).
    """

    npv: Figure
    npv_adjusted: Figure
    payback_year: Figure
    bcr: Figure
    bcr_adjusted: Figure
    social_value_npv: Figure
    pv_benefits: Figure
    pv_costs: Figure


@dataclass(frozen=True)
class LineBias:
    """The optimism bias on one agency's lines (docs/appraisal.md, "Optimism bias, line by
    line"): ``knock_on_grade``/``knock_on_fraction`` for its knock-on costs and avoided costs
    (the weakest confidence grade on the links whose path reaches its services; None and 0
    when no path does), ``delivery_grade``/``delivery_fraction`` for its own planned saving
    and one-off costs (the weakest ``delivery_confidence`` of the levers on its services;
    None and 0 when none is given)."""

    knock_on_grade: int | None
    knock_on_fraction: float
    delivery_grade: int | None
    delivery_fraction: float

    def as_dict(self) -> dict[str, Any]:
        return {"knock_on_grade": self.knock_on_grade, "knock_on_fraction": self.knock_on_fraction,
                "delivery_grade": self.delivery_grade, "delivery_fraction": self.delivery_fraction}


@dataclass(frozen=True)
class OptimismBias:
    """The weakest confidence ``grade`` (1-5) on the scenario's path, its ``fraction``
    (0 ≤ f < 1) and ``on_path`` (False when no knock-on path: grade 5's fraction), kept as
    a summary; the adjustment itself is line by line, per agency (``lines``)."""

    grade: int
    fraction: float
    on_path: bool
    lines: Mapping[str, LineBias] = field(default_factory=dict)
    method: str = "line_by_line"

    def as_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "fraction": self.fraction, "on_path": self.on_path,
                "method": self.method,
                "lines": {a: line.as_dict() for a, line in self.lines.items()}}


@dataclass(frozen=True)
class LongRunEntity:
    """One agency's (or the place's) money in the last year against its level at rest:
    ``knock_on_last_year`` and ``net_saving_last_year`` (£ in year H−1, net without
    one-off costs), ``knock_on_long_run`` and ``net_saving_long_run`` (£/yr at rest),
    ``harm_still_growing`` (knock-on at rest above the last year's, materially)."""

    knock_on_last_year: float
    knock_on_long_run: float
    net_saving_last_year: float
    net_saving_long_run: float
    harm_still_growing: bool

    def as_dict(self) -> dict[str, Any]:
        return {"knock_on_last_year": self.knock_on_last_year,
                "knock_on_long_run": self.knock_on_long_run,
                "net_saving_last_year": self.net_saving_last_year,
                "net_saving_long_run": self.net_saving_long_run,
                "harm_still_growing": self.harm_still_growing}


@dataclass(frozen=True)
class OutcomeNotSettled:
    """An outcome's change at t = H (``at_horizon``) and at rest (``long_run``), outcome units."""

    at_horizon: float
    long_run: float

    def as_dict(self) -> dict[str, Any]:
        return {"at_horizon": self.at_horizon, "long_run": self.long_run}


@dataclass(frozen=True)
class LongRun:
    """The long run beside the NPV (docs/appraisal.md "The long run")."""

    full_effect_year: Any
    agencies: Mapping[str, LongRunEntity]
    place: LongRunEntity
    harm_still_growing: tuple[str, ...]  # agency ids
    outcomes_not_settled: Mapping[str, OutcomeNotSettled]

    def as_dict(self) -> dict[str, Any]:
        return {"full_effect_year": self.full_effect_year,
                "agencies": {a: row.as_dict() for a, row in self.agencies.items()},
                PLACE_ID: self.place.as_dict(),
                "harm_still_growing": list(self.harm_still_growing),
                "outcomes_not_settled": {o: gap.as_dict()
                                         for o, gap in self.outcomes_not_settled.items()}}


@dataclass(frozen=True)
class TerminalValue:
    """The optional terminal value: ``years`` (T) after the horizon from ``first_year``
    (= H), ``annuity_factor`` (Σ DF_y over those years), ``value`` (£ per agency and the
    place) and ``npv_with_terminal`` (£: npv + value). Never folded into the NPV."""

    years: int
    first_year: int
    annuity_factor: float
    value: Mapping[str, float]
    npv_with_terminal: Mapping[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"years": self.years, "first_year": self.first_year,
                "annuity_factor": self.annuity_factor, "value": dict(self.value),
                "npv_with_terminal": dict(self.npv_with_terminal)}


@dataclass(frozen=True)
class ValueSplit:
    """The place's value in the four kinds the HM Treasury / New Economy CBA model keeps
    apart (NPVs, £, positive = good); fiscal cashable plus non-cashable is the place NPV."""

    fiscal_cashable: float
    fiscal_non_cashable: float
    economic: float
    social: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"fiscal_cashable": self.fiscal_cashable,
                "fiscal_non_cashable": self.fiscal_non_cashable,
                "economic": self.economic, "social": self.social}


@dataclass(frozen=True)
class WaterfallStep:
    """One bar of the waterfall from planned saving to the place's net saving.

    ``kind`` is ``"planned_saving"`` (the first bar, the place's planned saving),
    ``"knock_on_cost"`` (one per agency, ``agency`` its id), ``"one_off_cost"`` or
    ``"net_saving"`` (the last bar, the place's). ``amount`` is £, positive good for the
    budget (so costs are negative).
    """

    kind: str
    agency: str | None
    amount: float


@dataclass(frozen=True)
class Waterfall:
    """The waterfall's steps ``total`` (each year's £ summed over the horizon,
    undiscounted) and ``npv`` (discounted with the appraisal's own factors). An agency's
    knock-on cost or the one-off costs that are nothing by the materiality floor are left
    out, so the middle steps add up to the last step less the first to within that
    floor per step left out."""

    total: tuple[WaterfallStep, ...]
    npv: tuple[WaterfallStep, ...]

    def steps(self, mode: str) -> tuple[WaterfallStep, ...]:
        """The steps of ``mode``: ``"total"`` or ``"npv"``."""
        if mode not in ("total", "npv"):
            raise ValueError(f'waterfall mode must be "total" or "npv" (got "{mode}")')
        return self.total if mode == "total" else self.npv


@dataclass(frozen=True)
class Appraisal:
    """The result's appraisal (docs/result-format.md): discounting, and per agency and the place
    (``entities``, agencies in the model's order, then ``"place"``) the Green Book
    figures; the optimism bias, long run, terminal value and value split."""

    discount_rate: float
    discount_schedule: str
    discount_factors: tuple[float, ...]  # DF_y, y = 0 … H−1
    price_year: int
    entities: Mapping[str, EntityAppraisal]
    optimism_bias: OptimismBias
    long_run: LongRun | None = None
    terminal_value: TerminalValue | None = None
    value_split: ValueSplit | None = None
    waterfall: Waterfall | None = None

    @property
    def place(self) -> EntityAppraisal:
        """The place's figures (the sums over agencies)."""
        return self.entities[PLACE_ID]

    def npv_of(self, entity: str) -> Figure:
        """The NPV (£) of an agency or the place; None for an entity not appraised."""
        row = self.entities.get(entity)
        return None if row is None else row.npv

    def as_dict(self) -> dict[str, Any]:
        """The ``appraisal`` block of ``run --json``, keys in the documented order."""
        out: dict[str, Any] = {
            "discount_rate": self.discount_rate,
            "discount_schedule": self.discount_schedule,
            "discount_factors": list(self.discount_factors),
            "price_year": self.price_year,
        }
        for key in ("npv", "npv_adjusted", "payback_year", "bcr", "bcr_adjusted",
                    "social_value_npv"):
            out[key] = {e: getattr(row, key) for e, row in self.entities.items()}
        out["optimism_bias"] = self.optimism_bias.as_dict()
        out["long_run"] = None if self.long_run is None else self.long_run.as_dict()
        out["terminal_value"] = None if self.terminal_value is None \
            else self.terminal_value.as_dict()
        if self.value_split is not None:
            out["value_split"] = self.value_split.as_dict()
        return out


# --------------------------------------------------------------------------- uncertainty


@dataclass(frozen=True)
class Band:
    """P10, P50 and P90 over the draws: lists over t or over financial years (or floats
    for a scalar such as the NPV), in the series' unit."""

    p10: Any
    p50: Any
    p90: Any

    def quantile(self, name: str) -> Any:
        """The band's ``"p10"``, ``"p50"`` or ``"p90"``."""
        if name not in ("p10", "p50", "p90"):
            raise ValueError(f'a band holds p10, p50 and p90 (got "{name}")')
        return getattr(self, name)

    def as_dict(self) -> dict[str, Any]:
        return {"p10": self.p10, "p50": self.p50, "p90": self.p90}


@dataclass(frozen=True)
class Uncertainty:
    """The result's uncertainty (``--draws``): bands over ``draws`` Monte Carlo draws
    seeded by ``seed`` (None: fresh entropy).

    ``outcomes[id]``: levels over t (outcome units); ``agency_net_saving[id]`` and
    ``place_net_saving``: £/yr over t; ``place_npv``: £ (floats); ``annual_agency_net_saving``
    and ``annual_place_net_saving``: £ per financial year (None when the draws were not
    priced by year).
    """

    draws: int
    seed: int | None
    outcomes: Mapping[str, Band]
    agency_net_saving: Mapping[str, Band]
    place_net_saving: Band
    place_npv: Band
    annual_agency_net_saving: Mapping[str, Band] | None = None
    annual_place_net_saving: Band | None = None

    def annual_net_saving(self, entity: str) -> Band | None:
        """An agency's (or the place's) band of net saving per financial year, if any."""
        if entity == PLACE_ID:
            return self.annual_place_net_saving
        return (self.annual_agency_net_saving or {}).get(entity)

    def as_dict(self) -> dict[str, Any]:
        """The ``uncertainty`` block of ``run --json``, keys in the documented order."""
        out: dict[str, Any] = {
            "draws": self.draws,
            "seed": self.seed,
            "outcomes": {o: b.as_dict() for o, b in self.outcomes.items()},
            "agencies": {a: {"net_saving": b.as_dict()}
                         for a, b in self.agency_net_saving.items()},
            PLACE_ID: {"net_saving": self.place_net_saving.as_dict(),
                       "npv": self.place_npv.as_dict()},
        }
        if self.annual_agency_net_saving is not None and self.annual_place_net_saving is not None:
            out["annual"] = {
                "agencies": {a: {"net_saving": b.as_dict()}
                             for a, b in self.annual_agency_net_saving.items()},
                PLACE_ID: {"net_saving": self.annual_place_net_saving.as_dict()},
            }
        return out
