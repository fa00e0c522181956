"""The core never imports Qt or the app (docs/architecture.md): checked in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import cutsim

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "ui")


def test_importing_every_core_module_loads_no_qt_and_no_ui() -> None:
    # __main__ runs the CLI when imported; it imports only cutsim.cli, which is checked.
    modules = [m.name for m in pkgutil.walk_packages(cutsim.__path__, "cutsim.") if m.name != "cutsim.__main__"]
    assert "cutsim.files.exchange" in modules and "cutsim.workspace.store" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"core imported: {done.stdout.strip()}"
