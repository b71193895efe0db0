"""JSON API of door-to-door bookings (/api/v1). Every booking is resolved in the caller's scope
(recycling.repository): another resident's, recycler's or city's booking answers 404.

    GET  /recycling/bookings[?day=&status=]           the caller's bookings (recycler: its own)
    POST /recycling/bookings                          BookingInput + Idempotency-Key header
    GET  /recycling/bookings/{id}                     with items, the history in Chinese, the quote
    POST /recycling/bookings/{id}/cancel              {reason} (who booked, before arrival)
    POST /recycling/bookings/{id}/reschedule          {day, window} (who booked, booked/assigned)
    POST /recycling/bookings/{id}/no-show             {reason, party} (the recycler's dispatcher)
The weighing, quote, answer, settlement and receipt routes are weighing.api's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import Field

from huanxin.kit import idempotency
from huanxin.kit.limits import Schema
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import service, status
from huanxin.recycling.models import Booking
from huanxin.recycling.vocab import CATEGORIES, UNITS
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["再生资源回收"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]
QUOTE_NOTE = "预估金额仅供参考，最终价格以上门称重为准"


class CancelIn(Schema):
    reason: str = Field(max_length=200)


class RescheduleIn(Schema):
    day: dt.date
    window: str = Field(max_length=8)


class NoShowIn(Schema):
    reason: str = Field(max_length=200)
    party: str = ""


def booking_out(booking: Booking) -> dict[str, Any]:
    return {"id": booking.id, "booking_no": status.booking_no(booking), "status": booking.status,
            "status_label": status.STATUS_LABELS[booking.status], "source": booking.source,
            "window_start": booking.window_start.isoformat(), "window_end": booking.window_end.isoformat(),
            "window_text": status.window_text(booking), "address_masked": booking.address_masked,
            "recycler_unit_id": booking.recycler_unit_id, "claim_id": booking.claim_id,
            "indicative_total_fen": booking.indicative_total_fen, "final_total_fen": booking.final_total_fen,
            "quote_note": QUOTE_NOTE, "version": booking.version}


def detail_out(db: DbSession, booking: Booking) -> dict[str, Any]:
    items = [{"category": i.category, "category_label": CATEGORIES.get(i.category), "unit": i.unit,
              "unit_label": UNITS.get(i.unit), "estimated_quantity": i.estimated_quantity,
              "indicative_unit_price_fen": i.indicative_unit_price_fen,
              "indicative_amount_fen": i.indicative_amount_fen} for i in service.items_of(db, booking)]
    events = [{"from_status": e.from_status, "to_status": e.to_status,
               "to_label": status.STATUS_LABELS.get(e.to_status), "text": service.event_text(e),
               "note": e.note, "at": e.at.isoformat()} for e in service.events_of(db, booking)]
    return {**booking_out(booking), "recycler_name": service.recycler_name(db, booking), "items": items,
            "events": events, "cancel_reason": booking.cancel_reason}


@router.get("/recycling/bookings")
def list_bookings(db: DbSession, scope: CurrentScope, day: dt.date | None = None,
                  status: str | None = None) -> dict[str, Any]:
    rows = service.list_bookings(db, scope, day=day, status_=status)
    return {"bookings": [booking_out(b) for b in rows]}


@router.post("/recycling/bookings", status_code=201)
def create_booking(body: service.BookingInput, db: DbSession, scope: CurrentScope,
                   idempotency_key: IdemKey = None) -> JSONResponse:
    key = idempotency.checked_key(idempotency_key)
    made = service.create(db, scope, body, idempotency_key=key)
    return JSONResponse(detail_out(db, made.booking), status_code=200 if made.replayed else 201,
                        headers={"Idempotent-Replayed": "true"} if made.replayed else None)


@router.get("/recycling/bookings/{booking_id}")
def get_booking(booking_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return detail_out(db, repo.get_booking(db, scope, booking_id))


@router.post("/recycling/bookings/{booking_id}/cancel")
def cancel(booking_id: int, body: CancelIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return detail_out(db, service.cancel(db, scope, booking_id, reason=body.reason))


@router.post("/recycling/bookings/{booking_id}/reschedule")
def reschedule(booking_id: int, body: RescheduleIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return detail_out(db, service.reschedule(db, scope, booking_id, day=body.day, window=body.window))


@router.post("/recycling/bookings/{booking_id}/no-show")
def no_show(booking_id: int, body: NoShowIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return detail_out(db, service.no_show(db, scope, booking_id, reason=body.reason, party=body.party))
