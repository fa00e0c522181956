"""A partnership's shared workspace on PostgreSQL: a role per agency, row-level security
and an audit trail written by the database itself (docs/partnership.md).

:func:`setup` runs once, as the owner of the workspace's tables (whoever ran
``cutsim init URL``), and again to add agencies or to issue new passwords. It adds:

- a login role per agency (``<database>_<agency>``, a generated password), listed in
  table ``partnership_role``; every right it has is granted here and nothing else;
- row-level security on every table of the model: an agency's role may change only its
  own agency's rows (its agency row, its services, the links whose service is its own,
  the levers whose services are all its own); services marked confidential, the links
  that name them and links marked confidential are invisible to the roles of other
  agencies, and so are the levers that name such services (not hidden by the app: the
  server never sends them); scenarios are read by all, their rows (name, description,
  targets…) changed only by the role that added them (``partnership_scenario_owner``);
  the place (table ``model``) and the outcomes are read only, the owner's to change;
- triggers that refuse, in words, a change to another agency's row (before row-level
  security would silently pass it over), and
- table ``partnership_audit`` written by triggers on every change (who: the login role;
  when; what: the table, the operation and the row's key; the row before and after, as
  JSON), readable by every role (a confidential row's entries only by its agency) and
  changeable by none: its own triggers refuse UPDATE, DELETE and TRUNCATE, even by the
  owner.

What each role sees is therefore all it can export: ``cutsim export URL`` run with an
agency's URI writes a file without the other agencies' confidential lines.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from psycopg import sql

from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.workspace.location import Location, parse_location
from cutsim.workspace.pg_adapter import (
    PostgresAdapter,
    connect,
    schema_version,
    server_errors,
)

log = logging.getLogger(__name__)

AUDIT_TABLE = "partnership_audit"
ROLE_TABLE = "partnership_role"
OWNER_TABLE = "partnership_scenario_owner"
_MAX_IDENTIFIER = 63  # PostgreSQL's limit on a name (NAMEDATALEN - 1)

# Tables whose rows an agency may change (its own), and those it may only add to.
_OWNED = ("agency", "service", "effect", "demand", "scenario", "lever")
_APPEND_ONLY = ("edit", "run", "decision")
# Actuals are changed by the owner's role only (for now); a spend outturn is seen with its
# service, so another agency's confidential service's outturn is never sent.
_READ_ONLY = ("model", "outcome", "actual", "adoption")
_AUDITED = ("model", "agency", "service", "outcome", "effect", "demand", "scenario", "lever")

_FUNCTIONS = """
CREATE TABLE IF NOT EXISTS {role_table} (
    role_name name PRIMARY KEY,
    agency VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS {owner_table} (
    model_pk INTEGER NOT NULL,
    scenario VARCHAR NOT NULL,
    owner name NOT NULL,
    PRIMARY KEY (model_pk, scenario)
);
CREATE TABLE IF NOT EXISTS {audit_table} (
    seq BIGSERIAL PRIMARY KEY,
    who name NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    what VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    row_key JSONB NOT NULL,
    before JSONB,
    after JSONB,
    agency VARCHAR,
    confidential BOOLEAN NOT NULL DEFAULT false
);

-- The agency of the role asking (NULL for the owner and any role not an agency's).
CREATE OR REPLACE FUNCTION cutsim_agency() RETURNS VARCHAR
    LANGUAGE sql STABLE SET search_path = {schema}, pg_temp AS $$
    SELECT agency FROM {role_table} WHERE role_name = current_user
$$;

-- A service's agency and whether it is confidential, whoever asks (the owner's view).
CREATE OR REPLACE FUNCTION cutsim_service_owner(pk INTEGER, sid VARCHAR,
                                                OUT agency VARCHAR, OUT confidential BOOLEAN)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT s.agency, s.confidential FROM service s WHERE s.model_pk = pk AND s.id = sid
$$;

-- Every service a lever names (its "service" fields, at any depth: pool reinvestments).
CREATE OR REPLACE FUNCTION cutsim_lever_services(params JSON) RETURNS SETOF VARCHAR
    LANGUAGE sql IMMUTABLE AS $$
    SELECT v #>> '{{}}' FROM jsonb_path_query(params::jsonb, '$.**.service') AS v
    WHERE jsonb_typeof(v) = 'string'
$$;

-- The agency of a confidential service the lever names, if any (the owner's view).
CREATE OR REPLACE FUNCTION cutsim_lever_secret(pk INTEGER, params JSON) RETURNS VARCHAR
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT s.agency FROM service s
    WHERE s.model_pk = pk AND s.confidential AND s.id IN (SELECT cutsim_lever_services(params))
    ORDER BY s.agency LIMIT 1
$$;

-- Whether a lever is hidden from agency ``me`` (it names another's confidential service;
-- the owner, ``me`` NULL, sees every lever).
CREATE OR REPLACE FUNCTION cutsim_lever_hidden(pk INTEGER, params JSON, me VARCHAR)
    RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT me IS NOT NULL AND EXISTS (
        SELECT 1 FROM service s
        WHERE s.model_pk = pk AND s.confidential AND s.agency <> me
          AND s.id IN (SELECT cutsim_lever_services(params)))
$$;

-- Whose a row is, if not agency ``me``'s (who may then not change it); NULL if it is
-- ``me``'s to change. Read as the owner: another agency's confidential rows count too.
CREATE OR REPLACE FUNCTION cutsim_row_owner(tbl TEXT, r JSONB, me VARCHAR) RETURNS VARCHAR
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    other VARCHAR;
BEGIN
    IF tbl = 'agency' THEN
        other := r->>'id';
    ELSIF tbl = 'service' THEN
        other := r->>'agency';
    ELSIF tbl IN ('effect', 'demand') THEN
        other := (cutsim_service_owner((r->>'model_pk')::int, r->>'service')).agency;
    ELSIF tbl = 'lever' THEN
        SELECT s.agency INTO other FROM service s
        WHERE s.model_pk = (r->>'model_pk')::int AND s.agency <> me
          AND s.id IN (SELECT cutsim_lever_services((r->'params')::json)) LIMIT 1;
        IF other IS NULL AND (r->'params'->>'agency') IS NOT NULL
           AND r->'params'->>'agency' <> me THEN
            other := r->'params'->>'agency';
        END IF;
    ELSIF tbl = 'scenario' THEN
        SELECT o.owner INTO other FROM {owner_table} o
        WHERE o.model_pk = (r->>'model_pk')::int AND o.scenario = r->>'id';
        IF other = session_user THEN
            RETURN NULL;
        END IF;
        RETURN coalesce('the role ' || other, 'the partnership''s owner');
    END IF;
    IF other IS NULL OR other = me THEN
        RETURN NULL;
    END IF;
    RETURN other;
END $$;

-- Before a change by an agency's role: refuse, in words, a row that is not its own.
CREATE OR REPLACE FUNCTION cutsim_check_owner() RETURNS trigger
    LANGUAGE plpgsql SET search_path = {schema}, pg_temp AS $$
DECLARE
    me VARCHAR := cutsim_agency();
    other VARCHAR;
    r JSONB;
BEGIN
    IF me IS NULL THEN  -- the owner (or a role of no agency, which has no rights anyway)
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    FOREACH r IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY[to_jsonb(NEW)]
                                  WHEN 'DELETE' THEN ARRAY[to_jsonb(OLD)]
                                  ELSE ARRAY[to_jsonb(OLD), to_jsonb(NEW)] END LOOP
        IF TG_OP = 'INSERT' AND TG_TABLE_NAME = 'scenario' THEN
            CONTINUE;  -- anyone may add a scenario; it is theirs
        END IF;
        other := cutsim_row_owner(TG_TABLE_NAME, r, me);
        IF other IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('agency "%s" may change only its own rows: %s "%s" is %s''s',
                                 me, TG_TABLE_NAME, r->>'id', other);
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- A new scenario belongs to the role that added it.
CREATE OR REPLACE FUNCTION cutsim_own_scenario() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {owner_table} WHERE model_pk = OLD.model_pk AND scenario = OLD.id;
    ELSE
        INSERT INTO {owner_table} VALUES (NEW.model_pk, NEW.id, session_user)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

-- The audit trail: who (the login role), when, what, the row before and after.
CREATE OR REPLACE FUNCTION cutsim_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    old_row JSONB := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
    new_row JSONB := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
    r JSONB := coalesce(new_row, old_row);
    ag VARCHAR;
    secret BOOLEAN := false;
    link RECORD;
BEGIN
    IF TG_TABLE_NAME = 'agency' THEN
        ag := r->>'id';
    ELSIF TG_TABLE_NAME = 'service' THEN
        ag := r->>'agency';
        secret := coalesce((old_row->>'confidential')::boolean, false)
                  OR coalesce((new_row->>'confidential')::boolean, false);
    ELSIF TG_TABLE_NAME IN ('effect', 'demand') THEN
        link := cutsim_service_owner((r->>'model_pk')::int, r->>'service');
        ag := link.agency;
        secret := coalesce(link.confidential, false) OR (r->>'confidential')::boolean;
    ELSIF TG_TABLE_NAME = 'lever' THEN
        ag := cutsim_lever_secret((r->>'model_pk')::int, (r->'params')::json);
        secret := ag IS NOT NULL;
    END IF;
    INSERT INTO {audit_table} (who, what, table_name, row_key, before, after, agency, confidential)
    VALUES (session_user, TG_OP, TG_TABLE_NAME,
            jsonb_strip_nulls(jsonb_build_object('model_pk', r->'model_pk', 'pk', r->'pk',
                                                 'scenario', r->'scenario', 'id', r->'id')),
            old_row, new_row, ag, secret);
    RETURN NULL;
END $$;

-- How many rows the asking agency's role is not sent (0 for the owner).
CREATE OR REPLACE FUNCTION partnership_hidden(OUT services INTEGER, OUT links INTEGER,
                                              OUT levers INTEGER)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    me VARCHAR;
BEGIN
    SELECT agency INTO me FROM {role_table} WHERE role_name = session_user;
    services := 0; links := 0; levers := 0;
    IF me IS NULL THEN
        RETURN;
    END IF;
    SELECT count(*) INTO services FROM service WHERE confidential AND agency <> me;
    SELECT count(*) INTO links FROM (
        SELECT model_pk, service, confidential FROM effect
        UNION ALL SELECT model_pk, service, confidential FROM demand) l
        JOIN service s ON s.model_pk = l.model_pk AND s.id = l.service
        WHERE s.agency <> me AND (s.confidential OR l.confidential);
    SELECT count(*) INTO levers FROM lever WHERE cutsim_lever_hidden(model_pk, params, me);
END $$;

CREATE OR REPLACE FUNCTION cutsim_audit_is_final() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'the audit trail cannot be changed: entries are only ever added';
END $$;
"""


@dataclass(frozen=True)
class AgencyAccess:
    """One agency's role and the URI that connects as it (host and port as given)."""

    agency: str
    role: str
    uri: str


def role_name(database: str, agency: str) -> str:
    """The login role of ``agency`` in ``database``: ``<database>_<agency>``, lower case,
    letters, digits and ``_`` only, at most 63 characters."""
    base = re.sub(r"[^a-z0-9_]+", "_", f"{database}_{agency}".lower()).strip("_")
    return base[:_MAX_IDENTIFIER]


def agency_uri(url: str, role: str, password: str) -> str:
    """``url`` with its user and password replaced by ``role`` and ``password`` (the host,
    port, database and options kept)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def setup(where: str | Location, agencies: list[str]) -> list[AgencyAccess]:
    """Give each of ``agencies`` (ids of the workspace's agencies) a login role with a
    new password, and put the partnership's security and audit trail in place (once;
    running again adds agencies and issues new passwords). Run as the owner of the
    workspace's tables. Returns each agency's access, in the order given.

    Refused with :class:`InputError` (nothing changed) if the URL holds no workspace, an
    agency is not one of the model's, or an agency is named twice.
    """
    location = parse_location(where) if not isinstance(where, Location) else where
    if not location.is_server:
        raise InputError(f"{location}: a partnership needs a workspace on a PostgreSQL server "
                         "(postgresql://…); a workspace file has no roles")
    if not agencies:
        raise InputError("name at least one agency (--agency ID)")
    twice = sorted({a for a in agencies if agencies.count(a) > 1})
    if twice:
        raise InputError(f"--agency {', '.join(twice)}: named more than once")
    adapter = PostgresAdapter.open(location)  # refuses a database with no workspace
    shown = adapter.shown
    access: list[AgencyAccess] = []
    with server_errors(shown, "write"), connect(adapter.url) as conn:
        if schema_version(conn) is None:
            raise InputError(f"{shown}: this database holds no cutsim workspace")
        known = {r[0] for r in conn.execute("SELECT DISTINCT id FROM agency")}
        unknown = [a for a in agencies if a not in known]
        if unknown:
            raise InputError(f"--agency {', '.join(unknown)}: not an agency of the workspace's "
                             f"model (agencies: {', '.join(sorted(known)) or 'none'})")
        database = _scalar(conn, "SELECT current_database()")
        schema = _scalar(conn, "SELECT current_schema()")
        _install(conn, schema)
        for agency in agencies:
            role = role_name(database, agency)
            password = secrets.token_urlsafe(24)
            _grant_role(conn, role, password, database, schema)
            conn.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT (role_name) "
                                 "DO UPDATE SET agency = EXCLUDED.agency")
                         .format(sql.Identifier(ROLE_TABLE)), (role, agency))
            access.append(AgencyAccess(agency, role, agency_uri(adapter.url, role, password)))
    log.info("partnership set up in %s for %s", shown, ", ".join(agencies))
    return access


def hidden_counts(where: str | Location) -> tuple[int, int, int]:
    """(services, links, levers) of the server workspace at ``where`` that the connecting
    role is not sent (other agencies' confidential lines); (0, 0, 0) for the owner and for
    a workspace with no partnership set up."""
    location = parse_location(where) if not isinstance(where, Location) else where
    if not location.is_server or location.url is None:
        return (0, 0, 0)
    with server_errors(location.shown, "read"), connect(location.url) as conn:
        if _scalar(conn, "SELECT to_regproc('partnership_hidden')") is None:
            return (0, 0, 0)
        row = conn.execute("SELECT services, links, levers FROM partnership_hidden()").fetchone()
    if row is None:
        raise InputError(f"{location.shown}: the server answered no row for what it withholds")
    return (int(row[0]), int(row[1]), int(row[2]))


def _scalar(conn: Any, query: str) -> Any:
    """The first column of the one row ``query`` returns (every query here returns one)."""
    row = conn.execute(query).fetchone()
    if row is None:
        raise InputError(f"the server answered no row to {query!r}")
    return row[0]


def mark_partial(cutsim_file: CutsimFile, where: str | Location) -> CutsimFile:
    """The model as read from the server workspace at ``where``, marked as a redacted copy
    (``"redacted": true`` and a note in the place's notes, as
    :func:`cutsim.files.redact.redact` marks its copies) when the role that read it was
    not sent some of other agencies' confidential lines; unchanged otherwise."""
    services, links, levers = hidden_counts(where)
    if not (services or links or levers):
        return cutsim_file
    what = (f"Exported by a partner agency's role: {services} confidential service(s) of "
            f"other agencies, {links} link(s) and {levers} lever(s) naming them or marked "
            "confidential are not in this copy (the partnership's database did not send "
            "them); their spend is not in this file.")
    place = cutsim_file.model.place
    place = place.model_copy(update={"notes": f"{place.notes}\n\n{what}" if place.notes else what})
    return cutsim_file.model_copy(update={
        "model": cutsim_file.model.model_copy(update={"place": place}),
        "redacted": True, "signatures": None})


def _install(conn, schema: str) -> None:
    """The functions, tables, triggers and policies (idempotent), in the caller's
    transaction."""
    names = {"schema": sql.Identifier(schema).as_string(conn),
             "role_table": ROLE_TABLE, "owner_table": OWNER_TABLE, "audit_table": AUDIT_TABLE}
    conn.execute(_FUNCTIONS.format(**names))
    visible = {
        "agency": "true",
        "service": "NOT confidential OR agency = cutsim_agency()",
        # A link is seen with its service (the subquery is under service's own policy);
        # a confidential link only by its service's agency.
        "effect": ("EXISTS (SELECT 1 FROM service s WHERE s.model_pk = effect.model_pk "
                   "AND s.id = effect.service AND (NOT effect.confidential "
                   "OR s.agency = cutsim_agency()))"),
        "demand": ("EXISTS (SELECT 1 FROM service s WHERE s.model_pk = demand.model_pk "
                   "AND s.id = demand.service AND (NOT demand.confidential "
                   "OR s.agency = cutsim_agency()))"),
        "scenario": "true",
        "lever": "NOT cutsim_lever_hidden(model_pk, params, cutsim_agency())",
        "model": "true", "outcome": "true", "edit": "true", "run": "true", "decision": "true",
        "actual": ("kind <> 'spend' OR EXISTS (SELECT 1 FROM service s "
                   "WHERE s.model_pk = actual.model_pk AND s.id = actual.ref)"),
        "adoption": "true",
    }
    for table, condition in visible.items():
        conn.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        for policy in ("see", "add", "change", "remove"):
            conn.execute(f'DROP POLICY IF EXISTS cutsim_{policy} ON "{table}"')
        conn.execute(f'CREATE POLICY cutsim_see ON "{table}" FOR SELECT USING ({condition})')
        if table in _OWNED or table in _APPEND_ONLY:
            # Rows are checked one by one by cutsim_check_owner (in words); the policies
            # let a role write only what it may see.
            conn.execute(f'CREATE POLICY cutsim_add ON "{table}" FOR INSERT WITH CHECK (true)')
        if table in _OWNED:
            conn.execute(f'CREATE POLICY cutsim_change ON "{table}" FOR UPDATE '
                         f'USING ({condition}) WITH CHECK ({condition})')
            conn.execute(f'CREATE POLICY cutsim_remove ON "{table}" FOR DELETE USING ({condition})')
            conn.execute(f'CREATE OR REPLACE TRIGGER cutsim_check_owner BEFORE INSERT OR UPDATE '
                         f'OR DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION cutsim_check_owner()')
    for table in _AUDITED:
        conn.execute(f'CREATE OR REPLACE TRIGGER cutsim_audit AFTER INSERT OR UPDATE OR DELETE '
                     f'ON "{table}" FOR EACH ROW EXECUTE FUNCTION cutsim_audit()')
    conn.execute('CREATE OR REPLACE TRIGGER cutsim_own_scenario AFTER INSERT OR DELETE ON scenario '
                 'FOR EACH ROW EXECUTE FUNCTION cutsim_own_scenario()')
    conn.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE ROW LEVEL SECURITY")
    conn.execute(f"DROP POLICY IF EXISTS cutsim_see ON {AUDIT_TABLE}")
    conn.execute(f"CREATE POLICY cutsim_see ON {AUDIT_TABLE} FOR SELECT "
                 "USING (NOT confidential OR agency = cutsim_agency())")
    conn.execute(f"CREATE OR REPLACE TRIGGER cutsim_audit_is_final BEFORE UPDATE OR DELETE ON "
                 f"{AUDIT_TABLE} FOR EACH ROW EXECUTE FUNCTION cutsim_audit_is_final()")
    conn.execute(f"CREATE OR REPLACE TRIGGER cutsim_audit_no_truncate BEFORE TRUNCATE ON "
                 f"{AUDIT_TABLE} FOR EACH STATEMENT EXECUTE FUNCTION cutsim_audit_is_final()")


def _grant_role(conn, role: str, password: str, database: str, schema: str) -> None:
    """Create (or give a new password to) ``role`` and grant it exactly its rights."""
    ident = sql.Identifier(role)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                         "NOBYPASSRLS PASSWORD {}").format(ident, sql.Literal(password)))
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}")
                 .format(sql.Identifier(database), ident))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), ident))
    tables = [*_READ_ONLY, *_OWNED, *_APPEND_ONLY, ROLE_TABLE, OWNER_TABLE, AUDIT_TABLE]
    for table in tables:
        conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(table), ident))
    conn.execute(sql.SQL("GRANT UPDATE ON agency TO {}").format(ident))
    for table in _OWNED[1:]:
        conn.execute(sql.SQL("GRANT INSERT, UPDATE, DELETE ON {} TO {}")
                     .format(sql.Identifier(table), ident))
    for table in _APPEND_ONLY:
        conn.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(sql.Identifier(table), ident))
        conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}")
                     .format(sql.Identifier(f"{table}_seq_seq"), ident))
