"""Contacts (联系供应商) and deals (成交) made through a match, and the office's statistics of them by
county and field with the share of deals signed with local suppliers (本地企业: the supplier's region in
the project's city, GB/T 2260's first four digits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openpyxl import Workbook
from pydantic import Field
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.kit.excel import append_row, list_sheet_bytes
from huanxin.kit.limits import FenAmount, Schema
from huanxin.matching.catalogue import matches
from huanxin.matching.catalogue import repository as repo
from huanxin.matching.catalogue.models import MatchContact, MatchDeal
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.projects import vocab

LOCALITY = {"county": "本县（区）企业", "city": "本市企业", "province": "本省企业", "other": "外省企业"}


class ContactInput(Schema):
    product_id: int
    note: str = Field(default="", max_length=500)


class DealInput(Schema):
    amount_fen: FenAmount
    signed_on: dt.date


def locality(project_region: str, supplier_region: str) -> str:
    if project_region == supplier_region and not project_region.endswith("00"):
        return "county"
    if project_region[:4] == supplier_region[:4]:
        return "city"
    if project_region[:2] == supplier_region[:2]:
        return "province"
    return "other"


def record_contact(session: Session, scope: Scope, equipment_id: int, data: ContactInput) -> MatchContact:
    """The buyer contacts the supplier of one product on its ranked list (an excluded one too: the
    buyer may still ask); the score and breakdown it saw are kept."""
    row, project = repo.buyer_demand_item(session, scope, equipment_id)
    demand = matches.demand_of(row, project)
    if demand is None:
        raise InvalidInput("该类设备尚未纳入设备分类，无法对接供应商", field="product_id")
    product = repo.products_by_id(session, [data.product_id]).get(data.product_id)
    if product is None or product.city_code != scope.city_code:
        raise InvalidInput("请选择本市供给清单中的产品", field="product_id")
    result = matches.score_of(session, scope.city_code, demand, product)
    contact = MatchContact(city_code=scope.city_code, project_id=project.id, equipment_id=row.id, product_id=product.id,
                           buyer_enterprise_id=project.enterprise_id, supplier_enterprise_id=product.enterprise_id,
                           region_code=project.region_code, field=project.field, score=round(result.score, 1),
                           explanation=result.explanation(), note=data.note.strip(),
                           created_by_user_id=scope.user_id, created_at=now())
    session.add(contact)
    session.flush()
    audit.record(session, actor=scope.username, action="match_contact", entity="match_contact", entity_id=contact.id,
                 city_code=scope.city_code, detail={"equipment_id": row.id, "product_id": product.id})
    return contact


def record_deal(session: Session, scope: Scope, contact_id: int, data: DealInput) -> MatchDeal:
    """成交: one per contact (a second answers 409), amount above 0, signed no later than today."""
    contact = repo.buyer_contact(session, scope, contact_id)
    if data.amount_fen <= 0:
        raise InvalidInput("成交金额应大于 0", field="amount_fen")
    if data.signed_on > today():
        raise InvalidInput("签约日期不能晚于今天", field="signed_on")
    if repo.deals_of(session, [contact.id]):
        raise Conflict("该对接已登记成交，不能重复登记")
    product = repo.products_by_id(session, [contact.product_id])[contact.product_id]
    where = locality(contact.region_code, product.region_code)
    deal = MatchDeal(city_code=contact.city_code, contact_id=contact.id, amount_fen=data.amount_fen,
                     signed_on=data.signed_on, region_code=contact.region_code, field=contact.field, locality=where,
                     local=where in ("county", "city"), created_by_user_id=scope.user_id, created_at=now())
    session.add(deal)
    session.flush()
    audit.record(session, actor=scope.username, action="match_deal", entity="match_deal", entity_id=deal.id,
                 city_code=scope.city_code, detail={"contact_id": contact.id, "amount_fen": data.amount_fen})
    return deal


@dataclass
class StatRow:
    region_code: str
    region_name: str
    field: str
    field_name: str
    contacts: int = 0
    deals: int = 0
    amount_fen: int = 0
    local_deals: int = 0
    local_amount_fen: int = 0

    @property
    def local_share(self) -> float | None:
        """Share of deals (by count) signed with local suppliers; None without deals."""
        return self.local_deals / self.deals if self.deals else None


def statistics(session: Session, scope: Scope) -> tuple[list[StatRow], StatRow]:
    """Per county and field of the city: contacts, deals, amount, and how many deals went to local
    suppliers; with the city's total."""
    repo.require_office(scope)
    rows: dict[tuple[str, str], StatRow] = {}

    def at(region: str, field: str) -> StatRow:
        if (region, field) not in rows:
            rows[(region, field)] = StatRow(region, orgs_service.region_name(session, region), field,
                                            vocab.FIELDS.get(field, "其他"))
        return rows[(region, field)]

    for region, field, count in repo.contact_counts(session, scope.city_code):
        at(region, field).contacts += count
    for region, field, local, count, amount in repo.deal_sums(session, scope.city_code):
        item = at(region, field)
        item.deals += count
        item.amount_fen += amount
        if local:
            item.local_deals += count
            item.local_amount_fen += amount
    ordered = sorted(rows.values(), key=lambda r: (r.region_code, r.field))
    total = StatRow("", "全市合计", "", "")
    for item in ordered:
        total.contacts += item.contacts
        total.deals += item.deals
        total.amount_fen += item.amount_fen
        total.local_deals += item.local_deals
        total.local_amount_fen += item.local_amount_fen
    return ordered, total


STAT_HEADERS = ("县（市、区）", "领域", "对接次数", "成交笔数", "成交金额（万元）", "本地企业成交笔数", "本地成交占比")


def share_text(row: StatRow) -> str:
    share = row.local_share
    return "—" if share is None else f"{share * 100:.1f}%"


def wan(fen: int) -> float:
    return round(fen / 1_000_000, 2)


def stats_workbook(session: Session, scope: Scope) -> bytes:
    rows, total = statistics(session, scope)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "供需对接统计"
    append_row(sheet, STAT_HEADERS)
    for item in [*rows, total]:
        append_row(sheet, [item.region_name, item.field_name, item.contacts, item.deals, wan(item.amount_fen),
                           item.local_deals, share_text(item)])
    return list_sheet_bytes(book, sheet, [16, 16, 10, 10, 16, 16, 14])
