"""Work-arounds for defects in the Qt bindings that would otherwise crash the app.

PySide6 6.12 on CPython 3.11: ``SignalInstance.emit()`` returns ``True`` without taking
a reference, so each emit from Python drops one reference to the ``True`` singleton.
After enough emits (a slider drag emits hundreds) CPython aborts with "bool_dealloc:
deallocating True or False"; ``None`` suffers the same way on some paths. CPython 3.12+
makes these singletons immortal, so nothing is needed there; on 3.11 we give them a
reference count no session can exhaust.
"""

from __future__ import annotations

import ctypes
import platform
import sys

_done = False
_HEADROOM = 1 << 40  # far more emits than any session performs


def protect_bool_singletons() -> None:
    """Make ``True``, ``False`` and ``None`` effectively immortal (idempotent, CPython < 3.12 only)."""
    global _done
    if _done or sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return
    for singleton in (True, False, None):
        # ob_refcnt is the first field of every CPython object header.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _done = True
