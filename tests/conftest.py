"""Fixtures shared by every part of the tests: the private PostgreSQL server."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_cluster import PgCluster, find_bindir, start_cluster


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL cluster for the whole test run (tests/pg_cluster.py), stopped
    at the end. Without PostgreSQL installed the tests that need it are skipped, except in
    CI (CI=true), where that is a failure: scripts/setup installs it."""
    bindir = find_bindir()
    if bindir is None:
        message = ("PostgreSQL is not installed (no initdb/pg_ctl found); "
                   "scripts/setup installs Debian's postgresql package")
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    cluster = start_cluster(bindir)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """The superuser's URI of a fresh, empty database on the private cluster."""
    return pg_cluster.new_database()
