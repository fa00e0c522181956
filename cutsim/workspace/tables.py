"""SQLModel tables of the workspace (schema version 5; DDL history in migrations.py).

One row per domain object, keyed by (model_pk, id) so that a workspace can hold several
models. ``position`` keeps the order people gave items in a file, so a round trip
through the workspace gives back the same file. Fields that are lists or small
mappings in the domain (groups, red lines, lever parameters) are JSON columns: they are
read and written only as a whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Table
from sqlmodel import Field, SQLModel


def table_of(row_class: type[SQLModel]) -> Table:
    """The table a row class maps to. Every row class here is declared with ``table=True``,
    which gives it ``__table__``; SQLModel's type information does not declare it."""
    table: Table = row_class.__table__  # type: ignore[attr-defined]
    return table


class ModelRow(SQLModel, table=True):
    __tablename__ = "model"

    pk: int | None = Field(default=None, primary_key=True)
    name: str
    base_year: int
    horizon_years: int
    steps_per_year: int
    discount_rate: float
    price_year: int | None = None
    population: int | None = None
    optimism_bias: dict[str, float] | None = Field(default=None, sa_column=Column(JSON))
    local_multiplier: float | None = None
    notes: str | None = None
    # provenance of the file the model came from
    author: str | None = None
    organisation: str | None = None
    created: str | None = None
    redacted: bool | None = None
    # The place's fields newer than this table's columns, as JSON text (see _Item.extra).
    extra: str | None = None


class _Item(SQLModel):
    """Columns every model item has."""

    model_pk: int = Field(primary_key=True)
    id: str = Field(primary_key=True)
    position: int
    notes: str | None = None
    # Fields of the file format that have no column of their own (those added in format
    # version 2 and later): JSON text of TEXT affinity, exact for every number. A new
    # optional field is stored here with no migration (convert.py splits and joins).
    extra: str | None = None


class AgencyRow(_Item, table=True):
    __tablename__ = "agency"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    name: str
    kind: str
    # Stored as JSON text in a column of TEXT affinity (migrations._v2_to_v3): with JSON's
    # NUMERIC affinity SQLite would turn a bare number into an inexactly converted REAL.
    savings_target: Any = Field(default=None, sa_column=Column(JSON))


class ServiceRow(_Item, table=True):
    __tablename__ = "service"
    __table_args__ = (
        ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),
        ForeignKeyConstraint(["model_pk", "agency"], ["agency.model_pk", "agency.id"]),
    )

    agency: str
    name: str
    baseline_spend: float
    unit_cost: float
    activity_unit: str
    mode: str
    statutory_floor: float
    max_efficiency_percent: float
    external_share: float | None = None
    groups: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    confidential: bool = False
    illustrative: bool = False
    source: str | None = None


class OutcomeRow(_Item, table=True):
    __tablename__ = "outcome"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    name: str
    unit: str
    baseline: float
    higher_is_better: bool
    value_per_unit: float | None = None
    indicator: str | None = None
    illustrative: bool = False
    source: str | None = None


class EffectRow(_Item, table=True):
    __tablename__ = "effect"
    __table_args__ = (
        ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),
        ForeignKeyConstraint(["model_pk", "service"], ["service.model_pk", "service.id"]),
        ForeignKeyConstraint(["model_pk", "outcome"], ["outcome.model_pk", "outcome.id"]),
    )

    service: str
    outcome: str
    per_unit: float
    low: float
    high: float
    delay_years: float
    delay_order: int
    confidence: int
    source: str
    confidential: bool = False
    illustrative: bool = False


class DemandRow(_Item, table=True):
    __tablename__ = "demand"
    __table_args__ = (
        ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),
        ForeignKeyConstraint(["model_pk", "outcome"], ["outcome.model_pk", "outcome.id"]),
        ForeignKeyConstraint(["model_pk", "service"], ["service.model_pk", "service.id"]),
    )

    outcome: str
    service: str
    per_unit: float
    low: float
    high: float
    confidence: int
    source: str
    confidential: bool = False
    illustrative: bool = False


class ScenarioRow(SQLModel, table=True):
    __tablename__ = "scenario"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    model_pk: int = Field(primary_key=True)
    id: str = Field(primary_key=True)
    position: int
    name: str
    description: str | None = None
    author: str | None = None
    organisation: str | None = None
    created: str | None = None
    parent: str | None = None
    red_lines: list[dict] = Field(default_factory=list, sa_column=Column(JSON))
    targets: list[dict] = Field(default_factory=list, sa_column=Column(JSON))
    # The scenario's fields newer than this table's columns, as JSON text (see _Item.extra).
    extra: str | None = None


class LeverRow(SQLModel, table=True):
    """One lever; its parameters (which differ by kind) as the lever's JSON object."""

    __tablename__ = "lever"
    __table_args__ = (
        ForeignKeyConstraint(["model_pk", "scenario"], ["scenario.model_pk", "scenario.id"],
                             ondelete="CASCADE"),
    )

    model_pk: int = Field(primary_key=True)
    scenario: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    position: int
    kind: str
    params: dict = Field(sa_column=Column(JSON))


class EditRow(SQLModel, table=True):
    """Edit history: what was changed, when, as the command's description and data."""

    __tablename__ = "edit"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    seq: int | None = Field(default=None, primary_key=True)
    model_pk: int
    at: str
    action: str
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON))


class RunRow(SQLModel, table=True):
    """Run metadata: which scenario ran, with what draws and seed, how long it took (kept in
    the schema of version 1 workspaces; nothing writes it at present)."""

    __tablename__ = "run"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    seq: int | None = Field(default=None, primary_key=True)
    model_pk: int
    scenario: str
    at: str
    draws: int | None = None
    seed: int | None = None
    tool_version: str
    elapsed_ms: float | None = None
    summary: dict = Field(default_factory=dict, sa_column=Column(JSON))


class DecisionRow(SQLModel, table=True):
    """Workshop decision log: each change made in a meeting, with an optional note."""

    __tablename__ = "decision"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    seq: int | None = Field(default=None, primary_key=True)
    model_pk: int
    at: str
    package: str
    change: str
    note: str | None = None


class ActualRow(SQLModel, table=True):
    """One observed outcome or spend outturn of a model (docs/actuals.md), in file order."""

    __tablename__ = "actual"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    model_pk: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    kind: str
    ref: str  # the outcome's or service's id
    year: str
    value: float
    source: str
    area: str | None = None
    date: str | None = None
    notes: str | None = None
    extra: str | None = None


class AdoptionRow(SQLModel, table=True):
    """The decision taken and the actuals' own fields: one row per model with actuals."""

    __tablename__ = "adoption"
    __table_args__ = (ForeignKeyConstraint(["model_pk"], ["model.pk"], ondelete="CASCADE"),)

    model_pk: int = Field(primary_key=True)
    scenario: str | None = None
    date: str | None = None
    decided_by: str | None = None
    decision_notes: str | None = None
    illustrative: bool = False
    notes: str | None = None
    extra: str | None = None


ITEM_TABLES = (AgencyRow, ServiceRow, OutcomeRow, EffectRow, DemandRow)
