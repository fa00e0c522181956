"""Export a chart as PNG or SVG and a table as CSV (for papers and slides)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters as exporters

CHART_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
TABLE_FILTER = "CSV table (*.csv)"


def export_chart(widget: pg.PlotWidget, path: str | Path, width: int = 1600) -> Path:
    """Write ``widget``'s plot to ``path``: SVG for ``.svg``, otherwise PNG ``width`` px wide."""
    path = Path(path)
    item = widget.getPlotItem()
    if path.suffix.lower() == ".svg":
        exporters.SVGExporter(item).export(str(path))
    else:
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = width
        exporter.export(str(path))
    return path


def export_table(model: Any, path: str | Path) -> Path:
    """Write a results table model's raw numbers to ``path`` as CSV."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        path = path.with_suffix(".csv")
    model.to_csv(path)
    return path
