"""A real headless browser for page tests: Debian's chromium driven by its chromedriver
through Selenium (no browser download), with the page's network requests logged, and
axe-core (npm, installed by scripts/setup into .cache/npm) for accessibility checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"

needs_browser = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Debian packages chromium and chromium-driver are not installed (scripts/setup "
           "installs them): the page cannot be checked in a real browser")


def browser(width: int = 1280, height: int = 1000):
    """A headless chromium with performance (network) logging on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--disable-background-networking",
                "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def requested_urls(driver) -> list[str]:
    """Every URL the page asked the network for since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def axe_violations(driver) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations on the page now shown."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE.relative_to(REPO)}: run scripts/setup")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
        ".then(function (r) { done(r.violations.map(function (v) {"
        "  return {id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.html; })}; })); });")
    return result
