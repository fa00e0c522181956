"""The uncertain inputs of a place model and its scenarios, their ranges and their draws.

Every figure cutsim reads from a file can be uncertain (docs/uncertainty.md):

| input | name | range from |
|---|---|---|
| effect size | ``effects[ID].per_unit`` | ``low`` / ``high`` (always present) |
| demand per unit | ``demands[ID].per_unit`` | ``low`` / ``high`` (always present) |
| unit cost (£ per unit) | ``services[ID].unit_cost`` | ``unit_cost_low`` / ``_high`` |
| baseline spend (£/yr) | ``services[ID].baseline_spend`` | ``baseline_spend_low`` / ``_high`` |
| mean delay (years) | ``effects[ID].delay_years`` | ``delay_years_low`` / ``_high`` |
| pool efficiency (%) | ``scenarios[S].levers[L].efficiency_percent`` | ``efficiency_percent_low`` / ``_high`` |
| procurement premium (%) | ``scenarios[S].levers[L].premium_percent`` | ``premium_percent_low`` / ``_high`` |

A field without its own range is fixed at its value, unless *wide* uncertainty is asked
for (``--wide``, or the place's ``wide_uncertainty``): then it takes the default range of
its confidence grade, ``value × (1 ± WIDE_HALF_WIDTH[grade])`` (a service's own
``confidence``, an effect's ``confidence`` for its delay, grade 3 when none is given;
percentages are kept within 0–100). Effect and demand ranges always come from the file.

**Draws.** Every input is drawn from a PERT distribution on [low, value, high]. In a
Monte Carlo block the generator first draws every effect ``per_unit`` (256 × K), then
every demand ``per_unit`` (256 × D), exactly as before wider uncertainty existed, and only
then (when the model has any other uncertain input) the other inputs (256 × X), in the
order of :attr:`UncertaintySpace.inputs`. So a file with no range fields, without
``--wide``, draws exactly as before for the same seed.

**Correlation.** With a ``source_correlation`` ρ > 0 (the place's, or ``--correlate``),
the drawn inputs that cite the same ``source`` text (effects, demands and services with a
source other than ``"assumption"``) are given rank correlation ρ between every pair by
the Iman–Conover method, block by block: each input's 256 drawn values are kept and only
reordered, so every marginal distribution is unchanged; the scores are van der Waerden
normal scores permuted by the block's own generator after the draws, so the seeding
contract (a draw depends only on the seed and its number) still holds. Same rank means
the same quantile of each input's own range.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import ndtri

from cutsim.appraise.montecarlo import pert
from cutsim.model import lever_kinds
from cutsim.model.schema import Model, Scenario

# Half-width of the default range, as a fraction of the value, by confidence grade
# (5 = audited or published figure … 1 = a guess). Applied only under wide uncertainty.
WIDE_HALF_WIDTH: dict[int, float] = {5: 0.05, 4: 0.10, 3: 0.20, 2: 0.35, 1: 0.50}
DEFAULT_GRADE = 3
NO_SOURCE = ("", "assumption")  # source texts that do not tie inputs together


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: its name, its range [low, central, high] in its own unit, and
    where it lives (``kind`` effect/demand/service/lever, the item's id, the field)."""

    name: str
    kind: str
    item: str
    field: str
    low: float
    central: float
    high: float
    source: str | None = None
    scenario: str | None = None
    #: The input in words, for people ("Youth work → young people who offend, per hour of
    #: youth work"); ``name`` stays the id in JSON beside it.
    label: str = ""

    @property
    def varies(self) -> bool:
        """True when the range is not a single point."""
        return self.high > self.low


@dataclass
class UncertaintySpace:
    """Every input of a model (and the levers of some scenarios) with its range.

    ``inputs`` lists every effect ``per_unit`` (file order), then every demand
    ``per_unit``, then the other inputs that vary (the *extras*). ``n_k`` and ``n_d`` are
    the counts of the first two groups.
    """

    model: Model
    scenarios: list[Scenario]
    inputs: list[UncertainInput]
    n_k: int
    n_d: int
    correlation: float = 0.0
    _groups: list[np.ndarray] | None = field(default=None, repr=False)

    @property
    def extras(self) -> list[UncertainInput]:
        """Inputs beyond the effect and demand per_unit values."""
        return self.inputs[self.n_k + self.n_d:]

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.inputs]

    @property
    def low(self) -> np.ndarray:
        return np.array([i.low for i in self.inputs], dtype=float)

    @property
    def central(self) -> np.ndarray:
        return np.array([i.central for i in self.inputs], dtype=float)

    @property
    def high(self) -> np.ndarray:
        return np.array([i.high for i in self.inputs], dtype=float)

    def varying(self) -> np.ndarray:
        """Positions of the inputs whose range is not a point."""
        return np.array([j for j, i in enumerate(self.inputs) if i.varies], dtype=np.int64)

    def index(self, name: str) -> int:
        """Position of the input called ``name`` (ValueError naming the known ones)."""
        for j, i in enumerate(self.inputs):
            if i.name == name:
                return j
        raise ValueError(f'no uncertain input "{name}"')

    def _pert(self, rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
        """``n`` PERT draws of the inputs at positions lo..hi-1, shape (n, hi - lo)."""
        return pert(rng, self._column("low", lo, hi), self._column("central", lo, hi),
                    self._column("high", lo, hi), n)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of every input, shape (n, P), in the documented order of draws."""
        k = self._pert(rng, 0, self.n_k, n)
        d = self._pert(rng, self.n_k, self.n_k + self.n_d, n)
        parts = [k, d]
        if self.extras:
            parts.append(self._pert(rng, self.n_k + self.n_d, len(self.inputs), n))
        x = np.concatenate(parts, axis=1)
        if self.correlation > 0:
            for group in self.correlated_groups():
                x[:, group] = iman_conover(x[:, group], self.correlation, rng)
        return x

    def correlated_groups(self) -> list[np.ndarray]:
        """Positions of the varying inputs that share a source, one array per source."""
        if self._groups is None:
            by_source: dict[str, list[int]] = {}
            for j, i in enumerate(self.inputs):
                if i.varies and (i.source or "").strip().lower() not in NO_SOURCE:
                    by_source.setdefault(i.source.strip(), []).append(j)  # type: ignore[union-attr]
            self._groups = [np.array(v) for v in by_source.values() if len(v) > 1]
        return self._groups

    def _column(self, which: str, lo: int, hi: int) -> np.ndarray:
        return np.array([getattr(i, which) for i in self.inputs[lo:hi]], dtype=float)

    # ----------------------------------------------------------------- realising values

    def realise(self, values: np.ndarray) -> tuple[Model, list[Scenario]]:
        """The model and scenarios with every *extra* input set to ``values`` (a full row
        of P values; the per_unit columns are left to the engine's parameters)."""
        extras = self.extras
        if not extras:
            return self.model, self.scenarios
        start = self.n_k + self.n_d
        changes: dict[tuple[str, str, str | None], dict[str, float]] = {}
        for inp, v in zip(extras, values[start:]):
            changes.setdefault((inp.kind, inp.item, inp.scenario), {})[inp.field] = float(v)
        return _apply(self.model, self.scenarios, changes)


def uncertainty_space(model: Model, scenarios: list[Scenario] | None = None, *,
                      wide: bool | None = None,
                      correlation: float | None = None) -> UncertaintySpace:
    """The uncertain inputs of ``model`` and of the levers of ``scenarios``.

    ``wide`` None follows the place's ``wide_uncertainty``; ``correlation`` None follows
    its ``source_correlation`` (0 when unset).
    """
    scenarios = list(scenarios or [])
    place = model.place
    wide = bool(place.wide_uncertainty) if wide is None else bool(wide)
    rho = float(place.source_correlation or 0.0) if correlation is None else float(correlation)
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"correlation must be between 0 and 1, below 1 (got {rho})")
    inputs = [UncertainInput(f"effects[{e.id}].per_unit", "effect", e.id, "per_unit",
                             e.low, e.per_unit, e.high, e.source) for e in model.effects]
    inputs += [UncertainInput(f"demands[{m.id}].per_unit", "demand", m.id, "per_unit",
                              m.low, m.per_unit, m.high, m.source) for m in model.demands]
    n_k, n_d = len(model.effects), len(model.demands)
    extras: list[UncertainInput] = []
    for s in model.services:
        grade = s.confidence or DEFAULT_GRADE
        for name in ("unit_cost", "baseline_spend"):
            extras.append(_ranged(f"services[{s.id}].{name}", "service", s.id, name, s,
                                  grade, wide, s.source, 0.0, np.inf))
    for e in model.effects:
        extras.append(_ranged(f"effects[{e.id}].delay_years", "effect", e.id, "delay_years", e,
                              e.confidence, wide and e.delay_years > 0, e.source, 0.0, np.inf))
    for sc in scenarios:
        for lever in sc.levers:
            base = f"scenarios[{sc.id}].levers[{lever.id}]"
            for ranged in lever_kinds.of(lever).uncertain_fields:
                extras.append(_ranged(f"{base}.{ranged.field}", "lever", lever.id,
                                      ranged.field, lever, DEFAULT_GRADE, wide, None,
                                      ranged.lower, ranged.upper, sc.id))
    inputs += [x for x in extras if x.varies]
    labels = input_labels(model, scenarios)
    inputs = [replace(x, label=labels.get(x.name, x.name)) for x in inputs]
    return UncertaintySpace(model, scenarios, inputs, n_k, n_d, rho)


FIELD_WORDS = {"unit_cost": "unit cost (£ per {unit})", "baseline_spend": "baseline spend (£ a year)",
               "delay_years": "delay (years)", "per_unit": "per {unit}"}


def input_labels(model: Model, scenarios: list[Scenario]) -> dict[str, str]:
    """Every uncertain input's id (``effects[e05].per_unit``) → its label in words."""
    services = {s.id: s for s in model.services}
    outcomes = {o.id: o for o in model.outcomes}
    out: dict[str, str] = {}
    for e in model.effects:
        service, outcome = services[e.service], outcomes[e.outcome]
        path = f"{service.name} → {outcome.name.lower()}"
        out[f"effects[{e.id}].per_unit"] = f"{path}, per {service.activity_unit}"
        out[f"effects[{e.id}].delay_years"] = f"{path}: delay (years)"
    for m in model.demands:
        outcome, service = outcomes[m.outcome], services[m.service]
        out[f"demands[{m.id}].per_unit"] = (f"{outcome.name} → demand for {service.name}, "
                                            f"per {outcome.unit}")
    for s in model.services:
        out[f"services[{s.id}].unit_cost"] = f"{s.name}: unit cost (£ per {s.activity_unit})"
        out[f"services[{s.id}].baseline_spend"] = f"{s.name}: baseline spend (£ a year)"

    def name(service_id: str) -> str:
        return services[service_id].name if service_id in services else service_id

    for sc in scenarios:
        for lever in sc.levers:
            kind = lever_kinds.of(lever)
            for ranged in kind.uncertain_fields:
                what = ranged.field.replace("_percent", " (%)").replace("_", " ")
                out[f"scenarios[{sc.id}].levers[{lever.id}].{ranged.field}"] = (
                    f"{kind.describe(lever, name)}: {what}")
    return out


def _ranged(name: str, kind: str, item: str, field_name: str, obj: object, grade: int,
            wide: bool, source: str | None, floor: float, ceiling: float,
            scenario: str | None = None) -> UncertainInput:
    """An input's range: its own ``_low``/``_high`` (a missing side is the value), else
    under ``wide`` the default range of its grade, else the value alone."""
    value = float(getattr(obj, field_name))
    low, high = getattr(obj, f"{field_name}_low"), getattr(obj, f"{field_name}_high")
    if low is None and high is None and wide:
        half = WIDE_HALF_WIDTH.get(int(grade), WIDE_HALF_WIDTH[DEFAULT_GRADE]) * abs(value)
        low, high = max(floor, value - half), min(ceiling, value + half)
    low = value if low is None else float(low)
    high = value if high is None else float(high)
    return UncertainInput(name, kind, item, field_name, low, value, high, source, scenario)


def _apply(model: Model, scenarios: list[Scenario],
           changes: dict[tuple[str, str, str | None], dict[str, float]]):
    """Copies of ``model`` and ``scenarios`` with the changed fields (others shared)."""
    def patch(items, kind, scenario=None):
        return [item.model_copy(update=changes[(kind, item.id, scenario)])
                if (kind, item.id, scenario) in changes else item for item in items]

    new_model = model.model_copy(update={
        "services": patch(model.services, "service"),
        "effects": patch(model.effects, "effect"),
    })
    new_scenarios = [sc.model_copy(update={"levers": patch(sc.levers, "lever", sc.id)})
                     if any(k[0] == "lever" and k[2] == sc.id for k in changes) else sc
                     for sc in scenarios]
    return new_model, new_scenarios


def iman_conover(x: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Reorder each column of ``x`` (n, m) so that the columns' rank correlation is near
    ρ between every pair (Iman & Conover 1982), keeping each column's values.

    Scores: van der Waerden normal scores Φ⁻¹(i/(n+1)), independently permuted per column
    by ``rng``; their correlation E = F Fᵀ is replaced by the target C = P Pᵀ through
    T = S F⁻ᵀ Pᵀ, and each column of ``x`` takes the ranks of T's column.
    """
    n, m = x.shape
    if n < 3 or m < 2:
        return x
    scores = ndtri(np.arange(1, n + 1) / (n + 1.0))
    s = np.stack([rng.permutation(scores) for _ in range(m)], axis=1)
    target = np.full((m, m), rho)
    np.fill_diagonal(target, 1.0)
    e = np.corrcoef(s, rowvar=False)
    f = np.linalg.cholesky(e)
    p = np.linalg.cholesky(target)
    t = s @ np.linalg.inv(f).T @ p.T
    ranks = np.argsort(np.argsort(t, axis=0, kind="stable"), axis=0, kind="stable")
    return np.take_along_axis(np.sort(x, axis=0), ranks, axis=0)
