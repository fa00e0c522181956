"""The publication's "What we said would happen, and what happened" (issue 35)."""

from __future__ import annotations

import copy
import json

import pytest
from support.small_model import REPO, SMALL_DOC

from cutsim.api import Project
from cutsim.files import exchange
from cutsim.publish.build import render_all


def _project(confidential: bool = False, decision: str = "youth-cut") -> Project:
    doc = copy.deepcopy(SMALL_DOC)
    doc["format_version"] = 3
    doc["model"]["services"][0]["confidential"] = confidential
    doc["scenarios"].append({"id": "other", "name": "Other", "levers": []})
    doc["actuals"] = {
        "illustrative": True,
        "decision": {"scenario": decision, "date": "2026-02-20", "by": "Cabinet <b>x</b>"},
        "observations": [
            {"kind": "spend", "id": "youth", "year": "2026-27", "value": 850000.0, "source": "RO"},
            {"kind": "outcome", "id": "offending", "year": "2026-27", "value": 2040.0,
             "source": "YJB"}]}
    return Project(exchange.load_document(doc))


def test_a_file_with_actuals_publishes_what_happened() -> None:
    doc, _, files = render_all(_project(), "youth-cut", draws=None)
    block = doc["accountability"]
    assert doc["schema_version"] == "1.1"
    assert block["savings"][0]["delivered"] == [150000.0]
    assert block["outcomes"][0]["observed"] == [2040.0]
    for name in ("index.html", "report.html"):
        page = files[name]
        assert "What we said would happen, and what happened" in page
        assert "Cabinet &lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page  # escaped
        assert "£150.0k" in page  # delivered, in the table's one unit (money style)
    assert json.loads(files["open-data.json"])["accountability"] == json.loads(json.dumps(block))
    import jsonschema

    schema = json.loads((REPO / "docs" / "open-data.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(files["open-data.json"]), schema)


def test_a_confidential_services_outturn_is_not_published() -> None:
    doc, _, files = render_all(_project(confidential=True), "youth-cut", draws=None)
    assert doc["accountability"]["savings"] == []
    assert "Youth service" not in files["index.html"].split('id="what-happened"')[1]


@pytest.mark.parametrize("published", ["other"])
def test_another_scenario_than_the_one_adopted_has_no_such_section(published) -> None:
    doc, _, files = render_all(_project(), published, draws=None)
    assert "accountability" not in doc
    assert "What we said would happen" not in files["index.html"]
