"""Keep large temporary arrays in the heap during batched runs (glibc only).

A block of Monte Carlo draws makes many short-lived arrays of a few megabytes. glibc's
malloc serves each from a fresh ``mmap`` and returns it on ``free``, so every one is
page-faulted in anew: on the example that costs more than the arithmetic (a 6 MB
elementwise product took 3.9 ms, 0.9 ms with its memory reused). Raising glibc's mmap
and trim thresholds (``mallopt``) lets freed blocks be reused instead. It changes where
memory comes from, never a number. Done once per process, the first time a batch of
draws is simulated; elsewhere (macOS, Windows, musl) nothing is done.

:func:`sparse_empty` is for the other kind of array: a large buffer written only a
little at a time (the start of each row), whose untouched pages should cost nothing.
numpy asks Linux to back every array of 4 MB or more with transparent huge pages, and a
huge page is zeroed whole at its first write: a band buffer of 28 MB written a few
hundred bytes a row was zeroed whole, which took about 80 ms in a fresh process's first
10,000-draw run (40 ms with ordinary pages). Such a buffer asks for ordinary pages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import mmap
import sys
import threading

import numpy as np

log = logging.getLogger(__name__)

MADV_NOHUGEPAGE = 15  # Linux's madvise advice: no transparent huge pages here
PAGE = mmap.PAGESIZE  # bytes: madvise takes whole pages
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 * 1024 * 1024  # allocations below this come from the heap
TRIM_THRESHOLD = 256 * 1024 * 1024  # free heap kept before returning memory to the system

_done = False
_lock = threading.Lock()


def keep_large_arrays_in_heap() -> bool:
    """Raise glibc's mmap and trim thresholds once; True when they were set."""
    global _done
    with _lock:
        if _done:
            return False
        _done = True
        if not sys.platform.startswith("linux"):
            return False
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError) as exc:  # not glibc: nothing to tune
            log.debug("no mallopt: %s", exc)
            return False
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
            bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
        log.debug("mallopt thresholds set: %s", ok)
        return ok


@functools.cache
def _libc_madvise():
    """glibc's ``madvise`` on Linux (None elsewhere, or if it cannot be loaded)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        madvise = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").madvise
    except (OSError, AttributeError) as exc:  # no libc madvise: nothing to advise
        log.debug("no madvise: %s", exc)
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return madvise


def sparse_empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised float64 array of ``shape`` to be written sparsely: on Linux its
    whole pages are advised against transparent huge pages (module docstring), so the
    system zeroes only the pages that are written. Elsewhere, or if the advice fails,
    a plain ``numpy.empty`` (the advice changes where memory comes from, never a number)."""
    out = np.empty(shape)
    madvise = _libc_madvise()
    if madvise is None or out.nbytes < 2 * PAGE:
        return out
    start = -(-out.ctypes.data // PAGE) * PAGE
    stop = (out.ctypes.data + out.nbytes) // PAGE * PAGE
    if stop > start and madvise(start, stop - start, MADV_NOHUGEPAGE) != 0:
        log.debug("madvise(MADV_NOHUGEPAGE) refused for %d bytes", stop - start)
    return out
