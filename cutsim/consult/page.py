"""``cutsim consult``: one self-contained consultation page (docs/consultation.md).

The page is static HTML with one inline script allowed by its hash (strict CSP: no
network request, no other script, no external file). Without JavaScript it shows the
council's proposal and what it does; with it, residents move the offered levers and
every figure is recomputed in the browser from the engine's exact terms
(:mod:`cutsim.consult.offer`). Every name from the model is escaped (Jinja2 autoescape),
and the data is embedded as JSON with ``<`` escaped so no text can close the script.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from cutsim.api import Project
from cutsim.appraise.disclosure import DisclosureGate
from cutsim.consult.offer import Offer, build_offer, lever_unit, offered_levers
from cutsim.engine.money import SERIES
from cutsim.files.exchange import atomic_write_bytes, model_sha256
from cutsim.files.safewrite import check_target
from cutsim.model import fmt
from cutsim.model.errors import InputError
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import Scenario, headline_year
from cutsim.version import __version__
from cutsim.workshop.figures import agency_target, lead_agency

MAX_PAGE_BYTES = 500_000  # the page must stay small enough to host anywhere and email
RESPONSE_FORMAT = "cutsim-consultation-response"
RESPONSE_VERSION = 1


def _script() -> str:
    return resources.files("cutsim.consult").joinpath("templates/consultation.js").read_text("utf-8")


def _csp(script: str, style: str, post_url: str | None) -> str:
    """Only the page's own script and style (by hash); a POST only to the council's address."""
    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"

    connect = post_url if post_url and post_url.startswith("https://") else "'none'"
    return (f"default-src 'none'; script-src {digest(script)}; style-src {digest(style)}; "
            f"img-src data:; connect-src {connect}; form-action 'none'; base-uri 'none'")


def _clean(value: float) -> float:
    return 0.0 if value == 0 else float(value)


def page_data(project: Project, scenario: Scenario, offer: Offer, year: int) -> dict[str, Any]:
    """The JSON the page's script adds up: layout, F₀, each lever's terms, the products."""
    model = project.model
    names = {a.id: a.name for a in model.agencies}
    lead = lead_agency(model)
    target = agency_target(model, lead, year)
    for t in scenario.targets:
        if t.agency == lead and t.from_year <= year:
            target = t.amount
    levers = []
    block = scenario.consultation
    by_id = {lv.id: lv for lv in offered_levers(scenario)}
    assert block is not None  # offered_levers has refused a scenario without a consultation
    for offered, term in zip(block.levers, offer.terms):
        lever = by_id[offered.lever]
        service = model.service(lever.service)
        levers.append({
            "id": lever.id, "kind": lever.kind, "unit": lever_unit(lever),
            "service": service.name, "agency": names[service.agency],
            "min": offered.min, "max": offered.max, "step": offered.step,
            "proposal": offer.proposal[lever.id],
            "per_unit": _sparse(term.per_unit), "one_off": _sparse(term.one_off),
        })
    return {
        "format": "cutsim-consultation-page", "version": 1,
        "consultation": {"scenario": scenario.id, "model_sha256": model_sha256(model),
                         "page_id": str(uuid.uuid5(uuid.NAMESPACE_URL, scenario.id + model_sha256(model)))},
        "agencies": offer.layout.agencies, "agency_names": names,
        "outcomes": offer.layout.outcomes,
        "outcome_names": {o.id: o.name for o in model.outcomes},
        "outcome_units": {o.id: o.unit for o in model.outcomes},
        "outcome_counts": {o.id: is_count(o.unit) for o in model.outcomes},
        "higher_is_better": {o.id: o.higher_is_better for o in model.outcomes},
        "series": list(SERIES), "horizon": offer.layout.horizon, "year": year,
        "year_label": fmt.financial_year(model.place.base_year, year),
        "lead": lead, "target": target,
        "base": [float(v) for v in offer.base],
        "levers": levers,
        "products": [{"i": i, "j": j, "b": _sparse(b)} for (i, j), b in sorted(offer.products.items())],
        "post_url": block.post_url,
        "post_by": _post_by(block.post_url),
        "money_floor": materiality_floor(model),
        # Outcome changes below a billionth of the outcome's baseline are round-off.
        "outcome_floor": {o.id: 1e-9 * max(1.0, abs(o.baseline)) for o in model.outcomes},
        "equality_questions": [q.model_dump() for q in block.equality_questions],
        "response_format": RESPONSE_FORMAT, "response_version": RESPONSE_VERSION,
        # Said on the page wherever figures hold confidential money (the gate's words).
        "disclosure_note": DisclosureGate.for_model(project.compiled).note(),
    }


def _post_by(post_url: str | None) -> str | None:
    """How the page sends a response beside the file: "web" (a POST), "email" or None."""
    if post_url is None:
        return None
    return "email" if post_url.startswith("mailto:") else "web"


def _sparse(vector) -> dict[str, float]:
    """Non-zero entries only (most levers reach few agencies and outcomes)."""
    return {str(i): float(v) for i, v in enumerate(vector) if v != 0.0}


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("cutsim.consult", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(money=fmt.resident_money, number=fmt.resident_number)
    return env


def static_figures(data: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    """The proposal's figures as the page shows them before any script runs (the same
    sums the script makes, from the same F)."""
    y, lead = data["year"], data["lead"]
    annual = figures["annual"]
    place = {s: sum(annual[a][s][y] for a in data["agencies"]) for s in SERIES}
    place_total = sum(sum(annual[a]["net_saving"]) for a in data["agencies"])
    return {
        "lead_planned": annual[lead]["planned_saving"][y],
        "lead_net": annual[lead]["net_saving"][y],
        "knock_on": {a: annual[a]["knock_on_cost"][y] for a in data["agencies"]},
        "place_net": place["net_saving"],
        "place_total": place_total, "npv": figures["npv"],
        "outcomes": {o: figures["outcomes"][o][y] for o in data["outcomes"]},
        # Rows that do not change are folded into one line ("No change for: …").
        "unchanged_agencies": [data["agency_names"][a] for a in data["agencies"]
                               if abs(annual[a]["knock_on_cost"][y]) < data["money_floor"]],
        "unchanged_outcomes": [data["outcome_names"][o] for o in data["outcomes"]
                               if abs(figures["outcomes"][o][y]) < data["outcome_floor"][o]],
    }


def render(project: Project, scenario_id: str, year: int | None = None) -> str:
    """The page's HTML for a scenario with a consultation block."""
    scenario = project.scenario(scenario_id)
    offered_levers(scenario)  # a clear message when the block is missing
    assert scenario.consultation is not None  # so the block is here from now on
    horizon = project.model.place.horizon_years
    year = headline_year(scenario, horizon) if year is None else year
    if not 0 <= year < horizon:
        raise InputError(f"year must be from 0 to {horizon - 1} (got {year})")
    offer = build_offer(project, scenario)
    data = page_data(project, scenario, offer, year)
    figures = offer.layout.unflatten(offer.evaluate({}))
    env = _environment()
    style = env.get_template("consultation.css").render()
    script = _script()
    shown = static_figures(data, figures)
    html = env.get_template("consultation.html.j2").render(
        d=data, s=scenario, block=scenario.consultation, model=project.model, shown=shown,
        data_json=Markup(json.dumps(data, allow_nan=False, separators=(",", ":"))
                         .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")),
        script=Markup(script), style=Markup(style), csp=_csp(script, style, data["post_url"]),
        version=__version__, illustrative=_any_illustrative(project.model),
        offered=list(zip(scenario.consultation.levers, data["levers"])),
        sign_word=sign_word, cost_word=cost_word, change_word=change_word,
        title=page_title(scenario, data["year_label"]))
    size = len(html.encode("utf-8"))
    if size > MAX_PAGE_BYTES:
        raise InputError(f"the consultation page would be {size:,} bytes, above the "
                         f"{MAX_PAGE_BYTES:,} limit: offer fewer levers")
    return html


def page_title(scenario: Scenario, year_label: str) -> str:
    """The page's title naming the one year every figure is for ("…: figures for
    2030-31"), whatever year the council's own title names."""
    block = scenario.consultation
    title = (block.title if block is not None else None) or scenario.name
    return title if title.endswith(f"figures for {year_label}") else f"{title} — figures for {year_label}"


def _any_illustrative(model) -> bool:
    items = [*model.services, *model.outcomes, *model.effects, *model.demands]
    return any(getattr(i, "illustrative", False) for i in items)


def sign_word(value: float, floor: float) -> str:
    """A saving in words: "saves £2.4 million" / "costs £120,000" / "no change"."""
    if abs(value) < floor:
        return "no change"
    return ("saves " if value > 0 else "costs ") + fmt.resident_money(abs(value))


def cost_word(value: float, floor: float) -> str:
    """A knock-on cost in words: "extra costs of £51,000" / "saves £3,000" / "no change"."""
    if abs(value) < floor:
        return "no change"
    return ("extra costs of " if value > 0 else "saves ") + fmt.resident_money(abs(value))


_NOT_COUNTS = ("gbp", "£", "%", "percent", "per ", "rate", "score", "index", "ratio", "average")


def is_count(unit: str) -> bool:
    """True when an outcome's unit counts whole things (people, crimes, admissions, bed
    days): its changes are said in whole numbers. Money, percentages, rates and scores
    are not counts."""
    text = unit.lower()
    return not any(word in text for word in _NOT_COUNTS)


def count_words(value: float) -> str:
    """A count's size for residents (value ≥ 0): "fewer than one" below 1, else the whole
    number to two significant figures ("3", "1,200", "2.1 million")."""
    if value < 1.0:
        return "fewer than one"
    return fmt.resident_number(float(round(value)))


def change_word(value: float, floor: float, higher_is_better: bool, unit: str,
                count: bool = False) -> str:
    """An outcome change in words: "3 more (offences a year; worse)", "fewer than one
    more (children a year; worse)" for a count; "no change" below the floor."""
    if abs(value) < floor:
        return "no change"
    better = (value > 0) == higher_is_better
    size = count_words(abs(value)) if count else fmt.resident_number(abs(value))
    return (f"{size} {'more' if value > 0 else 'fewer'} "
            f"({unit}; {'better' if better else 'worse'})")


def write_page(project: Project, scenario_id: str, out_dir: Path, year: int | None = None) -> Path:
    """Write ``index.html`` into ``out_dir`` (created if needed), atomically."""
    html = render(project, scenario_id, year)
    check_target(out_dir, folder=True)  # never written through a link to another folder
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    atomic_write_bytes(path, html.encode("utf-8"))
    path.chmod(0o644)  # for the public: readable by all
    return path
