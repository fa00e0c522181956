"""The engine's per-compiled-model caches (docs/performance.md): parameter sets' M and
step matrices, the reach of lever patterns, the chains' unit responses. Kept on the
compiled model (``cm.cache``), bounded, and guarded by one lock, since the app simulates
off the UI thread."""

from __future__ import annotations

import hashlib
import threading

import numpy as np

from cutsim.engine.compiled import CompiledModel

CACHE_SIZE = 4  # parameter sets whose step matrices are kept per compiled model
LOCK = threading.Lock()  # guards the per-model cache (the app simulates off the UI thread)


def digest(*parts: np.ndarray) -> bytes:
    """A digest of arrays' bytes, in order (a cache key)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())
        digest.update(b"|")
    return digest.digest()



def cached(cm: CompiledModel, name: str, key: object, limit: int, compute):
    """``compute()``, kept in the compiled model's cache ``name`` under ``key``; the
    oldest entries go beyond ``limit``. Computed outside the lock (computing may take it,
    as the chains' step matrices do); two threads may compute the same entry, once each."""
    with LOCK:
        store = cm.cache.setdefault(name, {})
        found = store.get(key)
    if found is None:
        found = compute()
        with LOCK:
            store[key] = found
            while len(store) > limit:
                store.pop(next(iter(store)))
    return found
