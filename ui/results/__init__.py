"""Live results of the current scenario: charts, tables and Monte Carlo bands."""

from ui.results.dock import ResultsDock

__all__ = ["ResultsDock"]
