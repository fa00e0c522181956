"""The private PostgreSQL server the partnership tests run against."""

from __future__ import annotations

import psycopg
import pytest
from pg_cluster import PgCluster


def test_private_cluster_answers_on_loopback_with_a_password(pg_cluster: PgCluster,
                                                             pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                              ).fetchone()[0]
    assert int(version) >= 150000
    assert listen == "127.0.0.1"
    assert tables == 0  # a fresh, empty database
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(pg_cluster.url(pg_url.rsplit("/", 1)[1], password="wrong")).close()
