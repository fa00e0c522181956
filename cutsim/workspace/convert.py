"""Domain objects ↔ workspace rows. The only place that knows both shapes."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from cutsim.files.exchange import parse_json
from cutsim.model.errors import InputError
from cutsim.model.schema import (
    Agency,
    CutsimFile,
    Demand,
    Effect,
    Outcome,
    Place,
    Provenance,
    Scenario,
    Service,
)
from cutsim.workspace.tables import (
    ActualRow,
    AdoptionRow,
    AgencyRow,
    DemandRow,
    EffectRow,
    LeverRow,
    ModelRow,
    OutcomeRow,
    ScenarioRow,
    ServiceRow,
    table_of,
)

# (attribute of Model, domain class, row class)
ITEM_KINDS = (
    ("agencies", Agency, AgencyRow),
    ("services", Service, ServiceRow),
    ("outcomes", Outcome, OutcomeRow),
    ("effects", Effect, EffectRow),
    ("demands", Demand, DemandRow),
)
_ROW_KEYS = {"model_pk", "position"}


def _split(item, row_class, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Row keyword arguments: the fields with a column of their own, and ``extra`` (JSON
    text) holding every other field the item sets (left out when it sets none)."""
    data = item.model_dump() if data is None else data
    columns = row_class.model_fields
    kwargs = {k: v for k, v in data.items() if k in columns}
    rest = {k: v for k, v in item.model_dump(mode="json", by_alias=True, exclude_none=True).items()
            if k not in columns and k not in _NOT_EXTRA}
    kwargs["extra"] = json.dumps(rest, ensure_ascii=False, allow_nan=False) if rest else None
    return kwargs


_NOT_EXTRA = {"levers"}  # stored in rows of their own


def item_row(item, row_class, model_pk: int, position: int) -> dict[str, Any]:
    """Every column of one item's row (a model's agency, service, outcome or link)."""
    return {**_split(item, row_class), "model_pk": model_pk, "position": position}


def _join(row, domain_class) -> dict[str, Any]:
    """The domain fields of a row: its columns, then what its ``extra`` JSON holds."""
    data = _fields(row, domain_class)
    data.pop("extra", None)
    if getattr(row, "extra", None):
        # Read like a received file (bounded depth, size and numbers): a workspace is no
        # more trusted than a file.
        where = f"the extra column of {domain_class.__name__.lower()} {data.get('id', '')!r}"
        extra = parse_json(row.extra.encode("utf-8"), where)
        if not isinstance(extra, dict):
            raise InputError(f"{where} holds {type(extra).__name__}, not a JSON object")
        data.update(extra)
    return data


_MODEL_EXTRA = "__model__"  # model-level fields (e.g. areas) beside the place's, in model.extra
_MODEL_OWN = {"place", *(attribute for attribute, _, _ in ITEM_KINDS)}


def model_row(cutsim_file: CutsimFile) -> ModelRow:
    provenance = cutsim_file.provenance or Provenance()
    kwargs = _split(cutsim_file.model.place, ModelRow)
    model_level = {k: v for k, v in cutsim_file.model.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude=_MODEL_OWN).items()}
    if model_level:
        extra = json.loads(kwargs["extra"]) if kwargs["extra"] else {}
        extra[_MODEL_EXTRA] = model_level
        kwargs["extra"] = json.dumps(extra, ensure_ascii=False, allow_nan=False)
    return ModelRow(
        **kwargs,
        author=provenance.author,
        organisation=provenance.organisation,
        created=provenance.created,
        redacted=cutsim_file.redacted,
    )



def insert_batches(model_pk: int, cutsim_file: CutsimFile) -> list[tuple[Any, list[dict]]]:
    """(table, rows as column dicts) for every item, scenario and lever of a file, parents
    before children: inserted one batch per table (executemany), not row by row. Fields
    without a column of their own go into each row's ``extra`` JSON (:func:`_split`)."""
    batches: list[tuple[Any, list[dict]]] = []
    for attribute, _, row_class in ITEM_KINDS:
        rows = [item_row(item, row_class, model_pk, position)
                for position, item in enumerate(getattr(cutsim_file.model, attribute))]
        batches.append((table_of(row_class), rows))
    return batches + scenario_batches(model_pk, cutsim_file) + actuals_batches(model_pk, cutsim_file)


def scenario_batches(model_pk: int, cutsim_file: CutsimFile) -> list[tuple[Any, list[dict]]]:
    """(table, rows) for a file's scenarios, then for their levers."""
    scenarios, levers = [], []
    for position, scenario in enumerate(cutsim_file.scenarios):
        data = scenario.model_dump(mode="json", by_alias=True, exclude={"levers"})
        scenarios.append({**_split(scenario, ScenarioRow, data), "model_pk": model_pk,
                          "position": position})
        for lever_position, lever in enumerate(scenario.levers):
            levers.append({"model_pk": model_pk, "scenario": scenario.id, "id": lever.id,
                           "position": lever_position, "kind": lever.kind,
                           "params": lever.model_dump(mode="json", exclude_none=True)})
    return [(table_of(ScenarioRow), scenarios), (table_of(LeverRow), levers)]


_OBSERVATION_COLUMNS = {"kind", "year", "value", "source", "area", "date", "notes"}


def actuals_batches(model_pk: int, cutsim_file: CutsimFile) -> list[tuple[Any, list[dict]]]:
    """(table, rows) for a file's actuals (docs/actuals.md): its decision and own fields
    in ``adoption``, each observation in ``actual`` (``ref`` the outcome's or service's
    id); none when the file has no actuals."""
    actuals = cutsim_file.actuals
    if actuals is None:
        return []
    decision = actuals.decision
    rest = actuals.model_dump(mode="json", exclude_none=True,
                              exclude={"decision", "observations", "illustrative", "notes"})
    decision_rest = ({} if decision is None else
                     decision.model_dump(mode="json", exclude_none=True,
                                         exclude={"scenario", "date", "by", "notes"}))
    if decision_rest:
        rest["decision"] = decision_rest
    adoption = {"model_pk": model_pk, "scenario": decision.scenario if decision else None,
                "date": decision.date if decision else None,
                "decided_by": decision.by if decision else None,
                "decision_notes": decision.notes if decision else None,
                "illustrative": actuals.illustrative, "notes": actuals.notes,
                "extra": json.dumps(rest, ensure_ascii=False, allow_nan=False) if rest else None}
    # A decision always names its scenario, so a NULL scenario reads back as no decision.
    rows = []
    for position, obs in enumerate(actuals.observations):
        data = obs.model_dump(mode="json", exclude_none=True)
        other = {k: v for k, v in data.items() if k not in _OBSERVATION_COLUMNS and k != "id"}
        rows.append({"model_pk": model_pk, "position": position, "kind": obs.kind,
                     "ref": obs.id, "year": obs.year, "value": obs.value, "source": obs.source,
                     "area": obs.area, "date": obs.date, "notes": obs.notes,
                     "extra": json.dumps(other, ensure_ascii=False, allow_nan=False)
                     if other else None})
    return [(table_of(AdoptionRow), [adoption]), (table_of(ActualRow), rows)]


def actuals_data(adoption: Any, observations: list) -> dict[str, Any] | None:
    """The file's ``actuals`` as plain data from its rows (observations in position
    order), shaped as parsed JSON so it is checked as a received file is; None when the
    model has no ``adoption`` row."""
    if adoption is None:
        return None
    data: dict[str, Any] = {"illustrative": bool(adoption.illustrative)}
    if adoption.notes is not None:
        data["notes"] = adoption.notes
    extra = _extra_object(adoption.extra, "the extra column of adoption")
    decision_extra = extra.pop("decision", {})
    if adoption.scenario is not None:
        decision = {"scenario": adoption.scenario, "date": adoption.date,
                    "by": adoption.decided_by, "notes": adoption.decision_notes}
        data["decision"] = {**{k: v for k, v in decision.items() if v is not None},
                            **(decision_extra if isinstance(decision_extra, dict) else {})}
    data.update(extra)
    built = []
    for row in observations:
        item = {"kind": row.kind, "id": row.ref, "year": row.year, "value": row.value,
                "source": row.source}
        for name in ("area", "date", "notes"):
            if getattr(row, name) is not None:
                item[name] = getattr(row, name)
        item.update(_extra_object(row.extra, f"the extra column of actual {row.position}"))
        built.append(item)
    data["observations"] = built
    return data


def _extra_object(text: str | None, where: str) -> dict[str, Any]:
    """An ``extra`` column's JSON object (read like a received file), {} when empty."""
    if not text:
        return {}
    extra = parse_json(text.encode("utf-8"), where)
    if not isinstance(extra, dict):
        raise InputError(f"{where} holds {type(extra).__name__}, not a JSON object")
    return extra


def _fields(row, domain_class) -> dict:
    mapping = getattr(row, "_mapping", None)
    if mapping is not None:  # a plain result row: its column names, known without asking
        return {name: mapping[name] for name in _shared_names(row._fields, domain_class)}
    return {name: getattr(row, name) for name in domain_class.model_fields if hasattr(row, name)}


@lru_cache(maxsize=64)
def _shared_names(columns: tuple[str, ...], domain_class: type[BaseModel]) -> tuple[str, ...]:
    """The domain fields that are columns of a result (asking a row for a missing one
    raises inside the database library: that was a third of opening a large workspace)."""
    return tuple(name for name in domain_class.model_fields if name in columns)


def file_data(model_row_: ModelRow, items: dict[str, list], scenarios: list[ScenarioRow],
              levers: list[LeverRow], adoption: Any = None,
              observations: list | None = None) -> dict[str, Any]:
    """The exchange file's plain data from rows (each list already in position order),
    shaped as a received file's parsed JSON, so that it is checked the same way."""
    place_data = _join(model_row_, Place)
    model_level = place_data.pop(_MODEL_EXTRA, {})
    by_scenario: dict[str, list] = {}
    for lever in levers:
        by_scenario.setdefault(lever.scenario, []).append(lever.params)
    built = []
    for row in scenarios:
        data = _join(row, Scenario)
        data["red_lines"] = list(row.red_lines or [])
        data["targets"] = list(row.targets or [])
        data["levers"] = by_scenario.get(row.id, [])
        built.append(data)
    provenance = None
    if model_row_.author or model_row_.organisation or model_row_.created:
        provenance = {"author": model_row_.author, "organisation": model_row_.organisation,
                      "created": model_row_.created}
    model = {**model_level, "place": place_data,
             **{attr: [_join(r, cls) for r in items[attr]] for attr, cls, _ in ITEM_KINDS}}
    document = {"format": "cutsim", "format_version": 1, "model": model, "scenarios": built,
                "provenance": provenance, "redacted": model_row_.redacted}
    actuals = actuals_data(adoption, observations or [])
    if actuals is not None:
        document["actuals"] = actuals
    return document

