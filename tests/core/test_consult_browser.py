"""The consultation page in a real browser: its sums equal the engine's, floors and
ranges hold, a response round-trips through `consult summarise`, no network request,
no axe-core violation, and the formatter matches the core's (docs/consultation.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from support.browser_support import axe_violations, browser, needs_browser, requested_urls
from support.cli import run_cli
from support.consult_support import CONSULT_FILE, REPO, SCENARIO, project, random_choices

from cutsim.appraise.disclosure import DisclosureGate
from cutsim.consult.offer import with_choices
from cutsim.consult.page import cost_word, count_words, sign_word, write_page
from cutsim.model import fmt

pytestmark = [needs_browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("consult")
    return write_page(project(), SCENARIO, out)


@pytest.fixture(scope="module")
def driver():
    d = browser()
    yield d
    d.quit()


def _set(driver, choices: dict[str, float]) -> None:
    driver.execute_script(
        "var c = arguments[0];"
        "document.querySelectorAll('input[data-lever]').forEach(function (el) {"
        "  el.value = String(c[el.getAttribute('data-lever')]);"
        "  el.dispatchEvent(new Event('input', {bubbles: true})); });", choices)


def _figure(driver, element_id: str) -> tuple[float, str]:
    el = driver.find_element("id", element_id)
    return float(el.get_attribute("data-value")), el.get_attribute("textContent")  # rows may be folded


def test_twenty_random_choices_equal_cutsim_run_to_the_penny(driver, page):
    proj = project()
    scenario = proj.scenario(SCENARIO)
    driver.get(page.as_uri())
    data = driver.execute_script("return JSON.parse(document.getElementById('cutsim-data').textContent)")
    floor = data["money_floor"]
    lead = proj.compiled.agency_ids.index(data["lead"])
    y = data["year"]
    rng = np.random.default_rng(20261201)
    for _ in range(20):
        choices = random_choices(scenario, rng)
        _set(driver, choices)
        chosen = with_choices(scenario, choices)
        result = proj.run(chosen)
        # As the disclosure gate publishes them (the engine's own where nothing is confidential).
        gate = DisclosureGate.for_scenario(proj.compiled, chosen)
        annual = gate.annual(result.agency_annual)
        net = annual["net_saving"]
        expected = {
            "lead-net": net[lead][y],
            "lead-planned": annual["planned_saving"][lead][y],
            "place-net": net[:, y].sum(),
            "place-total": net.sum(),
            "place-npv": result.appraisal.place.npv - gate.npv_correction().sum(),
        }
        for key, want in expected.items():
            value, text = _figure(driver, key)
            assert abs(value - want) < 0.005, (key, choices, value, want)
            assert text == sign_word(want, floor), (key, text)
        for a in range(len(proj.compiled.agency_ids)):
            value, text = _figure(driver, f"knock-{a}")
            want = annual["knock_on_cost"][a][y]
            assert abs(value - want) < 0.005 and text == cost_word(want, floor)
        for o in range(len(proj.compiled.outcome_ids)):
            value, _ = _figure(driver, f"outcome-{o}-year")
            assert value == pytest.approx(result.outcome_annual[o][y], rel=1e-9, abs=1e-9)


def test_ranges_and_floors_are_enforced(driver, page):
    driver.get(page.as_uri())
    scenario = project().scenario(SCENARIO)
    beyond = {o.lever: o.max * 10 + 1 for o in scenario.consultation.levers}
    _set(driver, beyond)
    got = driver.execute_script("return window.cutsimConsultation.choices()")
    assert got == {o.lever: o.max for o in scenario.consultation.levers}
    _set(driver, {o.lever: -5 for o in scenario.consultation.levers})
    got = driver.execute_script("return window.cutsimConsultation.choices()")
    assert got == {o.lever: o.min for o in scenario.consultation.levers}


def test_a_slider_moves_by_keyboard_and_the_figures_follow(driver, page):
    from selenium.webdriver.common.keys import Keys

    driver.get(page.as_uri())
    before, _ = _figure(driver, "lead-planned")
    slider = driver.find_element("id", "lever-0")
    slider.send_keys(Keys.ARROW_RIGHT)
    after, _ = _figure(driver, "lead-planned")
    assert after > before  # a bigger cut saves the council more


def test_a_response_round_trips_through_summarise(driver, page, tmp_path: Path):
    driver.get(page.as_uri())
    scenario = project().scenario(SCENARIO)
    choices = {o.lever: o.max for o in scenario.consultation.levers}
    _set(driver, choices)
    driver.find_element("id", "comments").send_keys("Keep the youth club open")
    driver.execute_script("var s = document.getElementById('eq-age'); s.value = '65 or over';")
    driver.find_element("id", "prepare").click()
    text = driver.find_element("id", "response-json").get_attribute("value")
    response = json.loads(text)
    assert response["choices"] == choices and response["equality"] == {"age": "65 or over"}
    path = tmp_path / "response.json"
    path.write_text(text, encoding="utf-8")
    out = run_cli("consult", "summarise", path, "--model", CONSULT_FILE, "--scenario", SCENARIO,
                  "-o", tmp_path / "summary", cwd=REPO)
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp_path / "summary" / "summary.json").read_text())
    assert summary["responses"] == 1 and summary["median"] == choices


def test_the_page_makes_no_network_request(driver, page):
    requested_urls(driver)  # drop earlier pages' log
    driver.get(page.as_uri())
    _set(driver, {o.lever: o.max for o in project().scenario(SCENARIO).consultation.levers})
    driver.find_element("id", "prepare").click()
    assert [u for u in requested_urls(driver) if not u.startswith("file://")
            and not u.startswith("blob:")] == []
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.parametrize("width", [390, 1280])
def test_axe_finds_no_violations_and_nothing_scrolls_sideways(page, width):
    d = browser(width=width)
    try:
        d.get(page.as_uri())
        assert axe_violations(d) == []
        overflow = d.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
    finally:
        d.quit()


def test_the_pages_rounding_is_the_cores(driver, page):
    driver.get(page.as_uri())
    rng = np.random.default_rng(5)
    values = [0.0, 0.4, 0.5, 2.5, 125.0, 135.0, 1250.0, 2450000.0, 2550000.0, 0.125, 0.135,
              999999.0, 995000.0, 9.96, 1e9, 2.5e9, 0.01, 15.5, 1234567.0]
    values += list(rng.lognormal(10, 4, 300)) + list(np.round(rng.lognormal(10, 4, 100), -3))
    values += [-v for v in values[:40]]
    got = driver.execute_script(
        "return arguments[0].map(function (v) { return [window.cutsimFormat.money(v),"
        " window.cutsimFormat.number(v)]; })", values)
    want = [[fmt.resident_money(v), fmt.resident_number(v)] for v in values]
    mismatches = [(v, g, w) for v, g, w in zip(values, got, want) if g != w]
    assert mismatches == []
    # Whole things: "fewer than one", then the whole number (ties to even, as round()).
    counts = [0.0, 0.07, 0.999, 1.0, 1.5, 2.5, 3.49, 99.5, 100.5, 1234.5] + [abs(v) for v in values]
    got = driver.execute_script(
        "return arguments[0].map(function (v) { return window.cutsimFormat.countWords(v); })", counts)
    assert [(v, g) for v, g in zip(counts, got) if g != count_words(v)] == []


def test_rows_that_do_not_change_fold_away_as_the_sliders_move(driver, page):
    driver.get(page.as_uri())
    scenario = project().scenario(SCENARIO)
    _set(driver, {o.lever: 0.0 for o in scenario.consultation.levers})
    hidden = driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#knock-on tbody tr, "
        "#outcomes tbody tr'), function (r) { return r.hidden; })")
    assert all(hidden)  # nothing offered is used: every row folds into the two lines
    line = driver.find_element("id", "knock-unchanged").get_attribute("textContent")
    assert line.startswith("No change for: ") and "Seaport Council" in line
    _set(driver, {o.lever: o.max for o in scenario.consultation.levers})
    shown = driver.execute_script(
        "return Array.prototype.filter.call(document.querySelectorAll('#outcomes tbody tr'),"
        " function (r) { return !r.hidden; }).length")
    assert shown > 0
