"""The scenario panel: the list of scenarios and the lever sliders of the current one."""

from ui.scenario.panel import ScenarioDock

__all__ = ["ScenarioDock"]
