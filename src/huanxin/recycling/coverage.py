"""Coverage of the recycling network against a planning norm: for each street or community, the
points that serve it, how many it needs for its households, and the gap, ranked so the city sees
where to build first.

A point (or smart cabinet) serves an area when it is operating and either lies in it (its
`area_id`) or within the service radius of the area's centre: people walk to the nearest point,
not to the one of their own community. An area needs ceil(households / norm) points, the norm
being per urban or per town household (recycling.vocab, with the sources). Where a street has
communities imported, the communities are measured and the street is their sum; a street imported
without communities is measured itself.

Pure functions over plain values, so pages, API, CLI and the demo share one computation."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from huanxin.recycling import vocab
from huanxin.recycling.geo import haversine_m


class AreaLike(Protocol):
    id: int
    parent_id: int | None
    kind: str
    name: str
    region_code: str
    households: int
    urban: bool
    lat: float
    lon: float


class SiteLike(Protocol):
    id: int
    level: str
    status: str
    area_id: int | None
    lat: float
    lon: float


@dataclass(frozen=True)
class Norm:
    households_per_point_urban: int = vocab.DEFAULT_HOUSEHOLDS_PER_POINT_URBAN
    households_per_point_town: int = vocab.DEFAULT_HOUSEHOLDS_PER_POINT_TOWN
    service_radius_m: int = vocab.DEFAULT_SERVICE_RADIUS_M

    def households_per_point(self, urban: bool) -> int:
        return self.households_per_point_urban if urban else self.households_per_point_town


@dataclass
class AreaCoverage:
    area_id: int
    name: str
    region_code: str
    households: int
    needed_points: int
    households_per_point: int
    serving_site_ids: list[int] = field(default_factory=list)
    nearest_point_m: int | None = None  # to the area's centre; None when the city has no point

    @property
    def gap_points(self) -> int:
        return max(0, self.needed_points - len(self.serving_site_ids))

    @property
    def unserved_households(self) -> int:
        """Households beyond what the serving points can take by the norm."""
        return max(0, self.households - len(self.serving_site_ids) * self.households_per_point)

    @property
    def covered(self) -> bool:
        return self.gap_points == 0


@dataclass
class CoverageReport:
    norm: Norm
    areas: list[AreaCoverage]

    @property
    def households(self) -> int:
        return sum(a.households for a in self.areas)

    @property
    def covered_households(self) -> int:
        return sum(a.households for a in self.areas if a.covered)

    @property
    def coverage_permille(self) -> int:
        """Households in areas that meet the norm, per mille (whole numbers on screen)."""
        return self.covered_households * 1000 // self.households if self.households else 0

    @property
    def gap_points(self) -> int:
        return sum(a.gap_points for a in self.areas)

    def gaps(self) -> list[AreaCoverage]:
        """Areas short of points, the most households left without a point first."""
        short = [a for a in self.areas if not a.covered]
        return sorted(short, key=lambda a: (-a.unserved_households, -a.gap_points, a.name))


def measured_areas(areas: Iterable[AreaLike]) -> list[AreaLike]:
    """Communities, and the streets that have none imported."""
    areas = list(areas)
    parents = {a.parent_id for a in areas if a.kind == "community" and a.parent_id is not None}
    return [a for a in areas if a.kind == "community" or a.id not in parents]


def analyse(areas: Iterable[AreaLike], sites: Sequence[SiteLike], norm: Norm | None = None) -> CoverageReport:
    norm = norm or Norm()
    points = [s for s in sites if s.level in vocab.HOUSEHOLD_LEVELS and s.status == "operating"]
    results = []
    for area in measured_areas(areas):
        distances = [(haversine_m(area.lat, area.lon, p.lat, p.lon), p) for p in points]
        serving = [p.id for d, p in distances if p.area_id == area.id or d <= norm.service_radius_m]
        nearest = min((d for d, _ in distances), default=None)
        per_point = norm.households_per_point(area.urban)
        needed = math.ceil(area.households / per_point) if area.households > 0 else 0
        results.append(AreaCoverage(area_id=area.id, name=area.name, region_code=area.region_code,
                                    households=area.households, needed_points=needed, households_per_point=per_point,
                                    serving_site_ids=sorted(serving),
                                    nearest_point_m=None if nearest is None else round(nearest)))
    return CoverageReport(norm=norm, areas=results)
