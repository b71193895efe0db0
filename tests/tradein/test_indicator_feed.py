"""Trade-in claims feed the indicators (issue 4, item 8): scrapped cars and recycled appliances
become computed observations, year to date; statistics entered by people win."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import id_number

from huanxin.indicators import service as indicators_service
from huanxin.indicators.models import Observation
from huanxin.kit.clock import CHINA
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import Claim, Programme
from huanxin.tradein.programmes import indicator_feed
from huanxin.tradein.programmes import setup as programmes_service
from huanxin.tradein.residents import identity

CITY = "512000"
_seq = itertools.count(1)


def _programmes(db: Session) -> dict[str, Programme]:
    budgets = {"car-scrap-2025": 10_000_000_00, "appliance-2025": 10_000_000_00, "digital-2025": 1_000_000_00}
    return {p.rules_code: p for p in programmes_service.setup_city_programmes(db, CITY, budgets)}


def _claim(db: Session, programme: Programme, person_id: int, day: dt.date, status: str,
           proof: str | None = None) -> None:
    k = next(_seq)
    db.add(Claim(city_code=CITY, region_code=CITY, programme_id=programme.id, person_id=person_id,
                 category="car" if programme.kind == "car_scrap" else "refrigerator", price_fen=300000,
                 invoice_no=f"FEED{k:08d}", invoice_date=day, status=status, amount_fen=60000,
                 old_proof_kind=proof, submitted_at=dt.datetime(day.year, day.month, day.day, 10, tzinfo=CHINA)))


def _observation(db: Session, code: str, year: int, month: int) -> Observation | None:
    return db.scalar(select(Observation).where(
        Observation.city_code == CITY, Observation.indicator_code == code, Observation.region_code == CITY,
        Observation.year == year, Observation.month == month))


def test_paid_and_approved_claims_become_year_to_date_computed_observations(db: Session) -> None:
    p = _programmes(db)
    person = identity.register_person(db, id_number=id_number(), name="赵一")
    for day, status in [(dt.date(2025, 1, 20), "paid"), (dt.date(2025, 2, 3), "approved"),
                        (dt.date(2025, 2, 9), "paying"), (dt.date(2025, 2, 10), "review"),
                        (dt.date(2025, 2, 11), "rejected"), (dt.date(2025, 3, 2), "paid")]:
        _claim(db, p["car-scrap-2025"], person.id, day, status, proof="deregistration")
    _claim(db, p["appliance-2025"], person.id, dt.date(2025, 1, 5), "paid", proof="recycling_cert")
    _claim(db, p["appliance-2025"], person.id, dt.date(2025, 2, 5), "paid")  # no old item recycled
    _claim(db, p["appliance-2025"], person.id, dt.date(2025, 2, 6), "rejected", proof="recycling_cert")
    db.flush()

    result = indicator_feed.feed_indicators(db, CITY, 2025, 2)

    assert result.written["scrapped_car_recycling"] == 3  # paid, approved, paying; not review/rejected/March
    assert result.written["waste_appliance_recycling"] == 1
    obs = _observation(db, "scrapped_car_recycling", 2025, 2)
    assert obs is not None and obs.source == "computed" and obs.value == 3
    assert "1-2月" in (obs.note or "")
    assert indicator_feed.feed_indicators(db, CITY, 2025, 3).written["scrapped_car_recycling"] == 4


def test_feeding_again_updates_the_computed_figure_without_duplicating_it(db: Session) -> None:
    p = _programmes(db)
    person = identity.register_person(db, id_number=id_number(), name="钱二")
    _claim(db, p["car-scrap-2025"], person.id, dt.date(2025, 4, 1), "paid")
    db.flush()
    indicator_feed.feed_indicators(db, CITY, 2025, 4)
    _claim(db, p["car-scrap-2025"], person.id, dt.date(2025, 4, 2), "approved")
    db.flush()
    indicator_feed.feed_indicators(db, CITY, 2025, 4)
    rows = db.scalars(select(Observation).where(
        Observation.city_code == CITY, Observation.indicator_code == "scrapped_car_recycling",
        Observation.year == 2025, Observation.month == 4)).all()
    assert len(rows) == 1 and rows[0].value == 2 and rows[0].source == "computed"


def test_statistics_entered_by_people_win_for_the_whole_year(db: Session) -> None:
    p = _programmes(db)
    person = identity.register_person(db, id_number=id_number(), name="孙三")
    _claim(db, p["car-scrap-2025"], person.id, dt.date(2025, 5, 1), "paid")
    db.flush()
    office = Scope(user_id=0, username="test-office", display_name="专班", role=Role.OFFICE, city_code=CITY,
                   unit_id=None, unit_name=None, region_code=None)
    indicators_service.record_observation(db, office, CITY, indicators_service.ObservationInput(
        indicator_code="scrapped_car_recycling", region_code=CITY, year=2025, month=12, value=5200, note="统计局"))
    result = indicator_feed.feed_indicators(db, CITY, 2025, 6)
    assert "scrapped_car_recycling" in result.skipped and "统计数" in result.skipped["scrapped_car_recycling"]
    assert _observation(db, "scrapped_car_recycling", 2025, 6) is None
    stats = _observation(db, "scrapped_car_recycling", 2025, 12)
    assert stats is not None and stats.value == 5200 and stats.source == "entered"


def test_no_figure_for_a_year_without_such_a_programme_and_none_for_an_unknown_indicator(db: Session) -> None:
    _programmes(db)  # 2025 programmes only
    result = indicator_feed.feed_indicators(db, CITY, 2023, 6)
    assert "本年度未开展" in result.skipped["scrapped_car_recycling"]
    assert _observation(db, "scrapped_car_recycling", 2023, 6) is None
    # the subsidised-purchases indicator is in the catalogue: no programme that year, no figure
    assert "本年度未开展" in result.skipped[indicator_feed.SUBSIDISED_PURCHASES]
