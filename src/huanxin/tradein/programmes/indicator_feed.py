"""Trade-in facts feed the plans' indicators (issue 4, item 8): subsidised purchases, scrapped
cars and recycled appliances become indicator observations with source "computed".

`feed_indicators(session, city_code, year, month)` counts, for the year to date (January to the
end of `month`, as statistics bureaus publish 累计 figures), the claims that money was committed
to (approved, paying or paid), by invoice date:

- `scrapped_car_recycling` (报废汽车回收量, 辆): car-scrapping claims, each of which scrapped an
  old car (scrap certificate);
- `waste_appliance_recycling` (废旧家电回收量, 台): appliance and e-bike claims whose old item was
  handed to a recycler (recycling certificate);
- `tradein_subsidised_purchases` (以旧换新补贴购买量, 件): every subsidised purchase, *if the
  catalogue has it* (see below).

These are the trade-in channel's share of the indicators, which is what the platform knows. The
statistics a bureau enters or imports cover more (every scrapped car, every recycled appliance),
so they win: a year for which the city already has an entered or imported figure of that
indicator gets no computed figure (the series is never a mix of two definitions), and a computed
figure is only ever replaced by a newer computed one. A year in which the city ran no programme of
the kind gets none either (zero would read as "nothing happened" rather than "not measured").

The catalogue has no subsidised-purchases indicator today. The entry this module is ready for
(to add to `huanxin/data/indicators/core.yaml`):

    - code: tradein_subsidised_purchases
      name: 以旧换新补贴购买量
      unit: 件
      direction: up
      action: consumer
      definition: 年度享受消费品以旧换新补贴的购买数量（汽车、家电、数码产品、电动自行车、家装厨卫；平台计算口径）。

Observations are written through `huanxin.indicators.service` (record_observation, which
validates, upserts and audits) and marked computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from huanxin.indicators import service as indicators_service
from huanxin.indicators.catalogue import catalogue
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import Claim, Programme

COUNTED = ("approved", "paying", "paid")
SOURCE = "computed"
FEED_ACTOR = "tradein-feed"
SCRAPPED_CARS = "scrapped_car_recycling"
RECYCLED_APPLIANCES = "waste_appliance_recycling"
SUBSIDISED_PURCHASES = "tradein_subsidised_purchases"
# How the recycling feed's combined appliance figure begins (recycling.indicator_feed).
COMBINED_NOTE = "再生资源回收与以旧换新合计"
# indicator → the programme kinds whose claims it counts
KINDS = {
    SCRAPPED_CARS: ("car_scrap",),
    RECYCLED_APPLIANCES: ("appliance", "ebike"),
    SUBSIDISED_PURCHASES: ("car_scrap", "car_replace", "appliance", "digital", "ebike", "home_decor"),
}


@dataclass
class FeedResult:
    """What one call wrote: indicator → value, and indicator → why it was left alone."""

    written: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def _feed_scope(city_code: str) -> Scope:
    # The computation acts for the city's task-force office, without a user row (like the CLI).
    return Scope(user_id=0, username=FEED_ACTOR, display_name="以旧换新数据汇入", role=Role.OFFICE,
                 city_code=city_code, unit_id=None, unit_name=None, region_code=None)


def count_claims(session: Session, city_code: str, year: int, month: int, indicator_code: str) -> int:
    """Claims with money committed, purchased from 1 January to the end of `month`."""
    start = dt.date(year, 1, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    programme_ids = list(session.scalars(select(Programme.id).where(
        Programme.city_code == city_code, Programme.kind.in_(KINDS[indicator_code]),
        Programme.starts_on < end, Programme.ends_on >= start)))
    if not programme_ids:
        return 0
    # By programme (indexed): only the claims of the year's programmes of that kind are read.
    stmt = select(func.count(Claim.id)).where(
        Claim.programme_id.in_(programme_ids), Claim.status.in_(COUNTED), Claim.invoice_date >= start,
        Claim.invoice_date < end)
    if indicator_code == RECYCLED_APPLIANCES:
        # Appliance and e-bike claims carry at most the recycling certificate as old-item proof,
        # and the claim service keeps it in `old_proof_kind`.
        stmt = stmt.where(Claim.old_proof_kind == "recycling_cert")
    return int(session.scalar(stmt) or 0)


def counted_as_recycled(session: Session, city_code: str, year: int, month: int, claim_ids: list[int]) -> set[int]:
    """Which of these claims `count_claims` counts as recycled appliances in the period (the
    recycling feed leaves their pickups out, so that a claim with a pickup counts once)."""
    if not claim_ids:
        return set()
    start = dt.date(year, 1, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    found: set[int] = set()
    for i in range(0, len(claim_ids), 500):
        found |= set(session.scalars(select(Claim.id).join(Programme, Programme.id == Claim.programme_id).where(
            Claim.id.in_(claim_ids[i:i + 500]), Claim.city_code == city_code,
            Programme.kind.in_(KINDS[RECYCLED_APPLIANCES]), Claim.status.in_(COUNTED),
            Claim.invoice_date >= start, Claim.invoice_date < end, Claim.old_proof_kind == "recycling_cert")))
    return found


def _ran_programme(session: Session, city_code: str, year: int, month: int, kinds: tuple[str, ...]) -> bool:
    start, end = dt.date(year, 1, 1), dt.date(year, month, 28)
    found = session.scalar(select(Programme.id).where(
        Programme.city_code == city_code, Programme.kind.in_(kinds),
        and_(Programme.starts_on <= end, Programme.ends_on >= start)).limit(1))
    return found is not None


def feed_indicators(session: Session, city_code: str, year: int, month: int) -> FeedResult:
    """Writes the year-to-date computed observations of (year, month) for the city."""
    if not 1 <= month <= 12:
        raise ValueError("month must be 1–12")
    scope = _feed_scope(city_code)
    known = catalogue()
    result = FeedResult()
    existing = indicators_service.list_observations(session, scope, city_code, year=year)
    for code, kinds in KINDS.items():
        if code not in known:
            result.skipped[code] = "指标目录中没有该指标"
            continue
        theirs = [o for o in existing if o.indicator_code == code and o.region_code == city_code]
        if any(o.source != SOURCE for o in theirs):
            result.skipped[code] = "本年度已有录入或导入的统计数，以统计数为准"
            continue
        if any(o.month == month and (o.note or "").startswith(COMBINED_NOTE) for o in theirs):
            # The recycling feed's figure holds this one plus the pickups outside trade-in.
            result.skipped[code] = "已由再生资源回收数据汇入（含以旧换新渠道）"
            continue
        if not _ran_programme(session, city_code, year, month, kinds):
            result.skipped[code] = "本年度未开展相应以旧换新活动"
            continue
        value = float(count_claims(session, city_code, year, month, code))
        indicators_service.record_observation(session, scope, city_code, indicators_service.ObservationInput(
            indicator_code=code, region_code=city_code, year=year, month=month, value=value,
            note=f"以旧换新平台计算：{year}年1-{month}月已审核通过或已发放的补贴申请" if month < 12
            else f"以旧换新平台计算：{year}年已审核通过或已发放的补贴申请"), source=SOURCE)
        result.written[code] = value
    session.flush()
    return result


def feed_months(session: Session, city_code: str, until: dt.date, since_year: int = 2024) -> int:
    """Quarter ends and the last full month, from `since_year` to the month before `until` (the
    demo's call; a deployment runs `feed_indicators` every month end)."""
    written = 0
    for year in range(since_year, until.year + 1):
        last = 12 if year < until.year else until.month - 1
        months = sorted({m for m in (3, 6, 9, 12) if m <= last} | ({last} if last >= 1 else set()))
        for month in months:
            written += len(feed_indicators(session, city_code, year, month).written)
    return written
