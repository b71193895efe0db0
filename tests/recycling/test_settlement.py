"""The resident's answer, the settlement with its receipt, the 送新收旧 claim's hand-in proof, and the
recycling indicators (counted once with the trade-in feed)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.recycling import weighing_support as ws
from tests.tradein import claims_support as cs

from huanxin.errors import Conflict, Forbidden, NotFound
from huanxin.indicators.models import Observation
from huanxin.kit.clock import now, today
from huanxin.recycling import indicator_feed
from huanxin.recycling.models import Booking, Flow, Settlement, Site
from huanxin.recycling.weighing import service as weighing
from huanxin.recycling.weighing import settlement
from huanxin.recycling.weighing.service import LineInput, WeighingInput
from huanxin.tradein.models import Claim, ClaimEvent, OutboxMessage
from huanxin.tradein.programmes import indicator_feed as tradein_feed


def _weighed(db: Session) -> tuple[ws.Recycler, str, Booking]:
    rc = ws.recycler(db)
    ws.price(db, rc, "paper", 100)
    res = ws.resident(db)
    booking = ws.booking(db, rc, res, [("paper", 10_000, 100)])
    weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[LineInput(category="paper", gross_g=12_000)]))
    return rc, res, booking


def test_accept_then_settle_is_idempotent_and_a_second_key_is_refused(db: Session) -> None:
    rc, res, booking = _weighed(db)
    with pytest.raises(Conflict, match="尚未确认"):
        settlement.settle(db, rc.scope(db), booking.id, method="cash", idempotency_key="k1")
    weighing.answer(db, ws.scope_of(db, res), booking.id, accept=True)
    first = settlement.settle(db, rc.scope(db), booking.id, method="cash", idempotency_key="k1")
    again = settlement.settle(db, rc.scope(db), booking.id, method="cash", idempotency_key="k1")
    assert again.id == first.id and first.amount_fen == 1200 and booking.status == "settled"
    assert db.scalars(select(Settlement).where(Settlement.booking_id == booking.id)).all() == [first]
    with pytest.raises(Conflict, match="已结算"):
        settlement.settle(db, rc.scope(db), booking.id, method="cash", idempotency_key="k2")


def test_receipt_numbers_are_not_a_sequence(db: Session) -> None:
    numbers = {settlement.receipt_number("512000") for _ in range(50)}
    assert len(numbers) == 50 and all(len(n) <= 32 for n in numbers)


def test_refusal_cancels_with_the_reason(db: Session) -> None:
    rc, res, booking = _weighed(db)
    with pytest.raises(Forbidden):
        weighing.answer(db, rc.scope(db), booking.id, accept=True)
    weighing.answer(db, ws.scope_of(db, res), booking.id, accept=False)
    assert booking.status == "cancelled" and booking.accepted is False
    assert booking.cancel_reason == "居民不接受最终报价"
    with pytest.raises(Conflict):
        settlement.settle(db, rc.scope(db), booking.id, method="cash", idempotency_key="k3")


def test_an_answer_to_a_quote_weighed_again_since_is_refused(db: Session) -> None:
    rc, res, booking = _weighed(db)
    seen = booking.version
    weighing.weigh(db, rc.scope(db), booking.id, WeighingInput(lines=[LineInput(category="paper", gross_g=9_000)]))
    with pytest.raises(Conflict, match="重新称重"):
        weighing.answer(db, ws.scope_of(db, res), booking.id, accept=True, version=seen)


def test_the_receipt_is_the_residents_and_the_recyclers_only(db: Session) -> None:
    rc, res, booking = _weighed(db)
    with pytest.raises(NotFound):
        settlement.receipt(db, ws.scope_of(db, res), booking.id)  # not settled yet
    weighing.answer(db, ws.scope_of(db, res), booking.id, accept=True)
    paid = settlement.settle(db, rc.scope(db), booking.id, method="transfer", idempotency_key=uuid.uuid4().hex)
    mine = settlement.receipt(db, ws.scope_of(db, res), booking.id)
    assert mine.settlement.receipt_no == paid.receipt_no and mine.method_label == "转账"
    assert mine.lines[0].net_g == 12_000 and any("实称12公斤" in r for r in mine.reasons)
    assert settlement.receipt(db, rc.scope(db, "dispatcher"), booking.id).settlement.id == paid.id
    for stranger in (ws.scope_of(db, ws.resident(db)), ws.recycler(db).scope(db), ws.recycler(db, "510400").scope(db)):
        with pytest.raises(NotFound):
            settlement.receipt(db, stranger, booking.id)


def _claim(db: Session, city: cs.City, person_id: int) -> Claim:
    programme = city.programmes["appliance-2025"]
    claim = Claim(city_code=city.code, region_code=city.code, programme_id=programme.id, person_id=person_id,
                  category="refrigerator", price_fen=300_000, invoice_no=f"INV{uuid.uuid4().hex[:10]}",
                  invoice_date=today(), status="approved", submitted_at=now(), version=1, inputs={"proofs": {}},
                  decision={"required_proofs": ["recycling_cert"]})
    db.add(claim)
    db.flush()
    return claim


def test_a_trade_in_pickup_settled_proves_the_claims_hand_in_and_counts_once(db: Session) -> None:
    city = cs.setup_city(db)
    _, person = cs.resident(db, city)
    claim = _claim(db, city, person.id)
    rc = ws.recycler(db, city.code)
    ws.price(db, rc, "refrigerator", 4000)
    pickup = ws.booking(db, rc, city.retailer_user, [("refrigerator", 1, 4000)], claim_id=claim.id,
                        person_id=person.id)
    weighing.weigh(db, rc.scope(db), pickup.id, WeighingInput(lines=[LineInput(category="refrigerator", pieces=1)]))
    weighing.answer(db, city.scope(db, city.retailer_user), pickup.id, accept=True)
    paid = settlement.settle(db, rc.scope(db), pickup.id, method="cash", idempotency_key=uuid.uuid4().hex)
    assert claim.old_proof_kind == "recycling_cert" and claim.old_proof_no == paid.receipt_no
    assert claim.inputs["proofs"]["recycling_cert"] == paid.receipt_no
    assert db.scalar(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id, ClaimEvent.note.contains(
        paid.receipt_no))) is not None
    bodies = list(db.scalars(select(OutboxMessage.body).where(OutboxMessage.person_id == person.id)))
    assert any(paid.receipt_no in b and "已结算" in b for b in bodies)
    # A resident's own pickup of a washing machine, outside trade-in.
    ws.price(db, rc, "washing_machine", 3000)
    neighbour = ws.resident(db, city.code)
    other = ws.booking(db, rc, neighbour, [("washing_machine", 2, 3000)])
    weighing.weigh(db, rc.scope(db), other.id, WeighingInput(lines=[
        LineInput(category="washing_machine", pieces=2, gross_g=80_000, tare_g=0)]))
    weighing.answer(db, ws.scope_of(db, neighbour), other.id, accept=True)
    settlement.settle(db, rc.scope(db), other.id, method="cash", idempotency_key=uuid.uuid4().hex)
    year, month = today().year, today().month
    before = tradein_feed.count_claims(db, city.code, year, month, tradein_feed.RECYCLED_APPLIANCES)
    fig = indicator_feed.figures(db, city.code, year, month)
    assert fig.appliance_pieces == 2  # the fridge counts once, through its claim
    written = indicator_feed.feed_indicators(db, city.code, year, month).written
    assert written["waste_appliance_recycling"] == before + 2
    assert tradein_feed.feed_indicators(db, city.code, year, month).skipped["waste_appliance_recycling"]
    obs = db.scalar(select(Observation).where(Observation.city_code == city.code, Observation.year == year,
                                              Observation.month == month,
                                              Observation.indicator_code == "waste_appliance_recycling"))
    assert obs is not None and obs.value == before + 2


def test_a_zero_total_settles_at_the_weighing_with_a_receipt(db: Session) -> None:
    city = cs.setup_city(db)
    _, person = cs.resident(db, city)
    claim = _claim(db, city, person.id)
    rc = ws.recycler(db, city.code)
    ws.price(db, rc, "television", 100, note="较差0%")
    pickup = ws.booking(db, rc, city.retailer_user, [("television", 1, 100)], claim_id=claim.id)
    result = weighing.weigh(db, rc.scope(db), pickup.id, WeighingInput(lines=[
        LineInput(category="television", pieces=1, condition="poor")]))
    assert pickup.final_total_fen == 0 and pickup.status == "settled" and result.settled_receipt
    assert claim.old_proof_no == result.settled_receipt
    assert settlement.receipt(db, rc.scope(db), pickup.id).method_label.startswith("无需支付")


def test_tonnage_counts_pickups_and_point_dropoffs_but_not_the_flows_onward(db: Session) -> None:
    rc, res, booking = _weighed(db)
    weighing.answer(db, ws.scope_of(db, res), booking.id, accept=True)
    settlement.settle(db, rc.scope(db), booking.id, method="cash", idempotency_key=uuid.uuid4().hex)
    at = now()
    point = Site(city_code=rc.city_code, region_code=rc.city_code, operator_unit_id=rc.unit_id, level="point",
                 name="测试回收点", address="测试路2号", lat=30.12, lon=104.63, created_at=at, updated_at=at)
    db.add(point)
    db.flush()
    month = today().replace(day=1)
    db.add_all([Flow(city_code=rc.city_code, from_site_id=point.id, to_site_id=rc.site_id, month=month,
                     category="paper", weight_g=2_000_000),
                Flow(city_code=rc.city_code, from_site_id=rc.site_id, to_site_id=None, month=month,
                     category="paper", weight_g=2_012_000)])
    db.flush()
    before = indicator_feed.figures(db, rc.city_code, month.year, month.month)
    assert before.pickup_g >= 12_000 and before.dropoff_g >= 2_000_000
    written = indicator_feed.feed_indicators(db, rc.city_code, month.year, month.month).written
    assert written["renewable_resource_recycling"] == round((before.pickup_g + before.dropoff_g) / 1e6, 3)
    assert written["recycling_points_built"] >= 1


def test_the_month_end_command_writes_the_recycling_indicators(db: Session, cli_runner: Any) -> None:
    from huanxin.recycling import cli

    rc, res, booking = _weighed(db)
    weighing.answer(db, ws.scope_of(db, res), booking.id, accept=True)
    settlement.settle(db, rc.scope(db), booking.id, method="cash", idempotency_key=uuid.uuid4().hex)
    day = today()
    ran = cli_runner.invoke(cli.app, ["feed", "--city", rc.city_code, "--year", str(day.year),
                                      "--month", str(day.month)])
    assert ran.exit_code == 0, ran.output
    assert "写入 renewable_resource_recycling" in ran.output
    obs = db.scalar(select(Observation).where(Observation.city_code == rc.city_code, Observation.year == day.year,
                                              Observation.indicator_code == "renewable_resource_recycling"))
    assert obs is not None and obs.value > 0
    bad = cli_runner.invoke(cli.app, ["feed", "--city", rc.city_code, "--month", "13"])
    assert bad.exit_code == 2 and "月份必须在 1 到 12 之间" in bad.output
