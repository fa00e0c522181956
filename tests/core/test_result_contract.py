"""The result-contract checker (tests/support/result_contract.py) passes a real result and
names each way a broken one breaks docs/result-format.md."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from support.result_contract import result_problems

from cutsim.api import load

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "youth-cut.cutsim"


@pytest.fixture(scope="module")
def good() -> tuple[dict[str, Any], dict[str, Any]]:
    result = json.loads(json.dumps(load(EXAMPLE).run("youth-cut-20", draws=20, seed=1)
                                   .to_json_dict()))
    model = json.loads(EXAMPLE.read_text(encoding="utf-8"))["model"]
    return result, model


def test_a_real_result_keeps_the_contract(good) -> None:
    result, model = good
    assert result_problems(result, model) == []


def _break_t(r: dict[str, Any]) -> None:
    r["t"] = r["t"][:-1]


def _break_net(r: dict[str, Any]) -> None:
    r["agencies"]["council"]["net_saving"][5] += 1_000.0


def _break_place(r: dict[str, Any]) -> None:
    r["place"]["knock_on_cost"][7] += 1_000.0


def _break_annual(r: dict[str, Any]) -> None:
    r["annual"]["place"]["planned_saving"][1] += 1_000.0


def _break_shift(r: dict[str, Any]) -> None:
    row = next(iter(r["cost_shift"].values()))
    row[next(iter(row))] += 1_000.0


def _break_npv(r: dict[str, Any]) -> None:
    r["appraisal"]["npv"]["place"] += 1_000.0


def _break_spend(r: dict[str, Any]) -> None:
    r["services"]["youth"]["spend"][3] += 1_000.0


def _break_bands(r: dict[str, Any]) -> None:
    band = r["uncertainty"]["place"]["net_saving"]
    band["p10"], band["p90"] = band["p90"], band["p10"]


def _drop_key(r: dict[str, Any]) -> None:
    del r["cost_shift"]


@pytest.mark.parametrize("breakage,words", [
    (_break_t, "t: expected"),
    (_break_net, "agencies['council'].net_saving"),
    (_break_place, "place.knock_on_cost"),
    (_break_annual, "annual.place.planned_saving"),
    (_break_shift, "cost_shift into"),
    (_break_npv, "appraisal.npv['place']"),
    (_break_spend, "change in its services' spend"),
    (_break_bands, "uncertainty.place.net_saving"),
    (_drop_key, "missing top-level key 'cost_shift'"),
])
def test_each_breach_is_named(good, breakage, words) -> None:
    result, model = good
    broken = copy.deepcopy(result)
    breakage(broken)
    problems = result_problems(broken, model)
    assert any(words in problem for problem in problems), problems
