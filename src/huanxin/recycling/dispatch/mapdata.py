"""map.json of a plan, for a map widget: the depots and reload sites, the bookings, each route as a
line (lon, lat pairs, GeoJSON order) from its depot through its stops and back. A supervisor reads
the bookings at about a kilometre (0.01°): where a resident lives is the crew's business."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.orgs.boundary import city_boundary
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.dispatch.day import stops_of
from huanxin.recycling.models import Booking, RoutePlan, Site, Vehicle
from huanxin.recycling.vocab import SITE_LEVELS

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def plan_map(session: Session, scope: Scope, plan: RoutePlan) -> dict[str, Any]:
    stops = stops_of(session, plan)
    digits = 2 if repo.is_supervisor(scope) else 6
    vehicles = {v.id: v for v in session.scalars(select(Vehicle).where(Vehicle.id.in_({s.vehicle_id for s in stops})))}
    site_ids = {s.site_id for s in stops if s.site_id} | {v.depot_site_id for v in vehicles.values()}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))} if site_ids else {}
    ids = {s.booking_id for s in stops if s.booking_id} | {u["booking_id"] for u in plan.unserved}
    bookings = {b.id: b for b in session.scalars(select(Booking).where(Booking.id.in_(ids)))} if ids else {}
    points = [{"name": status.booking_no(b), "lat": round(b.lat, digits), "lon": round(b.lon, digits),
               "kind": "unserved" if b.id not in {s.booking_id for s in stops} else b.status,
               "label": "未派单" if b.id not in {s.booking_id for s in stops} else status.STATUS_LABELS[b.status]}
              for b in bookings.values()]
    routes = []
    for n, shift_id in enumerate(dict.fromkeys(s.shift_id for s in stops)):
        own = [s for s in stops if s.shift_id == shift_id]
        vehicle = vehicles[own[0].vehicle_id]
        depot = sites[vehicle.depot_site_id]
        path = [[depot.lon, depot.lat]]
        for s in own:
            if s.booking_id:
                b = bookings[s.booking_id]
                path.append([round(b.lon, digits), round(b.lat, digits)])
            elif s.site_id:
                path.append([sites[s.site_id].lon, sites[s.site_id].lat])
        routes.append({"name": f"{vehicle.plate}（班次{n + 1}）", "color": COLORS[n % len(COLORS)], "path": path})
    return {"boundary": city_boundary(session, plan.city_code),
            "sites": [{"name": s.name, "level_label": SITE_LEVELS.get(s.level, s.level), "lat": s.lat, "lon": s.lon}
                      for s in sites.values()],
            "points": points, "routes": routes, "gaps": []}
