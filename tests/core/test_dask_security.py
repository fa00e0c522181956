"""``--dask``: only an authenticated cluster (docs/uncertainty.md, "Running sweeps on Dask").

A cluster's workers send results back as pickles, which can run code in cutsim: so a
scheduler is reached only over TLS with certificates, the local cluster only with
credentials made for the run, and every other address is one clear line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cutsim.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models" / "example-place.cutsim"

BAD = {
    "127.0.0.1": "give the scheduler as tls://host:port",
    "localhost:8786": "give the scheduler as tls://host:port",
    "tcp://127.0.0.1:8786": "the tcp:// protocol is not accepted",
    "ucx://127.0.0.1:13337": "the ucx:// protocol is not accepted",
    "inproc://10.0.0.1/1234/1": "the inproc:// protocol is not accepted",
    "ws://127.0.0.1:8786": "the ws:// protocol is not accepted",
    "garbage": "give the scheduler as tls://host:port",
    "tls://": "not a scheduler address",
    "tls://127.0.0.1": "not a scheduler address",
    "tls://127.0.0.1:0": "not a scheduler address",
    "tls://127.0.0.1:99999": "not a scheduler address",
    "tls://user@host:8786": "not a scheduler address",
    "tls://host\x1b[31m:8786": "not a scheduler address",
}


@pytest.mark.parametrize("command", [
    ("run", str(EXAMPLE), "--scenario", "youth-cut", "--draws", "10"),
    ("sensitivity", str(EXAMPLE), "--scenario", "youth-cut"),
])
@pytest.mark.parametrize("address", sorted(BAD))
def test_every_bad_address_is_one_clear_line(command, address, capsys) -> None:
    assert main([*command, "--dask", address]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("cutsim: --dask ") and captured.err.count("\n") == 1
    assert BAD[address] in captured.err
    assert "Traceback" not in captured.err and "\x1b" not in captured.err


def test_a_tls_address_without_certificates_is_refused_before_connecting(capsys) -> None:
    import dask
    import distributed  # noqa: F401 - its configuration's defaults loaded before they are set

    with dask.config.set({"distributed.comm.tls.ca-file": None,
                          "distributed.comm.tls.client.cert": None}):
        assert main(["run", str(EXAMPLE), "--scenario", "youth-cut", "--draws", "10",
                     "--dask", "tls://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert "no TLS certificates" in err and "distributed.comm.tls.ca-file" in err
    assert err.count("\n") == 1


def _credentials(security) -> dict:
    """Dask configuration naming ``security``'s certificate authority and client
    certificate (PEM text, which Dask's Security takes in place of a file name)."""
    return {"distributed.comm.tls.ca-file": security.tls_ca_file,
            "distributed.comm.tls.client.cert": security.tls_client_cert,
            "distributed.comm.tls.client.key": security.tls_client_key}


def test_a_cluster_not_reached_is_one_line(monkeypatch, capsys) -> None:
    import dask
    from distributed.security import Security

    from cutsim.appraise import executor

    monkeypatch.setattr(executor, "CONNECT_TIMEOUT_S", 1.0)
    with dask.config.set(_credentials(Security.temporary())):
        assert main(["run", str(EXAMPLE), "--scenario", "youth-cut", "--draws", "10",
                     "--dask", "tls://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cutsim: --dask tls://127.0.0.1:1: the cluster was not reached")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture(scope="module")
def local_cluster():
    from cutsim.appraise.executor import DaskExecutor

    with DaskExecutor() as ex:
        yield ex


def _refused(address: str, security) -> bool:
    """True when a client with ``security`` cannot use the scheduler at ``address``."""
    from distributed import Client

    try:
        client = Client(address, security=security, timeout=3)
    except (OSError, TimeoutError):
        return True
    client.close()
    return False


@pytest.mark.dask
@pytest.mark.timeout(300)
def test_the_local_cluster_takes_only_its_own_credentials(local_cluster) -> None:
    """The local cluster speaks TLS; a client without certificates, or with another
    authority's, is refused: another user of the machine cannot join it or send work."""
    from distributed.security import Security

    address = local_cluster.cluster.scheduler_address
    assert address.startswith("tls://127.0.0.1:")
    assert _refused(address.replace("tls://", "tcp://"), None)
    assert _refused(address, Security.temporary())  # certificates of another authority
    assert local_cluster.map(abs, [-1, 2, -3]) == [1, 2, 3]


@pytest.mark.dask
@pytest.mark.timeout(300)
def test_a_scheduler_reached_with_certificates_gives_the_in_process_bits(local_cluster) -> None:
    """A scheduler at a tls:// address, with the certificates of Dask's configuration:
    the Monte Carlo result is bit-identical to the in-process one."""
    import dask

    from cutsim.api import load
    from cutsim.appraise.executor import DaskExecutor

    project = load(EXAMPLE)
    local = project.run(project.scenario("youth-cut"), draws=700, seed=5).to_json_dict()
    address = local_cluster.cluster.scheduler_address
    with dask.config.set(_credentials(local_cluster.cluster.security)), \
            DaskExecutor(address) as remote:
        assert remote.cluster is None
        on_cluster = project.run(project.scenario("youth-cut"), draws=700, seed=5,
                                 executor=remote).to_json_dict()
    assert on_cluster == local
