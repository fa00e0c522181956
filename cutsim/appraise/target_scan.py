"""What each level of saving costs the whole place: the least-cost package for each of
many targets (``cutsim optimise --scan``), run by any executor
(:mod:`cutsim.appraise.executor`) with the same packages."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cutsim.appraise.optimise import Request, Responses, optimise, unit_responses
from cutsim.engine.compiled import CompiledModel
from cutsim.model.errors import InputError, NoCleanAnswer


class TargetScan:
    """One target of a scan as a picklable task (:mod:`cutsim.appraise.executor`): the
    package for ``target`` £/yr under the scan's request, summarised. The model is
    compiled, and the engine's responses (which do not depend on the target) computed,
    once per process that runs tasks."""

    def __init__(self, model: Any, request: Request) -> None:
        self.model, self.request = model, request
        self._cm: CompiledModel | None = None
        self._responses: Responses | None = None

    def __getstate__(self) -> dict:
        return {"model": self.model, "request": self.request, "_cm": None, "_responses": None}

    def __call__(self, target: float) -> dict[str, Any]:
        from cutsim.engine.compiled import compile_model

        if self._cm is None:
            self._cm = compile_model(self.model)
            self._responses = unit_responses(self._cm, self.request)
        request = replace(self.request, target=float(target))
        try:
            package = optimise(self._cm, request, responses=self._responses)
        except NoCleanAnswer as exc:
            return {"target": float(target), "feasible": False, "why": str(exc)}
        return {"target": float(target), "feasible": True,
                "planned_saving": package.planned_saving,
                "cut_total": float(sum(package.cuts.values())),
                "one_off_cost": package.one_off_cost,
                "knock_on_npv": package.knock_on_npv,
                "outcome_loss_npv": package.outcome_loss_npv,
                "objective": package.objective, "cuts": package.cuts}


def scan_targets(model: Any, request: Request, targets: list[float],
                 executor: Any = None) -> list[dict[str, Any]]:
    """The least-cost package for each of ``targets`` (£/yr), in order: what each level of
    saving costs the whole place (knock-on NPV, valued outcome loss NPV, £), or why it
    cannot be met. ``executor`` (:mod:`cutsim.appraise.executor`) runs the targets, in
    this process by default; any executor gives the same packages."""
    from cutsim.appraise.executor import InProcess

    if not targets:
        raise InputError("a scan needs at least one target")
    for t in targets:
        if not t > 0:
            raise InputError(f"--target must be positive £/yr amounts (got {t:g})")
    return (executor or InProcess()).map(TargetScan(model, request), list(targets))
