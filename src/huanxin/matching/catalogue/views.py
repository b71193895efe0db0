"""Read models of the catalogue shared by the pages and the API: labels, never stored codes."""

from __future__ import annotations

from typing import Any

from huanxin.errors import InvalidInput
from huanxin.matching.catalogue import deals, matches
from huanxin.matching.catalogue.models import MatchContact, MatchDeal, SupplyProduct
from huanxin.matching.records import CREDENTIALS, EFFICIENCY_LABELS
from huanxin.matching.taxonomy import PARAMETERS

STATUS_FILTER = {"": None, "on_sale": True, "withdrawn": False}
STATUS_LABELS = {"": "全部", "on_sale": "在售", "withdrawn": "已停售"}


def status_filter(status: str) -> bool | None:
    if status not in STATUS_FILTER:
        raise InvalidInput("状态筛选应为“在售”或“已停售”", field="status")
    return STATUS_FILTER[status]


def category_filter(category: str) -> str:
    """A class key from the filter (key or Chinese name); empty for none."""
    if not category:
        return ""
    key = matches.taxonomy().resolve(category)
    if key is None:
        raise InvalidInput(f"设备类别“{category[:20]}”不在设备分类中", field="category")
    return key


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    return f"{fen / 100:,.2f}".rstrip("0").rstrip(".") + " 元"


def price_text(row: SupplyProduct) -> str:
    low, high = row.price_min_fen, row.price_max_fen
    if low is None and high is None:
        return "面议"
    if low is not None and high is not None and low != high:
        return f"{yuan(low)} – {yuan(high)}"
    return yuan(low if low is not None else high)


def params_text(row: SupplyProduct) -> str:
    return "，".join(f"{PARAMETERS[k][0]} {v:g}{PARAMETERS[k][1]}" for k, v in (row.params or {}).items()
                    if k in PARAMETERS)


def credentials_text(row: SupplyProduct) -> str:
    return "、".join(CREDENTIALS.get(c["kind"], "") + (f"（至 {c['valid_until']}）" if c.get("valid_until") else "")
                     for c in row.credentials or []) or "—"


def product_out(row: SupplyProduct) -> dict[str, Any]:
    tax = matches.taxonomy()
    return {"id": row.id, "code": row.code, "category": row.category, "category_name": tax.name(row.category),
            "name": row.name, "spec": row.spec, "params": row.params, "params_text": params_text(row),
            "efficiency_level": row.efficiency_level,
            "efficiency_label": EFFICIENCY_LABELS.get(row.efficiency_level or "", "未标明"),
            "efficiency_grade": row.efficiency_grade, "price_min_fen": row.price_min_fen,
            "price_max_fen": row.price_max_fen, "price_text": price_text(row), "region_code": row.region_code,
            "delivery_days": row.delivery_days, "credentials": row.credentials,
            "credentials_text": credentials_text(row), "on_sale": row.on_sale,
            "status_label": "在售" if row.on_sale else "已停售"}


def contact_out(contact: MatchContact, deal: MatchDeal | None, product: SupplyProduct | None,
                supplier: str = "") -> dict[str, Any]:
    return {"id": contact.id, "equipment_id": contact.equipment_id, "product_id": contact.product_id,
            "product_name": product.name if product else "", "supplier": supplier, "score": contact.score,
            "explanation": contact.explanation, "note": contact.note,
            "created_at": contact.created_at.isoformat(timespec="minutes"),
            "deal": deal_out(deal) if deal else None}


def deal_out(deal: MatchDeal) -> dict[str, Any]:
    return {"id": deal.id, "contact_id": deal.contact_id, "amount_fen": deal.amount_fen,
            "amount_text": yuan(deal.amount_fen), "signed_on": deal.signed_on.isoformat(),
            "locality": deal.locality, "locality_label": deals.LOCALITY.get(deal.locality, ""), "local": deal.local}


def requirement_text(view: matches.DemandView) -> str:
    """What the engine reads of the demand: the size range and the required level."""
    demand = view.demand
    if demand is None:
        return ""
    parts = [f"{PARAMETERS[k][0]} {low:g}–{high:g}{PARAMETERS[k][1]}" for k, (low, high) in demand.params.items()
             if k in PARAMETERS]
    if demand.min_efficiency:
        parts.append(f"能效{EFFICIENCY_LABELS[demand.min_efficiency]}及以上")
    return "；".join(parts) or "无关键参数要求"


def demand_out(view: matches.DemandView) -> dict[str, Any]:
    row = view.equipment
    return {"equipment_id": row.id, "project_id": view.project.id, "name": row.name, "model": row.model,
            "quantity": row.quantity, "category_name": view.category_name, "classified": view.demand is not None,
            "requirement": requirement_text(view),
            "matches": [{"product": product_out(s.product), "supplier": s.supplier, "score": s.score,
                         "explanation": s.explanation} for s in view.matches],
            "excluded": [{"product": product_out(p), "supplier": name, "reason": reason}
                         for p, name, reason in view.excluded],
            "excluded_count": view.excluded_count}


def stat_out(row: deals.StatRow) -> dict[str, Any]:
    return {"region_code": row.region_code, "region_name": row.region_name, "field": row.field,
            "field_name": row.field_name, "contacts": row.contacts, "deals": row.deals, "amount_fen": row.amount_fen,
            "local_deals": row.local_deals, "local_amount_fen": row.local_amount_fen, "local_share": row.local_share,
            "local_share_text": deals.share_text(row)}
