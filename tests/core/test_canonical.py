"""The fast RFC 8785 canonical JSON agrees with the reference implementation."""

from __future__ import annotations

import json
import math

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from cutsim.files.canonical import canonical_bytes, es_number

finite = st.floats(allow_nan=False, allow_infinity=False)
leaves = st.one_of(st.none(), st.booleans(), finite,
                   st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
documents = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)),
                                                    max_size=6), inner, max_size=5)),
    max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_fast_canonical_json_equals_the_reference(document) -> None:
    assert canonical_bytes(document) == rfc8785.dumps(document)


@settings(max_examples=400, deadline=None)
@given(finite)
def test_numbers_are_written_as_ecmascript_writes_them(value) -> None:
    assert es_number(value) == rfc8785.dumps(value).decode()
    assert math.isclose(float(es_number(value)), value, rel_tol=0, abs_tol=0) or value == 0


def test_known_spellings() -> None:
    cases = {1e21: "1e+21", 1e20: "100000000000000000000", 1e-7: "1e-7", 1e-6: "0.000001",
             1000000.0: "1000000", -0.0: "0", 0.1: "0.1", 123.456: "123.456", 5e-324: "5e-324",
             1.7976931348623157e308: "1.7976931348623157e+308", -2.5e-9: "-2.5e-9"}
    for value, text in cases.items():
        assert es_number(value) == text, value
    assert canonical_bytes({"b": [1.0, "x\u2028\x7f\x1f"], "a": None}) == rfc8785.dumps(
        {"b": [1.0, "x\u2028\x7f\x1f"], "a": None})
    assert json.loads(canonical_bytes({"é": "\U0001f600"})) == {"é": "\U0001f600"}
