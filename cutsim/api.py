"""The Python API, in the style of PySD's ``run()``::

    import cutsim
    project = cutsim.load("place.cutsim")
    result = project.run("s1")            # or a Scenario object; draws=1000, seed=1
    result.annual, result.cost_shift, result.to_json_dict()
"""

from __future__ import annotations

import logging
import os
from functools import cached_property

from cutsim.appraise.result import Result
from cutsim.appraise.run import run_scenario
from cutsim.engine.compiled import CompiledModel, Params, compile_model
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile, Model, Scenario

log = logging.getLogger(__name__)


class Project:
    """A model and its scenarios, compiled once for any number of runs."""

    def __init__(self, file: CutsimFile) -> None:
        self.file = file

    @property
    def model(self) -> Model:
        return self.file.model

    @cached_property
    def compiled(self) -> CompiledModel:
        return compile_model(self.model)

    def scenario(self, scenario_id: str) -> Scenario:
        for s in self.file.scenarios:
            if s.id == scenario_id:
                return s
        known = ", ".join(s.id for s in self.file.scenarios) or "none"
        raise InputError(f'no scenario "{scenario_id}" in the file (scenarios: {known})')

    def run(self, scenario: str | Scenario, draws: int | None = None,
            seed: int | None = None, params: Params | None = None, *,
            wide: bool | None = None, correlation: float | None = None,
            executor=None) -> Result:
        """Run a scenario (by id or object); ``draws`` adds the Monte Carlo block (over
        every uncertain input; ``wide``/``correlation`` None follow the place's settings,
        ``executor`` runs the blocks, in this process by default)."""
        if isinstance(scenario, str):
            scenario = self.scenario(scenario)
        return run_scenario(self.compiled, scenario, draws=draws, seed=seed, params=params,
                            wide=wide, correlation=correlation, executor=executor)


def load(path: str | os.PathLike[str]) -> Project:
    """Read a ``.cutsim`` file or a model workbook (validated in full) into a :class:`Project`."""
    from cutsim.files.workbook import read_model_file

    return Project(read_model_file(path))
