"""The pages' forms read into the service's inputs: amounts typed in 元 (fen stored), dates, the
credentials written as on the sheet (首台(套)至2027-06-30、专精特新). Each refusal names its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from huanxin.errors import InvalidInput
from huanxin.matching.catalogue import deals, products
from huanxin.matching.catalogue.excel import CREDENTIAL_OF_LABEL, SEPARATORS
from huanxin.matching.records import CREDENTIALS
from huanxin.matching.taxonomy import load as load_taxonomy

FIELD_LABELS = {"code": "产品编号", "category": "设备类别", "name": "产品名称", "efficiency_grade": "能效等级",
                "delivery_days": "交货期", "price_min_fen": "最低价", "price_max_fen": "最高价", "note": "备注"}


def fen(text: str, field: str, label: str) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{label}应为金额（元），“{text[:20]}”不是数字", field=field) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")) or value > 10**12:
        raise InvalidInput(f"{label}应为不小于 0、最多两位小数的金额（元）", field=field)
    return int(value * 100)


def whole(text: str, field: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        raise InvalidInput(f"{label}应为整数", field=field)
    return int(text)


def credentials(text: str) -> list[products.CredentialInput]:
    found = []
    for part in (p.strip() for p in SEPARATORS.split(text) if p.strip()):
        label, _, until = part.partition("至")
        kind = CREDENTIAL_OF_LABEL.get(label.strip()) or (label.strip() if label.strip() in CREDENTIALS else None)
        if kind is None:
            raise InvalidInput(f"“{label[:20]}”不是资质（应为 {'、'.join(CREDENTIALS.values())}）", field="credentials")
        try:
            day = dt.date.fromisoformat(until.strip()) if until.strip() else None
        except ValueError:
            raise InvalidInput(f"资质有效期“{until[:20]}”应为日期，如 首台(套)至2027-06-30",
                               field="credentials") from None
        found.append(products.CredentialInput(kind=kind, valid_until=day))
    return found


def product_input(*, code: str, category: str, name: str, spec: str, param_value: str, efficiency_level: str,
                  efficiency_grade: str, price_min: str, price_max: str, region_code: str, delivery_days: str,
                  credentials_text: str, on_sale: str) -> products.ProductInput:
    tax = load_taxonomy()
    key = tax.resolve(category)
    if key is None:
        raise InvalidInput("请选择设备类别", field="category")
    param = tax.param_of(key)
    value = param_value.strip()
    params: dict[str, float] = {}
    if value and param:
        try:
            number = float(value)
        except ValueError:
            raise InvalidInput(f"关键参数值应为数字，“{value[:20]}”不是数字", field="param_value") from None
        if not 0 <= number < 1e9:
            raise InvalidInput("关键参数值应为不小于 0 的数字", field="param_value")
        params[param] = number
    try:
        return products.ProductInput(
            code=code.strip()[:64], category=key, name=name.strip()[:200], spec=spec.strip()[:2000], params=params,
            efficiency_level=efficiency_level or None,
            efficiency_grade=whole(efficiency_grade, "efficiency_grade", "能效等级"),
            price_min_fen=fen(price_min, "price_min", "最低价"), price_max_fen=fen(price_max, "price_max", "最高价"),
            region_code=region_code.strip()[:6], delivery_days=whole(delivery_days, "delivery_days", "交货期（天）"),
            credentials=credentials(credentials_text), on_sale=on_sale != "0")
    except ValidationError as exc:
        where = str(exc.errors()[0]["loc"][0]) if exc.errors() else "code"
        raise InvalidInput(f"{FIELD_LABELS.get(where, '该项')}填写不正确（超出范围或未填写）", field=where) from None


def deal_input(amount: str, signed_on: str) -> deals.DealInput:
    value = fen(amount, "amount", "成交金额")
    if value is None or value <= 0:
        raise InvalidInput("请填写大于 0 的成交金额（元）", field="amount")
    try:
        day = dt.date.fromisoformat(signed_on.strip())
    except ValueError:
        raise InvalidInput("请填写签约日期（年-月-日）", field="signed_on") from None
    return deals.DealInput(amount_fen=value, signed_on=day)
