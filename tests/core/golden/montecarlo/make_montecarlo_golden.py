"""Writes ``example-youth-cut.json`` once: the example's Monte Carlo draws and bands as the
code drew them before wider uncertainty existed. Kept as it is, to prove that a file
without any range field draws exactly as before for the same seed. Never regenerate."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))

from cutsim.api import load  # noqa: E402
from cutsim.appraise.montecarlo import draw_params  # noqa: E402

DRAWS, SEED, SCENARIO = 600, 2026, "youth-cut"


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
    return h.hexdigest()


def main() -> None:
    project = load(ROOT / "models" / "example-place.cutsim")
    params = draw_params(project.compiled, DRAWS, SEED)
    unc = project.run(SCENARIO, draws=DRAWS, seed=SEED).uncertainty.as_dict()
    doc = {
        "draws": DRAWS, "seed": SEED, "scenario": SCENARIO,
        "k_sha256": digest(params.k), "d_sha256": digest(params.d),
        "k_first": params.k[0].tolist(), "d_first": params.d[0].tolist(),
        "k_last": params.k[-1].tolist(), "d_last": params.d[-1].tolist(),
        "npv": unc["place"]["npv"],
        "place_net_saving": unc["place"]["net_saving"],
        "outcomes": unc["outcomes"],
    }
    (HERE / "example-youth-cut.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
