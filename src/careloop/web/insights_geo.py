"""The world map's country shapes, made small enough to serve: `make assets` runs this file on
the npm package @geo-maps/countries-land-10km (1 MB of GeoJSON keyed by ISO alpha-3) and writes
a simplified copy (Douglas-Peucker, coordinates to 0.01 degree, specks dropped) to
static/vendor/world-land.json. Plain standard library, so it runs before the venv is filled.

    python3 src/careloop/web/insights_geo.py SOURCE.geo.json TARGET.json

The page reads the shapes through /insights/world.json, which keys them by ISO alpha-2 (the
`country` dimension of every metric); see insights.py.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

# Degrees: a world map on a wide screen is about 0.4 degree to the pixel. A country too small
# to survive this keeps its shape at a hundredth of it (a dot where Singapore is).
TOLERANCE = 0.2
DIGITS = 1
MIN_AREA = 0.5  # square degrees: islands smaller than this go, unless a country has nothing else

Point = tuple[float, float]


def _distance(p: Point, a: Point, b: Point) -> float:
    """The distance from p to the segment a-b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return float(((px - ax) ** 2 + (py - ay) ** 2) ** 0.5)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return float(((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5)


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative (rings have tens of thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > far:
                far, index = d, i
        if index >= 0 and far > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area(ring: list[Point]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)))


def _ring(raw: list[list[float]], fine: bool) -> list[list[float]] | None:
    """A simplified, rounded, closed ring; None when too little of it is left."""
    tolerance, digits = (TOLERANCE / 100, DIGITS + 2) if fine else (TOLERANCE, DIGITS)
    points = simplify([(float(x), float(y)) for x, y, *_ in raw], tolerance)
    rounded: list[list[float]] = []
    for x, y in points:
        p = [round(x, digits), round(y, digits)]
        if not rounded or rounded[-1] != p:
            rounded.append(p)
    if len(rounded) < 4:
        return None
    if rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _shapes(feature: dict[str, Any], fine: bool) -> list[list[list[list[float]]]]:
    polygons = []
    for polygon in _polygons(feature["geometry"]):
        outer = _ring(polygon[0], fine)
        if outer is None:
            continue
        holes = [h for h in (_ring(r, fine) for r in polygon[1:]) if h is not None]
        polygons.append([outer, *holes])
    return polygons


def shrink_feature(feature: dict[str, Any]) -> dict[str, Any] | None:
    """One country: its polygons simplified, the specks dropped (the largest always stays)."""
    polygons = _shapes(feature, fine=False) or _shapes(feature, fine=True)
    if not polygons:
        return None
    polygons.sort(key=lambda p: -_area([(x, y) for x, y in p[0]]))
    kept = [polygons[0]] + [p for p in polygons[1:] if _area([(x, y) for x, y in p[0]]) >= MIN_AREA]
    code = str(feature.get("properties", {}).get("A3", ""))
    return {
        "type": "Feature",
        "properties": {"A3": code},
        "geometry": {"type": "MultiPolygon", "coordinates": kept},
    }


def shrink(source: dict[str, Any]) -> dict[str, Any]:
    features = [shrink_feature(f) for f in source["features"]]
    return {"type": "FeatureCollection", "features": [f for f in features if f is not None]}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: insights_geo.py SOURCE.geo.json TARGET.json\n")
        return 2
    source, target = (Path(a) for a in argv)
    data = shrink(json.loads(source.read_text(encoding="utf-8")))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    sys.stdout.write(f"{target}: {len(data['features'])} countries\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
