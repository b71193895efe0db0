"""The maps draw each city's administrative boundary: its counties, under the names in force, with
the county seats inside their own county; 安丘 (a county-level city) as its own outline; a city the
boundary package does not hold falls back to the labelled outline of what was imported."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.recycling import weighing_support as ws

from huanxin.kit import boundaries
from huanxin.orgs.boundary import city_boundary
from huanxin.orgs.models import Region
from huanxin.orgs.service import child_regions
from huanxin.recycling import coverage
from huanxin.recycling.demo_places import COUNTIES
from huanxin.recycling.models import Site
from huanxin.recycling.network import mapdata


def test_the_compressed_ring_decodes_to_degrees() -> None:
    # "@@" is a zero step from the offset; "AB" steps -1 in x and +1 in y (zigzag), in 1/1024 degree.
    ring = boundaries.decode_ring("@@AB", [104 * 1024, 30 * 1024])
    assert ring == [[104.0, 30.0], [104 - 1 / 1024, 30 + 1 / 1024]]


@pytest.mark.parametrize("city_code", ["512000", "510400", "430500", "140300"])
def test_a_city_is_drawn_as_its_counties_with_the_names_in_force(db: Session, city_code: str) -> None:
    drawn = city_boundary(db, city_code)
    assert drawn is not None
    counties = {f["properties"]["code"]: f["properties"]["name"] for f in drawn["features"]}
    assert counties == {r.code: r.name for r in child_regions(db, city_code)}
    for seat in COUNTIES[city_code]:
        own = {"features": [f for f in drawn["features"] if f["properties"]["code"] == seat.code]}
        assert boundaries.contains(own, seat.lon, seat.lat), seat.code
    assert not boundaries.contains(drawn, 116.40, 39.90)  # Beijing is in none of them


def test_shaoyang_shows_shaodong_under_its_current_name(db: Session) -> None:
    drawn = city_boundary(db, "430500")
    assert drawn is not None
    names = {f["properties"]["name"] for f in drawn["features"]}
    assert "邵东市" in names and "邵东县" not in names


def test_anqiu_is_drawn_as_its_own_outline(db: Session) -> None:
    drawn = city_boundary(db, "370784")
    assert drawn is not None
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in drawn["features"]] == [("370784", "安丘市")]
    seat = COUNTIES["370784"][0]
    assert boundaries.contains(drawn, seat.lon, seat.lat)
    assert not boundaries.contains(drawn, 119.16, 36.71)  # 潍坊's own centre lies outside 安丘


def test_a_city_the_package_lacks_has_no_boundary_and_the_map_says_what_it_draws(db: Session) -> None:
    db.add(Region(code="659999", name="测试新城市", level="city", parent_code="650000"))
    db.add(Region(code="650000", name="新疆维吾尔自治区", level="province", parent_code=None))
    db.flush()
    assert city_boundary(db, "659999") is None
    assert city_boundary(db, "000000") is None
    corners = [SimpleNamespace(name="站", level="station", status="closed", lon=lon, lat=lat)
               for lon, lat in ((87.0, 43.0), (87.2, 43.0), (87.1, 43.2))]
    shown = mapdata.coverage_map([], corners, coverage.analyse([], []), None)  # type: ignore[arg-type]
    assert shown["boundary"]["properties"]["name"] == mapdata.HULL_NAME
    assert "非行政边界" in mapdata.HULL_NAME


def test_the_coverage_map_json_carries_the_city_boundary(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    data = client.get("/api/v1/recycling/coverage/map.json", headers=api_token(client, rc.dispatcher)).json()
    assert data["boundary"]["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in data["boundary"]["features"]} == {"雁江区", "安岳县", "乐至县"}
    site = db.get(Site, rc.site_id)
    assert site is not None and boundaries.contains(data["boundary"], site.lon, site.lat)
