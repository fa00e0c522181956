"""``cutsim publish`` and ``cutsim compare-places`` from the command line, and the PDF."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from support.publish_support import publish_doc

from cutsim.cli import main


@pytest.fixture(scope="module")
def two_places(tmp_path_factory):
    """Two places publishing the same kind of cut: Smallton and a larger Bigton."""
    folder = tmp_path_factory.mktemp("places")
    a = publish_doc()
    b = publish_doc()
    b["model"]["place"].update(name="Bigton", population=200000)
    b["model"]["services"][0]["baseline_spend"] = 3000000
    b["model"]["outcomes"][0]["id"] = "neet_16_17"  # another id, the same PHOF code
    b["model"]["effects"][0]["outcome"] = "neet_16_17"
    b["model"]["demands"][0]["outcome"] = "neet_16_17"
    paths = []
    for name, doc in (("a", a), ("b", b)):
        model = folder / f"{name}.cutsim"
        model.write_text(json.dumps(doc), encoding="utf-8")
        out = folder / f"pub-{name}"
        assert main(["publish", str(model), "--scenario", "cut", "-o", str(out),
                     "--draws", "40", "--seed", "2"]) == 0
        paths.append(out)
    return paths


def test_publish_writes_every_file(two_places, capsys):
    out = two_places[0]
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([".cutsim-files.json", "index.html", "report.pdf", "open-data.json", "agencies.csv",
                            "outcomes.csv", "services.csv", "cost_shift.csv", "commitments.csv",
                            "equality.csv", "sources.csv"])
    assert (out / "index.html").stat().st_mode & 0o044 == 0o044  # readable by the public


def test_pdf_is_a4_with_the_page_content(two_places):
    pdf = two_places[0] / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if not shutil.which("pdfinfo") or not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed: PDF page size and text not checked")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info or "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for phrase in ("Report to Cabinet", "In short", "Who ends up paying", "Our commitments",
                   "Who the change falls on", "Sources and confidence", "2025-26 prices",
                   "illustrative", "not an equality impact assessment"):
        assert phrase in text, phrase
    doc = json.loads((two_places[0] / "open-data.json").read_text(encoding="utf-8"))
    from cutsim.model import fmt

    assert fmt.resident_money(doc["place_money"]["report_year"]["net_saving"]) in text


def test_pdf_pages_render_with_pdftoppm(two_places, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(two_places[0] / "report.pdf"),
                    str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3


def test_compare_places_matches_by_indicator_and_per_resident(two_places, capsys):
    a, b = (p / "open-data.json" for p in two_places)
    capsys.readouterr()
    assert main(["compare-places", str(a), str(b), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["a"]["place"] == "Smallton" and result["b"]["place"] == "Bigton"
    (outcome,) = result["outcomes"]
    assert outcome["match"] == "indicator" and outcome["key"] == "PHOF B05"
    da = json.loads(a.read_text(encoding="utf-8"))
    db = json.loads(b.read_text(encoding="utf-8"))
    row = result["rows"][0]
    assert row["a"] == da["place_money"]["report_year"]["net_saving"] / 50000
    assert row["b"] == db["place_money"]["report_year"]["net_saving"] / 200000
    assert outcome["b"] == db["outcomes"][0]["change_per_1000_residents"]
    assert main(["compare-places", str(a), str(b)]) == 0
    table = capsys.readouterr().out
    assert "Smallton" in table and "Bigton" in table and "PHOF B05" in table


def test_bad_inputs_exit_1(two_places, tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text('{"schema": "something-else"}', encoding="utf-8")
    good = two_places[0] / "open-data.json"
    assert main(["compare-places", str(junk), str(good)]) == 1
    assert "not a cutsim open-data file" in capsys.readouterr().err
    future = json.loads(good.read_text(encoding="utf-8"))
    future["schema_version"] = "2.0"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(future), encoding="utf-8")
    assert main(["compare-places", str(newer), str(good)]) == 1
    model = tmp_path / "m.cutsim"
    model.write_text(json.dumps(publish_doc()), encoding="utf-8")
    assert main(["publish", str(model), "--scenario", "nope", "-o", str(tmp_path / "o")]) == 1
    assert "no scenario" in capsys.readouterr().err
    assert main(["publish", str(tmp_path / "missing.cutsim"), "--scenario", "cut",
                 "-o", str(tmp_path / "o")]) == 1


def test_publish_without_draws_or_pdf(tmp_path):
    model = tmp_path / "m.cutsim"
    model.write_text(json.dumps(publish_doc()), encoding="utf-8")
    out = tmp_path / "o"
    assert main(["publish", str(model), "--scenario", "cut", "-o", str(out), "--draws", "0",
                 "--no-pdf", "--year", "2028-29"]) == 0
    doc = json.loads((out / "open-data.json").read_text(encoding="utf-8"))
    assert doc["uncertainty"] is None and doc["report"]["date"] == "2029-04-01"
    assert doc["report"]["financial_year"] == "2028-29" and doc["report"]["year_index"] == 2
    assert not (out / "report.pdf").exists()
    # --years is the same option (a label or a 0-based index).
    assert main(["publish", str(model), "--scenario", "cut", "-o", str(out), "--draws", "0",
                 "--no-pdf", "--years", "2"]) == 0
    doc = json.loads((out / "open-data.json").read_text(encoding="utf-8"))
    assert doc["report"]["financial_year"] == "2028-29"
