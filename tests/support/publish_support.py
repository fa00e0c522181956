"""Helpers for the publication tests: a small place to publish, the HTML figure parser,
and the engine value every published figure key must equal (computed here from the
engine's result dict and the model, independently of cutsim.publish.figures)."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

SERIES = ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving")

# Two agencies, a cut service, a demand-led service, one outcome with a PHOF code.
PUBLISH_DOC: dict[str, Any] = {
    "format": "cutsim",
    "format_version": 1,
    "model": {
        "place": {"name": "Smallton", "base_year": 2026, "horizon_years": 8, "steps_per_year": 4,
                  "discount_rate": 0.035, "price_year": 2025, "population": 50000},
        "agencies": [{"id": "council", "name": "Smallton Council", "kind": "council"},
                     {"id": "nhs", "name": "Smallton ICB", "kind": "nhs"}],
        "services": [
            {"id": "youth", "agency": "council", "name": "Youth service", "baseline_spend": 1000000,
             "unit_cost": 1000, "activity_unit": "place", "mode": "discretionary",
             "groups": ["young_people"], "illustrative": True},
            {"id": "ae", "agency": "nhs", "name": "A&E", "baseline_spend": 5000000,
             "unit_cost": 100, "activity_unit": "attendance", "mode": "demand_led"},
        ],
        "outcomes": [{"id": "neet", "name": "Young people not in education or work",
                      "unit": "young people", "baseline": 2000, "higher_is_better": False,
                      "indicator": "PHOF B05"}],
        "effects": [{"id": "e1", "service": "youth", "outcome": "neet", "per_unit": -0.5,
                     "low": -0.8, "high": -0.2, "delay_years": 1.0, "delay_order": 1,
                     "confidence": 3, "source": "Smith (2020), table 2"}],
        "demands": [{"id": "d1", "outcome": "neet", "service": "ae", "per_unit": 0.1,
                     "low": 0.05, "high": 0.15, "confidence": 2, "source": "assumption"}],
    },
    "scenarios": [{"id": "cut", "name": "Youth cut", "levers": [
        {"id": "l1", "kind": "cut", "service": "youth", "percent": 20}]}],
}


def publish_doc() -> dict[str, Any]:
    return copy.deepcopy(PUBLISH_DOC)


class FigureParser(HTMLParser):
    """Collects every ``<span class="fig" data-key=…>`` with its attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and "data-key" in a:
            self._open = {**a, "text": ""}

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._open is not None:
            self.figures.append(self._open)
            self._open = None


def html_figures(text: str) -> list[dict[str, str]]:
    parser = FigureParser()
    parser.feed(text)
    return parser.figures


class Engine:
    """The engine's numbers for a scenario, looked up by published figure key."""

    def __init__(self, model, scenario, result: dict[str, Any], report_years: int = 5,
                 shown: dict[str, Any] | None = None) -> None:
        self.model, self.scenario, self.r = model, scenario, result
        # The open-data document built from ``result`` and protected by the disclosure rule:
        # the money of an agency with confidential services is published as the rule says.
        self.shown = shown
        self.rounded = set((shown or {}).get("redacted", {}).get("disclosure", {}).get("scaled", []))
        self.ry = min(report_years, model.place.horizon_years)
        self.k = self.ry * model.place.steps_per_year
        self.y = self.ry - 1
        self.pop = model.place.population

    def _agency(self, agency: str, rest: list[str]) -> float:
        annual = self.r["annual"]["agencies"][agency] if agency != "place" \
            else self.r["annual"]["place"]
        if rest[0] == "report_year":
            return annual[rest[1]][self.y]
        if rest[0] == "total":
            return sum(annual[rest[1]])
        if rest[0] == "per_resident":
            return annual["net_saving"][self.y] / self.pop
        raise KeyError(rest)

    def _protected(self, parts: list[str]) -> float | None:
        """A money figure the disclosure rule changes, from the protected document."""
        if not self.rounded or self.shown is None:
            return None
        if parts[0] == "agency" and parts[1] in self.rounded:
            node: Any = next(a for a in self.shown["agencies"] if a["id"] == parts[1])
            rest = parts[2:]
        elif parts[0] == "place" and parts[1] not in ("social_value_npv", "knock_on_cashable_percent"):
            node, rest = self.shown["place_money"], parts[1:]
        elif parts[0] == "shift" and parts[2] in self.rounded:
            entry = next(c for c in self.shown["cost_shift"]
                         if c["from"] == parts[1] and c["to"] == parts[2])
            return entry["per_resident"] if len(parts) == 4 else entry["amount"]
        else:
            return None
        if rest and rest[0] == "per_resident" and len(rest) == 1:
            rest = ["per_resident", "report_year_net_saving"]
        for step in rest:
            node = node[step] if isinstance(node, dict) else None
        return node if isinstance(node, float | int) else None

    def _service_change(self, sid: str) -> float:
        s = self.r["services"][sid]
        return s["spend"][self.k] - s["baseline_spend"][self.k]

    def _depends_on(self, key: str) -> float:
        """A "what this depends on" figure: the place NPV with one per_unit input at the
        end of its range, run through the engine with that parameter changed."""
        from cutsim.api import Project
        from cutsim.engine.compiled import Params
        from cutsim.model.schema import CutsimFile

        if key == "depends_on.central":
            return self.r["appraisal"]["npv"]["place"]
        name, _, end = key.removeprefix("depends_on.").rpartition(".")
        kind, _, item = name.partition("[")
        item = item.split("]")[0]
        project = Project(CutsimFile(format="cutsim", format_version=1, model=self.model,
                                     scenarios=[self.scenario]))
        cm = project.compiled
        k, d = cm.k_central.copy(), cm.d_central.copy()
        side = "low" if end == "figure_low" else "high"
        if kind == "effects":
            i = [e.id for e in self.model.effects].index(item)
            k[i] = getattr(self.model.effects[i], side)
        else:
            i = [m.id for m in self.model.demands].index(item)
            d[i] = getattr(self.model.demands[i], side)
        return project.run(self.scenario, params=Params(k, d)).appraisal.place.npv

    def values(self, key: str) -> set[float]:
        """The engine value(s) a figure with ``key`` may carry."""
        if key.startswith("depends_on."):
            return {self._depends_on(key)}
        parts = key.split(".")
        if parts[-1] == "table":
            parts = parts[:-1]
        head = parts[0]
        protected = self._protected(parts)
        if protected is not None:
            return {protected}
        r, k = self.r, self.k
        if head == "place":
            if parts[1] == "npv":
                return {r["appraisal"]["npv"]["place"]}
            if parts[1] == "npv_range":
                return {r["uncertainty"]["place"]["npv"][parts[2]]}
            if parts[1] == "social_value_npv":
                return {r["appraisal"]["social_value_npv"]["place"]}
            if parts[1] == "knock_on_cashable_percent":
                from cutsim.model.fmt import round_sig

                annual = r["annual"]["place"]
                return {round_sig(100 * sum(annual["knock_on_cashable"]) / sum(annual["knock_on_cost"]), 2)}
            return {self._agency("place", parts[1:])}
        if head == "agency":
            return {self._agency(parts[1], parts[2:])}
        if head == "service":
            s = self.r["services"][parts[1]]
            if parts[2] == "spend_change":
                return {self._service_change(parts[1])}
            if parts[2] == "spend_change_percent":
                return {self._service_change(parts[1]) / s["baseline_spend"][0] * 100}
            return {s["activity"][k] - s["baseline_activity"][k]}
        if head == "outcome":
            o = r["outcomes"][parts[1]]
            base = o["baseline"][k]
            if parts[2] == "baseline":
                return {base}
            if len(parts) == 4:  # the likely range's two ends, in either order
                u = r["uncertainty"]["outcomes"][parts[1]]
                return {u["p10"][k] - base, u["p90"][k] - base}
            return {o["scenario"][k] - base}
        if head == "shift":
            amount = r["cost_shift"][parts[1]][parts[2]]
            return {amount / self.pop if len(parts) == 4 else amount}
        if head == "cost_shift":
            return {sum(v for a, row in r["cost_shift"].items() for b, v in row.items() if a != b)}
        if head == "group":
            public = [s for s in self.model.services if not s.confidential
                      and (parts[1] in s.groups or (parts[1] == "not_assigned" and not s.groups))]
            change = sum(self._service_change(s.id) for s in public)
            if parts[2] == "spend_change":
                return {change}
            return {change / sum(s.baseline_spend for s in public) * 100}
        if head == "commitment":
            o = r["outcomes"][parts[1]]
            base = o["baseline"][k]
            if parts[2] == "baseline":
                return {base}
            if parts[2] == "expected_level":
                return {o["scenario"][k]}
            outcome = self.model.outcome(parts[1])
            lines = [x for x in self.scenario.red_lines if x.outcome == parts[1]]
            if lines:
                line = lines[0]
                step = abs(base) * line.max_change / 100 if line.as_ == "percent" else line.max_change
                return {base - step if outcome.higher_is_better else base + step}
            u = r.get("uncertainty")
            if not u:
                return {o["scenario"][k]}
            return {u["outcomes"][parts[1]]["p10" if outcome.higher_is_better else "p90"][k]}
        raise KeyError(key)
