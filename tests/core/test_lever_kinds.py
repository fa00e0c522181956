"""The lever-kind registry: one module declares a kind, and every part of cutsim takes it.

The toy kind ``trim`` (tests/core/fixtures/toy_lever_kind/trim.py) is written as a new
kind would be, in one module and nothing else. It is found in the kinds' package (a
subprocess whose package path includes the fixture folder, as if the module were in
cutsim/levers/kinds/), and registered in process for the rest: validated, run, written,
read, diffed, redacted, laid out in the workbook, drawn in Monte Carlo and described.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.small_model import EXAMPLE, REPO

import cutsim
from cutsim.files import exchange
from cutsim.files.diff import diff_files, format_changes
from cutsim.files.redact import redact
from cutsim.files.workbook import read_workbook, write_workbook
from cutsim.files.workbook_layout import LEVERS
from cutsim.model import lever_kinds
from cutsim.model.errors import InputError
from cutsim.model.schema import Scenario
from cutsim.model.validation import validate_file
from cutsim.workshop.packages import describe_lever

TOY_DIR = Path(__file__).parent / "fixtures" / "toy_lever_kind"
BUILT_IN = ["cut", "invest", "pool", "procure", "council_tax", "income"]


def _toy_module():
    spec = importlib.util.spec_from_file_location("toy_trim_kind", TOY_DIR / "trim.py")
    module = sys.modules.get(spec.name)
    if module is None:  # pydantic resolves the schema's names through sys.modules
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


@pytest.fixture
def trim():
    """The toy kind, registered for one test."""
    module = _toy_module()
    with lever_kinds.registered(module.KIND):
        yield module


def _with_trim(doc: dict, percent: float = 10.0, **extra) -> dict:
    service = doc["model"]["services"][0]["id"]
    doc["scenarios"].append({"id": "trim-it", "name": "Trim it", "levers": [
        {"kind": "trim", "id": "trim-1", "service": service, "percent": percent, **extra}]})
    return doc


def _example_doc() -> dict:
    """The example place as plain JSON, free to edit (its integrity hash left out)."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.pop("sha256", None)
    doc.pop("signatures", None)
    return doc


def test_the_built_in_kinds_are_registered_in_their_documented_order():
    assert list(lever_kinds.kind_names()) == BUILT_IN
    for kind in lever_kinds.all_kinds():
        assert kind.schema.model_fields["kind"].annotation.__args__ == (kind.name,)
        assert kind.words and kind.who_pays and kind.title


def test_an_unknown_kind_is_an_error_everywhere(small_doc):
    small_doc["scenarios"].append({"id": "x", "name": "X", "levers": [
        {"kind": "trim", "id": "t", "service": small_doc["model"]["services"][0]["id"], "percent": 5}]})
    with pytest.raises(InputError, match=r"kind must be one of 'cut', 'invest', 'pool', 'procure'"):
        exchange.load_document(small_doc)
    with pytest.raises(lever_kinds.UnknownLeverKind, match="unknown lever kind 'trim'"):
        lever_kinds.get("trim")
    with pytest.raises(lever_kinds.UnknownLeverKind):
        lever_kinds.of({"kind": "trim"})


def test_a_new_kind_in_the_kinds_package_is_found_with_no_other_file_changed(tmp_path):
    """The toy module on the kinds' package path (as if it were in cutsim/levers/kinds/):
    a file using it is read, validated, run and described in a fresh process."""
    path = tmp_path / "trim.cutsim"
    path.write_text(json.dumps(_with_trim(_example_doc())), encoding="utf-8")
    code = (
        "import sys, json; import cutsim.levers.kinds as k; k.__path__.append(sys.argv[1]);"
        "import cutsim; from cutsim.model import lever_kinds;"
        "from cutsim.workshop.packages import describe_lever;"
        "p = cutsim.load(sys.argv[2]); r = p.run('trim-it');"
        "lever = p.file.scenario('trim-it').levers[0];"
        "print(json.dumps({'kinds': lever_kinds.kind_names(), 'type': type(lever).__name__,"
        " 'said': describe_lever(lever, p.file.model),"
        " 'saving': float(r.agency_annual['planned_saving'].sum())}))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(TOY_DIR), str(path)], cwd=REPO,
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["kinds"] == [*BUILT_IN, "trim"]
    assert seen["type"] == "TrimLever"
    assert seen["said"].startswith("trim ") and seen["said"].endswith("by 10 %")
    assert seen["saving"] > 0


def test_a_registered_kind_is_validated_with_its_own_rules(trim):
    doc = _with_trim(_example_doc(), percent=80.0)
    with pytest.raises(InputError, match=r'levers\[0\] "trim-1": percent must be between 0 and 50'):
        exchange.load_document(doc)
    doc = _with_trim(_example_doc(), percent=10.0)
    doc["scenarios"][-1]["levers"][0]["service"] = "nowhere"
    with pytest.raises(InputError, match='service refers to service "nowhere"'):
        exchange.load_document(doc)


def test_a_registered_kind_runs_through_the_engine(trim, tmp_path):
    doc = _with_trim(_example_doc(), percent=10.0)
    cutsim_file = exchange.load_document(doc)
    assert validate_file(cutsim_file) == []
    path = tmp_path / "trim.cutsim"
    exchange.write_file(path, cutsim_file)
    project = cutsim.load(path)
    result = project.run("trim-it")
    service = cutsim_file.model.services[0]
    agency = service.agency
    # A 10 % trim of unit cost with activity kept saves 10 % of the service's spend once
    # in full (year 1 onwards with no phasing), before any knock-on.
    planned = result.agency_annual["planned_saving"]
    first_agency_row = [a.id for a in cutsim_file.model.agencies].index(agency)
    assert planned[first_agency_row, -1] == pytest.approx(0.10 * service.baseline_spend, rel=1e-9)
    twice = exchange.load_document(_with_trim(_example_doc(), percent=20.0))
    path2 = tmp_path / "trim2.cutsim"
    exchange.write_file(path2, twice)
    more = cutsim.load(path2).run("trim-it").agency_annual["planned_saving"]
    np.testing.assert_allclose(more[first_agency_row, -1], 2 * planned[first_agency_row, -1], rtol=1e-9)


def test_a_registered_kind_is_written_read_and_diffed(trim, tmp_path):
    before = exchange.load_document(_with_trim(_example_doc(), percent=10.0))
    path = tmp_path / "a.cutsim"
    exchange.write_file(path, before)
    again = exchange.read_file(path)
    assert again.scenario("trim-it").levers[0] == before.scenario("trim-it").levers[0]
    after = exchange.load_document(_with_trim(_example_doc(), percent=12.5))
    changes = diff_files(before, after)
    text = format_changes(changes)
    assert "trim" in text and "percent" in text and "12.5" in text


def test_a_registered_kind_has_workbook_columns_and_round_trips(trim, tmp_path):
    fields = [c.field for c in LEVERS.columns]
    assert "percent" in fields and "trim" in LEVERS.column("kind").choices
    assert "trim" in LEVERS.column("percent").unit  # the kinds that use it are named
    before = exchange.load_document(_with_trim(_example_doc(), percent=10.0,
                                               percent_low=5.0, percent_high=15.0))
    book = tmp_path / "model.xlsx"
    write_workbook(book, before)
    back = read_workbook(book)
    assert back.scenario("trim-it").levers == before.scenario("trim-it").levers


def test_a_registered_kind_is_redacted_with_its_confidential_service(trim):
    doc = _with_trim(_example_doc(), percent=10.0)
    target = doc["scenarios"][-1]["levers"][0]["service"]
    for service in doc["model"]["services"]:
        if service["id"] == target:
            service["confidential"] = True
    shown = redact(exchange.load_document(doc))
    assert shown.scenario("trim-it").levers == []


def test_a_registered_kinds_ranges_are_drawn_in_monte_carlo(trim, tmp_path):
    doc = _with_trim(_example_doc(), percent=10.0, percent_low=5.0, percent_high=15.0)
    path = tmp_path / "trim.cutsim"
    exchange.write_file(path, exchange.load_document(doc))
    result = cutsim.load(path).run("trim-it", draws=300, seed=3)
    bands = result.uncertainty
    assert bands is not None
    from cutsim.appraise.uncertain import uncertainty_space

    project = cutsim.load(path)
    space = uncertainty_space(project.file.model, [project.file.scenario("trim-it")])
    assert "scenarios[trim-it].levers[trim-1].percent" in [i.name for i in space.inputs]


def test_a_registered_kind_is_described_in_words(trim):
    cutsim_file = exchange.load_document(_with_trim(_example_doc(), percent=10.0))
    lever = cutsim_file.scenario("trim-it").levers[0]
    service = cutsim_file.model.service(lever.service)
    assert describe_lever(lever, cutsim_file.model) == f"trim {service.name} by 10 %"
    from cutsim.model import wording

    assert wording.lever_summary(["trim"]) == "a trim to a service's unit cost"


def test_the_scenario_schema_follows_the_registry(trim):
    schema = Scenario.model_json_schema()
    mapping = schema["properties"]["levers"]["items"]["discriminator"]["mapping"]
    assert set(mapping) == {*BUILT_IN, "trim"}


def test_removing_a_kind_restores_the_schema():
    module = _toy_module()
    with lever_kinds.registered(module.KIND):
        pass
    mapping = Scenario.model_json_schema()["properties"]["levers"]["items"]["discriminator"]["mapping"]
    assert set(mapping) == set(BUILT_IN)


def test_the_file_formats_table_of_kinds_is_the_registrys():
    from cutsim.files import file_schema

    text = (REPO / "docs" / "file-format.md").read_text(encoding="utf-8")
    assert file_schema.with_lever_table(text) == text, \
        "run: python -m cutsim.files.file_schema --docs docs/file-format.md"


def test_a_registered_kind_gets_its_row_in_the_file_formats_table(trim):
    from cutsim.files import file_schema

    assert "| `trim` | `service`; `percent` (of unit cost, 0–50)" in file_schema.lever_kinds_table()
    assert "| `cut`, `invest` |" in file_schema.lever_kinds_table()
