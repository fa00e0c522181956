"""Area shapes as plane figures for a map (the app's choropleth and the published SVG).

GeoJSON positions are [longitude, latitude] in degrees. For a town-sized map an
equirectangular projection with longitudes scaled by cos(mean latitude) is accurate to
well under a pixel; no map tiles and no network are involved. Output coordinates are in
a box of the given width and height, y growing downwards (screen and SVG convention),
with the aspect ratio kept.
"""

from __future__ import annotations

import math

from cutsim.model.schema import Area

Ring = list[tuple[float, float]]


def polygons(area: Area) -> list[list[list[list[float]]]]:
    """The area's polygons (each a list of rings), whatever its geometry type; [] if none."""
    if area.geometry is None:
        return []
    coords = area.geometry.coordinates
    return [coords] if area.geometry.type == "Polygon" else list(coords)  # type: ignore[list-item,arg-type]


def project(areas: list[Area], width: float, height: float,
            margin: float = 0.0) -> dict[str, list[Ring]]:
    """Each area's rings (outer rings and holes alike) in plane coordinates within
    ``width`` × ``height`` (less ``margin`` on every side); areas without geometry are left out."""
    positions = [pos for a in areas for poly in polygons(a) for ring in poly for pos in ring]
    if not positions:
        return {}
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    squash = math.cos(math.radians((min(lats) + max(lats)) / 2.0))
    span_x = max((max(lons) - min(lons)) * squash, 1e-12)
    span_y = max(max(lats) - min(lats), 1e-12)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    left = margin + ((width - 2 * margin) - span_x * scale) / 2.0
    top = margin + ((height - 2 * margin) - span_y * scale) / 2.0
    out: dict[str, list[Ring]] = {}
    for area in areas:
        rings = []
        for poly in polygons(area):
            for ring in poly:
                rings.append([(left + (p[0] - min(lons)) * squash * scale,
                               top + (max(lats) - p[1]) * scale) for p in ring])
        if rings:
            out[area.id] = rings
    return out
