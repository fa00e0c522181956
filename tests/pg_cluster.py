"""A private PostgreSQL cluster for the tests: initdb and pg_ctl in a temporary folder.

The server listens on 127.0.0.1 only, on a free port chosen at start, and on a Unix
socket inside the same temporary folder; every connection needs a password
(scram-sha-256), so the URIs the tests use are the URIs people would use. PostgreSQL
refuses to run as root (initdb says so), so as root every server command runs as the
``postgres`` user (``runuser``), which owns the folder.

Found by ``CUTSIM_PG_BINDIR``, else ``pg_config --bindir``, else the newest
``/usr/lib/postgresql/*/bin``, else ``initdb`` on the PATH. ``scripts/setup`` installs
Debian's ``postgresql`` package when none is found.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "cutsim_admin"


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl, or None if PostgreSQL is not installed."""
    candidates: list[str] = []
    if os.environ.get("CUTSIM_PG_BINDIR"):
        candidates.append(os.environ["CUTSIM_PG_BINDIR"])
    if shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                              check=False)
        if done.returncode == 0:
            candidates.append(done.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                         else 0, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(os.path.realpath(initdb)).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    """A running private cluster: its superuser's URIs, fresh databases on demand."""

    bindir: Path
    root: Path
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    _as_postgres: bool = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    _count: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=120)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}\n{tail}")
        return done

    def start(self) -> None:
        """initdb, then pg_ctl start on a free port of 127.0.0.1 (tried three times)."""
        if self._as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self._as_postgres:
            shutil.chown(pwfile, user="postgres", group="postgres")
        pwfile.chmod(0o600)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        pwfile.unlink()
        for attempt in range(3):
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                       f"-c unix_socket_directories={self.root} -c fsync=off "
                       "-c max_connections=60")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "60",
                          "-l", str(self.root / "server.log"), "start")
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        """Stop the server (fast: open connections are ended) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = SUPERUSER,
            password: str | None = None) -> str:
        """A libpq URI for ``user`` (the superuser by default) on ``database``."""
        secret = self.password if password is None and user == SUPERUSER else password
        auth = quote(user, safe="") + (f":{quote(secret, safe='')}" if secret else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its superuser URI."""
        import psycopg

        self._count += 1
        name = f"{prefix}{self._count}_{secrets.token_hex(3)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_cluster(bindir: Path) -> PgCluster:
    """A private cluster started in a new temporary folder (short, for the socket's path)."""
    root = Path(tempfile.mkdtemp(prefix="cutsim-pg-"))
    cluster = PgCluster(bindir=bindir, root=root)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
