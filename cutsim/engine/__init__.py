"""The simulation engine: compile a place model once, then simulate scenarios exactly.

Headless (never imports Qt). See :mod:`cutsim.engine.compiled` (structure and parameters),
:mod:`cutsim.engine.inputs` (lever inputs on the time grid), :mod:`cutsim.engine.simulate`
(the exact linear time-invariant solution of docs/mathematics.md: its algebraic part in
:mod:`cutsim.engine.algebraic`, its delay chains in :mod:`cutsim.engine.chains`, their
caches in :mod:`cutsim.engine.memo`) and :mod:`cutsim.engine.money`.
"""

from __future__ import annotations

from cutsim.engine.compiled import CompiledModel, Params, compile_model
from cutsim.engine.errors import EngineError
from cutsim.engine.inputs import LeverInputs, Lump
from cutsim.engine.simulate import Trajectory, simulate

__all__ = [
    "CompiledModel", "Params", "compile_model", "EngineError", "LeverInputs", "Lump",
    "Trajectory", "simulate",
]
