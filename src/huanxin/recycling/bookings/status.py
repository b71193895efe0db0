"""A booking's life: the statuses, the moves allowed between them, and the one function that makes
a move (history row, audit record, the resident's outbox message). Who may make which move is the
services' business (bookings.service for residents and dispatchers, dispatch for planning and the
crew, weighing for the price and the payment); the order of the moves is decided here, once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huanxin.db import add_row
from huanxin.errors import Conflict
from huanxin.kit import audit
from huanxin.kit.clock import CHINA, aware, now
from huanxin.recycling.models import Booking, BookingEvent
from huanxin.tradein import outbox

STATUS_LABELS: dict[str, str] = {
    "booked": "已预约",
    "assigned": "已派单",
    "on_the_way": "上门途中",
    "arrived": "已到达",
    "weighed": "已称重",
    "settled": "已结算",
    "cancelled": "已取消",
    "no_show": "未履约",
}
FINAL = frozenset({"settled", "cancelled", "no_show"})

# Which status may follow which. assigned → booked: a re-plan left the pickup out (it stays
# booked and is reported as unserved). weighed → cancelled: the resident refused the final price.
# no_show from booked/assigned/on_the_way: the collector did not come in the window; from
# arrived: the resident was not there.
MOVES: dict[str, frozenset[str]] = {
    "booked": frozenset({"assigned", "cancelled", "no_show"}),
    "assigned": frozenset({"booked", "assigned", "on_the_way", "cancelled", "no_show"}),
    "on_the_way": frozenset({"arrived", "no_show", "cancelled"}),
    "arrived": frozenset({"weighed", "no_show", "cancelled"}),
    "weighed": frozenset({"weighed", "settled", "cancelled"}),
    "settled": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
}

# What the resident reads in the outbox after each move ({no} is the booking number).
MESSAGES: dict[str, str] = {
    "booked": "您的上门回收预约（{no}）已受理，时间段{window}。",
    "assigned": "您的上门回收预约（{no}）已派单，回收人员将在{window}上门。",
    "on_the_way": "回收人员已出发前往您处（预约{no}），请留意来电。",
    "arrived": "回收人员已到达（预约{no}）。",
    "weighed": "您的回收物品已称重（预约{no}），最终金额{amount}元，请确认。",
    "settled": "预约{no}已结算，{amount}元已支付，凭证号{receipt}。",
    "cancelled": "您的上门回收预约（{no}）已取消：{note}",
    "no_show": "预约{no}未履约：{note}",
}


def booking_no(booking: Booking) -> str:
    """The number a resident quotes on the phone: city and id, never a guessable sequence alone."""
    return f"HS{booking.city_code}{booking.id:07d}"


def window_text(booking: Booking) -> str:
    start, end = aware(booking.window_start).astimezone(CHINA), aware(booking.window_end).astimezone(CHINA)
    return f"{start:%m月%d日 %H:%M}—{end:%H:%M}"


def can_move(booking: Booking, to_status: str) -> bool:
    return to_status in MOVES.get(booking.status, frozenset())


def move(session: Session, booking: Booking, to_status: str, *, actor_user_id: int | None, actor: str,
         note: str = "", receipt: str = "") -> None:
    """Move the booking (or refuse with 409 naming both statuses), record the event and audit it,
    and tell the resident. The caller has checked that this actor may make this move."""
    if not can_move(booking, to_status):
        raise Conflict(f"预约当前为“{STATUS_LABELS[booking.status]}”，不能改为“{STATUS_LABELS[to_status]}”",
                       field="status")
    previous = booking.status
    at = now()
    booking.status = to_status
    booking.updated_at = at
    booking.version += 1
    session.flush()
    record_event(session, booking, previous, actor_user_id=actor_user_id, actor=actor, note=note, receipt=receipt)


def record_event(session: Session, booking: Booking, previous: str | None, *, actor_user_id: int | None,
                 actor: str, note: str = "", receipt: str = "") -> None:
    """The history row, the audit record and the outbox message of the booking's current status
    (also called once when a booking is created, with previous None)."""
    add_row(session, BookingEvent, {"booking_id": booking.id, "from_status": previous, "to_status": booking.status,
                                    "actor_user_id": actor_user_id, "note": note[:500], "at": now()})
    audit.record(session, actor=actor, action=f"recycling.booking.{booking.status}", entity="recycling_booking",
                 entity_id=booking.id, city_code=booking.city_code,
                 detail={"from": previous, "to": booking.status, "note": note[:200]})
    if booking.person_id is not None:
        amount = booking.final_total_fen if booking.final_total_fen is not None else booking.indicative_total_fen
        body = MESSAGES[booking.status].format(no=booking_no(booking), window=window_text(booking),
                                               amount=outbox.yuan(amount), receipt=receipt, note=note or "—")
        outbox.notify(session, booking.person_id, body)
