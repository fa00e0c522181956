"""Entry point of the frozen desktop app (PyInstaller needs a script, not a module path)."""

from __future__ import annotations

import multiprocessing
import sys

from ui.app import main

if __name__ == "__main__":
    # A frozen Windows/macOS app re-runs this script for any child process; without this
    # call a child would start a second copy of the app instead of its job.
    multiprocessing.freeze_support()
    sys.exit(main())
