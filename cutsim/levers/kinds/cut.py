"""``cut``: spend less on one service (docs/levers.md).

On a discretionary service a cut removes activity (ΔA = −amount/unit_cost), refused below
the statutory floor; on a demand-led service it is an efficiency (unit cost falls, demand
still met), refused above ``max_efficiency_percent``.
"""

from __future__ import annotations

from typing import Literal

from cutsim.levers.kinds.spend import SpendKind, SpendLever


class CutLever(SpendLever):
    kind: Literal["cut"]


class CutKind(SpendKind):
    name = "cut"
    schema = CutLever
    title = "Cut spend"
    words = "a cut in spending on a service"
    who_pays = "A cut in one agency's service can change outcomes whose costs fall on other agencies."
    sign = -1.0


KIND = CutKind()
