"""Screenshots of what happened against what we said: the publication's section.

Publishes the example scenario (which has illustrative actuals) into a temporary folder,
keeps only the section "What we said would happen, and what happened" of the residents'
page (with the page's own styles), and takes it in headless Chromium (Debian's
``chromium`` package) at 1280 px wide into docs/screenshots/publication-what-happened.png.
Run: ``.venv/bin/python scripts/actuals_screenshots.py``.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from publication_screenshots import TALL, chromium, crop_blank_tail, screenshot

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "models" / "example-place.cutsim"
OUT = REPO / "docs" / "screenshots"


def section_only(page: str) -> str:
    """The page with its main content replaced by the section alone."""
    section = re.search(r'<section id="what-happened">.*?</section>', page, re.DOTALL)
    if section is None:
        raise SystemExit("the publication has no section on what happened")
    return re.sub(r'<main id="content">.*</main>',
                  lambda _m: f'<main id="content">{section.group(0)}</main>', page,
                  flags=re.DOTALL)


def main() -> int:
    from cutsim.publish import publish

    browser = chromium()
    if browser is None:
        print("no chromium on PATH: screenshots skipped", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pub = Path(tmp) / "publication"
        publish(EXAMPLE, "youth-cut", pub, pdf=False)
        page = Path(tmp) / "section.html"
        page.write_text(section_only((pub / "index.html").read_text(encoding="utf-8")),
                        encoding="utf-8")
        png = OUT / "publication-what-happened.png"
        screenshot(browser, page, png, 1280, TALL)
        crop_blank_tail(png)
        print(png.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
