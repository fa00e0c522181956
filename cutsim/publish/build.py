"""``publish``: run a scenario and write its publication to a folder.

Files: ``index.html`` (residents), ``report.pdf`` (cabinet, A4), ``open-data.json`` and
the CSVs of :data:`cutsim.publish.opendata.CSV_FILES`. Every file comes from one
open-data document (:func:`cutsim.publish.figures.build_open_data`), redacted once.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from cutsim.publish import accountability, depends, disclosure, figures, html, notes, opendata

log = logging.getLogger(__name__)
DEFAULT_DRAWS = 500
DEFAULT_SEED = 20260401
PUBLISHED_MODE = 0o644  # for the public: readable by all


@dataclass
class Publication:
    """What :func:`publish` wrote: the document, the result it came from and the files."""

    document: dict[str, Any]
    result: dict[str, Any]
    files: list[Path]


def hidden_changes(model, result: dict[str, Any]) -> dict[str, int]:
    """Per agency, how many confidential services change (named nowhere, counted only)."""
    out: dict[str, int] = {}
    services = result["services"]
    for s in model.services:
        if s.confidential and (
                figures._changed(services[s.id]["activity"], services[s.id]["baseline_activity"])
                or figures._changed(services[s.id]["spend"], services[s.id]["baseline_spend"])):
            out[s.agency] = out.get(s.agency, 0) + 1
    return out


def render_all(project, scenario_id: str, draws: int | None = DEFAULT_DRAWS,
               seed: int | None = DEFAULT_SEED,
               report_years: int | None = None,
               year: int | None = None) -> tuple[dict, dict, dict[str, bytes | str]]:
    """(open-data document, engine result dict, {file name: content}) without writing.

    The PDF is rendered separately (it needs a path); its HTML is under ``report.html``.
    """
    scenario = project.scenario(scenario_id)
    run = project.run(scenario, draws=draws, seed=seed if draws else None)
    result = run.to_json_dict()
    doc = figures.build_open_data(project.model, scenario, result, report_years, year)
    if not scenario.levers:  # the baseline states what doing nothing costs (the MTFS)
        from cutsim.appraise.mtfs import do_nothing

        block = do_nothing(run)
        if block is not None:
            doc["do_nothing"] = block
    # Disclosure control, once for every file rendered below (docs/signing.md).
    doc = disclosure.protect_document(doc, project.compiled, scenario)
    happened = accountability.accountability(project.file, scenario_id)  # with actuals only
    if happened is not None:
        doc["accountability"] = happened
    hidden = hidden_changes(project.model, result)
    rests_on = depends.depends_on(project.model, scenario)
    lever_notes = notes.public_notes(project.model, scenario)  # only on non-confidential services
    files: dict[str, bytes | str] = {
        "index.html": accountability.with_section(notes.with_notes(
            html.render(doc, result["t"], hidden, depends_on=rests_on), lever_notes), doc),
        "report.html": accountability.with_section(notes.with_notes(
            html.render(doc, result["t"], hidden, print_version=True, depends_on=rests_on),
            lever_notes), doc),
        "open-data.json": opendata.to_json(doc),
    }
    files.update(opendata.tables(doc))
    return doc, result, files


def publish(path: str | os.PathLike[str], scenario_id: str, out_dir: str | os.PathLike[str],
            draws: int | None = DEFAULT_DRAWS, seed: int | None = DEFAULT_SEED,
            report_years: int | None = None, pdf: bool = True, year: int | None = None,
            model_id: str | None = None) -> Publication:
    """Publish scenario ``scenario_id`` of the model file (or workspace) at ``path`` into
    ``out_dir``; ``year`` is the 0-based financial year the summaries show (default the
    scenario's headline year)."""
    from cutsim.workspace.sources import read_any

    return publish_file(read_any(path, model_id, choose=True), scenario_id, out_dir, draws, seed,
                        report_years, pdf, year=year)


def publish_file(cutsim_file: Any, scenario_id: str, out_dir: str | os.PathLike[str],
                 draws: int | None = DEFAULT_DRAWS, seed: int | None = DEFAULT_SEED,
                 report_years: int | None = None, pdf: bool = True,
                 year: int | None = None, force: bool = False) -> Publication:
    """Publish scenario ``scenario_id`` of an already validated, in-memory file (the app's).

    A file of the publication already in ``out_dir`` is replaced only if cutsim wrote it
    and nobody changed it since, unless ``force`` (:func:`cutsim.files.safewrite.atomic_folder`)."""
    from cutsim.api import Project
    from cutsim.files.safewrite import atomic_folder

    project = Project(cutsim_file)
    doc, result, files = render_all(project, scenario_id, draws, seed, report_years, year)
    out = Path(out_dir)
    names = [name for name in files if name != "report.html"]  # report.html: the PDF's source
    if pdf:
        names.append("report.pdf")
    # The set is written into a folder beside ``out`` and swapped in whole: a crash or a
    # full disk leaves the old publication or the new one, never a page without its data.
    with atomic_folder(out, [*names, "report.pdf"], force=force) as folder:  # an earlier set may have a PDF
        for name in names:
            if name == "report.pdf":
                from cutsim.publish.pdf import write_pdf

                write_pdf(cast(str, files["report.html"]), folder / name)
            else:
                content = files[name]
                data = content.encode("utf-8") if isinstance(content, str) else content
                _write_new(folder / name, data)
            (folder / name).chmod(PUBLISHED_MODE)
            _fsync(folder / name)
    written = [out / name for name in names]
    log.info("published %s to %s (%d files)", scenario_id, out, len(written))
    return Publication(doc, result, written)


def _write_new(path: Path, data: bytes) -> None:
    # Inside a fresh private folder: no one else can have planted anything here.
    with open(path, "xb") as handle:
        handle.write(data)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
