"""Option packages and their levers as a meeting sees them: in or out, sized, in words."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from cutsim.levers.kinds.spend import lever_size as spend_lever_size
from cutsim.model import lever_kinds
from cutsim.model.schema import LeverBase, Model, Scenario

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def now() -> str:
    """The time of a decision: local time with its offset, to the second (for minutes)."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


# ------------------------------------------------------------------ packages and levers


@dataclass(frozen=True)
class Package:
    """One option package: a scenario in the document, and the copy prepared beforehand."""

    label: str
    scenario_id: str
    prepared: Scenario


@dataclass(frozen=True)
class LeverState:
    """A lever of a package as the meeting sees it: in or out, its size now and as prepared."""

    lever: LeverBase
    on: bool
    prepared: LeverBase | None

    @property
    def changed(self) -> bool:
        return not self.on or self.prepared is None or self.prepared != self.lever


def lever_size(lever: LeverBase) -> tuple[float, str] | None:
    """(value, unit) of a sized lever (cut, invest): ``(20.0, "%")`` or ``(500000.0, "£/yr")``."""
    if lever_kinds.of(lever).sized:
        return spend_lever_size(lever)  # type: ignore[arg-type]
    return None


def describe_lever(lever: LeverBase, model: Model | None = None) -> str:
    """A lever in a councillor's words: ``cut Youth work by 20 %``."""
    def name(service_id: str) -> str:
        if model is None:
            return service_id
        try:
            return model.service(service_id).name
        except KeyError:
            return service_id

    areas = {a.id: a.name for a in (model.areas or [])} if model is not None else {}
    return lever_kinds.of(lever).describe(lever, name, lambda a: areas.get(a, a))
