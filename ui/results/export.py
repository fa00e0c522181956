"""Export a chart as PNG or SVG and a table as CSV (for papers and slides)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters as exporters
from PySide6.QtCore import QRect
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator

CHART_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
TABLE_FILTER = "CSV table (*.csv)"


def export_chart(widget: pg.PlotWidget, path: str | Path, width: int = 1600) -> Path:
    """Write ``widget``'s plot to ``path``: SVG for ``.svg``, otherwise PNG ``width`` px wide."""
    path = Path(path)
    item = widget.getPlotItem()
    if path.suffix.lower() == ".svg":
        _export_svg(widget, path)
    else:
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = width
        exporter.export(str(path))
    return path


def _export_svg(widget: pg.PlotWidget, path: Path) -> None:
    """Render the plot widget through Qt's SVG generator (vector output).

    pyqtgraph's own SVGExporter cannot parse the path data that recent Qt versions
    write, so the widget is painted straight into a QSvgGenerator instead.
    """
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    size = widget.size()
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(widget.getPlotItem().titleLabel.text or "cutsim chart")
    painter = QPainter(generator)
    try:
        widget.render(painter)
    finally:
        painter.end()


def export_table(model: Any, path: str | Path) -> Path:
    """Write a results table model's raw numbers to ``path`` as CSV."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        path = path.with_suffix(".csv")
    model.to_csv(path)
    return path
