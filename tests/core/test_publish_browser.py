"""The residents' page in a real headless browser (Debian's chromium, no browser
download): no sideways scrolling at phone and desktop widths, headings in order, table
headers and captions, alt text on every chart, and WCAG 2.2 AA text contrast, measured
on the computed styles. Screenshots at 390 and 1280 px are taken as a check that the
page renders; scripts/publication_screenshots.py keeps those in docs/screenshots/."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.publish_support import publish_doc

from cutsim.publish.build import render_all

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    BROWSER is None, reason="no chromium on PATH (Debian package `chromium`, installed by "
                            "scripts/setup): the real-browser accessibility check cannot run")]
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "example-place.cutsim"

# Runs in the harness page over the publication in a same-origin iframe (srcdoc) of the
# width under test; the publication itself runs no script (its CSP forbids it).
AUDIT_JS = r"""
function lum(c) {
  var m = c.match(/[\d.]+/g).map(Number);
  var ch = m.slice(0, 3).map(function (v) { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}
function alpha(c) { var m = c.match(/[\d.]+/g); return m.length > 3 ? Number(m[3]) : 1; }
function bg(el, w) {
  for (var e = el; e; e = e.parentElement) {
    var b = w.getComputedStyle(e).backgroundColor;
    if (alpha(b) > 0) return b;
  }
  return "rgb(255, 255, 255)";
}
function audit(frame) {
  var d = frame.contentDocument, w = frame.contentWindow, out = {};
  out.width = w.innerWidth;
  out.overflow = d.documentElement.scrollWidth - d.documentElement.clientWidth;
  out.wrapOverflow = Array.from(d.querySelectorAll('.table-wrap')).filter(function (x) {
    return x.scrollWidth > x.clientWidth + 1; }).map(function (x) {
    return x.textContent.trim().slice(0, 60) + ' (' + x.scrollWidth + '>' + x.clientWidth + ')'; });
  out.lang = d.documentElement.lang;
  out.headings = Array.from(d.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(function (h) {
    return Number(h.tagName[1]); });
  out.tables = Array.from(d.querySelectorAll('table')).map(function (t) {
    return {th: t.querySelectorAll('th').length, caption: !!t.querySelector('caption'),
            scoped: Array.from(t.querySelectorAll('th')).every(function (h) {
              return h.getAttribute('scope'); })}; });
  out.charts = Array.from(d.querySelectorAll('svg')).map(function (s) {
    return {role: s.getAttribute('role'), label: s.getAttribute('aria-label') || '',
            title: !!s.querySelector('title'), width: s.getBoundingClientRect().width}; });
  out.imgs = Array.from(d.querySelectorAll('img')).filter(function (i) {
    return !i.hasAttribute('alt'); }).length;
  var fails = [], minFont = 99;
  d.querySelectorAll('body *').forEach(function (el) {
    if (el.closest('svg') || el.closest('.skip')) return;
    var own = Array.from(el.childNodes).some(function (n) {
      return n.nodeType === 3 && n.textContent.trim(); });
    if (!own) return;
    var st = w.getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') return;
    var fg = st.color, back = bg(el, w);
    var l1 = lum(fg), l2 = lum(back);
    var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    var size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
    var need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    minFont = Math.min(minFont, size);
    if (ratio < need) fails.push({text: el.textContent.trim().slice(0, 40), fg: fg, bg: back,
                                  ratio: Math.round(ratio * 100) / 100});
  });
  d.querySelectorAll('svg text').forEach(function (t) {
    var fill = w.getComputedStyle(t).fill;
    if (fill.indexOf('rgb') === 0) {
      var l = lum(fill), ratio = (1.05) / (l + 0.05);
      if (ratio < 4.5) fails.push({text: t.textContent.slice(0, 40), fg: fill, ratio: ratio});
    }
  });
  out.contrastFailures = fails;
  out.minFontPx = minFont;
  return out;
}
document.getElementById('page').addEventListener('load', function () {
  document.getElementById('result').textContent = JSON.stringify(audit(this));
});
"""


def _harness(page: str, width: int) -> str:
    return ('<!DOCTYPE html><html><body style="margin:0">'
            f'<iframe id="page" style="width:{width}px;height:900px;border:0" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
            f'<pre id="result">pending</pre><script>{AUDIT_JS}</script></body></html>')


def _run_browser(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def page_html(tmp_path_factory) -> str:
    import cutsim

    if EXAMPLE.exists():
        project, scenario = cutsim.load(EXAMPLE), "youth-cut"
    else:  # pragma: no cover - the example ships with the repository
        path = tmp_path_factory.mktemp("m") / "m.cutsim"
        path.write_text(json.dumps(publish_doc()), encoding="utf-8")
        project, scenario = cutsim.load(path), "cut"
    _, _, files = render_all(project, scenario, draws=100, seed=1)
    return files["index.html"]


@pytest.mark.parametrize("width", [390, 1280])
def test_page_is_accessible_in_a_real_browser(page_html, tmp_path, width):
    harness = tmp_path / "harness.html"
    harness.write_text(_harness(page_html, width), encoding="utf-8")
    done = _run_browser("--window-size=1400,1000", "--virtual-time-budget=10000",
                        "--dump-dom", harness.as_uri())
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert match and match.group(1) != "pending", done.stderr[-2000:]
    report = json.loads(html.unescape(match.group(1)))
    assert report["width"] == width
    assert report["overflow"] <= 0, "the page scrolls sideways"
    if width <= 400:
        assert report["wrapOverflow"] == [], "a table scrolls sideways on a phone"
    assert report["lang"] == "en-GB"
    heads = report["headings"]
    assert heads.count(1) == 1 and heads[0] == 1
    assert all(b - a <= 1 for a, b in zip(heads, heads[1:])), heads
    assert report["tables"] and all(t["th"] and t["caption"] and t["scoped"]
                                    for t in report["tables"])
    assert report["charts"] and all(c["role"] == "img" and len(c["label"]) > 30 and c["title"]
                                    for c in report["charts"])
    assert all(0 < c["width"] <= width for c in report["charts"])
    assert report["imgs"] == 0
    assert report["contrastFailures"] == []
    assert report["minFontPx"] >= 12


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshot_renders(page_html, tmp_path, width):
    page = tmp_path / "index.html"
    page.write_text(page_html, encoding="utf-8")
    png = tmp_path / f"shot-{width}.png"
    _run_browser(f"--window-size={width},2000", f"--screenshot={png}", page.as_uri())
    from PIL import Image

    with Image.open(png) as image:
        assert image.size == (width, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # not a blank page
