"""Fraud signals at redemption: each fires on a constructed case with its numbers in Chinese and
stays quiet on a clean one; the combined score; the reviewer's view; reference prices frozen from
observations and imported from .xlsx, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD, api_token

from huanxin.db import deferred_inserts, reserve_ids
from huanxin.errors import InvalidInput
from huanxin.kit.clock import CHINA
from huanxin.kit.identifiers import credit_check_char
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.tradein.fraud import assessment as fraud
from huanxin.tradein.models import Claim, FraudFlag, Person, Programme, Qualification, ReferencePrice, Retailer
from huanxin.tradein.programmes import reference_prices
from huanxin.tradein.retailers import admission as retailers

CITY = "512000"
REGION = "512002"
T = dt.datetime(2025, 3, 15, 15, 0, tzinfo=CHINA)
_seq = itertools.count(1)


# ---- builders ---------------------------------------------------------------------------------

def credit_code(n: int) -> str:
    first17 = f"915120000{n:08d}"
    return first17 + credit_check_char(first17)


@pytest.fixture(autouse=True)
def _fresh_baselines() -> Iterator[None]:
    fraud.clear_caches()
    yield
    fraud.clear_caches()


def office_scope(db: Session, username: str = "ziyang-office"):  # type: ignore[no-untyped-def]
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None
    return orgs_service.scope_of(user)


def programme(db: Session, kind: str = "appliance") -> Programme:
    item = Programme(city_code=CITY, code=f"{kind}-{next(_seq)}", rules_code=f"national-{kind}-2025",
                     name="以旧换新", kind=kind, level="national", starts_on=dt.date(2025, 1, 1),
                     ends_on=dt.date(2025, 12, 31))
    db.add(item)
    db.flush()
    return item


def retailer(db: Session, name: str | None = None) -> Retailer:
    n = next(_seq)
    return retailers.admit(db, office_scope(db), city_code=CITY, name=name or f"测试电器商行{n}",
                           credit_code=credit_code(n), region_code=REGION,
                           kinds=["appliance", "digital"], actor="ziyang-office")


def person(db: Session, *, phone: str | None = None, address: str | None = None, card: str | None = None) -> Person:
    item = Person(id_hash=uuid.uuid4().hex, id_enc="enc", id_masked="512***********0001", name_enc="enc",
                  name_masked="张*", phone_hash=phone, address_hash=address, bank_card_hash=card,
                  created_at=T - dt.timedelta(days=60))
    db.add(item)
    db.flush()
    return item


def claim(db: Session, prog: Programme, who: Person, shop: Retailer | None, *, at: dt.datetime = T,
          model: str = "KFR-35GW", brand: str = "格力", category: str = "空调", price_fen: int = 309_900,
          invoice_no: str | None = None, invoice_date: dt.date | None = None, inputs: dict[str, Any] | None = None,
          qualification_id: int | None = None) -> Claim:
    item = Claim(city_code=CITY, region_code=REGION, programme_id=prog.id, person_id=who.id,
                 retailer_id=shop.id if shop else None, category=category, brand=brand, model=model,
                 price_fen=price_fen, invoice_no=invoice_no or f"INV{uuid.uuid4().hex[:14].upper()}",
                 invoice_date=invoice_date or at.date(), inputs=inputs or {}, status="submitted",
                 submitted_at=at, qualification_id=qualification_id)
    db.add(item)
    db.flush()
    return item


def freeze(db: Session, model: str, prices_yuan: list[int], brand: str = "格力", category: str = "空调") -> None:
    obs = [(category, brand, model, p * 100, dt.date(2024, 6, 1) + dt.timedelta(days=i))
           for i, p in enumerate(prices_yuan)]
    reference_prices.freeze_reference_prices(db, CITY, obs, dt.date(2024, 5, 1), dt.date(2024, 7, 31))


def rules(flags: list[FraudFlag]) -> set[str]:
    return {f.rule for f in flags}


def only(flags: list[FraudFlag], rule: str) -> FraudFlag:
    found = [f for f in flags if f.rule == rule]
    assert len(found) == 1, [(f.rule, f.explanation) for f in flags]
    return found[0]


# ---- a clean claim ------------------------------------------------------------------------------

def test_clean_claim_has_no_flag_and_zero_score(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    freeze(db, "KFR-35GW", [2999, 3099, 3199])
    item = claim(db, prog, person(db, phone="p1", address="a1", card="c1"), shop, price_fen=319_900)
    assert fraud.assess(db, item) == []
    assert item.fraud_score == 0.0
    assert fraud.flags_for_claim(db, item.id) == []


def test_assess_is_a_few_bounded_queries(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    item = claim(db, prog, person(db, phone="p1", address="a1", card="c1"), shop,
                 inputs={"device_signature": "dev-x", "serial": "SN2025ABCD0001"})
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    bind = db.connection()
    event.listen(bind, "before_cursor_execute", count)
    try:
        fraud.assess(db, item)
        first = len(statements)
        statements.clear()
        fraud.assess(db, item)  # the retailer's baseline is cached for the day
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert first <= 14, first
    assert len(statements) <= first - 1
    assert all("LIMIT" in s.upper() or "COUNT" in s.upper() or "WHERE" in s.upper() for s in statements)


# ---- 先涨价后补贴 --------------------------------------------------------------------------------

def test_price_above_frozen_band_is_flagged_with_numbers(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    freeze(db, "KFR-35GW", [2999, 3099, 3199, 2899, 3299])  # median 3099
    # Frozen under the label 空调, claimed under the rules' code: the same category.
    flags = fraud.assess(db, claim(db, prog, person(db), shop, category="air_conditioner", price_fen=399_900))
    flag = only(flags, "price_above_band")
    assert "型号KFR-35GW冻结参考价3099元" in flag.explanation
    assert "本次成交价3999元" in flag.explanation
    assert "高出29.0%" in flag.explanation and "10%" in flag.explanation
    assert "5个价格样本" in flag.explanation and "2024-05-01..2024-07-31" in flag.explanation
    assert flag.score == pytest.approx(0.5 + (0.290416 - 0.10), abs=1e-3)


def test_price_within_band_or_unknown_model_is_quiet(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    freeze(db, "KFR-35GW", [2999, 3099, 3199])
    assert fraud.assess(db, claim(db, prog, person(db), shop, price_fen=340_000)) == []  # +9.7%
    # The same model written with other spacing and case is the same model.
    assert rules(fraud.assess(db, claim(db, prog, person(db), shop, model="kfr-35 gw", price_fen=400_000))) \
        == {"price_above_band"}
    assert fraud.assess(db, claim(db, prog, person(db), shop, model="UNKNOWN-1", price_fen=999_900)) == []


def test_price_just_below_cap_for_a_model_frozen_above_it(db: Session) -> None:
    digital, shop = programme(db, "digital"), retailer(db)
    freeze(db, "PHONE-PRO", [6499, 6499, 6599], brand="华为", category="手机")
    freeze(db, "PHONE-LITE", [5500, 5600], brand="华为", category="手机")
    flags = fraud.assess(db, claim(db, digital, person(db), shop, category="手机", brand="华为",
                                   model="PHONE-PRO", price_fen=599_900))
    flag = only(flags, "price_just_below_cap")
    assert "冻结参考价6499元" in flag.explanation and "上限6000元" in flag.explanation
    assert "本次成交价5999元" in flag.explanation and "差1元" in flag.explanation
    quiet = fraud.assess(db, claim(db, digital, person(db), shop, category="手机", brand="华为",
                                   model="PHONE-LITE", price_fen=599_900))
    assert "price_just_below_cap" not in rules(quiet)


# ---- bulk buying ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "field", "threshold", "what"), [
    ("phone", "phone", 3, "相同手机号"),
    ("address", "address", 4, "相同收货/户籍地址"),
    ("card", "card", 2, "相同银行卡"),
])
def test_shared_identity_fires_at_threshold_of_different_persons(
    db: Session, kind: str, field: str, threshold: int, what: str,
) -> None:
    prog, shop = programme(db), retailer(db)
    value = f"hash-{kind}"
    # One person below the threshold with two claims, then others sharing the same hash.
    first = person(db, **{field: value})
    claim(db, prog, first, shop, at=T - dt.timedelta(days=5))
    claim(db, prog, first, shop, at=T - dt.timedelta(days=4))
    for i in range(threshold - 2):
        claim(db, prog, person(db, **{field: value}), shop, at=T - dt.timedelta(days=3, hours=i))
    below = claim(db, prog, person(db, **{field: f"other-{kind}"}), shop)
    assert f"shared_{kind}" not in rules(fraud.assess(db, below))
    last = claim(db, prog, person(db, **{field: value}), shop, at=T)
    flag = only(fraud.assess(db, last), f"shared_{kind}")
    assert f"30天内有{threshold}名不同申请人使用{what}" in flag.explanation
    assert f"共{threshold + 1}笔申请" in flag.explanation and f"阈值{threshold}人" in flag.explanation


def test_shared_identity_outside_window_or_below_threshold_is_quiet(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    old = [person(db, phone="shared") for _ in range(3)]
    for who in old:
        claim(db, prog, who, shop, at=T - dt.timedelta(days=45))  # outside the 30-day window
    assert fraud.assess(db, claim(db, prog, person(db, phone="shared"), shop)) == []
    # A couple sharing one address (2 < 4) is normal.
    claim(db, prog, person(db, address="home"), shop, at=T - dt.timedelta(days=1))
    assert fraud.assess(db, claim(db, prog, person(db, address="home"), shop)) == []


def test_shared_device_signature_at_one_retailer(db: Session) -> None:
    prog, shop, other_shop = programme(db), retailer(db), retailer(db)
    claim(db, prog, person(db), shop, at=T - dt.timedelta(days=2), inputs={"device_signature": "dev-42"})
    claim(db, prog, person(db), other_shop, at=T - dt.timedelta(days=2), inputs={"device_signature": "dev-42"})
    quiet = claim(db, prog, person(db), shop, at=T - dt.timedelta(days=1), inputs={"device_signature": "dev-42"})
    assert fraud.assess(db, quiet) == []  # two persons at this retailer (the other shop does not count)
    flag = only(fraud.assess(db, claim(db, prog, person(db), shop, inputs={"device_id": "dev-42"})),
                "shared_device")
    assert "3名不同申请人使用在本经营主体同一申请设备" in flag.explanation and "共3笔" in flag.explanation


def test_consecutive_serials_bought_by_many_persons(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    for i in range(1, 5):
        claim(db, prog, person(db), shop, at=T - dt.timedelta(hours=i), inputs={"serial": f"SN2025ABCD00{i:02d}"})
    # Same prefix but three days ago: outside the 2-day window.
    claim(db, prog, person(db), shop, at=T - dt.timedelta(days=3), inputs={"serial": "SN2025ABCD0077"})
    flag = only(fraud.assess(db, claim(db, prog, person(db), shop, inputs={"serial": "sn2025abcd0099"})),
                "shared_device")
    assert "2天内有5名不同申请人" in flag.explanation and "序列号前缀SN2025ABCD00" in flag.explanation
    assert fraud.assess(db, claim(db, prog, person(db), shop, inputs={"serial": "SN2025ZZZZ0001"})) == []


# ---- retailer velocity ---------------------------------------------------------------------------

def _history(db: Session, prog: Programme, shop: Retailer, per_day: list[int]) -> None:
    day0 = T.replace(hour=0) - dt.timedelta(days=len(per_day))
    buyers = [person(db) for _ in range(5)]
    for d, n in enumerate(per_day):
        for k in range(n):
            claim(db, prog, buyers[k % 5], shop, at=day0 + dt.timedelta(days=d, hours=9, minutes=k * 20))


def test_retailer_velocity_far_above_its_own_average(db: Session) -> None:
    prog, shop = programme(db), retailer(db, "速发电器")
    _history(db, prog, shop, [8, 10, 12, 9, 11, 10, 10] * 4)  # 28 days, 10 a day on average
    buyers = [person(db) for _ in range(5)]
    burst = [claim(db, prog, buyers[i % 5], shop, at=T - dt.timedelta(minutes=50 - i * 2)) for i in range(24)]
    last = claim(db, prog, person(db), shop, at=T)
    flag = only(fraud.assess(db, last), "retailer_velocity")
    assert "经营主体“速发电器”近1小时核销25笔" in flag.explanation
    assert "高于阈值4.8笔（过去28天折合每小时0.8笔＋4σ，σ=1.0）" in flag.explanation
    assert flag.score == fraud.VELOCITY_SCORE
    assert burst


def test_retailer_velocity_quiet_on_normal_day_and_without_history(db: Session) -> None:
    prog, shop, new_shop = programme(db), retailer(db), retailer(db)
    _history(db, prog, shop, [8, 10, 12, 9, 11, 10, 10] * 4)
    for i in range(3):
        claim(db, prog, person(db), shop, at=T - dt.timedelta(minutes=30 + i))
    assert fraud.assess(db, claim(db, prog, person(db), shop)) == []
    # A retailer with no history has no baseline: no velocity flag (admission is its control).
    for i in range(30):
        claim(db, prog, person(db), new_shop, at=T - dt.timedelta(minutes=40 - i))
    assert "retailer_velocity" not in rules(fraud.assess(db, claim(db, prog, person(db), new_shop)))


# ---- a redemption batch, assessed before it is written ---------------------------------------------

def unwritten(prog: Programme, who: Person, shop: Retailer, **fields: Any) -> Claim:
    """A claim as a redemption batch has it when its checks run: built, not yet in the database."""
    return Claim(city_code=CITY, region_code=REGION, programme_id=prog.id, person_id=who.id, retailer_id=shop.id,
                 category="空调", brand="格力", model="KFR-35GW", price_fen=309_900, invoice_date=T.date(),
                 status="submitted", submitted_at=T, **{"invoice_no": f"INV{next(_seq):014d}", "inputs": {}, **fields})


def test_a_batch_assessed_before_it_is_written_counts_itself_as_if_written(db: Session) -> None:
    """A redemption batch decides its claims before writing them (assess_many(unwritten=True)),
    so that each is written once with its final status: the claims of the batch must count each
    other, and be counted, exactly as they are once written."""
    prog, shop = programme(db), retailer(db, "连号电器")
    _history(db, prog, shop, [8, 10, 12, 9, 11, 10, 10] * 4)
    for i in range(20):  # a busy last hour: with the batch's four, above the retailer's usual
        claim(db, prog, person(db), shop, at=T - dt.timedelta(minutes=50 - i * 2))
    claim(db, prog, person(db, card="card-x"), shop, at=T - dt.timedelta(days=1))
    for i in range(3):
        claim(db, prog, person(db), shop, at=T - dt.timedelta(hours=i + 1), inputs={"serial": f"SN2025ABCD00{i:02d}"})
    claim(db, prog, person(db), shop, at=T - dt.timedelta(days=1), inputs={"device_signature": "dev-7"})
    batch = [
        unwritten(prog, person(db, card="card-x"), shop, invoice_no="INV-SAME-0001",
                  inputs={"serial": "SN2025ABCD0010"}),
        unwritten(prog, person(db, card="card-x"), shop, inputs={"serial": "SN2025ABCD0011", "device_id": "dev-7"}),
        unwritten(prog, person(db), shop, invoice_no="INV-SAME-0001", inputs={"device_signature": "dev-7"}),
        unwritten(prog, person(db), shop),
    ]
    for item, claim_id in zip(batch, reserve_ids(db, Claim, len(batch)), strict=True):
        item.id = claim_id
    with deferred_inserts(db):  # the flags are written when the block ends, after their claims
        before = fraud.assess_many(db, batch, unwritten=True)
        db.add_all(batch)
        db.flush()
    after = fraud.assess_many(db, batch)  # as they would be assessed once written

    def seen(found: list[list[FraudFlag]]) -> list[list[tuple[str, str]]]:
        return [[(f.rule, f.explanation) for f in flags] for flags in found]

    assert seen(before) == seen(after)
    fired = {f.rule for flags in before for f in flags}
    assert {"shared_card", "shared_device", "reused_invoice", "retailer_velocity"} <= fired, fired
    card = only(before[0], "shared_card")
    assert "30天内有3名不同申请人使用相同银行卡（含本笔），共3笔申请" in card.explanation
    assert "2天内有5名不同申请人" in only(before[0], "shared_device").explanation
    assert "3名不同申请人使用在本经营主体同一申请设备" in only(before[2], "shared_device").explanation
    assert f"第{batch[0].id}号申请" in only(before[2], "reused_invoice").explanation
    assert "近1小时核销24笔" in only(before[3], "retailer_velocity").explanation
    stored = set(db.execute(select(FraudFlag.claim_id, FraudFlag.rule).where(
        FraudFlag.claim_id.in_([c.id for c in batch]))).all())
    assert stored == {(c.id, f.rule) for c, flags in zip(batch, before, strict=True) for f in flags}


# ---- invoices -------------------------------------------------------------------------------------

def test_same_invoice_number_written_differently_with_another_amount(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    first = claim(db, prog, person(db), shop, at=T - dt.timedelta(hours=3), invoice_no="0441-2345 6789",
                  price_fen=299_900)
    flag = only(fraud.assess(db, claim(db, prog, person(db), shop, invoice_no="044123456789", price_fen=349_900)),
                "reused_invoice")
    assert "发票号044123456789" in flag.explanation and f"第{first.id}号申请" in flag.explanation
    assert "金额2999元与本笔3499元不同" in flag.explanation and "申请人不同" in flag.explanation
    assert flag.score == fraud.INVOICE_SAME_SCORE


def test_near_duplicate_invoices_same_prefix_and_amount_within_minutes(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    claim(db, prog, person(db), shop, at=T - dt.timedelta(minutes=4), invoice_no="25442000000123456701",
          price_fen=459_900)
    claim(db, prog, person(db), shop, at=T - dt.timedelta(minutes=2), invoice_no="25442000000123456702",
          price_fen=459_900)
    flag = only(fraud.assess(db, claim(db, prog, person(db), shop, invoice_no="25442000000123456703",
                                       price_fen=459_900)), "reused_invoice")
    assert "10分钟内本经营主体有2张发票号前缀相同（25442000000123456）且金额同为4599元" in flag.explanation
    # Different amount, or the same prefix half an hour later: quiet.
    assert fraud.assess(db, claim(db, prog, person(db), shop, invoice_no="25442000000123456704",
                                  price_fen=399_900)) == []
    later = T + dt.timedelta(minutes=40)
    assert fraud.assess(db, claim(db, prog, person(db), shop, at=later, invoice_no="25442000000123456705",
                                  price_fen=459_900)) == []


def test_invoice_dated_before_the_qualification(db: Session) -> None:
    prog, shop, who = programme(db), retailer(db), person(db)
    qualification = Qualification(city_code=CITY, programme_id=prog.id, person_id=who.id, category="空调",
                                  status="used", issued_at=dt.datetime(2025, 3, 10, 10, 0, tzinfo=CHINA))
    db.add(qualification)
    db.flush()
    flag = only(fraud.assess(db, claim(db, prog, who, shop, invoice_date=dt.date(2025, 3, 8),
                                       qualification_id=qualification.id)), "reused_invoice")
    assert "发票日期2025-03-08早于补贴资格发放日期2025-03-10（早2天）" in flag.explanation
    assert flag.score == fraud.INVOICE_BEFORE_QUALIFICATION_SCORE


def test_invoice_on_or_after_the_qualification_is_quiet(db: Session) -> None:
    prog, shop, who = programme(db), retailer(db), person(db)
    qualification = Qualification(city_code=CITY, programme_id=prog.id, person_id=who.id, category="空调",
                                  status="used", issued_at=dt.datetime(2025, 3, 10, 10, 0, tzinfo=CHINA))
    db.add(qualification)
    db.flush()
    assert fraud.assess(db, claim(db, prog, who, shop, invoice_date=dt.date(2025, 3, 10),
                                  qualification_id=qualification.id)) == []


# ---- combined score and the reviewer's view ------------------------------------------------------

def test_combined_score_and_flags_for_review(db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    freeze(db, "KFR-35GW", [3000])
    claim(db, prog, person(db, card="card-1"), shop, at=T - dt.timedelta(days=1))
    item = claim(db, prog, person(db, card="card-1"), shop, price_fen=390_000)  # +30%, shared card
    flags = fraud.assess(db, item)
    assert rules(flags) == {"price_above_band", "shared_card"}
    scores = {f.rule: f.score for f in flags}
    assert scores["price_above_band"] == pytest.approx(0.7)
    assert scores["shared_card"] == pytest.approx(0.7)
    assert item.fraud_score == pytest.approx(1 - (1 - 0.7) * (1 - 0.7))
    assert fraud.combine([0.5, 0.5, 0.5]) == pytest.approx(0.875)
    assert fraud.combine([]) == 0.0
    # Assessing again (after a correction) does not duplicate the flags.
    fraud.assess(db, item)
    stored = fraud.flags_for_claim(db, item.id)
    assert len(stored) == 2 and all(f.explanation for f in stored)
    view = fraud.flag_view(stored[0])
    assert view["label"] in fraud.RULE_LABELS.values()
    history = fraud.retailer_history(db, shop.id)
    assert [h.to_status for h in history] == ["admitted"]


def test_reviewer_reads_flags_over_api_and_other_city_gets_404(client: TestClient, db: Session) -> None:
    prog, shop = programme(db), retailer(db)
    freeze(db, "KFR-35GW", [3000])
    item = claim(db, prog, person(db), shop, price_fen=390_000)
    fraud.assess(db, item)
    orgs_service.create_user(db, username="ziyang-reviewer-f", password=PASSWORD, display_name="商务局审核",
                             role=Role.REVIEWER, city_code=CITY, unit_id=None)
    db.flush()
    body = client.get(f"/api/v1/fraud/claims/{item.id}/flags", headers=api_token(client, "ziyang-reviewer-f"))
    assert body.status_code == 200, body.text
    data = body.json()
    assert data["fraud_score"] == pytest.approx(0.7)
    assert data["flags"][0]["label"] == "价格高于冻结参考价" and "高出30.0%" in data["flags"][0]["explanation"]
    other = client.get(f"/api/v1/fraud/claims/{item.id}/flags", headers=api_token(client, "panzhihua-office"))
    assert other.status_code == 404
    dept = client.get(f"/api/v1/fraud/claims/{item.id}/flags", headers=api_token(client, "ziyang-dept01"))
    assert dept.status_code == 403


# ---- reference prices ----------------------------------------------------------------------------

def test_freeze_takes_the_median_inside_the_window_and_refreezes(db: Session) -> None:
    obs = [("空调", "格力", "KFR-35GW", p * 100, dt.date(2024, 6, d)) for d, p in
           [(1, 3000), (2, 3100), (3, 9999), (4, 2900)]]
    obs += [("空调", "格力", "KFR-35GW", 100, dt.date(2024, 9, 1))]  # after the window: ignored
    obs += [("冰箱", "海尔", "BCD-500", 450_000, dt.date(2024, 6, 5))]
    result = reference_prices.freeze_reference_prices(db, CITY, obs, dt.date(2024, 5, 1), dt.date(2024, 7, 31))
    assert (result.models, result.created, result.observations, result.outside_window) == (2, 2, 5, 1)
    row = reference_prices.lookup(db, CITY, "空调", "格力", "KFR-35GW")
    assert row is not None and row.price_fen == 305_000 and row.samples == 4  # median of 2900..9999
    again = reference_prices.freeze_reference_prices(
        db, CITY, [("空调", "格力", "kfr-35gw", 320_000, dt.date(2024, 6, 1))], dt.date(2024, 5, 1),
        dt.date(2024, 7, 31))
    assert again.updated == 1
    assert reference_prices.lookup(db, CITY, "空调", "格力", "KFR-35GW").price_fen == 320_000  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as err:
        reference_prices.freeze_reference_prices(db, CITY, [], dt.date(2024, 7, 1), dt.date(2024, 5, 1))
    assert "结束日期不能早于开始日期" in err.value.message


def _xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["家电价格监测（2024年5-7月）"])
    ws.append(header or ["品类", "品牌", "型号", "价格（元）", "日期"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WINDOW = {"window_start": "2024-05-01", "window_end": "2024-07-31"}


def test_import_reference_prices_from_xlsx(client: TestClient, db: Session) -> None:
    data = _xlsx([
        ["空调", "格力", "KFR-35GW", 2999, dt.date(2024, 5, 20)],
        ["空调", "格力", "KFR-35GW", "3,199.00", "2024/06/20"],
        ["空调", "格力", "KFR-35GW", 3099, "2024-07-01"],
        [None, None, None, None, None],
        ["冰箱", "海尔", "BCD-500", 4599.5, "2024年6月3日"],
        ["冰箱", "海尔", "BCD-500", 4000, "2024-12-01"],  # outside the window
    ])
    response = client.post("/api/v1/reference-prices/import", headers=api_token(client, "ziyang-office"),
                           files={"file": ("价格.xlsx", data, XLSX)}, data=WINDOW)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["models"] == 2 and body["observations"] == 4 and body["outside_window"] == 1
    assert reference_prices.lookup(db, CITY, "空调", "格力", "KFR-35GW").price_fen == 309_900  # type: ignore[union-attr]
    assert reference_prices.lookup(db, CITY, "冰箱", "海尔", "BCD-500").price_fen == 459_950  # type: ignore[union-attr]
    listed = client.get("/api/v1/reference-prices?category=空调", headers=api_token(client, "ziyang-office"))
    assert [(r["category"], r["model"]) for r in listed.json()] == [("air_conditioner", "KFR-35GW")]


def test_import_refuses_the_whole_file_with_row_errors(client: TestClient, db: Session) -> None:
    data = _xlsx([
        ["空调", "格力", "KFR-35GW", 2999, "2024-06-01"],  # a good row: not written either
        ["空调", "格力", "", 3000, "2024-06-02"],
        ["空调", "格力", "KFR-26GW", "三千", "2024-06-03"],
        ["空调", "格力", "KFR-26GW", -5, "2024-06-04"],
        ["空调", "格力", "KFR-26GW", 2999.999, "2024-06-05"],
        ["空调", "格力", "KFR-26GW", 2999, "2024-13-45"],
    ])
    headers = api_token(client, "ziyang-office")
    response = client.post("/api/v1/reference-prices/import", headers=headers,
                           files={"file": ("价格.xlsx", data, XLSX)}, data=WINDOW)
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("导入失败，未写入任何数据：第4行“型号”列：不能为空")
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert found == {(4, "型号"), (5, "价格（元）"), (6, "价格（元）"), (7, "价格（元）"), (8, "日期")}
    messages = " ".join(e["message"] for e in body["errors"])
    assert "“三千”不是数字" in messages and "价格须大于0" in messages and "两位小数" in messages
    assert "“2024-13-45”不是有效日期" in messages
    assert db.scalar(select(ReferencePrice).where(ReferencePrice.model == "KFR-35GW")) is None


def test_import_bad_file_header_window_and_role(client: TestClient) -> None:
    headers = api_token(client, "ziyang-office")
    wrong = client.post("/api/v1/reference-prices/import", headers=headers,
                        files={"file": ("价格.xls", b"not excel", "application/vnd.ms-excel")}, data=WINDOW)
    assert wrong.status_code == 422 and "不是 .xlsx 格式" in wrong.json()["error"]
    broken = client.post("/api/v1/reference-prices/import", headers=headers,
                         files={"file": ("价格.xlsx", b"not excel", XLSX)}, data=WINDOW)
    assert broken.status_code == 422 and "不是有效的 .xlsx 文件" in broken.json()["error"]
    no_price = client.post("/api/v1/reference-prices/import", headers=headers, data=WINDOW,
                           files={"file": ("价格.xlsx", _xlsx([["空调", "格力", "X", "2024-06-01"]],
                                                             ["品类", "品牌", "型号", "日期"]), XLSX)})
    assert no_price.status_code == 422 and "缺少列：价格（元）" in no_price.json()["error"]
    no_window = client.post("/api/v1/reference-prices/import", headers=headers,
                            files={"file": ("价格.xlsx", _xlsx([]), XLSX)}, data={"window_start": "2024-05-01"})
    assert no_window.status_code == 422 and no_window.json()["field"] == "window_end"
    dept = client.post("/api/v1/reference-prices/import", headers=api_token(client, "ziyang-dept01"),
                       files={"file": ("价格.xlsx", _xlsx([]), XLSX)}, data=WINDOW)
    assert dept.status_code == 403
