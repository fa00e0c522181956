"""The bundled evidence table: published knock-on effects of spending changes (UK).

Each row is one study's quantified association or effect (see cutsim/data/REFERENCE.md).
Null results (``effect_value`` 0) are kept and marked, never hidden: a study that found
no effect is evidence too.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class EvidenceLink:
    """One published effect; ``effect_value`` is signed for the change in ``service_cut``
    (``direction``: cut, increase or policy), None when only the direction was confirmed."""

    id: str
    service_cut: str
    outcome_affected: str
    effect: str
    effect_value: float | None
    effect_unit: str
    lag_years: float | None
    population: str
    study: str
    confidence: str
    notes: str
    direction: str
    verified: str

    @property
    def is_null(self) -> bool:
        """True for a null result: the study found no effect."""
        return self.effect_value == 0.0

    @property
    def confidence_grade(self) -> int:
        """The study's confidence as cutsim's 1-5 grade (high 4, medium 3, low 2)."""
        return {"high": 4, "medium": 3, "low": 2}.get(self.confidence, 1)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["is_null"] = self.is_null
        return data


def _float(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@lru_cache(maxsize=1)
def load_evidence() -> tuple[EvidenceLink, ...]:
    """Every row of the bundled evidence table."""
    text = resources.files("cutsim").joinpath("data/evidence_links.csv").read_text(encoding="utf-8")
    return tuple(EvidenceLink(
        id=r["id"], service_cut=r["service_cut"], outcome_affected=r["outcome_affected"],
        effect=r["effect"], effect_value=_float(r["effect_value"]), effect_unit=r["effect_unit"],
        lag_years=_float(r["lag_years"]), population=r["population"], study=r["study"],
        confidence=r["confidence"], notes=r["notes"], direction=r["direction"],
        verified=r["verified"]) for r in csv.DictReader(io.StringIO(text)))


def search(text: str) -> list[EvidenceLink]:
    """Rows matching every word of ``text`` (null results included)."""
    words = [w for w in re.split(r"\s+", text.casefold().strip()) if w]
    return [row for row in load_evidence()
            if all(w in " ".join((row.id, row.service_cut, row.outcome_affected, row.effect,
                                  row.study, row.population, row.notes)).casefold()
                   for w in words)]


def source_text(row: EvidenceLink) -> str:
    """An effect's ``source`` for a figure taken from this row."""
    return f"{row.study} ({row.id}: {row.effect[:120]})"
