"""Screenshots of the example consultation page at phone and desktop widths, in headless
Debian chromium: docs/screenshots/consultation-390.png and consultation-1280.png.

Run from the repository root:  python scripts/consultation_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from support.browser_support import browser  # noqa: E402

import cutsim  # noqa: E402
from cutsim.consult.page import write_page  # noqa: E402


def main() -> None:
    out = REPO / "docs" / "screenshots"
    with tempfile.TemporaryDirectory() as tmp:
        page = write_page(cutsim.load(REPO / "scenarios" / "budget-consultation.cutsim"),
                          "budget-consultation", Path(tmp))
        for width, height in ((390, 1700), (1280, 1500)):
            driver = browser(width=width, height=height)
            try:
                driver.get(page.as_uri())
                # A resident's choice: a deeper youth cut, no cut to family hubs.
                driver.execute_script(
                    "var s = document.getElementById('lever-0'); s.value = '30';"
                    "s.dispatchEvent(new Event('input'));"
                    "var h = document.getElementById('lever-1'); h.value = '0';"
                    "h.dispatchEvent(new Event('input'));")
                driver.save_screenshot(str(out / f"consultation-{width}.png"))
            finally:
                driver.quit()


if __name__ == "__main__":
    main()
