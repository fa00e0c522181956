"""Guards against a Qt binding defect that once aborted the app.

PySide6 6.12 on CPython 3.11 dropped a reference to ``True`` on every signal emit, so a
slider drag could abort the interpreter ("bool_dealloc"). pyproject pins below 6.12;
this test fails (or aborts) if a bad version comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    carrying = Signal(object)


def test_signal_emits_keep_the_bool_singletons_alive(qapp) -> None:
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(500):
        emitter.plain.emit()
        emitter.carrying.emit(1)
    # The defect loses one reference per emit (1,000 here); allow for unrelated objects
    # holding True being created or freed meanwhile.
    assert abs(sys.getrefcount(True) - before) < 100
