"""Screenshots of the example publication for review and the docs.

Publishes the example scenario into a temporary folder, then takes
- the residents' page in headless Chromium (Debian's ``chromium`` package; nothing that
  downloads a browser of its own) at 390 px (a phone) and 1280 px (a desktop) wide, whole
  page and first screen;
- every page of the cabinet report PDF with ``pdftoppm``,
into docs/screenshots/. Run: ``.venv/bin/python scripts/publication_screenshots.py``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "models" / "example-place.cutsim"
OUT = REPO / "docs" / "screenshots"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
TALL = 16000  # px: taller than the page at either width; the blank tail is cropped


def chromium() -> str | None:
    """Path of a system Chromium, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(browser: str, page: Path, png: Path, width: int, height: int) -> None:
    """One headless screenshot of ``page`` with a window ``width`` × ``height`` px."""
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--force-device-scale-factor=1", f"--window-size={width},{height}",
         f"--screenshot={png}", page.as_uri()],
        check=True, capture_output=True, timeout=120)


def crop_blank_tail(png: Path, margin: int = 24) -> None:
    """Cut the white rows below the page's last content."""
    from PIL import Image, ImageChops

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).getbbox()
    if box:
        rgb.crop((0, 0, rgb.width, min(rgb.height, box[3] + margin))).save(png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(EXAMPLE))
    parser.add_argument("--scenario", default="youth-cut")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    from cutsim.publish import publish

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pub = Path(tmp) / "publication"
        publish(args.model, args.scenario, pub)
        browser = chromium()
        if browser is None:
            print("no chromium on PATH: page screenshots skipped", file=sys.stderr)
        else:
            for label, (width, height) in WIDTHS.items():
                full = out / f"publication-{label}-{width}px.png"
                screenshot(browser, pub / "index.html", full, width, TALL)
                crop_blank_tail(full)
                screenshot(browser, pub / "index.html",
                           out / f"publication-{label}-{width}px-first-screen.png", width, height)
        for old in out.glob("report-page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pub / "report.pdf"),
                        str(out / "report-page")], check=True, timeout=120)
    for png in sorted(out.glob("publication-*.png")) + sorted(out.glob("report-page-*.png")):
        print(png.relative_to(REPO) if png.is_relative_to(REPO) else png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
