"""Shared pieces of the consultation tests: the example file and random choices."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np

import cutsim
from cutsim.consult.page import page_data  # noqa: F401 - re-exported for the tests
from cutsim.files.exchange import model_sha256

REPO = Path(__file__).resolve().parents[2]
CONSULT_FILE = REPO / "scenarios" / "budget-consultation.cutsim"
SCENARIO = "budget-consultation"


def project():
    return cutsim.load(CONSULT_FILE)


def random_choices(scenario, rng: np.random.Generator) -> dict[str, float]:
    """Choices on each offered lever's steps, 0 included."""
    out = {}
    for o in scenario.consultation.levers:
        steps = int(round((o.max - o.min) / o.step))
        out[o.lever] = o.min + int(rng.integers(0, steps + 1)) * o.step
    return out


def response_doc(proj, choices: dict[str, float], **extra) -> dict:
    doc = {
        "format": "cutsim-consultation-response", "format_version": 1,
        "consultation": {"scenario": SCENARIO, "model_sha256": model_sha256(proj.model),
                         "page_id": "x"},
        "response_id": str(uuid.uuid4()), "submitted": "2026-12-01T10:00:00.000Z",
        "choices": choices, "comments": "", "equality": {},
    }
    doc.update(extra)
    return doc


def write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
