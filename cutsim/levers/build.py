"""Turn a scenario's levers into the engine's :class:`~cutsim.engine.inputs.LeverInputs` (docs/levers.md).

Signs: a cut lowers spend, an invest raises it; ΔA is in activity units/yr, efficiency
e(t) is the fraction by which unit cost falls (negative = a price premium).

``cut`` and ``invest``:

- exactly one of ``percent`` (of baseline spend, 0-100) or ``amount`` (£/yr);
- the change starts ``notice_months/12`` years after ``start_year`` and ramps linearly over
  ``phase_years`` (the ramp sampled at each step's start: 0 at the first step);
- ``one_off_cost`` (£) falls at ``start_year`` (notice does not move it), attributed to
  the agency owning the service;
- on a *discretionary* service the change is activity: ΔA = ∓amount/unit_cost; a cut that
  leaves less than ``statutory_floor`` of baseline activity is refused;
- on a *demand-led* service a cut is an efficiency e(t) = percent/100 (or
  amount/baseline_spend): unit cost falls, demand is still met; refused above
  ``max_efficiency_percent``. An invest on a demand-led service is a negative efficiency
  (more spent per unit of activity).

``pool`` (efficiency with activity kept, reinvestment, gain share): see
:mod:`cutsim.levers.pool` and :mod:`cutsim.settlement`. ``procure`` (social-value procurement):
see :mod:`cutsim.procurement`.

Composition (docs/levers.md): levers are applied in scenario order and add up.
Activity changes add (ΔA of cuts, invests and reinvestments); efficiencies add (cut
efficiencies, pool efficiencies, minus procurement premiums). The *reduction* in unit cost
from cuts and pools on a demand-led service is capped, in total, at the service's
``max_efficiency_percent``; on any service the total efficiency must stay below 100 %.
Reinvestments are priced after every efficiency, so the £ reinvested is the £ spent.
"""

from __future__ import annotations

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs
from cutsim.levers.areas import place_equivalent
from cutsim.levers.common import LeverBuild, LeverError
from cutsim.levers.pool import apply_reinvestments
from cutsim.levers.spend import check_floors, check_total_efficiency
from cutsim.model import lever_kinds
from cutsim.model.schema import Scenario

__all__ = ["LeverError", "build_inputs"]


def build_inputs(cm: CompiledModel, scenario: Scenario) -> LeverInputs:
    """The lever inputs for ``scenario`` on ``cm``'s grid. Raises :class:`LeverError`."""
    build = LeverBuild(cm)
    scenario = place_equivalent(cm, scenario)  # area-targeted levers as their place total
    for lever in scenario.levers:
        try:
            kind = lever_kinds.of(lever)
        except lever_kinds.UnknownLeverKind as exc:
            raise LeverError(f'lever "{lever.id}": {exc}') from None
        kind.apply(build, lever)
    check_total_efficiency(cm, build.inputs, scenario)
    apply_reinvestments(build)
    check_floors(cm, build.inputs, scenario)
    return build.inputs
