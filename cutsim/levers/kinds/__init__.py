"""The lever kinds, one module each (docs/architecture.md, "Adding a lever kind").

Every module here that sets ``KIND`` to a :class:`cutsim.model.lever_kinds.LeverKind` is
registered the first time a kind is asked for; nothing else names the modules. The
built-in kinds' schemas are re-exported here for the code that works with one kind in
particular (the optimiser writes cuts, the settlement reads pools).
"""

from __future__ import annotations

from cutsim.levers.kinds.cut import CutLever
from cutsim.levers.kinds.invest import InvestLever
from cutsim.levers.kinds.pool import FixedShares, PoolLever, Reinvest
from cutsim.levers.kinds.procure import ProcureLever
from cutsim.levers.kinds.spend import SpendLever

__all__ = ["CutLever", "FixedShares", "InvestLever", "PoolLever", "ProcureLever", "Reinvest",
           "SpendLever"]
