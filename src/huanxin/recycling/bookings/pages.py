"""Pages of door-to-door bookings: the resident's 预约上门回收 form (/recycling/bookings/new, errors
beside the field or the item's row), 我的回收预约 (/recycling/bookings: a resident's or retailer's own;
a recycler's bookings of a day), and a booking's page with its timeline, the indicative and the
final price, and the moves the reader may make (cancel, reschedule, the dispatcher's no-show)."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit.clock import CHINA, aware, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import service, status
from huanxin.recycling.vocab import CATEGORIES, UNITS, unit_of
from huanxin.recycling.weighing import forms
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
Values = Annotated[dict[str, str], Depends(forms.form_values)]
ITEM_ROWS = 4
FLASH = {"booked": "预约成功，回收人员将按预约时间段上门。", "cancelled": "预约已取消。",
         "rescheduled": "已改约，新的时间段已通知回收企业。", "no_show": "已标记未履约。"}
_ITEM_FIELD = re.compile(r"items\.(\d+)\.(\w+)")


def cn_time(at: dt.datetime) -> str:
    return f"{aware(at).astimezone(CHINA):%Y-%m-%d %H:%M}"


def kg_text(grams: int) -> str:
    return f"{grams / 1000:.3f}".rstrip("0").rstrip(".")


def _grams(text: str, row: int) -> int:
    cleaned = re.sub(r"[,，\s]", "", text).removesuffix("公斤").removesuffix("kg")
    match = re.fullmatch(r"(\d{1,7})(?:\.(\d{0,3}))?", cleaned)
    if match is None:
        raise InvalidInput(f"第{row + 1}行：预估重量请填写公斤数，最多3位小数", field=f"item-{row}-quantity")
    return int(match.group(1)) * 1000 + int((match.group(2) or "").ljust(3, "0"))


def _pieces(text: str, row: int) -> int:
    if not re.fullmatch(r"\d{1,4}", text.strip()):
        raise InvalidInput(f"第{row + 1}行：件数请填写整数", field=f"item-{row}-quantity")
    return int(text)


def items_of_form(values: dict[str, str]) -> list[service.ItemInput]:
    items = []
    for row in range(service.MAX_ITEMS):
        category = values.get(f"item-{row}-category", "").strip()
        quantity = values.get(f"item-{row}-quantity", "").strip()
        if not category and not quantity:
            continue
        if category not in CATEGORIES:
            raise InvalidInput(f"第{row + 1}行：请选择回收品类", field=f"item-{row}-category")
        if unit_of(category) == "piece":
            items.append(service.ItemInput(category=category, pieces=_pieces(quantity, row)))
        else:
            items.append(service.ItemInput(category=category, estimated_g=_grams(quantity, row)))
    return items


def _number(values: dict[str, str], name: str, label: str) -> float:
    try:
        number = float(values.get(name, "").strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InvalidInput(f"请在地图上选点或填写{label}", field=name)
    return number


def _day(text: str, field: str = "day") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("请选择上门日期", field=field) from None


def input_of_form(values: dict[str, str]) -> service.BookingInput:
    recycler = values.get("recycler_unit_id", "").strip()
    claim = values.get("claim_id", "").strip()
    return service.BookingInput(
        address=values.get("address", "")[:200], lat=_number(values, "lat", "纬度"), lon=_number(values, "lon", "经度"),
        coord_system=values.get("coord_system") or "gcj02", day=_day(values.get("day", "")),
        window=values.get("window", "")[:8], phone=values.get("phone", "")[:20], items=items_of_form(values),
        recycler_unit_id=int(recycler) if recycler.isdigit() and len(recycler) < 12 else None,
        claim_id=int(claim) if claim.isdigit() and len(claim) < 12 else None, note=values.get("note", "")[:500])


def _form_field(field: str | None) -> str | None:
    """The service's `items.2.pieces` is the form's `item-2-quantity`."""
    match = _ITEM_FIELD.fullmatch(field or "")
    if match is None:
        return "item-0-category" if field == "items" else field
    return f"item-{match.group(1)}-{'category' if match.group(2) == 'category' else 'quantity'}"


# ---- the booking form ----------------------------------------------------------------------------

def _new_page(request: Request, db: DbSession, scope: Scope, values: dict[str, str] | None = None) -> Response:
    request.state.scope = scope
    if scope.role not in (Role.RESIDENT, Role.RETAILER):
        raise Forbidden("只有居民或以旧换新经营主体可以预约上门回收")
    typed = values or {"idempotency_key": uuid.uuid4().hex, "day": today().isoformat(), "coord_system": "gcj02"}
    return render(request, "recycling/bookings/new.html", v=typed, rows=range(ITEM_ROWS), categories=CATEGORIES,
                  windows=service.WINDOW_LABELS, coord_systems=service.COORD_SYSTEMS,
                  recyclers=repo.recyclers_of_city(db, scope.city_code), max_days=service.MAX_DAYS_AHEAD)


@router.get("/recycling/bookings/new", response_class=HTMLResponse)
def new_page(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    return _new_page(request, db, scope)


def _on_new(call: FormCall) -> Response:
    return _new_page(call.request, call.db, call.scope, call.args["values"])


@router.post("/recycling/bookings/new", response_class=HTMLResponse)
@form_page(_on_new, form="book")
def new_submit(db: DbSession, scope: CurrentScope, values: Values) -> Response:
    key = values.get("idempotency_key", "").strip()
    if not key:
        raise InvalidInput("表单已过期，请刷新后重新提交", field="idempotency_key")
    try:
        made = service.create(db, scope, input_of_form(values), idempotency_key=key)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=_form_field(exc.field)) from None
    return RedirectResponse(f"/recycling/bookings/{made.booking.id}?done=booked", status_code=303)


# ---- lists -------------------------------------------------------------------------------------

@router.get("/recycling/bookings", response_class=HTMLResponse)
def list_page(request: Request, db: DbSession, scope: CurrentScope, day: str = "",
              status_: Annotated[str, Query(alias="status")] = "") -> Response:
    request.state.scope = scope
    recycler = scope.role == Role.RECYCLER
    shown_day = (_day(day) if day else today()) if recycler else (_day(day) if day else None)
    chosen = status_ if status_ in status.STATUS_LABELS else None
    rows = service.list_bookings(db, scope, day=shown_day, status_=chosen)
    return render(request, "recycling/bookings/list.html", rows=rows, recycler=recycler, day=shown_day,
                  status_=chosen or "", statuses=status.STATUS_LABELS, booking_no=status.booking_no,
                  window_text=status.window_text)


# ---- a booking ---------------------------------------------------------------------------------

def _detail(request: Request, db: DbSession, scope: Scope, booking_id: int, done: str = "",
            values: dict[str, str] | None = None) -> Response:
    request.state.scope = scope
    booking = repo.get_booking(db, scope, booking_id)
    own = booking.booked_by_user_id == scope.user_id
    dispatcher = scope.role == Role.RECYCLER and "dispatcher" in repo.staff_functions(db, scope)
    context: dict[str, Any] = {
        "booking": booking, "booking_no": status.booking_no(booking),
        "status_label": status.STATUS_LABELS[booking.status], "window": status.window_text(booking),
        "items": service.items_of(db, booking), "events": service.events_of(db, booking),
        "event_text": service.event_text, "recycler_name": service.recycler_name(db, booking),
        "categories": CATEGORIES, "units": UNITS, "kg": kg_text, "cn_time": cn_time, "flash": FLASH.get(done),
        "may_cancel": own and booking.status in service.OPEN,
        "may_reschedule": own and booking.status in service.RESCHEDULABLE,
        "may_no_show": dispatcher and booking.status in service.NO_SHOW_FROM,
        "weighed": booking.final_total_fen is not None, "windows": service.WINDOW_LABELS,
        "parties": service.NO_SHOW_PARTIES, "v": values or {}, "today": today().isoformat()}
    return render(request, "recycling/bookings/detail.html", **context)


@router.get("/recycling/bookings/{booking_id}", response_class=HTMLResponse)
def detail_page(request: Request, booking_id: int, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    return _detail(request, db, scope, booking_id, done)


def _on_detail(call: FormCall) -> Response:
    return _detail(call.request, call.db, call.scope, call.args["booking_id"], values=call.args["values"])


@router.post("/recycling/bookings/{booking_id}/cancel", response_class=HTMLResponse)
@form_page(_on_detail, form="cancel")
def cancel_submit(booking_id: int, db: DbSession, scope: CurrentScope, values: Values) -> Response:
    service.cancel(db, scope, booking_id, reason=values.get("reason", "")[:200])
    return RedirectResponse(f"/recycling/bookings/{booking_id}?done=cancelled", status_code=303)


@router.post("/recycling/bookings/{booking_id}/reschedule", response_class=HTMLResponse)
@form_page(_on_detail, form="reschedule")
def reschedule_submit(booking_id: int, db: DbSession, scope: CurrentScope, values: Values) -> Response:
    service.reschedule(db, scope, booking_id, day=_day(values.get("day", "")), window=values.get("window", "")[:8])
    return RedirectResponse(f"/recycling/bookings/{booking_id}?done=rescheduled", status_code=303)


@router.post("/recycling/bookings/{booking_id}/no-show", response_class=HTMLResponse)
@form_page(_on_detail, form="no_show")
def no_show_submit(booking_id: int, db: DbSession, scope: CurrentScope, values: Values) -> Response:
    service.no_show(db, scope, booking_id, reason=values.get("reason", "")[:200], party=values.get("party", ""))
    return RedirectResponse(f"/recycling/bookings/{booking_id}?done=no_show", status_code=303)
