"""A partnership's shared workspace against the real server: roles, row-level security,
the audit trail (issue 36's "Must show")."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.model.errors import InputError, StorageError
from cutsim.workspace import create_workspace, open_workspace
from cutsim.workspace.partnership import AUDIT_TABLE, agency_uri, role_name, setup

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example-place.cutsim"
SECRET = ("home_care", "ta")  # the council's confidential services in the example
SECRET_LINK = "d34"  # a demand link met by the confidential "ta"


def _example_with_secret_lever():
    """The example with a scenario of the council's that cuts its confidential home care."""
    source = exchange.read_file(EXAMPLE)
    youth = source.scenarios[0]
    lever = youth.levers[0].model_copy(update={"id": "hc", "service": "home_care"})
    secret = youth.model_copy(update={"id": "care-cut", "name": "Home care cut",
                                      "levers": [lever]})
    # the confidential service's outturn, which only its agency may see
    outturn = source.actuals.observations[0].model_copy(update={
        "kind": "spend", "id": "home_care", "year": "2026-27", "value": 21_500_000.0,
        "area": None})
    actuals = source.actuals.model_copy(update={
        "observations": [*source.actuals.observations, outturn]})
    return source.model_copy(update={"scenarios": [*source.scenarios, secret],
                                     "actuals": actuals})


@pytest.fixture
def partnership(pg_url: str) -> dict[str, str]:
    """A workspace holding the example (plus a lever on a confidential service), set up
    for the council and the police; {agency: URI, "owner": URI}."""
    with create_workspace(pg_url, _example_with_secret_lever()):
        pass
    access = setup(pg_url, ["council", "police"])
    return {a.agency: a.uri for a in access} | {"owner": pg_url}


def _with_spend(cutsim_file, service_id: str, spend: float):
    services = [s.model_copy(update={"baseline_spend": spend}) if s.id == service_id else s
                for s in cutsim_file.model.services]
    return cutsim_file.model_copy(update={"model": cutsim_file.model.model_copy(
        update={"services": services})})


def test_setup_prints_each_agencys_uri_on_the_same_host_and_port(pg_url: str, capsys) -> None:
    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    assert main(["partnership", "setup", pg_url, "--agency", "council", "--agency", "police",
                 "--json"]) == 0
    uris = json.loads(capsys.readouterr().out)
    assert set(uris) == {"council", "police"}
    host_port = pg_url.split("@")[1].split("/")[0]
    database = pg_url.rsplit("/", 1)[1]
    for agency, uri in uris.items():
        assert uri.startswith(f"postgresql://{role_name(database, agency)}:")
        assert f"@{host_port}/{database}" in uri
        with psycopg.connect(uri) as conn:  # the generated password works
            assert conn.execute("SELECT current_user").fetchone()[0] == role_name(database, agency)


def test_setup_refuses_an_unknown_agency_and_creates_no_role(pg_url: str, capsys) -> None:
    with create_workspace(pg_url, exchange.read_file(EXAMPLE)):
        pass
    assert main(["partnership", "setup", pg_url, "--agency", "council", "--agency", "mi5"]) == 1
    assert "--agency mi5: not an agency of the workspace's model" in capsys.readouterr().err
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url) as conn:
        roles = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                             (f"{database}%",)).fetchall()
    assert roles == []  # one transaction: nothing was created


def test_agency_a_cannot_change_agency_bs_service(partnership: dict[str, str], tmp_path: Path,
                                                  capsys) -> None:
    # Refused by the database itself, whatever the client ...
    with psycopg.connect(partnership["police"]) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege,
                          match='agency "police" may change only its own rows: service "youth"'):
        conn.execute("UPDATE service SET baseline_spend = 1 WHERE id = 'youth'")
    with psycopg.connect(partnership["police"]) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="may change only its own"):
        conn.execute("DELETE FROM service WHERE id = 'youth'")
    # ... and the repository (the app's save) and the command line say so in words.
    with open_workspace(partnership["police"]) as workspace:
        model, version = workspace.load_versioned()
        with pytest.raises(StorageError, match='refused the change: agency "police" may change '
                                               'only its own rows: service "youth" is council'):
            workspace.save(_with_spend(model, "youth", 1.0), expected_version=version)
        assert workspace.model_version() == version  # nothing written
    theirs = tmp_path / "theirs.cutsim"
    exchange.write_file(theirs, _with_spend(exchange.read_file(EXAMPLE), "youth", 1.0))
    assert main(["import", partnership["police"], str(theirs), "--all", "replace"]) == 1
    err = capsys.readouterr().err
    assert "may change only its own rows" in err and "Traceback" not in err
    with open_workspace(partnership["owner"]) as workspace:
        youth = next(s for s in workspace.load().model.services if s.id == "youth")
    assert youth.baseline_spend == 3_000_000.0


def test_an_agency_changes_its_own_service_and_the_audit_names_its_role(
        partnership: dict[str, str]) -> None:
    with open_workspace(partnership["police"]) as workspace:
        model, version = workspace.load_versioned()
        new_version = workspace.save(_with_spend(model, "police_asb", 123_456.0),
                                     expected_version=version)
    assert new_version > version
    database = partnership["owner"].rsplit("/", 1)[1]
    with psycopg.connect(partnership["council"]) as conn:  # readable by every role
        rows = conn.execute(f"SELECT who, what, table_name, before, after, at FROM {AUDIT_TABLE} "
                            "WHERE table_name = 'service' AND row_key->>'id' = 'police_asb'"
                            ).fetchall()
    assert len(rows) == 1  # the trail starts at setup: the police's update
    who, what, _, before, after, at = rows[0]
    assert (who, what) == (role_name(database, "police"), "UPDATE")
    assert after["baseline_spend"] == 123_456.0 and before["baseline_spend"] != 123_456.0
    assert at is not None
    with open_workspace(partnership["owner"]) as workspace:
        spend = next(s for s in workspace.load().model.services if s.id == "police_asb")
    assert spend.baseline_spend == 123_456.0


def test_every_change_is_audited_with_its_role(partnership: dict[str, str]) -> None:
    database = partnership["owner"].rsplit("/", 1)[1]
    with open_workspace(partnership["council"]) as workspace:
        model, version = workspace.load_versioned()
        changed = _with_spend(_with_spend(model, "youth", 2_900_000.0), "early_help", 8_000_000.0)
        workspace.save(changed, expected_version=version)
    with psycopg.connect(partnership["owner"]) as conn:
        rows = conn.execute(f"SELECT who, row_key->>'id' FROM {AUDIT_TABLE} "
                            "WHERE what = 'UPDATE' ORDER BY seq").fetchall()
    assert sorted(rows) == [(role_name(database, "council"), "early_help"),
                            (role_name(database, "council"), "youth")]


def test_the_audit_trail_is_changeable_by_none(partnership: dict[str, str]) -> None:
    with psycopg.connect(partnership["police"]) as conn:  # a line to try to change
        conn.execute("UPDATE service SET notes = 'audited' WHERE id = 'police_asb'")
    for who in ("police", "owner"):
        for statement in (f"UPDATE {AUDIT_TABLE} SET who = 'x'", f"DELETE FROM {AUDIT_TABLE}",
                          f"TRUNCATE {AUDIT_TABLE}",
                          (f"INSERT INTO {AUDIT_TABLE} (who, what, table_name, row_key) "
                           "VALUES ('x', 'x', 'x', '{}')")):
            if who == "owner" and statement.startswith("INSERT"):
                continue  # the owner could add a line; it can never change or remove one
            with psycopg.connect(partnership[who]) as conn, \
                    pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with psycopg.connect(partnership["owner"]) as conn:
        assert conn.execute(f"SELECT count(*) FROM {AUDIT_TABLE}").fetchone()[0] > 0


def test_a_confidential_service_of_a_is_in_no_query_by_b(partnership: dict[str, str],
                                                       tmp_path: Path, capsys) -> None:
    tables = ("service", "effect", "demand", "lever", "scenario", "agency", "outcome", "model",
              "edit", "actual", AUDIT_TABLE)
    with psycopg.connect(partnership["police"]) as conn:
        for table in tables:
            text = json.dumps([list(r) for r in conn.execute(f'SELECT * FROM "{table}"')],
                              default=str)
            for secret in (*(f'"{s}"' for s in SECRET), f'"{SECRET_LINK}"', '"hc"'):
                assert secret not in text, (table, secret)
        assert conn.execute("SELECT count(*) FROM service WHERE id = 'home_care'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM lever WHERE id = 'hc'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM service").fetchone()[0] > 30
    with psycopg.connect(partnership["council"]) as conn:  # its own agency sees them
        assert conn.execute("SELECT count(*) FROM service WHERE id IN ('home_care', 'ta')"
                            ).fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM lever WHERE id = 'hc'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM actual WHERE ref = 'home_care'").fetchone()[0] == 1
    # A role's export carries only what it sees, and is a valid model.
    mine = tmp_path / "police.cutsim"
    assert main(["export", partnership["police"], "-o", str(mine)]) == 0
    exported = exchange.read_file(mine)
    assert not {s.id for s in exported.model.services} & set(SECRET)
    assert SECRET_LINK not in {d.id for d in exported.model.demands}
    assert all(lever.id != "hc" for sc in exported.scenarios for lever in sc.levers)
    text = mine.read_text(encoding="utf-8")
    assert "home_care" not in text
    # Marked as a redacted copy, as cutsim export --redact marks one, saying what is missing.
    owners = tmp_path / "owner.cutsim"
    assert main(["export", partnership["owner"], "-o", str(owners)]) == 0
    everything = exchange.read_file(owners)
    assert not everything.redacted  # the owner is sent everything

    def links(f) -> set[str]:
        return {x.id for x in (*f.model.effects, *f.model.demands)}

    missing = len(links(everything) - links(exported))
    assert SECRET_LINK in links(everything) and missing >= 1
    assert exported.redacted is True
    assert (f"2 confidential service(s) of other agencies, {missing} link(s) and 1 lever(s)"
            in exported.model.place.notes)


def test_scenarios_are_read_by_all_and_changed_by_their_owner(partnership: dict[str, str]) -> None:
    with open_workspace(partnership["police"]) as workspace:
        model, version = workspace.load_versioned()
        renamed = model.model_copy(update={"scenarios": [
            s.model_copy(update={"name": "Renamed by the police"}) if s.id == "youth-cut" else s
            for s in model.scenarios]})
        with pytest.raises(StorageError, match='scenario "youth-cut" is the partnership\'s owner'):
            workspace.save(renamed, expected_version=version)
        ours = model.scenarios[-1].model_copy(update={"id": "police-plan", "name": "Police plan",
                                                      "levers": []})
        version = workspace.save(model.model_copy(update={"scenarios": [*model.scenarios, ours]}),
                                 expected_version=version)
        model = workspace.load()
        again = model.model_copy(update={"scenarios": [
            s.model_copy(update={"name": "Police plan, v2"}) if s.id == "police-plan" else s
            for s in model.scenarios]})
        workspace.save(again, expected_version=version)
    with open_workspace(partnership["council"]) as workspace:
        model, version = workspace.load_versioned()
        assert "Police plan, v2" in [s.name for s in model.scenarios]
        other = model.model_copy(update={"scenarios": [
            s.model_copy(update={"name": "Council's now"}) if s.id == "police-plan" else s
            for s in model.scenarios]})
        with pytest.raises(StorageError, match="may change only its own rows"):
            workspace.save(other, expected_version=version)


def test_setup_refuses_a_workspace_file_and_an_agency_named_twice(tmp_path: Path,
                                                                 pg_url: str) -> None:
    with pytest.raises(InputError, match="needs a workspace on a PostgreSQL server"):
        setup(str(tmp_path / "w.sqlite"), ["council"])
    with pytest.raises(InputError, match="named more than once"):
        setup(pg_url, ["council", "council"])
    with pytest.raises(InputError, match="holds no cutsim workspace"):
        setup(pg_url, ["council"])


def test_an_agency_uri_keeps_host_port_database_and_options() -> None:
    uri = agency_uri("postgresql://admin:pw@db.example.org:6543/place?sslmode=require",
                     "place_police", "p/w@")
    assert uri == "postgresql://place_police:p%2Fw%40@db.example.org:6543/place?sslmode=require"


def test_a_local_copy_syncs_back_with_merge_conflicts_shown(partnership: dict[str, str],
                                                            tmp_path: Path, capsys) -> None:
    police = partnership["police"]
    base = tmp_path / "base.cutsim"
    assert main(["export", police, "-o", str(base)]) == 0
    local = tmp_path / "mine.sqlite"
    assert main(["init", str(local), "--from", str(base)]) == 0
    with open_workspace(local) as mine:  # offline: the police change their own service
        model, version = mine.load_versioned()
        mine.save(_with_spend(model, "police_asb", 600_000.0), expected_version=version)
    with open_workspace(partnership["council"]) as council:  # meanwhile, on the server
        model, version = council.load_versioned()
        council.save(_with_spend(model, "youth", 2_800_000.0), expected_version=version)
    merged = tmp_path / "merged.cutsim"
    assert main(["merge", str(base), str(local), police, "-o", str(merged)]) == 0
    assert main(["import", police, str(merged), "--all", "replace"]) == 0
    capsys.readouterr()
    with open_workspace(partnership["owner"]) as workspace:
        spend = {s.id: s.baseline_spend for s in workspace.load().model.services}
    assert spend["police_asb"] == 600_000.0 and spend["youth"] == 2_800_000.0  # both kept
    # Both sides change the same service: the conflict is shown and nothing is written.
    with open_workspace(local) as mine:
        model, version = mine.load_versioned()
        mine.save(_with_spend(model, "police_asb", 1.0), expected_version=version)
    with open_workspace(police) as server:
        model, version = server.load_versioned()
        server.save(_with_spend(model, "police_asb", 2.0), expected_version=version)
    clash = tmp_path / "clash.cutsim"
    assert main(["merge", str(merged), str(local), police, "-o", str(clash)]) == 3
    assert "police_asb" in capsys.readouterr().err and not clash.exists()
