"""The decision a workshop agreed, read from its decision log, as the actuals' decision
(docs/actuals.md "The decision from the workshop's log").

A workshop logs its agreement as ``Agreed: package <label> (<scenario name>)``
(:meth:`cutsim.workshop.session.WorkshopSession.agree`). The last such entry names the
package adopted; it becomes an :class:`cutsim.model.schema.Decision` for the scenario of
that name, dated the day of the entry, decided "in a budget workshop", with the entry's
note. Nothing is guessed: no agreement, or a name that is not exactly one of the file's
scenarios, gives no decision (and says why).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cutsim.model.schema import CutsimFile
from cutsim.model.schema import Decision as AdoptedDecision
from cutsim.workshop.log import Decision, WorkspaceLog, sidecar_path

AGREED = re.compile(r"^Agreed: package (?P<label>.+?) \((?P<name>.*)\)$", re.DOTALL)
DECIDED_BY = "budget workshop"


@dataclass(frozen=True)
class LoggedAdoption:
    """What a decision log says was adopted: the decision to record, or why there is none."""

    decision: AdoptedDecision | None
    reason: str  # what the log says, in words (shown beside the offer)


def agreed_decision(entries: Sequence[Decision], cutsim_file: CutsimFile) -> LoggedAdoption:
    """The decision of the last agreement in ``entries`` (a decision log, oldest first).

    The scenario is the one of ``cutsim_file`` whose name is the agreed package's; the
    date is the entry's day (``YYYY-MM-DD``, the local date the log recorded); ``by`` is
    "budget workshop (package <label>)"; ``notes`` the entry's note. ``decision`` is None
    when the log holds no agreement or its scenario is not exactly one of the file's.
    """
    agreed = [(e, m) for e in entries if (m := AGREED.match(e.change)) is not None]
    if not agreed:
        return LoggedAdoption(None, "the decision log records no agreed package")
    entry, match = agreed[-1]
    label, name = match.group("label"), match.group("name")
    found = [s for s in cutsim_file.scenarios if s.name == name]
    if len(found) != 1:
        how = "no scenario" if not found else f"{len(found)} scenarios"
        return LoggedAdoption(None, f'the decision log agreed package {label} ("{name}") on '
                                    f"{entry.at[:10]}, but the file has {how} of that name")
    decision = AdoptedDecision(scenario=found[0].id, date=entry.at[:10],
                               by=f"{DECIDED_BY} (package {label})", notes=entry.note)
    return LoggedAdoption(decision, f'the workshop agreed package {label} ("{name}") on '
                                    f"{entry.at[:10]}")


def logged_entries(document_path: Path | None, is_workspace: bool) -> list[Decision]:
    """The decision log kept for a document (where a meeting on it logs, docs/workshop.md):
    a workspace's own ``decision`` table, else the sidecar workspace beside a saved
    ``.cutsim`` file when there is one; none for an unsaved document."""
    if document_path is None:
        return []
    if is_workspace:
        return WorkspaceLog(document_path).entries()
    sidecar = sidecar_path(document_path)
    return WorkspaceLog(sidecar).entries() if sidecar.exists() else []
