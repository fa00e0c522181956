"""Option packages and their levers as a meeting sees them: in or out, sized, in words."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from cutsim.model.fmt import money  # one formatter for the CLI, the app and the minutes
from cutsim.model.schema import (
    CutLever,
    InvestLever,
    Lever,
    Model,
    PoolLever,
    ProcureLever,
    Scenario,
)

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

    lever: Lever
    on: bool
    prepared: Lever | None

    @property
    def resizable(self) -> bool:
        return isinstance(self.lever, (CutLever, InvestLever))

    @property
    def changed(self) -> bool:
        return not self.on or self.prepared is None or self.prepared != self.lever


def lever_size(lever: Lever) -> tuple[float, str] | None:
    """(value, unit) of a cut/invest lever's size: ``(20.0, "%")`` or ``(500000.0, "£/yr")``."""
    if isinstance(lever, (CutLever, InvestLever)):
        if lever.percent is not None:
            return float(lever.percent), "%"
        return float(lever.amount or 0.0), "£/yr"
    return None


def _where(lever: CutLever | InvestLever, model: Model | None) -> str:
    """`` in Harbourside and Old Town`` for a lever that names areas; "" for the whole place."""
    if not lever.areas:
        return ""
    names = {a.id: a.name for a in (model.areas or [])} if model is not None else {}
    shown = [names.get(a, a) for a in lever.areas]
    return " in " + (shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1])


def describe_lever(lever: Lever, model: Model | None = None) -> str:
    """A lever in a councillor's words: ``cut Youth work by 20 %``."""
    def name(service_id: str) -> str:
        if model is None:
            return service_id
        try:
            return model.service(service_id).name
        except KeyError:
            return service_id

    if isinstance(lever, (CutLever, InvestLever)):
        value, unit = lever_size(lever)  # type: ignore[misc]
        size = f"{value:g} %" if unit == "%" else f"{money(value)}/yr"
        return f"{lever.kind} {name(lever.service)} by {size}{_where(lever, model)}"
    if isinstance(lever, PoolLever):
        return (f"pool {', '.join(name(s) for s in lever.services)} "
                f"({lever.efficiency_percent:g} % efficiency)")
    if isinstance(lever, ProcureLever):
        return (f"buy {name(lever.service)} locally "
                f"({lever.local_share_from:.0%} to {lever.local_share_to:.0%})")
    return f"{lever.kind} lever {lever.id}"
