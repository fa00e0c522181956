"""Every chart of every bundled scenario's publication keeps its scale: the tick labels on
each axis are distinct (a flat line at £0 reads "£0" once, never "£0, £0, £0")."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import cutsim  # noqa: E402
from cutsim.publish import charts  # noqa: E402
from cutsim.publish.build import render_all  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = [*sorted((ROOT / "models").glob("*.cutsim")), *sorted((ROOT / "scenarios").glob("*.cutsim"))]


def _pairs() -> list[tuple[Path, str]]:
    return [(path, s["id"]) for path in BUNDLED
            for s in json.loads(path.read_text(encoding="utf-8"))["scenarios"]]


@pytest.fixture
def seen(monkeypatch) -> list[tuple[str, list[str]]]:
    """The tick labels of every axis of every chart drawn, after the distinct-tick rule."""
    found: list[tuple[str, list[str]]] = []
    rule = charts.distinct_ticks

    def record(fig) -> None:
        rule(fig)
        fig.canvas.draw()
        for i, ax in enumerate(fig.axes):
            for name, labels in (("x", ax.get_xticklabels()), ("y", ax.get_yticklabels())):
                low, high = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())
                locs = ax.get_xticks() if name == "x" else ax.get_yticks()
                shown = [lab.get_text() for loc, lab in zip(locs, labels)
                         if low - 1e-9 * abs(high - low) <= loc <= high + 1e-9 * abs(high - low)]
                found.append((f"axes {i} {name}", shown))

    monkeypatch.setattr(charts, "distinct_ticks", record)
    return found


@pytest.mark.slow
@pytest.mark.parametrize(("path", "scenario"), _pairs(), ids=lambda v: getattr(v, "name", v))
def test_every_chart_of_every_bundled_publication_has_distinct_ticks(seen, path, scenario):
    render_all(cutsim.load(path), scenario, draws=None)
    assert seen, "no chart was drawn"
    for axis, labels in seen:
        labels = [text for text in labels if text]
        assert len(labels) == len(set(labels)), f"{path.name} {scenario} {axis}: {labels}"


def test_a_flat_line_at_zero_has_one_tick(seen):
    charts.place_net_saving([0.0, 1.0, 2.0], [0.0, 0.0, 0.0], None, None, 2026)
    y = [labels for axis, labels in seen if axis.endswith("y")][0]
    assert y == ["£0"]
