"""Social-value procurement (Public Services (Social Value) Act 2012): the ``procure`` lever.

A ``procure`` lever moves part of a service's *external* spend (the fraction
``external_share`` of its spend bought from suppliers) to local suppliers or social
enterprises, from ``local_share_from`` to ``local_share_to`` (fractions of external
spend), paying ``premium_percent`` more for what is moved. With B the baseline spend
(£/yr), x the external share, Δ = to − from and p = premium_percent/100, at full effect:

- £ moved locally, at the old price: ``M = x·B·Δ`` (£/yr);
- premium cost: ``x·B·Δ·p`` (£/yr), a cost to the agency owning the service. In the engine
  it is a negative efficiency ``e = −x·Δ·p`` on the service (unit cost rises, activity
  kept), so ``planned_saving = e·B`` is negative by exactly the premium;
- £ retained locally, what local suppliers receive: ``R = M·(1 + p)`` (£/yr);
- change in the local economy: ``R × local_multiplier`` (£/yr), added directly to the
  named ``outcome`` level (an outcome in £ a year where higher is better, e.g. "public
  spend retained in the local economy"), attributed to the service's owner. Its social or
  economic value is ``ΔY × value_per_unit`` when the outcome has one (the appraisal's
  ``social_value_npv``), reported beside cash, never in it.

The lever follows ``start_year`` and ``phase_years`` like every lever (no notice period:
contracts are assumed to be re-let at start_year).

Default local multiplier (used when the place gives no ``local_multiplier``): **1.76**,
the New Economics Foundation's Local Multiplier 3 (LM3) result for Northumberland County
Council's procurement (nef and Northumberland County Council, March 2005): every £1
spent with a local supplier was worth £1.76 to the local economy over three rounds of
spending (36p when spent with a supplier outside the county). The default does not net
off the 36p that non-local suppliers already re-spend locally, so it is an upper figure
for a *switch* of supplier; a place with its own LM3 study should set ``local_multiplier``.
LM3 counts gross local turnover, not a net welfare gain: it is economic activity, and is
reported as such.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs
from cutsim.levers.common import LeverError, ramp, service_index
from cutsim.model.errors import InputError

if TYPE_CHECKING:  # the kinds' modules import these engine modules on use
    from cutsim.levers.kinds import ProcureLever

log = logging.getLogger(__name__)

DEFAULT_LOCAL_MULTIPLIER = 1.76
DEFAULT_MULTIPLIER_SOURCE = (
    "default 1.76: New Economics Foundation Local Multiplier 3 (LM3) study of Northumberland "
    "County Council procurement, 2005 (£1 spent with a local supplier worth £1.76 locally)")


def local_multiplier(cm: CompiledModel) -> tuple[float, str]:
    """The multiplier used (dimensionless, £ local economy per £ retained) and its source."""
    value = cm.model.place.local_multiplier
    if value is None:
        return DEFAULT_LOCAL_MULTIPLIER, DEFAULT_MULTIPLIER_SOURCE
    return float(value), "place.local_multiplier"


def _refuse(lever: ProcureLever, why: str) -> InputError:
    return LeverError(f'lever "{lever.id}" procure {lever.service}: {why}')


def apply_procure(cm: CompiledModel, inputs: LeverInputs, lever: ProcureLever) -> None:
    """Add the lever's premium (negative efficiency) and local-economy outcome input to
    ``inputs``, and its report to ``inputs.procurement[lever.id]``."""
    s = service_index(cm, lever, lever.service)
    service = cm.model.services[s]
    if service.external_share is None:
        raise _refuse(lever, "the service has no external_share (the fraction of its spend "
                             "bought from suppliers); set it in the model first")
    for name in ("local_share_from", "local_share_to"):
        if not 0 <= getattr(lever, name) <= 1:
            raise _refuse(lever, f"{name} must be a fraction between 0 and 1")
    if lever.premium_percent < 0:
        raise _refuse(lever, "premium_percent must be >= 0")
    outcome = None
    if lever.outcome is not None:
        if lever.outcome not in cm.outcome_index:
            raise _refuse(lever, f'no outcome "{lever.outcome}" in the model')
        outcome = cm.model.outcomes[cm.outcome_index[lever.outcome]]
        if not outcome.higher_is_better:
            raise _refuse(lever, f'outcome "{lever.outcome}" is one where lower is better; '
                                 "the local-economy outcome must be one where higher is better")
    agency = int(cm.service_agency[s])
    profile = ramp(cm.t, lever.start_year, lever.phase_years)
    shift = service.external_share * (lever.local_share_to - lever.local_share_from)
    premium = lever.premium_percent / 100.0
    inputs.efficiency[s] -= shift * premium * profile
    multiplier, source = local_multiplier(cm)
    moved = shift * service.baseline_spend  # £/yr at full effect, old prices
    economy = moved * (1.0 + premium) * multiplier  # £/yr of local economic activity
    if outcome is not None:
        inputs.outcome_by_origin[agency, cm.outcome_index[outcome.id]] += economy * profile
    inputs.procurement[lever.id] = _report(cm, lever, service, agency, profile, moved, premium,
                                           multiplier, source, economy, outcome)
    value = None if outcome is None else outcome.value_per_unit
    inputs.procurement_rates[lever.id] = {
        "premium_cost_npv": moved * premium * profile,
        "local_economy_npv": economy * profile,
        "social_value_npv": None if value is None else economy * value * profile,
    }


def _report(cm, lever, service, agency, profile, moved, premium, multiplier, source,
            economy, outcome) -> dict:
    """The result's ``procurement[lever_id]`` block: £/yr at full effect (NPVs left to the appraisal)."""
    value = None if outcome is None or outcome.value_per_unit is None else outcome.value_per_unit
    return {
        "service": service.id,
        "agency": cm.agency_ids[agency],
        "external_spend": float(service.external_share * service.baseline_spend),
        "moved_locally": float(moved),
        "premium_cost": float(moved * premium),
        "retained_locally": float(moved * (1.0 + premium)),
        "local_multiplier": multiplier,
        "multiplier_source": source,
        "local_economy_change": float(economy),
        "outcome": None if outcome is None else outcome.id,
        "value_per_year": None if value is None else float(economy * value),
        # Filled in by the appraisal (cutsim.appraise.appraisal.price_procurement), which
        # alone decides how money over time is discounted.
        "premium_cost_npv": None,
        "local_economy_npv": None,
        "social_value_npv": None,
    }
