"""How figures read for people: the one formatter (docs/result-format.md).

Every figure a person reads (CLI text, the app, workshop screens and minutes, the
publication) goes through here, so a figure reads the same everywhere. Machine outputs
(``run --json``, ``run --csv``, open data) never do: they stay exact.

Rules:

- Significant figures: three on screens (:data:`SCREEN`: ``£1.23m``, ``£45.0k``), two for
  residents (:data:`RESIDENT`: ``£2.1 million``, ``£600,000``), because the evidence
  supports no more. Rounding happens *before* the unit is chosen, so £999,999 reads
  ``£1.00m``, never ``£1,000k``.
- Whole pounds on screens (no pence); residents see pence only below £10 (``£0.27``).
- No exponent, no round-off digits, no negative zero: a figure that rounds to zero is
  ``£0`` when it is zero (or below the materiality floor) and "less than £X" (X the last
  digit shown) when it is not.
- A real minus sign (U+2212), which screen readers say as "minus".
- One unit within a table: :func:`money_table` picks one unit from the largest figure (£m to two
  decimals, £k to one where every figure is below £1m, whole £ below £1,000), the table money
  style of docs/user-guide.md; negatives with a real minus or, as a setting, in brackets.
- A range only when its ends differ at the shown precision (:func:`money_range`).

Signs follow docs/mathematics.md (for savings a positive number is good for the budget). Words
that carry a direction ("a net cost of £320,000") are :mod:`cutsim.model.wording`'s.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Sequence

MINUS = "\u2212"
DASH = "\u2014"  # shown for a missing figure
SCREEN = 3  # significant figures on screens (CLI, app, workshop)
RESIDENT = 2  # significant figures for residents (publication)
_SUFFIXES = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))
_WORDS = ((1e9, "billion"), (1e6, "million"))


# ------------------------------------------------------------------ rounding


def round_sig(value: float, digits: int = SCREEN) -> float:
    """``value`` rounded to ``digits`` significant figures (0 stays 0, never −0)."""
    if value == 0 or not math.isfinite(value):
        return 0.0 if value == 0 else value
    exponent = math.floor(math.log10(abs(value)))
    rounded = round(value, digits - 1 - exponent)
    return rounded + 0.0  # turns −0.0 into 0.0


def _sig_decimals(rounded: float, digits: int) -> int:
    """Decimals that show ``rounded`` (already rounded) to ``digits`` significant figures."""
    if rounded == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(rounded))))


def _grouped(magnitude: float, decimals: int) -> str:
    return f"{magnitude:,.{decimals}f}"


def _missing(value: float | None) -> bool:
    """True for None or NaN (or an infinity). Callers test ``value is None`` first as well,
    which is the same answer and lets the type checker see a float after the test."""
    return value is None or not math.isfinite(value)


def _signed(text: str, value: float, signed: bool, zero: bool) -> str:
    """Prefix a sign: a real minus for negatives, "+" when asked; none on a zero."""
    if zero:
        return text
    if value < 0:
        return MINUS + text
    return "+" + text if signed else text


# ------------------------------------------------------------------ money


def money(value: float | None, *, signed: bool = False, digits: int = SCREEN,
          words: bool = False, floor: float = 0.0) -> str:
    """£ to ``digits`` significant figures; "—" for None or NaN.

    Screens (``words`` False): ``£1.23m``, ``−£45.0k``, ``£999``, ``£1.00m`` for 999,999.
    Residents (``words`` True, usually ``digits=RESIDENT``): ``£600,000``,
    ``£2.1 million``, ``£0.27``. ``signed`` adds "+" to positive figures. A magnitude
    below ``floor`` (the materiality floor, £) reads ``£0``; a non-zero figure that
    rounds to zero reads "less than £1" (screens) or "less than £0.01" (residents).
    """
    if value is None or _missing(value):
        return DASH
    magnitude = abs(float(value))
    if magnitude == 0 or magnitude < floor:
        return "£0"
    rounded = round_sig(magnitude, digits)
    table = _WORDS if words else _SUFFIXES
    for scale, suffix in table:
        if rounded >= scale:
            scaled = round_sig(rounded / scale, digits)
            body = _grouped(scaled, _sig_decimals(scaled, digits))
            if words:
                body = _trim(body)
                return _signed(f"£{body} {suffix}", value, signed, False)
            return _signed(f"£{body}{suffix}", value, signed, False)
    pence = words and rounded < 10  # residents see pence only below £10
    decimals = min(_sig_decimals(rounded, digits), 2) if pence else 0
    # Pence are rounded once, from the figure itself: rounding the already rounded 0.715
    # (0.7152 to three figures) to pence gave £0.71, further from 0.7152 than the rounding
    # shown. Whole pounds keep the significant-figure rounding (£150 for 145.8).
    body = _grouped(round(magnitude if pence else rounded, decimals), decimals)
    if float(body.replace(",", "")) == 0:
        return "less than £" + ("0.01" if pence else "1")
    if pence:  # "£6", "£0.27", "£1.50": pence as two digits or none
        body = _trim(body)
        body = body + "0" if "." in body and len(body.partition(".")[2]) == 1 else body
    return _signed(f"£{body}", value, signed, False)


def resident_money(value: float | None) -> str:
    """Pounds for residents, two significant figures: ``£600,000``, ``£2.1 million``."""
    return money(value, digits=RESIDENT, words=True)


def _trim(text: str) -> str:
    """Drop zeros after the point that carry no figure (resident style: ``2.1``, ``600``)."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# The money style of tables (docs/user-guide.md "Money in tables"): one unit for a
# whole table, chosen from its largest figure. (divisor, suffix, decimals), largest first.
TABLE_UNITS = ((1e6, "m", 2), (1e3, "k", 1), (1.0, "", 0))


def table_unit(values: Iterable[float | None], *, floor: float = 0.0) -> tuple[float, str, int]:
    """``(divisor, suffix, decimals)`` of the one unit a table of money ``values`` (£) uses.

    £m to two decimals when the largest magnitude reads £1m or more once rounded; £k to one
    decimal when every figure is below £1m; whole £ when every figure is below £1,000.
    Rounding happens before the choice, so £999,990 reads ``£1.00m``, never ``£1,000.0k``.
    Figures missing, zero or below ``floor`` (£) do not choose the unit.
    """
    finite = [abs(float(v)) for v in values
              if v is not None and not _missing(v) and v != 0 and abs(float(v)) >= floor]
    top = max(finite, default=0.0)
    if round(top / 1e3, 1) >= 1000:  # £1,000.0k or more reads in £m
        return TABLE_UNITS[0]
    if round(top) >= 1000:  # £1,000 or more reads in £k
        return TABLE_UNITS[1]
    return TABLE_UNITS[-1]


def money_table(values: Sequence[float | None], *, signed: bool = False,
                brackets: bool = False, floor: float = 0.0,
                unit: tuple[float, str, int] | None = None) -> list[str]:
    """Every money cell of one table in the table's one unit (:func:`table_unit`).

    ``values`` are £ (positive good for the budget, docs/result-format.md "Signs", or whatever sign the table
    states). A negative reads with a real minus (``−£0.25m``) or, with ``brackets``, in
    brackets (``(£0.25m)``); ``signed`` adds "+" to positive figures. A zero, or a figure
    below ``floor`` (£, the materiality floor), reads ``£0``; a non-zero figure too small for
    the unit reads "less than £X" with X the last digit the table shows (``less than
    £0.01m``); a missing figure reads "—". ``unit`` imposes a unit chosen elsewhere (several
    blocks of one table).
    """
    divisor, suffix, decimals = unit or table_unit(values, floor=floor)
    step = 10.0 ** -decimals
    out = []
    for v in values:
        if v is None or _missing(v):
            out.append(DASH)
            continue
        magnitude = abs(float(v))
        if magnitude == 0 or magnitude < floor:
            out.append("£0")
            continue
        shown = round(magnitude / divisor, decimals)
        if shown == 0:
            out.append(f"less than £{_grouped(step, decimals)}{suffix}")
            continue
        text = f"£{_grouped(shown, decimals)}{suffix}"
        if brackets and v < 0:
            out.append(f"({text})")
        else:
            out.append(_signed(text, v, signed, False))
    return out


def money_column(values: Sequence[float | None], *, digits: int = SCREEN,
                 signed: bool = False, floor: float = 0.0, brackets: bool = False) -> list[str]:
    """One column or table in one unit and one precision: :func:`money_table` (the table
    money style; ``digits`` is kept for callers and no longer changes the precision)."""
    del digits
    return money_table(values, signed=signed, floor=floor, brackets=brackets)


def money_in_unit(value: float | None, unit: tuple[float, str, int], *,
                  signed: bool = False, brackets: bool = False, floor: float = 0.0) -> str:
    """One figure in a unit a table chose (:func:`table_unit`), e.g. a line of prose
    beside the table that quotes one of its figures."""
    return money_table([value], signed=signed, brackets=brackets, floor=floor, unit=unit)[0]


def excel_money_format(unit: tuple[float, str, int], *, brackets: bool = False) -> str:
    """The spreadsheet number format that shows exact £ cells in ``unit``
    (:func:`table_unit`): ``£#,##0.00,,"m"`` and so on, with a real minus (or brackets) for
    negatives. A figure that rounds to nothing in the unit (zero included) reads ``£0.00m``
    with no sign, never ``−£0.00m``: the sections are conditional on half the last digit
    shown. The cell keeps the exact figure; only its look is scaled."""
    divisor, suffix, decimals = unit
    commas = {1e6: ",,", 1e3: ",", 1.0: ""}[divisor]
    body = "#,##0" + ("." + "0" * decimals if decimals else "") + commas
    tail = f'"{suffix}"' if suffix else ""
    half = f"{0.5 * divisor * 10.0 ** -decimals:g}"
    positive = f"£{body}{tail}"
    negative = f"(£{body}{tail})" if brackets else f'"{MINUS}"£{body}{tail}'
    return f"[>={half}]{positive};[<=-{half}]{negative};{positive}"


def money_range(low: float, high: float, *, digits: int = SCREEN, words: bool = False,
                joiner: str = " to ") -> str:
    """``£1.2m to £1.5m`` (low first); one figure when both ends read the same."""
    lo, hi = sorted((low, high))
    a = money(lo, digits=digits, words=words)
    b = money(hi, digits=digits, words=words)
    return a if a == b else f"{a}{joiner}{b}"


# ------------------------------------------------------------------ numbers


def count(value: float | None, *, digits: int = SCREEN, signed: bool = False,
          words: bool = False) -> str:
    """A count or level to ``digits`` significant figures: ``6``, ``1,500``, ``0.27``,
    ``2.1 million`` (``words``); never an exponent; "less than 0.01" below that."""
    if value is None or _missing(value):
        return DASH
    magnitude = abs(float(value))
    if magnitude == 0:
        return "0"
    rounded = round_sig(magnitude, digits)
    if words:
        for scale, word in _WORDS:
            if rounded >= scale:
                scaled = round_sig(rounded / scale, digits)
                body = _trim(_grouped(scaled, _sig_decimals(scaled, digits)))
                return _signed(f"{body} {word}", value, signed, False)
    decimals = min(_sig_decimals(rounded, digits), 2)
    body = _grouped(round(rounded, decimals), decimals)
    if float(body.replace(",", "")) == 0:
        return "less than 0.01"
    return _signed(_trim(body) if words else body, value, signed, False)


def per_units(value: float, unit: str = "unit", digits: int = SCREEN) -> str:
    """A coefficient per unit of something to ``digits`` significant figures, never an
    exponent or more than four decimals: a small one is given per 1,000 or per million
    units (``−0.415 per 1,000 units``, ``+0.0600 per unit``); ``0 per unit`` for zero.
    The sign is always shown (a real minus, or "+")."""
    if value == 0 or not math.isfinite(value):
        return f"0 per {unit}"
    scale, per = 1.0, f"per {unit}"
    for size, words in ((1.0, f"per {unit}"), (1e3, f"per 1,000 {unit}s"),
                        (1e6, f"per million {unit}s"), (1e9, f"per billion {unit}s")):
        scale, per = size, words
        if round_sig(abs(value) * size, digits) >= 0.01:
            break
    rounded = round_sig(abs(value) * scale, digits)
    decimals = min(4, _sig_decimals(rounded, digits))
    return _signed(f"{rounded:,.{decimals}f}", value, True, False) + " " + per


def number(value: float | None, digits: int = 2) -> str:
    """A number to ``digits`` decimals with thousands separators and a real minus sign;
    "—" for None or NaN; never a negative zero."""
    if value is None or _missing(value):
        return DASH
    text = f"{abs(value):,.{digits}f}"
    zero = float(text.replace(",", "")) == 0
    return _signed(text, value, False, zero)


def percent(value: float | None, *, signed: bool = True, decimals: int = 0) -> str:
    """A percentage (0-100 scale) with a real minus sign: ``−20 %``, ``+5 %``; a non-zero
    change too small to show reads "less than 1 %", never ``−0 %``."""
    if value is None or _missing(value):
        return DASH
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        if value == 0:
            return "0 %"
        return f"less than {10.0 ** -decimals:.{decimals}f} %"
    return _signed(f"{text} %", value, signed, False)


def resident_number(value: float) -> str:
    """A count or level for residents: ``6``, ``150``, ``1,500``, ``2.1 million``, ``−6``."""
    return count(value, digits=RESIDENT, words=True)


def resident_percent(value: float | None) -> str:
    """A percentage (0-100 scale) for residents to two significant figures: ``20%``
    (``—%`` for None or NaN, as :func:`count` reads them)."""
    text = count(value, digits=RESIDENT, words=True)
    return text + "%" if not text.startswith("less") else "less than 0.01%"


def fixed(value: float, decimals: int) -> str:
    """A level to a set number of decimals (``222``, ``20.27``): levels are shown as
    precisely as the change in them, so that "at most 225" differs from "216 today"."""
    text = f"{abs(value):,.{decimals}f}"
    return MINUS + text if value < 0 and float(text.replace(",", "")) != 0 else text


def level_decimals(change: float, limit: int = 4) -> int:
    """Decimals that show a change of ``change`` to two significant figures (0 to ``limit``)."""
    return min(limit, _sig_decimals(round_sig(abs(change), RESIDENT), RESIDENT))


RESIDENT_FORMATS = {"number": resident_number, "money": resident_money, "percent": resident_percent}


def unit_kind(unit: tuple[float, str, int]) -> str:
    """The :func:`display` kind of money in a table's ``unit`` (:func:`table_unit`):
    ``money_in_m``, ``money_in_k`` or ``money_in_pounds``."""
    return "money_in_" + (unit[1] or "pounds")


def unit_of_kind(kind: str) -> tuple[float, str, int]:
    """The table unit a ``money_in_…`` kind names (inverse of :func:`unit_kind`)."""
    suffix = kind.removeprefix("money_in_")
    return next(u for u in TABLE_UNITS if (u[1] or "pounds") == suffix)


def display(kind: str, value: float, signed: bool = True, decimals: int | None = None) -> str:
    """The resident text of a figure: ``kind`` ``number``, ``money``, ``percent`` (two
    significant figures), ``fixed`` (``decimals`` decimals) or ``money_in_m``/``_k``/
    ``_pounds`` (a table's money in its one unit); of |value| when ``signed``
    is False because the sentence carries the direction in words ("about 6 *more*")."""
    value = value if signed else abs(value)
    if kind.startswith("money_in_"):  # a table's money in the table's one unit
        return money_in_unit(value, unit_of_kind(kind))
    if kind == "fixed":
        return fixed(value, decimals or 0)
    return RESIDENT_FORMATS[kind](value)


# ------------------------------------------------------------------ years and words


def year_label(base_year: int, y: int) -> str:
    """Financial year y (0 = base_year) as ``"2026-27"``."""
    return f"{base_year + y}-{(base_year + y + 1) % 100:02d}"


financial_year = year_label


# Money on chart axes: one unit per chart, named in the axis label (docs/result-format.md), so the
# tick numbers stay short and no automatic multiplier ("x0.001") can misstate them.
AXIS_UNITS = ((1e6, "£m"), (1e3, "£k"), (1.0, "£"))


def axis_unit(magnitude: float) -> tuple[float, str]:
    """(divisor, unit) for a money axis whose largest |value| is ``magnitude`` (£).

    ``(1e6, "£m")`` from £1m, ``(1e3, "£k")`` from £1,000, else ``(1.0, "£")``; plot
    value/divisor and name the unit in the axis label.
    """
    m = abs(magnitude) if magnitude is not None and math.isfinite(magnitude) else 0.0
    for divisor, unit in AXIS_UNITS:
        if m >= divisor:
            return divisor, unit
    return AXIS_UNITS[-1]


def tick(value: float, spacing: float) -> str:
    """One axis tick in the axis's own unit: the decimals the tick spacing needs,
    thousands separators and a real minus sign, never "−0"."""
    decimals = 0
    if spacing > 0 and math.isfinite(spacing):
        decimals = min(6, max(0, -math.floor(math.log10(spacing) + 1e-9)))
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0.0:
        return f"{0:.{decimals}f}"
    return (MINUS + text) if value < 0 else text


def money_exact(value: float | None) -> str:
    """£ to the penny for hover text: ``−£12,345.67``; "—" for None or NaN; never "−£0.00"."""
    if value is None or not math.isfinite(value):
        return DASH
    text = f"{abs(value):,.2f}"
    return f"{MINUS}£{text}" if value < 0 and text != "0.00" else f"£{text}"


def pounds_pence(value: float | None) -> str:
    """£ in pounds and pence for CSV (machine-readable: ASCII minus, no separators):
    ``1234.56``, ``-0.50``; empty for None or NaN; never ``-0.00``."""
    if value is None or not math.isfinite(value):
        return ""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def parse_year(text: str | int, base_year: int, horizon: int) -> int:
    """The 0-based financial year a user named: a label (``"2030-31"``) or an index
    (``"4"``); ValueError naming the years on offer when it is neither or out of range."""
    text = str(text).strip()
    first, last = year_label(base_year, 0), year_label(base_year, horizon - 1)
    offer = f"a year from {first} to {last}, or an index from 0 to {horizon - 1}"
    if re.fullmatch(r"[0-9]{1,3}", text):
        index = int(text)
    elif re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        index = int(text[:4]) - base_year
        if 0 <= index < horizon and year_label(base_year, index) != text:
            raise ValueError(f'"{text}" is not a financial year ({offer})')
    else:
        raise ValueError(f'"{text}" is not a year ({offer})')
    if not 0 <= index < horizon:
        raise ValueError(f'"{text}" is outside the horizon ({offer})')
    return index


def sentence(text: str | None) -> str:
    """Text as a sentence ending in one full stop (citations may or may not end in one)."""
    text = (text or "").strip()
    return text if text.endswith((".", "!", "?")) else text + "."


CONFIDENCE_WORDS = {1: "very weak", 2: "weak", 3: "moderate", 4: "strong", 5: "very strong"}


def confidence_words(grade: int | None) -> str:
    """Evidence grade 1-5 (5 strongest) in words."""
    return CONFIDENCE_WORDS.get(int(grade), "not graded") if grade is not None else "not graded"


# ------------------------------------------------------------------ reading back

_MONEY = re.compile(
    r"^(?P<less>less than )?(?P<sign>[+\u2212]?)£(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?)"
    r"(?: ?(?P<unit>bn|m|k|billion|million))?$")
_UNITS = {None: 1.0, "k": 1e3, "m": 1e6, "bn": 1e9, "million": 1e6, "billion": 1e9}


def parse_money(text: str, digits: int | None = None) -> tuple[float, float]:
    """``(value, half_step)`` a money text stands for: the figure and half its last shown
    digit, or, with ``digits``, half its last significant figure when that is coarser
    ("£100" at two figures is 100 ± 5); for "less than £X", 0 and X. Raises ValueError
    for anything else."""
    text = text.strip()
    if text.startswith("(£") and text.endswith(")"):  # brackets for a negative
        text = MINUS + text[1:-1]
    match = _MONEY.match(text)
    if not match:
        raise ValueError(f"not a money figure: {text!r}")
    num = match["num"].replace(",", "")
    scale = _UNITS[match["unit"]]
    decimals = len(num.split(".")[1]) if "." in num else 0
    magnitude = float(num) * scale
    if match["less"]:
        return 0.0, magnitude
    value = -magnitude if match["sign"] == MINUS else magnitude
    half = 0.5 * 10.0 ** -decimals * scale
    if digits and magnitude:
        half = max(half, 0.5 * 10.0 ** (math.floor(math.log10(magnitude)) - digits + 1))
    return value, half


def wrap_words(text: str, width: int) -> str:
    """A label on lines of at most ``width`` characters, words kept whole (a longer word
    has a line of its own) and runs of spaces read as one (chart axes, bar labels)."""
    return "\n".join(textwrap.wrap(" ".join(text.split()), width, break_long_words=False,
                                   break_on_hyphens=False))
