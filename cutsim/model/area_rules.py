"""The rules about a model's ``areas`` and levers that target them (docs/areas.md).

Called from :mod:`cutsim.model.validation`, so a problem reads the same wherever it is
found, located like ``areas[2] "north": service_shares["youth"] must be between 0 and 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the validator imports this module beside the schema; types only
    from cutsim.model.schema import Area, Geometry, Model

MAX_AREAS = 1000
MAX_AREA_POSITIONS = 20_000  # positions in one area's geometry: a neighbourhood, not a coastline
MAX_TOTAL_POSITIONS = 200_000  # across every area of the model
SHARE_TOL = 1e-6  # shares of one service or outcome must add up to 1 within this


def area_problems(model: Model, slug, fmt) -> list[tuple[str, str]]:
    """(location, message) for every problem with ``model.areas`` (none when absent).

    ``slug`` is the identifier pattern and ``fmt`` the value formatter of the validator.
    """
    areas = model.areas
    if areas is None:
        return []
    if not areas:
        return [("areas", "must name at least one area (leave areas out for a place "
                          "modelled as one)")]
    out: list[tuple[str, str]] = []
    if len(areas) > MAX_AREAS:
        out.append(("areas", f"at most {MAX_AREAS} areas (got {len(areas)})"))
    services = {s.id for s in model.services}
    outcomes = {o.id for o in model.outcomes}
    effects = {e.id for e in model.effects}
    seen: dict[str, int] = {}
    total_positions = 0
    for i, area in enumerate(areas):
        loc = f'areas[{i}] "{area.id}"'
        if not slug.fullmatch(area.id):
            out.append((loc, f"id must be 1-64 characters of a-z, 0-9, _ or - (got {fmt(area.id)})"))
        if area.id in seen:
            out.append((loc, f"id duplicates areas[{seen[area.id]}]"))
        seen.setdefault(area.id, i)
        if not area.name.strip():
            out.append((loc, "name must not be empty"))
        if area.population <= 0:
            out.append((loc, f"population must be > 0 (got {area.population})"))
        if area.deprivation_decile is not None and not 1 <= area.deprivation_decile <= 10:
            out.append((loc, f"deprivation_decile must be between 1 and 10 "
                             f"(got {area.deprivation_decile})"))
        for field, known, kind in (("service_shares", services, "service"),
                                   ("outcome_shares", outcomes, "outcome")):
            for key, share in (getattr(area, field) or {}).items():
                if key not in known:
                    out.append((loc, f'{field} names {kind} "{key}", which does not exist'))
                elif not 0 <= share <= 1:
                    out.append((loc, f'{field}["{key}"] must be between 0 and 1 (got {fmt(share)})'))
        for key, mult in (area.effect_multipliers or {}).items():
            if key not in effects:
                out.append((loc, f'effect_multipliers names effect "{key}", which does not exist'))
            elif not 0 <= mult <= 100:
                out.append((loc, f'effect_multipliers["{key}"] must be between 0 and 100 '
                                 f"(got {fmt(mult)})"))
        if area.geometry is not None:
            count, problems = _geometry_problems(area.geometry)
            total_positions += count
            out.extend((f"{loc} geometry", p) for p in problems)
    if total_positions > MAX_TOTAL_POSITIONS:
        out.append(("areas", f"geometry has {total_positions} positions in all, more than "
                             f"{MAX_TOTAL_POSITIONS}; simplify the shapes"))
    population = model.place.population
    summed = sum(a.population for a in areas)
    if population is not None and summed != population:
        out.append(("areas", f"populations add up to {summed}, but the place's population "
                             f"is {population}"))
    out.extend(_share_totals(areas, "service_shares", services))
    out.extend(_share_totals(areas, "outcome_shares", outcomes))
    return out


def _share_totals(areas: Sequence[Area], field: str, known: set[str]) -> list[tuple[str, str]]:
    """A service (outcome) named in one area's shares must be named in all, adding up to 1."""
    named: dict[str, list[float | None]] = {}
    for area in areas:
        for key in getattr(area, field) or {}:
            if key in known:
                named.setdefault(key, [None] * len(areas))
    for i, area in enumerate(areas):
        for key, share in (getattr(area, field) or {}).items():
            if key in named:
                named[key][i] = share
    out = []
    for key, shares in named.items():
        missing = [areas[i].id for i, s in enumerate(shares) if s is None]
        if missing:
            out.append(("areas", f'{field}["{key}"] is given for some areas but not for '
                                 f'{", ".join(missing[:5])}: give it for every area or none'))
        elif abs(sum(shares) - 1.0) > SHARE_TOL:  # type: ignore[arg-type]
            out.append(("areas", f'{field}["{key}"] must add up to 1 over the areas '
                                 f"(got {sum(shares):.6g})"))  # type: ignore[arg-type]
    return out


def _geometry_problems(geometry: Geometry) -> tuple[int, list[str]]:
    """(number of positions, problems) of one GeoJSON Polygon or MultiPolygon."""
    coords = geometry.coordinates
    depth = _depth(coords)
    want = 3 if geometry.type == "Polygon" else 4
    if depth != want:
        return 0, [f"a {geometry.type} needs coordinates nested {want} lists deep "
                   f"(got {depth})"]
    polygons: list[Any] = [coords] if geometry.type == "Polygon" else coords
    problems: list[str] = []
    count = 0
    for p, polygon in enumerate(polygons):
        if not polygon:
            problems.append(f"polygon {p} has no rings")
        for r, ring in enumerate(polygon):
            count += len(ring)
            where = f"polygon {p} ring {r}" if geometry.type == "MultiPolygon" else f"ring {r}"
            if len(ring) < 4:
                problems.append(f"{where} needs at least 4 positions (got {len(ring)})")
                continue
            if any(len(pos) not in (2, 3) for pos in ring):
                problems.append(f"{where}: each position is [longitude, latitude]")
                continue
            if list(ring[0][:2]) != list(ring[-1][:2]):
                problems.append(f"{where} must be closed (its last position equal to its first)")
            if any(not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90) for pos in ring):
                problems.append(f"{where}: longitude must be -180 to 180 and latitude -90 to 90")
    if count > MAX_AREA_POSITIONS:
        problems.append(f"has {count} positions, more than {MAX_AREA_POSITIONS}; simplify it")
    return count, problems


def _depth(value) -> int:
    depth = 0
    while isinstance(value, list):
        depth += 1
        value = value[0] if value else None
    return depth


def lever_area_problems(model: Model, lever, services: dict) -> list[str]:
    """Problems with a lever's ``areas`` (messages; the caller adds the lever's location)."""
    names = getattr(lever, "areas", None)
    if names is None:
        return []
    if getattr(lever, "kind", None) not in ("cut", "invest"):  # pragma: no cover - schema forbids
        return ["only a cut or an invest can name areas"]
    if model.areas is None:
        return ["names areas, but the model has none"]
    known = {a.id for a in model.areas}
    out = []
    if not names:
        out.append("areas must name at least one area (leave it out for the whole place)")
    for name in names:
        if name not in known:
            out.append(f'areas refers to area "{name}", which does not exist')
    if len(set(names)) != len(names):
        out.append("areas names an area twice")
    service = services.get(lever.service)
    if service is not None and service.mode == "demand_led":
        out.append(f'service "{lever.service}" is demand_led: a cut there is an efficiency '
                   "that applies place-wide, so it cannot name areas")
    return out
