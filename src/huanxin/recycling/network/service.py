"""The recycling network: sites (every level), the city's service areas, the flows between sites,
and the coverage of the areas by the points.

Who writes what: a recycler creates and edits the sites it operates (another recycler's site is
not found, as repository.get_site(own=True) answers); the city office (专班办公室), which plans the
network for the whole city, may also register or correct any site of its city for a recycler of
the city. Service areas (streets, communities, households) are the city's data, imported by the
office or the commerce bureau (a department). Flows are reported by the recycler that operates
the sending site. Everyone of the city reads the network (it is public within the city)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import coords, coverage, vocab
from huanxin.recycling import repository as repo
from huanxin.recycling.models import Flow, ServiceArea, Site

COORD_SYSTEMS = {"wgs84": "WGS-84（GPS）", "gcj02": "GCJ-02（高德/腾讯地图）"}
AREA_KINDS = {"street": "街道（乡镇）", "community": "社区（村）"}
AREA_WRITERS = frozenset({Role.OFFICE, Role.DEPARTMENT})
# Sources of the coverage norms, shown beside the numbers (recycling-facts.md, "Network").
NORM_SOURCES = ("每千户城镇居民设 1 个回收点、乡镇每 1,500 户 1 个：上海市标准（引用 SB/T 10719-2012）；"
                "服务半径默认 500 米：多数城市社区设施的步行距离，由本市设定，非国家标准")
# Mainland China, loosely: a point outside is a typo (lat and lon swapped, a missing digit).
LAT_RANGE = (3.0, 54.0)
# The tiers of the network: flows go from a lower tier to a higher one (or out of the network).
LEVEL_RANK = {"point": 1, "cabinet": 1, "bulky_store": 1, "station": 2, "centre": 3}
LON_RANGE = (73.0, 136.0)


@dataclass
class SiteInput:
    level: str
    name: str
    address: str
    lat: float
    lon: float
    coord_system: str = "wgs84"
    opening_hours: str = ""
    area_m2: int = 0
    capacity_kg: dict[str, int] = field(default_factory=dict)
    status: str = "operating"
    region_code: str = ""
    area_id: int | None = None
    parent_site_id: int | None = None
    operator_unit_id: int | None = None  # the office only: the recycler it registers the site for


@dataclass
class FlowInput:
    from_site_id: int
    to_site_id: int | None
    month: dt.date
    category: str
    weight_g: int


# ---- reading -------------------------------------------------------------------------------------

def sites_of_city(session: Session, scope: Scope, level: str | None = None) -> list[Site]:
    stmt = select(Site).where(Site.city_code == scope.city_code)
    if level:
        stmt = stmt.where(Site.level == level)
    return list(session.scalars(stmt.order_by(Site.level, Site.name, Site.id)))


def areas_of_city(session: Session, city_code: str) -> list[ServiceArea]:
    return list(session.scalars(select(ServiceArea).where(ServiceArea.city_code == city_code)
                                .order_by(ServiceArea.region_code, ServiceArea.kind, ServiceArea.name)))


def require_network_reader(scope: Scope) -> None:
    """The coverage and the areas: the city's supervisors and its recyclers (who plan points)."""
    if not (repo.is_supervisor(scope) or scope.role == Role.RECYCLER):
        raise Forbidden("您的角色无权查看回收网络覆盖分析")


def may_write_site(scope: Scope, site: Site | None = None) -> bool:
    if scope.role == Role.OFFICE:
        return True
    if scope.role != Role.RECYCLER or scope.unit_id is None:
        return False
    return site is None or site.operator_unit_id == scope.unit_id


# ---- sites ---------------------------------------------------------------------------------------

def _operator(session: Session, scope: Scope, wanted: int | None) -> int:
    if scope.role == Role.OFFICE:
        if wanted is None:
            raise InvalidInput("请选择运营企业", field="operator_unit_id")
        return repo.get_recycler(session, scope, wanted).id
    if scope.role != Role.RECYCLER:
        raise Forbidden("只有运营站点的回收企业或专班办公室可以登记、修改回收站点")
    return repo.recycler_unit(scope)


def _text(value: str, name: str, label: str, limit: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字", field=name)
    return value


def check_site(session: Session, scope: Scope, data: SiteInput) -> SiteInput:
    """The input made tidy, or InvalidInput naming the field."""
    if data.level not in vocab.SITE_LEVELS:
        raise InvalidInput("请选择站点层级（" + "、".join(vocab.SITE_LEVELS.values()) + "）", field="level")
    if data.status not in vocab.SITE_STATUSES:
        raise InvalidInput("请选择站点状态（" + "、".join(vocab.SITE_STATUSES.values()) + "）", field="status")
    if data.coord_system not in COORD_SYSTEMS:
        raise InvalidInput("请说明坐标系：WGS-84 或 GCJ-02", field="coord_system")
    if not (math.isfinite(data.lat) and LAT_RANGE[0] <= data.lat <= LAT_RANGE[1]):
        raise InvalidInput("纬度应在 3 到 54 之间（中国境内，请检查是否与经度填反）", field="lat")
    if not (math.isfinite(data.lon) and LON_RANGE[0] <= data.lon <= LON_RANGE[1]):
        raise InvalidInput("经度应在 73 到 136 之间（中国境内，请检查是否与纬度填反）", field="lon")
    if not 0 <= data.area_m2 <= 1_000_000:
        raise InvalidInput("面积应为 0 到 1,000,000 平方米的整数", field="area_m2")
    for category, kg in data.capacity_kg.items():
        if category not in vocab.CATEGORIES:
            raise InvalidInput(f"容量中的类别“{category}”不是可回收的类别", field="capacity_kg")
        if not 0 <= kg <= 100_000_000:
            raise InvalidInput(f"{vocab.CATEGORIES[category]}的容量应为 0 到 100,000,000 公斤的整数",
                               field="capacity_kg")
    region = data.region_code.strip() or scope.city_code
    if not re.fullmatch(r"\d{6}", region):
        raise InvalidInput("所在区县代码应为 6 位数字（如 512002）", field="region_code")
    if data.area_id is not None:
        area = session.get(ServiceArea, data.area_id)
        if area is None or area.city_code != scope.city_code:
            raise InvalidInput("所属街道社区不是本市的服务区域", field="area_id")
    if data.parent_site_id is not None:
        try:
            repo.get_site(session, scope, data.parent_site_id)
        except NotFound:
            raise InvalidInput("上级站点不是本市的站点", field="parent_site_id") from None
    return SiteInput(
        level=data.level, name=_text(data.name, "name", "站点名称", 80, required=True),
        address=_text(data.address, "address", "地址", 200, required=True), lat=data.lat, lon=data.lon,
        coord_system=data.coord_system, opening_hours=_text(data.opening_hours, "opening_hours", "营业时间", 60),
        area_m2=data.area_m2, capacity_kg={k: v for k, v in data.capacity_kg.items() if v > 0}, status=data.status,
        region_code=region, area_id=data.area_id, parent_site_id=data.parent_site_id,
        operator_unit_id=data.operator_unit_id)


def _apply(site: Site, data: SiteInput) -> None:
    lat, lon = coords.to_wgs84(data.lat, data.lon, data.coord_system)
    site.level, site.name, site.address = data.level, data.name, data.address
    site.lat, site.lon, site.coord_system = round(lat, 7), round(lon, 7), data.coord_system
    site.opening_hours, site.area_m2, site.capacity_kg = data.opening_hours, data.area_m2, dict(data.capacity_kg)
    site.status, site.region_code, site.area_id = data.status, data.region_code, data.area_id
    site.parent_site_id = data.parent_site_id


def create_site(session: Session, scope: Scope, data: SiteInput) -> Site:
    operator = _operator(session, scope, data.operator_unit_id)
    data = check_site(session, scope, data)
    at = now()
    site = Site(city_code=scope.city_code, operator_unit_id=operator, created_at=at, updated_at=at)
    _apply(site, data)
    session.add(site)
    session.flush()
    audit.record(session, actor=scope.username, action="recycling_site_create", entity="recycling_site",
                 entity_id=str(site.id), city_code=scope.city_code, detail={"level": site.level})
    return site


def writable_site(session: Session, scope: Scope, site_id: int) -> Site:
    """A site the caller may change: its recycler's own, or any of the city for the office."""
    if scope.role == Role.OFFICE:
        return repo.get_site(session, scope, site_id)
    if scope.role != Role.RECYCLER:
        repo.get_site(session, scope, site_id)  # another city's site: 404 before the 403
        raise Forbidden("只有运营站点的回收企业或专班办公室可以修改回收站点")
    return repo.get_site(session, scope, site_id, own=True)


def update_site(session: Session, scope: Scope, site_id: int, data: SiteInput) -> Site:
    site = writable_site(session, scope, site_id)
    if data.parent_site_id == site.id:
        raise InvalidInput("上级站点不能是站点本身", field="parent_site_id")
    data = check_site(session, scope, data)
    if scope.role == Role.OFFICE and data.operator_unit_id is not None:
        site.operator_unit_id = repo.get_recycler(session, scope, data.operator_unit_id).id
    _apply(site, data)
    site.updated_at = now()
    session.flush()
    audit.record(session, actor=scope.username, action="recycling_site_update", entity="recycling_site",
                 entity_id=str(site.id), city_code=scope.city_code, detail={"status": site.status})
    return site


# ---- service areas -------------------------------------------------------------------------------

def require_area_writer(scope: Scope) -> None:
    if scope.role not in AREA_WRITERS:
        raise Forbidden("只有专班办公室或市直部门（商务局）可以导入街道社区")


# ---- flows ---------------------------------------------------------------------------------------

def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def record_flow(session: Session, scope: Scope, data: FlowInput) -> Flow:
    """A month's tonnage of one category sent from a site: a second report of the same month,
    category and destination corrects the first (the figure is the month's total)."""
    source = repo.get_site(session, scope, data.from_site_id, own=True)
    if data.category not in vocab.CATEGORIES:
        raise InvalidInput("请选择类别", field="category")
    if not 0 < data.weight_g <= 10**13:
        raise InvalidInput("重量应大于 0", field="weight_g")
    target: Site | None = None
    if data.to_site_id is not None:
        try:
            target = repo.get_site(session, scope, data.to_site_id)
        except NotFound:
            raise InvalidInput("去向站点不是本市的站点", field="to_site_id") from None
        if target.id == source.id:
            raise InvalidInput("去向站点不能是发出站点本身", field="to_site_id")
        if LEVEL_RANK[target.level] <= LEVEL_RANK[source.level]:
            # the network carries upward: point → station → centre, then out to the users of the material
            raise InvalidInput(f"{vocab.SITE_LEVELS[source.level]}的回收物应送往上一级站点，"
                               f"不能送往{vocab.SITE_LEVELS[target.level]}", field="to_site_id")
    month = first_of_month(data.month)
    flow = session.scalar(select(Flow).where(
        Flow.city_code == scope.city_code, Flow.from_site_id == source.id, Flow.month == month,
        Flow.category == data.category,
        Flow.to_site_id == target.id if target is not None else Flow.to_site_id.is_(None)))
    if flow is None:
        flow = Flow(city_code=scope.city_code, from_site_id=source.id, to_site_id=target.id if target else None,
                    month=month, category=data.category, weight_g=data.weight_g)
        session.add(flow)
    else:
        flow.weight_g = data.weight_g
    session.flush()
    return flow


def flows_visible(session: Session, scope: Scope) -> list[Flow]:
    """A recycler: the flows from its own sites; a supervisor: the city's."""
    stmt = select(Flow).where(Flow.city_code == scope.city_code)
    if scope.role == Role.RECYCLER:
        own = select(Site.id).where(Site.operator_unit_id == repo.recycler_unit(scope))
        stmt = stmt.where(Flow.from_site_id.in_(own))
    elif not repo.is_supervisor(scope):
        raise Forbidden("您的角色无权查看回收物流向")
    return list(session.scalars(stmt.order_by(Flow.month.desc(), Flow.category, Flow.id)))


@dataclass
class MonthRow:
    month: dt.date
    by_category: dict[str, int]  # grams
    by_leg: dict[str, int]  # "point→station" … grams

    @property
    def total_g(self) -> int:
        return sum(self.by_category.values())


def monthly_table(session: Session, flows: list[Flow]) -> list[MonthRow]:
    """Per month (newest first) the tonnage by category and by leg of the network."""
    ids = {f.from_site_id for f in flows} | {f.to_site_id for f in flows if f.to_site_id is not None}
    levels = dict(session.execute(select(Site.id, Site.level).where(Site.id.in_(ids))).tuples().all()) if ids else {}
    rows: dict[dt.date, MonthRow] = {}
    for f in flows:
        row = rows.setdefault(f.month, MonthRow(f.month, {}, {}))
        row.by_category[f.category] = row.by_category.get(f.category, 0) + f.weight_g
        leg = f"{levels.get(f.from_site_id, '')}→{levels.get(f.to_site_id, '') if f.to_site_id else 'out'}"
        row.by_leg[leg] = row.by_leg.get(leg, 0) + f.weight_g
    return [rows[m] for m in sorted(rows, reverse=True)]


def leg_label(leg: str) -> str:
    start, _, end = leg.partition("→")
    return f"{vocab.SITE_LEVELS.get(start, '站点')}→{vocab.SITE_LEVELS.get(end, '利用企业')}"


# ---- coverage ------------------------------------------------------------------------------------

def norm_of(per_point_urban: int | None = None, per_point_town: int | None = None,
            radius_m: int | None = None) -> coverage.Norm:
    base = coverage.Norm()
    values = {"per_point_urban": per_point_urban, "per_point_town": per_point_town}
    for name, value in values.items():
        if value is not None and not 50 <= value <= 100_000:
            raise InvalidInput("每个回收点服务的户数应在 50 到 100,000 之间", field=name)
    if radius_m is not None and not 50 <= radius_m <= 20_000:
        raise InvalidInput("服务半径应在 50 到 20,000 米之间", field="radius_m")
    return coverage.Norm(households_per_point_urban=per_point_urban or base.households_per_point_urban,
                         households_per_point_town=per_point_town or base.households_per_point_town,
                         service_radius_m=radius_m or base.service_radius_m)


def coverage_of(session: Session, scope: Scope, norm: coverage.Norm) -> coverage.CoverageReport:
    return coverage.analyse(areas_of_city(session, scope.city_code), sites_of_city(session, scope), norm)


def count_sites(session: Session, city_code: str) -> dict[str, int]:
    rows = session.execute(select(Site.level, func.count()).where(Site.city_code == city_code)
                           .group_by(Site.level)).tuples().all()
    return {level: n for level, n in rows}


def site_out(site: Site, operators: dict[int, str] | None = None) -> dict[str, Any]:
    lat, lon = coords.as_entered(site.lat, site.lon, site.coord_system)
    return {"id": site.id, "level": site.level, "level_label": vocab.SITE_LEVELS.get(site.level),
            "name": site.name, "address": site.address, "lat": site.lat, "lon": site.lon,
            "coord_system": "wgs84", "entered": {"lat": round(lat, 7), "lon": round(lon, 7),
                                                 "coord_system": site.coord_system},
            "opening_hours": site.opening_hours, "area_m2": site.area_m2, "capacity_kg": site.capacity_kg,
            "operator_unit_id": site.operator_unit_id,
            "operator_name": (operators or {}).get(site.operator_unit_id), "status": site.status,
            "status_label": vocab.SITE_STATUSES.get(site.status), "region_code": site.region_code,
            "area_id": site.area_id, "parent_site_id": site.parent_site_id}
