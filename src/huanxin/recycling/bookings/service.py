"""Booking a door-to-door pickup, and the booker's and the dispatcher's moves on it.

- A resident (or, for 送新收旧, a retailer's user with the trade-in claim) books an address, a
  location, a day and one of the offered windows (not past, at most MAX_DAYS_AHEAD ahead), a phone
  and the items; the recycler is the one chosen, or the operator of the nearest operating site.
- The indicative quote is each item at the recycler's price in force today (prices.price_on):
  shown as 预估, the final price is made by weighing at the door (weighing.service).
- The Idempotency-Key makes a double tap one booking (the key is unique per city in the table).
- The booker cancels before the collector arrives (with a reason) or reschedules while booked or
  assigned (back to booked: the plan must take it again); the recycler's dispatcher marks a
  no-show with a reason. Every status change goes through bookings.status."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import boundaries, pii
from huanxin.kit.clock import CHINA, aware, now, today
from huanxin.kit.limits import Schema
from huanxin.orgs.boundary import city_boundary
from huanxin.orgs.models import Unit
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import coords, geo, prices
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.models import Booking, BookingEvent, BookingItem, Site
from huanxin.recycling.vocab import CATEGORIES, UNITS, unit_of
from huanxin.tradein import repository as tradein_repo

# The windows offered (start hour, end hour), keyed as the forms and the API send them.
WINDOWS: dict[str, tuple[int, int]] = {"09-11": (9, 11), "11-13": (11, 13), "14-16": (14, 16), "16-18": (16, 18)}
WINDOW_LABELS = {k: f"{a:02d}:00—{b:02d}:00" for k, (a, b) in WINDOWS.items()}
MAX_DAYS_AHEAD = 14
MAX_ITEMS = 20
# A booking farther than this from every operating site of the city is not in the city (a slip
# of the map, or swapped latitude and longitude): no recycler of ours would drive there.
MAX_SITE_DISTANCE_M = 60_000
BORDER_TOLERANCE_M = 2_000  # see kit.boundaries.near
MAX_KG_G = 2_000_000  # 2 t of household material: beyond it, a typo
MAX_PIECES = 50
COORD_SYSTEMS = {"gcj02": "GCJ-02（国内地图）", "wgs84": "WGS-84（GPS）"}
OPEN = frozenset({"booked", "assigned", "on_the_way"})  # before arrival: the booker may cancel
RESCHEDULABLE = frozenset({"booked", "assigned"})
NO_SHOW_FROM = frozenset({"booked", "assigned", "on_the_way", "arrived"})
NO_SHOW_PARTIES = {"collector": "回收人员未上门", "resident": "居民不在或未交售"}
_PHONE = re.compile(r"1[3-9]\d{9}")


class ItemInput(Schema):
    category: str = Field(max_length=30)
    estimated_g: int = 0  # kg categories: estimated grams
    pieces: int = 0  # piece categories
    estimated_volume_l: int = 0


class BookingInput(Schema):
    address: str = Field(max_length=200)
    lat: float
    lon: float
    coord_system: str = "gcj02"
    day: dt.date
    window: str = Field(max_length=8)
    phone: str = Field(max_length=20)
    items: list[ItemInput]
    recycler_unit_id: int | None = None
    claim_id: int | None = None
    note: str = Field(default="", max_length=500)


@dataclass(frozen=True)
class Created:
    booking: Booking
    replayed: bool


# ---- checks -----------------------------------------------------------------------------------

def window_of(day: dt.date, window: str, *, at: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The window's start and end (China time), or 422 naming the day or the window."""
    if window not in WINDOWS:
        raise InvalidInput("请选择上门时间段", field="window")
    start_h, end_h = WINDOWS[window]
    start = dt.datetime.combine(day, dt.time(start_h), tzinfo=CHINA)
    moment = aware(at or now())
    if day > today() + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(f"上门日期最多可选{MAX_DAYS_AHEAD}天以内", field="day")
    if start <= moment:
        raise InvalidInput("所选上门时间段已过，请选择之后的时间段", field="window" if day == today() else "day")
    return start, dt.datetime.combine(day, dt.time(end_h), tzinfo=CHINA)


def _location(data: BookingInput) -> tuple[float, float]:
    if data.coord_system not in COORD_SYSTEMS:
        raise InvalidInput("坐标系只能是GCJ-02或WGS-84", field="coord_system")
    if not coords.in_china(data.lat, data.lon):
        raise InvalidInput("位置（经纬度）不在国内，请在地图上重新选点", field="lat")
    if data.coord_system == "gcj02":
        return coords.gcj02_to_wgs84(data.lat, data.lon)
    return data.lat, data.lon


def _items(data: BookingInput) -> list[tuple[str, str, int, int]]:
    """(category, unit, quantity, volume) of each item, or 422 naming the item's field."""
    if not data.items:
        raise InvalidInput("请至少填写一件回收物品", field="items")
    if len(data.items) > MAX_ITEMS:
        raise InvalidInput(f"回收物品最多{MAX_ITEMS}行", field="items")
    out = []
    for n, item in enumerate(data.items):
        row = f"第{n + 1}行"
        if item.category not in CATEGORIES:
            raise InvalidInput(f"{row}：请选择回收品类", field=f"items.{n}.category")
        unit = unit_of(item.category)
        quantity = item.pieces if unit == "piece" else item.estimated_g
        top = MAX_PIECES if unit == "piece" else MAX_KG_G
        if quantity <= 0 or quantity > top:
            what = "件数" if unit == "piece" else "预估重量"
            raise InvalidInput(f"{row}（{CATEGORIES[item.category]}）：请填写{what}，须大于0且不超过"
                               f"{top if unit == 'piece' else top // 1000}{UNITS[unit]}",
                               field=f"items.{n}.{'pieces' if unit == 'piece' else 'estimated_g'}")
        if item.estimated_volume_l < 0 or item.estimated_volume_l > 10_000:
            raise InvalidInput(f"{row}：体积不正确", field=f"items.{n}.estimated_volume_l")
        out.append((item.category, unit, quantity, item.estimated_volume_l))
    return out


def _operating_sites(session: Session, city_code: str) -> list[Site]:
    return list(session.scalars(select(Site).where(Site.city_code == city_code, Site.status == "operating")))


def _recycler(session: Session, scope: Scope, chosen: int | None, lat: float, lon: float) -> int:
    """The chosen recycler of the city, or the operator of the nearest site; 422 if the point is
    outside the city's administrative boundary (where known) or farther than MAX_SITE_DISTANCE_M
    from every site of the city."""
    drawn = city_boundary(session, scope.city_code)
    if drawn is not None and not boundaries.near(drawn, lon, lat, BORDER_TOLERANCE_M):
        raise InvalidInput("该位置不在本市上门回收的服务范围内，请检查地图选点", field="lat")
    sites = _operating_sites(session, scope.city_code)
    nearest = min(sites, key=lambda s: geo.haversine_m(lat, lon, s.lat, s.lon), default=None)
    if nearest is None or geo.haversine_m(lat, lon, nearest.lat, nearest.lon) > MAX_SITE_DISTANCE_M:
        raise InvalidInput("该位置不在本市上门回收的服务范围内，请检查地图选点", field="lat")
    if chosen is None:
        return nearest.operator_unit_id
    if chosen not in {u.id for u in repo.recyclers_of_city(session, scope.city_code)}:
        raise InvalidInput("请从本市的回收企业中选择", field="recycler_unit_id")
    return chosen


def _quote(session: Session, recycler_id: int, items: list[tuple[str, str, int, int]]) -> list[tuple[int, int]]:
    """(unit price, amount) in fen per item, at the list in force today."""
    out = []
    for n, (category, unit, quantity, _) in enumerate(items):
        entry = prices.price_on(session, recycler_id, category, today())
        if entry is None:
            raise InvalidInput(f"第{n + 1}行：该回收企业暂不回收{CATEGORIES[category]}（无报价）",
                               field=f"items.{n}.category")
        amount = (quantity * entry.price_fen + 500) // 1000 if unit == "kg" else quantity * entry.price_fen
        out.append((entry.price_fen, amount))
    return out


def _booker(session: Session, scope: Scope, claim_id: int | None) -> tuple[str, int | None, int | None]:
    """(source, person to notify, claim) for the caller: a resident for themself, a retailer for a claim."""
    if scope.role == Role.RESIDENT:
        if claim_id is not None:
            raise InvalidInput("居民预约不能关联以旧换新申请", field="claim_id")
        person = tradein_repo.person_of_scope(session, scope)
        return "resident", person.id if person else None, None
    if scope.role == Role.RETAILER:
        if claim_id is None:
            raise InvalidInput("送新收旧预约须选择以旧换新申请", field="claim_id")
        claim = tradein_repo.get_claim(session, scope, claim_id)  # another retailer's: 404
        busy = session.scalar(select(Booking.id).where(Booking.claim_id == claim.id,
                                                       Booking.status.not_in(("cancelled", "no_show"))))
        if busy is not None:
            raise Conflict("该以旧换新申请已有上门回收预约", field="claim_id")
        return "trade_in", claim.person_id, claim.id
    raise Forbidden("只有居民或以旧换新经营主体可以预约上门回收")


# ---- create -----------------------------------------------------------------------------------

def _mask_address(address: str) -> str:
    return address[:6] + "****" if len(address) > 6 else address[:2] + "****"


def create(session: Session, scope: Scope, data: BookingInput, *, idempotency_key: str) -> Created:
    """A new booking, or the one this caller already made with this key (a double tap)."""
    key = idempotency_key.strip()[:64]
    done = session.scalar(select(Booking).where(Booking.city_code == scope.city_code,
                                                Booking.idempotency_key == key))
    if done is not None:
        if done.booked_by_user_id != scope.user_id:
            raise Conflict("该幂等键（Idempotency-Key）已被使用", field="Idempotency-Key")
        return Created(done, True)
    source, person_id, claim_id = _booker(session, scope, data.claim_id)
    address = data.address.strip()
    if len(address) < 4:
        raise InvalidInput("请填写详细上门地址", field="address")
    phone = re.sub(r"[\s-]", "", data.phone)
    if not _PHONE.fullmatch(phone):
        raise InvalidInput("请填写11位手机号码", field="phone")
    start, end = window_of(data.day, data.window)
    items = _items(data)
    lat, lon = _location(data)
    recycler_id = _recycler(session, scope, data.recycler_unit_id, lat, lon)
    quoted = _quote(session, recycler_id, items)
    at = now()
    booking = Booking(city_code=scope.city_code, region_code=scope.region_code or scope.city_code,
                      recycler_unit_id=recycler_id, source=source, person_id=person_id,
                      booked_by_user_id=scope.user_id, claim_id=claim_id, address_enc=pii.encrypt(address),
                      address_masked=_mask_address(address), phone_enc=pii.encrypt(phone), lat=lat, lon=lon,
                      window_start=start, window_end=end, status="booked",
                      indicative_total_fen=sum(a for _, a in quoted), note=data.note.strip(),
                      idempotency_key=key, created_at=at, updated_at=at, version=1)
    try:
        with session.begin_nested():  # two taps at once: the unique key lets one in
            session.add(booking)
            session.flush()
    except IntegrityError:
        again = session.scalar(select(Booking).where(Booking.city_code == scope.city_code,
                                                     Booking.idempotency_key == key))
        if again is None or again.booked_by_user_id != scope.user_id:
            raise Conflict("该幂等键（Idempotency-Key）已被使用", field="Idempotency-Key") from None
        return Created(again, True)
    for (category, unit, quantity, volume), (unit_price, amount) in zip(items, quoted, strict=True):
        session.add(BookingItem(booking_id=booking.id, category=category, unit=unit, estimated_quantity=quantity,
                                estimated_volume_l=volume, indicative_unit_price_fen=unit_price,
                                indicative_amount_fen=amount))
    session.flush()
    status.record_event(session, booking, None, actor_user_id=scope.user_id, actor=scope.username,
                        note="居民预约" if source == "resident" else "送新收旧预约")
    return Created(booking, False)


# ---- the booker's and the dispatcher's moves ----------------------------------------------------

def _own(session: Session, scope: Scope, booking_id: int) -> Booking:
    booking = repo.get_booking(session, scope, booking_id, lock=True)
    if booking.booked_by_user_id != scope.user_id:
        raise Forbidden("只有预约人可以取消或改约")
    return booking


def cancel(session: Session, scope: Scope, booking_id: int, *, reason: str) -> Booking:
    booking = _own(session, scope, booking_id)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写取消原因", field="reason")
    if booking.status not in OPEN:
        raise Conflict(f"预约当前为“{status.STATUS_LABELS[booking.status]}”，回收人员到达后不能取消",
                       field="status")
    booking.cancelled_by_user_id = scope.user_id
    booking.cancel_reason = reason[:200]
    status.move(session, booking, "cancelled", actor_user_id=scope.user_id, actor=scope.username, note=reason)
    return booking


def reschedule(session: Session, scope: Scope, booking_id: int, *, day: dt.date, window: str) -> Booking:
    booking = _own(session, scope, booking_id)
    if booking.status not in RESCHEDULABLE:
        raise Conflict(f"预约当前为“{status.STATUS_LABELS[booking.status]}”，不能改约", field="status")
    start, end = window_of(day, window)
    booking.window_start, booking.window_end = start, end
    note = f"改约至{status.window_text(booking)}"
    if booking.status == "assigned":  # off the plan: the dispatcher plans it again
        status.move(session, booking, "booked", actor_user_id=scope.user_id, actor=scope.username, note=note)
    else:  # still booked: a history row with the new window, no status change
        booking.updated_at = now()
        booking.version += 1
        session.flush()
        status.record_event(session, booking, "booked", actor_user_id=scope.user_id, actor=scope.username,
                            note=note)
    return booking


def no_show(session: Session, scope: Scope, booking_id: int, *, reason: str, party: str = "") -> Booking:
    repo.require_function(session, scope, "dispatcher")
    booking = repo.get_booking(session, scope, booking_id, lock=True)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写未履约原因", field="reason")
    party = party or ("resident" if booking.status == "arrived" else "collector")
    if party not in NO_SHOW_PARTIES:
        raise InvalidInput("请选择未履约的一方", field="party")
    if booking.status not in NO_SHOW_FROM:
        raise Conflict(f"预约当前为“{status.STATUS_LABELS[booking.status]}”，不能标记未履约", field="status")
    booking.no_show_party = party
    status.move(session, booking, "no_show", actor_user_id=scope.user_id, actor=scope.username,
                note=f"{NO_SHOW_PARTIES[party]}：{reason}")
    return booking


# ---- reads ------------------------------------------------------------------------------------

def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=CHINA)
    return start, start + dt.timedelta(days=1)


def list_bookings(session: Session, scope: Scope, *, day: dt.date | None = None, status_: str | None = None,
                  limit: int = 200) -> list[Booking]:
    stmt = repo.bookings_visible(scope)
    if day is not None:
        start, end = day_bounds(day)
        stmt = stmt.where(Booking.window_start >= start, Booking.window_start < end)
    if status_:
        if status_ not in status.STATUS_LABELS:
            raise InvalidInput("状态不正确", field="status")
        stmt = stmt.where(Booking.status == status_)
    return list(session.scalars(stmt.order_by(Booking.window_start.desc(), Booking.id.desc()).limit(limit)))


def items_of(session: Session, booking: Booking) -> list[BookingItem]:
    return list(session.scalars(select(BookingItem).where(BookingItem.booking_id == booking.id)
                                .order_by(BookingItem.id)))


def events_of(session: Session, booking: Booking) -> list[BookingEvent]:
    return list(session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id)
                                .order_by(BookingEvent.id)))


def recycler_name(session: Session, booking: Booking) -> str:
    unit = session.get(Unit, booking.recycler_unit_id) if booking.recycler_unit_id else None
    return unit.name if unit else "—"


def event_text(event: BookingEvent) -> str:
    """One line of the timeline in Chinese: 已预约 → 已取消（原因）."""
    to = status.STATUS_LABELS.get(event.to_status, "—")
    text = to if event.from_status in (None, event.to_status) else \
        f"{status.STATUS_LABELS.get(event.from_status, '—')} → {to}"
    return f"{text}（{event.note}）" if event.note else text

