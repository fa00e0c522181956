"""The exact linear time-invariant simulation of DESIGN §3.

Lever inputs are held constant over each step (zero-order hold); everything else is
continuous, and at the grid points the result is the exact solution of the LTI system:

- delay chains that neither depend on nor feed another chain are driven by
  piecewise-constant inputs only, and are advanced by the closed-form Erlang step matrices
  (Poisson terms and regularised incomplete gamma functions), vectorised over chains;
- the remaining chains are grouped into blocks (every upstream chain inside the block of
  its dependants, so the block's input is piecewise constant again) and advanced by the
  exact step matrices ``e^{Ah}``, ``∫e^{As}ds·B`` and their integrals, computed by
  scaling and squaring of the φ-functions (equal to ``scipy.linalg.expm`` of the augmented
  matrix ``[[0, I, 0], [0, A, B], [0, 0, 0]]·h``), batched over draws and blocks;
- zero-delay links and demand links are algebraic: ``v = (I − P)⁻¹ (Q z + u)``, solved
  exactly (dense for small models or draws, a sparse topological expansion at scale).

Never forward Euler. Step integrals are carried exactly too, so annual money is exact.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import gammainc, gammaln

from cutsim.engine.compiled import ChainGroup, CompiledModel, Params
from cutsim.engine.errors import EngineError

log = logging.getLogger(__name__)

DENSE_LIMIT = 600  # nodes (outcomes + services) up to which M = (I − P)⁻¹ is formed densely
SINGULAR_COND = 1e12  # condition number above which an algebraic loop counts as singular
_TAYLOR_DEGREE = 14  # with ‖Ah/2^s‖ ≤ 1/2 the truncation error is below 3e-17
_UNSTABLE_TOL = 1e-7


@dataclass(eq=False)
class Trajectory:
    """Deviations from baseline on the grid, with a leading batch axis B.

    - ``dY[B, O, N+1]``: ΔY_o(t_k), outcome units.
    - ``dA[B, S, N+1]``: total ΔA_s(t_k) (lever input plus demand), activity units/yr.
    - ``dY_int[B, O, N]``, ``dA_int[B, S, N]``: exact integrals over each step
      [t_k, t_{k+1}] (units·yr and activity units).
    """

    dY: np.ndarray
    dA: np.ndarray
    dY_int: np.ndarray
    dA_int: np.ndarray


def simulate(cm: CompiledModel, params: Params, activity_delta: np.ndarray,
             outcome_input: np.ndarray | None = None) -> Trajectory:
    """Simulate deviations from baseline for lever inputs on the grid.

    ``activity_delta``: ΔA from levers, activity units/yr, shape (S, N+1) or (Bi, S, N+1)
    (zero-order hold: column k is the value over the step starting at t_k).
    ``outcome_input``: direct outcome change, (O, N+1) or (Bi, O, N+1), default zero.
    ``params`` may carry a draws axis D; the output batch is max(D, Bi) (one must be 1).

    Raises :class:`EngineError` for a singular algebraic loop or an unstable loop.
    """
    n_out, n_steps = cm.n_outcomes, cm.n_steps
    act = np.asarray(activity_delta, dtype=float)
    act = act[None] if act.ndim == 2 else act
    if outcome_input is None:
        out = np.zeros((act.shape[0], n_out, n_steps + 1))
    else:
        out = np.asarray(outcome_input, dtype=float)
        out = out[None] if out.ndim == 2 else out
    u = np.concatenate([np.broadcast_to(out, (act.shape[0],) + out.shape[1:]), act], axis=1)
    kb, db = params.as_batched()
    if kb.shape[0] > 1 and cm.n_nodes > DENSE_LIMIT:
        # Large model with draws: one sparse solve per draw (correct, not a fast path).
        runs = [simulate(cm, Params(kb[i], db[i]), act, out) for i in range(kb.shape[0])]
        return Trajectory(*(np.concatenate([getattr(r, f) for r in runs])
                            for f in ("dY", "dA", "dY_int", "dA_int")))
    m_op = _algebraic_operator(cm, kb, db)
    return _run(cm, m_op, kb, u)


# --------------------------------------------------------------------- algebraic part


class _DenseM:
    """M = (I − P)⁻¹ as a dense (D, V, V) array."""

    def __init__(self, m: np.ndarray) -> None:
        self.m = m

    def apply(self, x: np.ndarray) -> np.ndarray:
        d, v, _ = self.m.shape
        if x.shape[0] == 1 and d > 1:  # shared input: one large product, not D small ones
            return (self.m.reshape(d * v, v) @ x[0]).reshape(d, v, x.shape[-1])
        return np.matmul(self.m, x)

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.m[:, rows][:, :, cols]


class _SparseM:
    """M = (I − P)⁻¹ as one sparse (V, V) matrix (unbatched parameters)."""

    def __init__(self, m: sp.csr_matrix) -> None:
        self.m = m

    def apply(self, x: np.ndarray) -> np.ndarray:
        b, v, t = x.shape
        flat = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(v, b * t)
        return (self.m @ flat).reshape(v, b, t).transpose(1, 0, 2)

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.m[rows][:, cols].toarray()[None]


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


def _algebraic_operator(cm: CompiledModel, kb: np.ndarray, db: np.ndarray):
    """M = (I − P)⁻¹, exactly: dense for small models or draws, sparse expansion at scale."""
    v = cm.n_nodes
    rows, cols, vals = _p_entries(cm, kb, db)
    if v <= DENSE_LIMIT or kb.shape[0] > 1:
        ip = np.broadcast_to(np.eye(v), (kb.shape[0], v, v)).copy()
        np.subtract.at(ip, (slice(None), rows, cols), vals)
        for loop in cm.algebraic_loops:
            _check_algebraic_block(cm, ip[:, loop.nodes][:, :, loop.nodes], loop.nodes)
        return _DenseM(np.linalg.solve(ip, np.broadcast_to(np.eye(v), ip.shape)))
    return _SparseM(_sparse_inverse(cm, sp.csr_matrix((vals[0], (rows, cols)), shape=(v, v))))


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
        t_rows.append(r.ravel()), t_cols.append(cc.ravel()), t_vals.append(k_c.ravel())
    free = np.flatnonzero(in_loop < 0)
    t_rows.append(free), t_cols.append(free), t_vals.append(np.ones(len(free)))
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


def _run(cm: CompiledModel, m_op, kb: np.ndarray, u: np.ndarray) -> Trajectory:
    n_out, n_steps, h = cm.n_outcomes, cm.n_steps, cm.h
    mu = m_op.apply(u)  # (B, V, N+1): the algebraic response to lever inputs alone
    batch = mu.shape[0]
    n_dyn = len(cm.dyn)
    z = np.zeros((batch, n_dyn, n_steps + 1))
    z_int = np.zeros((batch, n_dyn, n_steps))
    if n_dyn:
        _run_singletons(cm, mu, z, z_int)
        _run_groups(cm, m_op, kb, u, z, z_int)
    u_int = u[..., :n_steps] * h
    if n_dyn and (np.any(z) or np.any(z_int)):
        qz = np.zeros((batch, cm.n_nodes, n_steps + 1))
        qz_int = np.zeros((batch, cm.n_nodes, n_steps))
        k_dyn = kb[:, cm.dyn]
        qz[:, :n_out] = _scatter(k_dyn, cm.eff_dst[cm.dyn], z, n_out)
        qz_int[:, :n_out] = _scatter(k_dyn, cm.eff_dst[cm.dyn], z_int, n_out)
        v = mu + m_op.apply(qz)
        v_int = m_op.apply(qz_int + u_int)
    else:
        v = np.broadcast_to(mu, (batch,) + mu.shape[1:])
        v_int = m_op.apply(u_int)
    v_int = np.broadcast_to(v_int, (batch,) + v_int.shape[1:])
    return Trajectory(dY=np.ascontiguousarray(v[:, :n_out]), dA=np.ascontiguousarray(v[:, n_out:]),
                      dY_int=np.ascontiguousarray(v_int[:, :n_out]),
                      dA_int=np.ascontiguousarray(v_int[:, n_out:]))


def _scatter(k: np.ndarray, dst: np.ndarray, z: np.ndarray, n_out: int) -> np.ndarray:
    """Σ_{l: dst(l)=o} k_l z_l for each outcome o; k (D, L), z (B, L, T) → (B, O, T)."""
    if k.shape[0] == 1:
        q = sp.csr_matrix((k[0], (dst, np.arange(len(dst)))), shape=(n_out, len(dst)))
        b, l, t = z.shape
        flat = np.ascontiguousarray(z.transpose(1, 0, 2)).reshape(l, b * t)
        return (q @ flat).reshape(n_out, b, t).transpose(1, 0, 2)
    q = np.zeros((k.shape[0], n_out, len(dst)))
    q[:, dst, np.arange(len(dst))] = k
    return np.matmul(q, z)


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


def _run_singletons(cm: CompiledModel, mu: np.ndarray, z: np.ndarray, z_int: np.ndarray) -> None:
    """Advance the chains fed only by piecewise-constant inputs, in closed form."""
    pos = cm.singletons
    if len(pos) == 0:
        return
    links = cm.dyn[pos]
    w = mu[:, cm.n_outcomes + cm.eff_src[links], :]  # (Bw, Ls, N+1): each chain's input
    live = np.flatnonzero(np.any(w != 0, axis=(0, 2)))  # chains with no input stay at zero
    if len(live) == 0:
        return
    pos, links, w = pos[live], links[live], w[:, live]
    order = cm.eff_order[links]
    phi, gam, psi1, psi2 = erlang_step(order / cm.eff_tau[links], order, cm.h)
    last = order - 1
    idx = np.arange(len(links))
    psi1_out, psi2_out = psi1[idx, last], psi2[idx, last]  # only the output stage is needed
    x = np.zeros((w.shape[0], len(links), phi.shape[-1]))
    for k in range(cm.n_steps):
        wk = w[..., k]
        z_int[:, pos, k] = np.einsum("li,bli->bl", psi1_out, x) + psi2_out * wk
        x = np.einsum("lji,bli->blj", phi, x) + gam * wk[..., None]
        z[:, pos, k + 1] = x[:, idx, last]


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


def _group_matrices(cm: CompiledModel, m_op, kb: np.ndarray, g: ChainGroup):
    """A (D, n, n) and B (D, n, m) of one chain group; checks its loops are stable."""
    links = cm.dyn[g.chains]
    order = cm.eff_order[links]
    rate = order / cm.eff_tau[links]
    n = g.n_states
    first = g.offsets[:-1]
    last = g.offsets[1:] - 1
    d = max(kb.shape[0], 1)
    a = np.zeros((d, n, n))
    stage_rate = np.repeat(rate, order)
    a[:, np.arange(n), np.arange(n)] = -stage_rate
    inner = np.setdiff1d(np.arange(n), first)
    a[:, inner, inner - 1] = stage_rate[inner]
    src_nodes = cm.n_outcomes + cm.eff_src[links]
    couple = m_op.block(src_nodes, cm.eff_dst[links])  # (D, c, c): M[src(l), dst(l')]
    a[:, first[:, None], last[None, :]] += rate[None, :, None] * couple * kb[:, None, links]
    b = rate[None, :, None] * m_op.block(src_nodes, g.inputs)
    bmat = np.zeros((b.shape[0], n, len(g.inputs)))
    bmat[:, first] = b
    for loop in g.loops:
        _check_stable(cm, a, g, loop)
    return a, bmat


def _check_stable(cm: CompiledModel, a: np.ndarray, g: ChainGroup, loop: np.ndarray) -> None:
    states = np.concatenate([np.arange(g.offsets[c], g.offsets[c + 1]) for c in loop])
    eig = np.linalg.eigvals(a[:, states][:, :, states])
    scale = max(1.0, float(np.max(np.abs(eig))))
    worst = float(np.max(eig.real))
    if worst > _UNSTABLE_TOL * scale:
        links = cm.dyn[g.chains[loop]]
        nodes = np.concatenate([cm.n_outcomes + cm.eff_src[links], cm.eff_dst[links]])
        nodes = list(dict.fromkeys(int(x) for x in nodes))
        draws = " (in at least one draw)" if a.shape[0] > 1 else ""
        raise _loop_error(cm, nodes, f"unstable feedback loop{draws}: it grows at "
                          f"{worst:.3g}/yr")


def _run_groups(cm: CompiledModel, m_op, kb: np.ndarray, u: np.ndarray,
                z: np.ndarray, z_int: np.ndarray) -> None:
    """Advance each chain group by its exact step matrices (batched over draws)."""
    n_steps = cm.n_steps
    for g in cm.groups:
        ug = u[:, g.inputs, :]  # (Bi, m, N+1)
        a, bmat = _group_matrices(cm, m_op, kb, g)
        if not np.any(ug):
            continue  # no input reaches the group: its chains stay at zero
        phi, psi1, psi2 = _phi_functions(a, cm.h)
        gam_u = np.matmul(psi1 @ bmat, ug[..., :n_steps])  # (B, n, N): Γ u_k
        last = g.offsets[1:] - 1
        int_u = np.matmul(psi2[:, last] @ bmat, ug[..., :n_steps])  # (B, c, N)
        batch = gam_u.shape[0]
        xs = np.zeros((batch, g.n_states, n_steps + 1))
        x = np.zeros((batch, g.n_states, 1))
        for k in range(n_steps):
            x = phi @ x + gam_u[..., k:k + 1]
            xs[..., k + 1] = x[..., 0]
        z[:, g.chains] = xs[:, last]
        z_int[:, g.chains] = np.matmul(psi1[:, last], xs[..., :n_steps]) + int_u
