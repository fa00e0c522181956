"""``invest``: spend more on one service (docs/levers.md).

On a discretionary service it adds activity; on a demand-led service it is a negative
efficiency (more spent per unit of activity).
"""

from __future__ import annotations

from typing import Literal

from cutsim.levers.kinds.spend import SpendKind, SpendLever


class InvestLever(SpendLever):
    kind: Literal["invest"]


class InvestKind(SpendKind):
    name = "invest"
    schema = InvestLever
    title = "Invest"
    words = "more spending on a service"
    who_pays = ("More spending in one agency's service can change outcomes that lower other "
                "agencies' costs.")
    sign = 1.0


KIND = InvestKind()
