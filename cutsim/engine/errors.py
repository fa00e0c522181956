"""Errors raised by the simulation engine."""

from __future__ import annotations

from cutsim.model.errors import InputError


class EngineError(InputError):
    """The model has no clean simulation: a singular algebraic loop or an unstable loop.

    The message names the loop's services and outcomes so the user can find and fix it.
    """
