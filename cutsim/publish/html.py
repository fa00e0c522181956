"""The residents' page and the cabinet report's HTML, from the open-data document.

Jinja2 with autoescaping on (every name from a model file is untrusted). Each figure is
written by :func:`figure` as ``<span class="fig" data-key=… data-value=…>`` carrying the
exact number beside the rounded text, so that a reader's tool (and the tests) can check
every figure against the engine.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from cutsim.model import fmt, wording
from cutsim.publish import charts
from cutsim.publish.areas import map_svg

# The page loads nothing: styles inline, charts inline SVG, no scripts.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def figure(key: str, value: float | None, kind: str = "number", signed: bool = True,
           illustrative: bool = False, decimals: int | None = None,
           unit: tuple[float, str, int] | None = None) -> Markup:
    """One published figure: rounded text for people, the exact value for machines.
    Money in a table passes the table's ``unit`` (:func:`unit_of`), so that every cell of
    the table reads in it."""
    if value is None:
        return Markup('<span class="fig missing">not available</span>')
    if kind == "money" and unit is not None:
        kind = fmt.unit_kind(unit)
    text = fmt.display(kind, value, signed, decimals)
    tag = (Markup(' <span class="illus" title="rests on stand-in data, not local figures">'
                  'illustrative</span>') if illustrative else Markup(""))
    extra = Markup(' data-decimals="{}"').format(decimals or 0) if kind == "fixed" else ""
    return Markup('<span class="fig" data-key="{}" data-value="{}" data-format="{}"{} '
                  'data-signed="{}" data-illustrative="{}">{}</span>{}').format(
        key, repr(float(value)), kind, extra, "true" if signed else "false",
        "true" if illustrative else "false", text, tag)


def money_words(kind: str, key: str, value: float | None, floor: float = 0.0,
                illustrative: bool = False) -> Markup:
    """A money figure in a sentence, named by its direction (:mod:`cutsim.model.wording`):
    ``kind`` is the wording function (``net``, ``planned``, ``knock_on``, ``one_off``,
    ``shifted``); the figure is written unsigned, its direction in words."""
    if value is None:
        return Markup('<span class="fig missing">not available</span>')
    words = getattr(wording, kind)

    def write(magnitude: float) -> str:
        return figure(key, value, "money", False, illustrative)

    return Markup(words(value, floor, write))


def range_words(keys: tuple[str, str], low: float, high: float, kind: str = "number",
                noun_up: str = "", noun_down: str = "") -> Markup:
    """A likely range (figures keyed ``keys``); one figure when its ends read the same at
    the shown precision.

    For money (``noun_up``/``noun_down`` given) each end is a magnitude with its own
    direction ("between a net cost of £X and a net saving of £Y"); for other figures
    the ends are written as signed figures."""
    (lo, key_lo), (hi, key_hi) = sorted(zip((low, high), keys))
    if noun_up:
        a = figure(key_lo, lo, kind, False)
        b = figure(key_hi, hi, kind, False)
        same = fmt.display(kind, abs(lo), False) == fmt.display(kind, abs(hi), False)
        if lo >= 0 or hi <= 0:
            noun = noun_up if lo >= 0 else noun_down
            first, second = (a, b) if lo >= 0 else (b, a)
            if same:
                return Markup("{} of {}").format(noun, first)
            return Markup("between {} of {} and {}").format(noun, first, second)
        return Markup("between {} of {} and {} of {}").format(noun_down, a, noun_up, b)
    a, b = figure(key_lo, lo, kind), figure(key_hi, hi, kind)
    if fmt.display(kind, lo) == fmt.display(kind, hi):
        return Markup("about {}").format(a)
    return Markup("between {} and {}").format(a, b)


def unit_of(items: list[dict[str, Any]], *paths: str) -> tuple[float, str, int]:
    """The one money unit of a table (:func:`cutsim.model.fmt.table_unit`) whose cells are
    the values at the dotted ``paths`` (``"report_year.net_saving"``) of each of ``items``."""
    values = []
    for item in items:
        for path in paths:
            value: Any = item
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, (int, float)):
                values.append(float(value))
    return fmt.table_unit(values)


def humanise(group: str) -> str:
    """``young_people`` → ``Young people``."""
    return group.replace("_", " ").replace("-", " ").capitalize()


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("cutsim.publish", "templates"),
                      autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(fig=figure, fmt=fmt, humanise=humanise, money_words=money_words, unit_of=unit_of,
                       range_words=range_words, wording=wording)
    env.filters["capitalize_first"] = lambda text: Markup(text[:1].upper()) + Markup(text[1:])
    return env


def _charts(doc: dict[str, Any]) -> dict[str, str]:
    """The four charts as inline SVG, built from the document's exact figures."""
    agencies = [a for a in doc["agencies"] if a["moved"]]
    fy = doc["report"]["financial_year"]
    date_label = doc["report"]["date"][:4]
    out: dict[str, str] = {}
    if agencies:
        out["agencies"] = charts.agency_net_saving(
            [a["name"] for a in agencies], [a["report_year"]["net_saving"] for a in agencies], fy)
    changed = [o for o in doc["outcomes"] if o["changed"] and o["change_percent"] is not None]
    if changed:
        def pct(o: dict, v: float | None) -> float | None:
            return None if v is None else v / o["baseline"] * 100.0
        out["outcomes"] = charts.outcome_changes(
            [o["name"] for o in changed], [o["change_percent"] for o in changed],
            [pct(o, o["change_range"] and o["change_range"]["p10"]) for o in changed],
            [pct(o, o["change_range"] and o["change_range"]["p90"]) for o in changed],
            [o["direction"] == "worse" for o in changed], date_label)
    borne: dict[str, float] = {}
    for s in doc["cost_shift"]:
        if s["between_agencies"]:
            borne[s["to"]] = borne.get(s["to"], 0.0) + s["amount"]
    if borne:
        names = {a["id"]: a["name"] for a in doc["agencies"]}
        ids = sorted(borne, key=lambda a: -borne[a])
        out["shift"] = charts.cost_shift([names[a] for a in ids], [borne[a] for a in ids],
                                         doc["place"]["horizon_years"])
    pm = doc["place_money"]
    band = pm["net_saving_rate_range"]
    out["place"] = charts.place_net_saving(
        doc["_t"], pm["net_saving_rate"], band and band["p10"], band and band["p90"],
        doc["place"]["base_year"])
    return out


def view(doc: dict[str, Any], t: list[float]) -> dict[str, Any]:
    """Template context: the document plus lookups the sentences need."""
    agencies = {a["id"]: a for a in doc["agencies"]}
    outcomes = {o["id"]: o for o in doc["outcomes"]}
    services = {s["id"]: s for s in doc["services"]}
    changed = sorted((o for o in doc["outcomes"] if o["changed"]),
                     key=lambda o: (o["direction"] != "worse", -abs(o["change_percent"] or 0.0)))
    shifts = sorted((s for s in doc["cost_shift"] if s["between_agencies"]),
                    key=lambda s: -abs(s["amount"]))
    hidden_changed: dict[str, int] = {}
    return {
        "doc": doc, "agencies": agencies, "outcomes": outcomes, "services": services,
        "changed_outcomes": changed, "shifts": shifts, "hidden_changed": hidden_changed,
        "charts": _charts({**doc, "_t": t}), "csp": CSP,
        "sources_by_id": {s["id"]: s for s in doc["sources"]},
        "names": _names(doc),
        "area_map": map_svg(doc["areas"]["areas"]) if doc.get("areas") else None,
    }


def _names(doc: dict[str, Any]) -> dict[str, str]:
    """Display name of every published service and outcome id (link endpoints)."""
    names = {s["id"]: s["name"] for s in doc["services"]}
    names.update({o["id"]: o["name"] for o in doc["outcomes"]})
    return names


def render(doc: dict[str, Any], t: list[float], hidden_changed: dict[str, int] | None = None,
           print_version: bool = False, depends_on: dict[str, Any] | None = None) -> str:
    """The page (``print_version`` False) or the cabinet report's HTML (True);
    ``depends_on`` is :func:`cutsim.publish.depends.depends_on` ("What this depends on")."""
    context = view(doc, t)
    context["depends_on"] = depends_on
    context["hidden_changed"] = hidden_changed or {}
    context["print_version"] = print_version
    return _environment().get_template("publication.html.j2").render(**context)


__all__ = ["figure", "render", "escape"]
