"""A budget workshop: option packages, a savings target, red lines and a decision log.

Cabinet members compare prepared option packages (each a scenario) live, change them
("what if we protect this instead?") and end with an agreed package. This module is the
meeting's state and rules, without Qt:

- :class:`Package`: a scenario taking part, labelled A, B, C…, with the copy prepared
  before the meeting (for "reset to prepared").
- Toggling a lever *out* removes it from the working scenario (an ordinary undoable
  :class:`~cutsim.model.commands.RemoveLever`) but the session remembers it, so it can be put
  back where it was. The session never holds a second copy of the document: which levers
  are out is derived from the document each time (known levers minus present ones), so
  undo and redo of the document keep it right.
- The savings target for a year, resolved in this order: set in the meeting; the
  scenario's own target for the lead agency; the lead agency's ``savings_target`` (a
  figure for every year, or the medium-term gap year by year); the scenario's place
  target. :class:`Gauge` puts it beside the lead agency's own net saving and the whole
  place's net saving after knock-on costs, so the cost pushed onto partners is visible.
- Red lines (docs/levers.md) are the meeting's: they apply to every package. The breach test
  is the engine's own (:meth:`cutsim.appraise.result.Result.red_lines`), run on the working
  scenario with the meeting's red lines.
- The decision log: every change with its time, package and an optional note, written
  as it happens to a workspace (:class:`WorkspaceLog`), or kept in memory
  (:class:`MemoryLog`) until it is saved into one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from cutsim.appraise.disclosure import protected_agency_annual
from cutsim.appraise.result import Result, year_labels
from cutsim.levers.kinds import CutLever, InvestLever
from cutsim.model.commands import Command, RemoveLever, ReplaceScenario, SetLever
from cutsim.model.errors import InputError
from cutsim.model.fmt import money  # one formatter for the CLI, the app and the minutes
from cutsim.model.schema import (
    CutsimFile,
    LeverBase,
    Model,
    Provenance,
    RedLine,
    Scenario,
    Target,
    headline_year,
)
from cutsim.workshop.figures import (
    PackageSummary,
    TargetInfo,
    gauge,
    key_outcomes,
    lead_agency,
    merge_red_lines,
    outcome_changes,
    red_line_statuses,
    red_line_text,
    resolve_target,
)
from cutsim.workshop.log import Decision, DecisionLog, MemoryLog
from cutsim.workshop.packages import (
    LETTERS,
    LeverState,
    Package,
    describe_lever,
    lever_size,
    now,
)

MAX_SIDE_BY_SIDE = 4  # packages shown side by side on one screen


# ------------------------------------------------------------------ the session


class WorkshopSession:
    """The state of one workshop over a document (which is passed in, never kept).

    ``scenario_ids``: the prepared packages, in order (default: every scenario with levers,
    else every scenario). ``year``: the financial year (0-based) the gauges, the comparison
    and the outcome changes show; by default the first package's headline year
    (docs/result-format.md), so the workshop and the publication headline the same year.
    """

    def __init__(self, file: CutsimFile, scenario_ids: Sequence[str] | None = None, *,
                 log: DecisionLog | None = None, year: int | None = None) -> None:
        if scenario_ids is None:
            with_levers = [s.id for s in file.scenarios if s.levers]
            scenario_ids = with_levers or [s.id for s in file.scenarios]
        if not scenario_ids:
            raise InputError("a workshop needs at least one scenario to use as an option package")
        self.packages: list[Package] = []
        self._known: dict[str, dict[str, LeverBase]] = {}
        for sid in scenario_ids:
            self.add_package(file.scenario(sid))
        self.red_lines: list[RedLine] = merge_red_lines(p.prepared for p in self.packages)
        self.meeting_targets: dict[int, float] = {}
        self.lead_agency = lead_agency(file.model)
        self.horizon = file.model.place.horizon_years
        self.base_year = file.model.place.base_year
        if year is None:
            year = headline_year(file.scenario(self.packages[0].scenario_id), self.horizon)
        self.year = min(max(0, year), self.horizon - 1)
        self.current = 0
        self.agreed: str | None = None  # label of the agreed package
        self.log: DecisionLog = log if log is not None else MemoryLog()

    # --- packages ------------------------------------------------------------

    def add_package(self, scenario: Scenario) -> Package:
        """Take part with ``scenario`` (already in the document) as the next letter."""
        if len(self.packages) >= len(LETTERS):
            raise InputError(f"a workshop has at most {len(LETTERS)} packages")
        if any(p.scenario_id == scenario.id for p in self.packages):
            raise InputError(f'scenario "{scenario.id}" is already package '
                             f"{self.package_of(scenario.id).label}")
        package = Package(LETTERS[len(self.packages)], scenario.id, scenario)
        self.packages.append(package)
        self._known[scenario.id] = {lever.id: lever for lever in scenario.levers}
        return package

    def package(self, key: int | str | None = None) -> Package:
        """A package by index or label (the current one by default)."""
        if key is None:
            return self.packages[self.current]
        if isinstance(key, int):
            return self.packages[key]
        for package in self.packages:
            if package.label == key:
                return package
        raise KeyError(f"no package {key}")

    def package_of(self, scenario_id: str) -> Package:
        for package in self.packages:
            if package.scenario_id == scenario_id:
                return package
        raise KeyError(f'scenario "{scenario_id}" is not a package')

    def select(self, index: int) -> bool:
        """Show package ``index`` (clamped); True if that changed the current package."""
        index = max(0, min(index, len(self.packages) - 1))
        changed, self.current = index != self.current, index
        return changed

    def step(self, delta: int) -> bool:
        """The next (+1) or previous (−1) package, wrapping round: a clicker's buttons."""
        return self.select((self.current + delta) % len(self.packages))

    def shown(self) -> list[Package]:
        """Up to four packages to compare: the current one and its neighbours in order."""
        n = len(self.packages)
        if n <= MAX_SIDE_BY_SIDE:
            return list(self.packages)
        start = min(max(0, self.current - 1), n - MAX_SIDE_BY_SIDE)
        return self.packages[start:start + MAX_SIDE_BY_SIDE]

    # --- levers ----------------------------------------------------------------

    def observe(self, file: CutsimFile) -> None:
        """Remember every lever the packages have now (call after each document change), so
        a lever taken out, or changed then taken out, comes back as it last was."""
        for package in self.packages:
            scenario = _find(file, package.scenario_id)
            if scenario is not None:
                known = self._known.setdefault(package.scenario_id, {})
                for lever in scenario.levers:
                    known[lever.id] = lever

    def levers(self, file: CutsimFile, key: int | str | None = None) -> list[LeverState]:
        """Every lever of a package, in or out, in prepared order (new ones after)."""
        package = self.package(key)
        scenario = self._scenario(file, package)
        present = {lever.id: lever for lever in scenario.levers}
        prepared = {lever.id: lever for lever in package.prepared.levers}
        known = dict(self._known.get(package.scenario_id, {}))
        known.update(present)
        return [LeverState(present.get(lid, lever), lid in present, prepared.get(lid))
                for lid, lever in known.items()]

    def toggle(self, file: CutsimFile, lever_id: str, key: int | str | None = None) -> tuple[Command, str]:
        """The command that takes a lever out (or puts it back), and the log's words."""
        package = self.package(key)
        scenario = self._scenario(file, package)
        states = {s.lever.id: s for s in self.levers(file, package.label)}
        if lever_id not in states:
            raise InputError(f'package {package.label} has no lever "{lever_id}"')
        state = states[lever_id]
        words = describe_lever(state.lever, file.model)
        if state.on:
            return RemoveLever(scenario.id, lever_id), f"Took out: {words}"
        # Back in its place among the others, as it last was.
        order = [s.lever.id for s in states.values()]
        on = {s.lever.id for s in states.values() if s.on} | {lever_id}
        levers = [states[lid].lever for lid in order if lid in on]
        return (ReplaceScenario(scenario.model_copy(update={"levers": levers})),
                f"Put back: {words}")

    def resize(self, file: CutsimFile, lever_id: str, value: float,
               key: int | str | None = None) -> tuple[SetLever, str]:
        """The command that sets a cut or invest lever's size (percent or £/yr)."""
        package = self.package(key)
        scenario = self._scenario(file, package)
        lever = next((lv for lv in scenario.levers if lv.id == lever_id), None)
        if lever is None:
            raise InputError(f'lever "{lever_id}" is not in package {package.label}: put it back first')
        size = lever_size(lever)
        if size is None:
            raise InputError(f'lever "{lever_id}" ({lever.kind}) has no size to change')
        if not (math.isfinite(value) and value >= 0):
            raise InputError(f"a lever's size must be a number of at least 0, not {value!r}")
        field_name = "percent" if size[1] == "%" else "amount"
        new = lever.model_copy(update={field_name: float(value)})
        return (SetLever(scenario.id, new),
                f"Changed: {describe_lever(lever, file.model)} to {describe_lever(new, file.model).split(' by ')[-1]}")

    def add_lever(self, file: CutsimFile, lever: LeverBase,
                  key: int | str | None = None) -> tuple[Command, str]:
        """The command that adds a new lever to a package during the meeting, and the log's
        words (``Added: cut Youth work by 20 %``); a lever id already in the package is refused."""
        package = self.package(key)
        scenario = self._scenario(file, package)
        if any(lv.id == lever.id for lv in scenario.levers):
            raise InputError(f'package {package.label} already has a lever "{lever.id}"')
        return SetLever(scenario.id, lever), f"Added: {describe_lever(lever, file.model)}"

    def reset(self, file: CutsimFile, key: int | str | None = None) -> tuple[Command, str]:
        """The command that puts a package back as prepared (levers only; the meeting's
        red lines and targets stay)."""
        package = self.package(key)
        scenario = self._scenario(file, package)
        restored = scenario.model_copy(update={"levers": list(package.prepared.levers)})
        return ReplaceScenario(restored), "Reset to prepared"

    # --- targets and red lines -----------------------------------------------------

    def year_label(self, year: int | None = None) -> str:
        """``"2026-27"`` for a year of the horizon (the gauges' year by default)."""
        return year_labels(self.base_year, self.horizon)[self.year if year is None else year]

    def set_year(self, year: int) -> bool:
        """Show another financial year; True if it changed."""
        year = min(max(0, year), self.horizon - 1)
        changed, self.year = year != self.year, year
        return changed

    def target(self, file: CutsimFile, key: int | str | None = None, year: int | None = None) -> TargetInfo:
        scenario = _find(file, self.package(key).scenario_id)
        return resolve_target(file.model, scenario, self.lead_agency,
                              self.year if year is None else year, self.meeting_targets)

    def set_target(self, amount: float | None, year: int | None = None) -> str:
        """Set (or with None, clear) the meeting's target for a year; the log's words."""
        y = self.year if year is None else year
        label = self.year_label(y)
        if amount is None:
            self.meeting_targets.pop(y, None)
            return f"Meeting target for {label} cleared"
        if not (math.isfinite(amount) and amount >= 0):
            raise InputError("a savings target must be a number of pounds, at least 0")
        self.meeting_targets[y] = float(amount)
        return f"Savings target for {label} set to {money(amount)}"

    def add_red_line(self, line: RedLine, model: Model) -> str:
        """Add (or tighten/loosen, for the same outcome and unit) a meeting red line."""
        try:
            name = model.outcome(line.outcome).name
        except KeyError:
            raise InputError(f'red line: no outcome "{line.outcome}" in the model') from None
        if not (math.isfinite(line.max_change) and line.max_change >= 0):
            raise InputError("a red line's largest change must be a number of at least 0")
        key = (line.outcome, line.as_, line.by_year)
        self.red_lines = [r for r in self.red_lines if (r.outcome, r.as_, r.by_year) != key] + [line]
        return f"Red line: {red_line_text(line, name)}"

    def remove_red_line(self, index: int, model: Model) -> str:
        line = self.red_lines.pop(index)
        try:
            name = model.outcome(line.outcome).name
        except KeyError:
            name = line.outcome
        return f"Red line dropped: {red_line_text(line, name)}"

    # --- running and summarising ---------------------------------------------------------

    def working_scenario(self, file: CutsimFile, key: int | str | None = None) -> Scenario:
        """The package as it stands, with the meeting's red lines (what is run and judged)."""
        return self._scenario(file, self.package(key)).model_copy(update={"red_lines": list(self.red_lines)})

    def summarise(self, file: CutsimFile, result: Result, key: int | str | None = None,
                  outcome_ids: Sequence[str] = ()) -> PackageSummary:
        package = self.package(key)
        scenario = self._scenario(file, package)
        g = gauge(result, self.lead_agency, self.target(file, package.label))
        cm = result.compiled
        # Disclosure control: agencies' money as the publication would show it.
        shown = protected_agency_annual(cm, result.scenario, result.agency_annual)["net_saving"]
        g = dataclasses.replace(g, agency_net=float(shown[cm.agency_ids.index(g.agency), g.year]),
                                place_net=float(shown[:, g.year].sum()))
        agency_net = {a: float(shown[i, self.year]) for i, a in enumerate(cm.agency_ids)}
        states = self.levers(file, package.label)
        return PackageSummary(label=package.label, scenario_id=package.scenario_id, name=scenario.name,
                              gauge=g, agency_net=agency_net,
                              outcomes=outcome_changes(result, outcome_ids, self.year),
                              red_lines=red_line_statuses(result),
                              levers_on=sum(s.on for s in states),
                              levers_out=sum(not s.on for s in states))

    # --- the log and the outcome -------------------------------------------------------

    def record(self, change: str, note: str | None = None, key: int | str | None = None,
               at: str | None = None) -> Decision:
        """Log one change to a package (the current one by default)."""
        label = self.package(key).label if key != "" else ""
        decision = Decision(at or now(), label, change, (note or "").strip() or None)
        self.log.add(decision)
        return decision

    def agree(self, file: CutsimFile, key: int | str | None = None, note: str | None = None) -> Decision:
        package = self.package(key)
        self.agreed = package.label
        name = self._scenario(file, package).name
        return self.record(f"Agreed: package {package.label} ({name})", note, package.label)

    def agreed_file(self, file: CutsimFile, key: int | str | None = None, *,
                    author: str | None = None, organisation: str | None = None) -> CutsimFile:
        """The agreed package as a file for partners: the model and that one scenario, with
        the meeting's red lines and targets set in the meeting."""
        package = self.package(key if key is not None else (self.agreed or self.current))
        scenario = self.working_scenario(file, package.label)
        targets = list(scenario.targets) + [
            Target(agency=self.lead_agency, amount=amount, from_year=year)
            for year, amount in sorted(self.meeting_targets.items())
            if not any(t.agency == self.lead_agency and t.from_year == year for t in scenario.targets)]
        stamp = now()
        description = ((scenario.description + "\n\n") if scenario.description else "") + \
            f"Agreed in a budget workshop on {stamp[:10]} as package {package.label}."
        scenario = scenario.model_copy(update={"targets": targets, "description": description,
                                               "created": stamp})
        provenance = (file.provenance or Provenance()).model_copy(update={
            "author": author or (file.provenance.author if file.provenance else None),
            "organisation": organisation or (file.provenance.organisation if file.provenance else None),
            "created": None, "model_sha256": None, "tool_version": None})
        return file.model_copy(update={"scenarios": [scenario], "provenance": provenance, "sha256": None})

    # --- internals -------------------------------------------------------------------

    @staticmethod
    def _scenario(file: CutsimFile, package: Package) -> Scenario:
        scenario = _find(file, package.scenario_id)
        if scenario is None:
            raise InputError(f'package {package.label}: scenario "{package.scenario_id}" is no longer in the document')
        return scenario


def _find(file: CutsimFile, scenario_id: str) -> Scenario | None:
    return next((s for s in file.scenarios if s.id == scenario_id), None)


def unique_scenario_id(file: CutsimFile, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever the document does not use yet."""
    taken = {s.id for s in file.scenarios}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}"[:64] in taken:
        n += 1
    return f"{base}-{n}"[:64]


def propose(file: CutsimFile, session: WorkshopSession, compiled: Any,
            key: int | str | None = None) -> tuple[Scenario, str]:
    """The optimiser's least-cost package that meets the target within the meeting's red
    lines, protecting the services whose levers the meeting took out of package ``key``.

    Returns the scenario (a new id) and a sentence for the log. Raises
    :class:`~cutsim.model.errors.NoCleanAnswer` (naming what binds) when no package can.
    """
    from cutsim.appraise.optimise import Request, optimise

    package = session.package(key)
    target = session.target(file, package.label)
    if not target.amount:
        raise InputError("set a savings target first: the optimiser finds the least-cost package meeting it")
    protect = sorted({s.lever.service for s in session.levers(file, package.label)
                      if not s.on and isinstance(s.lever, (CutLever, InvestLever))})
    request = Request(target=target.amount, by=session.year, agency=session.lead_agency,
                      protect=protect, red_lines=list(session.red_lines))
    sid = unique_scenario_id(file, f"proposed-{package.label.lower()}")
    result = optimise(compiled, request, scenario_id=sid)
    scenario = result.scenario.model_copy(update={
        "name": f"Proposed: {money(target.amount)} within red lines",
        "parent": package.scenario_id})
    kept = f", protecting {', '.join(protect)}" if protect else ""
    # The same delivery rules as `cutsim optimise`: lead times, consultation, redundancy.
    delivery = f"; one-off costs {money(result.one_off_cost)}" if result.one_off_cost else ""
    delivery += "".join(f"; {entry['consultation_days']} days' consultation at {agency}"
                        for agency, entry in result.consultation.items()
                        if entry["consultation_days"])
    return scenario, (f"Optimiser proposed {len(scenario.levers)} cut(s) meeting "
                      f"{money(target.amount)} in {session.year_label()} within "
                      f"{len(session.red_lines)} red line(s){kept}{delivery}")


def run_packages(session: WorkshopSession, file: CutsimFile, project: Any = None,
                 labels: Sequence[str] | None = None) -> dict[str, Result]:
    """Run packages (all by default) as they stand, with the meeting's red lines.

    ``project``: a :class:`cutsim.api.Project` on ``file`` whose compiled model is reused
    (one is made if not given). A package that cannot run is left out.
    """
    from cutsim.api import Project

    project = project if project is not None else Project(file)
    out = {}
    for label in labels if labels is not None else [p.label for p in session.packages]:
        out[label] = project.run(session.working_scenario(file, label))
    return out


def summarise_all(session: WorkshopSession, file: CutsimFile,
                  results: dict[str, Result]) -> dict[str, PackageSummary]:
    """Summaries of the given results on the same outcome rows, for comparison."""
    outcome_ids = key_outcomes(results.values(), session.red_lines, year=session.year)
    return {label: session.summarise(file, result, label, outcome_ids)
            for label, result in results.items()}
