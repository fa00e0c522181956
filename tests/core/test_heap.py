"""Where large arrays' memory comes from (cutsim.engine.heap): never a number."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cutsim.engine.heap import PAGE, sparse_empty


def _vm_flags(address: int) -> list[str]:
    """The VmFlags of the mapping of this process that holds ``address`` (Linux)."""
    flags: list[str] = []
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()[0] if line else ""
        if "-" in head and all(c in "0123456789abcdef-" for c in head):
            low, high = (int(x, 16) for x in head.split("-"))
            inside = low <= address < high
        elif inside and line.startswith("VmFlags:"):
            flags = line.split()[1:]
    return flags


def test_a_sparse_buffer_is_an_ordinary_float_array():
    out = sparse_empty((300, 1024))
    assert out.shape == (300, 1024) and out.dtype == np.float64 and out.flags.c_contiguous
    out[:, :3] = 1.5
    assert float(out[:, :3].sum()) == 300 * 3 * 1.5
    small = sparse_empty((2, 3))  # smaller than two pages: plain numpy.empty
    assert small.shape == (2, 3)


@pytest.mark.skipif(not Path("/sys/kernel/mm/transparent_hugepage").exists(),
                    reason="no transparent huge pages here (Linux's) to advise against")
def test_a_sparse_buffer_asks_for_ordinary_pages():
    """numpy advises huge pages for arrays of 4 MB or more; a sparse buffer's whole
    pages are advised against them, so a write zeroes one small page, not 2 MB."""
    out = sparse_empty((1000, 2048))  # 16 MB
    inner = -(-out.ctypes.data // PAGE) * PAGE + PAGE
    assert "nh" in _vm_flags(inner)
