"""The app opened on a partnership's workspace on a PostgreSQL server, as one agency's
role sees it, to ``docs/screenshots/partnership-workspace.png``.

    xvfb-run -a python scripts/partnership_screenshot.py [--url URL] [--out FOLDER]

``--url``: an existing, empty database, as a role that may create tables and roles
there (left with the example and two agencies' roles). Without it a private server is
started for the shot (initdb and pg_ctl in a temporary folder, as the tests do:
``tests/pg_cluster.py``) and stopped after it. Under Xvfb (``DISPLAY`` set) the app
draws on the X server; without a display it renders offscreen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from PySide6.QtCore import QEventLoop, QSettings, QStandardPaths, QTimer

from cutsim.files.exchange import read_file
from cutsim.workspace import create_workspace
from cutsim.workspace.partnership import setup
from ui.examples import EXAMPLE
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.startup import make_application

SIZE = (1600, 1000)


def settle(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(url: str, out: Path) -> Path:
    with create_workspace(url, read_file(EXAMPLE)):
        pass
    uris = {a.agency: a.uri for a in setup(url, ["council", "police"])}
    QStandardPaths.setTestModeEnabled(True)  # never the user's settings or recovery file
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    make_application([sys.argv[0]])
    window = MainWindow(read_file(EXAMPLE), None, settings=Settings(),
                        recovery_dir=Path(tempfile.mkdtemp()))
    window.resize(*SIZE)
    window.show()
    settle(300)
    if not window.files.server.open_url(uris["police"]):
        raise SystemExit("the partnership workspace did not open")
    window.editor.show_kind("services")
    settle(1500)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "partnership-workspace.png"
    window.grab().save(str(path))
    window.files.server.stop()
    window.document.undo_stack.setClean()
    window.close()
    print(f"wrote {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an empty database's postgresql:// URI (its owner's)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if args.url:
        shoot(args.url, args.out)
        return 0
    from pg_cluster import find_bindir, start_cluster

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed (scripts/setup installs it)")
    cluster = start_cluster(bindir)
    try:
        shoot(cluster.new_database("shot"), args.out)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
