"""Consultation pages and responses, without a browser (docs/consultation.md)."""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from support.cli import CliRun, run_cli
from support.consult_support import (
    CONSULT_FILE,
    REPO,
    SCENARIO,
    project,
    random_choices,
    response_doc,
    write_json,
)

from cutsim.consult.offer import build_offer, default_consultation, with_choices
from cutsim.consult.page import MAX_PAGE_BYTES, count_words, is_count, render
from cutsim.consult.responses import check_response
from cutsim.consult.summary import SMALL_GROUP, suppressed_counts
from cutsim.model.errors import InputError
from cutsim.model.validation import validate_scenario


def _cli(*args: str) -> CliRun:
    return run_cli(*args, cwd=REPO)


def test_the_page_sums_equal_the_engine_for_random_choices():
    proj = project()
    scenario = proj.scenario(SCENARIO)
    offer = build_offer(proj, scenario)
    rng = np.random.default_rng(7)
    for k in range(20):
        choices = random_choices(scenario, rng)
        if k == 0:
            choices = {c: 0.0 for c in choices}  # nothing done: every one-off cost left out
        got = offer.evaluate(choices)
        want = offer.layout.flatten(proj.run(with_choices(scenario, choices)))
        money = slice(0, len(offer.layout.agencies) * 4 * offer.layout.horizon)
        assert np.max(np.abs(got[money] - want[money])) < 0.005  # to the penny
        assert got[-1] == pytest.approx(want[-1], abs=0.005)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-7)


def test_a_demand_led_efficiency_and_a_demand_change_multiply():
    proj = project()
    offer = build_offer(proj, proj.scenario(SCENARIO))
    ids = [t.lever_id for t in offer.terms]
    placements = ids.index("placements")  # an efficiency on looked-after children's placements
    assert any(placements in pair for pair in offer.products), "the product term was not measured"


def test_the_page_is_self_contained_small_and_its_script_is_allowed_by_hash():
    html = render(project(), SCENARIO)
    assert len(html.encode("utf-8")) < MAX_PAGE_BYTES
    csp = html_lib.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"',
                                      html).group(1))
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "unsafe" not in csp
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert not re.search(r'(src|href)="(https?:)?//', html), "the page must load nothing"


def test_without_script_the_page_shows_the_proposal_with_the_engine_figures():
    proj = project()
    scenario = proj.scenario(SCENARIO)
    html = render(proj, SCENARIO)
    result = proj.run(scenario)
    y = 4  # the default headline year
    lead = proj.compiled.agency_ids.index("council")
    shown = float(re.search(r'id="lead-net" data-value="([^"]+)"', html).group(1))
    assert shown == pytest.approx(result.agency_annual["net_saving"][lead][y], abs=0.005)
    place = float(re.search(r'id="place-net" data-value="([^"]+)"', html).group(1))
    assert place == pytest.approx(result.agency_annual["net_saving"][:, y].sum(), abs=0.005)
    assert 'id="choices" hidden' in html  # the sliders appear only with the script


def test_names_from_the_model_are_escaped(tmp_path: Path):
    proj = project()
    model = proj.model
    agencies = [a.model_copy(update={"name": "<script>alert(1)</script>"}) if a.id == "police" else a
                for a in model.agencies]
    proj.file.model = model.model_copy(update={"agencies": agencies})
    html = render(type(proj)(proj.file), SCENARIO)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_consultation_block_is_validated_with_locations():
    proj = project()
    scenario = proj.scenario(SCENARIO)
    block = scenario.consultation
    bad_levers = [block.levers[0].model_copy(update={"max": 95}),
                  block.levers[3].model_copy(update={"max": 50}),  # above the efficiency cap
                  block.levers[1].model_copy(update={"lever": "nope"})]
    bad = scenario.model_copy(update={"consultation": block.model_copy(update={
        "levers": bad_levers, "post_url": "http://insecure.example"})})
    problems = [str(p) for p in validate_scenario(proj.model, bad, "scenarios[0]")]
    text = "\n".join(problems)
    assert 'scenarios[0] consultation levers[1]: max is a 50 % efficiency' in text
    assert "above its max_efficiency_percent" in text
    assert "must name a cut or invest lever" in text
    assert "post_url must be an https:// address" in text
    off_step = block.levers[0].model_copy(update={"step": 3})  # the proposal, 10 %, is not on it
    odd = scenario.model_copy(update={"consultation": block.model_copy(update={"levers": [off_step]})})
    text = "\n".join(str(p) for p in validate_scenario(proj.model, odd, "scenarios[0]"))
    assert "must be a whole number of steps (3) from min" in text


def test_a_scenario_without_a_block_is_refused_unless_every_lever_is_offered(tmp_path: Path):
    out = _cli("consult", "models/example-place.cutsim", "--scenario", "youth-cut", "-o", str(tmp_path / "a"))
    assert out.returncode == 1 and "no consultation block" in out.stderr
    assert not (tmp_path / "a").exists()
    out = _cli("consult", "models/example-place.cutsim", "--scenario", "youth-cut", "-o",
               str(tmp_path / "b"), "--offer-all")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "b" / "index.html").stat().st_size > 1000


def test_default_consultation_offers_every_cut_and_invest():
    scenario = project().scenario(SCENARIO).model_copy(update={"consultation": None})
    block = default_consultation(scenario)
    assert [o.lever for o in block.levers] == [lv.id for lv in scenario.levers]
    offered = scenario.model_copy(update={"consultation": block})
    assert validate_scenario(project().model, offered, "scenarios[0]") == []


def test_small_groups_are_withheld_and_cannot_be_worked_out():
    shown = suppressed_counts({"a": 12, "b": 3, "c": 9, "d": 20})
    assert shown["b"] is None and shown["c"] is None  # c withheld too: total − others = b
    assert shown["a"] == 12 and shown["d"] == 20
    assert suppressed_counts({"a": SMALL_GROUP, "b": 7}) == {"a": SMALL_GROUP, "b": 7}


def _good(proj) -> dict:
    scenario = proj.scenario(SCENARIO)
    return response_doc(proj, {o.lever: o.min for o in scenario.consultation.levers})


HOSTILE = {
    "not-an-object": lambda d: [1, 2, 3],
    "unknown-field": lambda d: {**d, "evil": 1},
    "missing-choices": lambda d: {k: v for k, v in d.items() if k != "choices"},
    "wrong-format": lambda d: {**d, "format": "cutsim"},
    "wrong-version": lambda d: {**d, "format_version": 2},
    "other-scenario": lambda d: {**d, "consultation": {**d["consultation"], "scenario": "x"}},
    "other-model": lambda d: {**d, "consultation": {**d["consultation"], "model_sha256": "0" * 64}},
    "bad-id": lambda d: {**d, "response_id": "../../etc/passwd"},
    "choice-text": lambda d: {**d, "choices": {**d["choices"], "youth": "40"}},
    "choice-bool": lambda d: {**d, "choices": {**d["choices"], "youth": True}},
    "choice-out-of-range": lambda d: {**d, "choices": {**d["choices"], "youth": 95}},
    "choice-off-step": lambda d: {**d, "choices": {**d["choices"], "youth": 7}},
    "choice-unknown-lever": lambda d: {**d, "choices": {**d["choices"], "ghost": 1}},
    "comment-too-long": lambda d: {**d, "comments": "x" * 5001},
    "equality-unknown": lambda d: {**d, "equality": {"religion": "none"}},
    "equality-bad-answer": lambda d: {**d, "equality": {"age": "<b>150</b>"}},
    "submitted-missing": lambda d: {k: v for k, v in d.items() if k != "submitted"},
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_response_is_refused_with_its_field(name: str):
    proj = project()
    doc = HOSTILE[name](_good(proj))
    with pytest.raises(InputError) as info:
        check_response(doc, f"{name}.json", proj.model, proj.scenario(SCENARIO))
    assert str(info.value).startswith(f"{name}.json: ")


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe", b"{" * 100 + b"}" * 100, b'{"a":1,"a":2}',
                                 b'{"choices": NaN}', b"x" * 300_000])
def test_malformed_response_files_are_refused_and_nothing_is_written(tmp_path: Path, raw: bytes):
    bad = tmp_path / "bad.json"
    bad.write_bytes(raw)
    good = write_json(tmp_path / "good.json", _good(project()))
    out = _cli("consult", "summarise", str(good), str(bad), "--model", str(CONSULT_FILE),
               "--scenario", SCENARIO, "-o", str(tmp_path / "out"))
    assert out.returncode == 1 and "bad.json" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_summarise_counts_duplicates_once_and_runs_the_median_package(tmp_path: Path):
    proj = project()
    scenario = proj.scenario(SCENARIO)
    rng = np.random.default_rng(3)
    paths = []
    for i in range(11):
        doc = response_doc(proj, random_choices(scenario, rng), comments=f"comment {i}",
                           equality={"age": "65 or over"} if i < 8 else {"age": "Under 18"})
        paths.append(write_json(tmp_path / f"r{i}.json", doc))
    twin = json.loads(paths[0].read_text())
    paths.append(write_json(tmp_path / "twin.json", twin))
    out = _cli("consult", "summarise", *map(str, paths), "--model", str(CONSULT_FILE),
               "--scenario", SCENARIO, "-o", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    assert "twin.json: the same response as r0.json" in out.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["responses"] == 11
    html = (tmp_path / "out" / "summary.html").read_text()
    assert "comment 10" in html and "Under 18" in html
    assert "<script" not in html
    equality = (tmp_path / "out" / "equality.csv").read_text()
    assert "Under 18,fewer than 5" in equality  # 3 responses: withheld
    median = cutsim_load(tmp_path / "out" / "median-package.cutsim")
    package = median.scenario("residents-median")
    sizes = {lv.id: lv.percent for lv in package.levers}
    for lever_id, value in summary["median"].items():
        assert sizes.get(lever_id, 0.0) == value


def cutsim_load(path: Path):
    import cutsim

    return cutsim.load(path)


def test_one_year_throughout_named_in_the_title_in_whole_things_with_unchanged_rows_folded():
    """Issue 31: the page titled itself "budget 2026-27" while every figure was for
    2030-31, showed "0.07 more children a year", and listed every row."""
    html = render(project(), SCENARIO)
    assert re.search(r"<h1>[^<]*— figures for 2030-31</h1>", html)
    assert re.search(r"<title>[^<]*figures for 2030-31", html)
    assert "2035-36" not in html  # no second year: the last year's column is gone
    words = re.findall(r'id="outcome-\d+-year" data-value="[^"]+">([^<]*)<', html)
    assert words and "fewer than one more (children a year; worse)" in words
    assert not any(re.match(r"0\.\d", w) for w in words)
    # A row with no change is hidden and named in the one line under its table.
    rows = re.findall(r'<tr id="outcome-row-\d+"( hidden)?><th scope="row">([^<]*)<', html)
    folded = [html_lib.unescape(name) for hidden, name in rows if hidden]
    line = html_lib.unescape(re.search(r'id="outcome-unchanged">([^<]*)<', html).group(1))
    assert folded and line == "No change for: " + ", ".join(folded) + "."


@pytest.mark.parametrize(("value", "words"), [(0.07, "fewer than one"), (0.999, "fewer than one"),
                                              (1.0, "1"), (2.5, "2"), (3.5, "4"), (73.2, "73"),
                                              (1234.0, "1,200")])
def test_counts_are_whole(value: float, words: str):
    assert count_words(value) == words
    assert is_count("children a year") and is_count("bed days a year")
    assert not is_count("GBP a year") and not is_count("% of pupils")


def test_responses_can_open_an_email_as_well_as_the_file(tmp_path: Path):
    proj = project()
    scenario = proj.scenario(SCENARIO)
    block = scenario.consultation.model_copy(update={"post_url": "mailto:consult@seaport.example"})
    proj.file.scenarios[:] = [scenario.model_copy(update={"consultation": block})]
    from cutsim.model.validation import validate_scenario

    assert validate_scenario(proj.model, proj.scenario(SCENARIO), "s") == []
    html = render(proj, SCENARIO)
    assert "Email my response to the council" in html and 'id="download"' in html
    csp = html_lib.unescape(re.search(r'Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "connect-src 'none'" in csp  # an email is not a network request of the page's
    bad = block.model_copy(update={"post_url": "mailto:a@b.example?bcc=x@y.example"})
    problems = validate_scenario(proj.model, scenario.model_copy(update={"consultation": bad}), "s")
    assert any("post_url" in str(p) for p in problems)


def test_the_summary_of_responses_shows_the_median_package_through_the_disclosure_gate():
    """A summary may be published as a consultation's outcome: its money is the gate's,
    so a confidential cut left in the scenario is not given back by it."""
    from cutsim.appraise.disclosure import DisclosureGate
    from cutsim.consult.summary import package_figures
    from cutsim.levers.kinds import CutLever

    proj = project()
    scenario = proj.scenario(SCENARIO)
    hidden = CutLever(id="hc", kind="cut", service="home_care", percent=5.0, start_year=0)
    package = scenario.model_copy(update={"levers": [*scenario.levers, hidden]})
    figures = package_figures(proj, package)
    result = proj.run(package)
    y, council = figures["year"], proj.compiled.agency_ids.index("council")
    gated = DisclosureGate.for_scenario(proj.compiled, package).annual(result.agency_annual)
    planned = figures["agencies"][council][1]
    assert planned == pytest.approx(gated["planned_saving"][council][y])
    assert abs(planned - result.agency_annual["planned_saving"][council][y]) > 0.1 * 1_100_000
    assert "not exact" in figures["disclosure_note"]
