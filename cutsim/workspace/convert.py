"""Domain objects ↔ workspace rows. The only place that knows both shapes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from cutsim.model.schema import (
    Agency,
    CutsimFile,
    Demand,
    Effect,
    Lever,
    Model,
    Outcome,
    Place,
    Provenance,
    RedLine,
    Scenario,
    Service,
    Target,
)
from cutsim.workspace.tables import (
    AgencyRow,
    DemandRow,
    EffectRow,
    LeverRow,
    ModelRow,
    OutcomeRow,
    ScenarioRow,
    ServiceRow,
)

# (attribute of Model, domain class, row class)
ITEM_KINDS = (
    ("agencies", Agency, AgencyRow),
    ("services", Service, ServiceRow),
    ("outcomes", Outcome, OutcomeRow),
    ("effects", Effect, EffectRow),
    ("demands", Demand, DemandRow),
)
_LEVER = TypeAdapter(Lever)
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


def _join(row, domain_class) -> dict[str, Any]:
    """The domain fields of a row: its columns, then what its ``extra`` JSON holds."""
    data = _fields(row, domain_class)
    data.pop("extra", None)
    if getattr(row, "extra", None):
        data.update(json.loads(row.extra))
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
        rows = [{**_split(item, row_class), "model_pk": model_pk, "position": position}
                for position, item in enumerate(getattr(cutsim_file.model, attribute))]
        batches.append((row_class.__table__, rows))
    scenarios, levers = [], []
    for position, scenario in enumerate(cutsim_file.scenarios):
        data = scenario.model_dump(mode="json", by_alias=True, exclude={"levers"})
        scenarios.append({**_split(scenario, ScenarioRow, data), "model_pk": model_pk,
                          "position": position})
        for lever_position, lever in enumerate(scenario.levers):
            levers.append({"model_pk": model_pk, "scenario": scenario.id, "id": lever.id,
                           "position": lever_position, "kind": lever.kind,
                           "params": lever.model_dump(mode="json", exclude_none=True)})
    batches += [(ScenarioRow.__table__, scenarios), (LeverRow.__table__, levers)]
    return batches


def _fields(row, domain_class) -> dict:
    return {name: getattr(row, name) for name in domain_class.model_fields if hasattr(row, name)}


def to_file(model_row_: ModelRow, items: dict[str, list], scenarios: list[ScenarioRow],
            levers: list[LeverRow]) -> CutsimFile:
    """Rebuild the exchange-file objects from rows (each list already in position order)."""
    place_data = _join(model_row_, Place)
    model_level = place_data.pop(_MODEL_EXTRA, {})
    place = Place.model_validate(place_data)
    model = Model.model_validate({
        **model_level,
        "place": place,
        **{attr: [cls.model_validate(_join(r, cls)) for r in items[attr]]
           for attr, cls, _ in ITEM_KINDS},
    })
    by_scenario: dict[str, list] = {}
    for lever in levers:
        by_scenario.setdefault(lever.scenario, []).append(_LEVER.validate_python(lever.params))
    built = []
    for row in scenarios:
        data = _join(row, Scenario)
        data["red_lines"] = [RedLine.model_validate(r) for r in row.red_lines or []]
        data["targets"] = [Target.model_validate(t) for t in row.targets or []]
        built.append(Scenario.model_validate({**data, "levers": by_scenario.get(row.id, [])}))
    provenance = None
    if model_row_.author or model_row_.organisation or model_row_.created:
        provenance = Provenance(author=model_row_.author, organisation=model_row_.organisation,
                                created=model_row_.created)
    return CutsimFile(format="cutsim", format_version=1, model=model, scenarios=built,
                      provenance=provenance, redacted=model_row_.redacted)
