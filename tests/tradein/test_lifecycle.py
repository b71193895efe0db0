"""The claim lifecycle through the services, at a moment inside the 2025 programmes: qualification
→ redemption → automatic checks → review, correction and resubmission → payment in batches →
rejection and appeal; every step a resident would be told about is in the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tests.tradein.claims_support import T, holder, resident, setup_city, vin

from huanxin.errors import Conflict, InvalidInput
from huanxin.ledger import service as ledger_service
from huanxin.tradein import outbox
from huanxin.tradein.claims import appeals, redemption, review
from huanxin.tradein.claims import lifecycle as claims
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.models import Claim, OutboxMessage, PayoutLine, QuotaSlot
from huanxin.tradein.payouts import batches as payouts
from huanxin.tradein.qualifications import lifecycle as qualification

DAY = dt.timedelta(days=1)


def fridge(serial: str, *, price: int = 5000_00, grade: int = 1, invoice: str | None = None,
           on: dt.date | None = None) -> Purchase:
    on = on or T.date()
    return Purchase(category="refrigerator", price_fen=price, invoice_no=invoice or f"INV{serial}", invoice_date=on,
                    brand="海尔", model="BCD-470", efficiency_grade=grade, serial=serial)


def messages(db: Session, person_id: int) -> list[str]:
    return [m.body for m in db.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id)
                                       .order_by(OutboxMessage.id))]


def available(db: Session, programme, source: str = "central") -> int:  # type: ignore[no-untyped-def]
    from huanxin.tradein import money
    pool = ledger_service.pool_for(db, city_code=programme.city_code, programme_code=programme.code,
                                   region_code=programme.city_code, fund_source=money.ledger_source(source))
    return int(ledger_service.pool_balance(db, pool).available)


def test_qualification_redemption_payout(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    _, person = resident(db, city)
    before = available(db, programme)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                          actor="t", at=T)
    assert q.status == "active" and q.reserved_fen == 2000_00
    assert available(db, programme) == before - 1800_00  # 9:1 — the central part of 2,000 yuan
    assert "资格已发放" in messages(db, person.id)[-1]

    shop = city.scope(db, city.retailer_user)
    claim = redemption.redeem(db, shop, q.id, fridge("SN-A-0001"), holder_id_hash=holder(db, q), at=T + DAY)
    assert claim.status == "approved", claim.decision
    assert claim.amount_fen == 1000_00 and claim.amounts_by_source == {"central": 900_00, "local": 100_00}
    assert q.status == "used"
    assert "核销成功" in messages(db, person.id)[-1]

    office = city.scope(db, city.office_user)
    batch = payouts.create_batch(db, office, claim_ids=[claim.id])
    assert claim.status == "paying"
    payouts.approve(db, city.scope(db, city.reviewer_user), batch)  # a second person releases it
    text = payouts.payout_file(db, office, batch).decode("utf-8-sig")
    assert "张三丰" in text and str(claim.id) in text
    result = f"申请编号,金额（分）,状态,银行流水号,原因\n{claim.id},{claim.amount_fen},成功,B0001,\n".encode()
    outcome = payouts.reconcile(db, office, batch, result)
    assert outcome.paid == 1 and claim.status == "paid" and batch.status == "reconciled"
    assert "已发放 1000 元" in messages(db, person.id)[-1]
    # the remainder of the 2,000 yuan reservation went back to the pool: only 900 yuan central left it
    assert available(db, programme) == before - 900_00
    again = payouts.reconcile(db, office, batch, result)  # the same file twice pays nobody twice
    assert again.paid == 0 and again.unchanged == 1
    assert ledger_service.verify(db).ok
    # and the database itself refuses a second line of a paid claim (only failed attempts repeat)
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(PayoutLine(batch_id=batch.id, claim_id=claim.id, amount_fen=claim.amount_fen, status="sent"))
        db.flush()


def test_ineligible_grade_is_a_rejection_with_reasons(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    _, person = resident(db, city)
    before = available(db, programme)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                          actor="t", at=T)
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id, fridge("SN-G3", grade=3),
                              holder_id_hash=holder(db, q), at=T + DAY)
    assert claim.status == "rejected"
    assert any("3级" in r for r in claim.decision["reasons"])
    assert "已驳回" in messages(db, person.id)[-1] and "3级" in messages(db, person.id)[-1]
    assert available(db, programme) == before  # the reservation was voided
    assert db.scalar(select(func.count()).select_from(QuotaSlot).where(QuotaSlot.person_id == person.id)) == 0
    # the person may claim a new qualification for the category
    again = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                              actor="t", at=T + DAY)
    assert again.status == "active"


def test_one_per_category_quota(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    _, person = resident(db, city)
    qualification.claim_qualification(db, programme=programme, person=person, category="tv", actor="t", at=T)
    with pytest.raises(Conflict, match="名额已用完"):
        qualification.claim_qualification(db, programme=programme, person=person, category="tv", actor="t", at=T)
    for _ in range(3):  # air conditioners: three per person in 2025
        qualification.claim_qualification(db, programme=programme, person=person, category="air_conditioner",
                                          actor="t", at=T)
    with pytest.raises(Conflict, match="名额已用完"):
        qualification.claim_qualification(db, programme=programme, person=person, category="air_conditioner",
                                          actor="t", at=T)


def test_review_correction_resubmission_approval(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    _, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                          actor="t", at=T)
    # an invoice dated before the qualification was issued is a fraud signal: manual review
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id, fridge("SN-R1", on=T.date() - DAY),
                          holder_id_hash=holder(db, q), at=T + DAY)
    assert claim.status == "review"
    reviewer = city.scope(db, city.reviewer_user)
    review.request_correction(db, reviewer, claim, "请上传发票原件照片并核对发票日期")
    assert claim.status == "correction"
    assert "需补正" in messages(db, person.id)[-1]
    claims.resubmit(db, city.scope(db, city.retailer_user), claim, fridge("SN-R1", price=4000_00), at=T + 2 * DAY)
    assert claim.status == "review" and claim.version == 2 and claim.amount_fen == 800_00
    review.approve(db, reviewer, claim, "发票已核实")
    assert claim.status == "approved"


def test_rejection_appeal_overturn(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    resident_user, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="washing_machine",
                                          actor="t", at=T)
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id,
                          Purchase(category="washing_machine", price_fen=3000_00, invoice_no="W-1",
                                   invoice_date=T.date() - DAY, efficiency_grade=2, serial="WM-1"),
                              holder_id_hash=holder(db, q), at=T + DAY)
    assert claim.status == "review"
    before = available(db, programme)
    reviewer = city.scope(db, city.reviewer_user)
    review.reject(db, reviewer, claim, ["发票日期早于资格发放时间"])
    assert claim.status == "rejected" and available(db, programme) == before + 1800_00
    assert "已驳回（原因：发票日期早于资格发放时间）" in messages(db, person.id)[-1]
    me = city.scope(db, resident_user)
    item = appeals.file_appeal(db, me, claim, "发票日期系商户开票错误，已重开")
    with pytest.raises(Conflict, match="只有已驳回"):
        appeals.file_appeal(db, me, claim, "再次申诉")
    appeals.decide_appeal(db, reviewer, item, claim, overturn=False, note="未提供重开发票")
    assert claim.status == "rejected"
    with pytest.raises(Conflict, match="每次驳回只能申诉一次"):
        appeals.file_appeal(db, me, claim, "再次申诉")
    claim2_status = claim.status
    assert claim2_status == "rejected"


def test_overturned_appeal_reserves_again_on_approval(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    resident_user, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="tv", actor="t", at=T)
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id,
                          Purchase(category="tv", price_fen=6000_00, invoice_no="TV-1", invoice_date=T.date() - DAY,
                                   efficiency_grade=1, serial="TV-1"), holder_id_hash=holder(db, q), at=T + DAY)
    reviewer = city.scope(db, city.reviewer_user)
    review.reject(db, reviewer, claim, "发票存疑")
    before = available(db, programme)
    item = appeals.file_appeal(db, city.scope(db, resident_user), claim, "已补开发票")
    appeals.decide_appeal(db, reviewer, item, claim, overturn=True, note="核实无误")
    assert claim.status == "review"
    review.approve(db, reviewer, claim)
    assert claim.status == "approved"
    assert available(db, programme) == before - 1080_00  # 1,200 yuan decided, central 90%


def test_waiting_list_served_in_order_when_money_returns(db: Session) -> None:
    city = setup_city(db, budgets={"appliance-2025": 4000_00})  # two qualifications' worth
    programme = city.programmes["appliance-2025"]
    people = [resident(db, city)[1] for _ in range(4)]
    qs = [qualification.claim_qualification(db, programme=programme, person=p, category="refrigerator",
                                            actor="t", at=T) for p in people]
    assert [q.status for q in qs] == ["active", "active", "waiting", "waiting"]
    assert qs[2].queue_no < qs[3].queue_no
    assert "候补队列" in messages(db, people[2].id)[-1]
    qualification.cancel(db, qs[0], actor="t")
    assert [q.status for q in qs] == ["cancelled", "active", "active", "waiting"]
    # expiry gives the money back and serves the next in line
    result = qualification.expire_qualifications(db, max(qs[1].expires_at, qs[2].expires_at) + dt.timedelta(minutes=1),
                                                 city_code=None)
    assert result["expired"] >= 2 and result["served"] >= 1
    assert [q.status for q in qs] == ["cancelled", "expired", "expired", "active"]
    assert ledger_service.verify(db).ok


def test_expiry_releases_quota_and_reminds(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    _, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="tv", actor="t", at=T)
    qualification.expire_qualifications(db, q.expires_at - dt.timedelta(hours=3), city_code=None)
    assert "即将过期" in messages(db, person.id)[-1]
    qualification.expire_qualifications(db, q.expires_at - dt.timedelta(hours=2), city_code=None)
    assert sum("即将过期" in m for m in messages(db, person.id)) == 1
    qualification.expire_qualifications(db, q.expires_at + dt.timedelta(minutes=1), city_code=None)
    assert q.status == "expired"
    assert "已过期" in messages(db, person.id)[-1]
    again = qualification.claim_qualification(db, programme=programme, person=person, category="tv", actor="t",
                                              at=T + dt.timedelta(days=10))
    assert again.status == "active"


def test_daily_release_batches(db: Session) -> None:
    city = setup_city(db, settings={"appliance-2025": {"daily_release_time": "10:00", "daily_release_count": 2}})
    programme = city.programmes["appliance-2025"]
    people = [resident(db, city)[1] for _ in range(3)]
    early = T.replace(hour=9, minute=30)
    with pytest.raises(Conflict, match="10:00 开始发放"):
        qualification.claim_qualification(db, programme=programme, person=people[0], category="tv", actor="t",
                                          at=early)
    for p in people[:2]:
        qualification.claim_qualification(db, programme=programme, person=p, category="tv", actor="t", at=T)
    with pytest.raises(Conflict, match="下一批将于 2025-06-03 10:00 发放"):
        qualification.claim_qualification(db, programme=programme, person=people[2], category="tv", actor="t", at=T)
    tomorrow = qualification.claim_qualification(db, programme=programme, person=people[2], category="tv",
                                                 actor="t", at=T + DAY)
    assert tomorrow.release_batch == "2025-06-03 10:00"


def test_car_scrap_application_reserves_on_approval(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["car-scrap-2025"]
    resident_user, person = resident(db, city)
    before = available(db, programme)
    data = Purchase(category="car", price_fen=150_000_00, invoice_no="CAR-1", invoice_date=T.date(),
                    brand="比亚迪", model="秦PLUS", new_vin=vin(), new_vehicle_fuel="nev", old_vin=vin(),
                    old_vehicle_fuel="petrol", old_vehicle_registered_on=dt.date(2010, 5, 1),
                    old_vehicle_owned_since=dt.date(2015, 1, 1), old_emission_standard="国三",
                    proofs={"scrap_cert": "BF2025-0001", "deregistration": "ZX2025-0001"})
    claim = claims.apply_car(db, city.scope(db, resident_user), programme, person, data, at=T)
    assert claim.status in ("approved", "review"), claim.decision
    assert claim.amount_fen == 20_000_00, claim.decision
    if claim.status == "review":
        review.approve(db, city.scope(db, city.reviewer_user), claim)
    assert available(db, programme) == before - 18_000_00
    # the same scrapped car cannot be claimed again
    with pytest.raises(Conflict, match="已用于其他补贴申请"):
        claims.apply_car(db, city.scope(db, resident_user), programme, person,
                         Purchase(**{**data.__dict__, "new_vin": vin(), "invoice_no": "CAR-2"}), at=T)


def test_outbox_yuan() -> None:
    assert outbox.yuan(200000) == "2000" and outbox.yuan(123450) == "1234.50"


def test_bad_purchase_input_changes_nothing(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    _, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                          actor="t", at=T)
    shop = city.scope(db, city.retailer_user)
    count = db.scalar(select(func.count()).select_from(Claim))
    cases = [
        (fridge("S1", price=0), "price_fen", "必须大于0"),
        (fridge("S2", price=-5), "price_fen", "必须大于0"),
        (fridge("S3", on=T.date() + 3 * DAY), "invoice_date", "晚于今天"),
        (Purchase(**{**fridge("S4").__dict__, "category": "tv"}), "category", "不一致"),
        (Purchase(**{**fridge("S5").__dict__, "serial": None}), "serial", "序列号"),
    ]
    for data, field, text in cases:
        with pytest.raises(InvalidInput, match=text) as err:
            redemption.redeem(db, shop, q.id, data, holder_id_hash=holder(db, q), at=T + DAY)
        assert err.value.field == field
    assert db.scalar(select(func.count()).select_from(Claim)) == count
    assert q.status == "active"
