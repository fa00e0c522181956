"""A corpus of malformed and hostile ``.cutsim`` files (docs/file-format.md).

Each case is refused with its own clear message, exit code 1 and no traceback, by
``cutsim validate``, ``cutsim init WS --from`` and ``cutsim import WS``; a workspace is
byte-identical before and after, and ``init`` leaves no workspace behind.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.small_model import SMALL_DOC

from cutsim.cli import main
from cutsim.files import exchange

Builder = Callable[[Path], bytes]  # tmp_path -> file content


def _doc(change: Callable[[dict], object] | None = None) -> bytes:
    doc = copy.deepcopy(SMALL_DOC)
    if change is not None:
        change(doc)
    return json.dumps(doc, indent=2).encode()


def _text(old: str, new: str) -> bytes:
    text = json.dumps(SMALL_DOC, indent=2)
    assert old in text, old
    return text.replace(old, new, 1).encode()


def _service(**fields) -> Callable[[dict], None]:
    return lambda d: d["model"]["services"][0].update(fields)


def _lever(**fields) -> Callable[[dict], None]:
    return lambda d: d["scenarios"][0]["levers"][0].update(fields)


def _tampered() -> bytes:
    written = exchange.dumps(exchange.load_document(copy.deepcopy(SMALL_DOC)))
    return written.replace('"percent": 20', '"percent": 15', 1).encode()


def _deep(levels: int) -> bytes:
    return ('{"format": "cutsim", "format_version": 1, "model": ' + "[" * levels + "]" * levels + "}").encode()


def _set(path: str, value: object) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for step in parents:
            node = node[int(step)] if step.isdigit() else node[step]
        node[int(last) if last.isdigit() else last] = value
    return change


_LATIN1 = _text('"name": "Smallton"', '"name": "Caf\u00e9"').decode().encode("latin-1")
_LATIN1_AT = _LATIN1.index("\u00e9".encode("latin-1"))

# name -> (content, expected message fragment). Every fragment differs: each case is
# refused for its own reason, and says so.
CASES: dict[str, tuple[Builder | bytes, str]] = {
    "empty": (b"", "the file is empty"),
    "only-whitespace": (b" \n\t\n", "only-whitespace.cutsim: the file is empty"),
    "truncated": (_doc()[:400], "not valid JSON"),
    "trailing-comma": (_text('"phase_years": 0', '"phase_years": 0,'), "line 93, column 9: not valid JSON"),
    "comments": (b"// a partner's note\n" + _doc(), "line 1, column 1: not valid JSON"),
    "binary-png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not UTF-8 text (byte 0"),
    "python-pickle": (b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93.",
                      "not UTF-8 text (byte 0: b'\\x80')"),
    "utf16": (_doc().decode().encode("utf-16"), "a .cutsim file is UTF-8 JSON"),
    "latin1": (_LATIN1, f"not UTF-8 text (byte {_LATIN1_AT}: b'\\xe9')"),
    "huge": (lambda tmp: b" " * (exchange.MAX_BYTES + 1), "the limit is 20,971,520 (20 MiB)"),
    "deep-33": (_deep(33), "line 1: nesting deeper than 32 levels"),
    "deep-100000": (_deep(100_000), "nesting deeper than 32"),
    "nan": (_text('"per_unit": -0.5', '"per_unit": NaN'), "line 59, column 21: NaN is not allowed"),
    "infinity": (_text('"baseline": 2000', '"baseline": Infinity'), "Infinity is not allowed"),
    "minus-infinity": (_text('"low": -0.8', '"low": -Infinity'), "-Infinity is not allowed"),
    "overflowing-float": (_text('"unit_cost": 1000', '"unit_cost": 1e999'), "number 1e999 is out of range"),
    "absurd-spend": (_text('"baseline_spend": 1000000', '"baseline_spend": 1e300'), "number 1e300 is out of range"),
    "16-digit-integer": (_text('"baseline_spend": 1000000', '"baseline_spend": 1000000000000000'),
                         "integer 1000000000000000… has more than 15 digits"),
    "5000-digit-integer": (_text('"base_year": 2026', '"base_year": ' + "9" * 5000), "more than 15 digits"),
    "duplicate-key": (_text('"unit_cost": 1000', '"unit_cost": 1000, "unit_cost": 1'), 'duplicate key "unit_cost"'),
    "duplicate-top-level": (_text('"format_version": 1', '"format_version": 1, "format": "cutsim"'),
                            'top level: duplicate key "format"'),
    "unknown-field": (_doc(_service(carbon=1)), 'services[0] "youth": carbon: unknown field'),
    "unknown-top-level": (_doc(_set("macro", "import os")), "macro: unknown field"),
    "dangling-agency": (_doc(_service(agency="ghost")), 'agency refers to agency "ghost", which does not exist'),
    "dangling-lever": (_doc(_lever(service="ghost")), 'levers[0] "l1": service refers to service "ghost"'),
    "dangling-effect": (_doc(_set("model.effects.0.outcome", "ghost")), 'effects[0] "e1": outcome refers to outcome "ghost"'),
    "duplicate-ids": (_doc(lambda d: d["model"]["services"].append(copy.deepcopy(d["model"]["services"][0]))),
                      'services[2] "youth": id duplicates services[0]'),
    "newer-version": (_doc(_set("format_version", 4)), "format 4, which needs a reader of version 4 or later"),
    "newer-needs-4": (_doc(lambda d: d.update(format_version=5, min_reader_version=4)),
                      "format 5, which needs a reader of version 4 or later"),
    "version-as-text": (_doc(_set("format_version", "1")), 'format_version must be a whole number >= 1 (got "1")'),
    "version-zero": (_doc(_set("format_version", 0)), "format_version must be a whole number >= 1 (got 0)"),
    "min-reader-above-version": (_doc(_set("min_reader_version", 2)),
                                 "min_reader_version must be a whole number from 1 to format_version (1)"),
    "not-cutsim": (_doc(_set("format", "xlsx")), 'format must be "cutsim" (got "xlsx")'),
    "top-level-array": (b"[1, 2, 3]", "top level must be a JSON object, not list"),
    "tampered": (_tampered(), "does not match its integrity hash"),
    "hash-not-hex": (_doc(_set("sha256", "xyz")), "sha256 must be 64 hexadecimal digits"),
    "negative-unit-cost": (_doc(_service(unit_cost=-5)), 'services[0] "youth": unit_cost must be > 0 (got -5)'),
    "long-string": (_doc(_service(name="x" * 10_001)), "text of 10,001 characters; the limit is 10,000"),
    "long-key": (_doc(_set("model.place." + "k" * 10_001, 1)), "a key is longer than 10,000 characters"),
    "long-list": (_doc(_service(groups=["older"] * 200_001)), "200,001 items; the limit is 200,000"),
    "number-as-text": (_doc(_service(baseline_spend="1000000")), "baseline_spend: input should be a valid number"),
    "bool-as-number": (_doc(_service(unit_cost=True)), 'services[0] "youth": unit_cost: input should be a valid number (got true)'),
    "missing-field": (_doc(lambda d: d["model"]["services"][0].pop("unit_cost")), "unit_cost: required field is missing"),
    "lone-surrogate": (_text('"name": "Smallton"', '"name": "\\ud800"'), "lone surrogate"),
    "unterminated-escapes": (b'{"format": "' + b'\\"' * 200_000, "Unterminated string"),
    "demand-to-discretionary": (_doc(_set("model.demands.0.service", "youth")), "must point at a demand_led service"),
    "absurd-horizon": (_doc(_set("model.place.horizon_years", 1_000_000)), "horizon_years must be between 1 and 100"),
    "cut-over-100": (_doc(_lever(percent=150)), "percent must be between 0 and 100 (got 150)"),
    "unknown-lever-kind": (_doc(_lever(kind="eval")), "kind must be one of 'cut', 'invest', 'pool', 'procure'"),
    "bad-id": (_doc(_service(id="Youth Service")), 'id must be 1-64 characters of a-z, 0-9, _ or - (got "Youth Service")'),
    "reserved-agency": (_doc(lambda d: d["model"]["agencies"].append({"id": "place", "name": "x", "kind": "other"})),
                        'id "place" is reserved'),
    "range-inverted": (_doc(_set("model.effects.0.low", 0.0)), "low <= per_unit <= high must hold"),
    "floor-above-one": (_doc(_service(statutory_floor=2)), "statutory_floor must be between 0 and 1 (got 2)"),
}


def _materialise(tmp_path: Path, name: str) -> tuple[Path, str]:
    content, expected = CASES[name]
    data = content(tmp_path) if callable(content) else content
    path = tmp_path / f"{name}.cutsim"
    path.write_bytes(data)
    return path, expected


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.sqlite"
    good = tmp_path / "good.cutsim"
    good.write_bytes(_doc())
    assert main(["init", str(path), "--from", str(good)]) == 0
    return path


def test_the_corpus_is_large_and_every_message_is_its_own() -> None:
    assert len(CASES) >= 30
    fragments = [expected for _, expected in CASES.values()]
    assert len(set(fragments)) == len(fragments)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_file_is_refused_clearly_everywhere(name: str, tmp_path: Path, workspace: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path, expected = _materialise(tmp_path, name)
    before = _sha(workspace)
    capsys.readouterr()
    new_workspace = tmp_path / "new.sqlite"
    for argv in (["validate", str(path)], ["init", str(new_workspace), "--from", str(path)],
                 ["import", str(workspace), str(path)]):
        started = time.perf_counter()
        code = main(argv)
        elapsed = time.perf_counter() - started
        out, err = capsys.readouterr()
        assert code == 1, (argv, out, err)
        assert expected in err, (argv, err[:2000])
        assert "Traceback" not in err and err.startswith("cutsim: ")
        assert elapsed < 10, f"{name}: {argv[0]} took {elapsed:.1f} s"
    assert not new_workspace.exists()
    assert _sha(workspace) == before


def test_the_cli_in_a_subprocess_shows_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys
    path, expected = _materialise(tmp_path, "nan")
    proc = subprocess.run([sys.executable, "-m", "cutsim", "validate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and expected in proc.stderr and "Traceback" not in proc.stderr


def _large_doc(services: int, pools: int) -> bytes:
    doc = copy.deepcopy(SMALL_DOC)
    doc["model"]["services"] += [
        {"id": f"s{i}", "agency": "council" if i % 2 else "nhs", "name": "Service", "baseline_spend": 1000,
         "unit_cost": 10, "activity_unit": "unit", "mode": "discretionary"} for i in range(services)]
    doc["scenarios"][0]["levers"] += [
        {"id": f"p{i}", "kind": "pool", "services": ["s1", "s2"], "efficiency_percent": 5} for i in range(pools)]
    return json.dumps(doc).encode()


@pytest.mark.slow  # files up to the 20 MiB cap
def test_a_large_file_under_the_cap_is_read_in_time_linear_in_its_size(tmp_path: Path) -> None:
    """Reading scales linearly: four times the items take well under sixteen times as long
    (a ratio within one run, not a timed target; absolute speeds are in cutsim bench)."""
    small, large = _large_doc(15_000, 5_000), _large_doc(60_000, 20_000)
    assert 8 * 2**20 < len(large) < exchange.MAX_BYTES
    seconds = []
    for data in (small, large):
        started = time.perf_counter()
        exchange.read_bytes(data)
        seconds.append(time.perf_counter() - started)
    assert seconds[1] / seconds[0] < 10  # linear gives about 4; quadratic about 16
