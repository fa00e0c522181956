"""Charts for the publication as inline SVG strings (matplotlib, Agg backend, DejaVu Sans).

Each chart carries ``role="img"``, an ``aria-label`` and a ``<title>`` with its alt text,
element ids unique across the page (several SVGs share one HTML document), and no
fixed size (it scales to the column on a phone). Text stays text (``svg.fonttype`` none),
so the PDF and screen readers can read it; labels are escaped by matplotlib's XML
writer and mathtext is switched off for names (a ``$`` in a name is literal).
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # never a GUI backend: the core runs headless

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator  # noqa: E402

from cutsim.model import fmt  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Colour-blind-safe (Okabe-Ito) and at least 4.5:1 against white where used for text.
GOOD = "#0b6e4f"    # 6.3:1 on white
BAD = "#b3261e"     # 6.0:1 on white
NEUTRAL = "#1d4f91"  # 8.4:1 on white
INK = "#1a1a1a"
GRID = "#d0d0d0"

_RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "svg.fonttype": "none",
    "svg.hashsalt": "cutsim",  # deterministic ids: the same input gives the same file
    "text.usetex": False,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
}


def _label(text: str, width: int = 24) -> str:
    """A name safe for matplotlib (no mathtext) and wrapped to ``width`` characters."""
    return fmt.wrap_words(text.replace("$", r"\$"), width)


def distinct_ticks(fig) -> None:
    """Keep one tick per distinct label on every axis: a narrow range (a flat line at £0,
    figures a few pounds apart) must not read "£0, £0, £0". The data's own range sets the
    ticks; a label that repeats adds nothing but a false scale."""
    fig.canvas.draw()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            ticks = [(loc, label.get_text()) for loc, label in
                     zip(axis.get_majorticklocs(), axis.get_majorticklabels())
                     if low - 1e-9 * abs(high - low) <= loc <= high + 1e-9 * abs(high - low)]
            labels = [text for _, text in ticks]
            if len(set(labels)) == len(labels):
                continue
            kept: dict[str, float] = {}
            for loc, text in ticks:  # the tick nearest zero speaks for its label
                if text not in kept or abs(loc) < abs(kept[text]):
                    kept[text] = loc
            axis.set_major_locator(FixedLocator(sorted(kept.values())))


def _to_svg(fig, chart_id: str, alt: str) -> str:
    """Serialise ``fig`` as an accessible inline SVG element with page-unique ids."""
    distinct_ticks(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE: inline in HTML
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = re.sub(r'(url\(#|href="#)([^")]+)', lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", svg)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                 lambda m: f'<svg {m.group(1)}', svg, count=1)
    svg = svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(alt)}" class="chart" '
                 f'preserveAspectRatio="xMidYMid meet" ', 1)
    head_end = svg.index(">") + 1
    return svg[:head_end] + f"<title>{escape(alt)}</title>" + svg[head_end:]


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _tick_money(value: float, _pos=None) -> str:
    """Compact money for axis ticks: ``£500k``, ``£1.5m`` (the text uses full words).
    The unit is chosen after rounding, so £999,999 reads ``£1m``, never ``£1000k``."""
    sign = fmt.MINUS if value < 0 else ""
    v = abs(value)
    if round(v / 1e3) >= 1000:
        return f"{sign}£{_trim(f'{v / 1e6:.1f}')}m"
    if round(v) >= 1000:
        return f"{sign}£{_trim(f'{v / 1e3:.0f}')}k"
    text = f"{v:.0f}"
    return f"£{text}" if text == "0" else f"{sign}£{text}"


def _money_axis(axis) -> None:
    axis.set_major_locator(MaxNLocator(nbins=4))
    axis.set_major_formatter(FuncFormatter(_tick_money))


def _figure(rows: int):
    with plt.rc_context(_RC):
        return plt.subplots(figsize=(4.6, max(1.8, 0.62 * rows + 1.0)))


def _bars(names: list[str], values: list[float], colours):
    """A horizontal bar chart of ``values``, one labelled row per name, first at the top."""
    fig, ax = _figure(len(names))
    ypos = list(range(len(names)))[::-1]
    ax.barh(ypos, values, color=colours)
    ax.set_yticks(ypos, [_label(n) for n in names])
    return fig, ax, ypos


def _finish_bars(ax, xlabel: str) -> None:
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color=GRID)
    ax.set_axisbelow(True)


def agency_net_saving(names: list[str], values: list[float], year_label: str,
                      chart_id: str = "chart-agencies") -> str:
    """Horizontal bars: each agency's net saving (£) in one financial year (+ = saving)."""
    with plt.rc_context(_RC):
        fig, ax, _ = _bars(names, values, [GOOD if v >= 0 else BAD for v in values])
        ax.axvline(0, color=INK, linewidth=0.8)
        _money_axis(ax.xaxis)
        _finish_bars(ax, f"Net saving in {year_label}, £\n(below zero: a net cost)")
        alt = (f"Bar chart of net saving by agency in {year_label}: "
               + "; ".join(f"{n} {fmt.resident_money(v)}" for n, v in zip(names, values)) + ".")
        return _to_svg(fig, chart_id, alt)


def outcome_changes(names: list[str], changes: list[float], lows: list[float | None],
                    highs: list[float | None], worse: list[bool], date_label: str,
                    chart_id: str = "chart-outcomes") -> str:
    """Horizontal bars: each outcome's change (% of its baseline) with its likely range."""
    with plt.rc_context(_RC):
        fig, ax, ypos = _bars(names, changes, [BAD if w else GOOD for w in worse])
        for y, c, lo, hi in zip(ypos, changes, lows, highs):
            if lo is not None and hi is not None:
                ax.errorbar(c, y, xerr=[[c - lo], [hi - c]], fmt="none", ecolor=INK,
                            capsize=3, linewidth=1)
        ax.axvline(0, color=INK, linewidth=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.resident_percent(v)))
        _finish_bars(ax, f"Change by {date_label}, % of today's level\n(lines: likely range)")
        parts = []
        for n, c, lo, hi, w in zip(names, changes, lows, highs, worse):
            ends = (fmt.resident_percent(lo), fmt.resident_percent(hi)) if lo is not None else ()
            rng = "" if not ends else (f" (likely {ends[0]})" if ends[0] == ends[1]
                                       else f" (likely {ends[0]} to {ends[1]})")
            parts.append(f"{n} {fmt.resident_percent(c)}{rng}, {'worse' if w else 'better'}")
        alt = f"Bar chart of the change in each outcome by {date_label}: " + "; ".join(parts) + "."
        return _to_svg(fig, chart_id, alt)


def cost_shift(names: list[str], borne: list[float], horizon: int,
               chart_id: str = "chart-shift") -> str:
    """Horizontal bars: extra costs (£ over the horizon) each agency bears from others' cuts."""
    with plt.rc_context(_RC):
        fig, ax, _ = _bars(names, borne, NEUTRAL)
        _money_axis(ax.xaxis)
        _finish_bars(ax, f"Extra costs over {horizon} years from\nother agencies' changes, £")
        alt = (f"Bar chart of costs shifted onto each agency over {horizon} years: "
               + "; ".join(f"{n} {fmt.resident_money(v)}" for n, v in zip(names, borne)) + ".")
        return _to_svg(fig, chart_id, alt)


def place_net_saving(t: list[float], values: list[float], lows: list[float] | None,
                     highs: list[float] | None, base_year: int,
                     chart_id: str = "chart-place") -> str:
    """Place net saving as a rate (£ a year) over time t (years from 1 April of base_year),
    with the likely range (P10 to P90) when a Monte Carlo run is available."""
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(4.6, 3.2))
        x = [base_year + v for v in t]
        if lows is not None and highs is not None:
            ax.fill_between(x, lows, highs, color=NEUTRAL, alpha=0.18, linewidth=0,
                            label="likely range (P10 to P90)", step="post")
        ax.step(x, values, where="post", color=NEUTRAL, linewidth=2, label="central estimate")
        ax.axhline(0, color=INK, linewidth=0.8)
        _money_axis(ax.yaxis)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
        ax.set_ylabel("Net saving, £ a year")
        ax.set_xlabel("Year (from 1 April)")
        ax.grid(axis="y", color=GRID)
        ax.legend(frameon=False, loc="best")
        yearly = [(base_year + y, values[i]) for y, i in _year_points(t)]
        alt = ("Chart of the net saving to the place over time, in pounds a year: "
               + "; ".join(f"April {y} {fmt.resident_money(v)}" for y, v in yearly) + ".")
        return _to_svg(fig, chart_id, alt)


def _year_points(t: list[float]) -> list[tuple[int, int]]:
    """(whole year, grid index) for each whole year on the grid."""
    out, seen = [], set()
    for i, v in enumerate(t):
        y = round(v)
        if abs(v - y) < 1e-9 and y not in seen:
            seen.add(y)
            out.append((y, i))
    return out
