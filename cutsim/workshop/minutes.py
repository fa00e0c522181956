"""Minutes of a budget workshop: Markdown and HTML from the same content, and a PDF.

The content is built once (:func:`build_minutes`) from the session, the document and the
engine's package summaries, so the Markdown, the HTML and the PDF say exactly the same.
The PDF is rendered from the HTML by WeasyPrint through :mod:`cutsim.publish.pdf`, which
fetches nothing while rendering.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

from cutsim.model import wording
from cutsim.model.fmt import money, money_table, table_unit
from cutsim.model.schema import CutsimFile
from cutsim.version import __version__
from cutsim.workshop import (
    PackageSummary,
    WorkshopSession,
    describe_lever,
    now,
    red_line_text,
)


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)


@dataclass
class Minutes:
    title: str
    subtitle: str
    sections: list[Section]
    footer: str


def _status(summary: PackageSummary) -> str:
    breaches = summary.breaches
    if not breaches:
        return "none"
    return "; ".join(f"{b.outcome_name} from {b.first_breach_label}" for b in breaches)


def build_minutes(session: WorkshopSession, file: CutsimFile,
                  summaries: dict[str, PackageSummary], *, title: str | None = None) -> Minutes:
    """The minutes' content: target, red lines, packages compared, the agreed package and
    every logged change."""
    place = file.model.place
    year = session.year_label()
    lead = file.model.agency(session.lead_agency).name
    target = session.target(file)
    sections = [Section("Savings target", [
        f"{money(target.amount)} in {year} ({target.source})." if target.amount is not None
        else f"No savings target was set for {year}.",
        f"Net saving is planned saving less knock-on and one-off costs, in {year}, £ at "
        f"{place.effective_price_year} prices. \"{lead}\" is the council's own figure; "
        "\"whole place\" adds every partner agency's figure, so the difference is the cost "
        "the package moves onto partners."])]
    sections.append(Section("Red lines", [] if session.red_lines else ["None were set."],
                            bullets=[red_line_text(line, _outcome_name(file, line.outcome))
                                     for line in session.red_lines]))
    rows = []
    listed = [(package, summaries[package.label]) for package in session.packages
              if package.label in summaries]
    # One unit for the whole table (docs/user-guide.md, money style).
    unit = table_unit([v for _, s in listed
                       for v in (s.gauge.agency_net, s.gauge.place_net, s.gauge.partners_net)])
    columns = [money_table([s.gauge.agency_net for _, s in listed], unit=unit),
               money_table([s.gauge.place_net for _, s in listed], unit=unit),
               money_table([s.gauge.partners_net for _, s in listed], signed=True, unit=unit)]
    for k, (package, s) in enumerate(listed):
        rows.append([package.label, s.name, columns[0][k], columns[1][k], columns[2][k], _status(s)])
    sections.append(Section(f"Packages compared ({year})", table=Table(
        ["Package", "Name", lead, "Whole place", "Partners", "Red lines breached"], rows)))
    sections.append(_agreed(session, file, summaries))
    notes = _package_notes(session, file)
    if notes.bullets:
        sections.append(notes)
    log_rows = [[d.at[11:16] if len(d.at) >= 16 else d.at, d.package, d.change, d.note or ""]
                for d in session.log.entries()]
    sections.append(Section("Decision log", [] if log_rows else ["Nothing was changed."],
                            table=Table(["Time", "Package", "Change", "Note"], log_rows) if log_rows else None))
    stamp = now()
    return Minutes(title=title or f"Budget workshop: {place.name}",
                   subtitle=f"Minutes written {stamp[:10]} at {stamp[11:16]}",
                   sections=sections,
                   footer=f"Figures from the cutsim model (cutsim {__version__}). Figures marked "
                          "illustrative in the model stand in for local data.")


def _outcome_name(file: CutsimFile, outcome_id: str) -> str:
    try:
        return file.model.outcome(outcome_id).name
    except KeyError:
        return outcome_id


def _agreed(session: WorkshopSession, file: CutsimFile, summaries: dict[str, PackageSummary]) -> Section:
    if session.agreed is None:
        return Section("Agreed package", ["No package was agreed."])
    package = session.package(session.agreed)
    s = summaries.get(package.label)
    scenario = session.working_scenario(file, package.label)
    paragraphs = [f"Package {package.label}: {scenario.name}."]
    if s is not None:
        g = s.gauge
        target = "no target set" if g.target is None else f"target {money(g.target)}"
        paragraphs.append(f"In {g.year_label}: {g.agency_name}, {wording.net(g.agency_net)}; "
                          f"whole place, {wording.net(g.place_net)}; {target}.")
        paragraphs.append("Red lines breached: " + _status(s) + ".")
    if scenario.description:
        paragraphs.insert(1, scenario.description)
    levers = [describe_lever(lever, file.model).capitalize() + f" (from year {lever.start_year:g})"
              + (f". Note: {lever.note}" if lever.note else "")
              for lever in scenario.levers]
    return Section("Agreed package", paragraphs, bullets=levers or ["No levers."])


def _package_notes(session: WorkshopSession, file: CutsimFile) -> Section:
    """Each package's description and its levers' notes, as written in the scenario."""
    bullets = []
    for package in session.packages:
        scenario = session.working_scenario(file, package.label)
        if scenario.description:
            bullets.append(f"Package {package.label} ({scenario.name}): {scenario.description}")
        bullets += [f"Package {package.label}, {describe_lever(lever, file.model)}: {lever.note}"
                    for lever in scenario.levers if lever.note]
    return Section("Notes on the packages", bullets=bullets)


# ------------------------------------------------------------------ renderers


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(minutes: Minutes) -> str:
    lines = [f"# {minutes.title}", "", f"_{minutes.subtitle}_", ""]
    for section in minutes.sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.bullets:
            lines += [f"- {b}" for b in section.bullets] + [""]
        if section.table is not None:
            t = section.table
            lines.append("| " + " | ".join(_md_cell(h) for h in t.header) + " |")
            lines.append("|" + "|".join("---" for _ in t.header) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows]
            lines.append("")
    lines += ["---", "", minutes.footer, ""]
    return "\n".join(lines)


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; }
h1 { font-size: 18pt; margin-bottom: 0; } h2 { font-size: 13pt; margin-top: 18pt; }
.sub { color: #444; margin-top: 2pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #888; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #eee; }
footer { margin-top: 24pt; font-size: 9pt; color: #444; }
@page { size: A4; margin: 18mm; }
"""


def to_html(minutes: Minutes) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
             f"<title>{e(minutes.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(minutes.title)}</h1>", f'<p class="sub">{e(minutes.subtitle)}</p>']
    for section in minutes.sections:
        parts.append(f"<h2>{e(section.title)}</h2>")
        parts += [f"<p>{e(p)}</p>" for p in section.paragraphs]
        if section.bullets:
            parts.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in section.bullets) + "</ul>")
        if section.table is not None:
            t = section.table
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in t.header)
                         + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in t.rows]
            parts.append("</tbody></table>")
    parts += [f"<footer>{e(minutes.footer)}</footer>", "</body></html>"]
    return "\n".join(parts)


def write_markdown(minutes: Minutes, path: str | os.PathLike[str]) -> Path:
    from cutsim.files.exchange import atomic_write_bytes

    atomic_write_bytes(path, to_markdown(minutes).encode("utf-8"))
    return Path(path)


def write_pdf(minutes: Minutes, path: str | os.PathLike[str]) -> Path:
    """The minutes as an A4 PDF (WeasyPrint, fetching nothing)."""
    from cutsim.publish.pdf import write_pdf as render

    render(to_html(minutes), path)
    return Path(path)
