"""The exact linear time-invariant simulation of docs/mathematics.md.

Lever inputs are held constant over each step (zero-order hold); everything else is
continuous, and at the grid points the result is the exact solution of the LTI system:

- zero-delay links and demand links are algebraic: ``v = M (Q z + u)`` with
  ``M = (I − P)⁻¹``, formed exactly (dense for small models or draws, a sparse
  topological expansion at scale);
- delay chains that neither depend on nor feed another chain are driven by
  piecewise-constant inputs only, and are advanced by the closed-form Erlang step matrices
  (Poisson terms and regularised incomplete gamma functions);
- the remaining chains are grouped into blocks (every upstream chain inside the block of
  its dependants, so the block's input is piecewise constant again) and advanced by the
  exact step matrices ``e^{Ah}``, ``∫e^{As}ds`` and their integrals (φ-functions by
  scaling and squaring, equal to ``scipy.linalg.expm`` of an augmented matrix).

Never forward Euler. Step integrals are carried exactly too, so annual money is exact.

How it stays fast (docs/performance.md): work is done only for *live* (chain, batch) pairs, those a
nonzero lever input reaches; blocks of similar size are padded with decoupled zero states
to a common size and advanced together as one batched recursion; step matrices depend
only on the parameters and h, so for a single parameter set they are cached on the
compiled model (a slider move reuses them); M is applied only to its columns that carry
an input or a chain output.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.special import gammainc, gammaln

from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.errors import EngineError
from cutsim.engine.heap import keep_large_arrays_in_heap
from cutsim.engine.reach import reach

log = logging.getLogger(__name__)

DENSE_LIMIT = 600  # nodes (outcomes + services) up to which M = (I − P)⁻¹ is formed densely
SINGULAR_COND = 1e12  # condition number above which an algebraic loop counts as singular
BUCKET_STATES = 8  # blocks are padded to a multiple of this many states and batched together
CACHE_SIZE = 4  # parameter sets whose step matrices are kept per compiled model
_TAYLOR_DEGREE = 14  # with ‖Ah/2^s‖ ≤ 1/2 the truncation error is below 3e-17
_UNSTABLE_TOL = 1e-7
SMALL_GAIN_MARGIN = 0.99  # a Perron root below this proves every draw's loops stable
_LOCK = threading.Lock()  # guards the per-model cache (the app simulates off the UI thread)


@dataclass(eq=False)
class Trajectory:
    """Deviations from baseline on the grid, with a leading batch axis B.

    - ``dY[B, O, N+1]``: ΔY_o(t_k), outcome units.
    - ``dA[B, S, N+1]``: total ΔA_s(t_k) (lever input plus demand), activity units/yr.
    - ``dY_int[B, O, N]``, ``dA_int[B, S, N]``: exact integrals over each step
      (year × outcome and activity units).

    Arrays may be strided views (the batch axis is not always outermost in memory).
    """

    dY: np.ndarray
    dA: np.ndarray
    dY_int: np.ndarray
    dA_int: np.ndarray


def simulate(cm: CompiledModel, params: Params, activity_delta: np.ndarray,
             outcome_input: np.ndarray | None = None, *, services: np.ndarray | None = None,
             outcomes: np.ndarray | None = None, outcome_integrals: bool = True) -> Trajectory:
    """Simulate deviations from baseline for lever inputs on the grid.

    ``activity_delta``: ΔA from levers, activity units/yr, shape (S, N+1) or (Bi, S, N+1)
    (zero-order hold: column k is the value over the step starting at t_k).
    ``outcome_input``: direct outcome change, (O, N+1) or (Bi, O, N+1), default zero.
    ``params`` may carry a draws axis D; the output batch is max(D, Bi) (one must be 1,
    or both equal).

    ``services`` (indices) asks for those services' rows of ``dA`` and ``dA_int`` only,
    in that order, ``outcomes`` (indices) the same of ``dY`` and ``dY_int``, and
    ``outcome_integrals=False`` leaves ``dY_int`` with no rows: a Monte Carlo draw needs
    only the levels of the outcomes the levers reach and the demand-led services'
    activity, and the rows it asks for are the same numbers as in a full run.

    Raises :class:`EngineError` for a singular algebraic loop or an unstable loop.
    """
    u = _compact_inputs(cm, activity_delta, outcome_input)
    kb, db = params.as_batched()
    n_draws, n_in = kb.shape[0], u.batch
    if n_in == 0:  # an empty batch of inputs has an empty batch of answers
        t = cm.n_steps + 1
        n_o = cm.n_outcomes if outcomes is None else len(outcomes)
        return Trajectory(*(np.zeros((0, rows, t - extra)) for rows, extra in (
            (n_o, 0), (cm.n_services, 0), (n_o, 1), (cm.n_services, 1))))
    if n_draws > 1 and n_in not in (1, n_draws):
        raise ValueError(f"{n_draws} parameter draws cannot pair with {n_in} input batches")
    if n_draws > 1:
        keep_large_arrays_in_heap()  # draws make many large temporaries: reuse their memory
    reached = _reached(cm, u)
    rows = _Rows(services, outcomes)
    traj = _simulate(cm, u, kb, db, rows, outcome_integrals, reached)
    return _exact_zeros(cm, u, traj, rows, reached)


def as_batch(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` as an array of ``shape`` (its batch axis first), a view: ``a`` itself when it
    has that shape, ``a[None]`` when only a leading batch axis of 1 is missing (one run's
    case), else numpy's ``broadcast_to`` (which costs microseconds a call)."""
    if a.shape == shape:
        return a
    if len(shape) == a.ndim + 1 and shape[0] == 1 and a.shape == shape[1:]:
        return a[None]
    return np.broadcast_to(a, shape)


@dataclass(frozen=True)
class _Rows:
    """The rows a caller asks for: of services (``dA``) and of outcomes (``dY``), each
    every row when None."""

    services: np.ndarray | None = None
    outcomes: np.ndarray | None = None


def _simulate(cm: CompiledModel, u: _Inputs, kb: np.ndarray, db: np.ndarray,
              asked: _Rows, outcome_integrals: bool, reached: _Reach) -> Trajectory:
    n_draws, n_in = kb.shape[0], u.batch
    if n_draws > 1 and (cm.n_nodes > DENSE_LIMIT or n_in > 1):
        # One parameter set at a time: a large model's M is sparse per draw, and per-draw
        # inputs with per-draw parameters share nothing worth batching.
        runs = [_run(cm, _single_operator(cm, kb[i], db[i]), kb[i:i + 1], u.select(i),
                     asked, outcome_integrals, reached) for i in range(n_draws)]
        return Trajectory(*(np.concatenate([getattr(r, f) for r in runs])
                            for f in ("dY", "dA", "dY_int", "dA_int")))
    if n_draws == 1:
        return _run(cm, _single_operator(cm, kb[0], db[0]), kb, u, asked, outcome_integrals,
                    reached)
    needed = np.union1d(u.rows, cm.eff_dst[cm.dyn]).astype(np.int64)
    return _run(cm, _draws_operator(cm, kb, db, needed), kb, u, asked, outcome_integrals,
                reached)


@dataclass(frozen=True, eq=False)
class _Reach:
    """What the lever inputs reach (:func:`cutsim.engine.reach.reach`): ``nodes`` (V,)
    for the inputs together, and ``entries`` (Bi, V) for each input batch entry."""

    nodes: np.ndarray
    entries: np.ndarray


def _reached(cm: CompiledModel, u: _Inputs) -> _Reach:
    """The reach of the inputs, cached per pattern of nonzero rows (structural, so the
    same for every draw and every slider position that moves the same levers)."""
    live = np.asarray(u.vals.any(axis=2))  # (Bi, R)

    def compute() -> _Reach:
        masks = []
        for entry in live:
            nodes = np.zeros(cm.n_nodes, dtype=bool)
            nodes[u.rows[entry]] = True
            masks.append(np.concatenate(reach(cm, nodes[cm.n_outcomes:], nodes[:cm.n_outcomes])))
        entries = np.array(masks).reshape(len(live), cm.n_nodes)  # outcomes then services
        return _Reach(np.asarray(entries.any(axis=0)), entries)

    # 64 lever patterns: a sitting moves a few levers, a sweep one pattern
    return _cached(cm, "reach", (u.rows.tobytes(), np.packbits(live).tobytes(), live.shape),
                   64, compute)


def lever_reach(cm: CompiledModel, activity_delta: np.ndarray,
            outcome_input: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(outcome mask (O,), service mask (S,))`` of what these lever inputs reach, as the
    simulation takes it (cached): everything else stays exactly 0."""
    nodes = _reached(cm, _compact_inputs(cm, activity_delta, outcome_input)).nodes
    return nodes[:cm.n_outcomes], nodes[cm.n_outcomes:]


def _exact_zeros(cm: CompiledModel, u: _Inputs, traj: Trajectory,
                 asked: _Rows, reached: _Reach) -> Trajectory:
    """``traj`` with every node no lever input reaches set to exactly 0 (docs/mathematics.md).

    The reach is taken per input batch entry (one origin agency's levers, say), so that
    attribution by superposition carries no round-off either. ``asked.services`` are the
    rows ``traj`` holds of ``dA``, ``asked.outcomes`` those of ``dY`` (all when None); a
    ``dY_int`` without rows is left as it is.
    Rows that no entry reaches are never computed (:func:`_run` leaves them 0); with one
    entry there is nothing more to do.
    """
    if u.rows.size == 0:
        return Trajectory(*(np.zeros_like(getattr(traj, f)) for f in ("dY", "dA", "dY_int", "dA_int")))
    mask = reached.entries  # (Bi, V): outcomes then services
    if len(mask) == 1 or mask.all():
        return traj
    o = cm.n_outcomes
    out_mask, srv_mask = mask[:, :o, None], mask[:, o:, None]
    if asked.services is not None:
        srv_mask = srv_mask[:, np.asarray(asked.services, dtype=np.int64)]
    if asked.outcomes is not None:
        out_mask = out_mask[:, np.asarray(asked.outcomes, dtype=np.int64)]
    dY_int = traj.dY_int if traj.dY_int.shape[1] == 0 else np.where(out_mask, traj.dY_int, 0.0)
    return Trajectory(np.where(out_mask, traj.dY, 0.0), np.where(srv_mask, traj.dA, 0.0),
                      dY_int, np.where(srv_mask, traj.dA_int, 0.0))


@dataclass(eq=False)
class _Inputs:
    """Lever inputs u = [outcome input; activity input] kept only on their nonzero rows.

    ``rows`` are node indices (outcomes first) with any nonzero value; ``vals`` is
    (Bi, R, N+1). Most services carry no lever, so the full (Bi, V, N+1) is never formed.
    """

    rows: np.ndarray
    vals: np.ndarray

    @property
    def batch(self) -> int:
        return self.vals.shape[0]

    def select(self, i: int) -> _Inputs:
        """Batch entry i (entry 0 when the inputs are shared)."""
        return _Inputs(self.rows, self.vals[i if self.batch > 1 else 0][None])


def _compact_inputs(cm: CompiledModel, activity_delta, outcome_input) -> _Inputs:
    act = np.asarray(activity_delta, dtype=float)
    act = act[None] if act.ndim == 2 else act
    parts, rows = [], []
    if outcome_input is not None:
        out = np.asarray(outcome_input, dtype=float)
        out = out[None] if out.ndim == 2 else out
        live = np.flatnonzero(out.any(axis=(0, 2)))
        parts.append(out[:, live])
        rows.append(live)
    live = np.flatnonzero(act.any(axis=(0, 2)))
    parts.append(act[:, live])
    rows.append(cm.n_outcomes + live)
    batch = max(p.shape[0] for p in parts)
    vals = np.concatenate([as_batch(p, (batch,) + p.shape[1:]) for p in parts], axis=1)
    return _Inputs(np.concatenate(rows).astype(np.int64), vals)


# --------------------------------------------------------------------- algebraic part


def _p_entries(cm: CompiledModel, kb: np.ndarray, db: np.ndarray):
    """Rows, columns and (D, nnz) values of P: zero-delay links then demand links."""
    n_out = cm.n_outcomes
    rows = np.concatenate([cm.eff_dst[cm.alg], n_out + cm.dem_dst])
    cols = np.concatenate([n_out + cm.eff_src[cm.alg], cm.dem_src])
    vals = np.concatenate([kb[:, cm.alg], db], axis=1)
    return rows, cols, vals


def _loop_error(cm: CompiledModel, nodes, what: str) -> EngineError:
    names = [cm.node_name(int(n)) for n in nodes]
    services = ", ".join(i for kind, i in names if kind == "service") or "none"
    outcomes = ", ".join(i for kind, i in names if kind == "outcome") or "none"
    return EngineError(f"{what} through services {services} and outcomes {outcomes}")


def _check_algebraic_block(cm: CompiledModel, block: np.ndarray, nodes) -> None:
    """Refuse a zero-delay loop whose (I − P_cc) is singular (loop gain of exactly 1)."""
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(block)
    if not np.all(np.isfinite(cond)) or np.max(cond) > SINGULAR_COND:
        raise _loop_error(cm, nodes, "singular zero-delay (algebraic) loop: its loop gain is 1,"
                          " so the model has no unique solution;")


class _SingleM:
    """M = (I − P)⁻¹ for one parameter set: a dense (V, V) array or a sparse CSR matrix.

    Batch entries are lever-input batches (origins, candidates) sharing M; arrays of the
    algebraic part are node-major, (V, B, T), so M acts on one 2-D block.
    """

    def __init__(self, m) -> None:
        self.m = m
        self.sparse = sp.issparse(m)
        # Per-parameter-set caches (this object is cached per parameter set):
        self.stable_checked = False
        self.steps: dict[int, dict[int, tuple]] = {}  # bucket → block → step matrices

    def rows(self, rows: np.ndarray):
        return self.m[rows]

    def values(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """M[rows[i], cols[i]] as (1, K)."""
        if self.sparse:
            return np.asarray(self.m[rows, cols]).reshape(1, -1)
        return self.m[rows, cols][None]

    def source_inputs(self, src: np.ndarray, u: _Inputs):
        """(M u)[src] for live (chain, batch) pairs: positions, batches and (P, T) values."""
        if len(u.rows) == 0:
            return _no_items(u.vals.shape[-1])
        sub_rows = self.rows(src)[:, u.rows]
        pos, bat, vals = [], [], []
        for b in range(u.batch):
            cols = np.flatnonzero(u.vals[b].any(axis=1))
            if len(cols) == 0:
                continue
            sub = sub_rows[:, cols]
            reach = sub.getnnz(axis=1) > 0 if self.sparse else sub.any(axis=1)
            live = np.flatnonzero(reach)
            if len(live) == 0:
                continue
            w = sub[live] @ u.vals[b, cols]
            pos.append(live)
            bat.append(np.full(len(live), b))
            vals.append(np.asarray(w))
        if not pos:
            return _no_items(u.vals.shape[-1])
        return np.concatenate(pos), np.concatenate(bat), np.concatenate(vals)

    def assemble(self, cols: np.ndarray, x: np.ndarray,
                 rows: np.ndarray | None = None) -> np.ndarray:
        """M[rows, cols] x for x (C, B, T) → (B, R, T) (a view of node-major memory);
        all V rows when ``rows`` is None."""
        c, b, t = x.shape
        if rows is None:
            sub = self.m[:, cols]
        elif self.sparse:
            sub = self.m[rows][:, cols]  # row-major
        else:
            sub = self.m[np.ix_(rows, cols)]  # one gather, the same entries
        v = np.asarray(sub @ x.reshape(c, b * t)).reshape(-1, b, t)
        return v.swapaxes(0, 1)  # (B, R, T): numpy's moveaxis(v, 1, 0), as a method call

    def scatter_index(self, rows: np.ndarray, batch: np.ndarray, n_cols: int, n_batch: int):
        return rows * n_batch + batch

    def x_shape(self, n_cols: int, n_batch: int, t: int) -> tuple[int, int, int]:
        return (n_cols, n_batch, t)

    def add_inputs(self, x: np.ndarray, where: np.ndarray, vals: np.ndarray) -> None:
        x[where] += vals.swapaxes(0, 1)


class _DrawsM:
    """The columns of M = (I − P)⁻¹ the run needs, per draw: dense (D, V, C).

    Batch entries are draws (batch-major). Columns are those carrying a lever input or a
    chain output; no other column of M is ever multiplied by anything nonzero.
    """

    sparse = False
    stable_checked = False
    steps = None  # draws are never cached

    def __init__(self, m_cols: np.ndarray, cols: np.ndarray, n_nodes: int) -> None:
        self.m = m_cols
        self.pos = np.full(n_nodes, -1, dtype=np.int64)
        self.pos[cols] = np.arange(len(cols))

    def values(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.m[:, rows, self.pos[cols]]

    def source_inputs(self, src: np.ndarray, u: _Inputs):
        if len(u.rows) == 0:
            return _no_items(u.vals.shape[-1])
        w = np.matmul(self.m[:, src][:, :, self.pos[u.rows]], u.vals)  # (D, L, T)
        live = np.flatnonzero(w.any(axis=(0, 2)))
        d = w.shape[0]
        # l-major, draw-minor: a live chain is live in every draw
        vals = np.ascontiguousarray(w[:, live].transpose(1, 0, 2)).reshape(-1, w.shape[-1])
        return np.repeat(live, d), np.tile(np.arange(d), len(live)), vals

    def assemble(self, cols: np.ndarray, x: np.ndarray,
                 rows: np.ndarray | None = None) -> np.ndarray:
        """M[:, rows, cols] x for x (D, C, T) → (D, R, T) (all V rows when None)."""
        m = self.m if rows is None else self.m[:, rows]
        # Contiguous operands let matmul use BLAS (a fancy-indexed view is strided).
        return np.matmul(np.ascontiguousarray(m[:, :, self.pos[cols]]), x)

    def scatter_index(self, rows: np.ndarray, batch: np.ndarray, n_cols: int, n_batch: int):
        return batch * n_cols + rows

    def x_shape(self, n_cols: int, n_batch: int, t: int) -> tuple[int, int, int]:
        return (n_batch, n_cols, t)

    def add_inputs(self, x: np.ndarray, where: np.ndarray, vals: np.ndarray) -> None:
        x[:, where] += vals


def _no_items(t: int):
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros((0, t))


def _digest(*parts: np.ndarray) -> bytes:
    """A digest of arrays' bytes, in order (a cache key)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())
        digest.update(b"|")
    return digest.digest()


def _cached(cm: CompiledModel, name: str, key: object, limit: int, compute):
    """``compute()``, kept in the compiled model's cache ``name`` under ``key``; the
    oldest entries go beyond ``limit``. Computed outside the lock (computing may take it,
    as the chains' step matrices do); two threads may compute the same entry, once each."""
    with _LOCK:
        store = cm.cache.setdefault(name, {})
        found = store.get(key)
    if found is None:
        found = compute()
        with _LOCK:
            store[key] = found
            while len(store) > limit:
                store.pop(next(iter(store)))
    return found


def _single_operator(cm: CompiledModel, k: np.ndarray, d: np.ndarray) -> _SingleM:
    """M for one parameter set, cached on the compiled model with its step matrices."""
    key = _digest(np.asarray(k, dtype=float), np.asarray(d, dtype=float))
    return _cached(cm, "params", key, CACHE_SIZE, lambda: _single_operator_uncached(cm, k, d))


def _single_operator_uncached(cm: CompiledModel, k: np.ndarray, d: np.ndarray) -> _SingleM:
    """M = (I − P)⁻¹ for one parameter set, exactly: dense when small, sparse at scale."""
    v = cm.n_nodes
    rows, cols, vals = _p_entries(cm, k[None], d[None])
    if v <= DENSE_LIMIT:
        ip = np.eye(v)
        np.subtract.at(ip, (rows, cols), vals[0])
        for loop in cm.algebraic_loops:
            _check_algebraic_block(cm, ip[np.ix_(loop.nodes, loop.nodes)][None], loop.nodes)
        return _SingleM(np.linalg.inv(ip))
    return _SingleM(_sparse_inverse(cm, sp.csr_matrix((vals[0], (rows, cols)), shape=(v, v))))


def _draws_operator(cm: CompiledModel, kb: np.ndarray, db: np.ndarray,
                    cols: np.ndarray) -> _DrawsM:
    """Columns ``cols`` of M = (I − P)⁻¹ for every draw, through the outcome block.

    P only links services to outcomes (zero-delay effects K0, O×S) and outcomes to
    services (demand Dm, S×O), so with G = (I − K0·Dm)⁻¹ (O×O, its determinant that of
    I − P): an outcome column o of M is [G e_o; Dm G e_o] and a service column s is
    [G K0 e_s; e_s + Dm G K0 e_s]. Exact algebra on an O×O system instead of V×V.
    """
    n_out, n_srv, d = cm.n_outcomes, cm.n_services, kb.shape[0]
    for loop in cm.algebraic_loops:
        _check_algebraic_block(cm, _loop_block(cm, kb, db, loop.nodes), loop.nodes)
    k0 = _scattered((d, n_out, n_srv), cm.eff_dst[cm.alg], cm.eff_src[cm.alg], kb[:, cm.alg])
    dm = _scattered((d, n_srv, n_out), cm.dem_dst, cm.dem_src, db)
    fed, fed_loop = _fed_outcomes(cm)
    g = _outcome_inverse(k0, dm, fed, fed_loop)
    certified = _small_gain_certified(cm, kb, db)
    is_out = cols < n_out
    m = np.empty((d, n_out + n_srv, len(cols)))  # [y; a], each part written in place
    y, a = m[:, :n_out], m[:, n_out:]
    y[:, :, is_out] = g[:, :, cols[is_out]]
    y[:, :, ~is_out] = np.matmul(g, k0[:, :, cols[~is_out] - n_out])
    np.matmul(dm, y, out=a)
    srv = np.flatnonzero(~is_out)
    a[:, cols[srv] - n_out, srv] += 1.0
    op = _DrawsM(m, cols, cm.n_nodes)
    op.stable_checked = certified
    return op


def _small_gain_certified(cm: CompiledModel, kb: np.ndarray, db: np.ndarray) -> bool:
    """True when every loop of every draw in ``kb``/``db`` is stable by the small-gain
    theorem (:func:`_small_gain_bound`), so the per-draw eigenvalue check can be skipped:
    each draw's per_unit magnitudes are within the bound's."""
    bound = _cached(cm, "small_gain", "bound", 1, lambda: _small_gain_bound(cm))
    if bound is False:
        return False
    k_max, d_max = bound
    return bool(np.all(np.abs(kb) <= k_max) and np.all(np.abs(db) <= d_max))


def _small_gain_bound(cm: CompiledModel) -> tuple[np.ndarray, np.ndarray] | bool:
    """Per-link magnitudes (the largest of |low|, |per_unit|, |high| of each effect and
    demand) under which no loop can be unstable, or False when they prove nothing.

    The system's loop operator P(s) links services to outcomes through k·E(s) (E an
    Erlang delay (r/(s + r))ⁿ, or 1 with no delay) and outcomes to services through d.
    For Re s ≥ 0, |E(s)| ≤ 1, so |P(s)| ≤ W entrywise, W holding these magnitudes (links
    joining the same pair added). If the Perron root ρ(W) < 1 then ρ(P(s)) ≤ ρ(|P(s)|) ≤
    ρ(W) < 1, det(I − P(s)) ≠ 0 on the closed right half plane and every loop is stable,
    for every draw whose magnitudes are within W's. (A margin keeps rounding out of it.)
    """
    v, n_out = cm.n_nodes, cm.n_outcomes
    if v > DENSE_LIMIT or len(cm.dyn) == 0:
        return False
    k_max = np.maximum.reduce([np.abs(cm.k_low), np.abs(cm.k_central), np.abs(cm.k_high)])
    d_max = np.maximum.reduce([np.abs(cm.d_low), np.abs(cm.d_central), np.abs(cm.d_high)])
    w = np.zeros((v, v))
    np.add.at(w, (cm.eff_dst, n_out + cm.eff_src), k_max)
    np.add.at(w, (n_out + cm.dem_dst, cm.dem_src), d_max)
    if not np.all(np.isfinite(w)):
        return False
    perron = float(np.max(np.abs(np.linalg.eigvals(w)))) if v else 0.0
    return (k_max, d_max) if perron < SMALL_GAIN_MARGIN else False


def _outcome_inverse(k0: np.ndarray, dm: np.ndarray, fed: np.ndarray,
                     fed_loop: bool = True) -> np.ndarray:
    """G = (I − K0·Dm)⁻¹ per draw, (D, O, O), inverting only the block of the outcomes a
    zero-delay effect feeds (``fed``): every other row of K0·Dm is zero, so with B = K0·Dm
    and a = fed, b = the rest, (I − B) is block triangular and
    G[a, a] = (I − B_aa)⁻¹, G[a, b] = (I − B_aa)⁻¹ B_ab, G[b, :] = I[b, :].

    ``fed_loop`` False says B_aa is zero by structure (no zero-delay effect's service is
    fed by the demand of an outcome in ``fed``): then (I − B_aa)⁻¹ is I and nothing is
    inverted."""
    d, n_out = k0.shape[0], k0.shape[1]
    if len(fed) == n_out:
        return np.linalg.inv(np.eye(n_out) - np.matmul(k0, dm))
    b_a = np.matmul(k0[:, fed, :], dm)  # (D, a, O): the nonzero rows of B
    h = np.linalg.inv(np.eye(len(fed)) - b_a[:, :, fed]) if fed_loop else None
    c = b_a
    c[:, :, fed] = np.eye(len(fed))  # [I_aa | B_ab]
    g = np.broadcast_to(np.eye(n_out), (d, n_out, n_out)).copy()
    g[:, fed, :] = c if h is None else np.matmul(h, c)
    return g


def _fed_outcomes(cm: CompiledModel) -> tuple[np.ndarray, bool]:
    """The outcomes a zero-delay effect feeds (indices), and whether B_aa of
    :func:`_outcome_inverse` can be nonzero among them: a demand from a fed outcome
    reaches a service with a zero-delay effect onto a fed outcome (by the links'
    pattern; cached on the compiled model)."""
    def compute() -> tuple[np.ndarray, bool]:
        fed = np.unique(cm.eff_dst[cm.alg])
        fed_set = np.zeros(cm.n_outcomes, bool)
        fed_set[fed] = True
        # services fed by the demand of a fed outcome
        demanded = np.zeros(cm.n_services, bool)
        demanded[cm.dem_dst[fed_set[cm.dem_src]]] = True
        # zero-delay effects from such a service onto a fed outcome
        return fed, bool(np.any(demanded[cm.eff_src[cm.alg]] & fed_set[cm.eff_dst[cm.alg]]))
    return _cached(cm, "fed_outcomes", "fed_outcomes", 1, compute)


def _scattered(shape: tuple[int, int, int], rows: np.ndarray, cols: np.ndarray,
               values: np.ndarray) -> np.ndarray:
    """(D, R, C) zeros with ``values`` (D, L) added at (rows, cols): links joining the same
    pair add up. Assigned directly when no pair repeats (the same numbers: 0 + v is v;
    ``ufunc.at`` is many times slower)."""
    out = np.zeros(shape)
    flat = rows * shape[2] + cols
    if len(np.unique(flat)) == len(flat):
        out.reshape(shape[0], -1)[:, flat] = values
    else:
        np.add.at(out, (slice(None), rows, cols), values)  # type: ignore[arg-type]  # numpy's stubs: no slice in the index
    return out


def _loop_block(cm: CompiledModel, kb: np.ndarray, db: np.ndarray, nodes: np.ndarray):
    """(I − P) restricted to one algebraic loop's nodes, per draw: (D, n, n)."""
    rows, cols, vals = _p_entries(cm, kb, db)
    local = np.full(cm.n_nodes, -1)
    local[nodes] = np.arange(len(nodes))
    inside = (local[rows] >= 0) & (local[cols] >= 0)
    block = np.broadcast_to(np.eye(len(nodes)), (kb.shape[0], len(nodes), len(nodes))).copy()
    np.subtract.at(block, (slice(None), local[rows[inside]], local[cols[inside]]),  # type: ignore[arg-type]
                   vals[:, inside])
    return block


def _sparse_inverse(cm: CompiledModel, p: sp.csr_matrix) -> sp.csr_matrix:
    """(I − P)⁻¹ for sparse P: solve each algebraic loop densely, then expand the DAG.

    With K_c = (I − P_cc)⁻¹ for each loop c and T = blockdiag(K_c, I), the system
    v = P v + b becomes v = P̃ v + T b with P̃ = T·P_out (intra-loop entries removed),
    which is nilpotent (the condensation is acyclic), so (I − P̃)⁻¹ = Σ P̃^i is finite.
    """
    v = p.shape[0]
    in_loop = np.full(v, -1)
    t_rows, t_cols, t_vals = [], [], []
    for c, loop in enumerate(cm.algebraic_loops):
        nodes = loop.nodes
        in_loop[nodes] = c
        block = np.eye(len(nodes)) - p[nodes][:, nodes].toarray()
        _check_algebraic_block(cm, block[None], nodes)
        k_c = np.linalg.inv(block)
        r, cc = np.meshgrid(nodes, nodes, indexing="ij")
        t_rows.append(r.ravel())
        t_cols.append(cc.ravel())
        t_vals.append(k_c.ravel())
    free = np.flatnonzero(in_loop < 0)
    t_rows.append(free)
    t_cols.append(free)
    t_vals.append(np.ones(len(free)))
    t_mat = sp.csr_matrix((np.concatenate(t_vals), (np.concatenate(t_rows),
                                                   np.concatenate(t_cols))), shape=(v, v))
    coo = p.tocoo()
    keep = ~((in_loop[coo.row] >= 0) & (in_loop[coo.row] == in_loop[coo.col]))
    p_out = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=(v, v))
    p_tilde = (t_mat @ p_out).tocsr()
    total = sp.identity(v, format="csr")
    term = sp.identity(v, format="csr")
    for _ in range(v + 1):
        term = (p_tilde @ term).tocsr()
        term.eliminate_zeros()
        if term.nnz == 0:
            break
        total = total + term
    return (total @ t_mat).tocsr()


# ------------------------------------------------------------------------ the run


def _run(cm: CompiledModel, op, kb: np.ndarray, u: _Inputs, asked: _Rows,
         outcome_integrals: bool, reached: _Reach) -> Trajectory:
    """Advance live chains exactly, then solve the algebraic part once for all outputs
    (the rows of them asked for, see :func:`simulate`, and of those only the rows the
    inputs reach: the others are exactly 0)."""
    n_steps, h = cm.n_steps, cm.h
    batch = max(kb.shape[0], u.batch)
    layout = _layout(cm)
    chains, bat, z, z_int = _no_chain_output(n_steps)
    if len(cm.dyn):
        _check_groups_stable(cm, layout, op, kb)
        # Only chains whose source service the inputs reach can be fed (the others' feed
        # is exactly 0): their positions in the chain list, fed by M u.
        fed = np.flatnonzero(reached.nodes[layout.src_nodes])
        pos, pb, w = op.source_inputs(layout.src_nodes[fed], u)
        pos = fed[pos]
        alone = layout.chain_group[pos] < 0
        singles = _run_singletons(cm, layout, pos[alone], pb[alone], w[alone]) \
            if kb.shape[0] == 1 else _run_singletons_draws(cm, layout, op, pos[alone], u)
        outs = [singles, _run_groups(cm, layout, op, kb, pos[~alone], pb[~alone], w[~alone])]
        chains, bat, z, z_int = (np.concatenate(parts) for parts in zip(*outs))
    links = cm.dyn[chains]
    coef = kb[bat if kb.shape[0] > 1 else 0, links]
    dst = cm.eff_dst[links]  # outcome index = node index
    cols = np.union1d(dst, u.rows).astype(np.int64)
    where, where_u = np.searchsorted(cols, dst), np.searchsorted(cols, u.rows)
    n_out = cm.n_outcomes
    services, outcomes = asked.services, asked.outcomes
    srv = np.arange(cm.n_services) if services is None else np.asarray(services, dtype=np.int64)
    out = np.arange(n_out) if outcomes is None else np.asarray(outcomes, dtype=np.int64)
    out_live = np.flatnonzero(reached.nodes[out])  # positions in out
    srv_live = np.flatnonzero(reached.nodes[n_out + srv])  # positions in srv
    live_rows = np.concatenate([out[out_live], n_out + srv[srv_live]])
    rows: np.ndarray | None = live_rows  # None: every row, in node order
    rows_int: np.ndarray | None = live_rows if outcome_integrals else n_out + srv[srv_live]
    if services is None and outcomes is None and len(live_rows) == cm.n_nodes:
        # every row in node order: M as it is
        rows = None
        if outcome_integrals:
            rows_int = None
    # Q, shared by the levels and their integrals
    scatter = _scatter(op, cols, where, bat, coef, batch, row_sums=kb.shape[0] == 1)
    v = op.assemble(cols, _outputs_onto(op, cols, scatter, z, where_u, u.vals, batch), rows)
    v_int = op.assemble(cols, _outputs_onto(op, cols, scatter, z_int, where_u,
                                            u.vals[..., :n_steps] * h, batch), rows_int)
    n_live = len(out_live)
    n_y_int = n_live if outcome_integrals else 0
    return Trajectory(
        dY=_rows_into(v[:, :n_live], out_live, len(out)),
        dA=_rows_into(v[:, n_live:], srv_live, len(srv)),
        dY_int=_rows_into(v_int[:, :n_y_int], out_live, len(out)) if outcome_integrals
        else v_int[:, :0],
        dA_int=_rows_into(v_int[:, n_y_int:], srv_live, len(srv)))


def _rows_into(values: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """(B, n_rows, T) holding ``values`` (B, len(rows), T) at ``rows`` and 0 elsewhere."""
    if len(rows) == n_rows:
        return values
    out = np.zeros((values.shape[0], n_rows, values.shape[2]))
    out[:, rows] = values
    return out


def _no_chain_output(n_steps: int):
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, np.zeros((0, n_steps + 1)), np.zeros((0, n_steps))


@dataclass(frozen=True, eq=False)
class _RowSums:
    """Q for one parameter set, as row sums: ``(Q z)[i] = Σ coef_l z_l`` over the chains
    l with ``index[l] == i``, added in chain order onto zeros, which is exactly what the
    sparse product does row by row (the same products, the same order of sums), without
    building a sparse matrix for a handful of rows."""

    index: np.ndarray
    coef: np.ndarray
    rows: int

    def __matmul__(self, z: np.ndarray) -> np.ndarray:
        out = np.zeros((self.rows, z.shape[-1]))
        np.add.at(out, self.index, self.coef[:, None] * z)
        return out


def _scatter(op, cols: np.ndarray, where: np.ndarray, bat: np.ndarray, coef: np.ndarray,
             batch: int, row_sums: bool = False) -> sp.csr_matrix | _RowSums | None:
    """Q: each chain's k_l onto its outcome's column (rows: columns × batch), or None
    when there are no chain outputs. Built once per run and applied to the levels and to
    their step integrals alike; as plain row sums (:class:`_RowSums`) when ``row_sums``
    (one parameter set: a slider move, a handful of chains), else as a sparse matrix."""
    if len(coef) == 0:
        return None
    index = op.scatter_index(where, bat, len(cols), batch)
    if row_sums:
        return _RowSums(np.asarray(index, dtype=np.intp), np.asarray(coef, dtype=float),
                        len(cols) * batch)
    return sp.csr_matrix((coef, (index, np.arange(len(coef)))),
                         shape=(len(cols) * batch, len(coef)))


def _outputs_onto(op, cols: np.ndarray, scatter: sp.csr_matrix | _RowSums | None,
                  z: np.ndarray,
                  where_u: np.ndarray, u_vals: np.ndarray, batch: int) -> np.ndarray:
    """Q z + u on the columns ``cols``: each chain's k_l z_l added onto its outcome
    (``scatter`` is Q from :func:`_scatter`)."""
    if len(z):
        # The product is a fresh dense array of x's rows (sparse products start from 0):
        # used as x itself, not added to an array of zeros (a second pass over it).
        x = np.asarray(scatter @ z).reshape(op.x_shape(len(cols), batch, z.shape[-1]))
    else:
        x = np.zeros(op.x_shape(len(cols), batch, z.shape[-1]))
    op.add_inputs(x, where_u, as_batch(u_vals, (batch,) + u_vals.shape[1:]))
    return x


# ------------------------------------------------------------------ static layout


@dataclass(eq=False)
class _Bucket:
    """Chain blocks padded to ``n`` states and ``c`` chains, advanced as one batch.

    Padding states have no dynamics, no input and no output (decoupled zeros), so each
    padded block evolves exactly as the block alone. Per block (axis 0): ``base`` the
    Erlang part of A (independent of parameters), ``first``/``last`` the state of each
    chain's first and output stage, ``rate`` its stage rate (0 for padding chains) and
    ``chain`` its position in the dynamic links (−1 for padding). Coupling entries (one
    per structurally nonzero M[src(i), dst(j)] in a block) ``cp_*``:
    A[first_i, last_j] += rate_i · M[src_i, dst_j] · k_j.
    """

    n: int
    c: int
    groups: np.ndarray
    base: np.ndarray
    first: np.ndarray
    last: np.ndarray
    rate: np.ndarray
    chain: np.ndarray
    has_loop: np.ndarray
    cp_block: np.ndarray
    cp_row: np.ndarray
    cp_col: np.ndarray
    cp_src: np.ndarray
    cp_dst: np.ndarray
    cp_link: np.ndarray
    cp_rate: np.ndarray


@dataclass(eq=False)
class _Layout:
    """Parameter-free structure of the chains, built once per compiled model."""

    src_nodes: np.ndarray  # (Ld,) node of each chain's source service
    chain_group: np.ndarray  # (Ld,) bucket-wide block id, −1 for a closed-form singleton
    chain_bucket: np.ndarray  # (Ld,) bucket index (−1 for singletons)
    chain_block: np.ndarray  # (Ld,) block position within its bucket
    chain_slot: np.ndarray  # (Ld,) chain slot within its block
    buckets: list[_Bucket]
    erlang: dict  # h → closed-form step matrices of every chain (singletons use them)
    impulse: dict = field(default_factory=dict)  # (h, N) → every chain's unit responses


def _layout(cm: CompiledModel) -> _Layout:
    with _LOCK:
        layout = cm.cache.get("layout")
        if layout is None:
            layout = cm.cache["layout"] = _build_layout(cm)
    return layout


def _build_layout(cm: CompiledModel) -> _Layout:
    n_dyn = len(cm.dyn)
    links = cm.dyn
    src_nodes = cm.n_outcomes + cm.eff_src[links]
    chain_group = np.full(n_dyn, -1)
    chain_bucket = np.full(n_dyn, -1)
    chain_block = np.full(n_dyn, -1)
    chain_slot = np.full(n_dyn, -1)
    sizes = np.array([g.n_states for g in cm.groups], dtype=np.int64)
    padded = -(-sizes // BUCKET_STATES) * BUCKET_STATES
    buckets: list[_Bucket] = []
    for n in np.unique(padded):
        members = np.flatnonzero(padded == n)
        bucket = _build_bucket(cm, int(n), members)
        b_index = len(buckets)
        for pos, g in enumerate(members):
            ch = cm.groups[g].chains
            chain_group[ch] = g
            chain_bucket[ch] = b_index
            chain_block[ch] = pos
            chain_slot[ch] = np.arange(len(ch))
        buckets.append(bucket)
    log.debug("chain blocks: %d in %d buckets (%s states)", len(cm.groups), len(buckets),
              ", ".join(str(b.n) for b in buckets))
    return _Layout(src_nodes, chain_group, chain_bucket, chain_block, chain_slot, buckets, {})


def _build_bucket(cm: CompiledModel, n: int, members: np.ndarray) -> _Bucket:
    groups = [cm.groups[g] for g in members]
    c = max(len(g.chains) for g in groups)
    size = len(groups)
    base = np.zeros((size, n, n))
    first = np.zeros((size, c), dtype=np.int64)
    last = np.zeros((size, c), dtype=np.int64)
    rate = np.zeros((size, c))
    chain = np.full((size, c), -1, dtype=np.int64)
    cp: list[list[np.ndarray]] = [[] for _ in range(5)]
    for i, g in enumerate(groups):
        links = cm.dyn[g.chains]
        order = cm.eff_order[links]
        r = order / cm.eff_tau[links]
        m = len(links)
        first[i, :m], last[i, :m] = g.offsets[:-1], g.offsets[1:] - 1
        rate[i, :m], chain[i, :m] = r, g.chains
        stage_rate = np.repeat(r, order)
        states = np.arange(g.n_states)
        base[i, states, states] = -stage_rate
        inner = np.setdiff1d(states, first[i, :m])
        base[i, inner, inner - 1] = stage_rate[inner]
        ii, jj = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
        cp[0].append(np.full(m * m, i))
        cp[1].append(ii.ravel())
        cp[2].append(jj.ravel())
    block, slot_i, slot_j = (np.concatenate(x) for x in cp[:3])
    src = cm.n_outcomes + cm.eff_src[cm.dyn[chain[block, slot_i]]]
    dst = cm.eff_dst[cm.dyn[chain[block, slot_j]]]
    keep = np.asarray(cm.m_pattern[src, dst]).ravel().astype(bool)  # structural nonzeros
    block, slot_i, slot_j, src, dst = (x[keep] for x in (block, slot_i, slot_j, src, dst))
    return _Bucket(
        n=n, c=c, groups=members, base=base, first=first, last=last, rate=rate, chain=chain,
        has_loop=np.array([bool(g.loops) for g in groups]),
        cp_block=block, cp_row=first[block, slot_i], cp_col=last[block, slot_j],
        cp_src=src, cp_dst=dst, cp_link=cm.dyn[chain[block, slot_j]],
        cp_rate=rate[block, slot_i])


# ------------------------------------------------------------- closed-form chains


def erlang_step(rate: np.ndarray, order: np.ndarray, h: float):
    """Exact one-step matrices of Erlang chains (order n stages of rate n/τ each).

    For chain l with x = rate·h and stage indices j ≥ i (0-based), for a constant input c
    over the step and initial stages s: ``s' = Φ s + Γ c`` and the step integral of the
    stages is ``Ψ1 s + Ψ2 c``, with
    ``Φ[j,i] = e^{-x} x^{j-i}/(j-i)!``, ``Γ[j] = P(j+1, x)``,
    ``Ψ1[j,i] = P(j-i+1, x)/rate``, ``Ψ2[j] = h P(j+1, x) − (j+1) P(j+2, x)/rate``
    (P the regularised lower incomplete gamma function). Padded to the largest order;
    entries beyond a chain's order are zero. Returns (Φ, Γ, Ψ1, Ψ2).
    """
    nmax = int(order.max())
    x = (rate * h)[:, None, None]
    j = np.arange(nmax)
    diff = j[:, None] - j[None, :]
    valid = (diff >= 0)[None] & (j[None, :, None] < order[:, None, None]) \
        & (j[None, None, :] < order[:, None, None])
    m = np.clip(diff, 0, None)[None]
    with np.errstate(divide="ignore"):
        log_pois = -x + m * np.log(x) - gammaln(m + 1)
    phi = np.where(valid, np.exp(log_pois), 0.0)
    psi1 = np.where(valid, gammainc(m + 1, x) / x * h, 0.0)
    xs = rate[:, None] * h
    live = j[None, :] < order[:, None]
    gam = np.where(live, gammainc(j + 1, xs), 0.0)
    psi2 = np.where(live, h * gammainc(j + 1, xs) - (j + 1) * gammainc(j + 2, xs) / xs * h, 0.0)
    return phi, gam, psi1, psi2


def _erlang_all(cm: CompiledModel, layout: _Layout):
    """Closed-form step matrices of every chain (parameter-free), cached per h."""
    h = cm.h
    with _LOCK:
        mats = layout.erlang.get(h)
        if mats is None and len(cm.dyn):
            links = cm.dyn
            order = cm.eff_order[links]
            phi, gam, psi1, psi2 = erlang_step(order / cm.eff_tau[links], order, h)
            last = order - 1
            idx = np.arange(len(links))
            mats = layout.erlang[h] = (phi, gam, psi1[idx, last], psi2[idx, last], last)
    return mats


def _run_singletons(cm: CompiledModel, layout: _Layout, pos: np.ndarray, bat: np.ndarray,
                    w: np.ndarray):
    """The live (chain, batch) pairs fed only by piecewise-constant inputs, for one
    parameter set (a slider move): each chain is linear and time-invariant from rest, so
    its output is its response to a unit input over one step (:func:`_impulse_responses`)
    convolved with its step inputs, ``z_k = Σ_{j<k} g_{k−1−j} w_j``: the recurrence's
    sum, added in another order (the same to round-off, exact zeros kept: a chain whose
    inputs are 0 before step j is 0 up to it). A step's integral adds its own input's
    part, ``psi2 · w_k``."""
    n_steps = cm.n_steps
    if len(pos) == 0:
        return _no_chain_output(n_steps)
    g_rev, f_rev, psi2 = _impulse_responses(cm, layout)
    z = np.zeros((len(pos), n_steps + 1))
    z_int = np.zeros((len(pos), n_steps))
    # A handful of chains: numpy's direct convolution each, called as the correlation with
    # the kept reversed response that numpy.convolve itself computes (the same C routine
    # on the same operands, so the same bits), without its checks and reversal a call.
    for i, chain in enumerate(pos):
        z[i, 1:] = np.correlate(w[i, :n_steps], g_rev[chain], "full")[:n_steps]
        if n_steps > 1:
            z_int[i, 1:] = np.correlate(w[i, :n_steps - 1], f_rev[chain], "full")[:n_steps - 1]
    z_int += psi2[pos, None] * w[:, :n_steps]
    z += 0.0  # a −0.0 input's products (−0.0) read 0.0, as the recurrence gives them
    return pos, bat, z, z_int


def _impulse_responses(cm: CompiledModel, layout: _Layout):
    """Every chain's response to a unit input over the first step alone, from rest
    (:func:`_advance_singletons`): ``g`` (L, N), the output at steps 1 … N, and ``f``
    (L, N − 1), the integrals over steps 1 … N − 1, each row reversed in time (as a
    correlation takes them), and ``psi2`` (L,), the integral over the input's own step.
    Parameter-free: kept with the chains' layout (shared only by models with the same
    delays) per step length and number of steps."""
    key = (cm.h, cm.n_steps)
    with _LOCK:
        found = layout.impulse.get(key)
    if found is None:  # made outside the lock (the step matrices take it)
        chains = np.arange(len(cm.dyn))
        unit = np.zeros((len(chains), cm.n_steps + 1))
        unit[:, 0] = 1.0
        _, _, z, z_int = _advance_singletons(cm, layout, chains, chains, unit)
        found = (np.ascontiguousarray(z[:, :0:-1]), np.ascontiguousarray(z_int[:, :0:-1]),
                 z_int[:, 0])
        with _LOCK:
            layout.impulse[key] = found
    return found


def _advance_singletons(cm: CompiledModel, layout: _Layout, pos: np.ndarray, bat: np.ndarray,
                        w: np.ndarray):
    """Advance the live (chain, batch) pairs fed only by piecewise-constant inputs, step
    by step: ``x_{k+1} = Φ x_k + Γ w_k``."""
    n_steps = cm.n_steps
    if len(pos) == 0:
        return _no_chain_output(n_steps)
    phi_all, gam_all, psi1_all, psi2_all, last_all = _erlang_all(cm, layout)
    phi, gam = phi_all[pos], gam_all[pos][..., None]
    psi1_out, psi2_out, last = psi1_all[pos], psi2_all[pos], last_all[pos]
    w_t = np.ascontiguousarray(w.T)[:, :, None, None]  # (N+1, P, 1, 1): step inputs
    # Every step's input term Γ w_k at once (the same products), then per step one product
    # and one sum written straight into the trajectory: x_{k+1} = Φ x_k + Γ w_k.
    drive = gam * w_t[:n_steps]  # (N, P, n, 1)
    xs = np.zeros((n_steps + 1, len(pos), phi.shape[-1], 1))
    advanced = np.empty_like(xs[0])
    for k in range(n_steps):
        np.matmul(phi, xs[k], out=advanced)
        np.add(advanced, drive[k], out=xs[k + 1])
    xs = xs[..., 0]
    idx = np.arange(len(pos))
    z = xs[:, idx, last].T
    z_int = np.einsum("pi,tpi->pt", psi1_out, xs[:n_steps]) + psi2_out[:, None] * w[:, :n_steps]
    return pos, bat, np.ascontiguousarray(z), z_int


def _run_singletons_draws(cm: CompiledModel, layout: _Layout, op: _DrawsM, pos: np.ndarray,
                          u: _Inputs):
    """Singletons under draws: their dynamics never depend on k or d, only their input
    (M u)[src] does, so by linearity each chain's response to each input row is computed
    once and weighted per draw by M[d, src, row]. ``pos`` is l-major, draw-minor."""
    n_steps, n_draws = cm.n_steps, op.m.shape[0]
    chains = pos[::n_draws]
    if len(chains) == 0:
        return _no_chain_output(n_steps)
    n_rows = len(u.rows)
    r, r_int = _singleton_responses(cm, layout, chains, u)
    weight = op.m[:, layout.src_nodes[chains]][:, :, op.pos[u.rows]]  # (D, L, R)
    z = np.einsum("dlr,lrt->ldt", weight, r.reshape(len(chains), n_rows, -1))
    z_int = np.einsum("dlr,lrt->ldt", weight, r_int.reshape(len(chains), n_rows, -1))
    return pos, np.tile(np.arange(n_draws), len(chains)), z.reshape(len(pos), -1), \
        z_int.reshape(len(pos), -1)


def _singleton_responses(cm: CompiledModel, layout: _Layout, chains: np.ndarray, u: _Inputs):
    """Each chain's response (and step integrals) to each input row alone: (L·R, N+1) and
    (L·R, N). They depend on no parameter, so every block of a Monte Carlo run shares
    them: cached per chains and inputs (the last few)."""
    def compute():
        pair_chain = np.repeat(chains, len(u.rows))
        _, _, r, r_int = _advance_singletons(cm, layout, pair_chain, np.zeros_like(pair_chain),
                                             np.tile(u.vals[0], (len(chains), 1)))
        return r, r_int

    return _cached(cm, "singletons", _digest(chains, u.rows, u.vals[0]), CACHE_SIZE, compute)


# ------------------------------------------------------------------- chain groups


def _phi_functions(a: np.ndarray, h: float):
    """``e^{Ah}``, ``h φ1(Ah)`` and ``h² φ2(Ah)`` for a stack of matrices (..., n, n).

    Taylor series on Ah/2^s (norm ≤ 1/2) then s doublings:
    ``e^{2X} = (e^X)²``, ``φ1(2X) = (e^X φ1 + φ1)/2``, ``φ2(2X) = (e^X φ2 + φ1 + φ2)/4``.
    """
    n = a.shape[-1]
    norm = float(np.max(np.abs(a).sum(axis=-2))) * h if a.size else 0.0
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    x = a * (h / 2.0**s)
    eye = np.broadcast_to(np.eye(n), a.shape)
    power = eye.copy()
    e = eye.copy()
    phi1 = eye.copy()
    phi2 = eye * 0.5
    for j in range(1, _TAYLOR_DEGREE + 1):
        power = power @ x
        e = e + power / math.factorial(j)
        phi1 = phi1 + power / math.factorial(j + 1)
        phi2 = phi2 + power / math.factorial(j + 2)
    for _ in range(s):
        phi2 = (e @ phi2 + phi1 + phi2) / 4.0
        phi1 = (e @ phi1 + phi1) / 2.0
        e = e @ e
    return e, phi1 * h, phi2 * h * h


def _block_matrices(cm: CompiledModel, bucket: _Bucket, op, kb: np.ndarray,
                    blocks: np.ndarray) -> np.ndarray:
    """A for ``blocks`` (positions in the bucket) and every parameter set: (D·len, n, n).

    Draw-major for D > 1: entry d·len(blocks) + i is block i under draw d.
    """
    d, size = kb.shape[0], len(blocks)
    a = np.broadcast_to(bucket.base[blocks], (d, size, bucket.n, bucket.n)).copy()
    local = np.full(len(bucket.groups), -1)
    local[blocks] = np.arange(size)
    sel = np.flatnonzero(local[bucket.cp_block] >= 0)
    if len(sel):
        vals = bucket.cp_rate[sel] * op.values(bucket.cp_src[sel], bucket.cp_dst[sel]) \
            * kb[:, bucket.cp_link[sel]]  # (D, K)
        a[:, local[bucket.cp_block[sel]], bucket.cp_row[sel], bucket.cp_col[sel]] += vals
    return a.reshape(d * size, bucket.n, bucket.n)


def _check_groups_stable(cm: CompiledModel, layout: _Layout, op, kb: np.ndarray) -> None:
    """Refuse an unstable loop in any block, live or not (once per cached parameter set)."""
    if op.stable_checked:
        return
    for bucket in layout.buckets:
        blocks = np.flatnonzero(bucket.has_loop)
        if len(blocks) == 0:
            continue
        a = _block_matrices(cm, bucket, op, kb, blocks)
        eig = np.linalg.eigvals(a)
        # Screen on the absolute tolerance (every scale is ≥ 1), then judge each loop
        # exactly as a loop alone, so padding and fast chains never change the verdict.
        suspect = np.flatnonzero(np.max(eig.real, axis=-1) > _UNSTABLE_TOL)
        for item in suspect:
            _check_block_loops(cm, bucket, blocks[item % len(blocks)], a[item], kb.shape[0] > 1)
    if op.steps is not None:
        op.stable_checked = True


def _check_block_loops(cm: CompiledModel, bucket: _Bucket, block: int, a: np.ndarray,
                       draws: bool) -> None:
    g = cm.groups[bucket.groups[block]]
    for loop in g.loops:
        states = np.concatenate([np.arange(g.offsets[c], g.offsets[c + 1]) for c in loop])
        eig = np.linalg.eigvals(a[np.ix_(states, states)])
        scale = max(1.0, float(np.max(np.abs(eig))))
        worst = float(np.max(eig.real))
        if worst > _UNSTABLE_TOL * scale:
            links = cm.dyn[g.chains[loop]]
            nodes = np.concatenate([cm.n_outcomes + cm.eff_src[links], cm.eff_dst[links]])
            in_order = list(dict.fromkeys(int(x) for x in nodes))
            note = " (in at least one draw)" if draws else ""
            raise _loop_error(cm, in_order, f"unstable feedback loop{note}: it grows at "
                              f"{worst:.3g}/yr")


def _block_steps(cm: CompiledModel, bucket: _Bucket, op, kb: np.ndarray, blocks: np.ndarray):
    """Step matrices of ``blocks`` (draw-major for D > 1, as :func:`_block_matrices`):
    Φ = e^{Ah}, G1 = (∫e^{As}ds)[:, first], L1 = (∫e^{As}ds)[last, :] and
    L2 = (∫∫e^{Ar}dr ds)[last, first]."""
    a = _block_matrices(cm, bucket, op, kb, blocks)
    phi, psi1, psi2 = _phi_functions(a, cm.h)
    d = kb.shape[0]
    first = np.tile(bucket.first[blocks], (d, 1))  # (D·len, c)
    last = np.tile(bucket.last[blocks], (d, 1))
    g1 = np.take_along_axis(psi1, first[:, None, :], axis=2)
    l1 = np.take_along_axis(psi1, last[:, :, None], axis=1)
    l2 = np.take_along_axis(np.take_along_axis(psi2, last[:, :, None], axis=1),
                            first[:, None, :], axis=2)
    return phi, g1, l1, l2


def _steps_for(cm: CompiledModel, b_index: int, bucket: _Bucket, op, kb: np.ndarray,
               blocks: np.ndarray):
    """Step matrices of ``blocks``: cached per block for one parameter set, else computed."""
    if op.steps is None:
        return _block_steps(cm, bucket, op, kb, blocks)
    with _LOCK:
        cached = op.steps.setdefault(b_index, {})
        missing = np.array([b for b in blocks if b not in cached], dtype=np.int64)
        if len(missing):
            fresh = _block_steps(cm, bucket, op, kb, missing)
            for i, b in enumerate(missing):
                cached[int(b)] = tuple(m[i] for m in fresh)
        return tuple(np.stack(m) for m in zip(*(cached[int(b)] for b in blocks)))


def _run_groups(cm: CompiledModel, layout: _Layout, op, kb: np.ndarray, pos: np.ndarray,
                bat: np.ndarray, w: np.ndarray):
    """Advance every block with a live chain, bucket by bucket, as one batched recursion.

    An item is one (block, batch entry) pair; its input is each chain's first-stage feed
    rate_i·(M u)[src_i], piecewise constant, so x_{k+1} = Φ x_k + G1 f_k exactly.
    """
    n_steps = cm.n_steps
    outs = [_no_chain_output(n_steps)]
    draws = kb.shape[0] > 1
    for b_index, bucket in enumerate(layout.buckets):
        mine = np.flatnonzero(layout.chain_bucket[pos] == b_index)
        if len(mine) == 0:
            continue
        block, slot = layout.chain_block[pos[mine]], layout.chain_slot[pos[mine]]
        n_batch = int(bat.max()) + 1
        keys, item = np.unique(block * n_batch + bat[mine], return_inverse=True)
        item_block, item_batch = keys // n_batch, keys % n_batch
        blocks, param_of = np.unique(item_block, return_inverse=True)
        phi, g1, l1, l2 = _steps_for(cm, b_index, bucket, op, kb, blocks)
        if draws:  # step matrices are draw-major: (draw, block)
            param_of = item_batch * len(blocks) + param_of
        f = np.zeros((len(keys), bucket.c, n_steps + 1))
        f[item, slot] = bucket.rate[block, slot][:, None] * w[mine]
        z, z_int = _advance(phi[param_of], g1[param_of], l1[param_of], l2[param_of], f,
                            bucket.last[item_block], n_steps)
        chain = bucket.chain[item_block]  # (I, c), −1 for padding
        real = chain >= 0
        outs.append((chain[real], np.broadcast_to(item_batch[:, None], chain.shape)[real],
                     z[real], z_int[real]))
    return tuple(np.concatenate(parts) for parts in zip(*outs))


def _advance(phi, g1, l1, l2, f, last, n_steps: int):
    """The batched block recursion: outputs z (I, c, N+1) and step integrals (I, c, N)."""
    size, n = phi.shape[0], phi.shape[-1]
    gu = np.matmul(g1, f[..., :n_steps])  # (I, n, N): the input's contribution per step
    gu_t = np.ascontiguousarray(np.moveaxis(gu, 2, 0))[..., None]  # (N, I, n, 1)
    xs = np.zeros((n_steps + 1, size, n, 1))
    x = xs[0]
    for k in range(n_steps):
        x = phi @ x + gu_t[k]
        xs[k + 1] = x
    states = np.moveaxis(xs[..., 0], 0, 2)  # (I, n, N+1)
    z = np.take_along_axis(states, last[:, :, None], axis=1)
    z_int = np.matmul(l1, states[..., :n_steps]) + np.matmul(l2, f[..., :n_steps])
    return z, z_int
