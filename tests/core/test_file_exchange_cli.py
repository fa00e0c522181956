"""diff, merge, import and redacted export, through the command line and the API."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
from support.small_model import SMALL_DOC

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.model.errors import InputError
from cutsim.workspace import Workspace
from cutsim.workspace.importer import ClashError


def _write(path: Path, doc: dict) -> Path:
    exchange.write_file(path, exchange.load_document(copy.deepcopy(doc)))
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def base() -> dict:
    return copy.deepcopy(SMALL_DOC)


def test_diff_reads_like_a_finance_officer_would_say_it(tmp_path: Path, base: dict,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    a = _write(tmp_path / "a.cutsim", base)
    base["scenarios"][0]["levers"][0]["percent"] = 15
    base["model"]["services"][0]["baseline_spend"] = 900_000
    b = _write(tmp_path / "b.cutsim", base)
    assert main(["diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert 'scenario "youth-cut": lever l1 (cut youth): percent 20 → 15' in out
    assert 'service "youth": baseline_spend 1,000,000 → 900,000' in out
    assert main(["diff", str(a), str(b), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["count"] == 2
    assert {"kind": "lever", "id": "l1", "scenario": "youth-cut", "field": "percent", "old": 20.0,
            "new": 15.0}.items() <= report["changes"][1].items()
    assert main(["diff", str(a), str(a)]) == 0
    assert "no differences" in capsys.readouterr().out


def test_merge_takes_both_sides_changes(tmp_path: Path, base: dict) -> None:
    b = _write(tmp_path / "base.cutsim", base)
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["scenarios"][0]["levers"][0]["percent"] = 15
    theirs["model"]["services"][1]["unit_cost"] = 120
    theirs["scenarios"][0]["levers"].append({"id": "l2", "kind": "invest", "service": "youth", "amount": 1000})
    o, t = _write(tmp_path / "ours.cutsim", ours), _write(tmp_path / "theirs.cutsim", theirs)
    out = tmp_path / "merged.cutsim"
    assert main(["merge", str(b), str(o), str(t), "-o", str(out)]) == 0
    merged = exchange.read_file(out)
    assert merged.scenario("youth-cut").levers[0].percent == 15
    assert [lever.id for lever in merged.scenario("youth-cut").levers] == ["l1", "l2"]
    assert merged.model.service("ae").unit_cost == 120


def test_merge_conflicts_are_listed_exit_3_and_nothing_is_written(tmp_path: Path, base: dict,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    b = _write(tmp_path / "base.cutsim", base)
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["scenarios"][0]["levers"][0]["percent"] = 15
    theirs["scenarios"][0]["levers"][0]["percent"] = 25
    del ours["model"]["outcomes"][0]["value_per_unit"]  # removed on one side: the other kept it
    theirs["model"]["demands"].clear()
    ours["model"]["demands"][0]["per_unit"] = 0.12  # changed on one side, removed on the other
    o, t = _write(tmp_path / "ours.cutsim", ours), _write(tmp_path / "theirs.cutsim", theirs)
    out = tmp_path / "merged.cutsim"
    assert main(["merge", str(b), str(o), str(t), "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert ('scenario "youth-cut": lever l1 (cut youth): percent: changed differently on both sides: '
            "base 20, ours 15, theirs 25") in err
    assert 'demand "d1": removed by theirs but changed by ours (per_unit 0.1 → 0.12)' in err
    assert not out.exists()


def test_a_merge_that_would_be_invalid_is_a_conflict(tmp_path: Path, base: dict) -> None:
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    ours["scenarios"][0]["levers"].append({"id": "l2", "kind": "cut", "service": "ae", "percent": 5})
    theirs["model"]["demands"].clear()
    theirs["model"]["services"].pop(1)
    paths = [_write(tmp_path / f"{n}.cutsim", d) for n, d in (("b", base), ("o", ours), ("t", theirs))]
    assert main(["merge", *map(str, paths), "-o", str(tmp_path / "m.cutsim")]) == 3


@pytest.fixture
def workspace(tmp_path: Path, base: dict) -> Path:
    path = tmp_path / "ws.sqlite"
    Workspace.create(path, exchange.load_document(copy.deepcopy(base))).close()
    return path


def _received(base: dict) -> dict:
    doc = copy.deepcopy(base)
    doc["model"]["services"][0]["unit_cost"] = 900  # clashes with the workspace's youth
    doc["model"]["services"].append({"id": "mentoring", "agency": "council", "name": "Mentoring",
                                     "baseline_spend": 200000, "unit_cost": 500,
                                     "activity_unit": "young person", "mode": "discretionary"})
    doc["scenarios"].append({"id": "nhs-plan", "name": "NHS plan", "levers": [
        {"id": "m1", "kind": "cut", "service": "mentoring", "percent": 50}]})
    return doc


def test_import_stops_on_a_clash_and_lists_it_field_by_field(tmp_path: Path, workspace: Path, base: dict,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    received = _write(tmp_path / "in.cutsim", _received(base))
    before = _sha(workspace)
    assert main(["import", str(workspace), str(received)]) == 3
    err = capsys.readouterr().err
    assert 'service "youth" (workspace → file): unit_cost 1000 → 900' in err and "--keep ID" in err
    assert _sha(workspace) == before


@pytest.mark.parametrize("choice, unit_cost, services", [
    ("keep", 1000, ["youth", "ae", "mentoring"]),
    ("replace", 900, ["youth", "ae", "mentoring"]),
])
def test_import_keep_or_replace(tmp_path: Path, workspace: Path, base: dict, choice: str,
                                unit_cost: float, services: list[str]) -> None:
    received = _write(tmp_path / "in.cutsim", _received(base))
    assert main(["import", str(workspace), str(received), f"--{choice}", "youth"]) == 0
    with Workspace.open(workspace) as ws:
        model = ws.load()
    assert model.model.service("youth").unit_cost == unit_cost
    assert [s.id for s in model.model.services] == services
    assert [s.id for s in model.scenarios] == ["youth-cut", "nhs-plan"]


def test_import_rename_adds_the_files_item_and_its_references_follow(workspace: Path, base: dict) -> None:
    incoming = exchange.load_document(_received(base))
    with Workspace.open(workspace) as ws:
        with pytest.raises(ClashError) as caught:
            ws.import_file(incoming, {("service", "youth"): "rename"})
        # renaming the file's youth makes its e1 and youth-cut point at youth-2: clashes too
        assert {c.key for c in caught.value.clashes} == {("effect", "e1"), ("scenario", "youth-cut")}
        report = ws.import_file(incoming, {("service", "youth"): "rename", ("effect", "e1"): "rename",
                                           ("scenario", "youth-cut"): "keep"})
        model = ws.load()
    assert report.renamed == {("service", "youth"): "youth-2", ("effect", "e1"): "e1-2"}
    assert model.model.service("youth-2").unit_cost == 900
    assert {(e.id, e.service) for e in model.model.effects} == {("e1", "youth"), ("e1-2", "youth-2")}
    assert model.scenario("youth-cut").levers[0].service == "youth"


def test_import_of_the_same_file_again_changes_nothing(tmp_path: Path, workspace: Path, base: dict) -> None:
    received = _write(tmp_path / "same.cutsim", base)
    before = _sha(workspace)
    assert main(["import", str(workspace), str(received)]) == 0
    assert _sha(workspace) == before


def test_an_import_that_would_leave_the_model_invalid_changes_nothing(workspace: Path, base: dict) -> None:
    doc = copy.deepcopy(base)
    doc["model"]["services"][1]["mode"] = "discretionary"  # but d1 (kept) demands of it
    doc["model"]["demands"].clear()
    before = _sha(workspace)
    with Workspace.open(workspace) as ws, pytest.raises(InputError, match="demand links must point"):
        ws.import_file(exchange.load_document(doc), {("service", "ae"): "replace"})
    assert _sha(workspace) == before


def test_a_failure_part_way_through_the_write_leaves_the_workspace_as_it_was(
        workspace: Path, base: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from cutsim.workspace import convert
    real = convert.scenario_batches  # import writes the changed items' rows, then these

    def failing(model_pk, cutsim_file):
        batches = real(model_pk, cutsim_file)
        yield batches[0]  # the item rows and the scenarios are written, then:
        raise OSError("disk failed half-way")
    before = _sha(workspace)
    with Workspace.open(workspace) as ws:
        original = ws.load()
        monkeypatch.setattr(convert, "scenario_batches", failing)
        with pytest.raises(OSError):
            ws.import_file(exchange.load_document(_received(base)), {("service", "youth"): "replace"})
        monkeypatch.setattr(convert, "scenario_batches", real)
        assert ws.load() == original
    assert _sha(workspace) == before


def test_redacted_export_leaves_out_confidential_items(tmp_path: Path, base: dict) -> None:
    base["model"]["services"][0]["confidential"] = True
    base["model"]["services"].append({"id": "outreach", "agency": "council", "name": "Outreach",
                                      "baseline_spend": 300000, "unit_cost": 300, "activity_unit": "visit",
                                      "mode": "discretionary", "confidential": True})
    workspace = tmp_path / "ws.sqlite"
    Workspace.create(workspace, exchange.load_document(copy.deepcopy(base))).close()
    out = tmp_path / "out.cutsim"
    assert main(["export", str(workspace), "-o", str(out), "--redact"]) == 0
    sent = exchange.read_file(out)
    assert sent.redacted is True
    assert [s.id for s in sent.model.services] == ["ae", "redacted-council"]
    # £1.3m of two confidential services, published under the disclosure rule: scaled by
    # the council's one factor, the lower end of its grid cell [1.25^63, 1.25^64) less
    # 10 % (and the margin), more than 10 % away from either service or their sum.
    kept = sent.model.service("redacted-council").baseline_spend
    assert 1.25 ** 63 <= 1_300_000 < 1.25 ** 64
    assert kept == pytest.approx(1.25 ** 63 * 0.9 * 0.999, rel=1e-12)
    assert all(abs(kept - c) > 0.1 * c for c in (1_000_000, 300_000, 1_300_000))
    assert "Scaled down by the factor" in sent.model.service("redacted-council").notes
    assert sent.model.effects == [] and sent.scenario("youth-cut").levers == []
    assert "l1" in sent.scenario("youth-cut").description
    text = out.read_text(encoding="utf-8")
    assert '"youth"' not in text and "Outreach" not in text
    assert main(["export", str(workspace), "-o", str(out), "--redact", "--drop-totals"]) == 0
    assert [s.id for s in exchange.read_file(out).model.services] == ["ae"]
