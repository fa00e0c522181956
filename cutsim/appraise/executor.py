"""Where sweeps run: in this process, or on a Dask cluster (docs/result-format.md ``--dask``).

Monte Carlo blocks, Sobol and EVPPI samples and optimiser scans are all lists of pure
tasks (same arguments, same bits: the Monte Carlo seeding contract), so the one
:meth:`Executor.map` decides only *where* they run, never what they give. Results come
back in task order, so a run on a cluster is bit-identical to the in-process run for the
same seed.

- :class:`InProcess` (the default) runs the tasks one after another here.
- :class:`DaskExecutor` sends them to a ``dask.distributed`` cluster: with no address, a
  ``LocalCluster`` of two worker processes started for the run (no dashboard) and closed
  after it, reached over TLS with credentials made for the run alone
  (``Security.temporary()``: a certificate authority and certificates generated in
  memory), so no other user of the machine can join it or send it work; or an existing
  scheduler at ``tls://host:port``, reached with the certificates of Dask's own
  configuration (``distributed.comm.tls.ca-file``, ``.client.cert``, ``.client.key``) and
  mutual TLS required. Dask is imported only here and only when asked, never by
  ``import cutsim``.

**What a cluster can do.** Results come back from the workers as pickles, and unpickling
runs code: a scheduler or worker can run any command in cutsim's process, with the
user's rights, and it sees the whole model sent to it (confidential services included).
So only a cluster reached over authenticated TLS is used: any other address (no scheme,
``tcp://``, ``ucx://``, ``inproc://``, ``ws://``, anything unreadable) is refused with
one line (:func:`check_address`), before anything is sent (docs/uncertainty.md).

The function is sent to the workers once (scattered), so a task list carries only the
small per-task arguments.
"""

from __future__ import annotations

import logging
import re
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


CONNECT_TIMEOUT_S = 10  # seconds to reach a scheduler before giving up with one line
_ALLOWED_SCHEME = "tls"
# a host name or IPv4 address, or an IPv6 address in brackets
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]")


def check_address(address: str) -> str:
    """``address`` if it names a scheduler cutsim may use (``tls://host:port``), else
    InputError with one line saying why (the same line for every command)."""
    from cutsim.model.errors import InputError
    from cutsim.model.safetext import terminal_safe

    shown = terminal_safe(str(address))[:200]
    text = str(address).strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise InputError(f"--dask {shown}: give the scheduler as tls://host:port (a cluster "
                         "reached without TLS and certificates could run code in cutsim; "
                         "docs/uncertainty.md), or --dask with no address for a local cluster")
    if scheme.lower() != _ALLOWED_SCHEME:
        raise InputError(f"--dask {shown}: the {terminal_safe(scheme)[:20]}:// protocol is not "
                         "accepted; only tls://host:port with certificates (a cluster reached "
                         "otherwise could run code in cutsim; docs/uncertainty.md)")
    host, colon, port = rest.rpartition(":")
    if not colon or not _HOST.fullmatch(host) or not port.isascii() or not port.isdigit() \
            or not 0 < int(port) < 65536:
        raise InputError(f"--dask {shown}: not a scheduler address; write tls://host:port "
                         "(e.g. tls://scheduler.example:8786)")
    return f"{_ALLOWED_SCHEME}://{rest}"


def _cluster_security(address: str):
    """Dask's ``Security`` from its configuration, for ``address``; InputError when it
    holds no certificate authority and client certificate to prove both ends."""
    from distributed.security import Security

    from cutsim.model.errors import InputError

    security = Security(require_encryption=True)
    # Security sets its TLS attributes from Dask's configuration at run time.
    missing = [name for name, value in (("distributed.comm.tls.ca-file",
                                         getattr(security, "tls_ca_file", None)),
                                        ("distributed.comm.tls.client.cert",
                                         getattr(security, "tls_client_cert", None)))
               if not value]
    if missing:
        raise InputError(f"--dask {address}: no TLS certificates to reach the cluster with; "
                         f"set {' and '.join(missing)} (and .client.key) in Dask's "
                         "configuration (docs/uncertainty.md)")
    return security


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: ``address`` of a running scheduler (``tls://host:port``,
    with the certificates of Dask's configuration), or None to start a
    ``LocalCluster(n_workers=2, processes=True)`` over TLS with temporary credentials for
    this run. InputError, one line, for an address refused or a cluster not reached."""

    name = "dask"

    def __init__(self, address: str | None = None, n_workers: int = LOCAL_WORKERS,
                 timeout: float | None = None) -> None:
        from cutsim.model.errors import InputError

        timeout = CONNECT_TIMEOUT_S if timeout is None else timeout

        if address:
            address = check_address(address)
        try:
            from dask.distributed import Client, LocalCluster
            from distributed.security import Security
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise RuntimeError("--dask needs the dask[distributed] package") from exc
        self.cluster = None
        if address:
            security = _cluster_security(address)
            try:
                self.client = Client(address, security=security, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                log.info("dask: could not reach %s", address, exc_info=True)
                raise InputError(f"--dask {address}: the cluster was not reached with TLS "
                                 f"within {timeout:g} s ({type(exc).__name__}: "
                                 f"{str(exc)[:160]})") from None
        else:
            # TLS with a certificate authority and certificates made for this run (held in
            # memory, given to the workers it starts): no one else can join or send work.
            # No dashboard; the scheduler still serves a few HTTP routes (health,
            # metrics) on a free port of this machine only, so two clusters never clash.
            security = Security.temporary()
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                        processes=True, dashboard_address=None,
                                        host="127.0.0.1", protocol="tls://", security=security,
                                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
            self.client = Client(self.cluster, security=security)
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
    True (or an empty address) a local cluster with temporary TLS credentials, else the
    scheduler at that ``tls://`` address (:func:`check_address`)."""
    if dask is None or dask is False:
        return InProcess()
    return DaskExecutor(None if dask is True or dask == "" else str(dask))
