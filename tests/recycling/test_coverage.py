"""Coverage of the network: which points serve an area, how many it needs by the norm, the gaps
ranked, and the street measured through its communities."""

from __future__ import annotations

from dataclasses import dataclass

from huanxin.recycling.coverage import Norm, analyse, measured_areas
from huanxin.recycling.geo import haversine_m

LAT, LON = 30.13, 104.63  # 资阳 centre
M_PER_DEG_LAT = 111_195


@dataclass
class Area:
    id: int
    name: str
    households: int
    lat: float = LAT
    lon: float = LON
    kind: str = "community"
    parent_id: int | None = 1
    region_code: str = "512002"
    urban: bool = True


@dataclass
class Site:
    id: int
    lat: float
    lon: float
    level: str = "point"
    status: str = "operating"
    area_id: int | None = None


def north(metres: float) -> float:
    return LAT + metres / M_PER_DEG_LAT


def test_haversine_one_degree_of_latitude() -> None:
    assert round(haversine_m(30.0, 104.0, 31.0, 104.0)) == M_PER_DEG_LAT


def test_points_within_the_radius_serve_and_the_norm_sets_the_need() -> None:
    area = Area(id=10, name="和平社区", households=2500)  # needs 3 at 1,000 per point
    sites = [Site(1, north(300), LON), Site(2, north(499), LON), Site(3, north(700), LON)]
    report = analyse([area], sites)
    (cov,) = report.areas
    assert cov.serving_site_ids == [1, 2]
    assert cov.needed_points == 3 and cov.gap_points == 1
    assert cov.nearest_point_m == 300
    assert report.coverage_permille == 0


def test_a_point_in_the_area_serves_it_even_when_far_from_the_centre() -> None:
    area = Area(id=10, name="和平社区", households=900)
    report = analyse([area], [Site(1, north(2000), LON, area_id=10)])
    assert report.areas[0].covered


def test_town_households_use_the_town_norm_and_closed_sites_do_not_count() -> None:
    town = Area(id=11, name="乡镇社区", households=1500, urban=False)
    sites = [Site(1, LAT, LON), Site(2, LAT, LON, status="closed"), Site(3, LAT, LON, level="station")]
    cov = analyse([town], sites).areas[0]
    assert cov.needed_points == 1 and cov.serving_site_ids == [1]


def test_gaps_rank_the_most_households_without_a_point_first() -> None:
    areas = [Area(id=10, name="甲", households=1200), Area(id=11, name="乙", households=4000, lat=north(5000)),
             Area(id=12, name="丙", households=800, lat=north(10000))]
    report = analyse(areas, [Site(1, LAT, LON)], Norm(service_radius_m=300))
    assert [a.name for a in report.gaps()] == ["乙", "丙", "甲"]
    assert [a.unserved_households for a in report.gaps()] == [4000, 800, 200]
    assert report.gap_points == 1 + 4 + 1


def test_a_street_with_communities_is_measured_through_them() -> None:
    street = Area(id=1, name="雁江街道", households=5000, kind="street", parent_id=None)
    lone_street = Area(id=2, name="无社区街道", households=300, kind="street", parent_id=None)
    community = Area(id=10, name="和平社区", households=5000, parent_id=1)
    assert [a.id for a in measured_areas([street, lone_street, community])] == [2, 10]
