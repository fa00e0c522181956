"""``cutsim-app --selftest``: check that this copy of the app works, then exit 0 or 1.

It runs the same code paths as a user's first minutes, in the installed (or frozen) app:
open the bundled example place, run the "20 % youth cut" scenario and check the money
adds up, run a short Monte Carlo in the core and through the app's worker thread and
check the bands, read every bundled scenario file, build the main window with all its
docks, and draw a chart offscreen and check it is not blank. It prints one line, e.g.

    cutsim selftest: ok — youth-cut place NPV £… ; 50 draws P10 ≤ P50 ≤ P90; …

or ``cutsim selftest: FAILED — <the reason>`` with exit code 1. Nothing is written to
the user's settings: the window uses a throw-away settings file and recovery folder.

A windowed Windows app has no console (``sys.stdout`` is None); the line then goes to
``cutsim-selftest.txt`` in the app's data folder instead, and always to the file named
by ``CUTSIM_SELFTEST_REPORT`` when that is set (as ``packaging/build --check`` does).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cutsim.api import Project
    from cutsim.appraise.result import Result

SCENARIO = "youth-cut"
DRAWS = 50
SEED = 1
TOLERANCE = 1e-6  # relative: the identities below hold to rounding in the engine
REPORT_FILE = "cutsim-selftest.txt"
# Set by a launcher (``packaging/build --check``) to the epoch time it started the app,
# so the report can say how long the app took from launch to a shown window.
LAUNCH_ENV = "CUTSIM_LAUNCH_TIME"
# A file for the report line as well: a windowed Windows app cannot print to a pipe.
REPORT_ENV = "CUTSIM_SELFTEST_REPORT"


class SelfTestError(Exception):
    """A check failed; the message says which and with what numbers."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestError(message)


def bundle_root() -> Path:
    """Where the bundled data (models/, scenarios/) lives: the frozen bundle or the repo."""
    from ui import examples

    return examples.REPO_ROOT


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(scale))


# --------------------------------------------------------------------- the checks
def check_example() -> tuple[Any, str]:
    """Open the bundled example and every bundled scenario file; the project."""
    import cutsim
    from cutsim.workspace.sources import read_any
    from ui.examples import example_path

    path = example_path()
    check(path is not None, f"the bundled example is missing (looked in {bundle_root()})")
    assert path is not None
    project = cutsim.load(path)
    ids = [s.id for s in project.file.scenarios]
    check(SCENARIO in ids, f'the example has no "{SCENARIO}" scenario (it has {ids})')
    files = sorted((bundle_root() / "scenarios").glob("*.cutsim"))
    check(len(files) > 0, "no bundled scenario files in scenarios/")
    for f in files:
        read_any(f)  # validates in full; raises naming the file and the problem
    from cutsim.model import lever_kinds

    kinds = lever_kinds.kind_names()  # found by package in a bundle, as in a checkout
    check(set(kinds) >= {"cut", "invest", "pool", "procure"},
          f"the lever kinds are not all in this copy (found {', '.join(kinds) or 'none'})")
    return project, (f"example {len(project.model.services)} services, {len(files)} scenario files, "
                     f"{len(kinds)} lever kinds")


def check_money(project: Project) -> tuple[Any, str]:
    """Run the youth cut; check the sign convention and the money identities."""
    import numpy as np

    from cutsim.engine.money import SERIES

    result = project.run(SCENARIO)
    annual = result.agency_annual  # series -> (agencies, years)
    doc = result.to_json_dict()
    scale = float(np.abs(annual["planned_saving"]).max())
    check(scale > 0, "the youth cut plans no saving at all")
    # The place row of the published result is the sum over agencies, every year.
    for series in SERIES:
        place = np.asarray(doc["annual"]["place"][series])
        total = sum(np.asarray(v[series]) for v in doc["annual"]["agencies"].values())
        check(np.allclose(place, total, rtol=0, atol=TOLERANCE * scale),
              f"place {series} is not the sum of the agencies' {series}")
    # net = planned − knock-on − one-off, for every agency, every year and every instant.
    for kind, block in (("annual", annual), ("rate", result.agency_rates)):
        net = block["planned_saving"] - block["knock_on_cost"] - block["one_off_cost"]
        check(np.allclose(net, block["net_saving"], rtol=0, atol=TOLERANCE * scale),
              f"net saving ≠ planned − knock-on − one-off ({kind} figures)")
    planned = float(annual["planned_saving"].sum())
    knock_on = float(annual["knock_on_cost"].sum())
    check(planned > 0, f"a cut should plan a positive saving, got £{planned:,.0f}")
    check(knock_on > 0, f"the youth cut should cost other services something, got £{knock_on:,.0f}")
    npv = doc["appraisal"]["npv"]
    agencies = sum(v for k, v in npv.items() if k != "place")
    check(_close(npv["place"], agencies, npv["place"]),
          f"place NPV £{npv['place']:,.0f} ≠ Σ agencies £{agencies:,.0f}")
    return result, (f"{SCENARIO} planned £{planned / 1e6:,.2f}m, knock-on £{knock_on / 1e6:,.2f}m, "
                    f"place NPV £{npv['place'] / 1e6:,.2f}m")


def check_monte_carlo(project: Project) -> tuple[dict, str]:
    """A short seeded Monte Carlo: ordered bands, and the central run inside them."""
    import numpy as np

    result = project.run(SCENARIO, draws=DRAWS, seed=SEED)
    unc = result.uncertainty
    check(unc is not None and unc.draws == DRAWS, "the Monte Carlo block is missing")
    assert unc is not None
    block = unc.as_dict()  # the bands as run --json prints them
    npv = block["place"]["npv"]
    check(npv["p10"] <= npv["p50"] <= npv["p90"],
          f"place NPV bands out of order: P10 {npv['p10']:,.0f}, P50 {npv['p50']:,.0f}, "
          f"P90 {npv['p90']:,.0f}")
    check(npv["p10"] < npv["p90"], "the Monte Carlo drew no spread at all")
    bands = [block["place"]["net_saving"]]
    bands += [a["net_saving"] for a in block["agencies"].values()]
    bands += list(block["outcomes"].values())
    for band in bands:
        p10, p50, p90 = (np.asarray(band[k]) for k in ("p10", "p50", "p90"))
        check(bool(np.all(p10 <= p50 + 1e-9) and np.all(p50 <= p90 + 1e-9)),
              "a net-saving or outcome band has P10 > P50 or P50 > P90")
    return block, f"{DRAWS} draws NPV P10/P50/P90 £{npv['p10'] / 1e6:,.2f}m/" \
                  f"{npv['p50'] / 1e6:,.2f}m/{npv['p90'] / 1e6:,.2f}m"


def check_window(project: Project, core_block: dict, folder: Path) -> tuple[float, str]:
    """Build and show the main window on the example; run Monte Carlo on its worker thread.

    The app's worker runs the core's Monte Carlo (same seeding contract), so its bands
    must equal the core's exactly. Returns the time the window was shown.
    """
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow
    from ui.settings import Settings
    from ui.startup import initial_document

    file, path, error = initial_document(None)
    check(error is None, f"the example did not open in the app: {error}")
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(file, path, settings=settings, recovery_dir=folder / "recovery")
    try:
        window.show()
        QApplication.processEvents()
        shown = time.time()
        missing = {"scenarioDock", "resultsDock", "diagramDock", "problemsDock"} - set(window.views)
        check(not missing, f"the window lacks its {', '.join(sorted(missing))} (not bundled?)")
        controller = window.run_controller
        check(controller is not None, "the window has no run controller")
        assert controller is not None
        window.document.set_current_scenario(SCENARIO)
        controller.run_now()
        check(controller.result is not None, f"the app did not run {SCENARIO}: {controller.error}")
        check(controller.run_monte_carlo(draws=DRAWS, seed=SEED), "the app refused to run Monte Carlo")
        deadline = time.monotonic() + 60
        while controller.mc_result is None and time.monotonic() < deadline:
            controller.wait_for_monte_carlo(100)
            QApplication.processEvents()  # delivers the worker's finished signal
        check(controller.mc_result is not None, "the app's Monte Carlo did not finish in 60 s")
        app_npv = controller.mc_result.uncertainty.place_npv.as_dict()
        core_npv = core_block["place"]["npv"]
        for k in ("p10", "p50", "p90"):
            check(_close(app_npv[k], core_npv[k], core_npv[k]),
                  f"the app's Monte Carlo {k} £{app_npv[k]:,.0f} ≠ the core's £{core_npv[k]:,.0f}")
        return shown, f"window with {len(window.views)} docks"
    finally:
        if window.run_controller is not None:
            window.run_controller.shutdown()
        window.hide()
        window.deleteLater()
        QApplication.processEvents()


def check_chart(result: Result) -> str:
    """Draw the place net saving with the app's chart code into an image; check it shows."""
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from ui.palette import SCENARIO_COLOUR
    from ui.results import charts

    widget = charts.plot_widget("Net saving to the place", charts.MONEY_AXIS)
    widget.resize(640, 400)
    years = result.t
    widget.plot(years, result.place_rates["net_saving"] / 1e6, pen=charts.pen(SCENARIO_COLOUR),
                name="place")
    widget.show()
    QApplication.processEvents()
    image = QImage(640, 400, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    widget.render(painter)
    painter.end()
    widget.close()
    widget.deleteLater()
    # A blank or failed render is one flat colour; a drawn chart has axes, text and the
    # curve. Sample on a grid (fast) and count the curve's own colour.
    target = QColor(SCENARIO_COLOUR).rgb()
    colours: set[int] = set()
    curve = 0
    for y in range(0, 400, 2):
        for x in range(0, 640, 2):
            rgb = image.pixel(x, y)
            colours.add(rgb)
            curve += rgb == target
    check(len(colours) >= 3, f"the chart rendered blank ({len(colours)} colour(s))")
    check(curve >= 20, f"the chart has no visible curve ({curve} curve pixels)")
    return f"chart {len(colours)} colours, {curve} curve px"


def check_sensitivity(project: Project) -> str:
    """Tornado and a small Sobol run (SALib) on the example; Dask at least imports."""
    from cutsim.appraise.sensitivity import analyse

    scenario = project.scenario(SCENARIO)
    tornado = analyse(project.model, scenario, "tornado", "npv", 3)["tornado"]
    check(len(tornado) == 3, "the tornado has no inputs")
    swings = [r["swing"] for r in tornado]
    check(swings == sorted(swings, reverse=True) and swings[0] > 0,
          f"tornado swings not sorted or all zero: {swings}")
    sobol = analyse(project.model, scenario, "sobol", "npv", n=16)
    check(bool(sobol["sobol"]) and all(0 <= r["ST"] <= 2 for r in sobol["sobol"]),
          "Sobol indices missing or out of range")
    import dask.distributed  # noqa: F401 - the frozen app must carry it for --dask sweeps

    return f"sensitivity: top swing {tornado[0]['label']} £{swings[0] / 1e6:,.2f}m, " \
           f"Sobol {sobol['runs']} runs, dask imports"
def check_print(result: Result, folder: Path) -> str:
    """File > Print's report printed to a PDF file (Qt's print support is bundled)."""
    from ui.printing import print_to_pdf

    path = folder / "print.pdf"
    pages = print_to_pdf(path, result, [], "A4")
    check(pages >= 1 and path.read_bytes()[:5] == b"%PDF-", "printing to PDF wrote no PDF")
    return f"printed {pages} A4 page(s)"


def check_publication(project: Project) -> str:
    """When the publication is bundled: its residents' page renders from the example."""
    try:
        from cutsim.publish.build import render_all
    except ModuleNotFoundError:
        return "publication not bundled"
    _doc, _result, files = render_all(project, SCENARIO, draws=None)
    page = files["index.html"]
    check(isinstance(page, str) and "<svg" in page, "the residents' page has no chart")
    return "publication page ok"


def check_plan(result: Result) -> str:
    """The medium-term financial plan adds up: the general fund's gap before savings less
    its gap after savings is the net saving it counts (cashable knock-on only)."""
    from cutsim.appraise.mtfs import build_plan

    plan = build_plan(result)
    for agency in plan.agencies:
        lines = agency.lines
        counted = lines["planned_savings"] - lines["knock_on_cashable"] - lines["one_off_costs"]
        worst = float(max(abs(a - b) for a, b in zip(lines["gap_before_savings"] - lines["net_position"],
                                                     counted)))
        check(worst < 0.01, f"the {agency.agency} plan does not add up (off by £{worst:.4f})")
    return f"plan of {len(plan.agencies)} agencies ok"


def check_consultation(project: Project) -> str:
    """When the publication is bundled: a consultation page's sums equal the engine's."""
    try:
        from cutsim.consult.offer import build_offer, default_consultation, with_choices
    except ModuleNotFoundError:
        return "consultation not bundled"
    scenario = project.scenario(SCENARIO)
    consultation = default_consultation(scenario)
    scenario = scenario.model_copy(update={"consultation": consultation})
    offer = build_offer(project, scenario)
    choices = {o.lever: o.max for o in consultation.levers}
    got = offer.evaluate(choices)
    want = offer.layout.flatten(project.run(with_choices(scenario, choices)))
    worst = float(max(abs(a - b) for a, b in zip(got, want)))
    check(worst < 0.005, f"the consultation page's sums are off by £{worst:.4f}")
    return "consultation sums ok"
def check_signing(folder: Path) -> str:
    """Ed25519 in the bundle: make a key, sign the example, verify it, catch a tamper."""
    import json

    from cutsim.files import exchange, signing
    from cutsim.files.keyring import Keyring
    from cutsim.workspace.sources import open_source
    from ui.examples import example_path

    keyring = Keyring(folder / "config")  # never the user's own keyring
    keyring.new_key("council")
    path = folder / "signed.cutsim"
    example = example_path()
    check(example is not None, "the bundled example is missing")
    assert example is not None
    path.write_bytes(example.read_bytes())
    signing.sign_path(path, keyring)
    verification = open_source(path, keyring=keyring).verification
    assert verification is not None  # a .cutsim file always has a verdict
    check(verification.trusted, "a freshly signed file does not verify: "
          + "; ".join(verification.lines()))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["model"]["services"][0]["baseline_spend"] += 1
    document.pop("sha256")
    document["sha256"] = exchange.canonical_sha256(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    tampered = open_source(path, keyring=keyring).verification
    check(tampered is not None and not tampered.holds, "a tampered file still verifies")
    return "signing ok"


def check_workbooks(project: Project, result: Result, folder: Path) -> str:
    """Write the example as a model workbook and read it back; write a results workbook
    and find its sheets and total formulas; search the bundled unit costs."""
    import zipfile

    from cutsim.files.workbook import read_workbook, write_workbook
    from cutsim.tools.results_workbook import write_results_workbook
    from cutsim.tools.unit_costs import load_unit_costs

    book = folder / "selftest-model.xlsx"
    write_workbook(book, project.file)
    back = read_workbook(book)
    check(back.model == project.file.model, "the model workbook did not read back the same model")
    results = folder / "selftest-results.xlsx"
    totals = write_results_workbook(results, result)
    with zipfile.ZipFile(results) as archive:
        check("xl/worksheets/sheet2.xml" in archive.namelist() and
              b"<f>" in archive.read("xl/worksheets/sheet2.xml"),
              "the results workbook has no total formulas")
    check(len(load_unit_costs()) == 684, "the unit cost database is not bundled whole")
    return f"workbooks ok ({len(totals)} totals)"


# --------------------------------------------------------------------- running
def _report(line: str, report_dir: Path | None) -> None:
    """Print the line; also write it where ``CUTSIM_SELFTEST_REPORT`` says, and to
    ``report_dir`` when there is no console to print to."""
    targets = [Path(p) for p in [os.environ.get(REPORT_ENV)] if p]
    if sys.stdout is not None:
        print(line, flush=True)
    elif report_dir is not None:
        targets.append(report_dir / REPORT_FILE)
    for target in targets:
        try:
            target.write_text(line + "\n", encoding="utf-8")
        except OSError:
            pass  # nowhere to write: the exit code still tells


def run(argv: list[str] | None = None) -> int:
    """Run every check; print one line; 0 when all pass, 1 with the reason otherwise."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window flashes up
    started = time.time()
    from PySide6.QtWidgets import QApplication

    from ui.settings import data_dir
    from ui.startup import make_application

    app = QApplication.instance() or make_application(list(argv or sys.argv[:1]))
    try:
        report_dir: Path | None = data_dir()  # the app's own folder, named before the rename
    except OSError:
        report_dir = None
    # QSettings/QStandardPaths must not touch the user's real app data during the test.
    app.setApplicationName("cutsim-selftest")
    parts: list[str] = []
    step = "starting"
    try:
        with tempfile.TemporaryDirectory(prefix="cutsim-selftest-") as tmp:
            step = "opening the example"
            project, note = check_example()
            parts.append(note)
            step = f"running {SCENARIO}"
            result, note = check_money(project)
            parts.append(note)
            step = "running Monte Carlo"
            block, note = check_monte_carlo(project)
            parts.append(note)
            step = "showing the main window"
            shown, note = check_window(project, block, Path(tmp))
            parts.append(note)
            step = "drawing a chart"
            parts.append(check_chart(result))
            step = "writing and reading workbooks"
            parts.append(check_workbooks(project, result, Path(tmp)))
            step = "running sensitivity"
            parts.append(check_sensitivity(project))
            step = "printing to PDF"
            parts.append(check_print(result, Path(tmp)))
            step = "rendering the publication"
            parts.append(check_publication(project))
            step = "building the medium-term financial plan"
            parts.append(check_plan(result))
            step = "building a consultation page"
            parts.append(check_consultation(project))
            step = "signing and verifying a file"
            parts.append(check_signing(Path(tmp)))
    except SelfTestError as exc:
        _report(f"cutsim selftest: FAILED — {exc}", report_dir)
        return 1
    except Exception as exc:  # noqa: BLE001 - any failure is a failed self-test, with its cause
        where = traceback.extract_tb(exc.__traceback__)[-1]
        _report(f"cutsim selftest: FAILED while {step} — {type(exc).__name__}: {exc} "
                f"({Path(where.filename).name}:{where.lineno})", report_dir)
        return 1
    timing = f"{time.time() - started:.1f} s"
    launched = os.environ.get(LAUNCH_ENV)
    if launched:
        try:
            timing += f"; window shown {shown - float(launched):.1f} s after launch"
        except ValueError:
            pass
    frozen = " (frozen)" if getattr(sys, "frozen", False) else ""
    _report(f"cutsim selftest: ok{frozen} — {'; '.join(parts)}; {timing}", report_dir)
    return 0


if __name__ == "__main__":
    sys.exit(run())
