"""The documents the app starts from: the bundled example, or a blank place model."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

from cutsim.model.schema import Agency, CutsimFile, Model, Place

# A frozen app (PyInstaller) unpacks its data into sys._MEIPASS, laid out like the source tree.
REPO_ROOT = Path(getattr(sys, "_MEIPASS", None) or Path(__file__).resolve().parent.parent)
EXAMPLE = REPO_ROOT / "models" / "example-place.cutsim"


def example_path() -> Path | None:
    """The bundled example place model, if it is installed beside the app."""
    return EXAMPLE if EXAMPLE.is_file() else None


def blank_file() -> CutsimFile:
    """A new place with one council and nothing else: the start of a model."""
    year = _dt.date.today().year if _dt.date.today().month >= 4 else _dt.date.today().year - 1
    model = Model(
        place=Place(name="New place", base_year=year),
        agencies=[Agency(id="council", name="Council", kind="council")],
        services=[], outcomes=[],
    )
    return CutsimFile(format="cutsim", format_version=1, model=model)
