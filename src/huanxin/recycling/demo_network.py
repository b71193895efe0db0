"""The demo's recyclers (units, users and their functions), service areas, the three-level network,
its monthly flows, the recyclers' price lists and their fleets, for one city. Rows get explicit ids
(the recycling tables are empty when the demo is built) and are written in bulk by the caller."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from huanxin.kit.clock import CHINA, now
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.recycling.demo_places import COMMUNITY_STEMS, COUNTIES, PLATES, RECYCLER_STEMS, RECYCLERS, County
from huanxin.recycling.vocab import CATEGORIES, MIN_STATION_AREA_M2, unit_of

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红玉海燕春梅文斌俊鹏宇浩"
# The base price list (fen per kg or per piece), near what household recyclers paid in 2024–2025
# in mid-sized cities: 废纸 ¥1.2/kg, 废塑料 ¥0.8/kg, 废金属 ¥2.3/kg, 冰箱 ¥50/件, 空调 ¥150/件 (its
# copper), an old piece of furniture ¥10/件 (mostly its wood). Each recycler's differs by ±10%.
BASE_PRICES_FEN: dict[str, int] = {
    "paper": 120, "plastic": 80, "metal": 230, "glass": 20, "textile": 40, "small_appliance": 100,
    "air_conditioner": 15_000, "refrigerator": 5_000, "washing_machine": 3_000, "television": 2_000,
    "computer": 3_000, "phone": 800, "furniture": 1_000,
}
# Tonnage assumption for the flows: a community point (or cabinet) takes in about 6 kg a month per
# household of the community it sits in (household recyclables are ~1/3 of ~1 kg of household
# waste per person a day, of which points catch a modest share), split by weight as below; a
# street station also receives the door-to-door pickups, about 2 kg per household of its street a
# month. For 资阳's ~60,000 demo households that is a few hundred tonnes a month through the network.
POINT_KG_PER_HOUSEHOLD = 6.0
PICKUP_KG_PER_HOUSEHOLD = 2.0
CATEGORY_SHARES: dict[str, float] = {
    "paper": 0.42, "plastic": 0.16, "metal": 0.19, "glass": 0.08, "textile": 0.06, "small_appliance": 0.03,
    "air_conditioner": 0.01, "refrigerator": 0.015, "washing_machine": 0.01, "television": 0.008,
    "computer": 0.004, "phone": 0.001, "furniture": 0.012,
}
# What a site of each level holds (kg per category, at the base share): community point, cabinet,
# street station, county centre, bulky-item store (furniture and big appliances only).
CAPACITY_KG = {"point": 800, "cabinet": 300, "station": 12_000, "centre": 120_000, "bulky_store": 6_000}
BULKY = ("air_conditioner", "refrigerator", "washing_machine", "television", "furniture")
OPENING = {"point": "08:00-18:00", "cabinet": "全天24小时", "station": "08:00-17:30",
           "centre": "08:00-18:00（周日休息）", "bulky_store": "09:00-17:00"}
# Vehicles: (weight capacity g, volume l): the 1.5 t / 8 m³ light truck most, a 1 t van, a 3 t box truck.
VEHICLE_TYPES = ((1_500_000, 8_000), (1_500_000, 8_000), (1_000_000, 5_000), (3_000_000, 16_000))
SHIFT_HOURS = (8, 18)  # Asia/Shanghai
PAST_SHIFT_DAYS, FUTURE_SHIFT_DAYS = 7, 2


@dataclass
class Community:
    id: int
    street_id: int
    region_code: str
    name: str
    place: str  # 县区 + 街道 + 社区, the start of an address
    lat: float
    lon: float
    households: int
    urban: bool


@dataclass
class Recycler:
    unit_id: int
    name: str
    number: int
    dispatcher_id: int
    driver_ids: list[int]
    station_user_ids: list[int]
    usernames: dict[str, list[str]]  # function → usernames
    depots: list[int] = field(default_factory=list)  # its stations and centres
    streets: set[int] = field(default_factory=set)  # the street areas whose station it runs
    shifts: dict[dt.date, list[int]] = field(default_factory=dict)  # day → shift ids


@dataclass
class Ids:
    area: itertools.count[int]
    site: itertools.count[int]
    vehicle: itertools.count[int]
    shift: itertools.count[int]
    names: set[tuple[str, str]] = field(default_factory=set)  # (county, area name): unique per county


@dataclass
class NetRows:
    areas: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    flows: list[dict[str, Any]] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    shifts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CityNet:
    code: str
    recyclers: list[Recycler]
    communities: list[Community]
    gaps: int = 0  # communities left without a point or cabinet
    price_change_on: dict[int, dt.date] = field(default_factory=dict)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def near(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point within about `metres` of (lat, lon): 1° of latitude ≈ 111 km."""
    import math

    dlat = rng.uniform(-metres, metres) / 111_000
    dlon = rng.uniform(-metres, metres) / (111_000 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


# ---- recyclers and their people ---------------------------------------------------------------


def recyclers(session: Session, code: str, slug: str, rng: random.Random, password_hash: str) -> list[Recycler]:
    """2–3 recycler units, each with a dispatcher, 2–3 drivers and 1–2 station staff (logins
    `<city>-recyclerN-dispatcher`, `-driverK`, `-stationK`, the demo's password)."""
    city = orgs_service.region_name(session, code)
    short = city[:-1] if city.endswith("市") else city
    counties = COUNTIES[code]
    out = []
    for n in range(RECYCLERS[code]):
        name = f"{short}{RECYCLER_STEMS[n]}"
        unit_id = session.scalar(insert(Unit).returning(Unit.id).values(
            city_code=code, name=name, kind="recycler", region_code=counties[n % len(counties)].code))
        assert unit_id is not None
        wanted = [("dispatcher", f"{slug}-recycler{n + 1}-dispatcher")]
        wanted += [("driver", f"{slug}-recycler{n + 1}-driver{k + 1}") for k in range(rng.choice((2, 3, 3)))]
        wanted += [("station", f"{slug}-recycler{n + 1}-station{k + 1}") for k in range(rng.choice((1, 2)))]
        ids = list(session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
            {"username": username, "display_name": person_name(rng), "password_hash": password_hash,
             "role": Role.RECYCLER.value, "city_code": code, "unit_id": unit_id, "active": True}
            for _, username in wanted]))
        by_function: dict[str, list[int]] = {"dispatcher": [], "driver": [], "station": []}
        names: dict[str, list[str]] = {"dispatcher": [], "driver": [], "station": []}
        for (function, username), uid in zip(wanted, ids, strict=True):
            by_function[function].append(uid)
            names[function].append(username)
        out.append(Recycler(unit_id, name, n + 1, by_function["dispatcher"][0], by_function["driver"],
                            by_function["station"], names))
    return out


# ---- areas and the network ------------------------------------------------------------------------


def network(session: Session, code: str, rng: random.Random, on: dt.date, ids: Ids, rows: NetRows,
            recyclers_: list[Recycler]) -> CityNet:
    """Streets and communities with households, then per county a centre (and a bulky store in a
    district), per street a station, points in most communities and a few cabinets."""
    net = CityNet(code, recyclers_, [])
    created = now()
    counties = COUNTIES[code]
    street_no = 0
    for c_index, county in enumerate(counties):
        county_name = orgs_service.region_name(session, county.code)
        county_name = "" if county.code == code else county_name  # 安丘: its streets are the city's own
        owner = recyclers_[c_index % len(recyclers_)]
        centre = _site(rows, ids, code, county, None, owner, "centre", f"{county_name or '安丘市'}再生资源分拣中心",
                       near(rng, county.lat, county.lon, 4_000), rng.randint(2_500, 6_000), None, created, rng)
        owner.depots.append(centre)
        if county.urban:
            _site(rows, ids, code, county, None, owner, "bulky_store", f"{county_name}大件废旧物品暂存点",
                  near(rng, county.lat, county.lon, 2_500), rng.randint(150, 300), centre, created, rng)
        for s_index, street in enumerate(county.streets):
            street_no += 1
            town = street.endswith("镇")
            urban = county.urban and not town
            operator = recyclers_[(c_index if len(counties) > 1 else s_index) % len(recyclers_)]
            radius = 3_500 if not town else 14_000
            slat, slon = near(rng, county.lat, county.lon, radius) if s_index else near(rng, county.lat,
                                                                                        county.lon, 1_200)
            street_id = next(ids.area)
            communities = _communities(rng, code, county, county_name, street, street_id, urban, slat, slon, ids)
            rows.areas.append({"id": street_id, "city_code": code, "region_code": county.code, "parent_id": None,
                               "kind": "street", "name": street, "households": sum(c.households for c in communities),
                               "urban": urban, "lat": slat, "lon": slon})
            rows.areas.extend({"id": c.id, "city_code": code, "region_code": county.code, "parent_id": street_id,
                               "kind": "community", "name": c.name, "households": c.households, "urban": c.urban,
                               "lat": c.lat, "lon": c.lon} for c in communities)
            net.communities.extend(communities)
            # About a third of the stations are below the 500 m² norm (the coverage page shows them).
            area = rng.randint(220, MIN_STATION_AREA_M2 - 20) if rng.random() < 0.3 else rng.randint(500, 900)
            station = _site(rows, ids, code, county, street_id, operator, "station",
                            f"{county_name}{street}再生资源中转站", near(rng, slat, slon, 600), area, centre,
                            created, rng)
            operator.depots.append(station)
            operator.streets.add(street_id)
            net.gaps += _points(rows, ids, code, county, operator, communities, station, urban, created, rng)
    return net


def _communities(rng: random.Random, code: str, county: County, county_name: str, street: str, street_id: int,
                 urban: bool, lat: float, lon: float, ids: Ids) -> list[Community]:
    suffix = "社区" if urban else "村"
    free = [s for s in COMMUNITY_STEMS if (county.code, f"{s}{suffix}") not in ids.names]
    stems = rng.sample(free, min(len(free), rng.randint(4, 7) if urban else rng.randint(3, 5)))
    out = []
    for stem in stems:
        households = rng.randint(1_200, 4_200) if urban else rng.randint(300, 1_100)
        clat, clon = near(rng, lat, lon, 1_200 if urban else 3_500)
        name = f"{stem}{suffix}"
        ids.names.add((county.code, name))
        out.append(Community(next(ids.area), street_id, county.code, name, f"{county_name}{street}{name}", clat, clon,
                             households, urban))
    return out


def _points(rows: NetRows, ids: Ids, code: str, county: County, operator: Recycler, communities: list[Community],
            station: int, urban: bool, created: dt.datetime, rng: random.Random) -> int:
    """Points in most communities (two in a large one), a cabinet in some; returns how many
    communities were left with neither (the gaps the coverage analysis lists)."""
    gaps = 0
    for i, community in enumerate(communities):
        covered = i == 0 or rng.random() < (0.72 if urban else 0.55)
        if covered:
            count = 2 if community.households > 3_200 and rng.random() < 0.5 else 1
            for k in range(count):
                _site(rows, ids, code, county, community.id, operator, "point",
                      f"{community.name}回收点" + ("" if count == 1 else f"（{k + 1}号）"),
                      near(rng, community.lat, community.lon, 300), rng.randint(8, 15), station, created, rng)
        if urban and rng.random() < 0.25:
            _site(rows, ids, code, county, community.id, operator, "cabinet", f"{community.name}智能回收柜",
                  near(rng, community.lat, community.lon, 250), 2, station, created, rng)
            covered = True
        gaps += 0 if covered else 1
    return gaps


def _site(rows: NetRows, ids: Ids, code: str, county: County, area_id: int | None, operator: Recycler, level: str,
          name: str, where: tuple[float, float], area_m2: int, parent: int | None, created: dt.datetime,
          rng: random.Random) -> int:
    site_id = next(ids.site)
    kinds = BULKY if level == "bulky_store" else tuple(CATEGORY_SHARES)
    capacity = {c: max(20, round(CAPACITY_KG[level] * CATEGORY_SHARES[c] * 5, -1)) for c in kinds}
    status = "operating"
    opened: dt.date | None = dt.date(2021, 3, 1) + dt.timedelta(days=rng.randint(0, 1_400))
    if level == "point" and rng.random() < 0.04:
        status, opened = "planned", None  # approved, not yet built
    elif level == "point" and rng.random() < 0.02:
        status = "suspended"
    rows.sites.append({
        "id": site_id, "city_code": code, "region_code": county.code, "area_id": area_id,
        "operator_unit_id": operator.unit_id, "level": level, "name": name[:80],
        "address": f"{name.removesuffix('回收点').removesuffix('智能回收柜')}{rng.randint(1, 199)}号"[:200],
        "lat": where[0], "lon": where[1], "coord_system": "wgs84", "opening_hours": OPENING[level],
        "area_m2": area_m2, "capacity_kg": capacity, "status": status, "opened_on": opened,
        "parent_site_id": parent, "created_at": created, "updated_at": created})
    return site_id


# ---- flows ------------------------------------------------------------------------------------


def flows(net: CityNet, rows: NetRows, rng: random.Random, on: dt.date, first_site: int) -> None:
    """Six full months of point → station → centre → out, by category (see POINT_KG_PER_HOUSEHOLD)."""
    households = {c.id: c.households for c in net.communities}
    street_households: dict[int, int] = {}
    for c in net.communities:
        street_households[c.street_id] = street_households.get(c.street_id, 0) + c.households
    sites = [s for s in rows.sites if s["id"] >= first_site and s["status"] == "operating"]
    months = _months(on, 6)
    into: dict[tuple[int, dt.date, str], float] = {}  # (site, month, category) → kg received
    for level in ("point", "cabinet", "bulky_store", "station", "centre"):
        for site in (s for s in sites if s["level"] == level):
            for month in months:
                season = 1.0 + 0.08 * ((month.month % 12) in (1, 2))  # more after Spring Festival clear-outs
                for category in site["capacity_kg"]:
                    if level in ("point", "cabinet"):
                        share = 0.25 if level == "cabinet" else 1.0
                        kg = households.get(site["area_id"], 0) * POINT_KG_PER_HOUSEHOLD * share \
                            * CATEGORY_SHARES[category] * season * rng.uniform(0.8, 1.2)
                    elif level == "station":
                        kg = into.get((site["id"], month, category), 0.0) + street_households.get(
                            site["area_id"], 0) * PICKUP_KG_PER_HOUSEHOLD * CATEGORY_SHARES[category] * season
                    elif level == "bulky_store":
                        kg = 400 * CATEGORY_SHARES[category] / 0.055 * rng.uniform(0.6, 1.4)
                    else:
                        kg = into.get((site["id"], month, category), 0.0) * rng.uniform(0.95, 0.99)  # rest in stock
                    if kg < 1:
                        continue
                    to = site["parent_site_id"]
                    if to is not None:
                        into[(to, month, category)] = into.get((to, month, category), 0.0) + kg
                    rows.flows.append({"city_code": net.code, "from_site_id": site["id"], "to_site_id": to,
                                       "month": month, "category": category, "weight_g": int(kg * 1000)})


def _months(on: dt.date, count: int) -> list[dt.date]:
    first = on.replace(day=1)
    out = []
    for _ in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return sorted(out)


# ---- prices, fleet --------------------------------------------------------------------------------


def prices(net: CityNet, rows: NetRows, rng: random.Random, on: dt.date) -> None:
    """Every category per recycler from half a year ago; 废纸 changed within the last month (so a
    booking made before the change and weighed after it is re-quoted with the price change)."""
    created = now()
    for r in net.recyclers:
        since = on - dt.timedelta(days=200)
        note = "成色一般80%，较差40%" if r.number == 1 else ""
        for category, base in BASE_PRICES_FEN.items():
            step = 10 if unit_of(category) == "kg" else 100
            price = max(step, round(base * rng.uniform(0.9, 1.1) / step) * step)
            rows.prices.append(_price(net.code, r, category, price, since, note if unit_of(category) == "piece"
                                      else "", created))
            if category == "paper":
                changed = on - dt.timedelta(days=rng.randint(3, 5))
                net.price_change_on[r.unit_id] = changed
                rows.prices.append(_price(net.code, r, category, price - 20, changed,
                                          "纸厂收购价下调，废纸回收价相应下调", created))


def _price(code: str, r: Recycler, category: str, price: int, since: dt.date, note: str,
           created: dt.datetime) -> dict[str, Any]:
    assert category in CATEGORIES
    return {"city_code": code, "recycler_unit_id": r.unit_id, "category": category, "unit": unit_of(category),
            "price_fen": price, "effective_from": since, "note": note, "created_by_user_id": r.dispatcher_id,
            "created_at": created}


def staff(net: CityNet, rows: NetRows) -> None:
    for r in net.recyclers:
        rows.staff.append({"city_code": net.code, "unit_id": r.unit_id, "user_id": r.dispatcher_id,
                           "function": "dispatcher", "site_id": None})
        rows.staff.extend({"city_code": net.code, "unit_id": r.unit_id, "user_id": uid, "function": "driver",
                           "site_id": None} for uid in r.driver_ids)
        stations = [d for d in r.depots if _level(rows, d) == "station"] or r.depots
        rows.staff.extend({"city_code": net.code, "unit_id": r.unit_id, "user_id": uid, "function": "station",
                           "site_id": stations[k % len(stations)]} for k, uid in enumerate(r.station_user_ids))


def _level(rows: NetRows, site_id: int) -> str:
    return next(str(s["level"]) for s in rows.sites if s["id"] == site_id)


def fleet(net: CityNet, rows: NetRows, ids: Ids, rng: random.Random, on: dt.date, names: dict[int, str]) -> None:
    """3–6 vehicles per recycler at its depots; a shift 08:00–17:00 for each driver on each of the
    last 7 days, today and the next 2 days, on the vehicles in turn (one may be in repair)."""
    plates: set[str] = set()
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    for r in net.recyclers:
        count = rng.randint(3, 6)
        vehicles = []
        for k in range(count):
            plate = ""
            while not plate or plate in plates:
                plate = f"{PLATES[net.code]}·{rng.choice(letters)}{rng.randint(1000, 9999)}"
            plates.add(plate)
            weight, volume = VEHICLE_TYPES[k % len(VEHICLE_TYPES)]
            vid = next(ids.vehicle)
            status = "repair" if k == 4 else "active"
            rows.vehicles.append({"id": vid, "city_code": net.code, "recycler_unit_id": r.unit_id, "plate": plate,
                                  "depot_site_id": r.depots[k % len(r.depots)], "capacity_weight_g": weight,
                                  "capacity_volume_l": volume, "status": status})
            if status == "active":
                vehicles.append((vid, r.depots[k % len(r.depots)]))
        stations = [d for d in r.depots if _level(rows, d) == "station"]
        for offset in range(-PAST_SHIFT_DAYS, FUTURE_SHIFT_DAYS + 1):
            day = on + dt.timedelta(days=offset)
            r.shifts[day] = []
            for j, driver in enumerate(r.driver_ids):
                vid, depot = vehicles[(j + offset) % len(vehicles)]
                if any(s["vehicle_id"] == vid and s["work_date"] == day for s in rows.shifts[-6:]):
                    continue  # fewer vehicles than drivers today: the driver rides along as crew
                sid = next(ids.shift)
                r.shifts[day].append(sid)
                rows.shifts.append({
                    "id": sid, "city_code": net.code, "vehicle_id": vid, "work_date": day,
                    "starts_at": at(day, SHIFT_HOURS[0]), "ends_at": at(day, SHIFT_HOURS[1]),
                    "driver_user_id": driver, "crew": f"司机 {names.get(driver, '')}，搬运 {person_name(rng)}",
                    "reload_site_ids": [s for s in stations if s != depot][:3]})
