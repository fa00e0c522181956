"""Money named by its direction (docs/result-format.md): never a negative cost in words.

A figure in a sentence is always a magnitude; the words say which way it goes: "a net
saving of £320,000" or "a net cost of £320,000", "extra costs of £51,000" or "savings of
£51,000", "plans to save £290,000" or "plans to spend £290,000 more". Whether a figure is
nothing at all is decided by the one materiality floor (:mod:`cutsim.model.materiality`),
passed in as ``floor`` (£). Figures are written by ``format`` (default: the screens'
:func:`cutsim.model.fmt.money`; the publication passes its own resident figure writer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cutsim.model import fmt
from cutsim.model import lever_kinds as registry

Formatter = Callable[[float], str]


def nothing(value: float | None, floor: float = 0.0) -> bool:
    """True when ``value`` (£) is zero or below the materiality ``floor`` (None counts too)."""
    return value is None or value == 0 or abs(value) < floor


def net(value: float, floor: float = 0.0, format: Formatter = fmt.money) -> str:
    """Net saving ``value`` (£, positive = saving) as "a net saving of £X", "a net cost of
    £X" or "no net change"."""
    if nothing(value, floor):
        return "no net change"
    word = "a net saving of" if value > 0 else "a net cost of"
    return f"{word} {format(abs(value))}"


def net_noun(value: float, floor: float = 0.0) -> str:
    """The noun for a net figure: "net saving", "net cost" or "net change" (when nothing)."""
    if nothing(value, floor):
        return "net change"
    return "net saving" if value > 0 else "net cost"


def planned(value: float, floor: float = 0.0, format: Formatter = fmt.money) -> str:
    """Planned saving ``value`` (£, positive = the levers take money out) as "plans to save
    £X", "plans to spend £X more" or "plans no change in its own spending"."""
    if nothing(value, floor):
        return "plans no change in its own spending"
    if value > 0:
        return f"plans to save {format(value)}"
    return f"plans to spend {format(-value)} more"


def knock_on(value: float, floor: float = 0.0, format: Formatter = fmt.money) -> str:
    """Knock-on cost ``value`` (£, positive = more demand costs) as "faces extra demand costs
    of £X", "saves £X in demand costs" or "" when nothing."""
    if nothing(value, floor):
        return ""
    if value > 0:
        return f"faces extra demand costs of {format(value)}"
    return f"saves {format(-value)} in demand costs"


def one_off(value: float, floor: float = 0.0, format: Formatter = fmt.money) -> str:
    """One-off cost ``value`` (£, positive = a cost) as "one-off costs of £X" (a negative one
    is money back: "one-off income of £X"); "" when nothing."""
    if nothing(value, floor):
        return ""
    if value > 0:
        return f"one-off costs of {format(value)}"
    return f"one-off income of {format(-value)}"


def shifted(value: float, floor: float = 0.0, format: Formatter = fmt.money) -> str:
    """A cost pushed onto another agency (£, positive = a cost to it) as "extra costs of
    £X" or "savings of £X"; "no change in costs" when nothing."""
    if nothing(value, floor):
        return "no change in costs"
    if value > 0:
        return f"extra costs of {format(value)}"
    return f"savings of {format(-value)}"


def gap(shortfall: float, floor: float = 0.0, format: Formatter = fmt.money) -> str:
    """Net saving minus target (£): "£X short", "£X more than the target" or "met"."""
    if nothing(shortfall, floor):
        return "met"
    if shortfall < 0:
        return f"{format(-shortfall)} short"
    return f"{format(shortfall)} more than the target"


def lever_kind_words(kind: str) -> str:
    """What a lever of ``kind`` is, in a phrase: "a cut in spending on a service"."""
    return registry.get(kind).words


def who_pays_words(kind: str) -> str:
    """How a lever of ``kind`` moves costs between agencies, in a sentence."""
    return registry.get(kind).who_pays


def lever_kinds(kinds: Iterable[str]) -> list[str]:
    """The distinct lever kinds of a scenario, in the registry's order (cut, invest, pool,
    procure, then any other)."""
    present = set(kinds)
    return [k for k in registry.kind_names() if k in present]


def lever_summary(kinds: Iterable[str]) -> str:
    """What a scenario does, by its lever kinds: "a cut in spending on a service and a
    pooled budget between agencies"; "no change" for none."""
    words = [lever_kind_words(k) for k in lever_kinds(kinds)]
    if not words:
        return "no change"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
