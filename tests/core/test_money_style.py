"""One money style (docs/user-guide.md, "Money in tables"): a table reads in one unit chosen
from its largest figure, with a real minus (or brackets); no "GBP", "£-" or exponent in
anything people read. Covered here over every bundled scenario and the baseline: the text
of ``run``, ``compare``, ``mtfs`` and ``show``, and the publication's HTML.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_output_audit import FILES, _with_baseline

from cutsim.cli import main
from cutsim.model import fmt
from cutsim.model.audit import audit_text, mixed_units, units_of, visible_text

MINUS = "\u2212"


def _cli(capsys, *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _clean(what: str, text: str, *, html_page: bool = False) -> None:
    seen = visible_text(text) if html_page else text
    findings = audit_text(seen) + mixed_units(text, html_page=html_page)
    assert findings == [], f"{what}: " + "; ".join(f"{f.form}: …{f.excerpt}…" for f in findings)
    assert "GBP" not in seen and "£-" not in seen, what


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_text_and_page_keeps_one_money_style(path: Path, tmp_path, capsys):
    from cutsim.publish.build import publish

    copy, ids = _with_baseline(path, tmp_path)
    _clean("show", _cli(capsys, "show", str(copy)))
    for sid in ids:
        _clean(f"run {sid}", _cli(capsys, "run", str(copy), "--scenario", sid,
                                  "--draws", "16", "--seed", "1"))
        _clean(f"mtfs {sid}", _cli(capsys, "mtfs", str(copy), "--scenario", sid))
        out = tmp_path / f"pub-{sid}"
        publish(copy, sid, out, draws=16, seed=1, pdf=False)
        _clean(f"publication {sid}", (out / "index.html").read_text(encoding="utf-8"),
               html_page=True)
    _clean("compare", _cli(capsys, "compare", str(copy),
                           *[arg for sid in ids for arg in ("--scenario", sid)]))


@pytest.mark.parametrize(("values", "texts"), [
    ([2_400_000, 73_100, 613], ["£2.40m", "£0.07m", "less than £0.01m"]),
    ([73_100, 613, -2_000], ["£73.1k", "£0.6k", f"{MINUS}£2.0k"]),
    ([613, -2.2, 0.0], ["£613", f"{MINUS}£2", "£0"]),
    ([999_990, 5_000], ["£1.00m", "£0.01m"]),  # rounds to £1.00m: never "£1,000.0k"
    ([923_000_000, None], ["£923.00m", fmt.DASH]),
])
def test_a_table_reads_in_the_unit_of_its_largest_figure(values, texts):
    assert fmt.money_table(values) == texts
    assert len(units_of(" ".join(texts))) <= 1


def test_brackets_are_a_setting_and_read_back():
    cells = fmt.money_table([-1_642_000, 250_000], brackets=True)
    assert cells == ["(£1.64m)", "£0.25m"]
    assert fmt.parse_money(cells[0])[0] == pytest.approx(-1_640_000)


def test_the_run_text_can_show_negatives_in_brackets(capsys):
    root = Path(__file__).resolve().parents[2]
    text = _cli(capsys, "run", str(root / "models" / "example-place.cutsim"), "--scenario",
                "youth-cut", "--brackets")
    assert "(£0.02m)" in text and MINUS + "£" not in text


def test_workbook_number_formats_follow_the_unit():
    assert fmt.excel_money_format(fmt.table_unit([2e6])) == \
        '[>=5000]£#,##0.00,,"m";[<=-5000]"−"£#,##0.00,,"m";£#,##0.00,,"m"'
    assert fmt.excel_money_format(fmt.table_unit([2e4]), brackets=True) == \
        '[>=50]£#,##0.0,"k";[<=-50](£#,##0.0,"k");£#,##0.0,"k"'
    assert fmt.excel_money_format(fmt.table_unit([20])) == '[>=0.5]£#,##0;[<=-0.5]"−"£#,##0;£#,##0'


def test_the_audit_finds_mixed_units_gbp_and_pound_minus():
    table = "year      council      place\n2026-27    £2.40m     £73.1k\n2027-28      £613     £1.00m\n"
    assert [f.form for f in mixed_units(table)] == ["mixed units in one table"]
    assert mixed_units("a saving of £2.1 million\nand costs of £370k\n") == []  # prose
    forms = {f.form for f in audit_text("GBP 600,000 and £-1,642,000.00 and 1.5e+08 GBP")}
    assert {"GBP", "£-", "exponent"} <= forms


def test_small_coefficients_read_per_thousand_not_as_exponents():
    assert fmt.per_units(-0.0004148) == f"{MINUS}0.415 per 1,000 units"
    assert fmt.per_units(0.06004) == "+0.0600 per unit"
    assert fmt.per_units(0.0) == "0 per unit"
    assert audit_text(fmt.per_units(3.3e-12)) == []
