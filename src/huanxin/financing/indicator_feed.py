"""Financing feeds the indicators (issue 18, item 7), year to date, for the city and each county, as
observations with source "computed": what projects asked for (`financing_requested`), what banks
signed (`financing_granted`), paid out (`financing_disbursed`) and the interest subsidy settled
through the budget ledger (`interest_subsidy_paid`), all in 万元, each by its own date (declared,
contract, disbursement, settlement). A loan counts in the county of the need it finances.

Precedence as in every feed (indicators.computed): a year (of a region) with an entered or imported
figure keeps it; a period with nothing recorded gets no figure rather than a zero."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from huanxin.financing import repository as repo
from huanxin.indicators import computed

ACTOR = "financing-feed"
FEN_PER_WAN = 1_000_000
INDICATORS = {"requested": "financing_requested", "granted": "financing_granted",
              "disbursed": "financing_disbursed", "subsidy_paid": "interest_subsidy_paid"}
NOTES = {"requested": "重点项目在平台申报的融资需求金额（按申报日期）",
         "granted": "银行登记签约的贷款本金（按合同日期）",
         "disbursed": "银行登记的贷款发放金额（按发放日期）",
         "subsidy_paid": "经预算台账结算拨付的贷款贴息（按结算日期）"}


def _values(sums: dict[str, int], when: str) -> computed.Values:
    return {code: (round(sums[m] / FEN_PER_WAN, 2) if sums.get(m) else None, f"平台计算：{when}{NOTES[m]}")
            for m, code in INDICATORS.items()}


def feed_indicators(session: Session, city_code: str, year: int, month: int) -> computed.FeedResult:
    start, end = computed.year_to_date(year, month)
    when = computed.period_words(year, month)
    by_county = repo.period_sums(session, city_code, start, end)
    city: dict[str, int] = {}
    for sums in by_county.values():
        for measure, fen in sums.items():
            city[measure] = city.get(measure, 0) + fen
    regions = {county: _values(sums, when) for county, sums in by_county.items() if county != city_code}
    scope = computed.feed_scope(city_code, ACTOR, "融资对接数据汇入")
    return computed.write(session, scope, year, month, _values(city, when), regions=regions,
                          empty="当期没有可计入的融资记录")


def feed_months(session: Session, city_code: str, until: dt.date, since_year: int = 2024) -> int:
    return computed.feed_report_months(feed_indicators, session, city_code, until, since_year)
