"""Second-hand trade and reverse invoicing feed the indicators (issue 17, item 4), year to date,
as observations with source "computed", from the same counts as the office's monthly table:

- `used_car_transactions` (二手车交易量, 辆): used cars the city's dealers sold on the platform;
- `secondhand_electronics_traded` (二手电子产品交易量, 台): devices sold after a verified wipe;
- `reverse_invoiced_amount` (反向开票金额, 万元): reverse invoices issued less red-letter ones, by
  the natural month they count in.

Precedence as in every feed (indicators.computed): a year with an entered or imported figure keeps
it; a period with nothing recorded gets no figure rather than a zero."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from huanxin.indicators import computed
from huanxin.recycling.statistics.service import MEASURES, Measure

ACTOR = "trade-feed"
INDICATORS = {"used_cars": "used_car_transactions", "electronics": "secondhand_electronics_traded",
              "reverse_invoiced": "reverse_invoiced_amount"}
NOTES = {"used_cars": "平台登记的二手车经营者售出车辆", "electronics": "经核验数据清除后售出的二手电子产品",
         "reverse_invoiced": "反向开票金额（不含税，已扣除红字发票）"}


def _value(session: Session, measure: Measure, city_code: str, start: dt.date, end: dt.date) -> float | None:
    total = sum(measure.count(session, city_code, start, end).values())
    if not total:
        return None
    return round(total / 1_000_000, 2) if measure.fen else float(total)


def feed_indicators(session: Session, city_code: str, year: int, month: int) -> computed.FeedResult:
    start, end = computed.year_to_date(year, month)
    when = computed.period_words(year, month)
    values = {INDICATORS[m.code]: (_value(session, m, city_code, start, end), f"平台计算：{when}{NOTES[m.code]}")
              for m in MEASURES if m.code in INDICATORS}
    scope = computed.feed_scope(city_code, ACTOR, "二手交易与反向开票数据汇入")
    return computed.write(session, scope, year, month, values, empty="当期没有可计入的登记数据")


def feed_months(session: Session, city_code: str, until: dt.date, since_year: int = 2024) -> int:
    return computed.feed_report_months(feed_indicators, session, city_code, until, since_year)
