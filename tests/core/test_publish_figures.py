"""Every figure the publication shows equals the engine's result for the scenario:
the HTML's figures parsed back (exact value and rounded text) and the open data
(JSON and CSV) compared with an independent engine run."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from support.publish_support import Engine, html_figures, publish_doc

import cutsim
from cutsim.model import fmt
from cutsim.publish.build import render_all
from cutsim.publish.disclosure import protect_document
from cutsim.publish.figures import SCHEMA_NAME, SCHEMA_VERSION, build_open_data, parse_indicator

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "example-place.cutsim"
DRAWS, SEED = 200, 7

CASES = [pytest.param("small", id="small-place"),
         pytest.param("example", id="example-youth-cut",
                      marks=pytest.mark.skipif(not EXAMPLE.exists(),
                                               reason="example model not present"))]


def _project(which: str, tmp_path_factory) -> tuple[cutsim.api.Project, str]:
    if which == "example":
        return cutsim.load(EXAMPLE), "youth-cut"
    path = tmp_path_factory.mktemp("small") / "small.cutsim"
    path.write_text(json.dumps(publish_doc()), encoding="utf-8")
    return cutsim.load(path), "cut"


@pytest.fixture(scope="module", params=CASES)
def published(request, tmp_path_factory):
    project, scenario = _project(request.param, tmp_path_factory)
    doc, _, files = render_all(project, scenario, draws=DRAWS, seed=SEED)
    # An independent engine run: the publication must not have changed a number.
    engine_result = project.run(scenario, draws=DRAWS, seed=SEED).to_json_dict()
    # ... except as the disclosure rule publishes an agency with confidential services.
    shown = protect_document(build_open_data(project.model, project.scenario(scenario), engine_result),
                             project.compiled, project.scenario(scenario))
    engine = Engine(project.model, project.scenario(scenario), engine_result, shown=shown)
    return doc, files, engine


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def test_every_html_figure_equals_the_engine(published):
    _, files, engine = published
    figures = html_figures(files["index.html"])
    assert len(figures) > 20
    for f in figures:
        value = float(f["data-value"])
        expected = engine.values(f["data-key"])
        assert any(_close(value, e) for e in expected), (f["data-key"], value, expected)
        decimals = int(f.get("data-decimals", 0))
        shown = fmt.display(f["data-format"], value, f["data-signed"] == "true", decimals)
        assert f["text"] == shown, f["data-key"]
        # the text is also the engine's own value rounded the same way (no ulp drift)
        nearest = min(expected, key=lambda e: abs(e - value))
        assert shown == fmt.display(f["data-format"], nearest, f["data-signed"] == "true",
                                    decimals), f["data-key"]


def test_the_report_html_shows_the_same_figures(published):
    _, files, _ = published
    page = {(f["data-key"], f["data-value"]) for f in html_figures(files["index.html"])}
    report = {(f["data-key"], f["data-value"]) for f in html_figures(files["report.html"])}
    assert page == report


def test_open_data_equals_the_engine(published):
    doc, _, engine = published
    r, k, y = engine.r, engine.k, engine.y
    assert doc["schema"] == SCHEMA_NAME and doc["schema_version"] == SCHEMA_VERSION
    assert doc["years"] == r["annual"]["years"]
    for a in doc["agencies"]:
        if a["id"] in engine.rounded:  # published as the disclosure rule says
            shown = next(x for x in engine.shown["agencies"] if x["id"] == a["id"])
            assert (a["annual"], a["report_year"], a["npv"]) == (
                shown["annual"], shown["report_year"], shown["npv"])
            continue
        for s in ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving"):
            assert a["annual"][s] == r["annual"]["agencies"][a["id"]][s]
            assert a["report_year"][s] == r["annual"]["agencies"][a["id"]][s][y]
        assert a["npv"] == r["appraisal"]["npv"][a["id"]]
    pop = engine.pop
    if engine.rounded:
        assert doc["place_money"] == engine.shown["place_money"]
    else:
        assert doc["place_money"]["annual"]["net_saving"] == r["annual"]["place"]["net_saving"]
        assert doc["place_money"]["npv"] == r["appraisal"]["npv"]["place"]
        assert doc["place_money"]["npv_range"] == r["uncertainty"]["place"]["npv"]
        assert _close(doc["place_money"]["per_resident"]["report_year_net_saving"],
                      r["annual"]["place"]["net_saving"][y] / pop)
    for o in doc["outcomes"]:
        series = r["outcomes"][o["id"]]
        assert o["change"] == series["scenario"][k] - series["baseline"][k]
        band = r["uncertainty"]["outcomes"][o["id"]]
        assert o["change_range"] == {q: band[q][k] - o["baseline"] for q in ("p10", "p50", "p90")}
        assert _close(o["change_per_1000_residents"], o["change"] / pop * 1000)
    for s in doc["services"]:
        assert s["spend_change"] == engine._service_change(s["id"])
    shifts = {(c["from"], c["to"]): c["amount"] for c in doc["cost_shift"]}
    shown_shifts = {(c["from"], c["to"]): c["amount"] for c in engine.shown["cost_shift"]}
    for a, row in r["cost_shift"].items():
        for b, v in row.items():
            assert shifts.get((a, b), 0.0) == (shown_shifts.get((a, b), 0.0) if b in engine.rounded else v)


def test_csv_files_carry_the_open_data_exactly(published):
    doc, files, _ = published
    rows = list(csv.DictReader(io.StringIO(files["agencies.csv"])))
    years = doc["years"]
    for a in doc["agencies"]:
        mine = [x for x in rows if x["agency_id"] == a["id"]]
        assert [x["year"] for x in mine] == years
        assert [float(x["net_saving"]) for x in mine] == a["annual"]["net_saving"]
    outcomes = {x["outcome_id"]: x for x in csv.DictReader(io.StringIO(files["outcomes.csv"]))}
    for o in doc["outcomes"]:
        assert float(outcomes[o["id"]]["change"]) == o["change"]
        assert float(outcomes[o["id"]]["change_p90"]) == o["change_range"]["p90"]
    assert json.loads(files["open-data.json"]) == json.loads(json.dumps(doc))


def test_open_data_matches_its_json_schema(published):
    jsonschema = pytest.importorskip("jsonschema")
    doc, _, _ = published
    schema = json.loads((REPO / "docs" / "open-data.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(doc)), schema)


def test_every_stand_in_figure_is_labelled_illustrative(published):
    doc, files, engine = published
    illustrative_outcomes = {o["id"] for o in doc["outcomes"] if o["illustrative"] and o["changed"]}
    assert illustrative_outcomes  # both places rest on some stand-in data
    for f in html_figures(files["index.html"]):
        parts = f["data-key"].split(".")
        if parts[0] == "outcome" and parts[2] == "change" and len(parts) == 3:
            assert (f["data-illustrative"] == "true") == (parts[1] in illustrative_outcomes)
    assert files["index.html"].count('class="illus"') >= len(illustrative_outcomes)
    assert doc["place"]["illustrative"] is True
    assert "illustrative" in files["index.html"]


def test_price_year_is_stated(published):
    doc, files, engine = published
    label = fmt.financial_year(engine.model.place.effective_price_year, 0)
    assert doc["place"]["price_year"] == engine.model.place.effective_price_year
    assert f"{label} prices" in files["index.html"]
    assert f"{label} prices" in files["report.html"]


def test_outcome_sentences_link_to_their_sources(published):
    doc, files, _ = published
    page = files["index.html"]
    for o in doc["outcomes"]:
        if o["changed"]:
            assert f'href="#sources-{o["id"]}"' in page
            assert f'id="sources-{o["id"]}"' in page
            for link in o["sources"]:
                assert f'id="src-{link}"' in page


def test_commitments_are_proposed_at_the_adverse_percentile_without_red_lines(published):
    doc, _, engine = published
    assert not engine.scenario.red_lines
    worse = [o for o in doc["outcomes"] if o["direction"] == "worse"]
    assert [c["outcome"] for c in doc["commitments"]] == [o["id"] for o in worse]
    for c in doc["commitments"]:
        assert c["kind"] == "proposed"
        (expected,) = engine.values(f"commitment.{c['outcome']}.limit_level")
        assert _close(c["limit_level"], expected)


def test_red_lines_become_the_commitments(tmp_path):
    data = publish_doc()
    data["scenarios"][0]["red_lines"] = [{"outcome": "neet", "max_change": 1, "as": "percent",
                                          "by_year": 4}]
    path = tmp_path / "m.cutsim"
    path.write_text(json.dumps(data), encoding="utf-8")
    project = cutsim.load(path)
    doc, result, files = render_all(project, "cut", draws=50, seed=1)
    (c,) = doc["commitments"]
    assert c["kind"] == "red_line" and c["limit_level"] == 2000 * 1.01
    breached = result["red_lines"][0]["breached"]
    assert c["expected_to_hold"] is (not breached)
    assert "proposed" not in files["index.html"].split('id="commitments"')[1].split("<h2")[0]


def test_without_draws_the_page_says_so(tmp_path):
    path = tmp_path / "m.cutsim"
    path.write_text(json.dumps(publish_doc()), encoding="utf-8")
    doc, _, files = render_all(cutsim.load(path), "cut", draws=None)
    assert doc["uncertainty"] is None
    assert all(o["change_range"] is None for o in doc["outcomes"])
    assert "without an uncertainty run" in files["index.html"]


def test_indicator_codes_map_to_public_sets():
    assert parse_indicator("PHOF B05") == {
        "code": "PHOF B05", "set": "PHOF", "local_code": "B05",
        "set_name": "Public Health Outcomes Framework (OHID, England)"}
    assert parse_indicator("phof:C14b")["code"] == "PHOF C14b"
    assert parse_indicator("LOCAL-7")["set"] is None
    assert parse_indicator(None) is None


@pytest.mark.parametrize("value, number, money", [
    (6.048, "6", "£6"), (0.2748, "0.27", "£0.27"), (145.8, "150", "£150"),
    (148476.27, "150,000", "£150,000"), (2310898.0, "2.3 million", "£2.3 million"),
    (-175455.0, "\u2212180,000", "\u2212£180,000"), (0.0, "0", "£0"), (9.96, "10", "£10"),
    (1.2e9, "1.2 billion", "£1.2 billion")])
def test_rounding_for_residents(value, number, money):
    assert fmt.resident_number(value) == number
    assert fmt.resident_money(value) == money


def test_levels_show_as_precisely_as_their_change():
    assert fmt.level_decimals(60.5) == 0 and fmt.level_decimals(6.05) == 1
    assert fmt.level_decimals(0.27) == 2
    assert fmt.fixed(20.2748, 2) == "20.27" and fmt.fixed(-1234.5, 0) == "\u22121,234"
