"""Weighing at the door or at a station, and the resident's answer to the final price.

Who weighs: the recycler's driver at the door once the booking is `arrived`, or its station staff
at their station (place "station", the staff row's site). A scale posting through the API gives its
`device_id`. A booking already weighed and not yet answered may be weighed again (the lines are
replaced; the resident answers the new price).

Each line: a category the recycler takes that day (an entry of its price list in force), its gross
and tare in grams (net = gross − tare > 0; tare never above gross) or, for piece categories, the
pieces (a weight may be given too: it counts in the tonnage), and the condition. The unit price is
the list's entry on the day weighed; for piece categories the condition pays a share of it
(prices.condition_shares: the entry's note, else 完好 100%, 一般 80%, 较差 50%). Amounts are rounded
to the fen, half up. Any bad line refuses the whole weighing, every error named by line and field.

A total of zero (an old appliance worth nothing, handed over for free) needs no acceptance and no
payment: the weighing settles the booking at once, with a receipt (settlement.settle_free), so that
a 送新收旧 claim gets its hand-in proof."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import CHINA, aware, now
from huanxin.kit.limits import Schema
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import prices
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.models import Booking, BookingItem, PriceEntry, Weighing
from huanxin.recycling.vocab import CATEGORIES, PIECE_CATEGORIES, unit_of
from huanxin.recycling.weighing import requote

MAX_LINES = 30
MAX_GRAMS = 50_000_000  # 50 t: a weighbridge's reach
MAX_PIECES = 1_000
REFUSED_NOTE = "居民不接受最终报价"


class LineInput(Schema):
    category: str
    gross_g: int = 0
    tare_g: int = 0
    pieces: int = 0
    condition: str = "good"


class WeighingInput(Schema):
    lines: list[LineInput]
    place: str = "door"  # door | station
    device_id: str | None = None


@dataclass
class PricedLine:
    data: LineInput
    entry: PriceEntry
    share_pct: int
    unit_price_fen: int
    net_g: int
    amount_fen: int


@dataclass
class Result:
    booking: Booking
    weighings: list[Weighing]
    requote: requote.Requote
    settled_receipt: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


def _round_div(value: int, by: int) -> int:
    return (value + by // 2) // by


def _who(session: Session, scope: Scope, place: str) -> tuple[int, str | None]:
    """The caller's recycler and the place they may weigh at: a driver at the door, station staff
    at their station (403 for anyone else)."""
    unit_id = repo.recycler_unit(scope)
    functions = repo.staff_functions(session, scope)
    if place == "door" and "driver" in functions:
        return unit_id, None
    if place == "station" and "station" in functions:
        return unit_id, "station"
    if place not in ("door", "station"):
        raise InvalidInput("称重地点只能是上门或站点", field="place")
    needed = "司机（收运员）" if place == "door" else "站点人员"
    raise Forbidden(f"只有回收企业的{needed}可以在{'上门' if place == 'door' else '站点'}称重")


def _line_error(errors: list[dict[str, Any]], i: int, name: str, message: str) -> None:
    errors.append({"row": i + 1, "field": f"line-{i}-{name}", "message": f"第{i + 1}行：{message}"})


def _check_line(i: int, line: LineInput, entry: PriceEntry | None, errors: list[dict[str, Any]]) -> None:
    if line.category not in CATEGORIES:
        _line_error(errors, i, "category", f"未知的回收品类：{line.category[:30]}")
        return
    name = CATEGORIES[line.category]
    if entry is None:
        _line_error(errors, i, "category", f"本企业当日不回收“{name}”（价格表中没有该品类）")
    if line.condition not in prices.CONDITIONS:
        _line_error(errors, i, "condition", "成色只能是完好、一般或较差")
    weighed = line.gross_g != 0 or line.tare_g != 0
    if line.gross_g < 0 or line.tare_g < 0:
        _line_error(errors, i, "gross", f"“{name}”的毛重和皮重不能为负数")
    elif line.gross_g > MAX_GRAMS:
        _line_error(errors, i, "gross", f"“{name}”的毛重过大，请核对（单位：公斤）")
    elif line.tare_g > line.gross_g:
        _line_error(errors, i, "tare", f"“{name}”的皮重不能大于毛重")
    elif (weighed or line.category not in PIECE_CATEGORIES) and line.gross_g - line.tare_g <= 0:
        _line_error(errors, i, "gross", f"“{name}”的净重（毛重减皮重）必须大于0")
    if line.category in PIECE_CATEGORIES and line.pieces <= 0:
        _line_error(errors, i, "pieces", f"“{name}”按件计价，件数必须大于0")
    elif not 0 <= line.pieces <= MAX_PIECES:
        _line_error(errors, i, "pieces", f"“{name}”的件数应在0到{MAX_PIECES}之间")


def price_lines(session: Session, recycler_unit_id: int, day: dt.date, lines: list[LineInput]) -> list[PricedLine]:
    """Every line checked and priced from the list in force on `day`; all errors at once."""
    if not lines:
        raise InvalidInput("请至少填写一行称重记录", field="line-0-category")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"一次最多称重{MAX_LINES}行", field="lines")
    in_force = prices.price_list_on(session, recycler_unit_id, day)
    errors: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        _check_line(i, line, in_force.get(line.category), errors)
    if errors:
        raise InvalidInput(str(errors[0]["message"]), field=str(errors[0]["field"]), errors=errors)
    priced = []
    for line in lines:
        entry = in_force[line.category]
        share = prices.condition_shares(entry)[line.condition]
        unit_price = _round_div(entry.price_fen * share, 100)
        net = line.gross_g - line.tare_g
        amount = line.pieces * unit_price if entry.unit == "piece" else _round_div(net * unit_price, 1000)
        priced.append(PricedLine(line, entry, share, unit_price, net, amount))
    return priced


def booked_items(session: Session, booking: Booking) -> list[requote.Booked]:
    """What the resident booked, with the date of the list entry each indicated price came from."""
    day = aware(booking.created_at).astimezone(CHINA).date()
    items = session.scalars(select(BookingItem).where(BookingItem.booking_id == booking.id).order_by(BookingItem.id))
    out = []
    for item in items:
        entry = prices.price_on(session, booking.recycler_unit_id or 0, item.category, day)
        out.append(requote.Booked(item.category, item.unit, item.estimated_quantity, item.indicative_unit_price_fen,
                                  item.indicative_amount_fen, entry.effective_from if entry else None))
    return out


def _weighed(p: PricedLine) -> requote.Weighed:
    quantity = p.data.pieces if p.entry.unit == "piece" else p.net_g
    return requote.Weighed(p.data.category, p.entry.unit, quantity, p.entry.price_fen, p.entry.effective_from,
                           p.data.condition, p.share_pct, p.unit_price_fen, p.amount_fen)


def weigh(session: Session, scope: Scope, booking_id: int, data: WeighingInput) -> Result:
    """Records the lines, the final total and the re-quote; arrived (or weighed, unanswered) → weighed."""
    unit_id, _ = _who(session, scope, data.place)
    booking = repo.get_booking(session, scope, booking_id, lock=True)  # another recycler's: 404
    if booking.status not in ("arrived", "weighed"):
        raise Conflict(f"预约当前为“{status.STATUS_LABELS[booking.status]}”，回收人员到达后才能称重", field="status")
    if booking.status == "weighed" and booking.accepted is not None:
        raise Conflict("居民已答复最终报价，不能重新称重", field="status")
    site_id = repo.station_site_of(session, scope) if data.place == "station" else None
    at = now()
    priced = price_lines(session, unit_id, at.date(), data.lines)
    explained = requote.explain(booked_items(session, booking), [_weighed(p) for p in priced])
    session.execute(delete(Weighing).where(Weighing.booking_id == booking.id))
    rows = []
    for i, p in enumerate(priced):
        reason = explained.lines[i]
        if i == len(priced) - 1 and explained.missing:  # items not handed over: said once, on the last line
            reason = "\n".join([t for t in (reason, *explained.missing) if t])
        row = Weighing(city_code=booking.city_code, booking_id=booking.id, site_id=site_id,
                       category=p.data.category, unit=unit_of(p.data.category), gross_g=p.data.gross_g,
                       tare_g=p.data.tare_g, net_g=p.net_g, pieces=p.data.pieces, condition=p.data.condition,
                       unit_price_fen=p.unit_price_fen, amount_fen=p.amount_fen, place=data.place,
                       device_id=(data.device_id or "").strip()[:40] or None, weighed_by_user_id=scope.user_id,
                       weighed_at=at, requote_reason=reason)
        session.add(row)
        rows.append(row)
    booking.final_total_fen = sum(p.amount_fen for p in priced)
    booking.accepted = None
    session.flush()
    note = f"称重{len(rows)}行，最终金额{booking.final_total_fen / 100:.2f}元"
    if booking.final_total_fen != booking.indicative_total_fen:
        note += f"（预估{booking.indicative_total_fen / 100:.2f}元）"
    status.move(session, booking, "weighed", actor_user_id=scope.user_id, actor=scope.username, note=note)
    result = Result(booking, rows, explained)
    if booking.final_total_fen == 0:
        from huanxin.recycling.weighing import settlement  # settlement imports this module

        result.settled_receipt = settlement.settle_free(session, scope, booking).receipt_no
    return result


def weighings_of(session: Session, booking: Booking) -> list[Weighing]:
    return list(session.scalars(select(Weighing).where(Weighing.booking_id == booking.id).order_by(Weighing.id)))


# ---- the resident's answer ---------------------------------------------------------------------

def answer(session: Session, scope: Scope, booking_id: int, *, accept: bool, version: int | None = None) -> Booking:
    """The one who booked (the resident, or the retailer of a 送新收旧 pickup) accepts the final price,
    or refuses it (the booking is cancelled with the reason). `version`: the booking as the
    quote page showed it; a re-weighing since then is refused, so nobody accepts a price unseen."""
    booking = repo.get_booking(session, scope, booking_id, lock=True)
    if booking.booked_by_user_id != scope.user_id or scope.role not in (Role.RESIDENT, Role.RETAILER):
        raise Forbidden("只有预约人可以确认或拒绝最终报价")
    if booking.status != "weighed" or booking.accepted is not None:
        raise Conflict(f"预约当前为“{status.STATUS_LABELS[booking.status]}”"
                       + ("，已确认最终报价" if booking.accepted else "") + "，不能再次答复", field="status")
    if version is not None and version != booking.version:
        raise Conflict("回收人员已重新称重，请查看最新的最终报价后再确认", field="version")
    if accept:
        booking.accepted = True
        booking.updated_at = now()
        booking.version += 1
        session.flush()
        audit.record(session, actor=scope.username, action="recycling.booking.accepted", entity="recycling_booking",
                     entity_id=booking.id, city_code=booking.city_code,
                     detail={"final_total_fen": booking.final_total_fen})
        return booking
    booking.accepted = False
    booking.cancelled_by_user_id = scope.user_id
    booking.cancel_reason = REFUSED_NOTE
    status.move(session, booking, "cancelled", actor_user_id=scope.user_id, actor=scope.username, note=REFUSED_NOTE)
    return booking
