"""The lever editor's forms: one module per lever kind (or two kinds that share a form).

A module here sets ``FORMS = {kind name: factory(model) -> LeverForm}``; :func:`form_for`
finds the form of a kind among them, and a kind with none is edited as JSON text
(:mod:`ui.scenario.lever_forms.generic`). Adding a form is adding a module here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from cutsim.model.schema import Model
from ui.scenario.lever_forms.common import (
    LeverForm,
    TimingFields,
    service_choices,
    service_label,
)
from ui.scenario.lever_forms.generic import JsonLeverForm

__all__ = ["LeverForm", "TimingFields", "form_for", "service_choices", "service_label"]

FormFactory = Callable[[Model], LeverForm]


def _factories() -> dict[str, FormFactory]:
    """Every form module's ``FORMS``, by kind (imported on first use, by the editor)."""
    found: dict[str, FormFactory] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.update(getattr(module, "FORMS", {}))
    return found


def form_for(kind: str, model: Model) -> LeverForm:
    """The editor's form for a lever of ``kind`` on ``model``."""
    factory = _factories().get(kind)
    return factory(model) if factory is not None else JsonLeverForm(model, kind)
