"""JSON API of price lists, weighing and settlement (/api/v1). Every booking is resolved in the
caller's scope (recycling.repository): another city's or another recycler's answers 404.

    GET  /recycling/prices[?recycler_unit_id=&on=]          the list in force (recycler: its own)
    GET  /recycling/prices/history[?recycler_unit_id=&category=]
    POST /recycling/prices                                  {category, unit, price_fen, effective_from, note, replace}
    POST /recycling/bookings/{id}/weighings                 {place, device_id, readings: [{category, gross_g,
                                                             tare_g, pieces, condition}]} (driver, station staff)
    GET  /recycling/bookings/{id}/quote                     the final price with the re-quote's reasons
    POST /recycling/bookings/{id}/answer                    {accept, version} (who booked)
    POST /recycling/bookings/{id}/settlement                {method} + Idempotency-Key header (recycler)
    GET  /recycling/bookings/{id}/receipt"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from huanxin.kit import idempotency
from huanxin.kit.clock import today
from huanxin.kit.limits import Schema
from huanxin.recycling import prices
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.models import Booking, PriceEntry, Settlement, Weighing
from huanxin.recycling.vocab import CATEGORIES, UNITS
from huanxin.recycling.weighing import service as weighing
from huanxin.recycling.weighing import settlement
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["再生资源回收"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


class ReadingsIn(Schema):
    readings: list[weighing.LineInput]
    place: str = "door"
    device_id: str | None = None


class AnswerIn(Schema):
    accept: bool
    version: int | None = None


class SettleIn(Schema):
    method: str


def price_out(entry: PriceEntry) -> dict[str, Any]:
    return {"id": entry.id, "category": entry.category, "category_label": CATEGORIES.get(entry.category),
            "unit": entry.unit, "unit_label": UNITS.get(entry.unit), "price_fen": entry.price_fen,
            "effective_from": entry.effective_from.isoformat(), "note": entry.note}


def weighing_out(row: Weighing) -> dict[str, Any]:
    return {"category": row.category, "category_label": CATEGORIES.get(row.category), "unit": row.unit,
            "gross_g": row.gross_g, "tare_g": row.tare_g, "net_g": row.net_g, "pieces": row.pieces,
            "condition": row.condition, "unit_price_fen": row.unit_price_fen, "amount_fen": row.amount_fen,
            "place": row.place, "device_id": row.device_id, "requote_reason": row.requote_reason}


def quote_out(booking: Booking, rows: list[Weighing]) -> dict[str, Any]:
    return {"booking_id": booking.id, "booking_no": status.booking_no(booking), "status": booking.status,
            "status_label": status.STATUS_LABELS[booking.status], "version": booking.version,
            "indicative_total_fen": booking.indicative_total_fen, "final_total_fen": booking.final_total_fen,
            "accepted": booking.accepted, "lines": [weighing_out(r) for r in rows]}


def settlement_out(row: Settlement) -> dict[str, Any]:
    return {"booking_id": row.booking_id, "amount_fen": row.amount_fen, "method": row.method,
            "method_label": settlement.METHOD_LABELS.get(row.method), "receipt_no": row.receipt_no,
            "paid_at": row.paid_at.isoformat()}


@router.get("/recycling/prices")
def current_prices(db: DbSession, scope: CurrentScope, recycler_unit_id: int | None = None,
                   on: dt.date | None = None) -> dict[str, Any]:
    owner = prices.list_owner(db, scope, recycler_unit_id)
    day = on or today()
    return {"recycler_unit_id": owner, "on": day.isoformat(), "prices": [
        {**price_out(p.entry), "previous": price_out(p.previous) if p.previous else None,
         "upcoming": price_out(p.upcoming) if p.upcoming else None} for p in prices.current_list(db, owner, day)]}


@router.get("/recycling/prices/history")
def price_history(db: DbSession, scope: CurrentScope, recycler_unit_id: int | None = None,
                  category: str | None = None) -> dict[str, Any]:
    owner = prices.list_owner(db, scope, recycler_unit_id)
    return {"recycler_unit_id": owner, "entries": [price_out(e) for e in prices.history(db, owner, category)]}


@router.post("/recycling/prices", status_code=201)
def add_price(body: prices.PriceInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return price_out(prices.add_price(db, scope, body))


@router.post("/recycling/bookings/{booking_id}/weighings", status_code=201)
def post_weighings(booking_id: int, body: ReadingsIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    result = weighing.weigh(db, scope, booking_id, weighing.WeighingInput(
        lines=body.readings, place=body.place, device_id=body.device_id))
    return {**quote_out(result.booking, result.weighings), "receipt_no": result.settled_receipt}


@router.get("/recycling/bookings/{booking_id}/quote")
def quote(booking_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    booking = repo.get_booking(db, scope, booking_id)
    return quote_out(booking, weighing.weighings_of(db, booking))


@router.post("/recycling/bookings/{booking_id}/answer")
def answer(booking_id: int, body: AnswerIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    booking = weighing.answer(db, scope, booking_id, accept=body.accept, version=body.version)
    return quote_out(booking, weighing.weighings_of(db, booking))


@router.post("/recycling/bookings/{booking_id}/settlement", status_code=201)
def settle(booking_id: int, body: SettleIn, db: DbSession, scope: CurrentScope,
           idempotency_key: IdemKey = None) -> JSONResponse:
    key = idempotency.checked_key(idempotency_key)
    row, replayed = settlement.settle_or_replay(db, scope, booking_id, method=body.method, idempotency_key=key)
    return JSONResponse(settlement_out(row), status_code=200 if replayed else 201,
                        headers={"Idempotent-Replayed": "true"} if replayed else None)


@router.get("/recycling/bookings/{booking_id}/receipt")
def receipt(booking_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    found = settlement.receipt(db, scope, booking_id)
    return {**settlement_out(found.settlement), "booking_no": found.booking_no,
            "lines": [weighing_out(w) for w in found.lines], "reasons": found.reasons,
            "total_fen": found.settlement.amount_fen}
