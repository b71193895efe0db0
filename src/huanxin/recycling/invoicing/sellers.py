"""Sellers: the natural persons a recycler buys from and invoices on behalf of, on-boarded with
real-name identity (ID number with its check digit), their own bank card (Luhn) and their written
authorisation; personal data encrypted at rest and shown masked (kit.pii)."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.db import insert_many_unless_taken
from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit import audit, pii
from huanxin.kit.clock import now, today
from huanxin.kit.identifiers import validate_bank_card, validate_id_number, validate_phone
from huanxin.kit.limits import Schema
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.invoice_models import InvoicePerson, InvoiceSeller

WRITERS = ("dispatcher", "station")  # the recycler's office and its stations buy from individuals


class SellerInput(Schema):
    name: str = Field(default="", max_length=40)
    id_number: str = Field(default="", max_length=24)
    phone: str = Field(default="", max_length=20)
    bank_card: str = Field(default="", max_length=30)
    bank_name: str = Field(default="", max_length=60)
    authorised: bool = False


def is_writer(session: Session, scope: Scope) -> bool:
    return scope.role == Role.RECYCLER and bool(set(WRITERS) & repo.staff_functions(session, scope))


def require_writer(session: Session, scope: Scope) -> int:
    unit_id = repo.recycler_unit(scope)
    if not is_writer(session, scope):
        raise Forbidden("只有回收企业的调度员或站点人员可以办理反向开票")
    return unit_id


def person_key(id_number: str) -> str:
    return pii.keyed_hash("reverse_invoice_id", id_number)


def _checked(data: SellerInput) -> tuple[str, str, str, str]:
    name = data.name.strip()
    if not 2 <= len(name) <= 30:
        raise InvalidInput("请填写出售方的真实姓名（2至30个字）", field="name")
    id_number = validate_id_number(data.id_number)
    phone = validate_phone(data.phone)
    card = validate_bank_card(data.bank_card)
    if not data.bank_name.strip():
        raise InvalidInput("请填写开户银行", field="bank_name")
    if not data.authorised:
        raise InvalidInput("须取得出售方本人对代开发票的授权后方可登记", field="authorised")
    return name, id_number, phone, card


def onboard(session: Session, scope: Scope, data: SellerInput) -> InvoiceSeller:
    unit_id = require_writer(session, scope)
    name, id_number, phone, card = _checked(data)
    key = person_key(id_number)
    insert_many_unless_taken(session, InvoicePerson, [{"person_key": key, "created_at": now()}],
                             returning=("person_key",))
    if session.scalar(select(InvoiceSeller.id).where(InvoiceSeller.recycler_unit_id == unit_id,
                                                     InvoiceSeller.person_key == key)):
        raise Conflict("该出售方已登记，请在出售方列表中查找", field="id_number")
    seller = InvoiceSeller(city_code=scope.city_code, recycler_unit_id=unit_id, person_key=key,
                           id_enc=pii.encrypt(id_number), id_masked=pii.mask_id(id_number),
                           name_enc=pii.encrypt(name), name_masked=pii.mask_name(name),
                           phone_enc=pii.encrypt(phone), phone_masked=pii.mask_phone(phone),
                           bank_card_enc=pii.encrypt(card), bank_card_masked=pii.mask_card(card),
                           bank_name=data.bank_name.strip(), authorised_on=today(),
                           created_by_user_id=scope.user_id, created_at=now())
    session.add(seller)
    session.flush()
    audit.record(session, actor=scope.username, action="onboard_seller", entity="recycling_invoice_seller",
                 entity_id=seller.id, city_code=scope.city_code)
    return seller


def get(session: Session, scope: Scope, seller_id: int) -> InvoiceSeller:
    seller = session.get(InvoiceSeller, seller_id)
    if seller is None or seller.city_code != scope.city_code:
        raise NotFound("未找到该出售方")
    if scope.role == Role.RECYCLER:
        if seller.recycler_unit_id != scope.unit_id:
            raise NotFound("未找到该出售方")
    elif not repo.is_supervisor(scope):
        raise Forbidden("您的角色无权查看出售方")
    return seller


def listed(session: Session, scope: Scope) -> list[InvoiceSeller]:
    stmt = select(InvoiceSeller).where(InvoiceSeller.city_code == scope.city_code)
    if scope.role == Role.RECYCLER:
        stmt = stmt.where(InvoiceSeller.recycler_unit_id == repo.recycler_unit(scope))
    elif not repo.is_supervisor(scope):
        raise Forbidden("您的角色无权查看出售方")
    return list(session.scalars(stmt.order_by(InvoiceSeller.id.desc()).limit(500)))
