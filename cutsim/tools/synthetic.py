"""A seeded synthetic place, for benchmarks and scale tests (never for decisions).

The generator builds a place the size of a large combined authority's partnership from
*clusters*: small groups of services around a theme (a neighbourhood's early help, youth
justice and A&E, say), each with its own outcomes. Within a cluster:

- outcomes are ordered o₀ … o_{m−1}; demand-led service i is driven (demand links) by
  outcomes at or before position i and acts (effect links) only on later outcomes, so
  demand cascades down the cluster in chains (o₀ → d₀ → o₁ → d₁ → …);
- discretionary services act on any outcome of their cluster and, for a share of their
  effects, on an outcome of another cluster (youth work changing a health outcome
  elsewhere). They take no demand, so such links never close a loop between clusters;
- in a share of clusters (``loop_share``) one demand-led service also acts *back* on an
  outcome that drives it: a feedback loop (custody lowering reoffending, say).

Mix: about 40 % of services demand-led; delays are 0 for about 10 % of effects (algebraic
links) and otherwise 0.25-3 years with Erlang order 1, 2 or 3. Every per_unit has a
low/high range for Monte Carlo.

Stability by construction: for a loop cluster, G[o', o] = Σ_d |k_{d→o'}|·|d_{o→d}| (largest
magnitude over low/per_unit/high) bounds every loop's gain at every frequency in the right
half plane (an Erlang delay never amplifies there). The back link's per_unit is scaled so
the Perron root of G is a drawn ``loop gain`` below :data:`MAX_LOOP_GAIN`, then checked;
ρ(G) < 1 rules out unstable and singular loops for every draw (small-gain theorem).

The scenario cuts a tenth of the discretionary services of every agency by 5-20 %, some
phased, and takes a 2-8 % efficiency on a twentieth of the demand-led services.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cutsim.model.schema import CutsimFile

log = logging.getLogger(__name__)

MAX_LOOP_GAIN = 0.5
AGENCIES = (("council", "council"), ("nhs", "nhs"), ("police", "police"), ("dwp", "dwp"),
            ("probation", "probation"), ("education", "education"), ("vcs", "vcs"),
            ("housing", "other"))
SCENARIO_ID = "savings-programme"


@dataclass(frozen=True)
class SyntheticSpec:
    """Size and mix of a synthetic place (defaults: the benchmark place of docs/performance.md)."""

    n_services: int = 5000
    n_links: int = 20000
    cluster_size: int = 10
    demand_led_share: float = 0.4
    demand_link_share: float = 0.3
    cross_cluster_share: float = 0.1
    zero_delay_share: float = 0.1
    loop_share: float = 0.2
    horizon_years: int = 10
    steps_per_year: int = 12


class _Builder:
    """Accumulates plain-dict items (validated once at the end by the schema)."""

    def __init__(self, spec: SyntheticSpec, rng: np.random.Generator) -> None:
        self.spec, self.rng = spec, rng
        self.services: list[dict] = []
        self.outcomes: list[dict] = []
        self.effects: list[dict] = []
        self.demands: list[dict] = []

    # -------------------------------------------------------------- items
    def add_service(self, cluster: int, demand_led: bool) -> dict:
        rng = self.rng
        spend = float(np.round(10 ** rng.uniform(5.3, 7.7), -3))  # £0.2m to £50m a year
        unit = float(np.round(10 ** rng.uniform(1.7, 4.3), 2))  # £50 to £20,000 per unit
        item = {"id": f"s{len(self.services)}", "agency": AGENCIES[rng.integers(len(AGENCIES))][0],
                "name": f"Service {len(self.services)} (cluster {cluster})",
                "baseline_spend": spend, "unit_cost": unit, "activity_unit": "units",
                "mode": "demand_led" if demand_led else "discretionary", "illustrative": True}
        self.services.append(item)
        return item

    def add_outcome(self, cluster: int) -> dict:
        item = {"id": f"o{len(self.outcomes)}", "name": f"Outcome {len(self.outcomes)}"
                f" (cluster {cluster})", "unit": "count",
                "baseline": float(np.round(10 ** self.rng.uniform(2, 5))),
                "higher_is_better": bool(self.rng.random() < 0.3), "illustrative": True}
        self.outcomes.append(item)
        return item

    def _range(self, central: float) -> tuple[float, float]:
        spread = self.rng.uniform(0.2, 0.6)
        a, b = central * (1 - spread), central * (1 + spread)
        return min(a, b), max(a, b)

    def _delay(self) -> tuple[float, int]:
        if self.rng.random() < self.spec.zero_delay_share:
            return 0.0, 1
        return float(np.round(self.rng.uniform(0.25, 3.0), 2)), int(
            self.rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))

    def add_effect(self, service: dict, outcome: dict, central: float,
                   delay: tuple[float, int] | None = None) -> dict:
        low, high = self._range(central)
        tau, order = delay if delay is not None else self._delay()
        item = {"id": f"e{len(self.effects)}", "service": service["id"],
                "outcome": outcome["id"], "per_unit": central, "low": low, "high": high,
                "delay_years": tau, "delay_order": order,
                "confidence": int(self.rng.integers(1, 6)), "source": "synthetic"}
        self.effects.append(item)
        return item

    def add_demand(self, outcome: dict, service: dict, central: float) -> dict:
        low, high = self._range(central)
        item = {"id": f"d{len(self.demands)}", "outcome": outcome["id"],
                "service": service["id"], "per_unit": central, "low": low, "high": high,
                "confidence": int(self.rng.integers(1, 6)), "source": "synthetic"}
        self.demands.append(item)
        return item

    # ------------------------------------------------------------- magnitudes
    def effect_size(self, service: dict, outcome: dict) -> float:
        """A 10 % change of the service moves the outcome by about 0.2-2 % of its level."""
        activity = service["baseline_spend"] / service["unit_cost"]
        sign = -1.0 if self.rng.random() < 0.7 else 1.0
        return sign * self.rng.uniform(0.02, 0.2) * outcome["baseline"] / activity

    def demand_size(self, outcome: dict, service: dict) -> float:
        """A 1 % change of the outcome moves the service's demand by about 0.05-0.5 %."""
        activity = service["baseline_spend"] / service["unit_cost"]
        return self.rng.uniform(0.05, 0.5) * activity / outcome["baseline"]


def _worst(link: dict) -> float:
    """Largest magnitude a Monte Carlo draw of the link can take."""
    return max(abs(link["low"]), abs(link["per_unit"]), abs(link["high"]))


def loop_gain_matrix(outcomes: list[str], effects: list[dict], demands: list[dict]) -> np.ndarray:
    """G[o', o] = Σ_d |k_{d→o'}|·|d_{o→d}| over one cluster's demand-led services (worst case)."""
    pos = {o: i for i, o in enumerate(outcomes)}
    m = len(outcomes)
    k: dict[str, np.ndarray] = {}
    for e in effects:
        if e["outcome"] in pos:
            k.setdefault(e["service"], np.zeros(m))[pos[e["outcome"]]] += _worst(e)
    g = np.zeros((m, m))
    for d in demands:
        if d["service"] in k and d["outcome"] in pos:
            g[:, pos[d["outcome"]]] += k[d["service"]] * _worst(d)
    return g


def _cluster(b: _Builder, c: int, size: int, n_effects: int, n_demands: int,
             with_loop: bool) -> None:
    """One cluster: services, ordered outcomes, chains of demand, maybe one feedback loop."""
    rng, spec = b.rng, b.spec
    n_dl = min(size - 1, max(1, round(size * spec.demand_led_share)))
    disc = [b.add_service(c, False) for _ in range(size - n_dl)]
    dl = [b.add_service(c, True) for _ in range(n_dl)]
    outs = [b.add_outcome(c) for _ in range(max(2, size // 2))]
    m = len(outs)
    first_effect, first_demand = len(b.effects), len(b.demands)
    # Demand: demand-led service i (placed at outcome position p_i) is driven by outcomes ≤ p_i.
    place_at = np.sort(rng.integers(0, m - 1, size=n_dl))
    dem_pairs = [(j, i) for i in range(n_dl) for j in range(place_at[i] + 1)]
    n_dem = min(len(dem_pairs), n_demands)
    for idx in rng.permutation(len(dem_pairs))[:n_dem]:
        j, i = dem_pairs[idx]
        b.add_demand(outs[j], dl[i], b.demand_size(outs[j], dl[i]))
    # Effects: demand-led services act only downstream; discretionary ones anywhere, and
    # links the cluster has no room for become effects on other clusters' outcomes.
    pairs = [(s, o) for s in disc for o in outs]
    pairs += [(dl[i], outs[j]) for i in range(n_dl) for j in range(place_at[i] + 1, m)]
    n_eff = n_effects + n_demands - n_dem
    chosen = [pairs[i] for i in rng.permutation(len(pairs))[:n_eff]]
    for _ in range(n_eff - len(chosen)):
        chosen.append((disc[int(rng.integers(len(disc)))], None))
    for s, o in chosen:
        elsewhere = len(b.outcomes) > m and (o is None or (
            s["mode"] == "discretionary" and rng.random() < spec.cross_cluster_share))
        if elsewhere:
            o = b.outcomes[int(rng.integers(len(b.outcomes) - m))]  # an earlier cluster's
        if o is not None:
            b.add_effect(s, o, b.effect_size(s, o))
    if with_loop:
        _close_loop(b, dl, outs, place_at, first_effect, first_demand)


def _close_loop(b: _Builder, dl: list[dict], outs: list[dict], place_at: np.ndarray,
                first_effect: int, first_demand: int) -> None:
    """Add one back link (demand-led service → an outcome driving it) with a safe gain."""
    rng = b.rng
    i = int(rng.integers(len(dl)))
    j = int(rng.integers(place_at[i] + 1))
    back = b.add_effect(dl[i], outs[j], 1.0, delay=(float(np.round(rng.uniform(0.25, 2.0), 2)),
                                                   int(rng.integers(1, 4))))
    ids = [o["id"] for o in outs]
    effects, demands = b.effects[first_effect:], b.demands[first_demand:]
    base = loop_gain_matrix(ids, effects[:-1], demands)
    with_back = loop_gain_matrix(ids, effects, demands)
    unit_rho = _perron(with_back)
    if unit_rho <= _perron(base):  # the back link closes no cycle (no demand reaches dl[i])
        b.effects.pop()
        return
    target = rng.uniform(0.2, 0.9) * MAX_LOOP_GAIN
    scale = _bisect_scale(base, with_back - base, target)
    sign = -1.0 if rng.random() < 0.6 else 1.0  # balancing loops are the commoner kind
    central = sign * scale  # worst-case magnitude scale·(1 + spread), as bisected
    low, high = sorted((central * back["low"], central * back["high"]))
    back.update(per_unit=central, low=low, high=high)
    rho = _perron(loop_gain_matrix(ids, effects, demands))
    if not rho < MAX_LOOP_GAIN:  # pragma: no cover - guaranteed by the bisection
        raise AssertionError(f"synthetic loop gain {rho} is not below {MAX_LOOP_GAIN}")


def _perron(g: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(g)))) if g.size else 0.0


def _bisect_scale(base: np.ndarray, unit: np.ndarray, target: float) -> float:
    """Largest α (to bisection accuracy, from below) with ρ(base + α·unit) ≤ target."""
    lo, hi = 0.0, 1.0
    while _perron(base + hi * unit) < target:
        hi *= 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _perron(base + mid * unit) <= target else (lo, mid)
    return lo


def _scenario(b: _Builder) -> dict:
    """Cut a tenth of discretionary services by 5-20 %; 2-8 % efficiency on a twentieth of
    demand-led ones. Start years 0-2, half of them phased over a year."""
    rng = b.rng
    levers: list[dict[str, Any]] = []
    for s in b.services:
        share = 0.1 if s["mode"] == "discretionary" else 0.05
        if rng.random() >= share:
            continue
        pct = rng.uniform(5, 20) if s["mode"] == "discretionary" else rng.uniform(2, 8)
        levers.append({"id": f"l{len(levers)}", "kind": "cut", "service": s["id"],
                       "percent": float(np.round(pct, 1)),
                       "start_year": float(rng.integers(0, 3)),
                       "phase_years": float(rng.integers(0, 2))})
    if not levers:  # a tiny place still gets one lever, so the scenario does something
        first = next(s for s in b.services if s["mode"] == "discretionary")
        levers.append({"id": "l0", "kind": "cut", "service": first["id"], "percent": 10.0})
    return {"id": SCENARIO_ID, "name": "Savings programme (synthetic)", "levers": levers}


def synthetic_place(spec: SyntheticSpec | None = None, seed: int = 0) -> CutsimFile:
    """A synthetic place and its scenario ``savings-programme`` (same seed, same file).

    ``spec.n_links`` effect and demand links in all (up to rounding per cluster, and the
    back links of loop clusters).
    """
    spec = spec or SyntheticSpec()
    rng = np.random.default_rng(seed)
    b = _Builder(spec, rng)
    n_clusters = max(1, math.ceil(spec.n_services / spec.cluster_size))
    per_cluster = spec.n_links / n_clusters
    for c in range(n_clusters):
        size = min(spec.cluster_size, spec.n_services - c * spec.cluster_size)
        size = max(size, 2)
        # Spread the remainder so the total is n_links (minus loop links added below).
        target = round((c + 1) * per_cluster) - round(c * per_cluster)
        n_dem = round(target * spec.demand_link_share)
        _cluster(b, c, size, target - n_dem, n_dem, rng.random() < spec.loop_share)
    place = {"name": f"Synthetic place ({spec.n_services} services, seed {seed})",
             "base_year": 2026, "horizon_years": spec.horizon_years,
             "steps_per_year": spec.steps_per_year, "discount_rate": 0.035,
             "notes": "Synthetic, for benchmarks only: every figure is generated."}
    data = {"format": "cutsim", "format_version": 1,
            "model": {"place": place,
                      "agencies": [{"id": a, "name": a.title(), "kind": k} for a, k in AGENCIES],
                      "services": b.services, "outcomes": b.outcomes,
                      "effects": b.effects, "demands": b.demands},
            "scenarios": [_scenario(b)]}
    log.debug("synthetic place: %d services, %d outcomes, %d effects, %d demands",
              len(b.services), len(b.outcomes), len(b.effects), len(b.demands))
    return CutsimFile.model_validate(data)
