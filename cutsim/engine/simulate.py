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

This module runs the simulation; the algebraic part (M and its checks) is
:mod:`cutsim.engine.algebraic`, the delay chains :mod:`cutsim.engine.chains`, and the
per-model caches both keep :mod:`cutsim.engine.memo`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from cutsim.engine import algebraic
from cutsim.engine.algebraic import draws_operator, single_operator
from cutsim.engine.chains import (
    chain_layout,
    check_groups_stable,
    no_chain_output,
    run_groups,
    run_singletons,
    run_singletons_draws,
)
from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.heap import keep_large_arrays_in_heap
from cutsim.engine.memo import cached
from cutsim.engine.reach import reach


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
    if n_draws > 1 and (cm.n_nodes > algebraic.DENSE_LIMIT or n_in > 1):
        # One parameter set at a time: a large model's M is sparse per draw, and per-draw
        # inputs with per-draw parameters share nothing worth batching.
        runs = [_run(cm, single_operator(cm, kb[i], db[i]), kb[i:i + 1], u.select(i),
                     asked, outcome_integrals, reached) for i in range(n_draws)]
        return Trajectory(*(np.concatenate([getattr(r, f) for r in runs])
                            for f in ("dY", "dA", "dY_int", "dA_int")))
    if n_draws == 1:
        return _run(cm, single_operator(cm, kb[0], db[0]), kb, u, asked, outcome_integrals,
                    reached)
    needed = np.union1d(u.rows, cm.eff_dst[cm.dyn]).astype(np.int64)
    return _run(cm, draws_operator(cm, kb, db, needed), kb, u, asked, outcome_integrals,
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
    return cached(cm, "reach", (u.rows.tobytes(), np.packbits(live).tobytes(), live.shape),
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


# ------------------------------------------------------------------------ the run


def _run(cm: CompiledModel, op, kb: np.ndarray, u: _Inputs, asked: _Rows,
         outcome_integrals: bool, reached: _Reach) -> Trajectory:
    """Advance live chains exactly, then solve the algebraic part once for all outputs
    (the rows of them asked for, see :func:`simulate`, and of those only the rows the
    inputs reach: the others are exactly 0)."""
    n_steps, h = cm.n_steps, cm.h
    batch = max(kb.shape[0], u.batch)
    layout = chain_layout(cm)
    chains, bat, z, z_int = no_chain_output(n_steps)
    if len(cm.dyn):
        check_groups_stable(cm, layout, op, kb)
        # Only chains whose source service the inputs reach can be fed (the others' feed
        # is exactly 0): their positions in the chain list, fed by M u.
        fed = np.flatnonzero(reached.nodes[layout.src_nodes])
        pos, pb, w = op.source_inputs(layout.src_nodes[fed], u)
        pos = fed[pos]
        alone = layout.chain_group[pos] < 0
        singles = run_singletons(cm, layout, pos[alone], pb[alone], w[alone]) \
            if kb.shape[0] == 1 else run_singletons_draws(cm, layout, op, pos[alone], u)
        outs = [singles, run_groups(cm, layout, op, kb, pos[~alone], pb[~alone], w[~alone])]
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

