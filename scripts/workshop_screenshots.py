"""Screenshots of workshop mode on the example place, for review and the docs.

Prepares three option packages on the example (the bundled youth cut, a prevention trim
and deeper cuts), sets two red lines, takes a lever out of one package and asks the
optimiser for a fourth, then renders:

- the audience view at 1920 × 1080 (``docs/screenshots/workshop-audience.png``) and the
  same after switching to a package that breaches a red line (``workshop-audience-breach.png``);
- the presenter view at 1600 × 1000 (``workshop-presenter.png``).

Run under a real X server of the projector's size, ``xvfb-run -s "-screen 0 1920x1080x24"
.venv/bin/python scripts/workshop_screenshots.py``, or headless (``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "docs" / "screenshots"


def prepared_file():
    """The example place with three option packages prepared before the meeting."""
    from cutsim.files.exchange import read_file
    from cutsim.levers.kinds import CutLever
    from cutsim.model.schema import Scenario

    file = read_file(REPO / "models" / "example-place.cutsim")

    def cut(lever_id: str, service: str, percent: float) -> CutLever:
        return CutLever(kind="cut", id=lever_id, service=service, percent=percent)

    trim = Scenario(id="prevention-trim", name="Trim prevention services", levers=[
        cut("asc", "asc_prevention", 30), cut("reable", "reablement", 20),
        cut("drugs", "drug_alcohol", 15), cut("hubs", "family_hubs", 20)])
    deep = Scenario(id="deeper-cuts", name="Deeper cuts to early help and youth", levers=[
        cut("youth", "youth", 50), cut("early", "early_help", 40), cut("hubs", "family_hubs", 40),
        cut("drugs", "drug_alcohol", 30), cut("asc", "asc_prevention", 40)])
    youth = file.scenario("youth-cut")
    return file.model_copy(update={"scenarios": [youth, trim, deep]})


def main() -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from cutsim.model.schema import RedLine
    from ui.document import DocumentController
    from ui.workshop.audience import AudienceView
    from ui.workshop.controller import WorkshopController
    from ui.workshop.presenter import PresenterView

    app = QApplication.instance() or QApplication(sys.argv)
    document = DocumentController(prepared_file())
    controller = WorkshopController(document)
    controller.add_red_line(RedLine(outcome="youth_offending", max_change=5.0, **{"as": "percent"}))
    controller.add_red_line(RedLine(outcome="care_entries_under_16", max_change=2.0, **{"as": "percent"}))
    controller.select(1)
    controller.toggle("drugs")
    controller.note("Members asked to protect drug and alcohol services")
    controller.propose()
    controller.select(1)
    controller.refresh()

    OUT.mkdir(parents=True, exist_ok=True)
    audience = AudienceView(controller)
    audience.resize(1920, 1080)
    audience.show()
    app.processEvents()
    audience.grab().save(str(OUT / "workshop-audience.png"))
    controller.select(2)
    app.processEvents()
    audience.grab().save(str(OUT / "workshop-audience-breach.png"))
    controller.select(1)

    presenter = PresenterView(controller)
    presenter.resize(1600, 1000)
    presenter.show()
    app.processEvents()
    presenter.grab().save(str(OUT / "workshop-presenter.png"))
    for name in ("workshop-audience.png", "workshop-audience-breach.png", "workshop-presenter.png"):
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
