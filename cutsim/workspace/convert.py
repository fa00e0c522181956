"""Domain objects ↔ workspace rows. The only place that knows both shapes."""

from __future__ import annotations

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


def model_row(cutsim_file: CutsimFile) -> ModelRow:
    provenance = cutsim_file.provenance or Provenance()
    return ModelRow(
        **cutsim_file.model.place.model_dump(),
        author=provenance.author,
        organisation=provenance.organisation,
        created=provenance.created,
        redacted=cutsim_file.redacted,
    )


def insert_batches(model_pk: int, cutsim_file: CutsimFile) -> list[tuple[Any, list[dict]]]:
    """(table, rows as column dicts) for every item, scenario and lever of a file, parents
    before children: inserted one batch per table (executemany), not row by row."""
    batches: list[tuple[Any, list[dict]]] = []
    for attribute, _, row_class in ITEM_KINDS:
        table = row_class.__table__
        columns = set(table.columns.keys())
        rows = []
        for position, item in enumerate(getattr(cutsim_file.model, attribute)):
            data = {k: v for k, v in item.model_dump().items() if k in columns}
            rows.append({**data, "model_pk": model_pk, "position": position})
        batches.append((table, rows))
    scenario_table, lever_table = ScenarioRow.__table__, LeverRow.__table__
    scenario_columns = set(scenario_table.columns.keys())
    scenarios, levers = [], []
    for position, scenario in enumerate(cutsim_file.scenarios):
        data = scenario.model_dump(mode="json", by_alias=True, exclude={"levers"})
        scenarios.append({**{k: v for k, v in data.items() if k in scenario_columns},
                          "model_pk": model_pk, "position": position})
        for lever_position, lever in enumerate(scenario.levers):
            levers.append({"model_pk": model_pk, "scenario": scenario.id, "id": lever.id,
                           "position": lever_position, "kind": lever.kind,
                           "params": lever.model_dump(mode="json", exclude_none=True)})
    batches += [(scenario_table, scenarios), (lever_table, levers)]
    return batches


def _fields(row, domain_class) -> dict:
    return {name: getattr(row, name) for name in domain_class.model_fields if hasattr(row, name)}


def to_file(model_row_: ModelRow, items: dict[str, list], scenarios: list[ScenarioRow],
            levers: list[LeverRow]) -> CutsimFile:
    """Rebuild the exchange-file objects from rows (each list already in position order)."""
    place = Place(**_fields(model_row_, Place))
    model = Model(
        place=place,
        **{attr: [cls(**_fields(r, cls)) for r in items[attr]] for attr, cls, _ in ITEM_KINDS},
    )
    by_scenario: dict[str, list] = {}
    for lever in levers:
        by_scenario.setdefault(lever.scenario, []).append(_LEVER.validate_python(lever.params))
    built = []
    for row in scenarios:
        data = _fields(row, Scenario)
        data["red_lines"] = [RedLine.model_validate(r) for r in row.red_lines or []]
        data["targets"] = [Target.model_validate(t) for t in row.targets or []]
        built.append(Scenario(**data, levers=by_scenario.get(row.id, [])))
    provenance = None
    if model_row_.author or model_row_.organisation or model_row_.created:
        provenance = Provenance(author=model_row_.author, organisation=model_row_.organisation,
                                created=model_row_.created)
    return CutsimFile(format="cutsim", format_version=1, model=model, scenarios=built,
                      provenance=provenance, redacted=model_row_.redacted)
