"""The storage seam: workspaces are opened by location through one repository, and the
database behind them (SQLite today) is known only inside ``cutsim/workspace/``.

- no module of the core or the app outside ``cutsim/workspace/`` names the database
  library or its errors, and only ``detect.py`` knows a workspace file's first bytes
  (the checker is itself tested on a planted file);
- inside the package, only the SQLite adapter (with the hardening in ``guard`` and the
  DDL chain in ``migrations``) speaks SQLite;
- a location is a path or a URL; a server URL is refused with the project's error;
- a database error reaches callers as :class:`StorageError`, never as ``sqlite3.Error``.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.model.errors import InputError, StorageError, WorkspaceUnsupported
from cutsim.workspace import (
    Location,
    WorkspaceRepository,
    create_workspace,
    is_workspace,
    open_workspace,
    parse_location,
)
from cutsim.workspace.sources import read_any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
SERVER_URL = "postgresql://planner:s3cret@db.example.org:5432/partnership"
# Port 1 of this computer: nothing listens there, so a connection is refused at once.
UNREACHABLE_URL = "postgresql://planner:s3cret@127.0.0.1:1/partnership"

# Words that only the workspace package may write: the database library (and the
# toolkit over it), and the first bytes of a workspace file.
_DATABASE_WORDS = re.compile(r"\bsqlite3\b|\bsqlalchemy\b|\bsqlmodel\b", re.IGNORECASE)
_MAGIC = re.compile(r"SQLite format 3")
# SQLite's own statements: the adapter's (and guard's and migrations') alone.
_SQLITE_SPEAK = re.compile(r"\bsqlite3\b|BEGIN IMMEDIATE|PRAGMA\s+\w+\s*=|\.backup\(")
SQLITE_MODULES = {"sqlite_adapter.py", "guard.py", "migrations.py"}


def _sources(root: Path) -> list[Path]:
    return sorted(p for part in ("cutsim", "ui") for p in (root / part).rglob("*.py"))


def _outside_the_workspace(root: Path, pattern: re.Pattern[str]) -> list[str]:
    """``file:line`` of every match of ``pattern`` in the core or the app, outside
    ``cutsim/workspace/``."""
    found = []
    workspace = root / "cutsim" / "workspace"
    for path in _sources(root):
        if workspace in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(root)}:{number}")
    return found


def test_no_module_outside_the_workspace_names_the_database() -> None:
    assert _outside_the_workspace(ROOT, _DATABASE_WORDS) == []


def test_only_detect_knows_a_workspace_file_by_its_first_bytes() -> None:
    assert _outside_the_workspace(ROOT, _MAGIC) == []
    inside = [p.name for p in (ROOT / "cutsim" / "workspace").glob("*.py")
              if _MAGIC.search(p.read_text(encoding="utf-8"))]
    assert inside == ["detect.py"]


def test_the_checker_finds_a_planted_database_import(tmp_path: Path) -> None:
    for part in ("cutsim/workspace", "cutsim/cli", "ui"):
        (tmp_path / part).mkdir(parents=True)
    (tmp_path / "cutsim" / "workspace" / "ok.py").write_text("import sqlite3\n")
    (tmp_path / "cutsim" / "cli" / "bad.py").write_text("x = 1\nimport sqlite3\n")
    (tmp_path / "ui" / "sniff.py").write_text('MAGIC = b"SQLite format 3\\x00"\n')
    assert _outside_the_workspace(tmp_path, _DATABASE_WORDS) == ["cutsim/cli/bad.py:2"]
    assert _outside_the_workspace(tmp_path, _MAGIC) == ["ui/sniff.py:1"]


def test_inside_the_workspace_only_the_adapter_speaks_sqlite() -> None:
    speaking = sorted(p.name for p in (ROOT / "cutsim" / "workspace").glob("*.py")
                      if _SQLITE_SPEAK.search(p.read_text(encoding="utf-8")))
    assert set(speaking) <= SQLITE_MODULES
    assert "sqlite_adapter.py" in speaking  # the pattern finds what it looks for


# --- locations -----------------------------------------------------------------------


def test_a_location_is_a_path_or_a_workspace_file_url(tmp_path: Path) -> None:
    absolute = tmp_path / "w.sqlite"
    assert parse_location("w.sqlite") == Location(Path("w.sqlite"))
    assert parse_location(absolute) == Location(absolute)
    assert parse_location("sqlite:///rel/w.sqlite") == Location(Path("rel/w.sqlite"))
    assert parse_location(f"sqlite:///{absolute}") == Location(absolute)
    assert parse_location(absolute.as_uri()) == Location(absolute)
    assert parse_location(r"C:\models\w.sqlite").path == Path(r"C:\models\w.sqlite")  # not a URL
    with pytest.raises(InputError, match="sqlite:///path"):
        parse_location("sqlite://")
    with pytest.raises(InputError, match="no options"):
        parse_location("sqlite:///w.sqlite?mode=ro")


def test_a_server_url_is_a_location_shown_without_its_password() -> None:
    location = parse_location(SERVER_URL)
    assert location.is_server and location.url == SERVER_URL
    assert location.name == "partnership"
    assert "s3cret" not in str(location) and "s3cret" not in repr(location)
    assert "planner:***@db.example.org" in str(location)
    assert parse_location("postgres://db.example.org").name == "postgres"
    assert is_workspace(SERVER_URL)  # so that every caller opens it as a workspace
    with pytest.raises(WorkspaceUnsupported, match="not supported") as caught:
        parse_location("mysql://planner:s3cret@db/partnership")
    assert "s3cret" not in str(caught.value)
    assert isinstance(caught.value, InputError)  # the CLI's exit 1, the app's dialog
    with pytest.raises(WorkspaceUnsupported):
        parse_location("postgresql+psycopg://db/partnership")  # not a libpq URI


def test_an_unreachable_server_is_refused_in_words_without_its_password() -> None:
    with pytest.raises(StorageError, match="cannot connect") as caught:
        open_workspace(UNREACHABLE_URL)
    assert "s3cret" not in str(caught.value) and "planner:***@" in str(caught.value)
    with pytest.raises(StorageError, match="cannot connect"):
        read_any(UNREACHABLE_URL)


@pytest.mark.parametrize("command", [["run", UNREACHABLE_URL, "--scenario", "x"],
                                     ["init", UNREACHABLE_URL, "--from", str(EXAMPLE)],
                                     ["import", UNREACHABLE_URL, str(EXAMPLE)]])
def test_the_command_line_says_an_unreachable_server_with_exit_1(command, capsys) -> None:
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "cannot" in err and "s3cret" not in err and "Traceback" not in err


def test_a_workspace_opens_by_path_url_or_location_as_one_repository(tmp_path: Path) -> None:
    source = exchange.read_file(EXAMPLE)
    path = tmp_path / "w.sqlite"
    with create_workspace(f"sqlite:///{path}", source) as created:
        assert isinstance(created, WorkspaceRepository)
        assert created.location == Location(path)
    assert is_workspace(path) and is_workspace(f"sqlite:///{path}")
    assert not is_workspace(EXAMPLE) and not is_workspace(tmp_path / "missing.sqlite")
    for where in (path, str(path), f"sqlite:///{path}", path.as_uri(), Location(path)):
        with open_workspace(where) as workspace:
            loaded, version = workspace.load_versioned()
            assert loaded.model == source.model
            assert workspace.save(loaded, expected_version=version) > version
    assert read_any(f"sqlite:///{path}").model == source.model


# --- errors translated at the seam ---------------------------------------------------


def test_a_file_that_only_looks_like_a_workspace_gives_the_projects_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.sqlite"
    fake.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    assert is_workspace(fake)
    with pytest.raises(StorageError, match="fake.sqlite") as caught:
        open_workspace(fake)
    assert not isinstance(caught.value, sqlite3.Error)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_damage_found_while_reading_gives_the_projects_error(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    create_workspace(path, exchange.read_file(EXAMPLE)).close()
    workspace = open_workspace(path)
    try:
        with open(path, "r+b") as handle:  # every page after the first (the schema) ruined
            handle.seek(4096)
            handle.write(b"\xff" * (path.stat().st_size - 4096))
        with pytest.raises(StorageError, match="cannot be read as a workspace") as caught:
            workspace.load()
        assert not isinstance(caught.value, sqlite3.Error)
    finally:
        workspace.close()


def test_the_command_line_reports_a_damaged_workspace_without_a_traceback(tmp_path, capsys) -> None:
    fake = tmp_path / "fake.sqlite"
    fake.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    assert main(["run", str(fake), "--scenario", "x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cutsim: ") and "fake.sqlite" in err and "Traceback" not in err
