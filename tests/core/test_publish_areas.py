"""The publication's areas: the area table, the inline SVG map and the equality screen by
deprivation decile carry the engine's numbers for the report year."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.publish_support import html_figures

import cutsim
from cutsim.publish.build import render_all

REPO = Path(__file__).resolve().parents[2]
AREAS = REPO / "models" / "example-place-areas.cutsim"


@pytest.fixture(scope="module")
def published():
    project = cutsim.load(AREAS)
    doc, result, files = render_all(project, "harbourside-centre", draws=None)
    return project, doc, result, files


def test_every_area_figure_on_the_page_equals_the_engine(published) -> None:
    project, doc, result, files = published
    y = 4  # the report's financial year: five years from the start (2030-31)
    assert doc["report"]["financial_year"] == "2030-31"
    annual = result["annual"]["areas"]
    expected = {}
    for area in project.model.areas:
        agencies = annual[area.id]["agencies"].values()
        expected[f"area.{area.id}.population"] = area.population
        expected[f"area.{area.id}.net_saving"] = sum(a["net_saving"][y] for a in agencies)
        expected[f"area.{area.id}.knock_on_cost"] = sum(a["knock_on_cost"][y] for a in agencies)
    shown = {f["data-key"]: float(f["data-value"]) for f in html_figures(files["index.html"])
             if f["data-key"].startswith("area.")}
    assert set(shown) == set(expected)
    for key, value in expected.items():
        assert shown[key] == pytest.approx(value, rel=1e-12, abs=1e-6), key
    # the cut is in Harbourside only: every other area shows nothing at all
    assert shown["area.harbourside.net_saving"] > 0
    assert all(v == 0 for k, v in shown.items()
               if not k.startswith("area.harbourside") and not k.endswith("population"))


def test_the_map_is_inline_svg_with_harbourside_marked_worse(published) -> None:
    _, _, _, files = published
    page = files["index.html"]
    svg = re.search(r'<svg[^>]*class="chart map".*?</svg>', page, re.S)
    assert svg is not None
    paths = {name: fill for fill, name in re.findall(
        r'<path d="[^"]+" fill="(#[0-9A-F]{6})"[^>]*><title>([^<:]+):', svg[0])}
    assert paths["Harbourside"] == "#E69F00"
    assert set(paths.values()) == {"#E69F00", "#FFFFFF"} and len(paths) == 8
    assert "http" not in svg[0].replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_equality_screen_by_deprivation_adds_up(published) -> None:
    project, doc, _, files = published
    rows = doc["areas"]["by_deprivation"]
    assert [r["decile"] for r in rows] == sorted({a.deprivation_decile for a in project.model.areas})
    assert sum(r["population"] for r in rows) == project.model.place.population
    total_net = sum(a["net_saving"] for a in doc["areas"]["areas"])
    assert sum(r["net_saving"] for r in rows) == pytest.approx(total_net, rel=1e-12)
    most_deprived = rows[0]
    assert most_deprived["decile"] == 1 and most_deprived["population_with_harm"] == 21_000
    assert all(r["population_with_harm"] == 0 for r in rows[1:])
    assert 'id="equality-deprivation"' in files["index.html"]


def test_open_data_with_areas_matches_its_schema(published) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    _, doc, _, _ = published
    schema = json.loads((REPO / "docs" / "open-data.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(doc)), schema)


def test_a_place_without_areas_has_no_area_section() -> None:
    doc, _, files = render_all(cutsim.load(REPO / "models" / "example-place.cutsim"),
                               "youth-cut", draws=None)
    assert "areas" not in doc and 'id="areas"' not in files["index.html"]
