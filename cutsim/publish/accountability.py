"""The publication's "What we said would happen, and what happened" (docs/actuals.md).

A file with actuals, published for the scenario its decision adopted (or for any scenario
when the actuals name no decision), gets this section in the page, the cabinet report (and
so the PDF) and the open data (``accountability``, open-data schema 1.1). Its figures are
the review's (:func:`cutsim.appraise.review.review`, with the review's own default draws and
seed, so the section says what ``cutsim review`` says): observed outcomes over the forecast's
P10–P90 band, savings planned against delivered, and what the observations taught. A
confidential service is never named: its savings rows are left out.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from markupsafe import Markup

from cutsim.appraise.review import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    Review,
    estimate_scale,
    review,
    significant,
)
from cutsim.model import fmt
from cutsim.model.schema import CutsimFile
from cutsim.publish.charts import _RC, BAD, GRID, INK, NEUTRAL, _to_svg

TITLE = "What we said would happen, and what happened"
LEARNED_SHOWN = 5  # the inputs whose estimate moved most


def accountability(cutsim_file: CutsimFile, scenario_id: str) -> dict[str, Any] | None:
    """The open-data block for a published scenario, or None when there is nothing to
    account for (no actuals, or actuals about another scenario's decision)."""
    actuals = cutsim_file.actuals
    if actuals is None or not actuals.observations:
        return None
    if actuals.decision is not None and actuals.decision.scenario != scenario_id:
        return None
    result = review(cutsim_file, scenario_id, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED)
    return block(result, cutsim_file)


def block(result: Review, cutsim_file: CutsimFile) -> dict[str, Any]:
    """The review as the open data's ``accountability`` object (names for people beside ids)."""
    model = cutsim_file.model
    decision = cutsim_file.actuals.decision if cutsim_file.actuals else None
    outcomes = []
    for outcome_id, row in result.outcomes.items():
        outcome = model.outcome(outcome_id)
        outcomes.append({"id": outcome_id, "name": outcome.name, "unit": outcome.unit,
                         "higher_is_better": outcome.higher_is_better, **row})
    savings = []
    for service_id, row in result.services.items():
        service = model.service(service_id)
        if service.confidential:
            continue
        savings.append({"service": service_id, "name": service.name, "agency": service.agency,
                        **row})
    secret = _confidential_inputs(cutsim_file, result.scenario)
    public = [key for key in result.moved_most(len(result.prior)) if key not in secret]
    learned = [{"input": key, "label": result.labels.get(key, key),
                "prior": result.prior[key], "posterior": result.posterior[key]}
               for key in public[:LEARNED_SHOWN]] if result.outcomes else []
    return {
        "scenario": result.scenario, "illustrative": result.illustrative,
        "decision": decision.model_dump(exclude_none=True) if decision is not None else None,
        "draws": result.draws, "seed": result.seed,
        "effective_sample_size": result.effective_sample_size,
        "outcomes": outcomes, "savings": savings, "learned": learned,
        "warnings": list(result.warnings),
    }


def _confidential_inputs(cutsim_file: CutsimFile, scenario_id: str) -> set[str]:
    """The uncertain inputs (keyed as in ``sensitivity --json``) that would name a
    confidential service or link: never published."""
    from cutsim.model import lever_kinds

    model = cutsim_file.model
    hidden = {s.id for s in model.services if s.confidential}
    keys = {f"services[{s}].{f}" for s in hidden for f in ("unit_cost", "baseline_spend")}
    for e in model.effects:
        if e.confidential or e.service in hidden:
            keys |= {f"effects[{e.id}].per_unit", f"effects[{e.id}].delay_years"}
    keys |= {f"demands[{d.id}].per_unit" for d in model.demands
             if d.confidential or d.service in hidden}
    for lever in cutsim_file.scenario(scenario_id).levers:
        if set(lever_kinds.of(lever).services(lever)) & hidden:
            keys |= {f"scenarios[{scenario_id}].levers[{lever.id}].{r.field}"
                     for r in lever_kinds.of(lever).uncertain_fields}
    return keys


def outcome_chart(row: dict[str, Any], chart_id: str) -> str:
    """The forecast's P10–P90 band and central estimate for each observed year, with the
    observed mean level as a point (outcome units)."""
    years = row["years"]
    x = list(range(len(years)))
    style: Any = _RC  # matplotlib's stubs list every key; ours are a subset
    with plt.rc_context(style):
        fig, ax = plt.subplots(figsize=(4.6, 2.6))
        for i in x:
            ax.plot([i, i], [row["forecast_p10"][i], row["forecast_p90"][i]], color=NEUTRAL,
                    linewidth=8, alpha=0.3, solid_capstyle="butt",
                    label="forecast, likely range (P10 to P90)" if i == 0 else None)
        ax.plot(x, row["forecast_central"], linestyle="none", marker="_", markersize=18,
                color=NEUTRAL, label="forecast, central estimate")
        ax.plot(x, row["baseline"], linestyle=":", color=INK, linewidth=1,
                label="without the decision")
        ax.plot(x, row["observed"], linestyle="none", marker="o", color=BAD,
                label="what happened")
        ax.set_xticks(x, years)
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.set_ylabel(fmt.wrap_words(row["unit"].replace("$", r"\$"), 24))
        ax.grid(axis="y", color=GRID)
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        parts = [f"{y}: observed {fmt.count(o)}, forecast {fmt.count(c)} (likely {fmt.count(lo)} "
                 f"to {fmt.count(hi)}){', outside the likely range' if out else ''}"
                 for y, o, c, lo, hi, out in zip(years, row["observed"], row["forecast_central"],
                                                 row["forecast_p10"], row["forecast_p90"],
                                                 row["outside_band"])]
        alt = f"Chart of {row['name']} ({row['unit']}), forecast against what happened: " \
              + "; ".join(parts) + "."
        return _to_svg(fig, chart_id, alt)


def _status(slipped: float, overspent: float, unit: tuple[float, str, int]) -> str:
    """The result of one year's saving in words, its money in the table's unit."""
    if overspent > 0:
        return f"overspent by {fmt.money_in_unit(overspent, unit)}"
    if slipped > 0:
        return f"{fmt.money_in_unit(slipped, unit)} not delivered"
    return "delivered in full"


def section_html(doc: dict[str, Any]) -> str:
    """The section (escaped: names come from a model file, which is untrusted)."""
    acc = doc["accountability"]
    parts: list[Markup] = [Markup('<section id="what-happened"><h2>{}</h2>').format(TITLE)]
    decision = acc.get("decision")
    intro = Markup("We compare what we said the decision would do with what has happened since.")
    if decision:
        when = Markup(" on {}").format(decision["date"]) if decision.get("date") else Markup("")
        who = Markup(" by {}").format(decision["by"]) if decision.get("by") else Markup("")
        intro = Markup("This scenario was adopted{}{}. ").format(when, who) + intro
    if acc["illustrative"]:
        intro += Markup(' <span class="illus" title="made-up figures, not real outturn">'
                        "illustrative</span> These figures are made up for illustration.")
    parts.append(Markup("<p>{}</p>").format(intro))
    if acc["savings"]:
        # One unit for the whole table (docs/user-guide.md, money style).
        unit = fmt.table_unit([v for s in acc["savings"]
                               for key in ("planned", "delivered", "slipped", "overspent")
                               for v in s[key]])
        rows = Markup("").join(
            Markup('<tr><th scope="row">{}</th><td data-label="Year">{}</td>'
                   '<td class="num" data-label="Planned">{}</td>'
                   '<td class="num" data-label="Delivered">{}</td>'
                   '<td data-label="Result">{}</td></tr>')
            .format(s["name"], year, fmt.money_in_unit(s["planned"][i], unit),
                    fmt.money_in_unit(max(s["delivered"][i], 0.0), unit),
                    _status(s["slipped"][i], s["overspent"][i], unit))
            for s in acc["savings"] for i, year in enumerate(s["years"]))
        parts.append(Markup(
            '<div class="table-wrap"><table class="stack"><caption>Savings planned and delivered, £ a year at '
            "{} prices</caption><thead><tr><th scope=\"col\">Service</th><th scope=\"col\">Year"
            '</th><th scope="col">Planned</th><th scope="col">Delivered</th><th scope="col">'
            "Result</th></tr></thead><tbody>{}</tbody></table></div>").format(
            doc["place"]["price_year"], rows))
    for n, row in enumerate(acc["outcomes"]):
        outside = [y for y, out in zip(row["years"], row["outside_band"]) if out]
        said = (Markup("What happened was outside the likely range we gave in {}.").format(
                    ", ".join(outside)) if outside
                else Markup("What happened was within the likely range we gave."))
        parts.append(Markup("<figure>{}<figcaption>{}: {}</figcaption></figure>").format(
            Markup(outcome_chart(row, f"chart-happened-{n}")), row["name"], said))
    if acc["learned"]:
        items = Markup("").join(_learned_item(x) for x in acc["learned"])
        parts.append(Markup("<h3>What this teaches us</h3><p>Setting what happened against "
                            "{:,} runs of the model, the estimates that moved most are:</p>"
                            "<ul>{}</ul>").format(acc["draws"], items))
    for warning in acc["warnings"]:
        parts.append(Markup('<p class="warning">{}</p>').format(warning))
    parts.append(Markup("</section>\n"))
    return str(Markup("").join(parts))


def _learned_item(x: dict[str, Any]) -> Markup:
    """One input: what we thought and what we now think, P50 (likely P10 to P90), scaled
    alike so that no figure shows rounding noise ("in thousandths")."""
    factor, words = estimate_scale(x["prior"], x["posterior"])

    def band(b: dict[str, float]) -> Markup:
        return Markup("{} (likely {} to {})").format(
            *(significant(b[k] * factor) for k in ("p50", "p10", "p90")))

    scale = Markup(", in {}").format(words) if words else Markup("")
    return Markup("<li>{}{}: we now think {}; we thought {}</li>").format(
        x["label"], scale, band(x["posterior"]), band(x["prior"]))


def with_section(page: str, doc: dict[str, Any]) -> str:
    """``page`` with the section before the end of its main content, when the document
    has an ``accountability`` block."""
    if not doc.get("accountability"):
        return page
    block_html = section_html(doc)
    for end in ("</main>", "</body>"):
        at = page.rfind(end)
        if at >= 0:
            return page[:at] + block_html + page[at:]
    return page + block_html
