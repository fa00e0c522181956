"""Model workbooks (.xlsx): a place model as sheets a finance team can fill and read.

``write_workbook(path, cutsim_file)`` writes a model in the layout of
:mod:`cutsim.files.workbook_layout` (``None``: a blank template);
``read_workbook(path)`` reads one back, strictly and safely, listing every problem by
sheet and cell. Export then import gives back the same model. The layout is documented
sheet by sheet and column by column in docs/workbook-format.md.
"""

from __future__ import annotations

import os

from cutsim.files.workbook_read import read_workbook, read_workbook_bytes
from cutsim.files.workbook_write import write_workbook
from cutsim.files.xlsx_safety import is_workbook_path, looks_like_workbook
from cutsim.model.schema import CutsimFile

__all__ = ["read_workbook", "read_workbook_bytes", "write_workbook", "looks_like_workbook",
           "read_model_file", "is_workbook_path"]


def read_model_file(path: str | os.PathLike[str], ignored: list[str] | None = None) -> CutsimFile:
    """A ``.cutsim`` file or a model workbook, told apart by extension and first bytes."""
    from cutsim.files import exchange

    if looks_like_workbook(path):
        return read_workbook(path)
    return exchange.read_file(path, ignored)
