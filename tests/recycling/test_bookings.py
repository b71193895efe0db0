"""Door-to-door bookings: a resident books through the API and the form, a double tap makes one
booking, the quote is the recycler's list of the day, bad inputs are refused naming the field and
write nothing, cancel/reschedule follow the rules, and nobody reads or moves another's booking."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.recycling import weighing_support as ws

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit import pii
from huanxin.kit.clock import now, today
from huanxin.recycling import coords
from huanxin.recycling.bookings import service, status
from huanxin.recycling.bookings.service import BookingInput, ItemInput
from huanxin.recycling.models import Booking, BookingEvent, Site

TOMORROW = today() + dt.timedelta(days=1)


def _setup(db: Session) -> tuple[ws.Recycler, str]:
    rc = ws.recycler(db)
    ws.price(db, rc, "paper", 120)  # ¥1.20/kg
    ws.price(db, rc, "refrigerator", 5000)  # ¥50/piece
    return rc, ws.resident(db)


def _input(rc: ws.Recycler | None, **over: Any) -> BookingInput:
    data: dict[str, Any] = {"address": "雁江区测试路8号3单元501", "lat": 30.12, "lon": 104.63, "coord_system": "wgs84",
                            "day": TOMORROW, "window": "09-11", "phone": "13800138000",
                            "items": [ItemInput(category="paper", estimated_g=10_500),
                                      ItemInput(category="refrigerator", pieces=1)],
                            "recycler_unit_id": rc.unit_id if rc else None}
    return BookingInput(**{**data, **over})


def _book(db: Session, rc: ws.Recycler, res: str, **over: Any) -> Booking:
    return service.create(db, ws.scope_of(db, res), _input(rc, **over), idempotency_key=uuid.uuid4().hex).booking


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Booking.id))) or 0


def test_a_booking_is_quoted_from_the_list_and_recorded_as_booked(db: Session) -> None:
    rc, res = _setup(db)
    booking = _book(db, rc, res)
    assert booking.status == "booked" and booking.source == "resident"
    assert booking.indicative_total_fen == 1260 + 5000  # 10.5 kg × ¥1.20 + 1 × ¥50
    assert status.window_text(booking) == f"{TOMORROW:%m月%d日} 09:00—11:00"
    assert pii.decrypt(booking.phone_enc or "") == "13800138000" and "13800138000" not in booking.address_masked
    assert pii.decrypt(booking.address_enc).endswith("501") and booking.address_masked.endswith("****")
    events = db.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id)).all()
    assert [(e.from_status, e.to_status) for e in events] == [(None, "booked")]


def test_the_nearest_sites_operator_is_the_default_recycler(db: Session) -> None:
    rc, res = _setup(db)
    near = ws.recycler(db)
    ws.price(db, near, "paper", 90)
    ws.price(db, near, "refrigerator", 4000)
    site = db.get(Site, near.site_id)
    assert site is not None
    site.lat, site.lon = 30.2, 104.7
    db.flush()
    booking = _book(db, rc, res, recycler_unit_id=None, lat=30.2001, lon=104.7001)
    assert booking.recycler_unit_id == near.unit_id
    assert booking.indicative_total_fen == 945 + 4000


def test_a_gcj02_point_is_stored_in_wgs84(db: Session) -> None:
    rc, res = _setup(db)
    glat, glon = coords.wgs84_to_gcj02(30.12, 104.63)
    booking = _book(db, rc, res, lat=glat, lon=glon, coord_system="gcj02")
    assert abs(booking.lat - 30.12) < 1e-5 and abs(booking.lon - 104.63) < 1e-5
    assert abs(glat - 30.12) + abs(glon - 104.63) > 1e-3  # the offset is real, so the test can fail


def test_the_same_key_twice_makes_one_booking(db: Session) -> None:
    rc, res = _setup(db)
    scope = ws.scope_of(db, res)
    first = service.create(db, scope, _input(rc), idempotency_key="tap-" + uuid.uuid4().hex)
    before = _count(db)
    again = service.create(db, scope, _input(rc), idempotency_key=first.booking.idempotency_key)
    assert again.replayed and again.booking.id == first.booking.id and _count(db) == before
    with pytest.raises(Conflict):  # another resident cannot reuse (or read through) the key
        service.create(db, ws.scope_of(db, ws.resident(db)), _input(rc), idempotency_key=first.booking.idempotency_key)


@pytest.mark.parametrize(("over", "field"), [
    ({"day": today() - dt.timedelta(days=1)}, "day"),
    ({"day": today() + dt.timedelta(days=service.MAX_DAYS_AHEAD + 1)}, "day"),
    ({"window": "20-22"}, "window"),
    ({"items": []}, "items"),
    ({"items": [ItemInput(category="uranium", estimated_g=1000)]}, "items.0.category"),
    ({"items": [ItemInput(category="paper", estimated_g=0)]}, "items.0.estimated_g"),
    ({"items": [ItemInput(category="paper", estimated_g=1000), ItemInput(category="television", pieces=0)]},
     "items.1.pieces"),
    ({"items": [ItemInput(category="glass", estimated_g=1000)]}, "items.0.category"),  # no price: not collected
    ({"lat": 39.9, "lon": 116.4}, "lat"),  # Beijing: far from every site of the city
    ({"lat": 30.10, "lon": 104.30}, "lat"),  # 简阳 (成都), 33 km from the site but outside 资阳's border
    ({"lat": 104.63, "lon": 30.12}, "lat"),  # swapped
    ({"phone": "12345"}, "phone"),
    ({"address": ""}, "address"),
    ({"coord_system": "bd09"}, "coord_system"),
])
def test_bad_inputs_are_refused_naming_the_field_and_write_nothing(db: Session, over: dict[str, Any],
                                                                   field: str) -> None:
    rc, res = _setup(db)
    before = _count(db)
    with pytest.raises(InvalidInput) as refused:
        _book(db, rc, res, **over)
    assert refused.value.field == field
    assert _count(db) == before


def test_a_window_already_started_today_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        service.window_of(today(), "09-11", at=dt.datetime.combine(today(), dt.time(10), tzinfo=now().tzinfo))
    assert refused.value.field in ("window", "day")


def test_another_citys_recycler_cannot_be_chosen(db: Session) -> None:
    rc, res = _setup(db)
    far = ws.recycler(db, "510400")
    with pytest.raises(InvalidInput) as refused:
        _book(db, rc, res, recycler_unit_id=far.unit_id)
    assert refused.value.field == "recycler_unit_id"


def test_cancel_needs_a_reason_and_is_refused_after_arrival(db: Session) -> None:
    rc, res = _setup(db)
    scope = ws.scope_of(db, res)
    booking = _book(db, rc, res)
    with pytest.raises(InvalidInput) as refused:
        service.cancel(db, scope, booking.id, reason="  ")
    assert refused.value.field == "reason" and booking.status == "booked"
    service.cancel(db, scope, booking.id, reason="东西已卖掉")
    assert booking.status == "cancelled" and booking.cancel_reason == "东西已卖掉"
    arrived = ws.booking(db, rc, res, [("paper", 1000, 120)], status="arrived")
    with pytest.raises(Conflict):
        service.cancel(db, scope, arrived.id, reason="不卖了")
    assert arrived.status == "arrived"


def test_reschedule_moves_an_assigned_booking_back_to_booked(db: Session) -> None:
    rc, res = _setup(db)
    scope = ws.scope_of(db, res)
    booking = _book(db, rc, res)
    booking.status = "assigned"
    db.flush()
    later = TOMORROW + dt.timedelta(days=1)
    service.reschedule(db, scope, booking.id, day=later, window="14-16")
    assert booking.status == "booked" and status.window_text(booking) == f"{later:%m月%d日} 14:00—16:00"
    assert "改约至" in service.event_text(service.events_of(db, booking)[-1])
    service.reschedule(db, scope, booking.id, day=later, window="16-18")  # still booked: allowed again
    assert booking.status == "booked" and len(service.events_of(db, booking)) == 3
    with pytest.raises(InvalidInput):
        service.reschedule(db, scope, booking.id, day=today() - dt.timedelta(days=2), window="09-11")
    weighed = ws.booking(db, rc, res, [("paper", 1000, 120)], status="weighed")
    with pytest.raises(Conflict):
        service.reschedule(db, scope, weighed.id, day=later, window="09-11")


def test_only_the_dispatcher_marks_a_no_show(db: Session) -> None:
    rc, res = _setup(db)
    booking = _book(db, rc, res)
    for who in (ws.scope_of(db, res), rc.scope(db, "driver")):
        with pytest.raises(Forbidden):
            service.no_show(db, who, booking.id, reason="没人")
    with pytest.raises(InvalidInput):
        service.no_show(db, rc.scope(db, "dispatcher"), booking.id, reason="")
    service.no_show(db, rc.scope(db, "dispatcher"), booking.id, reason="车辆故障", party="collector")
    assert booking.status == "no_show" and booking.no_show_party == "collector"
    assert "车辆故障" in service.events_of(db, booking)[-1].note


def test_nobody_reads_or_moves_anothers_booking(db: Session) -> None:
    rc, res = _setup(db)
    booking = _book(db, rc, res)
    neighbour = ws.scope_of(db, ws.resident(db))
    other_recycler = ws.recycler(db)
    far_res = ws.scope_of(db, ws.resident(db, "510400"))
    for stranger in (neighbour, far_res):
        with pytest.raises(NotFound):
            service.cancel(db, stranger, booking.id, reason="x")
        with pytest.raises(NotFound):
            service.reschedule(db, stranger, booking.id, day=TOMORROW, window="11-13")
    with pytest.raises(NotFound):
        service.no_show(db, other_recycler.scope(db, "dispatcher"), booking.id, reason="x")
    assert service.list_bookings(db, neighbour) == []
    assert [b.id for b in service.list_bookings(db, rc.scope(db, "dispatcher"), day=TOMORROW)] == [booking.id]
    assert service.list_bookings(db, rc.scope(db, "dispatcher"), day=TOMORROW, status_="cancelled") == []
    assert booking.status == "booked"


# ---- the API and the pages --------------------------------------------------------------------

def _body(rc: ws.Recycler) -> dict[str, Any]:
    return {"address": "雁江区测试路8号", "lat": 30.12, "lon": 104.63, "coord_system": "wgs84",
            "day": TOMORROW.isoformat(), "window": "11-13", "phone": "13900139000",
            "items": [{"category": "paper", "estimated_g": 5000}], "recycler_unit_id": rc.unit_id}


def test_the_api_books_once_per_key_and_shows_the_history(db: Session, client: TestClient) -> None:
    rc, res = _setup(db)
    headers = api_token(client, res)
    assert client.post("/api/v1/recycling/bookings", json=_body(rc), headers=headers).status_code == 422  # no key
    key = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    made = client.post("/api/v1/recycling/bookings", json=_body(rc), headers=key)
    assert made.status_code == 201, made.text
    again = client.post("/api/v1/recycling/bookings", json=_body(rc), headers=key)
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    got = client.get(f"/api/v1/recycling/bookings/{made.json()['id']}", headers=headers).json()
    assert got["indicative_total_fen"] == 600 and got["status_label"] == "已预约"
    assert got["items"][0]["category_label"] == "废纸" and got["events"][0]["text"].startswith("已预约")
    assert "称重" in got["quote_note"]
    listed = client.get("/api/v1/recycling/bookings", headers=headers, params={"status": "booked"}).json()
    assert [b["id"] for b in listed["bookings"]] == [got["id"]]
    bid = got["id"]
    assert client.post(f"/api/v1/recycling/bookings/{bid}/no-show", json={"reason": "x"},
                       headers=headers).status_code == 403
    stranger = api_token(client, ws.resident(db))
    assert client.get(f"/api/v1/recycling/bookings/{bid}", headers=stranger).status_code == 404
    far = api_token(client, ws.resident(db, "510400"))
    assert client.post(f"/api/v1/recycling/bookings/{bid}/cancel", json={"reason": "x"},
                       headers=far).status_code == 404
    moved = client.post(f"/api/v1/recycling/bookings/{bid}/reschedule",
                        json={"day": TOMORROW.isoformat(), "window": "16-18"}, headers=headers)
    assert moved.status_code == 200 and "16:00" in moved.json()["window_text"]
    done = client.post(f"/api/v1/recycling/bookings/{bid}/cancel", json={"reason": "临时有事"}, headers=headers)
    assert done.status_code == 200 and done.json()["status_label"] == "已取消"


def test_the_form_books_and_shows_errors_beside_the_field(db: Session, client: TestClient) -> None:
    rc, res = _setup(db)
    csrf = login_browser(client, res)
    page = client.get("/recycling/bookings/new")
    assert page.status_code == 200 and "预约上门回收" in page.text
    form = {"csrf_token": csrf, "idempotency_key": uuid.uuid4().hex, "address": "雁江区测试路8号", "lat": "30.12",
            "lon": "104.63", "coord_system": "wgs84", "day": TOMORROW.isoformat(), "window": "14-16",
            "phone": "13700137000", "recycler_unit_id": str(rc.unit_id),
            "item-0-category": "paper", "item-0-quantity": "abc"}
    before = _count(db)
    bad = client.post("/recycling/bookings/new", data=form)
    assert bad.status_code == 422 and "第1行" in bad.text and "预估重量" in bad.text and _count(db) == before
    assert "雁江区测试路8号" in bad.text  # what was typed is kept
    bad = client.post("/recycling/bookings/new", data={**form, "item-0-quantity": "2.5", "phone": "1"})
    assert bad.status_code == 422 and "手机号码" in bad.text
    done = client.post("/recycling/bookings/new", data={**form, "item-0-quantity": "2.5",
                                                        "item-1-category": "refrigerator", "item-1-quantity": "1"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    detail = client.get(done.headers["location"])
    assert "预约成功" in detail.text and "¥53.00" in detail.text and "以上门称重为准" in detail.text
    assert "已预约" in detail.text and "booked" not in detail.text
    mine = client.get("/recycling/bookings")
    assert "我的回收预约" in mine.text and "¥53.00" in mine.text
    bid = done.headers["location"].split("/")[-1].split("?")[0]
    no_reason = client.post(f"/recycling/bookings/{bid}/cancel", data={"csrf_token": csrf, "reason": ""})
    assert no_reason.status_code == 422 and "取消原因" in no_reason.text


def test_the_recyclers_day_list(db: Session, client: TestClient) -> None:
    rc, res = _setup(db)
    booking = _book(db, rc, res)
    login_browser(client, rc.dispatcher)
    page = client.get("/recycling/bookings", params={"day": TOMORROW.isoformat()})
    assert page.status_code == 200 and booking.address_masked in page.text and "已预约" in page.text
    empty = client.get("/recycling/bookings", params={"day": TOMORROW.isoformat(), "status": "settled"})
    assert booking.address_masked not in empty.text
    detail = client.get(f"/recycling/bookings/{booking.id}")
    assert "标记未履约" in detail.text


def test_a_retailer_books_the_old_appliance_of_its_claim_once(db: Session) -> None:
    from tests.tradein import claims_support as cs

    from huanxin.tradein.models import Claim, OutboxMessage

    city = cs.setup_city(db)
    _, person = cs.resident(db, city)
    programme = city.programmes["appliance-2025"]
    claim = Claim(city_code=city.code, region_code=city.code, programme_id=programme.id, person_id=person.id,
                  retailer_id=city.retailer.id, category="refrigerator", price_fen=300_000,
                  invoice_no=f"INV{uuid.uuid4().hex[:10]}", invoice_date=today(), status="approved",
                  submitted_at=now(), version=1, inputs={"proofs": {}},
                  decision={"required_proofs": ["recycling_cert"]})
    db.add(claim)
    db.flush()
    rc = ws.recycler(db, city.code)
    ws.price(db, rc, "refrigerator", 4000)
    retailer = city.scope(db, city.retailer_user)
    fridge = [ItemInput(category="refrigerator", pieces=1)]
    made = service.create(db, retailer, _input(rc, items=fridge, claim_id=claim.id),
                          idempotency_key=uuid.uuid4().hex).booking
    assert made.source == "trade_in" and made.claim_id == claim.id and made.person_id == person.id
    assert made.indicative_total_fen == 4000
    bodies = list(db.scalars(select(OutboxMessage.body).where(OutboxMessage.person_id == person.id)))
    assert any("已受理" in b for b in bodies)  # the resident hears of the pickup booked for them
    with pytest.raises(Conflict):  # one pickup per claim
        service.create(db, retailer, _input(rc, items=fridge, claim_id=claim.id), idempotency_key=uuid.uuid4().hex)
    with pytest.raises(InvalidInput):
        service.create(db, retailer, _input(rc, items=fridge), idempotency_key=uuid.uuid4().hex)
    with pytest.raises(NotFound):  # a claim the retailer did not redeem
        service.create(db, retailer, _input(rc, items=fridge, claim_id=claim.id + 10_000_000),
                       idempotency_key=uuid.uuid4().hex)
    assert [b.id for b in service.list_bookings(db, retailer)] == [made.id]
