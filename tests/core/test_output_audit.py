"""The output audit (docs/result-format.md): every text people read, for every bundled scenario and
the baseline, is free of rounding noise, exponents, negative zeros, "£1,000k", elided
figures, negative amounts in words and degenerate ranges.

Covered: ``run`` text (with draws), ``compare``, ``optimise``, the publication's HTML and
the text of its PDF (pdftotext), and the workshop's minutes (the workshop's screens are
audited in tests/ui/test_output_audit_ui.py). Each forbidden form has its own test that
the audit catches it: tests/core/test_audit_forms.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files.exchange import read_file, write_file
from cutsim.model.audit import audit_text, visible_text
from cutsim.model.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "models").glob("*.cutsim")) + sorted((ROOT / "scenarios").glob("*.cutsim"))
BASELINE = "no-change"


def _with_baseline(path: Path, tmp: Path) -> tuple[Path, list[str]]:
    """A copy of ``path`` that also holds a baseline (no levers), and its scenario ids."""
    file = read_file(path)
    ids = [s.id for s in file.scenarios]
    if not any(not s.levers for s in file.scenarios):
        file = file.model_copy(update={
            "scenarios": [*file.scenarios, Scenario(id=BASELINE, name="No change")],
            "provenance": None, "sha256": None})
        ids.append(BASELINE)
    out = tmp / path.name
    write_file(out, file)
    return out, ids


def _cli(capsys, *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _clean(what: str, text: str) -> None:
    findings = audit_text(text)
    assert findings == [], f"{what}: " + "; ".join(f"{f.form}: …{f.excerpt}…" for f in findings)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_run_compare_and_optimise_text_is_clean(path, tmp_path, capsys):
    copy, ids = _with_baseline(path, tmp_path)
    for sid in ids:
        _clean(f"run {sid}", _cli(capsys, "run", str(copy), "--scenario", sid,
                                  "--draws", "32", "--seed", "7"))
    compare_args = [arg for sid in ids for arg in ("--scenario", sid)]
    _clean("compare", _cli(capsys, "compare", str(copy), *compare_args))
    _clean("optimise", _cli(capsys, "optimise", str(copy), "--target", "8m", "--agency", "council"))
    _clean("optimise place", _cli(capsys, "optimise", str(copy), "--target", "3m", "--by", "2"))


def _pdftotext() -> str:
    tool = shutil.which("pdftotext")
    if tool is None:  # scripts/setup installs poppler-utils
        pytest.fail("pdftotext (poppler-utils) is not installed; run scripts/setup")
    return tool


@pytest.mark.slow  # a publication and its PDF for every bundled scenario
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_publication_html_and_pdf_text_is_clean(path, tmp_path):
    from cutsim.publish.build import publish

    copy, ids = _with_baseline(path, tmp_path)
    tool = _pdftotext()
    for sid in ids:
        out = tmp_path / f"pub-{sid}"
        publish(copy, sid, out, draws=64, seed=3)
        page = visible_text((out / "index.html").read_text(encoding="utf-8"))
        _clean(f"{sid} index.html", page)
        pdf = subprocess.run([tool, "-layout", str(out / "report.pdf"), "-"], capture_output=True,
                             text=True, check=True, timeout=120).stdout
        assert "what it means for" in pdf.replace("\n", " ")
        _clean(f"{sid} report.pdf", pdf)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_workshop_minutes_are_clean(path, tmp_path):
    from cutsim.workshop import WorkshopSession, run_packages, summarise_all
    from cutsim.workshop.minutes import build_minutes, to_html, to_markdown

    copy, ids = _with_baseline(path, tmp_path)
    file = read_file(copy)
    session = WorkshopSession(file, ids)
    session.record("Took out: a lever", "a note")
    session.agree(file, "A")
    for year in (session.year, 0, session.horizon - 1):
        session.set_year(year)
        minutes = build_minutes(session, file, summarise_all(session, file, run_packages(session, file)))
        _clean(f"minutes {year}", to_markdown(minutes))
        _clean(f"minutes html {year}", visible_text(to_html(minutes)))


def test_the_pooled_budget_page_names_no_police_round_off_and_no_youth_work(tmp_path):
    """The page that printed "−£0.0000000000033" of police demand costs and youth-work words."""
    from cutsim.publish.build import publish

    out = tmp_path / "pub"
    publish(ROOT / "scenarios" / "pooled-health-care.cutsim", "bcf-benefit", out, draws=32, seed=1,
            pdf=False)
    page = visible_text((out / "index.html").read_text(encoding="utf-8"))
    changes = page[page.index("What changes, agency by agency"):page.index("What happens to outcomes")]
    assert "Police" not in changes and "youth" not in page.lower()
    assert "pooled budget" in page
    _clean("pooled page", page)


def test_the_baseline_page_says_it_changes_nothing(tmp_path):
    from cutsim.publish.build import publish

    out = tmp_path / "pub"
    pub = publish(ROOT / "models" / "example-place.cutsim", "baseline", out, draws=16, seed=1)
    page = visible_text((out / "index.html").read_text(encoding="utf-8"))
    assert "makes no change" in page and (out / "report.pdf").exists()
    assert pub.document["scenario"]["lever_kinds"] == []
