"""Disclosure control: the p % rule, a small-group threshold and controlled rounding.

Redacting a confidential item (a commercially confidential service's money) is not
enough when a published total and the published items beside it give it back by
subtraction. For each published total (a *cell*: one agency, one series, one year, or a
horizon total, an NPV or a baseline budget) cutsim looks at what an outsider can derive:

    residual R = published total − Σ published items of that total

where the published items are the figures of every *named* (non-confidential) service,
which anyone holding a redacted file or the publication can know exactly (the worst
case). R is then the sum of the confidential items c₁ … cₙ (each counted only when
material, :mod:`cutsim.model.materiality`).

**The rule** (docs/signing.md, "Disclosure control"). A cell is *sensitive* when

- (p % rule) R lies within ``P_PERCENT`` % of a confidential item: |R − cᵢ| ≤ p·|cᵢ|; or
- (threshold) R holds fewer than ``MIN_GROUP`` material confidential items, so it would
  publish a single item or a pair as its sum.

A sensitive cell's residual is published as R′, R rounded to a base b of the 1-2-5
series (£1, 2, 5, 10, 20, 50, …): the smallest b ≥ 2·p·max(|cᵢ|, |Σcᵢ|) for which
rounding down or up (the nearer first) leaves R′ more than p % away from every
confidential item; if neither does, the next base. The published total is then
(Σ published items) + R′, so every output that shows the total (publication, open data,
CSVs, the redacted file's ``redacted-<agency>`` totals, the workshop's audience view)
shows the same R′, and nothing that is published gives R back: the outsider's
subtraction yields R′, which is more than p % from any confidential figure, and R is
only known to lie within ±b of it, b being at least 2·p of the largest.

The cost: a protected total is no longer exact (it is within ±b of the truth, said
beside it), and identities between protected totals (net = planned − knock-on −
one-off) hold only to that precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

P_PERCENT = 10.0  # no confidential item may be derivable to within 10 % of its value
MIN_GROUP = 3  # a residual of fewer material confidential items is always rounded
_STEPS = (1.0, 2.0, 5.0)
_MAX_BASE = 1e16  # above any money cutsim accepts (files hold numbers below 1e15)


@dataclass(frozen=True)
class Cell:
    """One published total, split into what is published and what is confidential (£)."""

    total: float
    published_items: float  # Σ of the items published beside the total
    confidential: tuple[float, ...]  # the confidential items inside the total


@dataclass(frozen=True)
class Protected:
    """How a cell is published: ``total`` (£) and the rounding base (0 when exact)."""

    total: float
    residual: float  # what total − published items gives an outsider
    base: float

    @property
    def rounded(self) -> bool:
        return self.base > 0


def _material(values: Iterable[float], floor: float) -> list[float]:
    return [float(v) for v in values if abs(v) >= floor and abs(v) > 0.0]


def disclosed(residual: float, confidential: Sequence[float], floor: float = 0.0,
              p_percent: float = P_PERCENT) -> list[float]:
    """The material confidential items that ``residual`` lies within p % of."""
    p = p_percent / 100.0
    return [c for c in _material(confidential, floor) if abs(residual - c) <= p * abs(c)]


def is_sensitive(cell: Cell, floor: float = 0.0, p_percent: float = P_PERCENT) -> bool:
    """True when the cell must be rounded (the p % rule or the small-group threshold)."""
    items = _material(cell.confidential, floor)
    if not items:
        return False
    residual = cell.total - cell.published_items
    return len(items) < MIN_GROUP or bool(disclosed(residual, items, floor, p_percent))


def _bases(start: float) -> Iterable[float]:
    exponent = math.floor(math.log10(max(start, 1.0)))
    while 10.0 ** exponent <= _MAX_BASE:
        for step in _STEPS:
            base = step * 10.0 ** exponent
            if base >= start:
                yield base
        exponent += 1


def protect(cell: Cell, floor: float = 0.0, p_percent: float = P_PERCENT) -> Protected:
    """The cell as published under the rule in the module docstring."""
    residual = cell.total - cell.published_items
    if not is_sensitive(cell, floor, p_percent):
        return Protected(cell.total, residual, 0.0)
    items = _material(cell.confidential, floor)
    p = p_percent / 100.0
    start = 2.0 * p * max([abs(sum(items))] + [abs(c) for c in items])
    for base in _bases(start):
        down = math.floor(residual / base) * base
        up = down + base
        for candidate in sorted((down, up), key=lambda r: (abs(r - residual), r)):
            if not disclosed(candidate, items, floor, p_percent):
                return Protected(cell.published_items + candidate, candidate, base)
    # Unreachable for finite money: a base beyond every item always clears them all.
    raise ValueError(f"no rounding protects a total of {cell.total!r}")


def describe_base(base: float) -> str:
    """'£200,000' for a rounding base, as said beside a protected figure."""
    return f"£{base:,.0f}"
