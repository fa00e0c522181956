"""Format versions, golden files, integrity, provenance, atomic save, the JSON Schema."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest
from support.small_model import EXAMPLE, REPO, SMALL_DOC

from cutsim.files import exchange, file_schema
from cutsim.model.errors import InputError

GOLDEN = Path(__file__).parent / "golden"
V1 = sorted((GOLDEN / "v1").glob("*.cutsim"))


def test_there_are_golden_files_of_format_1() -> None:
    assert len(V1) >= 3


@pytest.mark.parametrize("path", V1, ids=lambda p: p.name)
def test_every_format_1_golden_file_is_read(path: Path) -> None:
    cutsim_file = exchange.read_file(path)
    assert cutsim_file.format_version == 1 and cutsim_file.model.services


@pytest.mark.parametrize("path", [p for p in V1 if "handwritten" not in p.name], ids=lambda p: p.name)
def test_files_cutsim_wrote_are_written_again_byte_for_byte(path: Path) -> None:
    assert exchange.dumps(exchange.read_file(path)) == path.read_text(encoding="utf-8")


def test_a_newer_file_an_older_reader_may_read_is_read_naming_what_was_ignored() -> None:
    ignored: list[str] = []
    cutsim_file = exchange.read_file(GOLDEN / "v4" / "format4-min-reader1.cutsim", ignored)
    assert cutsim_file.model.service("youth").baseline_spend == 1_000_000
    assert ignored == ['services[0] "youth": carbon_tonnes', 'scenarios[0] "youth-cut" levers[0] "l1": evidence_url',
                       "attestations"]


def test_a_newer_file_needing_a_newer_reader_is_refused_naming_the_version() -> None:
    with pytest.raises(InputError, match="needs a reader of version 4 or later; .* reads up to version 3"):
        exchange.read_file(GOLDEN / "v4" / "format4-min-reader4.cutsim")


def test_written_files_carry_provenance_and_a_verified_hash(tmp_path: Path) -> None:
    path = tmp_path / "out.cutsim"
    source = exchange.load_document(copy.deepcopy(SMALL_DOC))
    exchange.write_file(path, source)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["provenance"]["model_sha256"] == exchange.model_sha256(source.model)
    assert document["provenance"]["tool_version"].startswith("cutsim ")
    body = {k: v for k, v in document.items() if k != "sha256"}
    assert document["sha256"] == exchange.canonical_sha256(body)
    document["model"]["place"]["name"] = "Elsewhere"
    with pytest.raises(InputError, match="does not match its integrity hash"):
        exchange.load_document(document)


def test_the_hash_is_over_canonical_json_so_layout_does_not_matter(tmp_path: Path) -> None:
    text = exchange.dumps(exchange.load_document(copy.deepcopy(SMALL_DOC)))
    compact = json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)
    assert exchange.read_bytes(compact.encode()).model.place.name == "Smallton"


def test_a_failed_save_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keep.cutsim"
    exchange.write_file(path, exchange.load_document(copy.deepcopy(SMALL_DOC)))
    before = path.read_bytes()

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        exchange.write_file(path, exchange.load_document(copy.deepcopy(SMALL_DOC)))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.cutsim"]  # no temp file left


def test_the_checked_in_json_schema_is_the_generated_one() -> None:
    checked_in = (REPO / "docs" / "cutsim.schema.json").read_text(encoding="utf-8")
    assert checked_in == file_schema.text(), "run: python -m cutsim.files.file_schema docs/cutsim.schema.json"


def _examples() -> list[Path]:
    found = [*V1, *sorted((REPO / "scenarios").glob("*.cutsim"))]
    return [EXAMPLE, *found] if EXAMPLE.exists() else found


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_the_examples_match_the_json_schema(path: Path) -> None:
    schema = json.loads((REPO / "docs" / "cutsim.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(path.read_text(encoding="utf-8"))))
    assert not errors, [e.message for e in errors[:5]]


def test_the_json_schema_refuses_unknown_fields() -> None:
    schema = json.loads((REPO / "docs" / "cutsim.schema.json").read_text(encoding="utf-8"))
    doc = copy.deepcopy(SMALL_DOC)
    doc["model"]["services"][0]["carbon"] = 1
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc))


def test_the_minimal_file_in_the_spec_is_read() -> None:
    spec = (REPO / "docs" / "file-format.md").read_text(encoding="utf-8")
    block = spec.split("## 9. A minimal file", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert exchange.read_bytes(block.encode("utf-8")).scenario("youth-cut").levers[0].percent == 20


def _with_field_added_in_2(monkeypatch: pytest.MonkeyPatch, changes_figures: bool) -> None:
    """Mark Service.notes as a version-2 field for the test (no real one exists yet)."""
    from cutsim.model.schema import Service, added_in

    info = Service.model_fields["notes"]
    monkeypatch.setattr(info, "json_schema_extra", added_in(2, changes_figures=changes_figures))


def _small_with_note() -> object:
    cutsim_file = exchange.read_file(V1[0].parent / "small.cutsim")
    services = list(cutsim_file.model.services)
    services[0] = services[0].model_copy(update={"notes": "a newer field in use"})
    model = cutsim_file.model.model_copy(update={"services": services})
    return cutsim_file.model_copy(update={"model": model})


@pytest.mark.parametrize("changes_figures, reader", [(False, 1), (True, 2)])
def test_the_writer_sets_the_lowest_versions_the_fields_in_use_need(
        monkeypatch: pytest.MonkeyPatch, changes_figures: bool, reader: int) -> None:
    _with_field_added_in_2(monkeypatch, changes_figures)
    document = exchange.to_document(_small_with_note())
    assert document["format_version"] == 2 and document["min_reader_version"] == reader
    # A file using none of the newer fields stays version 1, with no min_reader_version.
    plain = exchange.to_document(exchange.read_file(V1[0].parent / "small.cutsim"))
    assert plain["format_version"] == 1 and "min_reader_version" not in plain


def test_writing_for_older_readers_drops_a_note_and_refuses_a_figure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _with_field_added_in_2(monkeypatch, changes_figures=False)
    old = exchange.to_document(_small_with_note(), format_version=1)
    assert old["format_version"] == 1 and "notes" not in old["model"]["services"][0]
    _with_field_added_in_2(monkeypatch, changes_figures=True)
    with pytest.raises(InputError, match=r'services\[0\] "youth": notes'):
        exchange.to_document(_small_with_note(), format_version=1)


def test_a_file_using_a_field_newer_than_it_declares_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_field_added_in_2(monkeypatch, changes_figures=False)
    document = exchange.to_document(_small_with_note(), stamp=False)
    document["format_version"] = 1
    del document["min_reader_version"], document["sha256"]
    with pytest.raises(InputError, match=r'services\[0\] "youth": notes: a field of format version 2, '
                                         r"but the file says format_version 1"):
        exchange.load_document(document, "sent.cutsim")


def test_the_discount_schedule_and_terminal_years_are_version_2_fields_that_change_figures() -> None:
    cutsim_file = exchange.read_file(V1[0].parent / "small.cutsim")
    # Left at their defaults (the Green Book schedule, no terminal value) they are not
    # used: the file stays version 1 byte for byte.
    assert cutsim_file.model.place.effective_discount_schedule == "green_book"
    plain = exchange.dumps(cutsim_file, stamp=False)
    assert "discount_schedule" not in plain and json.loads(plain)["format_version"] == 1
    for update in ({"discount_schedule": "flat"}, {"terminal_years": 20}):
        place = cutsim_file.model.place.model_copy(update=update)
        changed = cutsim_file.model_copy(update={"model": cutsim_file.model.model_copy(
            update={"place": place})})
        document = exchange.to_document(changed)
        assert document["format_version"] == 2 and document["min_reader_version"] == 2
        assert exchange.read_bytes(json.dumps(document).encode()).model.place == place
        with pytest.raises(InputError, match=f"place: {next(iter(update))}"):
            exchange.to_document(changed, format_version=1)
