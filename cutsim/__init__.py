"""cutsim: the headless core of a whole-place scenario modeller for public spending cuts.

Never imports Qt. The desktop application lives in the separate ``ui`` package.
"""

from __future__ import annotations

from cutsim.version import __version__

__all__ = ["__version__", "load", "Project"]


def __getattr__(name: str):
    """Lazy re-exports, so ``import cutsim`` stays light (no numpy/scipy until needed)."""
    if name in ("load", "Project"):
        from cutsim import api

        return getattr(api, name)
    raise AttributeError(f"module 'cutsim' has no attribute {name!r}")
