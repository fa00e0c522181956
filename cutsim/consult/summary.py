"""``cutsim consult summarise``: what residents chose, and what their median package does.

Per offered lever, the distribution of choices; the residents' median package (each
lever's lower median, so it stays on the offered steps) run through the engine; the
choices broken down by each equality question's answers; and the comments. Groups of
fewer than :data:`SMALL_GROUP` responses are never shown, and where one small group
could be worked out from a total and the others, the next smallest is withheld too
(secondary suppression), so no single respondent can be picked out. Comments are listed
apart from any equality answer.
"""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from cutsim.api import Project
from cutsim.appraise.disclosure import DisclosureGate
from cutsim.consult.offer import lever_size, offered_levers, with_choices
from cutsim.consult.responses import Response
from cutsim.files.exchange import dumps
from cutsim.files.safewrite import atomic_folder
from cutsim.model import fmt
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import CutsimFile, Provenance, Scenario, headline_year
from cutsim.publish.opendata import csv_table
from cutsim.version import __version__

SMALL_GROUP = 5  # fewer responses than this in a group are never shown
MEDIAN_ID = "residents-median"


@dataclass(frozen=True)
class LeverSummary:
    lever_id: str
    name: str
    unit: str
    proposal: float
    n: int
    low: float
    p25: float
    median: float
    p75: float
    high: float
    counts: dict[float, int]


def lever_summaries(project: Project, scenario: Scenario, responses: list[Response]) -> list[LeverSummary]:
    by_id = {lv.id: lv for lv in offered_levers(scenario)}
    assert scenario.consultation is not None  # offered_levers refuses a scenario without one
    out = []
    for offered in scenario.consultation.levers:
        lever = by_id[offered.lever]
        values = sorted(r.choices[offered.lever] for r in responses)
        counts: dict[float, int] = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        q = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        unit = "percent" if lever.percent is not None else "amount"
        out.append(LeverSummary(lever.id, f"{lever.kind} {project.model.service(lever.service).name}",
                                unit, lever_size(lever), len(values), values[0], q[0],
                                statistics.median_low(values), q[2], values[-1], counts))
    return out


def median_package(scenario: Scenario, summaries: list[LeverSummary]) -> Scenario:
    """The residents' median package as a scenario derived from the consultation's."""
    chosen = with_choices(scenario, {s.lever_id: s.median for s in summaries})
    return chosen.model_copy(update={
        "id": MEDIAN_ID, "name": f"Residents' median package ({scenario.name})",
        "parent": scenario.id, "consultation": None,
        "description": "Each offered lever at the median of residents' choices."})


def suppressed_counts(counts: dict[str, int]) -> dict[str, int | None]:
    """Counts with small groups withheld (None), plus one more where a single withheld
    group could be worked out from the total."""
    shown: dict[str, int | None] = {k: (v if v >= SMALL_GROUP else None) for k, v in counts.items()}
    hidden = [k for k, v in shown.items() if v is None]
    if len(hidden) == 1:
        rest = sorted((v, k) for k, v in shown.items() if v is not None)
        if rest:
            shown[rest[0][1]] = None
    return shown


def equality_breakdown(scenario: Scenario, responses: list[Response]) -> list[dict[str, Any]]:
    """Per question and answer: the number of responses and each lever's median choice,
    withheld for groups under SMALL_GROUP."""
    # Summaries are made only for a scenario with a consultation (the command checks first).
    consultation = scenario.consultation
    assert consultation is not None
    out = []
    for question in consultation.equality_questions:
        groups: dict[str, list[Response]] = {a: [] for a in question.options}
        groups["Prefer not to say"] = []
        for r in responses:
            groups[r.equality.get(question.id, "Prefer not to say")].append(r)
        shown = suppressed_counts({k: len(v) for k, v in groups.items()})
        rows = []
        for answer, members in groups.items():
            n = shown[answer]
            medians = None if n is None else {
                o.lever: statistics.median_low([m.choices[o.lever] for m in members])
                for o in consultation.levers}
            rows.append({"answer": answer, "n": n, "medians": medians})
        out.append({"question": question.question, "id": question.id, "rows": rows})
    return out


def package_figures(project: Project, package: Scenario) -> dict[str, Any]:
    """What the median package does in the headline year: the engine's figures through
    the disclosure gate (a summary of a public consultation is published too)."""
    result = project.run(package)
    cm = result.compiled
    y = headline_year(package, cm.horizon_years)
    gate = DisclosureGate.for_scenario(cm, package)
    annual = gate.annual(result.agency_annual)
    assert result.outcome_annual is not None  # a run always fills it (cutsim.appraise.run)
    return {
        "year": y, "year_label": fmt.financial_year(project.model.place.base_year, y),
        "agencies": [(a.name, float(annual["planned_saving"][i][y]), float(annual["knock_on_cost"][i][y]),
                      float(annual["net_saving"][i][y])) for i, a in enumerate(project.model.agencies)],
        "place_net": float(annual["net_saving"][:, y].sum()),
        "npv": float(result.appraisal.place.npv - gate.npv_correction().sum()),
        "disclosure_note": gate.note(),
        "outcomes": [(o.name, o.unit, float(result.outcome_annual[i][y]))
                     for i, o in enumerate(project.model.outcomes)],
    }


def render_files(project: Project, scenario: Scenario, responses: list[Response],
                 problems: list[str], duplicates: list[str]) -> dict[str, str]:
    """Every output file's content (nothing written)."""
    summaries = lever_summaries(project, scenario, responses)
    assert scenario.consultation is not None  # lever_summaries has refused a scenario without one
    package = median_package(scenario, summaries)
    figures = package_figures(project, package)
    breakdown = equality_breakdown(scenario, responses)
    comments = sorted(r.comments.strip() for r in responses if r.comments.strip())
    env = Environment(loader=PackageLoader("cutsim.consult", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(money=fmt.resident_money, number=fmt.resident_number, floor=materiality_floor(project.model))
    html = env.get_template("summary.html.j2").render(
        s=scenario, model=project.model, n=len(responses), summaries=summaries,
        figures=figures, breakdown=breakdown, comments=comments, problems=problems,
        duplicates=duplicates, small=SMALL_GROUP, version=__version__)
    file = CutsimFile(format="cutsim", format_version=1, model=project.model, scenarios=[package],
                      provenance=Provenance(author="cutsim consult summarise"))
    return {
        "summary.html": html,
        "levers.csv": csv_table(["lever", "description", "unit", "proposal", "responses", "lowest",
                            "p25", "median", "p75", "highest"],
                           [[s.lever_id, s.name, s.unit, s.proposal, s.n, s.low, s.p25, s.median,
                             s.p75, s.high] for s in summaries]),
        "choices.csv": csv_table(["lever", "value", "responses"],
                            [[s.lever_id, v, c] for s in summaries for v, c in sorted(s.counts.items())]),
        "equality.csv": csv_table(["question", "answer", "responses"] + [o.lever for o in scenario.consultation.levers],
                             [[b["id"], r["answer"], "fewer than 5" if r["n"] is None else r["n"]]
                              + ([r["medians"][o.lever] for o in scenario.consultation.levers]
                                 if r["medians"] else [""] * len(scenario.consultation.levers))
                              for b in breakdown for r in b["rows"]]),
        "comments.csv": csv_table(["comment"], [[c] for c in comments]),
        "median-package.cutsim": dumps(file),
        "summary.json": json.dumps({"responses": len(responses), "median": {s.lever_id: s.median for s in summaries},
                                    "refused": problems, "duplicates": duplicates}, indent=1) + "\n",
    }


def write_summary(out_dir: Path, files: dict[str, str], force: bool = False) -> list[Path]:
    """Write the files into ``out_dir`` all or nothing: into a folder beside it, swapped in
    whole (:func:`cutsim.files.safewrite.atomic_folder`), so a kill midway leaves the old
    summary or the new one, never files of two sets of responses. ``out_dir`` may not be
    a symbolic link; files there that cutsim did not write are kept unless ``force``."""
    with atomic_folder(out_dir, files, force=force) as folder:
        for name, text in files.items():
            with open(folder / name, "xb") as handle:  # a fresh private folder
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
    return [out_dir / name for name in files]
