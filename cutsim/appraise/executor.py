"""Where sweeps run: in this process, or on a Dask cluster (docs/result-format.md ``--dask``).

Monte Carlo blocks, Sobol and EVPPI samples and optimiser scans are all lists of pure
tasks (same arguments, same bits: the Monte Carlo seeding contract), so the one
:meth:`Executor.map` decides only *where* they run, never what they give. Results come
back in task order, so a run on a cluster is bit-identical to the in-process run for the
same seed.

- :class:`InProcess` (the default) runs the tasks one after another here.
- :class:`DaskExecutor` sends them to a ``dask.distributed`` cluster: an existing
  scheduler (``tcp://host:8786``), or, with no address, a ``LocalCluster`` of two worker
  processes started for the run (no dashboard) and closed after it. Dask is imported
  only here and only when asked, never by ``import cutsim``.

The function is sent to the workers once (scattered), so a task list carries only the
small per-task arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

LOCAL_WORKERS = 2


class Executor:
    """Runs ``fn`` over ``tasks`` and returns the results in task order."""

    name = "executor"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    def close(self) -> None:
        """Release whatever the executor started (nothing for the in-process one)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcess(Executor):
    """Every task in this process, in order."""

    name = "in-process"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        return [fn(t) for t in tasks]


def _call(fn: Callable[[Any], Any], task: Any) -> Any:
    return fn(task)


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: ``address`` of a running scheduler, or None to start a
    ``LocalCluster(n_workers=2, processes=True, dashboard_address=None)`` for this run."""

    name = "dask"

    def __init__(self, address: str | None = None, n_workers: int = LOCAL_WORKERS) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise RuntimeError("--dask needs the dask[distributed] package") from exc
        self.cluster = None
        if address:
            self.client = Client(address)
        else:
            # No dashboard; the scheduler still serves a few HTTP routes (health,
            # metrics), on port 8787 unless told otherwise: a free port on this machine
            # only, so two clusters never clash.
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                        processes=True, dashboard_address=None,
                                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
            self.client = Client(self.cluster)
        log.info("dask: %s", self.client)

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        if not tasks:
            return []
        remote_fn = self.client.scatter(fn, broadcast=True, hash=False)
        futures = self.client.map(_call, [remote_fn] * len(tasks), list(tasks), pure=False)
        return self.client.gather(futures)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def executor_for(dask: str | bool | None) -> Executor:
    """The executor a ``--dask [ADDRESS]`` option asks for: None/False in-process,
    True (or an empty address) a local cluster, else the scheduler at that address."""
    if dask is None or dask is False:
        return InProcess()
    return DaskExecutor(None if dask is True or dask == "" else str(dask))
