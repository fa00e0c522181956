"""Export a model and scenario as an XMILE 1.0 system-dynamics model (and run it in PySD).

The export is an independent check of the engine (docs/mathematics.md, docs/performance.md): the same linear system
written as stocks, flows and auxiliaries that any XMILE tool integrates on its own.

- Each effect link l: s → o with per_unit k, mean delay τ > 0 and order n is an n-stage
  material cascade: stage 1's inflow is k·ΔA_s (outcome units per year), each stage is a
  stock (outcome units × years, starting at 0) drained by the outflow stock/(τ/n), which is
  the next stage's inflow; the link's output z_l is the last stage's outflow. A τ = 0 link
  is an auxiliary z_l = k·ΔA_s.
- ΔY_o = Σ_l z_l + the lever's direct outcome input (auxiliaries); the outcome level is
  baseline + ΔY_o.
- ΔA_s = the lever's activity change + Σ_m d_m·ΔY_o (auxiliaries; demand terms only for
  demand-led services).
- Lever inputs (activity change ΔA, efficiency e, direct outcome input) are exported from
  the engine's arrays on the step grid t_k = k/steps_per_year as sums of STEP functions, so
  each input is held at its value at the step's start until the next step: the engine's
  zero-order hold, exactly.
- Per agency, knock_on_cost = Σ_{d ∈ agency, demand-led} unit_cost_d·(1 − e_d)·ΔA_d (£/yr,
  positive = a cost), for comparison with the engine's money series.

Sim specs: start 0, stop horizon_years, Euler, dt (default 1/1536 year, a multiple of the
monthly grid). Time is in years from 1 April of the base year.

PySD is a development and test dependency only: :func:`pysd_run` imports it lazily and
raises :class:`~cutsim.model.errors.InputError` if it is not installed.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol, cast
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from cutsim.model.errors import InputError
from cutsim.model.schema import Model, Scenario
from cutsim.version import __version__

log = logging.getLogger(__name__)

DEFAULT_DT = Fraction(1, 1536)  # years; 128 Euler steps per month
XMILE_NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"


class GridInputs(Protocol):
    """Lever inputs on the step grid t_k = k/steps_per_year, k = 0 … N (the engine's LeverInputs).

    ``activity_delta[S, N+1]``: ΔA per service in ``model.services`` order, activity units/yr;
    ``efficiency[S, N+1]``: e per service, fraction 0–1 (unit cost falls by e);
    ``outcome_input[O, N+1]``: direct change of each outcome level, ``model.outcomes`` order.
    The value at t_k holds over the step [t_k, t_{k+1}).
    """

    @property
    def activity_delta(self) -> np.ndarray: ...

    @property
    def efficiency(self) -> np.ndarray: ...

    @property
    def outcome_input(self) -> np.ndarray: ...


# --------------------------------------------------------------------------- names


@dataclass
class XmileNames:
    """The XMILE variable name of each exported quantity, keyed by model id."""

    activity_delta: dict[str, str] = field(default_factory=dict)  # service -> ΔA_s aux
    lever_activity: dict[str, str] = field(default_factory=dict)  # service -> lever ΔA input
    efficiency: dict[str, str] = field(default_factory=dict)  # service -> e_s input
    outcome_delta: dict[str, str] = field(default_factory=dict)  # outcome -> ΔY_o aux
    outcome_input: dict[str, str] = field(default_factory=dict)  # outcome -> direct input
    outcome_level: dict[str, str] = field(default_factory=dict)  # outcome -> Y_o aux
    link: dict[str, str] = field(default_factory=dict)  # effect -> z_l (aux)
    knock_on_cost: dict[str, str] = field(default_factory=dict)  # agency -> £/yr aux


def _sanitise(raw: str) -> str:
    # XMILE names are case-insensitive and treat "_" like a space; ids are [a-z0-9_-].
    return re.sub(r"[^a-z0-9_]", "_", raw.lower())


class _Namer:
    """Unique, safe XMILE identifiers: a kind prefix plus the sanitised id."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __call__(self, prefix: str, item_id: str, suffix: str = "") -> str:
        base = f"{prefix}_{_sanitise(item_id)}{suffix}"
        name, n = base, 2
        while name in self._used:  # e.g. ids "a-b" and "a_b" sanitise alike
            name, n = f"{base}_{n}", n + 1
        self._used.add(name)
        return name


def xmile_names(model: Model) -> XmileNames:
    """The variable names :func:`to_xmile` uses for ``model`` (deterministic)."""
    namer, names = _Namer(), XmileNames()
    for s in model.services:
        names.activity_delta[s.id] = namer("svc", s.id, "_delta_activity")
        names.lever_activity[s.id] = namer("svc", s.id, "_lever_activity")
        names.efficiency[s.id] = namer("svc", s.id, "_efficiency")
    for o in model.outcomes:
        names.outcome_delta[o.id] = namer("out", o.id, "_delta")
        names.outcome_input[o.id] = namer("out", o.id, "_lever_input")
        names.outcome_level[o.id] = namer("out", o.id, "_level")
    for e in model.effects:
        names.link[e.id] = namer("link", e.id)
    for a in model.agencies:
        names.knock_on_cost[a.id] = namer("agency", a.id, "_knock_on_cost")
    return names


# --------------------------------------------------------------------------- expressions


def _num(x: float) -> str:
    """A float literal that round-trips exactly, parenthesised when negative."""
    text = repr(float(x))
    if "inf" in text or "nan" in text:
        raise InputError(f"cannot export a non-finite number ({text}) to XMILE")
    return f"({text})" if text.startswith("-") else text


def step_expression(values: np.ndarray, steps_per_year: int) -> str:
    """A piecewise-constant signal as ``v_0 + Σ_k (v_k − v_{k−1})·STEP`` at t_k = k/steps_per_year.

    ``values[k]`` holds over [t_k, t_{k+1}) (zero-order hold). ``STEP(h, t)`` is 0 before t
    and h from t on, so the expression equals values[k] on each step. Only the steps where
    the value changes appear, which keeps a flat or once-changed signal short.
    """
    values = np.asarray(values, dtype=float)
    terms = [_num(values[0])] if values.size and values[0] != 0.0 else []
    jumps = np.flatnonzero(np.diff(values)) + 1
    for k in jumps:
        t_k = float(Fraction(int(k), steps_per_year))
        terms.append(f"STEP({_num(values[k] - values[k - 1])}, {_num(t_k)})")
    return " + ".join(terms) if terms else "0"


def _sum(terms: Iterable[str]) -> str:
    terms = list(terms)
    return " + ".join(terms) if terms else "0"


# --------------------------------------------------------------------------- the model


@dataclass
class _Var:
    kind: str  # "stock", "flow" or "aux"
    name: str
    eqn: str
    doc: str = ""
    units: str = ""
    inflows: list[str] = field(default_factory=list)
    outflows: list[str] = field(default_factory=list)

    def xml(self) -> str:
        parts = [f"<{self.kind} name={quoteattr(self.name)}>", f"<eqn>{escape(self.eqn)}</eqn>"]
        parts += [f"<inflow>{escape(n)}</inflow>" for n in self.inflows]
        parts += [f"<outflow>{escape(n)}</outflow>" for n in self.outflows]
        if self.units:
            parts.append(f"<units>{escape(self.units)}</units>")
        if self.doc:
            parts.append(f"<doc>{escape(self.doc)}</doc>")
        parts.append(f"</{self.kind}>")
        return "\t\t\t" + "".join(p for p in parts if p)


def _check_inputs(model: Model, inputs: GridInputs) -> int:
    """Shape-check the lever arrays; returns N+1 (grid points)."""
    n_points = model.place.horizon_years * model.place.steps_per_year + 1
    wanted = {
        "activity_delta": (len(model.services), n_points),
        "efficiency": (len(model.services), n_points),
        "outcome_input": (len(model.outcomes), n_points),
    }
    for attr, shape in wanted.items():
        got = np.shape(cast(Any, getattr(inputs, attr, None)))
        if got != shape:
            raise InputError(f"lever inputs: {attr} must have shape {shape} (got {got})")
    return n_points


def _algebraic_loop(model: Model) -> list[str] | None:
    """A cycle of zero-delay links and demands (service → outcome → service …), if any."""
    graph: dict[str, list[str]] = {}
    for e in model.effects:
        if e.delay_years == 0:
            graph.setdefault(f"service {e.service}", []).append(f"outcome {e.outcome}")
    for d in model.demands:
        graph.setdefault(f"outcome {d.outcome}", []).append(f"service {d.service}")
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _link_vars(effect, source: str, out: str) -> list[_Var]:
    """One effect link: an aux (τ = 0) or an n-stage cascade of stocks (material delay)."""
    gain = f"{_num(effect.per_unit)} * {source}"
    if effect.delay_years == 0:
        return [_Var("aux", out, gain, f"effect {effect.id}: no delay", "outcome units")]
    n = effect.delay_order
    stage_time = _num(effect.delay_years / n)
    stocks = [f"{out}_stage_{i}" for i in range(1, n + 1)]
    flows = [f"{out}_inflow"] + [f"{out}_outflow_{i}" for i in range(1, n + 1)]
    doc = f"effect {effect.id}: delay {effect.delay_years!r} years, order {n}"
    variables = [_Var("flow", flows[0], gain, doc, "outcome units/year")]
    for i, stock in enumerate(stocks):
        variables.append(_Var("stock", stock, "0", doc, "outcome units*years",
                              inflows=[flows[i]], outflows=[flows[i + 1]]))
        variables.append(_Var("flow", flows[i + 1], f"{stock} / {stage_time}", doc,
                              "outcome units/year"))
    variables.append(_Var("aux", out, flows[-1], f"{doc}: output", "outcome units"))
    return variables


def _variables(model: Model, inputs: GridInputs, names: XmileNames) -> list[_Var]:
    spy = model.place.steps_per_year
    services = {s.id: s for s in model.services}
    out: list[_Var] = []
    for i, s in enumerate(model.services):
        out.append(_Var("aux", names.lever_activity[s.id],
                        step_expression(inputs.activity_delta[i], spy),
                        f"lever change in {s.id} activity (zero-order hold)",
                        f"{s.activity_unit}/year"))
        demand = [f"{_num(d.per_unit)} * {names.outcome_delta[d.outcome]}"
                  for d in model.demands if d.service == s.id]
        out.append(_Var("aux", names.activity_delta[s.id],
                        _sum([names.lever_activity[s.id], *demand]),
                        f"change in {s.id} activity from baseline", f"{s.activity_unit}/year"))
        if s.mode == "demand_led":
            out.append(_Var("aux", names.efficiency[s.id],
                            step_expression(inputs.efficiency[i], spy),
                            f"efficiency fraction of {s.id} (unit cost falls by it)", "1"))
    for effect in model.effects:
        out += _link_vars(effect, names.activity_delta[effect.service], names.link[effect.id])
    for j, o in enumerate(model.outcomes):
        out.append(_Var("aux", names.outcome_input[o.id],
                        step_expression(inputs.outcome_input[j], spy),
                        f"direct lever change in {o.id}", o.unit))
        links = [names.link[e.id] for e in model.effects if e.outcome == o.id]
        out.append(_Var("aux", names.outcome_delta[o.id],
                        _sum([*links, names.outcome_input[o.id]]),
                        f"change in {o.id} from baseline", o.unit))
        out.append(_Var("aux", names.outcome_level[o.id],
                        f"{_num(o.baseline)} + {names.outcome_delta[o.id]}",
                        f"{o.id} level", o.unit))
    for a in model.agencies:
        terms = [
            f"{_num(s.unit_cost)} * (1 - {names.efficiency[s.id]}) * {names.activity_delta[s.id]}"
            for s in services.values() if s.agency == a.id and s.mode == "demand_led"
        ]
        out.append(_Var("aux", names.knock_on_cost[a.id], _sum(terms),
                        f"knock-on cost borne by {a.id} (positive = cost)", "GBP/year"))
    return out


def _dt_element(dt: float | Fraction) -> str:
    frac = Fraction(dt).limit_denominator(10**9)
    if frac <= 0:
        raise InputError(f"dt must be > 0 years (got {dt})")
    if frac.numerator == 1 and abs(float(frac) - float(dt)) <= 1e-15 * float(dt):
        return f'<dt reciprocal="true">{frac.denominator}</dt>'
    return f"<dt>{float(dt)!r}</dt>"


def to_xmile(
    model: Model,
    scenario: Scenario,
    inputs_or_levers: GridInputs | None = None,
    *,
    dt: float | Fraction = DEFAULT_DT,
) -> str:
    """The model and scenario as an XMILE 1.0 document (a string of XML).

    ``inputs_or_levers`` are the lever inputs on the step grid (see :class:`GridInputs`);
    ``None`` builds them from ``scenario`` with :mod:`cutsim.levers.build`. ``dt`` is the
    integration step in years. Variable names are given by :func:`xmile_names`.

    Raises InputError for a loop of zero-delay links (an algebraic loop, which an XMILE
    tool cannot order) and for lever arrays of the wrong shape.
    """
    loop = _algebraic_loop(model)
    if loop:
        raise InputError("cannot export an algebraic loop (zero-delay links) to XMILE: "
                         + " -> ".join(loop))
    inputs = inputs_or_levers if inputs_or_levers is not None else _build_inputs(model, scenario)
    _check_inputs(model, inputs)
    names = xmile_names(model)
    variables = _variables(model, inputs, names)
    place = model.place
    title = f"{place.name}: {scenario.name}"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<xmile version="1.0" xmlns="{XMILE_NS}">',
        "\t<header>",
        f"\t\t<name>{escape(title)}</name>",
        "\t\t<vendor>cutsim</vendor>",
        f'\t\t<product version="{__version__}" lang="en">cutsim</product>',
        "\t</header>",
        '\t<sim_specs method="Euler" time_units="years">',
        "\t\t<start>0</start>",
        f"\t\t<stop>{place.horizon_years}</stop>",
        f"\t\t{_dt_element(dt)}",
        "\t</sim_specs>",
        "\t<model>",
        "\t\t<variables>",
        *(v.xml() for v in variables),
        "\t\t</variables>",
        "\t</model>",
        "</xmile>",
        "",
    ]
    log.info("exported %d XMILE variables for scenario %s", len(variables), scenario.id)
    return "\n".join(lines)


def _build_inputs(model: Model, scenario: Scenario) -> GridInputs:
    """Lever inputs from the scenario, built by the engine's own lever code."""
    # Imported here: the engine is only needed when no inputs are given.
    from cutsim.engine.compiled import compile_model
    from cutsim.levers.build import build_inputs

    return build_inputs(compile_model(model), scenario)


# --------------------------------------------------------------------------- PySD


def _import_pysd() -> Any:
    try:
        import pysd
    except ImportError as exc:
        raise InputError(
            "PySD is not installed: it is a development dependency "
            '(pip install "cutsim[dev]") needed only to cross-check or benchmark XMILE'
        ) from exc
    return pysd


def pysd_load(xmile_path: str | os.PathLike[str]) -> Any:
    """Translate an XMILE file with PySD and load it (writes a .py file beside it)."""
    pysd = _import_pysd()
    return pysd.read_xmile(os.fspath(xmile_path))


def pysd_run(
    xmile_path_or_model: str | os.PathLike[str] | Any,
    dt: float | Fraction = DEFAULT_DT,
    *,
    steps_per_year: int = 12,
    columns: Iterable[str] | None = None,
) -> dict[str, np.ndarray]:
    """Run an exported XMILE model in PySD (Euler at ``dt`` years) and sample it on the grid.

    Takes a path (translated with :func:`pysd_load`) or an already loaded PySD model, so a
    benchmark can time the run alone. Returns ``{"t": grid, name: values}`` with the grid
    t_k = k/steps_per_year from the model's start to its stop, for every requested XMILE
    variable name (default: all variables). Warnings PySD emits are left to the caller.
    """
    model = (pysd_load(xmile_path_or_model)
             if isinstance(xmile_path_or_model, (str, os.PathLike)) else xmile_path_or_model)
    start = float(model.components.initial_time())
    stop = float(model.components.final_time())
    n_steps = int(round((stop - start) * steps_per_year))
    grid = start + np.arange(n_steps + 1) / steps_per_year
    kwargs: dict[str, Any] = {"return_timestamps": grid, "time_step": float(dt),
                              "saveper": float(dt)}
    if columns is not None:
        kwargs["return_columns"] = list(columns)
    frame = model.run(**kwargs)
    result = {"t": grid}
    for column in frame.columns:
        key = str(column).replace(" ", "_")  # PySD may show XMILE "_" as a space
        result[key] = frame[column].to_numpy(dtype=float)
    return result


def series_from_pysd(run: Mapping[str, np.ndarray], names: XmileNames) -> dict[str, Any]:
    """PySD output regrouped by model id: ``{"outcomes": {id: ΔY}, "knock_on_cost": {agency: £/yr}}``."""
    def pick(table: Mapping[str, str]) -> dict[str, np.ndarray]:
        return {key: run[name] for key, name in table.items() if name in run}

    return {"t": run["t"], "outcomes": pick(names.outcome_delta),
            "knock_on_cost": pick(names.knock_on_cost)}
