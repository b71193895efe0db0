"""A city's administrative boundary for its maps, found through its GB/T 2260 region chain.

A prefecture-level city (资阳 512000) is drawn as its counties; a county-level city that runs
its own plan (安丘 370784) as its own outline, taken from its parent city's file. County names
and codes are relabelled to the ones in force (data/regions.yaml): the boundary package is older
than some renamings (邵东县 430521 became 邵东市 430582 in 2019)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from huanxin.kit import boundaries
from huanxin.orgs.models import Region
from huanxin.orgs.service import child_regions

_COUNTY_SUFFIXES = ("市", "县", "区", "自治县")


def _stem(name: str) -> str:
    for suffix in _COUNTY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def _relabel(feature: dict[str, Any], regions: list[Region]) -> dict[str, Any]:
    props = feature["properties"]
    by_code = {r.code: r for r in regions}
    current = by_code.get(props["code"]) or next(
        (r for r in regions if _stem(r.name) == _stem(props["name"])), None)
    if current is None:
        return feature
    return {**feature, "properties": {**props, "name": current.name, "code": current.code}}


def city_boundary(session: Session, city_code: str) -> dict[str, Any] | None:
    region = session.get(Region, city_code)
    parent = session.get(Region, region.parent_code) if region and region.parent_code else None
    if region is None or parent is None:
        return None
    if region.level == "city":
        found = boundaries.boundary(parent.name, region.name)
        counties = child_regions(session, region.code)
    else:
        province = session.get(Region, parent.parent_code) if parent.parent_code else None
        if province is None:
            return None
        siblings = child_regions(session, parent.code)
        found = boundaries.boundary(province.name, parent.name)
        counties = [region]
        if found:
            own = [f for f in found["features"] if _relabel(f, siblings)["properties"]["code"] == region.code]
            found = {"type": "FeatureCollection", "features": own} if own else None
    if found is None:
        return None
    return {"type": "FeatureCollection", "features": [_relabel(f, counties) for f in found["features"]]}
