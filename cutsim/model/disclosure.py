"""The disclosure rule: one scale factor per agency for its confidential money.

Redacting a confidential item (a commercially confidential service's money) is not
enough when a published total and the published items beside it give it back by
subtraction, and rounding each published total on its own is not enough either: an
outsider who knows the rounding rule and how the cells relate (a ramp's yearly
fractions, a horizon total as the sum of its years, a pool's published percentage)
intersects what each rounded cell allows and pins the figure far more closely than any
one rounding (the pooled-budget example: £880,000 to about ±1 %, where ±£200,000 was
promised). docs/signing.md, "Disclosure control", states the attacker this rule is
built against.

**The rule.** Every figure shown outside the owner is

    published = named part + k_a × confidential part

where the confidential part is the money of the agency's confidential services (all of
it: each series, each year, the horizon totals, NPVs, rates, baseline spend) and k_a is
*one* factor per agency, fixed by the model alone (so every publication, consultation
page, redacted file and workshop screen of the same model uses the same k_a):

- the anchor A is the agency's total confidential baseline spend (£/yr, material items
  only, :mod:`cutsim.model.materiality`);
- A falls in one cell of a geometric grid, [L, R·L) with L = R^m and ``GRID_RATIO``
  R = 1.25;
- the published anchor is A′ = L·(1 − p)·(1 − ``MARGIN``), with p = ``P_PERCENT`` %, and
  k_a = A′ / A.

So k_a lies in ((1 − p)(1 − MARGIN)/R, (1 − p)(1 − MARGIN)], about 0.72 to 0.90: every
confidential figure an outsider can derive (published total less the named items) is
more than p % below the truth, and since every cell is the same multiple of the truth,
combining cells (sums, differences, ratios, ramps) gives the outsider the shape of the
confidential money but never its level: all they learn is A′, hence A ∈ [L, R·L), a
range 25 % wide, and each confidential figure x only to within the same factor.

A model whose agency has confidential services with no material baseline spend (a new
confidential service, say) gets k_a = 0: its confidential money is suppressed, which the
outputs say.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import Model

P_PERCENT = 10.0  # no confidential item may be derivable to within 10 % of its value
GRID_RATIO = 1.25  # the anchor is only known to lie in [L, 1.25·L)
MARGIN = 1e-3  # keeps |k − 1| strictly above p at the grid's lower end


@dataclass(frozen=True)
class Scale:
    """How one agency's confidential money is published.

    ``factor`` k (0 ≤ k < 1; 1 for an agency without confidential services);
    ``anchor`` A and ``published_anchor`` A′ (£/yr of baseline spend);
    ``low``/``high`` (£/yr): the range [L, R·L) an outsider can place A in.
    """

    factor: float
    anchor: float
    published_anchor: float
    low: float
    high: float

    @property
    def scaled(self) -> bool:
        """True when the agency's figures are not the engine's exact ones."""
        return self.factor != 1.0

    @property
    def suppressed(self) -> bool:
        """True when the confidential money is left out altogether (k = 0)."""
        return self.factor == 0.0


EXACT = Scale(1.0, 0.0, 0.0, 0.0, 0.0)


def grid_cell(anchor: float) -> tuple[float, float]:
    """(L, R·L): the cell of the geometric grid that holds ``anchor`` (> 0, £/yr)."""
    if not anchor > 0.0 or not math.isfinite(anchor):
        raise ValueError(f"an anchor must be a positive amount (got {anchor!r})")
    m = math.floor(math.log(anchor) / math.log(GRID_RATIO))
    low = GRID_RATIO ** m
    while low > anchor:  # guard the logarithm's round-off at a cell's edge
        m -= 1
        low = GRID_RATIO ** m
    while GRID_RATIO ** (m + 1) <= anchor:
        m += 1
        low = GRID_RATIO ** m
    return low, GRID_RATIO ** (m + 1)


def scale_for_anchor(anchor: float) -> Scale:
    """The scale of an agency whose confidential baseline spend totals ``anchor`` (£/yr)."""
    if anchor <= 0.0:
        return Scale(0.0, anchor, 0.0, 0.0, math.inf)
    low, high = grid_cell(anchor)
    published = low * (1.0 - P_PERCENT / 100.0) * (1.0 - MARGIN)
    return Scale(published / anchor, anchor, published, low, high)


def agency_scales(model: Model) -> dict[str, Scale]:
    """Every agency's scale (:data:`EXACT` for one without confidential services)."""
    floor = materiality_floor(model)
    out: dict[str, Scale] = {}
    for agency in model.agencies:
        secret = [s for s in model.services if s.agency == agency.id and s.confidential]
        if not secret:
            out[agency.id] = EXACT
            continue
        anchor = math.fsum(s.baseline_spend for s in secret if abs(s.baseline_spend) >= floor)
        out[agency.id] = scale_for_anchor(anchor)
    return out


def _material(values: Iterable[float], floor: float) -> list[float]:
    return [float(v) for v in values if abs(v) >= floor and abs(v) > 0.0]


def disclosed(residual: float, confidential: Sequence[float], floor: float = 0.0,
              p_percent: float = P_PERCENT) -> list[float]:
    """The material confidential items that ``residual`` (£) lies within p % of."""
    p = p_percent / 100.0
    return [c for c in _material(confidential, floor) if abs(residual - c) <= p * abs(c)]


def describe_scale(scale: Scale) -> str:
    """Words for a scaled agency, said beside its figures."""
    if scale.suppressed:
        return "its confidential services' money is left out"
    # The factor itself is never said: with it, A′ / k would give the anchor back.
    return ("its confidential services' money is shown scaled down by one factor for every "
            "figure, between 10 % and 28 % below the true amounts")
