"""The decision log of a workshop: every change with its time, package and note, kept in
memory, in a workspace, or in a sidecar workspace beside a ``.cutsim`` file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cutsim.model.schema import (
    CutsimFile,
)

SIDECAR_SUFFIX = ".workshop.cutsimdb"


# ------------------------------------------------------------------ the decision log


@dataclass(frozen=True)
class Decision:
    """One entry of the decision log."""

    at: str
    package: str
    change: str
    note: str | None = None


class DecisionLog(Protocol):
    """Where decisions go: :class:`MemoryLog` or :class:`WorkspaceLog`."""

    @property
    def where(self) -> Path | None: ...

    def add(self, decision: Decision) -> None: ...

    def entries(self) -> list[Decision]: ...


@dataclass
class MemoryLog:
    """The log of a meeting on a document that is not in a workspace (kept until saved)."""

    items: list[Decision] = field(default_factory=list)

    @property
    def where(self) -> Path | None:
        return None

    def add(self, decision: Decision) -> None:
        self.items.append(decision)

    def entries(self) -> list[Decision]:
        return list(self.items)


class WorkspaceLog:
    """The log written to a workspace's ``decision`` table, one transaction per entry, so
    a crash in the meeting loses nothing already said. The file is opened per write: the
    app saves the same workspace between entries."""

    def __init__(self, path: Path, model_pk: int | None = None) -> None:
        self.path, self.model_pk = Path(path), model_pk

    @property
    def where(self) -> Path | None:
        return self.path

    def add(self, decision: Decision) -> None:
        from cutsim.workspace import open_workspace

        with open_workspace(self.path) as workspace:
            workspace.add_decision(decision.package, decision.change, decision.note,
                                   at=decision.at, model_pk=self.model_pk)

    def entries(self) -> list[Decision]:
        from cutsim.workspace import open_workspace

        with open_workspace(self.path) as workspace:
            return [Decision(r.at, r.package, r.change, r.note)
                    for r in workspace.decisions(self.model_pk)]


class SidecarLog:
    """The log of a meeting on a saved ``.cutsim`` file, kept in a sidecar workspace beside
    it (``budget.workshop.cutsimdb``). The sidecar is created, holding the model as it was
    when the meeting began, at the first logged decision, not on entering the workshop, so
    a meeting that decides nothing leaves no file behind; :meth:`discard_if_empty` removes
    a sidecar this log created when it holds no decision."""

    def __init__(self, path: Path, file: CutsimFile) -> None:
        self.path, self._file = Path(path), file
        self.created = False  # True once this log has created the sidecar

    @property
    def where(self) -> Path | None:
        return self.path

    def add(self, decision: Decision) -> None:
        if not self.path.exists():
            save_log_to_workspace(MemoryLog(), self.path, self._file)
            self.created = True
        WorkspaceLog(self.path).add(decision)

    def entries(self) -> list[Decision]:
        return WorkspaceLog(self.path).entries() if self.path.exists() else []

    def discard_if_empty(self) -> bool:
        """Remove the sidecar when this log created it and it holds no decision; True if
        removed. A sidecar with earlier meetings' decisions is never touched."""
        if not (self.created and self.path.exists()) or self.entries():
            return False
        for extra in ("-wal", "-shm"):
            Path(str(self.path) + extra).unlink(missing_ok=True)
        self.path.unlink()
        self.created = False
        return True


def sidecar_path(document_path: Path) -> Path:
    """The workspace kept beside a ``.cutsim`` file for its meetings: ``budget.workshop.cutsimdb``."""
    return document_path.with_name(document_path.stem + SIDECAR_SUFFIX)


def open_log(file: CutsimFile, path: Path | None, is_workspace: bool) -> DecisionLog:
    """Where a meeting on this document logs: the open workspace; the sidecar workspace
    next to a saved ``.cutsim`` file (created, holding the model, at the first decision);
    else memory. A model that cannot go into a workspace is refused now, not mid-meeting."""
    if path is None:
        return MemoryLog()
    if is_workspace:
        return WorkspaceLog(path)
    from cutsim.model.errors import InputError
    from cutsim.model.validation import validate_file

    problems = [str(p) for p in validate_file(file)]
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the model:\n  " + "\n  ".join(problems[:20]),
                         problems)
    return SidecarLog(sidecar_path(path), file)


def save_log_to_workspace(log: DecisionLog, path: Path, file: CutsimFile) -> WorkspaceLog:
    """Copy ``log`` into the workspace at ``path`` (created with ``file`` if it does not
    exist); the log to keep writing to. An existing workspace keeps its earlier meetings."""
    from cutsim.workspace import create_workspace, open_workspace

    path = Path(path)
    workspace = open_workspace(path) if path.exists() else create_workspace(path, file)
    with workspace:
        for decision in log.entries():
            workspace.add_decision(decision.package, decision.change, decision.note, at=decision.at)
    return WorkspaceLog(path)
