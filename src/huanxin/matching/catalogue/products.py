"""A supplier's products: add, change (same 产品编号), withdraw; and a stored product as the engine's
record. The checks are the engine's own (matching.records.product_from_json), so a product the
catalogue accepts is one `huanxin match rank` would read the same way."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import Field
from sqlalchemy import Row
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.kit.limits import FenAmount, Schema, ShortText
from huanxin.matching.catalogue import repository as repo
from huanxin.matching.catalogue.models import SupplyProduct
from huanxin.matching.records import Credential, Product, product_from_json
from huanxin.matching.taxonomy import Taxonomy
from huanxin.matching.taxonomy import load as load_taxonomy
from huanxin.orgs.scope import Scope
from huanxin.projects.models import Enterprise


class CredentialInput(Schema):
    kind: ShortText  # first_set / specialised / champion / green, or 首台(套) …
    valid_until: dt.date | None = None


class ProductInput(Schema):
    """One product as a supplier lists it (the columns of the 设备更新供给清单, money in fen)."""

    code: ShortText = Field(min_length=1, max_length=64)
    category: ShortText  # a class of the taxonomy, by key or Chinese name
    name: ShortText = Field(min_length=1)
    spec: str = ""
    params: dict[str, float] = Field(default_factory=dict, max_length=12)
    efficiency_level: ShortText | None = None
    efficiency_grade: int | None = Field(default=None, ge=1, le=5)
    price_min_fen: FenAmount | None = Field(default=None, ge=0)
    price_max_fen: FenAmount | None = Field(default=None, ge=0)
    region_code: ShortText = ""  # empty: the supplier's own county
    delivery_days: int | None = Field(default=None, ge=0, le=3650)
    credentials: list[CredentialInput] = Field(default_factory=list, max_length=8)
    on_sale: bool = True


def checked(data: ProductInput, enterprise: Enterprise, taxonomy: Taxonomy | None = None) -> Product:
    """The engine's reading of the input; InvalidInput naming the field otherwise."""
    code = data.code.strip()
    if not code:
        raise InvalidInput("请填写产品编号", field="code")
    raw: dict[str, Any] = {
        "id": code, "category": data.category, "name": data.name, "spec": data.spec, "params": data.params,
        "efficiency_level": data.efficiency_level, "efficiency_grade": data.efficiency_grade,
        "price_min_fen": data.price_min_fen, "price_max_fen": data.price_max_fen,
        "region": data.region_code.strip() or enterprise.region_code, "delivery_days": data.delivery_days,
        "credentials": [{"kind": c.kind, "valid_until": c.valid_until.isoformat() if c.valid_until else None}
                        for c in data.credentials],
        "for_sale": data.on_sale, "supplier": enterprise.name}
    try:
        return product_from_json(raw, taxonomy or load_taxonomy())
    except InvalidInput as exc:
        raise InvalidInput(on_screen(exc.message), field=_FIELD_NAMES.get(exc.field or "", exc.field)) from None


# The engine's JSON field names → this input's.
_FIELD_NAMES = {"id": "code", "region": "region_code", "for_sale": "on_sale", "credentials.kind": "credentials"}
# The engine names the JSON Lines field for the CLI ("字段 region（所在地区）…"); a form or a sheet
# shows only the Chinese name.
_ENGINE_FIELD = re.compile(r"(?:字段 | )?[a-z_]+(?:\.[a-z_]+)?（([^）]+)）")


def on_screen(message: str) -> str:
    return _ENGINE_FIELD.sub(r"\1", message).replace("（见 docs/matching.md）", "")


def _apply(row: SupplyProduct, product: Product) -> bool:
    values: dict[str, Any] = {
        "category": product.category, "name": product.name, "spec": product.spec, "params": dict(product.params),
        "efficiency_level": product.efficiency_level, "efficiency_grade": product.efficiency_grade,
        "price_min_fen": product.price_min_fen, "price_max_fen": product.price_max_fen, "region_code": product.region,
        "delivery_days": product.delivery_days, "on_sale": product.for_sale,
        "credentials": [{"kind": c.kind, "valid_until": c.valid_until.isoformat() if c.valid_until else None}
                        for c in product.credentials]}
    changed = any(getattr(row, key) != value for key, value in values.items())
    for key, value in values.items():
        setattr(row, key, value)
    if changed:
        row.updated_at = now()
        row.withdrawn_at = None if product.for_sale else (row.withdrawn_at or row.updated_at)
    return changed


def save(session: Session, scope: Scope, data: ProductInput, *, audit_it: bool = True) -> SupplyProduct:
    """Adds the product, or changes the supplier's product of the same 产品编号."""
    owner = repo.supplier(session, scope)
    product = checked(data, owner)
    row = repo.own_by_code(session, owner.id).get(product.id)
    if row is None:
        at = now()
        row = SupplyProduct(city_code=scope.city_code, enterprise_id=owner.id, code=product.id, created_at=at,
                            updated_at=at, params={}, credentials=[], spec="")
        _apply(row, product)
        session.add(row)
    else:
        _apply(row, product)
    session.flush()
    if audit_it:
        audit.record(session, actor=scope.username, action="supply_product_save", entity="supply_product",
                     entity_id=row.id, city_code=scope.city_code, detail={"code": row.code})
    return row


def withdraw(session: Session, scope: Scope, product_id: int) -> SupplyProduct:
    """停售: the product stays (contacts point at it), the engine excludes it from now on."""
    row = repo.own_product(session, scope, product_id)
    if row.on_sale:
        row.on_sale = False
        row.withdrawn_at = row.updated_at = now()
        audit.record(session, actor=scope.username, action="supply_product_withdraw", entity="supply_product",
                     entity_id=row.id, city_code=scope.city_code)
    return row


def as_record(row: SupplyProduct | Row[Any], supplier_name: str = "") -> Product:
    """The stored product as the engine reads it; its id is the row id (as text). `row` is the ORM
    object or a row of repository.ENGINE_COLUMNS (the same names; what a whole city's load reads)."""
    credentials = tuple(Credential(c["kind"], dt.date.fromisoformat(c["valid_until"]) if c.get("valid_until") else None)
                        for c in row.credentials or [])
    return Product(id=str(row.id), category=row.category, name=row.name, region=row.region_code, spec=row.spec or "",
                   params={k: float(v) for k, v in (row.params or {}).items()},
                   efficiency_level=row.efficiency_level, efficiency_grade=row.efficiency_grade,
                   price_min_fen=row.price_min_fen, price_max_fen=row.price_max_fen, delivery_days=row.delivery_days,
                   credentials=credentials, for_sale=row.on_sale, supplier=supplier_name)
