"""The disclosure gate: every figure that leaves the model's owner passes through here.

The rule is :mod:`cutsim.model.disclosure` (one factor k_a per agency, from the model
alone); this module applies it to a scenario's money, from the engine's per-service
figures. Every surface that shows a model's figures to anyone but its owner uses one
:class:`DisclosureGate`: the publication (HTML, PDF, open data and its CSVs,
:mod:`cutsim.publish.disclosure`), the consultation page and its embedded data
(:mod:`cutsim.consult.page`), the workshop's audience screens (:mod:`cutsim.workshop`)
and, through the same factor, the redacted file's ``redacted-<agency>`` totals
(:mod:`cutsim.files.redact`, which needs only the model).

For an agency a with confidential services, each figure F (£) is published as

    F′ = F − (1 − k_a) · C

where C is the confidential services' part of F: their money in that series and year
(or over the horizon, or its NPV, or their baseline spend, or their rate at each time,
or the knock-on cost they bear from another agency's levers). Agencies without
confidential services, and the outcomes, are published exactly; the place's figures
are the sums of the agencies' published ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cutsim.appraise.appraisal import place_discount_factors
from cutsim.appraise.areas import AreaResult, area_result
from cutsim.appraise.run import simulate_scenario
from cutsim.engine.compiled import CompiledModel
from cutsim.engine.money import (
    SERIES,
    ServiceMoney,
    by_agency,
    knock_on_by_origin,
    service_money,
)
from cutsim.model.disclosure import Scale, agency_scales, describe_scale
from cutsim.model.schema import Model, Scenario


def split(model: Model, agency: str) -> tuple[list[int], list[int]]:
    """(indexes of the agency's named services, of its confidential ones)."""
    mine = [i for i, s in enumerate(model.services) if s.agency == agency]
    return ([i for i in mine if not model.services[i].confidential],
            [i for i in mine if model.services[i].confidential])


def service_npv(cm: CompiledModel, annual: dict[str, np.ndarray]) -> np.ndarray:
    """Each service's NPV of net saving (S,) in £ (+ = good for the budget) from its £ per
    financial year, discounted with the place's own factors (those of every NPV in the
    result), so the parts add up to the NPV the appraisal reports."""
    return annual["net_saving"] @ place_discount_factors(cm.model.place, cm.horizon_years)


@dataclass
class DisclosureGate:
    """The rule applied to one scenario's money (build with :meth:`for_scenario`).

    ``weights`` (S,) is 1 − k_a for each confidential service of agency a, 0 for every
    other service: the share of a service's money taken off a published figure.
    """

    cm: CompiledModel
    scales: dict[str, Scale]
    weights: np.ndarray
    money: ServiceMoney | None = None
    knock_on_origin: np.ndarray | None = None  # (A, S) £ over the horizon, by origin agency
    areas: AreaResult | None = None  # per-area money, for a model with areas

    @classmethod
    def for_model(cls, cm: CompiledModel) -> DisclosureGate:
        """A gate for figures built outside the engine's per-service money (the
        consultation page, which has its own per-service figures)."""
        scales = agency_scales(cm.model)
        weights = np.array([1.0 - scales[s.agency].factor if s.confidential else 0.0
                            for s in cm.model.services])
        return cls(cm, scales, weights)

    @classmethod
    def for_scenario(cls, cm: CompiledModel, scenario: Scenario) -> DisclosureGate:
        """A gate with the scenario's per-service money (one engine run, central values)."""
        gate = cls.for_model(cm)
        if not gate.applies:
            return gate
        inputs, origins, by_origin, total, by_area, area_run = simulate_scenario(
            cm, scenario, cm.central_params())
        gate.money = service_money(cm, inputs, total)
        shift = np.zeros((len(cm.agency_ids), cm.n_services))
        if by_origin is not None and len(origins):
            shift[origins] = knock_on_by_origin(cm, inputs, origins, by_origin)
        gate.knock_on_origin = shift
        if by_area is not None and area_run is not None:
            gate.areas = area_result(cm, inputs, by_area, area_run)
        return gate

    # ------------------------------------------------------------------ the rule
    @property
    def applies(self) -> bool:
        """True when some agency's figures are not the engine's exact ones."""
        return bool(np.any(self.weights != 0.0))

    def scaled_agencies(self) -> dict[str, Scale]:
        """The agencies whose figures are scaled, in the model's order."""
        return {a: s for a, s in self.scales.items() if s.scaled}

    def note(self, adjusted_npv: bool = False) -> str:
        """One sentence for every output that shows scaled figures ('' when none);
        ``adjusted_npv`` for an output that would otherwise show the NPV adjusted for
        optimism bias (the publication), which is left out."""
        names = {a.id: a.name for a in self.cm.model.agencies}
        parts = [f"{names[a]}: {describe_scale(s)}" for a, s in self.scaled_agencies().items()]
        if not parts:
            return ""
        return ("To keep commercially confidential services confidential, figures that hold "
                "their money are not exact. " + "; ".join(parts) + ". Totals still add up"
                + ("; the NPV adjusted for optimism bias is not published." if adjusted_npv
                   else "."))

    def correction(self, per_service: np.ndarray) -> np.ndarray:
        """(A, …): what to take off each agency's figure whose per-service parts are
        ``per_service`` (S, …), in the same units."""
        values = np.asarray(per_service, dtype=float)
        weighted = values * self.weights.reshape((-1,) + (1,) * (values.ndim - 1))
        if values.ndim == 1:
            return by_agency(self.cm, weighted[:, None])[:, 0]
        return by_agency(self.cm, weighted)

    def scenario_money(self) -> ServiceMoney:
        """The scenario's per-service money the gate was built with (:meth:`for_scenario`)."""
        if self.money is None:
            raise ValueError("this gate was made without the scenario's money (for_scenario)")
        return self.money

    # ------------------------------------------------------------ agency figures
    def annual(self, agency_annual: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each agency's £ per financial year (A, H) as published."""
        return self._published(agency_annual, "annual")

    def rates(self, agency_rates: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each agency's £/yr over the grid (A, N+1) as published."""
        return self._published(agency_rates, "rates")

    def _published(self, agency_money: dict[str, np.ndarray],
                   kind: str) -> dict[str, np.ndarray]:
        """Each agency's money series as published: the confidential services' part
        (the scenario's per-service money of that ``kind``, "annual" or "rates") taken
        off where the gate applies, copies as they are where it does not."""
        if not self.applies:
            return {s: np.array(agency_money[s], dtype=float) for s in SERIES}
        per_service = getattr(self.scenario_money(), kind)
        return {s: np.asarray(agency_money[s], dtype=float) - self.correction(per_service[s][0])
                for s in SERIES}

    def npv_correction(self) -> np.ndarray:
        """(A,) £ to take off each agency's NPV of net saving."""
        if not self.applies:
            return np.zeros(len(self.cm.agency_ids))
        money = self.scenario_money()
        return self.correction(service_npv(self.cm, {s: money.annual[s][0] for s in SERIES}))

    def spend_correction(self) -> np.ndarray:
        """(A,) £/yr to take off each agency's baseline spend."""
        return self.correction(np.array([s.baseline_spend for s in self.cm.model.services]))

    def area_correction(self, series: str) -> np.ndarray | None:
        """(R, A, H) £ to take off each area's agency figures of ``series`` (None without
        areas), so that the areas' published figures add up to the agencies' published ones."""
        if self.areas is None or self.areas.service_annual is None:
            return None
        per_area = self.areas.service_annual[series]  # (R, S, H)
        return np.stack([self.correction(per_area[r]) for r in range(per_area.shape[0])])

    def cost_shift(self, matrix: np.ndarray) -> np.ndarray:
        """cost_shift[i, j] (£ over the horizon) as published: the knock-on cost agency j's
        confidential services bear from agency i's levers is scaled like the rest of j's
        money, so each agency's column still adds up to its published knock-on cost."""
        out = np.array(matrix, dtype=float, copy=True)
        if not self.applies or self.knock_on_origin is None:
            return out
        return out - np.stack([self.correction(row) for row in self.knock_on_origin])


def protected_agency_annual(cm: CompiledModel, scenario: Scenario,
                            agency_annual: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each agency's £ per financial year (A, H) as it may be shown to anyone but the
    model's owner (the workshop's screens): the publication's figures."""
    return DisclosureGate.for_scenario(cm, scenario).annual(agency_annual)
