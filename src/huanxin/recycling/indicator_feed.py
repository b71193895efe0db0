"""Recycling facts feed the plans' indicators (issue 13, item 5), as observations with source
"computed", year to date (January to the end of `month`, as statistics bureaus publish 累计 figures):

- `waste_appliance_recycling` (废旧家电回收量, 台): the pieces of 废弃电器电子产品
  (vocab.APPLIANCE_CATEGORIES) in the weighings of bookings settled in the period, **plus** the
  trade-in feed's count of appliance claims whose old item was handed to a recycler. **Counted
  once**: a settled 送新收旧 booking whose claim the trade-in count already counts (the settlement
  gave that claim its recycling certificate) adds nothing; its claim is the one unit. A 送新收旧
  booking whose claim is not counted (rejected, of a kind the trade-in count leaves out, such as a
  phone under the digital programme) counts by its pieces. Small appliances weighed by the
  kilogram count by the pieces entered on the line, if any. This combined figure is written with a
  note beginning with tradein.programmes.indicator_feed.COMBINED_NOTE, and the trade-in feed then
  leaves that month alone (otherwise the two feeds would overwrite each other's figure).
- `renewable_resource_recycling` (再生资源回收量, 吨): what **enters** the network, counted where it
  enters, so that nothing is counted twice on its way through it: the net weight of the settled
  bookings' weighings (door-to-door pickups, unloaded at a station), plus the Flow rows leaving a
  community point or a smart cabinet (HOUSEHOLD_LEVELS: residents' drop-offs). Flows from a
  station or a centre carry material already counted (the points' flows and the pickups), so they
  are not added.
- `recycling_points_built` (再生资源回收网点数量, 个): the community points and smart cabinets
  operating at the end of the period (opened on or before it, or with no opening date).
- `scrapped_car_recycling` (报废汽车回收量, 辆): the 报废机动车回收证明 issued in the period by the
  city's qualified dismantlers (recycling.scrapped: one certificate per VIN, so each car once).
  In a city that keeps the registry every car-scrapping claim names one of these certificates, so
  the count holds the trade-in feed's count of those claims: it is written with the COMBINED_NOTE
  prefix and the trade-in feed leaves that month alone, as for appliances. A city with no
  certificate in the period gets no figure here, and the trade-in feed's count stands.

Precedence as in the other feeds: a year for which the city has an entered or imported figure of an
indicator gets no computed one; a period with nothing to measure (no settlement, no flow, no
site) gets no figure rather than a zero."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.indicators import computed
from huanxin.kit.clock import midnight
from huanxin.recycling.models import Booking, Flow, Settlement, Site, Weighing
from huanxin.recycling.scrapped import service as scrapped_service
from huanxin.recycling.vocab import APPLIANCE_CATEGORIES, HOUSEHOLD_LEVELS
from huanxin.tradein.programmes import indicator_feed as tradein_feed

SOURCE = computed.SOURCE
FEED_ACTOR = "recycling-feed"
APPLIANCES = tradein_feed.RECYCLED_APPLIANCES  # waste_appliance_recycling
TONNAGE = "renewable_resource_recycling"
POINTS = "recycling_points_built"
SCRAPPED_CARS = "scrapped_car_recycling"
CODES = (APPLIANCES, TONNAGE, POINTS, SCRAPPED_CARS)


@dataclass(frozen=True)
class Figures:
    appliance_pieces: int  # from settled bookings, after leaving out the claims counted by trade-in
    tradein_appliances: int
    settled_bookings: int
    pickup_g: int
    dropoff_g: int
    points: int
    scrapped_cars: int = 0  # certificates issued in the period


def figures(session: Session, city_code: str, year: int, month: int) -> Figures:
    start, end = computed.year_to_date(year, month)
    settled = (select(Settlement.booking_id).where(Settlement.city_code == city_code,
                                                   Settlement.paid_at >= midnight(start),
                                                   Settlement.paid_at < midnight(end)))
    lines = session.execute(select(Weighing.booking_id, Booking.claim_id, Weighing.category, Weighing.pieces,
                                   Weighing.net_g).join(Booking, Booking.id == Weighing.booking_id)
                            .where(Weighing.city_code == city_code, Weighing.booking_id.in_(settled))).all()
    claim_ids = sorted({int(r.claim_id) for r in lines if r.claim_id is not None})
    counted = tradein_feed.counted_as_recycled(session, city_code, year, month, claim_ids)
    pieces = sum(int(r.pieces) for r in lines if r.category in APPLIANCE_CATEGORIES and r.claim_id not in counted)
    dropoff = session.scalar(select(func.coalesce(func.sum(Flow.weight_g), 0)).join(
        Site, Site.id == Flow.from_site_id).where(
        Flow.city_code == city_code, Flow.month >= start, Flow.month < end, Site.level.in_(HOUSEHOLD_LEVELS)))
    points = session.scalar(select(func.count(Site.id)).where(
        Site.city_code == city_code, Site.level.in_(HOUSEHOLD_LEVELS), Site.status == "operating",
        (Site.opened_on.is_(None)) | (Site.opened_on < end)))
    tradein = tradein_feed.count_claims(session, city_code, year, month, APPLIANCES)
    return Figures(appliance_pieces=pieces, tradein_appliances=tradein,
                   settled_bookings=len({r.booking_id for r in lines}), pickup_g=sum(int(r.net_g) for r in lines),
                   dropoff_g=int(dropoff or 0), points=int(points or 0),
                   scrapped_cars=scrapped_service.certificates_issued(session, city_code, start, end))


def _values(fig: Figures, when: str) -> dict[str, tuple[float | None, str]]:
    tonnes = (fig.pickup_g + fig.dropoff_g) / 1_000_000
    has_appliances = fig.appliance_pieces or fig.tradein_appliances
    return {
        APPLIANCES: (float(fig.appliance_pieces + fig.tradein_appliances) if has_appliances else None,
                     f"{tradein_feed.COMBINED_NOTE}：{when}上门回收结算的废旧家电{fig.appliance_pieces}台"
                     f"（已与以旧换新申请去重），加以旧换新已交售旧机的补贴申请{fig.tradein_appliances}台"),
        TONNAGE: (round(tonnes, 3) if fig.pickup_g or fig.dropoff_g else None,
                  f"再生资源回收计算：{when}上门回收结算{fig.settled_bookings}单净重{fig.pickup_g / 1_000_000:.3f}吨，"
                  f"社区回收点和智能回收柜交投{fig.dropoff_g / 1_000_000:.3f}吨（中转站、分拣中心的转运量不重复计入）"),
        POINTS: (float(fig.points) if fig.points else None,
                 f"再生资源回收计算：{when}末正在运营的社区回收点和智能回收柜数量"),
        SCRAPPED_CARS: (float(fig.scrapped_cars) if fig.scrapped_cars else None,
                        f"{tradein_feed.COMBINED_NOTE}：{when}本市回收拆解企业出具报废机动车回收证明"
                        f"{fig.scrapped_cars}份（每车一证，已含以旧换新报废更新的车辆，不重复计数）"),
    }


def feed_indicators(session: Session, city_code: str, year: int, month: int) -> computed.FeedResult:
    """Writes the year-to-date computed observations of (year, month) for the city."""
    values = _values(figures(session, city_code, year, month), computed.period_words(year, month))
    scope = computed.feed_scope(city_code, FEED_ACTOR, "再生资源回收数据汇入")
    return computed.write(session, scope, year, month, values, empty="当期没有可计入的回收数据")


def feed_months(session: Session, city_code: str, until: dt.date, since_year: int = 2024) -> int:
    """Quarter ends and the last full month, from `since_year` to the month before `until` (the
    demo's call, after the trade-in feed; a deployment runs `feed_indicators` every month end)."""
    return computed.feed_report_months(feed_indicators, session, city_code, until, since_year)
