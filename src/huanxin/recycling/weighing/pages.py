"""Pages of weighing and settlement: the weighing form of the driver or the station staff
(/recycling/bookings/{id}/weigh, errors beside the line's field), the final price with its
explanation and the resident's two buttons (/quote), the recycler's settlement (/settle, a hidden
idempotency key) and the receipt (/receipt). The price list's pages are in price_pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from huanxin.errors import InvalidInput
from huanxin.kit.clock import CHINA, aware
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import prices
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.models import Booking, BookingItem
from huanxin.recycling.vocab import CATEGORIES, UNITS
from huanxin.recycling.weighing import forms, price_pages, settlement
from huanxin.recycling.weighing import service as weighing
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(price_pages.router)
BOOKING = "/recycling/bookings/{booking_id}"
Text = Annotated[str, Form()]
Values = Annotated[dict[str, str], Depends(forms.form_values)]
BLANK_ROWS = 2
FLASH = {"weighed": "已称重，最终金额已通知居民。", "accepted": "已确认最终报价，请等待回收企业付款。",
         "refused": "已拒绝最终报价，预约已取消。", "settled": "已结算。"}


def kg(grams: int) -> str:
    """12,350 g → "12.35" (the page adds 公斤)."""
    return f"{grams / 1000:.3f}".rstrip("0").rstrip(".")


def cn_time(at: dt.datetime) -> str:
    return f"{aware(at).astimezone(CHINA):%Y-%m-%d %H:%M}"


def _context(booking: Booking) -> dict[str, Any]:
    return {"booking": booking, "booking_no": status.booking_no(booking),
            "status_label": status.STATUS_LABELS[booking.status], "categories": CATEGORIES, "units": UNITS,
            "conditions": prices.CONDITIONS, "kg": kg, "cn_time": cn_time}


def _items(db: DbSession, booking: Booking) -> list[BookingItem]:
    return list(db.scalars(select(BookingItem).where(BookingItem.booking_id == booking.id).order_by(BookingItem.id)))


# ---- weighing ---------------------------------------------------------------------------------

def _rows(db: DbSession, booking: Booking, typed: list[dict[str, str]] | None) -> list[dict[str, str]]:
    if typed:
        rows = [dict(r) for r in typed]
    else:  # the booked items, to be weighed
        rows = [{"category": i.category, "pieces": str(i.estimated_quantity) if i.unit == "piece" else ""}
                for i in _items(db, booking)]
    return rows + [{"category": "", "condition": "good"} for _ in range(BLANK_ROWS)]


def _weigh_page(request: Request, db: DbSession, scope: Scope, booking_id: int,
                typed: list[dict[str, str]] | None = None, place: str = "") -> Response:
    request.state.scope = scope
    repo.recycler_unit(scope)
    booking = repo.get_booking(db, scope, booking_id)
    functions = repo.staff_functions(db, scope)
    places = {k: v for k, v in {"door": "上门称重", "station": "站点称重"}.items()
              if ("driver" if k == "door" else "station") in functions}
    return render(request, "recycling/weighing/weigh.html", rows=_rows(db, booking, typed), places=places,
                  place=place or next(iter(places), "door"), items=_items(db, booking),
                  weighed=weighing.weighings_of(db, booking), **_context(booking))


@router.get(BOOKING + "/weigh", response_class=HTMLResponse)
def weigh_page(request: Request, booking_id: int, db: DbSession, scope: CurrentScope) -> Response:
    return _weigh_page(request, db, scope, booking_id)


def _on_weigh(call: FormCall) -> Response:
    values = call.args["values"]
    return _weigh_page(call.request, call.db, call.scope, call.args["booking_id"], forms.rows_of(values),
                       values.get("place", ""))


@router.post(BOOKING + "/weigh", response_class=HTMLResponse)
@form_page(_on_weigh, form="weigh")
def weigh_submit(booking_id: int, db: DbSession, scope: CurrentScope, values: Values) -> Response:
    weighing.weigh(db, scope, booking_id, weighing.WeighingInput(lines=forms.lines_of(values),
                                                                 place=values.get("place") or "door"))
    return RedirectResponse(f"/recycling/bookings/{booking_id}/quote?done=weighed", status_code=303)


# ---- the final price and the resident's answer ------------------------------------------------

@router.get(BOOKING + "/quote", response_class=HTMLResponse)
def quote_page(request: Request, booking_id: int, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    request.state.scope = scope
    booking = repo.get_booking(db, scope, booking_id)
    rows = weighing.weighings_of(db, booking)
    may_answer = (booking.status == "weighed" and booking.accepted is None
                  and booking.booked_by_user_id == scope.user_id and scope.role in (Role.RESIDENT, Role.RETAILER))
    may_settle = scope.role == Role.RECYCLER and booking.status == "weighed" and booking.accepted is True
    reasons = [t for w in rows for t in w.requote_reason.splitlines() if t]
    return render(request, "recycling/weighing/quote.html", rows=rows, reasons=reasons, may_answer=may_answer,
                  may_settle=may_settle, flash=FLASH.get(done), **_context(booking))


def _on_quote(call: FormCall) -> Response:
    return quote_page(call.request, call.args["booking_id"], call.db, call.scope)


@router.post(BOOKING + "/quote", response_class=HTMLResponse)
@form_page(_on_quote, form="quote")
def quote_submit(booking_id: int, db: DbSession, scope: CurrentScope, answer: Text = "",
                 version: Text = "") -> Response:
    if answer not in ("accept", "refuse"):
        raise InvalidInput("请选择接受或拒绝最终报价", field="answer")
    weighing.answer(db, scope, booking_id, accept=answer == "accept",
                    version=int(version) if version.isdigit() else None)
    done = "accepted" if answer == "accept" else "refused"
    return RedirectResponse(f"/recycling/bookings/{booking_id}/quote?done={done}", status_code=303)


# ---- settlement and receipt -------------------------------------------------------------------

@router.get(BOOKING + "/settle", response_class=HTMLResponse)
def settle_page(request: Request, booking_id: int, db: DbSession, scope: CurrentScope) -> Response:
    request.state.scope = scope
    repo.recycler_unit(scope)
    booking = repo.get_booking(db, scope, booking_id)
    return render(request, "recycling/weighing/settle.html", methods=settlement.METHODS,
                  key=uuid.uuid4().hex, rows=weighing.weighings_of(db, booking), **_context(booking))


def _on_settle(call: FormCall) -> Response:
    return settle_page(call.request, call.args["booking_id"], call.db, call.scope)


@router.post(BOOKING + "/settle", response_class=HTMLResponse)
@form_page(_on_settle, form="settle")
def settle_submit(booking_id: int, db: DbSession, scope: CurrentScope, method: Text = "",
                  idempotency_key: Text = "") -> Response:
    settlement.settle(db, scope, booking_id, method=method, idempotency_key=idempotency_key)
    return RedirectResponse(f"/recycling/bookings/{booking_id}/receipt", status_code=303)


@router.get(BOOKING + "/receipt", response_class=HTMLResponse)
def receipt_page(request: Request, booking_id: int, db: DbSession, scope: CurrentScope) -> Response:
    request.state.scope = scope
    found = settlement.receipt(db, scope, booking_id)
    page = render(request, "recycling/weighing/receipt.html", receipt=found, **_context(found.booking))
    page.headers["Cache-Control"] = "no-store"
    return page
