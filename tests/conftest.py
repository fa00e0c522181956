"""Rules for every suite: in CI a test that cannot run fails instead of skipping.

On a developer's machine a test that needs something missing (a browser, poppler, strace,
LibreOffice, a development package) skips and says why (``-ra`` lists the reasons). In CI
(the environment variable ``CI`` set to ``true`` or ``1``, as CI services and ``.ci/run``
set it) the same skip is reported as a failure, because CI installs everything
``scripts/setup`` names, so a skip there means a check silently stopped running.

Skips that are right in CI too are listed in :data:`ALLOWED_IN_CI`: tests for another
platform, a case root cannot create, and the frozen-app build that ``.ci/run`` runs itself
after the tests.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import pytest
from pg_cluster import PgCluster, find_bindir, start_cluster

pytest_plugins = ["pytester"]  # tests/core/test_ci_skips.py runs pytest on planted tests

ALLOWED_IN_CI = (
    "fork and flock",
    "POSIX permission bits",
    "named pipes are POSIX",
    "symbolic links need privileges",
    "root writes anywhere",
    "builds the frozen app (minutes): set CUTSIM_PACKAGING=1",
)


def in_ci() -> bool:
    """Whether the suite runs in CI (``CI`` is ``true`` or ``1``, any case)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The reason a skipped report gives ("" when it has none)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    """In CI, turn a skip whose reason is not in :data:`ALLOWED_IN_CI` into a failure."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not hasattr(report, "wasxfail"):
        _fail_a_skip_in_ci(report, item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, None]:
    """In CI, a whole module skipped (``pytest.importorskip``, a module-level skip) whose
    reason is not in :data:`ALLOWED_IN_CI` is a collection error."""
    outcome = yield
    _fail_a_skip_in_ci(outcome.get_result(), collector.nodeid)


def _fail_a_skip_in_ci(report: pytest.TestReport | pytest.CollectReport, nodeid: str) -> None:
    """In CI, a skip whose reason is not in :data:`ALLOWED_IN_CI` becomes a failure."""
    if not (report.skipped and in_ci()):
        return
    reason = skip_reason(report)
    if reason in ALLOWED_IN_CI:
        return
    report.outcome = "failed"
    report.longrepr = (f"{nodeid} skipped in CI, where every test must run: {reason}\n"
                       "Install what it needs (scripts/setup) or, if the skip is right in CI, "
                       "add its reason to ALLOWED_IN_CI in tests/conftest.py.")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL cluster for the whole test run (tests/pg_cluster.py), stopped
    at the end. Without PostgreSQL installed the tests that need it are skipped, except in
    CI, where that skip is a failure (above): scripts/setup installs it."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl found); "
                    "scripts/setup installs Debian's postgresql package")
    cluster = start_cluster(bindir)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """The superuser's URI of a fresh, empty database on the private cluster."""
    return pg_cluster.new_database()
