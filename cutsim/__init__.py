"""cutsim: the headless core of a whole-place scenario modeller for public spending cuts.

Never imports Qt. The desktop application lives in the separate ``ui`` package.
"""

from __future__ import annotations

__version__ = "0.1.0"
