"""A place split into ``n`` synthetic areas, for benchmarks and tests of areas at scale.

Populations are drawn (seeded) and add up to the place's; deprivation deciles cycle 1-10;
the first two discretionary services with effects are weighted to deprivation (so the
areas are not all scaled copies of the place); every area is a square on a grid. The
place's scenarios are kept and one more, ``area-targeted``, adds a cut in the first area.
"""

from __future__ import annotations

import math

import numpy as np

from cutsim.model.schema import Area, CutsimFile, Geometry, Scenario

TARGETED_SCENARIO = "area-targeted"


def split_into_areas(cutsim_file: CutsimFile, n_areas: int, seed: int = 0) -> CutsimFile:
    """``cutsim_file`` with ``n_areas`` illustrative areas and an area-targeted scenario."""
    model = cutsim_file.model
    rng = np.random.default_rng(seed)
    total = model.place.population or 100_000 * n_areas
    raw = rng.uniform(0.5, 1.5, n_areas)
    population = np.floor(raw / raw.sum() * total).astype(int)
    population[0] += total - int(population.sum())
    deciles = [1 + i % 10 for i in range(n_areas)]
    with_effects = {e.service for e in model.effects}
    weighted = [s.id for s in model.services
                if s.mode == "discretionary" and s.id in with_effects][:2]
    weights = population * (11 - np.array(deciles))
    shares = weights / weights.sum()
    shares = np.round(shares, 9)
    shares[0] += 1.0 - shares.sum()
    side = math.ceil(math.sqrt(n_areas))
    areas = []
    for i in range(n_areas):
        x, y = i % side, i // side
        ring = [[x * 0.01, y * 0.01], [(x + 1) * 0.01, y * 0.01],
                [(x + 1) * 0.01, (y + 1) * 0.01], [x * 0.01, (y + 1) * 0.01], [x * 0.01, y * 0.01]]
        areas.append(Area(id=f"area-{i + 1}", name=f"Area {i + 1}", population=int(population[i]),
                          deprivation_decile=deciles[i],
                          geometry=Geometry(type="Polygon", coordinates=[ring]),
                          service_shares={s: float(shares[i]) for s in weighted},
                          illustrative=True, source="synthetic"))
    scenarios = list(cutsim_file.scenarios)
    if weighted:
        base = scenarios[0].levers if scenarios else []
        scenarios.append(Scenario.model_validate({
            "id": TARGETED_SCENARIO, "name": "A cut in the first area",
            "levers": [*(lv.model_dump(by_alias=True, exclude_none=True) for lv in base),
                       {"id": "area-cut", "kind": "cut", "service": weighted[0],
                        "percent": 50, "areas": [areas[0].id]}]}))
    return cutsim_file.model_copy(update={"model": model.model_copy(update={"areas": areas}),
                                          "scenarios": scenarios, "format_version": 2})
