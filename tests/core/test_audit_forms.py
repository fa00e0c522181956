"""The output audit catches each forbidden form (docs/result-format.md), and passes clean text."""

from __future__ import annotations

import pytest

from cutsim.model.audit import audit_text, visible_text

CAUGHT = [
    ("rounding noise", "Police faces £0.0000000000033 of extra demand costs"),
    ("rounding noise", "outcome change +0.04537"),
    ("rounding noise", "1.9999999999 people"),
    ("exponent", "a social value of £1.5e-11"),
    ("exponent", "NPV 2.3E+06"),
    ("negative zero", "net saving −£0 this year"),
    ("negative zero", "change −0.00 in the year"),
    ("negative zero", "outcome | +0 |"),
    ("negative zero", "offending −0 %"),
    ("£1,000k", "target £1,000k a year"),
    ("£1,000k", "a saving of £1,000.0k"),
    ("£1,000k", "axis tick £1000k"),
    ("elided figure", "NPV £1.2… over ten years"),
    ("elided figure", "saves ...45,000 a year"),
    ("negative amount in words", "plans to save −£290,000"),
    ("negative amount in words", "faces −£51,000 of extra demand costs"),
    ("negative amount in words", "a net cost of −£320,000"),
    ("degenerate range", "likely between −£2.1m and −£2.1m"),
    ("degenerate range", "likely between 12 and 12"),
    ("degenerate range", "from £1.20m to £1.20m"),
]


@pytest.mark.parametrize(("form", "text"), CAUGHT)
def test_each_forbidden_form_is_caught(form, text):
    assert form in {f.form for f in audit_text(text)}, text


@pytest.mark.parametrize("text", [
    "plans to save £290,000 and faces extra demand costs of £51,000: a net cost of £320,000.",
    "likely between £2.1 million and £2.4 million", "2030-31", "Council −£45.0k +£1.20m",
    "0.35%", "−20 %", "3.5%", "about 6 more young people", "£1,000bn", "P10 £1.00m",
    "less than £1", "seed 20260401", "1 April 2031", "£0",
    "between £1,000 and £1,000 billion", "£2.1 to £2.1m", "between 12 and 12%",
])
def test_clean_text_passes(text):
    assert audit_text(text) == [], audit_text(text)


def test_visible_text_leaves_out_markup_styles_and_machine_values():
    page = ('<html><head><style>p{width:0.333333px}</style></head><body>'
            '<p><span data-value="-3.3e-12">£0</span></p>'
            '<svg><path d="M0.123456 1e-5"/><text>£1.2m</text></svg></body></html>')
    text = visible_text(page)
    assert "£0" in text and "£1.2m" in text and "e-12" not in text and "0.333333" not in text
    assert audit_text(text) == []
