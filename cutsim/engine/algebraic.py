"""The algebraic part of the simulation (docs/mathematics.md): zero-delay and demand
links solved exactly, ``v = M (Q z + u)`` with ``M = (I − P)⁻¹``.

M is formed exactly: dense for small models, a sparse topological expansion at scale
(each algebraic loop solved densely, then the acyclic rest expanded), and under draws
only the columns a run needs, per draw, through the outcome block. A zero-delay loop
whose loop gain is 1 is refused (:func:`loop_error`); a small-gain certificate proves
every draw's loops stable without an eigenvalue per draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.errors import EngineError
from cutsim.engine.memo import CACHE_SIZE, cached, digest

if TYPE_CHECKING:  # the run's inputs, made by the simulation that calls this module
    from cutsim.engine.simulate import _Inputs

DENSE_LIMIT = 600  # nodes (outcomes + services) up to which M = (I − P)⁻¹ is formed densely
SINGULAR_COND = 1e12  # condition number above which an algebraic loop counts as singular
SMALL_GAIN_MARGIN = 0.99  # a Perron root below this proves every draw's loops stable


def _p_entries(cm: CompiledModel, kb: np.ndarray, db: np.ndarray):
    """Rows, columns and (D, nnz) values of P: zero-delay links then demand links."""
    n_out = cm.n_outcomes
    rows = np.concatenate([cm.eff_dst[cm.alg], n_out + cm.dem_dst])
    cols = np.concatenate([n_out + cm.eff_src[cm.alg], cm.dem_src])
    vals = np.concatenate([kb[:, cm.alg], db], axis=1)
    return rows, cols, vals


def loop_error(cm: CompiledModel, nodes, what: str) -> EngineError:
    """The engine's error for a loop through ``nodes`` (what is wrong with it, then the
    services and outcomes it runs through, by id)."""
    names = [cm.node_name(int(n)) for n in nodes]
    services = ", ".join(i for kind, i in names if kind == "service") or "none"
    outcomes = ", ".join(i for kind, i in names if kind == "outcome") or "none"
    return EngineError(f"{what} through services {services} and outcomes {outcomes}")


def _check_algebraic_block(cm: CompiledModel, block: np.ndarray, nodes) -> None:
    """Refuse a zero-delay loop whose (I − P_cc) is singular (loop gain of exactly 1)."""
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(block)
    if not np.all(np.isfinite(cond)) or np.max(cond) > SINGULAR_COND:
        raise loop_error(cm, nodes, "singular zero-delay (algebraic) loop: its loop gain is 1,"
                          " so the model has no unique solution;")


class SingleM:
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


class DrawsM:
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



def single_operator(cm: CompiledModel, k: np.ndarray, d: np.ndarray) -> SingleM:
    """M for one parameter set, cached on the compiled model with its step matrices."""
    key = digest(np.asarray(k, dtype=float), np.asarray(d, dtype=float))
    return cached(cm, "params", key, CACHE_SIZE, lambda: _single_operator_uncached(cm, k, d))


def _single_operator_uncached(cm: CompiledModel, k: np.ndarray, d: np.ndarray) -> SingleM:
    """M = (I − P)⁻¹ for one parameter set, exactly: dense when small, sparse at scale."""
    v = cm.n_nodes
    rows, cols, vals = _p_entries(cm, k[None], d[None])
    if v <= DENSE_LIMIT:
        ip = np.eye(v)
        np.subtract.at(ip, (rows, cols), vals[0])
        for loop in cm.algebraic_loops:
            _check_algebraic_block(cm, ip[np.ix_(loop.nodes, loop.nodes)][None], loop.nodes)
        return SingleM(np.linalg.inv(ip))
    return SingleM(_sparse_inverse(cm, sp.csr_matrix((vals[0], (rows, cols)), shape=(v, v))))


def draws_operator(cm: CompiledModel, kb: np.ndarray, db: np.ndarray,
                    cols: np.ndarray) -> DrawsM:
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
    op = DrawsM(m, cols, cm.n_nodes)
    op.stable_checked = certified
    return op


def _small_gain_certified(cm: CompiledModel, kb: np.ndarray, db: np.ndarray) -> bool:
    """True when every loop of every draw in ``kb``/``db`` is stable by the small-gain
    theorem (:func:`_small_gain_bound`), so the per-draw eigenvalue check can be skipped:
    each draw's per_unit magnitudes are within the bound's."""
    bound = cached(cm, "small_gain", "bound", 1, lambda: _small_gain_bound(cm))
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
    return cached(cm, "fed_outcomes", "fed_outcomes", 1, compute)


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

