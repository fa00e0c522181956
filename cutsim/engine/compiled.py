"""Compile a place :class:`~cutsim.model.schema.Model` once into arrays for the engine.

The compiled model separates *structure* (index maps, link topology, the grouping of delay
chains into blocks that must be integrated together, loops, delay orders) from *parameter
values* (effect per_unit k[l], demand per_unit d[m]; unit costs and spends are fixed per
model). A slider move or a Monte Carlo draw only supplies new :class:`Params`; the
structure is never rebuilt.

Notation (docs/mathematics.md). Algebraic variables ``v = [ΔY (O outcomes); ΔA (S services)]``, the
V = O + S "nodes". Zero-delay links (τ = 0) and demand links are algebraic: they form the
matrix ``P`` with ``v = P v + Q z + u`` where ``z`` are the outputs of the delay chains
(τ > 0 links), ``Q`` puts ``k_l z_l`` onto outcome ``dst(l)`` and
``u = [outcome_input; activity_delta]`` are the lever inputs. Hence ``v = M (Q z + u)``
with ``M = (I − P)⁻¹``. Each delay chain l has ``order_l`` stages of rate ``order_l/τ_l``
fed by ``ΔA_src(l)``; its output is scaled by ``k_l`` in ``Q`` (so chain dynamics never
depend on ``k`` unless a loop closes through it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from cutsim.model.schema import Model

_T = TypeVar("_T")

log = logging.getLogger(__name__)
TAU_INSTANT = 1e-9  # years (about 0.03 s): a shorter delay is treated as none


@dataclass(frozen=True, eq=False)
class Params:
    """Parameter values: ``k`` (effects, shape (L,) or (D, L)) and ``d`` (demands, (M,) or (D, M)).

    A leading draws axis D vectorises Monte Carlo; both arrays must then share it.
    """

    k: np.ndarray
    d: np.ndarray

    @property
    def batch(self) -> int | None:
        """Number of draws, or None for a single (unbatched) parameter set."""
        return self.k.shape[0] if self.k.ndim == 2 else None

    def as_batched(self) -> tuple[np.ndarray, np.ndarray]:
        """``(k, d)`` with a leading draws axis (length 1 when unbatched)."""
        return np.atleast_2d(self.k), np.atleast_2d(self.d)


@dataclass(frozen=True, eq=False)
class ChainGroup:
    """Delay chains that must be integrated together (a weakly connected set of chains).

    ``chains`` are positions in the compiled dynamic-link arrays; ``inputs`` are the node
    indices (into v / u) whose lever inputs reach the group's chains algebraically.
    ``loops`` lists each strongly connected set of chains (feedback loops) as positions
    into ``chains``.
    """

    chains: np.ndarray
    inputs: np.ndarray
    offsets: np.ndarray  # first state of each chain within the group; last entry = n_states
    loops: tuple[np.ndarray, ...]

    @property
    def n_states(self) -> int:
        return int(self.offsets[-1])


@dataclass(frozen=True, eq=False)
class AlgebraicLoop:
    """A cycle of zero-delay links through demand: node indices into v (outcomes first)."""

    nodes: np.ndarray


@dataclass(eq=False)
class CompiledModel:
    """A model compiled into index maps, topology and fixed per-service arrays.

    Money arrays are in £/yr (spend), £ per activity unit (unit_cost) and activity
    units/yr (baseline_activity). Time grid: ``t_k = k/steps_per_year``, k = 0..N.
    """

    model: Model
    steps_per_year: int
    horizon_years: int
    agency_ids: list[str]
    service_ids: list[str]
    outcome_ids: list[str]
    agency_index: dict[str, int]
    service_index: dict[str, int]
    outcome_index: dict[str, int]
    service_agency: np.ndarray  # (S,) agency index of each service
    demand_led: np.ndarray  # (S,) bool
    unit_cost: np.ndarray  # (S,) £ per unit
    baseline_spend: np.ndarray  # (S,) £/yr
    baseline_activity: np.ndarray  # (S,) units/yr
    outcome_baseline: np.ndarray  # (O,) level
    # effect links
    eff_src: np.ndarray  # (L,) service index
    eff_dst: np.ndarray  # (L,) outcome index
    eff_tau: np.ndarray  # (L,) years
    eff_order: np.ndarray  # (L,) stages
    k_central: np.ndarray
    k_low: np.ndarray
    k_high: np.ndarray
    # demand links
    dem_src: np.ndarray  # (M,) outcome index
    dem_dst: np.ndarray  # (M,) service index
    d_central: np.ndarray
    d_low: np.ndarray
    d_high: np.ndarray
    # derived structure
    dyn: np.ndarray  # (Ld,) effect indices with τ > TAU_INSTANT (the delay chains)
    alg: np.ndarray  # effect indices with τ = 0
    singletons: np.ndarray  # positions into dyn: chains integrated alone in closed form
    groups: tuple[ChainGroup, ...]  # chains integrated together by matrix exponential
    algebraic_loops: tuple[AlgebraicLoop, ...]
    m_pattern: sp.csr_matrix  # structural nonzeros of M = (I − P)⁻¹ (bool, V×V)
    # The simulator's per-model cache: block layout and step matrices per parameter set
    # (they depend only on parameters and h, so a slider move reuses them).
    cache: dict = field(default_factory=dict, repr=False)

    def once(self, name: str, compute: Callable[[], _T]) -> _T:
        """``compute()``, made once per compiled model and kept in its cache under
        ``name``: for what depends on this model alone (a model with other values is
        compiled apart, :func:`with_values`, and keeps only the chains' layout). An array
        it gives (alone or in a tuple) is made read-only, since every caller shares it.
        Two threads may compute it once each; both get equal values."""
        found = self.cache.get(name)
        if found is None:
            found = compute()
            for part in found if isinstance(found, tuple) else (found,):
                if isinstance(part, np.ndarray):
                    part.setflags(write=False)
            self.cache[name] = found
        return found

    # ------------------------------------------------------------------ sizes & grid
    @property
    def n_steps(self) -> int:
        """N = horizon_years · steps_per_year."""
        return self.horizon_years * self.steps_per_year

    @property
    def h(self) -> float:
        """Step length in years."""
        return 1.0 / self.steps_per_year

    @property
    def t(self) -> np.ndarray:
        """The grid t_k = k/steps_per_year, k = 0..N (years)."""
        return np.arange(self.n_steps + 1) / self.steps_per_year

    @property
    def n_outcomes(self) -> int:
        return len(self.outcome_ids)

    @property
    def n_services(self) -> int:
        return len(self.service_ids)

    @property
    def n_nodes(self) -> int:
        return self.n_outcomes + self.n_services

    def central_params(self) -> Params:
        """The model's central per_unit values."""
        return Params(self.k_central.copy(), self.d_central.copy())

    def node_name(self, node: int) -> tuple[str, str]:
        """``("outcome"|"service", id)`` of an algebraic node index."""
        if node < self.n_outcomes:
            return "outcome", self.outcome_ids[node]
        return "service", self.service_ids[node - self.n_outcomes]


# ---------------------------------------------------------------------------- compile


def compile_model(model: Model) -> CompiledModel:
    """Compile ``model`` (assumed valid: references resolved, values in range) once."""
    place = model.place
    agency_ids = [a.id for a in model.agencies]
    service_ids = [s.id for s in model.services]
    outcome_ids = [o.id for o in model.outcomes]
    agency_index = {a: i for i, a in enumerate(agency_ids)}
    service_index = {s: i for i, s in enumerate(service_ids)}
    outcome_index = {o: i for i, o in enumerate(outcome_ids)}

    services = model.services
    unit_cost = np.array([s.unit_cost for s in services], dtype=float)
    baseline_spend = np.array([s.baseline_spend for s in services], dtype=float)
    effects, demands = model.effects, model.demands
    eff_src = np.array([service_index[e.service] for e in effects], dtype=np.int64)
    eff_dst = np.array([outcome_index[e.outcome] for e in effects], dtype=np.int64)
    eff_tau = np.array([e.delay_years for e in effects], dtype=float)
    eff_order = np.array([max(1, e.delay_order) for e in effects], dtype=np.int64)
    dem_src = np.array([outcome_index[m.outcome] for m in demands], dtype=np.int64)
    dem_dst = np.array([service_index[m.service] for m in demands], dtype=np.int64)

    n_out, n_srv = len(outcome_ids), len(service_ids)
    # A delay below TAU_INSTANT years acts at once: its chain's rate order/τ would overflow
    # (a denormal delay is valid input), and the exact response is the immediate one to
    # far below any £ shown.
    dyn = np.flatnonzero(eff_tau > TAU_INSTANT)
    alg = np.flatnonzero(eff_tau <= TAU_INSTANT)
    p_pattern = _p_pattern(n_out, n_srv, eff_src[alg], eff_dst[alg], dem_src, dem_dst)
    m_pattern = _closure(p_pattern)
    algebraic_loops = tuple(AlgebraicLoop(c) for c in _nontrivial_sccs(p_pattern))
    singletons, groups = _chain_groups(n_out, eff_src[dyn], eff_dst[dyn], eff_order[dyn], m_pattern)

    compiled = CompiledModel(
        model=model,
        steps_per_year=int(place.steps_per_year),
        horizon_years=int(place.horizon_years),
        agency_ids=agency_ids, service_ids=service_ids, outcome_ids=outcome_ids,
        agency_index=agency_index, service_index=service_index, outcome_index=outcome_index,
        service_agency=np.array([agency_index[s.agency] for s in services], dtype=np.int64),
        demand_led=np.array([s.mode == "demand_led" for s in services], dtype=bool),
        unit_cost=unit_cost, baseline_spend=baseline_spend,
        baseline_activity=baseline_spend / unit_cost,
        outcome_baseline=np.array([o.baseline for o in model.outcomes], dtype=float),
        eff_src=eff_src, eff_dst=eff_dst, eff_tau=eff_tau, eff_order=eff_order,
        k_central=np.array([e.per_unit for e in effects], dtype=float),
        k_low=np.array([e.low for e in effects], dtype=float),
        k_high=np.array([e.high for e in effects], dtype=float),
        dem_src=dem_src, dem_dst=dem_dst,
        d_central=np.array([m.per_unit for m in demands], dtype=float),
        d_low=np.array([m.low for m in demands], dtype=float),
        d_high=np.array([m.high for m in demands], dtype=float),
        dyn=dyn, alg=alg, singletons=singletons, groups=groups,
        algebraic_loops=algebraic_loops, m_pattern=m_pattern,
    )
    log.debug("compiled %d services, %d outcomes, %d chains (%d singletons, %d groups)",
              n_srv, n_out, len(dyn), len(singletons), len(groups))
    return compiled


def _p_pattern(n_out: int, n_srv: int, alg_src, alg_dst, dem_src, dem_dst) -> sp.csr_matrix:
    """Structural pattern of P over nodes v = [outcomes; services] (row depends on column)."""
    rows = np.concatenate([alg_dst, n_out + dem_dst])
    cols = np.concatenate([n_out + alg_src, dem_src])
    n = n_out + n_srv
    pat = sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, n))
    pat.sum_duplicates()
    return pat


def _closure(pattern: sp.csr_matrix) -> sp.csr_matrix:
    """Reflexive-transitive closure of a dependency pattern (bool): nonzeros of (I − P)⁻¹."""
    n = pattern.shape[0]
    eye = sp.identity(n, dtype=bool, format="csr")
    closure = eye.copy()
    p = pattern.astype(bool)
    for _ in range(n + 1):
        nxt = (eye + p @ closure).astype(bool).tocsr()
        if nxt.nnz == closure.nnz:
            return nxt
        closure = nxt
    return closure  # pragma: no cover - bounded by n iterations


def _nontrivial_sccs(pattern: sp.csr_matrix) -> list[np.ndarray]:
    """Strongly connected components that contain a cycle (size > 1 or a self-loop)."""
    n = pattern.shape[0]
    if n == 0:
        return []
    count, labels = connected_components(pattern, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=count)
    self_loop = np.zeros(count, dtype=bool)
    diag = pattern.diagonal().astype(bool)
    self_loop[labels[diag]] = True
    return [np.flatnonzero(labels == c) for c in range(count) if sizes[c] > 1 or self_loop[c]]


def _chain_groups(n_out, src, dst, order, m_pattern):
    """Split delay chains into closed-form singletons and jointly integrated groups.

    Chain l depends on chain l' when the output of l' (onto outcome dst(l')) reaches the
    source service of l through algebraic links: ``M[O+src(l), dst(l')] ≠ 0``. Chains that
    depend on no chain and feed none are driven by piecewise-constant inputs only, so each
    is solved in closed form. The rest are grouped into weakly connected sets: exactness
    needs every upstream chain's state inside the matrix exponential of its dependants.
    """
    n_dyn = len(src)
    if n_dyn == 0:
        return np.zeros(0, dtype=np.int64), ()
    reach = m_pattern[n_out + src][:, :n_out]  # (Ld, O): outcomes reaching each chain's source
    feeds = sp.csr_matrix((np.ones(n_dyn, dtype=bool), (dst, np.arange(n_dyn))),
                          shape=(n_out, n_dyn))
    dep = (reach @ feeds).astype(bool).tocsr()  # dep[l, l']: l' drives l
    dep.eliminate_zeros()
    count, labels = connected_components(dep, directed=True, connection="weak")
    sizes = np.bincount(labels, minlength=count)
    has_self = np.zeros(count, dtype=bool)
    has_self[labels[dep.diagonal().astype(bool)]] = True
    alone = (sizes[labels] == 1) & ~has_self[labels]
    singletons = np.flatnonzero(alone)
    strong_count, strong = connected_components(dep, directed=True, connection="strong")
    strong_sizes = np.bincount(strong, minlength=strong_count)
    diag = dep.diagonal().astype(bool)

    groups = []
    for c in np.unique(labels[~alone]):
        chains = np.flatnonzero(labels == c)
        inputs = np.unique(m_pattern[n_out + src[chains]].indices)
        offsets = np.concatenate([[0], np.cumsum(order[chains])])
        local = {int(ch): i for i, ch in enumerate(chains)}
        loops = []
        for s in np.unique(strong[chains]):
            members = chains[strong[chains] == s]
            if strong_sizes[s] > 1 or diag[members].any():
                loops.append(np.array([local[int(m)] for m in members], dtype=np.int64))
        groups.append(ChainGroup(chains, inputs, offsets, tuple(loops)))
    return singletons, tuple(groups)


def with_values(cm: CompiledModel, model: Model) -> CompiledModel:
    """The compiled form of ``model``, which has ``cm``'s structure and may differ only in
    values (unit costs, baseline spends, delays, per_unit ranges): a Monte Carlo draw of
    those inputs. The structure is reused when every delay stays zero or non-zero (else
    the model is compiled afresh); the simulator's cache is shared only when the delays
    are unchanged (its step matrices depend on them)."""
    tau = np.array([e.delay_years for e in model.effects], dtype=float)
    if len(model.effects) != len(cm.eff_tau) or np.any((tau > TAU_INSTANT) != (cm.eff_tau > TAU_INSTANT)):
        return compile_model(model)
    unit_cost = np.array([s.unit_cost for s in model.services], dtype=float)
    baseline_spend = np.array([s.baseline_spend for s in model.services], dtype=float)
    same_delays = np.array_equal(tau, cm.eff_tau)
    cache = {"layout": cm.cache["layout"]} if same_delays and "layout" in cm.cache else {}
    return replace(cm, model=model, unit_cost=unit_cost, baseline_spend=baseline_spend,
                   baseline_activity=baseline_spend / unit_cost,
                   eff_tau=cm.eff_tau if same_delays else tau, cache=cache)
