"""Weighing at the door: the final price from the list of the day, the explained re-quote, and every
bad input refused with the line and the field named, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.recycling import weighing_support as ws

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.recycling.models import Booking, BookingEvent, Weighing
from huanxin.recycling.weighing import requote
from huanxin.recycling.weighing import service as weighing
from huanxin.recycling.weighing.service import LineInput, WeighingInput


def _setup(db: Session) -> tuple[ws.Recycler, str, Booking]:
    rc = ws.recycler(db)
    ws.price(db, rc, "paper", 120, days_ago=30)  # ¥1.20/kg when booked
    ws.price(db, rc, "paper", 100, days_ago=1)  # ¥1.00/kg since yesterday
    ws.price(db, rc, "refrigerator", 5000, days_ago=30)
    ws.price(db, rc, "metal", 250, days_ago=30)
    res = ws.resident(db)
    booking = ws.booking(db, rc, res, [("paper", 10_000, 120), ("refrigerator", 1, 5000)])
    return rc, res, booking


def test_weighing_prices_each_line_from_the_day_and_explains_the_difference(db: Session) -> None:
    rc, _, booking = _setup(db)
    assert booking.indicative_total_fen == 1200 + 5000
    result = weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[
        LineInput(category="paper", gross_g=13_350, tare_g=1_000),
        LineInput(category="refrigerator", pieces=1, condition="poor")]))
    paper, fridge = result.weighings
    assert paper.net_g == 12_350 and paper.unit_price_fen == 100 and paper.amount_fen == 1235
    assert fridge.unit_price_fen == 2500 and fridge.amount_fen == 2500  # poor: 50% by default
    assert booking.final_total_fen == 3735 and booking.status == "weighed"
    assert "预计10公斤，实称12.35公斤" in paper.requote_reason
    assert "由¥1.20/公斤" in paper.requote_reason and "调整为¥1.00/公斤" in paper.requote_reason
    assert "成色较差" in fridge.requote_reason and "50%" in fridge.requote_reason
    event = db.scalar(select(BookingEvent).where(BookingEvent.booking_id == booking.id,
                                                 BookingEvent.to_status == "weighed"))
    assert event is not None and "37.35元" in event.note


def test_the_recyclers_note_sets_the_condition_share(db: Session) -> None:
    rc = ws.recycler(db)
    ws.price(db, rc, "television", 3000, note="成色一般70%，较差20%")
    booking = ws.booking(db, rc, ws.resident(db), [("television", 2, 3000)])
    result = weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[
        LineInput(category="television", pieces=2, condition="fair")]))
    assert result.weighings[0].amount_fen == 2 * 2100
    assert "70%" in result.weighings[0].requote_reason


def test_a_changed_category_and_a_missing_item_are_explained(db: Session) -> None:
    rc, _, booking = _setup(db)
    result = weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[
        LineInput(category="metal", gross_g=4_000)]))
    text = result.requote.text()
    assert "预约为“废纸”，现场为“废金属”" in text
    assert "冰箱：预约了1件，现场未交售" in text


@pytest.mark.parametrize(("line", "field", "words"), [
    (LineInput(category="paper", gross_g=1_000, tare_g=2_000), "line-1-tare", "皮重不能大于毛重"),
    (LineInput(category="paper", gross_g=1_000, tare_g=1_000), "line-1-gross", "净重"),
    (LineInput(category="paper", gross_g=-5), "line-1-gross", "不能为负数"),
    (LineInput(category="glass", gross_g=1_000), "line-1-category", "不回收“废玻璃”"),
    (LineInput(category="gold", gross_g=1_000), "line-1-category", "未知的回收品类"),
    (LineInput(category="refrigerator", pieces=0), "line-1-pieces", "件数必须大于0"),
    (LineInput(category="paper", gross_g=1_000, condition="new"), "line-1-condition", "成色"),
])
def test_bad_lines_are_refused_by_line_and_field_and_nothing_is_written(db: Session, line: LineInput, field: str,
                                                                        words: str) -> None:
    rc, _, booking = _setup(db)
    with pytest.raises(InvalidInput) as caught:
        weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[
            LineInput(category="paper", gross_g=2_000), line]))
    assert caught.value.field == field and words in caught.value.message and "第2行" in caught.value.message
    assert db.scalar(select(Weighing.id).where(Weighing.booking_id == booking.id)) is None
    assert booking.status == "arrived" and booking.final_total_fen is None


def test_a_price_entry_starting_tomorrow_is_not_taken_today(db: Session) -> None:
    rc = ws.recycler(db)
    ws.price(db, rc, "glass", 50, days_ago=-1)
    booking = ws.booking(db, rc, ws.resident(db), [("glass", 1_000, 50)])
    with pytest.raises(InvalidInput, match="不回收"):
        weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[LineInput(category="glass", gross_g=900)]))


def test_only_an_arrived_booking_is_weighed_by_the_recyclers_driver(db: Session) -> None:
    rc, res, booking = _setup(db)
    booking.status = "on_the_way"
    line = WeighingInput(lines=[LineInput(category="paper", gross_g=2_000)])
    with pytest.raises(Conflict, match="到达后才能称重"):
        weighing.weigh(db, rc.scope(db), booking.id, line)
    booking.status = "arrived"
    with pytest.raises(Forbidden):
        weighing.weigh(db, rc.scope(db, "dispatcher"), booking.id, line)
    with pytest.raises(Forbidden):
        weighing.weigh(db, ws.scope_of(db, res), booking.id, line)
    other = ws.recycler(db)
    with pytest.raises(NotFound):
        weighing.weigh(db, other.scope(db), booking.id, line)
    far = ws.recycler(db, "510400")
    with pytest.raises(NotFound):
        weighing.weigh(db, far.scope(db), booking.id, line)


def test_station_staff_weigh_at_their_station_and_a_scale_gives_its_id(db: Session) -> None:
    rc, _, booking = _setup(db)
    result = weighing.weigh(db, rc.scope(db, "station"), booking.id, WeighingInput(
        place="station", device_id="SCALE-07", lines=[LineInput(category="paper", gross_g=10_000)]))
    row = result.weighings[0]
    assert row.place == "station" and row.site_id == rc.site_id and row.device_id == "SCALE-07"


def test_a_booking_weighed_and_unanswered_can_be_weighed_again(db: Session) -> None:
    rc, _, booking = _setup(db)
    weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[LineInput(category="paper", gross_g=5_000)]))
    weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[LineInput(category="paper", gross_g=6_000)]))
    assert [w.net_g for w in weighing.weighings_of(db, booking)] == [6_000]
    assert booking.final_total_fen == 600


# ---- the re-quote as a pure function --------------------------------------------------------------

def test_requote_is_silent_when_nothing_differs() -> None:
    booked = [requote.Booked("paper", "kg", 10_000, 100, 1000, dt.date(2026, 1, 1))]
    weighed = [requote.Weighed("paper", "kg", 10_000, 100, dt.date(2026, 1, 1), "good", 100, 100, 1000)]
    assert not requote.explain(booked, weighed).changed


def test_requote_names_a_new_item_and_a_count_difference() -> None:
    booked = [requote.Booked("phone", "piece", 1, 2000, 2000)]
    weighed = [requote.Weighed("phone", "piece", 3, 2000, dt.date(2026, 1, 1), "good", 100, 2000, 6000),
               requote.Weighed("paper", "kg", 2_500, 100, dt.date(2026, 1, 1), "good", 100, 100, 250)]
    out = requote.explain(booked, weighed)
    assert "预计1件，实收3件" in out.lines[0] and "金额由¥20.00变为¥60.00" in out.lines[0]
    assert "现场新增" in out.lines[1] and "2.5公斤" in out.lines[1]
