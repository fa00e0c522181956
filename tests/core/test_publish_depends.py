""""What this depends on" in the publication and the cabinet report: the largest swings of
the place NPV, in words, with confidential links never named."""

from __future__ import annotations

from support.publish_support import html_figures, publish_doc

from cutsim.api import Project
from cutsim.model.schema import CutsimFile
from cutsim.publish.build import render_all
from cutsim.publish.depends import depends_on


def _project(doc) -> Project:
    return Project(CutsimFile.model_validate(doc))


def test_section_lists_the_tornado_in_words_on_page_and_report():
    project = _project(publish_doc())
    _doc, _result, files = render_all(project, "cut", draws=None)
    for name in ("index.html", "report.html"):
        html = files[name]
        assert '<h2 id="depends-on">What this depends on</h2>' in html
        assert "How much Youth service changes young people not in education or work" in html
        keys = {f["data-key"] for f in html_figures(html)}
        assert {"depends_on.central", "depends_on.effects[e1].per_unit.figure_low",
                "depends_on.demands[d1].per_unit.figure_high"} <= keys
    rows = depends_on(project.model, project.scenario("cut"))["rows"]
    assert [r["input"] for r in rows] == sorted((r["input"] for r in rows),
                                                key=lambda n: -next(x["swing"] for x in rows
                                                                    if x["input"] == n))


def test_confidential_links_are_not_named():
    doc = publish_doc()
    doc["model"]["effects"][0]["confidential"] = True
    project = _project(doc)
    rows = depends_on(project.model, project.scenario("cut"))["rows"]
    assert all(not r["input"].startswith("effects[e1]") for r in rows)
    _doc, _result, files = render_all(project, "cut", draws=None)
    assert "effects[e1]" not in files["index.html"]
    assert "How much Youth service changes" not in files["index.html"]
