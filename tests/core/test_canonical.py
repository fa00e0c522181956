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


def test_number_like_text_inside_strings_is_left_alone() -> None:
    # Only the few tokens that can differ are rewritten; text that looks like them inside
    # a string (escaped quotes and backslashes around it) must come through unchanged.
    documents = [
        {"a": "x:1e-05,", "b": 1e-05, "c": [5.0, "5.0]", -0.0, 1e16, "\\", 2.5e-7]},
        {"note": 'say \\"1.0,\\" then', "v": 1.0, "w": ['\\"', 1e+16, '\\\\"1e-05"']},
        {"q": '"', "n": [1e-05, "\\\\", 100.0], "m": {"k": "e+1", "z": 0.0}},
        [1.0, "e-5", 3e-5, '\\" 2.0]', 4.0],
        1e-05,
        5.0,
        {"s": ":1234567890123456789", "t": [0.0, 1000000000000000.0, 12345678901234.0]},
        {"x": ",1234567890123456", "y": [-1234567890123456]},
    ]
    for document in documents:
        assert canonical_bytes(document) == rfc8785.dumps(document), document


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(finite, st.sampled_from(['"', "\\", '\\"', "1e-05,", ".0]", "x\\"]),
                          st.text(alphabet='\\"0.e+-1,:[]', max_size=8)), max_size=12))
def test_strings_of_json_punctuation_and_numbers_agree(items) -> None:
    document = {str(i): item for i, item in enumerate(items)} | {"list": items}
    assert canonical_bytes(document) == rfc8785.dumps(document)
