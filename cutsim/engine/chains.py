"""Delay chains, advanced exactly (docs/mathematics.md): an Erlang chain fed by
piecewise-constant inputs has closed-form step matrices (Poisson terms and regularised
incomplete gamma functions); chains that feed one another are grouped into blocks and
advanced by the exact step matrices ``e^{Ah}``, ``∫e^{As}ds`` and their integrals
(φ-functions by scaling and squaring). Never forward Euler.

The static layout (which chains stand alone, which blocks of similar size are padded and
advanced together) is made once per compiled model; step matrices depend only on the
parameters and h, so for one parameter set they are kept (a slider move reuses them).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammainc, gammaln

from cutsim.engine.algebraic import DrawsM, loop_error
from cutsim.engine.compiled import CompiledModel
from cutsim.engine.memo import CACHE_SIZE, LOCK, cached, digest

if TYPE_CHECKING:  # the run's inputs, made by the simulation that calls this module
    from cutsim.engine.simulate import _Inputs

log = logging.getLogger(__name__)

BUCKET_STATES = 8  # blocks are padded to a multiple of this many states and batched together
_TAYLOR_DEGREE = 14  # with ‖Ah/2^s‖ ≤ 1/2 the truncation error is below 3e-17
_UNSTABLE_TOL = 1e-7


def no_chain_output(n_steps: int):
    """No chain output: empty chain and batch indices, levels (0, N+1), integrals (0, N)."""
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, np.zeros((0, n_steps + 1)), np.zeros((0, n_steps))


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


def chain_layout(cm: CompiledModel) -> _Layout:
    with LOCK:
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
    with LOCK:
        mats = layout.erlang.get(h)
        if mats is None and len(cm.dyn):
            links = cm.dyn
            order = cm.eff_order[links]
            phi, gam, psi1, psi2 = erlang_step(order / cm.eff_tau[links], order, h)
            last = order - 1
            idx = np.arange(len(links))
            mats = layout.erlang[h] = (phi, gam, psi1[idx, last], psi2[idx, last], last)
    return mats


def run_singletons(cm: CompiledModel, layout: _Layout, pos: np.ndarray, bat: np.ndarray,
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
        return no_chain_output(n_steps)
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
    with LOCK:
        found = layout.impulse.get(key)
    if found is None:  # made outside the lock (the step matrices take it)
        chains = np.arange(len(cm.dyn))
        unit = np.zeros((len(chains), cm.n_steps + 1))
        unit[:, 0] = 1.0
        _, _, z, z_int = _advance_singletons(cm, layout, chains, chains, unit)
        found = (np.ascontiguousarray(z[:, :0:-1]), np.ascontiguousarray(z_int[:, :0:-1]),
                 z_int[:, 0])
        with LOCK:
            layout.impulse[key] = found
    return found


def _advance_singletons(cm: CompiledModel, layout: _Layout, pos: np.ndarray, bat: np.ndarray,
                        w: np.ndarray):
    """Advance the live (chain, batch) pairs fed only by piecewise-constant inputs, step
    by step: ``x_{k+1} = Φ x_k + Γ w_k``."""
    n_steps = cm.n_steps
    if len(pos) == 0:
        return no_chain_output(n_steps)
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


def run_singletons_draws(cm: CompiledModel, layout: _Layout, op: DrawsM, pos: np.ndarray,
                          u: _Inputs):
    """Singletons under draws: their dynamics never depend on k or d, only their input
    (M u)[src] does, so by linearity each chain's response to each input row is computed
    once and weighted per draw by M[d, src, row]. ``pos`` is l-major, draw-minor."""
    n_steps, n_draws = cm.n_steps, op.m.shape[0]
    chains = pos[::n_draws]
    if len(chains) == 0:
        return no_chain_output(n_steps)
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

    return cached(cm, "singletons", digest(chains, u.rows, u.vals[0]), CACHE_SIZE, compute)


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


def check_groups_stable(cm: CompiledModel, layout: _Layout, op, kb: np.ndarray) -> None:
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
            raise loop_error(cm, in_order, f"unstable feedback loop{note}: it grows at "
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
    with LOCK:
        cached = op.steps.setdefault(b_index, {})
        missing = np.array([b for b in blocks if b not in cached], dtype=np.int64)
        if len(missing):
            fresh = _block_steps(cm, bucket, op, kb, missing)
            for i, b in enumerate(missing):
                cached[int(b)] = tuple(m[i] for m in fresh)
        return tuple(np.stack(m) for m in zip(*(cached[int(b)] for b in blocks)))


def run_groups(cm: CompiledModel, layout: _Layout, op, kb: np.ndarray, pos: np.ndarray,
                bat: np.ndarray, w: np.ndarray):
    """Advance every block with a live chain, bucket by bucket, as one batched recursion.

    An item is one (block, batch entry) pair; its input is each chain's first-stage feed
    rate_i·(M u)[src_i], piecewise constant, so x_{k+1} = Φ x_k + G1 f_k exactly.
    """
    n_steps = cm.n_steps
    outs = [no_chain_output(n_steps)]
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
