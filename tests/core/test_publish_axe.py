"""axe-core in headless Debian Chromium finds no accessibility violations on the
publication page, for every bundled scenario and the baseline.

axe-core comes from npm, installed by scripts/setup into ``.cache/npm`` (git-ignored);
if it is missing and npm is on the PATH, this test installs it there the same way.
The browser is Debian's chromium driven by selenium through chromedriver (no browser
download). A planted violation proves the harness reports what axe finds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cutsim.publish.build import publish

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    BROWSER is None or DRIVER is None,
    reason="no chromium/chromedriver on PATH (Debian packages chromium and chromium-driver, "
           "installed by scripts/setup): the axe-core check cannot run")]

RUN_AXE = """
var done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  done(JSON.stringify({
    passes: r.passes.length,
    violations: r.violations.map(function (x) {
      return {id: x.id, impact: x.impact, nodes: x.nodes.slice(0, 3).map(function (n) {
        return n.target.join(' ') + ': ' + n.failureSummary; })};
    })}));
}, function (e) { done(JSON.stringify({error: String(e)})); });
"""


def _axe_source() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("axe-core is not installed and npm is not on the PATH (scripts/setup "
                        "installs both)")
        subprocess.run([npm, "install", "--prefix", str(AXE.parents[2]), "--no-audit",
                        "--no-fund", f"axe-core@{AXE_VERSION}"], check=True, timeout=600,
                       capture_output=True)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    source = _axe_source()
    options = Options()
    options.binary_location = BROWSER
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(120)

    def check(page: Path) -> dict:
        driver.get(page.resolve().as_uri())
        driver.execute_script(source)  # WebDriver scripts are not bound by the page's CSP
        report = json.loads(driver.execute_async_script(RUN_AXE))
        assert "error" not in report, report
        return report

    yield check
    driver.quit()


CASES = [("models/example-place.cutsim", "youth-cut"), ("models/example-place.cutsim", "baseline"),
         ("scenarios/pooled-health-care.cutsim", "bcf-benefit"),
         ("scenarios/social-value-procurement.cutsim", "social-value"),
         ("scenarios/youth-cut-counter-proposal.cutsim", "partners-counter")]


@pytest.mark.parametrize(("path", "scenario"), CASES, ids=[f"{Path(p).stem}:{s}" for p, s in CASES])
def test_axe_finds_no_violations_on_the_publication(axe, tmp_path, path, scenario):
    publish(REPO / path, scenario, tmp_path, draws=32, seed=1, pdf=False)
    report = axe(tmp_path / "index.html")
    assert report["passes"] > 10  # axe really ran its rules over the page
    assert report["violations"] == [], json.dumps(report["violations"], indent=1)


def test_the_axe_check_reports_a_planted_violation(axe, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><title>x</title></head><body><main>'
                    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>',
                    encoding="utf-8")
    report = axe(page)
    assert "image-alt" in {v["id"] for v in report["violations"]}
    assert "html-has-lang" in {v["id"] for v in report["violations"]}
