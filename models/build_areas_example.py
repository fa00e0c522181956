"""Build models/example-place-areas.cutsim: Seaport split into eight neighbourhoods.

The neighbourhoods, their populations, deprivation deciles and shapes are illustrative:
Seaport is imaginary. The model is example-place.cutsim unchanged plus ``areas``, so a
scenario that names no area gives exactly the example place's figures. Youth work and
early help are weighted to the more deprived neighbourhoods (population × (11 − decile)),
as their caseloads would be; every other service and outcome splits by population.

Run from the repository root after the example model changes:
    python models/build_areas_example.py
"""

from __future__ import annotations

from pathlib import Path

from cutsim.files.exchange import read_file, write_file
from cutsim.model.schema import Area, CutsimFile, Geometry, Scenario

HERE = Path(__file__).resolve().parent
SOURCE = "Illustrative: an imaginary neighbourhood of the imaginary town of Seaport."

# id, name, population, deprivation decile (1 = most deprived tenth in England), grid cell
NEIGHBOURHOODS = [
    ("harbourside", "Harbourside", 21_000, 1, (0, 0)),
    ("north-cliffs", "North Cliffs", 16_000, 4, (0, 1)),
    ("old-town", "Old Town", 19_500, 1, (1, 0)),
    ("station-quarter", "Station Quarter", 17_500, 2, (1, 1)),
    ("eastfields", "Eastfields", 15_000, 6, (2, 0)),
    ("moor-end", "Moor End", 18_000, 8, (2, 1)),
    ("southbank", "Southbank", 18_500, 3, (3, 0)),
    ("lakeside-park", "Lakeside Park", 15_500, 9, (3, 1)),
]
WEIGHTED = ("youth", "early_help")  # services weighted to deprivation

# A 5 × 3 grid of corners (longitude, latitude) with the inner ones nudged, so the
# neighbourhoods tile the town without looking like a chessboard. West is the sea.
LON0, LAT0, DLON, DLAT = -3.10, 53.78, 0.022, 0.030
NUDGE = {(1, 1): (0.004, -0.003), (2, 1): (-0.003, 0.004), (3, 1): (0.005, 0.002)}


def corner(i: int, j: int) -> list[float]:
    dx, dy = NUDGE.get((i, j), (0.0, 0.0))
    return [round(LON0 + i * DLON + dx, 5), round(LAT0 + j * DLAT + dy, 5)]


def cell(col: int, row: int) -> Geometry:
    ring = [corner(col, row), corner(col + 1, row), corner(col + 1, row + 1),
            corner(col, row + 1)]
    if col == 0:  # the coast bulges out to sea on the western edge
        mid = [round(LON0 - 0.006, 5), round(LAT0 + (row + 0.5) * DLAT, 5)]
        ring.append(mid)
    ring.append(ring[0])
    return Geometry(type="Polygon", coordinates=[ring])


def build() -> CutsimFile:
    example = read_file(HERE / "example-place.cutsim")
    weights = [p * (11 - d) for _, _, p, d, _ in NEIGHBOURHOODS]
    total = sum(weights)
    areas = []
    for (aid, name, population, decile, (col, row)), w in zip(NEIGHBOURHOODS, weights):
        areas.append(Area(
            id=aid, name=name, population=population, deprivation_decile=decile,
            geometry=cell(col, row), illustrative=True, source=SOURCE,
            service_shares={s: round(w / total, 6) for s in WEIGHTED}))
    # Round-off in the six-figure shares goes to the largest area, so each adds up to 1.
    for s in WEIGHTED:
        gap = round(1.0 - sum(a.service_shares[s] for a in areas), 6)
        areas[0].service_shares[s] = round(areas[0].service_shares[s] + gap, 6)
    model = example.model.model_copy(update={
        "areas": areas,
        "place": example.model.place.model_copy(update={
            "notes": example.model.place.notes + " The eight neighbourhoods, their "
            "populations, deprivation deciles and shapes are illustrative too."})})
    targeted = Scenario.model_validate({
        "id": "harbourside-centre", "name": "Close the Harbourside youth centre",
        "description": "Youth work in Harbourside cut by 60 % (the centre closes; outreach "
                       "stays), with its redundancy costs. Illustrative.",
        "levers": [{"id": "harbourside-youth", "kind": "cut", "service": "youth",
                    "percent": 60, "areas": ["harbourside"], "notice_months": 3,
                    "one_off_cost": 60_000}]})
    return CutsimFile(format="cutsim", format_version=2, model=model,
                      scenarios=[*example.scenarios, targeted])


if __name__ == "__main__":
    write_file(HERE / "example-place-areas.cutsim", build())
