"""A city's own financial products and its 政银企 matchmaking events: simple lists the office keeps
and every signed-in user of the city reads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.financing import repository as repo
from huanxin.financing.models import BankEvent, FinancialProduct
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.orgs.scope import Scope


def _text(value: str, label: str, field: str, limit: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{label}不超过{limit}字", field=field)
    return value


def add_product(session: Session, scope: Scope, name: str, description: str = "", bank_unit_id: int | None = None,
                max_amount_fen: int | None = None, term_months: int | None = None) -> FinancialProduct:
    scope.require_office()
    if bank_unit_id is not None and repo.bank_in_city(session, scope.city_code, bank_unit_id) is None:
        raise InvalidInput("银行须为本市已登记的银行", field="bank_unit_id")
    if max_amount_fen is not None and max_amount_fen <= 0:
        raise InvalidInput("最高额度必须大于0", field="max_amount_fen")
    if term_months is not None and not 1 <= term_months <= 360:
        raise InvalidInput("期限应为1至360个月", field="term_months")
    product = FinancialProduct(city_code=scope.city_code, bank_unit_id=bank_unit_id,
                               name=_text(name, "产品名称", "name", 200, required=True),
                               description=_text(description, "产品说明", "description", 2000),
                               max_amount_fen=max_amount_fen, term_months=term_months, created_at=now())
    session.add(product)
    session.flush()
    audit.record(session, actor=scope.username, action="financing.product.add", entity="financing_product",
                 entity_id=product.id, city_code=scope.city_code, detail={"name": product.name})
    return product


def add_event(session: Session, scope: Scope, title: str, held_on: dt.date, place: str = "",
              notes: str = "") -> BankEvent:
    scope.require_office()
    event = BankEvent(city_code=scope.city_code, title=_text(title, "活动名称", "title", 200, required=True),
                      held_on=held_on, place=_text(place, "地点", "place", 200),
                      notes=_text(notes, "说明", "notes", 2000), created_at=now())
    session.add(event)
    session.flush()
    audit.record(session, actor=scope.username, action="financing.event.add", entity="financing_event",
                 entity_id=event.id, city_code=scope.city_code, detail={"title": event.title})
    return event


def products(session: Session, scope: Scope) -> list[FinancialProduct]:
    return repo.products_of(session, scope.city_code)


def events(session: Session, scope: Scope) -> list[BankEvent]:
    return repo.events_of(session, scope.city_code)
