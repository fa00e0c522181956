"""Versioned migrations of the workspace schema, applied in order inside transactions.

``user_version`` is the schema version. A new workspace is built by the same chain an
old one is upgraded by (version 1's DDL, then every migration), so the two can never
drift; a test checks the result against the SQLModel tables in ``tables.py``.

To change the schema: add a function to ``MIGRATIONS`` (never edit an old one) and
update ``tables.py`` to match.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# "CUTS" in ASCII: lets cutsim (and `file`) tell its workspaces from other SQLite files.
APPLICATION_ID = 0x43555453

# Version 1, frozen exactly as first released.
V1_DDL = """
CREATE TABLE model (
    pk INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    base_year INTEGER NOT NULL,
    horizon_years INTEGER NOT NULL,
    steps_per_year INTEGER NOT NULL,
    discount_rate FLOAT NOT NULL,
    price_year INTEGER,
    population INTEGER,
    optimism_bias JSON,
    local_multiplier FLOAT,
    notes VARCHAR,
    author VARCHAR,
    organisation VARCHAR,
    created VARCHAR,
    redacted BOOLEAN,
    PRIMARY KEY (pk)
);

CREATE TABLE agency (
    model_pk INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    notes VARCHAR,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    savings_target JSON,
    PRIMARY KEY (model_pk, id),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);

CREATE TABLE outcome (
    model_pk INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    notes VARCHAR,
    name VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    baseline FLOAT NOT NULL,
    higher_is_better BOOLEAN NOT NULL,
    value_per_unit FLOAT,
    indicator VARCHAR,
    source VARCHAR,
    PRIMARY KEY (model_pk, id),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);

CREATE TABLE scenario (
    model_pk INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR,
    author VARCHAR,
    organisation VARCHAR,
    created VARCHAR,
    parent VARCHAR,
    red_lines JSON,
    targets JSON,
    PRIMARY KEY (model_pk, id),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);

CREATE TABLE lever (
    model_pk INTEGER NOT NULL,
    scenario VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    params JSON,
    PRIMARY KEY (model_pk, scenario, id),
    FOREIGN KEY(model_pk, scenario) REFERENCES scenario (model_pk, id) ON DELETE CASCADE
);

CREATE TABLE service (
    model_pk INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    notes VARCHAR,
    agency VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    baseline_spend FLOAT NOT NULL,
    unit_cost FLOAT NOT NULL,
    activity_unit VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    statutory_floor FLOAT NOT NULL,
    max_efficiency_percent FLOAT NOT NULL,
    external_share FLOAT,
    groups JSON,
    confidential BOOLEAN NOT NULL,
    source VARCHAR,
    PRIMARY KEY (model_pk, id),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE,
    FOREIGN KEY(model_pk, agency) REFERENCES agency (model_pk, id)
);

CREATE TABLE demand (
    model_pk INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    notes VARCHAR,
    outcome VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    per_unit FLOAT NOT NULL,
    low FLOAT NOT NULL,
    high FLOAT NOT NULL,
    confidence INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    PRIMARY KEY (model_pk, id),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE,
    FOREIGN KEY(model_pk, outcome) REFERENCES outcome (model_pk, id),
    FOREIGN KEY(model_pk, service) REFERENCES service (model_pk, id)
);

CREATE TABLE effect (
    model_pk INTEGER NOT NULL,
    id VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    notes VARCHAR,
    service VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL,
    per_unit FLOAT NOT NULL,
    low FLOAT NOT NULL,
    high FLOAT NOT NULL,
    delay_years FLOAT NOT NULL,
    delay_order INTEGER NOT NULL,
    confidence INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    PRIMARY KEY (model_pk, id),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE,
    FOREIGN KEY(model_pk, service) REFERENCES service (model_pk, id),
    FOREIGN KEY(model_pk, outcome) REFERENCES outcome (model_pk, id)
);
"""


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Version 2: illustrative/confidential flags; edit history, run and decision logs."""
    for table in ("service", "outcome", "effect", "demand"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN illustrative BOOLEAN NOT NULL DEFAULT 0")
    for table in ("effect", "demand"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN confidential BOOLEAN NOT NULL DEFAULT 0")
    run_script(
        conn,
        """
CREATE TABLE edit (
    seq INTEGER NOT NULL,
    model_pk INTEGER NOT NULL,
    at VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    detail JSON,
    PRIMARY KEY (seq),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);
CREATE TABLE run (
    seq INTEGER NOT NULL,
    model_pk INTEGER NOT NULL,
    scenario VARCHAR NOT NULL,
    at VARCHAR NOT NULL,
    draws INTEGER,
    seed INTEGER,
    tool_version VARCHAR NOT NULL,
    elapsed_ms FLOAT,
    summary JSON,
    PRIMARY KEY (seq),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);
CREATE TABLE decision (
    seq INTEGER NOT NULL,
    model_pk INTEGER NOT NULL,
    at VARCHAR NOT NULL,
    package VARCHAR NOT NULL,
    change VARCHAR NOT NULL,
    note VARCHAR,
    PRIMARY KEY (seq),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);
"""
    )


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated DDL inside the caller's transaction.

    (sqlite3's executescript would COMMIT first, breaking the one-transaction rule.)
    """
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Version 3: agency.savings_target as TEXT.

    A column declared JSON has NUMERIC affinity in SQLite, so a savings target stored as
    a bare JSON number was turned into a REAL by SQLite's own (not correctly rounded)
    text-to-number conversion and could come back a last digit off. TEXT affinity keeps
    the JSON text exactly as written. (Needs SQLite 3.35+ for DROP COLUMN.)
    """
    run_script(
        conn,
        """
ALTER TABLE agency ADD COLUMN savings_target_text TEXT;
UPDATE agency SET savings_target_text = CAST(savings_target AS TEXT) WHERE savings_target IS NOT NULL;
ALTER TABLE agency DROP COLUMN savings_target;
ALTER TABLE agency RENAME COLUMN savings_target_text TO savings_target;
""",
    )


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Version 4: an ``extra`` column (JSON text, TEXT affinity) on the model, item and
    scenario tables for the file format's fields that have no column of their own, so
    that every field of format version 2 and later round-trips without a migration each."""
    for table in ("model", "agency", "service", "outcome", "effect", "demand", "scenario"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN extra VARCHAR")


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    """Version 5: what happened (docs/actuals.md). ``actual`` holds a model's observed
    outcomes and spend outturn, one row per observation in the file's order; ``adoption``
    the decision taken and the actuals' own fields (one row per model, or none). Values
    are bound as IEEE doubles, so they come back exactly; ``extra`` is JSON text as on
    the other tables, for fields added later."""
    run_script(
        conn,
        """
CREATE TABLE actual (
    model_pk INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    ref VARCHAR NOT NULL,
    year VARCHAR NOT NULL,
    value FLOAT NOT NULL,
    source VARCHAR NOT NULL,
    area VARCHAR,
    date VARCHAR,
    notes VARCHAR,
    extra VARCHAR,
    PRIMARY KEY (model_pk, position),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);
CREATE TABLE adoption (
    model_pk INTEGER NOT NULL,
    scenario VARCHAR,
    date VARCHAR,
    decided_by VARCHAR,
    decision_notes VARCHAR,
    illustrative BOOLEAN NOT NULL,
    notes VARCHAR,
    extra VARCHAR,
    PRIMARY KEY (model_pk),
    FOREIGN KEY(model_pk) REFERENCES model (pk) ON DELETE CASCADE
);
""",
    )


# MIGRATIONS[i] takes a workspace from version i + 1 to version i + 2.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1_to_v2, _v2_to_v3, _v3_to_v4,
                                                          _v4_to_v5]
SCHEMA_VERSION = len(MIGRATIONS) + 1
