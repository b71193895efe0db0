"""Supply–demand matching feeds the indicators (issue 18, item 7), year to date, for the city and
each county (the buyer's project's county), as observations with source "computed": deals signed
through a match (`matching_deals`, 笔), their amount (`matching_deal_amount`, 万元) and the share
of them signed with a supplier of the city (`matching_local_share`, %), by the signing date.

Precedence as in every feed (indicators.computed): a year (of a region) with an entered or imported
figure keeps it; a period with no deal gets no figure rather than a zero."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.indicators import computed
from huanxin.matching.catalogue import repository as repo

ACTOR = "matching-feed"
FEN_PER_WAN = 1_000_000


@dataclass
class _Sums:
    deals: int = 0
    local: int = 0
    fen: int = 0


def _values(sums: _Sums, when: str) -> computed.Values:
    if not sums.deals:
        return {"matching_deals": (None, ""), "matching_deal_amount": (None, ""), "matching_local_share": (None, "")}
    return {
        "matching_deals": (float(sums.deals), f"平台计算：{when}通过供需对接签约的笔数（按签约日期）"),
        "matching_deal_amount": (round(sums.fen / FEN_PER_WAN, 2), f"平台计算：{when}通过供需对接签约的金额"),
        "matching_local_share": (round(sums.local * 100 / sums.deals, 1),
                                 f"平台计算：{when}签约{sums.deals}笔中本市供应商{sums.local}笔"),
    }


def feed_indicators(session: Session, city_code: str, year: int, month: int) -> computed.FeedResult:
    start, end = computed.year_to_date(year, month)
    when = computed.period_words(year, month)
    city = _Sums()
    counties: dict[str, _Sums] = {}
    for region, _field, local, count, fen in repo.deal_sums(session, city_code, signed=(start, end)):
        for sums in (city, counties.setdefault(region, _Sums())):
            sums.deals += count
            sums.fen += fen
            sums.local += count if local else 0
    regions = {county: _values(sums, when) for county, sums in counties.items() if county != city_code}
    scope = computed.feed_scope(city_code, ACTOR, "供需对接数据汇入")
    return computed.write(session, scope, year, month, _values(city, when), regions=regions,
                          empty="当期没有通过供需对接签约的记录")


def feed_months(session: Session, city_code: str, until: dt.date, since_year: int = 2024) -> int:
    return computed.feed_report_months(feed_indicators, session, city_code, until, since_year)
