"""The renewal market feeds the indicators by county and month (issue 18, item 7): deals signed
through the matching and the financing money each count by their own date, in the city and in the
county of the project, year to date; an entered county figure keeps its series; a period with
nothing recorded gets no figure."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.financing.support import declared_need, setup_financing, signed_loan
from tests.matching.catalogue_support import product, setup
from tests.projects.support import scope_for

from huanxin.financing import indicator_feed as financing_feed
from huanxin.indicators import service as indicators_service
from huanxin.indicators.computed import feed_scope
from huanxin.indicators.models import Observation
from huanxin.kit.clock import today
from huanxin.matching.catalogue import deals
from huanxin.matching.catalogue import indicator_feed as matching_feed

ZIYANG = "512000"


def _figures(db: Session, code: str, year: int, month: int) -> dict[str, float]:
    rows = db.scalars(select(Observation).where(Observation.city_code == ZIYANG, Observation.indicator_code == code,
                                                Observation.year == year, Observation.month == month))
    return {o.region_code: o.value for o in rows}


def test_deals_count_in_the_city_and_the_projects_county_by_signing_date(db: Session) -> None:
    m = setup(db)
    buyer = scope_for(db, m.buyer_user)
    day = today()
    for code, amount in (("MF-1", 150_000_00), ("MF-2", 50_000_00)):
        contact = deals.record_contact(db, buyer, m.motor.id, deals.ContactInput(
            product_id=product(db, m.supplier_user, code).id))
        deals.record_deal(db, buyer, contact.id, deals.DealInput(amount_fen=amount, signed_on=day))

    earlier = matching_feed.feed_indicators(db, ZIYANG, day.year - 1, 12)
    assert "matching_deals" not in earlier.written and earlier.skipped["matching_deals"]

    result = matching_feed.feed_indicators(db, ZIYANG, day.year, day.month)
    assert result.written == {"matching_deals": 2.0, "matching_deal_amount": 20.0, "matching_local_share": 100.0}
    deals_by_region = _figures(db, "matching_deals", day.year, day.month)
    assert deals_by_region[ZIYANG] == 2.0
    counties = [r for r in deals_by_region if r != ZIYANG]
    assert len(counties) == 1 and deals_by_region[counties[0]] == 2.0, "the project's county has its figure"
    assert counties == [m.project.region_code]


def test_financing_money_counts_by_its_own_date_and_county(db: Session) -> None:
    fin = setup_financing(db, ZIYANG)
    need = declared_need(db, fin)  # 2,000 万元, declared today
    day = today()
    first = day.replace(day=1)
    signed_loan(db, fin, need, [(3_000_000_00, first), (2_000_000_00, first)], principal_fen=6_000_000_00,
                contract_on=first)
    county = need.region_code
    assert county != ZIYANG

    before = financing_feed.feed_indicators(db, ZIYANG, day.year, day.month - 1 if day.month > 1 else 1)
    if day.month > 1:
        assert "financing_granted" not in before.written, "a loan signed this month is not in last month's figure"

    result = financing_feed.feed_indicators(db, ZIYANG, day.year, day.month)
    assert result.written == {"financing_requested": 2000.0, "financing_granted": 600.0,
                              "financing_disbursed": 500.0}
    assert "interest_subsidy_paid" in result.skipped, "no quarter settled yet: no figure, not a zero"
    assert result.regions_written[("financing_granted", county)] == 600.0
    assert _figures(db, "financing_disbursed", day.year, day.month) == {ZIYANG: 500.0, county: 500.0}


def test_an_entered_county_figure_keeps_its_series(db: Session) -> None:
    fin = setup_financing(db, ZIYANG)
    need = declared_need(db, fin)
    day = today()
    county = need.region_code
    office = feed_scope(ZIYANG, "ziyang-office", "专班办公室")
    indicators_service.record_observation(db, office, ZIYANG, indicators_service.ObservationInput(
        indicator_code="financing_requested", region_code=county, year=day.year, month=day.month, value=12.5,
        note="县金融办统计"))
    result = financing_feed.feed_indicators(db, ZIYANG, day.year, day.month)
    assert result.written["financing_requested"] == 2000.0
    assert "本年度已有录入" in result.skipped[f"financing_requested@{county}"]
    assert _figures(db, "financing_requested", day.year, day.month)[county] == 12.5
