"""No confidential item leaks into any published file, and hostile names are harmless:
escaped in the HTML, plain text in the PDF, neutralised in the CSVs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from support.publish_support import html_figures, publish_doc

import cutsim
from cutsim.publish import publish

SECRET_SERVICE_ID = "zz-secret-svc"
SECRET_SERVICE_NAME = "Zebracorp Outsourced Contract"
SECRET_SERVICE_SOURCE = "SECRETSOURCEXYZ tender price"
SECRET_LINK_ID = "hidden-link-77"
SECRET_LINK_SOURCE = "HIDDENCITATIONQQ commercial study"
SECRETS = [SECRET_SERVICE_ID, SECRET_SERVICE_NAME, SECRET_SERVICE_SOURCE, SECRET_LINK_ID,
           SECRET_LINK_SOURCE, "Zebracorp", "SECRETSOURCEXYZ", "HIDDENCITATIONQQ"]


def _confidential_doc() -> dict:
    doc = publish_doc()
    m = doc["model"]
    m["services"].append({
        "id": SECRET_SERVICE_ID, "agency": "council", "name": SECRET_SERVICE_NAME,
        "baseline_spend": 400000, "unit_cost": 500, "activity_unit": "zebra hour",
        "mode": "discretionary", "groups": ["zebras_only"], "confidential": True,
        "source": SECRET_SERVICE_SOURCE})
    m["effects"].append({"id": SECRET_LINK_ID, "service": SECRET_SERVICE_ID, "outcome": "neet",
                         "per_unit": -0.2, "low": -0.3, "high": -0.1, "delay_years": 0.5,
                         "confidence": 2, "source": SECRET_LINK_SOURCE, "confidential": True})
    m["effects"].append({"id": "e-public-confidential", "service": "youth", "outcome": "neet",
                         "per_unit": -0.1, "low": -0.2, "high": 0.0, "delay_years": 0.5,
                         "confidence": 4, "source": "HIDDENCITATIONQQ second", "confidential": True})
    doc["scenarios"][0]["levers"].append(
        {"id": "l-secret", "kind": "cut", "service": SECRET_SERVICE_ID, "percent": 30})
    return doc


def _pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                              text=True, timeout=60).stdout
    pytest.skip("pdftotext (poppler-utils) not installed: cannot read the PDF's text")


def _inflated_streams(data: bytes) -> bytes:
    """Every Flate stream of a PDF inflated: a second look at the PDF, past its text layer."""
    out = []
    for match in re.finditer(rb"(?<!end)stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            out.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            pass  # not a Flate stream (an image, a font): nothing to read as text
    return b"\n".join(out)


@pytest.fixture(scope="module")
def confidential_publication(tmp_path_factory):
    folder = tmp_path_factory.mktemp("confidential")
    model = folder / "model.cutsim"
    model.write_text(json.dumps(_confidential_doc()), encoding="utf-8")
    pub = publish(model, "cut", folder / "out", draws=50, seed=3)
    return model, pub


def test_no_confidential_item_in_any_output_file(confidential_publication):
    _, pub = confidential_publication
    names = {p.name for p in pub.files}
    assert {"index.html", "report.pdf", "open-data.json", "agencies.csv", "sources.csv"} <= names
    for path in pub.files:
        data = path.read_bytes()
        texts = [data.decode("latin-1")]
        if path.suffix == ".pdf":
            texts += [_pdf_text(path), _inflated_streams(data).decode("latin-1")]
        for text in texts:
            for secret in SECRETS:
                assert secret.lower() not in text.lower(), f"{secret!r} leaked into {path.name}"


def test_confidential_money_stays_in_agency_and_place_totals(confidential_publication):
    model, pub = confidential_publication
    engine = cutsim.load(model).run("cut").to_json_dict()
    doc = pub.document
    council = next(a for a in doc["agencies"] if a["id"] == "council")
    # 20 % of £1m youth + 30 % of £0.4m confidential = £320,000 a year planned saving; the
    # confidential £120,000 would be the total less the named youth saving, so the
    # disclosure gate publishes that part scaled by the council's factor k: the published
    # anchor over the £0.4m confidential spend (the grid cell [1.25^57, 1.25^58) holds it).
    assert engine["annual"]["agencies"]["council"]["planned_saving"][1] == pytest.approx(320000)
    k = 1.25 ** 57 * 0.9 * 0.999 / 400_000
    assert 1.25 ** 57 <= 400_000 < 1.25 ** 58 and 0.7 < k < 0.9
    assert council["report_year"]["planned_saving"] == pytest.approx(200_000 + k * 120_000)
    youth = next(s for s in doc["services"] if s["id"] == "youth")["spend_change"]
    assert abs(council["report_year"]["planned_saving"] + youth - 120000) > 0.10 * 120000
    assert doc["redacted"]["disclosure"]["scaled"] == ["council"]
    assert {"services": 1, "links": 2}.items() <= doc["redacted"].items()
    page = (pub.files[0].parent / "index.html").read_text(encoding="utf-8")
    assert "not named here because the details are commercially confidential" in page
    assert "commercially confidential source" in page
    assert all(s["id"] != SECRET_SERVICE_ID for s in doc["services"])
    assert all(g["group"] != "zebras_only" for g in doc["equality"]["groups"])


HOSTILE = "<script>alert(1)</script>"
FORMULA = "=HYPERLINK(\"http://example.invalid\")"


@pytest.fixture(scope="module")
def hostile_publication(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    doc = publish_doc()
    m = doc["model"]
    m["place"]["name"] = 'Smallton "&" <b>bold</b>'
    m["services"][0]["name"] = HOSTILE
    m["services"][0]["activity_unit"] = "<img src=x onerror=alert(2)>"
    m["agencies"][0]["name"] = FORMULA
    m["outcomes"][0]["name"] = "$\\frac{1}{0}$ @SUM(A1) </style><script>alert(3)</script>"
    m["effects"][0]["source"] = "+cmd|' /C calc'!A0 <iframe src=//x>"
    doc["scenarios"][0]["name"] = "</title><script>alert(4)</script>"
    path = folder / "hostile.cutsim"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return publish(path, "cut", folder / "out", draws=30, seed=1)


def test_hostile_names_are_escaped_in_the_html(hostile_publication):
    out = hostile_publication.files[0].parent
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<img" not in page.lower() and "<iframe" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page
    assert page.count("</style>") == page.count("<style")  # no name closes a stylesheet
    # the figures still parse back
    assert html_figures(page)


def test_hostile_names_are_plain_text_in_the_pdf(hostile_publication):
    pdf = hostile_publication.files[0].parent / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert HOSTILE in text  # shown literally, as a name: nothing runs in a PDF


def test_csv_cells_cannot_run_as_formulas(hostile_publication):
    out = hostile_publication.files[0].parent
    agencies = (out / "agencies.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in agencies
    sources = (out / "sources.csv").read_text(encoding="utf-8")
    assert "\"'+cmd|' /C calc'!A0" in sources or "'+cmd|" in sources
    import csv
    import io
    for name in ("agencies.csv", "outcomes.csv", "services.csv", "sources.csv", "equality.csv",
                 "commitments.csv", "cost_shift.csv"):
        for row in csv.reader(io.StringIO((out / name).read_text(encoding="utf-8"))):
            for cell in row:
                if cell and cell[0] in "=+@\t\r":
                    raise AssertionError(f"{name}: formula-like cell {cell!r}")
                if cell.startswith("-"):
                    float(cell)  # only numbers may start with a minus sign


def test_hostile_names_in_charts_are_escaped(hostile_publication):
    out = hostile_publication.files[0].parent
    doc = json.loads((out / "open-data.json").read_text(encoding="utf-8"))
    assert doc["services"][0]["name"] == HOSTILE  # open data keeps the name as data
