"""A recycler's price list on a day: per category the entry with the latest `effective_from` not
after that day. Bookings quote it on the day they are made (the indicative price), weighings on
the day they are weighed (the final price); a category with no entry is one the recycler does not
take. The list's management (dated changes, pages, API) builds on these two reads."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.kit.limits import Schema, ShortText
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.models import PriceEntry
from huanxin.recycling.vocab import CATEGORIES, UNITS, unit_of


def price_list_on(session: Session, recycler_unit_id: int, day: dt.date) -> dict[str, PriceEntry]:
    entries = session.scalars(select(PriceEntry).where(PriceEntry.recycler_unit_id == recycler_unit_id,
                                                       PriceEntry.effective_from <= day)
                              .order_by(PriceEntry.category, PriceEntry.effective_from))
    valid: dict[str, PriceEntry] = {}
    for entry in entries:  # ascending dates: the last one seen per category is the one in force
        valid[entry.category] = entry
    return valid


def price_on(session: Session, recycler_unit_id: int, category: str, day: dt.date) -> PriceEntry | None:
    return session.scalar(select(PriceEntry).where(PriceEntry.recycler_unit_id == recycler_unit_id,
                                                   PriceEntry.category == category,
                                                   PriceEntry.effective_from <= day)
                          .order_by(PriceEntry.effective_from.desc()).limit(1))


# ---- the list's management ------------------------------------------------------------------------
# A recycler (any of its users) keeps its own list; its city's supervisors read it. A change is a
# new dated entry (effective_from today or later: the past is what bookings were quoted on, and is
# never rewritten); the same category and date twice is refused (409) unless the caller says it
# replaces the entry, which only an entry not yet in force allows.

MAX_PRICE_FEN = 10_000_000  # ¥100,000 per kg or per piece: beyond any household item, a typo
CONDITIONS: dict[str, str] = {"good": "完好", "fair": "一般", "poor": "较差"}
# What the condition changes, for piece categories (an appliance or a piece of furniture that
# still works is worth more than one sold for dismantling): the share of the list price paid.
# Material sold by the kilogram is paid by weight whatever its condition. A recycler states its
# own shares in the entry's note, e.g. "成色一般80%，较差40%"; without them these defaults apply.
DEFAULT_CONDITION_SHARES: dict[str, int] = {"good": 100, "fair": 80, "poor": 50}
_SHARE = re.compile(r"(一般|较差)\s*[:：]?\s*(\d{1,3})\s*[%％]")


class PriceInput(Schema):
    category: str
    unit: str = ""  # kg | piece; empty: the category's own unit
    price_fen: int
    effective_from: dt.date
    note: ShortText = ""
    replace: bool = False  # overwrite the entry of the same category and date (not yet in force)


@dataclass(frozen=True)
class CurrentPrice:
    """One line of the list in force: the entry, the one it replaced, and a change already dated."""

    category: str
    entry: PriceEntry
    previous: PriceEntry | None
    upcoming: PriceEntry | None


def condition_shares(entry: PriceEntry | None) -> dict[str, int]:
    """Condition → percent of the list price paid (piece categories), from the entry's note."""
    shares = dict(DEFAULT_CONDITION_SHARES)
    if entry is not None and entry.unit == "piece":
        for word, pct in _SHARE.findall(entry.note or ""):
            shares["fair" if word == "一般" else "poor"] = min(int(pct), 100)
    elif entry is not None:
        shares = {key: 100 for key in shares}
    return shares


def _check(data: PriceInput, today_: dt.date) -> str:
    if data.category not in CATEGORIES:
        raise InvalidInput(f"未知的回收品类：{data.category[:30]}", field="category")
    unit = data.unit or unit_of(data.category)
    if unit not in UNITS:
        raise InvalidInput(f"计价单位只能是{'或'.join(UNITS.values())}", field="unit")
    if unit != unit_of(data.category):
        raise InvalidInput(f"“{CATEGORIES[data.category]}”按{UNITS[unit_of(data.category)]}计价，"
                           f"不能按{UNITS[unit]}计价", field="unit")
    if data.price_fen <= 0:
        raise InvalidInput("价格必须大于0", field="price")
    if data.price_fen > MAX_PRICE_FEN:
        raise InvalidInput("价格过高，请核对（每公斤或每件不超过10万元）", field="price")
    if data.effective_from < today_:
        raise InvalidInput("生效日期不能早于今天：已执行的价格不能更改，请登记新的生效日期", field="effective_from")
    return unit


def add_price(session: Session, scope: Scope, data: PriceInput) -> PriceEntry:
    """A dated change of the caller's recycler's list (or a replacement of a change not yet in force)."""
    unit_id = repo.recycler_unit(scope)
    today_ = today()
    unit = _check(data, today_)
    same = session.scalar(select(PriceEntry).where(
        PriceEntry.recycler_unit_id == unit_id, PriceEntry.category == data.category,
        PriceEntry.effective_from == data.effective_from))
    if same is not None and not data.replace:
        raise Conflict(f"“{CATEGORIES[data.category]}”在{data.effective_from:%Y-%m-%d}已登记价格"
                       f"{yuan_text(same.price_fen)}元/{UNITS[same.unit]}；如需修改请勾选“覆盖该日价格”",
                       field="effective_from")
    at = now()
    if same is not None:
        before = same.price_fen
        same.price_fen, same.note, same.created_by_user_id, same.created_at = data.price_fen, data.note, \
            scope.user_id, at
        entry = same
    else:
        before = None
        entry = PriceEntry(city_code=scope.city_code, recycler_unit_id=unit_id, category=data.category, unit=unit,
                           price_fen=data.price_fen, effective_from=data.effective_from, note=data.note,
                           created_by_user_id=scope.user_id, created_at=at)
        session.add(entry)
    session.flush()
    audit.record(session, actor=scope.username, action="recycling.price.set", entity="recycling_price",
                 entity_id=entry.id, city_code=scope.city_code,
                 detail={"category": entry.category, "price_fen": entry.price_fen, "before": before,
                         "effective_from": entry.effective_from.isoformat()})
    return entry


def list_owner(session: Session, scope: Scope, recycler_unit_id: int | None) -> int:
    """Whose list the caller reads: a recycler its own, a supervisor the recycler it names."""
    if scope.role == Role.RECYCLER:
        return repo.recycler_unit(scope)
    if not repo.is_supervisor(scope):
        raise Forbidden("您的角色无权查看回收企业价格表")
    if recycler_unit_id is None:
        raise InvalidInput("请选择回收企业", field="recycler_unit_id")
    return repo.get_recycler(session, scope, recycler_unit_id).id


def current_list(session: Session, recycler_unit_id: int, day: dt.date) -> list[CurrentPrice]:
    """The list in force on `day`, category by category, with the entry each one replaced and the
    next change already dated."""
    entries = list(session.scalars(select(PriceEntry).where(PriceEntry.recycler_unit_id == recycler_unit_id)
                                   .order_by(PriceEntry.category, PriceEntry.effective_from)))
    out: list[CurrentPrice] = []
    for category in CATEGORIES:  # the vocabulary's order, as the booking form lists them
        mine = [e for e in entries if e.category == category]
        past = [e for e in mine if e.effective_from <= day]
        later = [e for e in mine if e.effective_from > day]
        if past or later:
            entry = past[-1] if past else later[0]
            previous = past[-2] if len(past) > 1 else None
            upcoming = later[0] if past and later else (later[1] if len(later) > 1 else None)
            out.append(CurrentPrice(category, entry, previous, upcoming))
    return out


def history(session: Session, recycler_unit_id: int, category: str | None = None) -> list[PriceEntry]:
    """Every entry of the list, newest date first (one category's when given)."""
    stmt = select(PriceEntry).where(PriceEntry.recycler_unit_id == recycler_unit_id)
    if category:
        if category not in CATEGORIES:
            raise InvalidInput(f"未知的回收品类：{category[:30]}", field="category")
        stmt = stmt.where(PriceEntry.category == category)
    return list(session.scalars(stmt.order_by(PriceEntry.category, PriceEntry.effective_from.desc())))


def yuan_text(fen: int) -> str:
    """12.5 → "12.50": prices as the list shows them."""
    return f"{fen / 100:,.2f}"


def unit_price_text(fen: int, unit: str) -> str:
    return f"¥{fen / 100:,.2f}/{UNITS.get(unit, unit)}"
