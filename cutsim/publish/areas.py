"""The publication's areas: where the change lands, and the equality screen by deprivation.

From the engine's result dict (its ``annual.areas`` block), for the report's financial
year: each area's net saving and knock-on cost (£ in that year, summed over agencies;
+ = saving, + = a cost) and the outcomes that get worse or better there (the change in
the year's mean level); the same summed by deprivation decile (1 = most deprived tenth);
and an inline SVG map of net saving per area. Exact values; the page rounds them.
Only for a model with ``areas``.
"""

from __future__ import annotations

from html import escape
from types import SimpleNamespace
from typing import Any

from cutsim.model.area_shapes import project
from cutsim.model.materiality import is_nothing, materiality_floor
from cutsim.model.schema import Geometry, Model

MAP_WIDTH, MAP_HEIGHT = 560.0, 420.0
HARM, GOOD, NONE = "#E69F00", "#0072B2", "#FFFFFF"  # colour-blind-safe pair, as in the app


def build_areas(model: Model, result: dict[str, Any], y: int) -> dict[str, Any] | None:
    """The document's ``areas`` block for financial year ``y`` (None without areas)."""
    annual = result.get("annual", {}).get("areas")
    if not model.areas or not annual:
        return None
    floor = materiality_floor(model)
    worse_when_up = {o.id: not o.higher_is_better for o in model.outcomes}
    names = {o.id: o.name for o in model.outcomes}
    rows = []
    for area in model.areas:
        block = annual[area.id]
        net = sum(a["net_saving"][y] for a in block["agencies"].values())
        knock = sum(a["knock_on_cost"][y] for a in block["agencies"].values())
        worse: list[dict[str, Any]] = []
        better: list[dict[str, Any]] = []
        for oid, series in block["outcomes"].items():
            change = series["scenario"][y] - series["baseline"][y]
            if abs(change) <= 1e-9 * max(abs(series["baseline"][y]), 1.0):
                continue
            (worse if (change > 0) == worse_when_up[oid] else better).append(
                {"id": oid, "name": names[oid], "change": change})
        rows.append({
            "id": area.id, "name": area.name, "population": area.population,
            "deprivation_decile": area.deprivation_decile, "illustrative": area.illustrative,
            "net_saving": 0.0 if is_nothing(net, floor) else net,
            "knock_on_cost": 0.0 if is_nothing(knock, floor) else knock,
            "outcomes_worse": worse, "outcomes_better": better,
            "affected": bool(worse or better or not is_nothing(net, floor)),
            "geometry": None if area.geometry is None else area.geometry.model_dump(),
        })
    return {"areas": rows, "by_deprivation": by_decile(rows, floor),
            "illustrative": any(a.illustrative for a in model.areas)}


def by_decile(rows: list[dict[str, Any]], floor: float) -> list[dict[str, Any]]:
    """The equality screen by deprivation decile: population, net saving, knock-on cost,
    and how many people live in areas where an outcome gets worse."""
    deciles: dict[int | None, dict[str, Any]] = {}
    for row in rows:
        d = deciles.setdefault(row["deprivation_decile"], {
            "decile": row["deprivation_decile"], "areas": [], "population": 0,
            "net_saving": 0.0, "knock_on_cost": 0.0, "population_with_harm": 0})
        d["areas"].append(row["id"])
        d["population"] += row["population"]
        d["net_saving"] += row["net_saving"]
        d["knock_on_cost"] += row["knock_on_cost"]
        if row["outcomes_worse"]:
            d["population_with_harm"] += row["population"]
    out = sorted(deciles.values(), key=lambda d: (d["decile"] is None, d["decile"] or 0))
    for d in out:
        d["net_saving_per_person"] = d["net_saving"] / d["population"]
        d["harm_share"] = d["population_with_harm"] / d["population"]
        for key in ("net_saving", "knock_on_cost"):
            if is_nothing(d[key], floor):
                d[key] = 0.0
    return out


def map_svg(rows: list[dict[str, Any]]) -> str | None:
    """An inline SVG map of the document's area rows (their GeoJSON ``geometry``), or None
    when no area has a shape. Orange = an outcome gets worse there, blue = outcomes only
    improve, white = no change."""
    areas = [SimpleNamespace(id=r["id"], name=r["name"],
                             geometry=Geometry.model_validate(r["geometry"]))
             for r in rows if r.get("geometry")]
    shapes = project(areas, MAP_WIDTH, MAP_HEIGHT, margin=8.0)  # type: ignore[arg-type]
    if not shapes:
        return None
    by_id = {r["id"]: r for r in rows}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map" role="img" '
             f'viewBox="0 0 {MAP_WIDTH:g} {MAP_HEIGHT:g}" aria-labelledby="map-title">',
             '<title id="map-title">Map of the areas: orange where an outcome gets worse, '
             'blue where outcomes only improve, white where nothing changes</title>']
    labels = []
    for area in areas:
        rings = shapes.get(area.id)
        if not rings:
            continue
        row = by_id[area.id]
        fill = HARM if row["outcomes_worse"] else (GOOD if row["outcomes_better"] else NONE)
        d = " ".join("M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in ring) + " Z"
                     for ring in rings)
        state = ("an outcome gets worse" if row["outcomes_worse"] else
                 "outcomes improve" if row["outcomes_better"] else "no change")
        parts.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#333333" '
                     f'stroke-width="1"><title>{escape(area.name)}: {state}</title></path>')
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        colour = "#FFFFFF" if fill == GOOD else "#000000"
        labels.append(f'<text x="{(min(xs) + max(xs)) / 2:.1f}" y="{(min(ys) + max(ys)) / 2:.1f}" '
                      f'text-anchor="middle" font-size="12" fill="{colour}">'
                      f'{escape(area.name)}</text>')
    parts.extend(labels)
    parts.append("</svg>")
    return "".join(parts)
