"""A purchase as keyed in at the till, or by a dealer or resident for a car, and its validation:
the one check the claim API, the pages and the `huanxin tradein evaluate` CLI all use, so that
bad input is an error naming its field, never a decision."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.kit.clock import today
from huanxin.kit.identifiers import validate_vin
from huanxin.tradein.claims import evaluation

MAX_DISPLACEMENT_L = 10.0  # no passenger car sold in China comes near it: a larger value is a typing error
PROOF_LABELS = {"scrap_cert": "报废机动车回收证明", "deregistration": "机动车注销证明",
                "recycling_cert": "旧机回收证明", "sale_record": "旧车交易登记凭证"}

@dataclass(frozen=True)
class Purchase:
    """What the retailer keys in at the till, or the dealer / resident for a car."""

    category: str
    price_fen: int
    invoice_no: str
    invoice_date: dt.date
    brand: str = ""
    model: str = ""
    efficiency_grade: int | None = None
    serial: str | None = None
    proofs: dict[str, str] = field(default_factory=dict)  # old-item proof kind → certificate number
    device_id: str | None = None
    # cars only
    new_vin: str | None = None
    new_vehicle_fuel: str | None = None
    new_vehicle_displacement_l: float | None = None
    old_vin: str | None = None
    old_vehicle_fuel: str | None = None
    old_vehicle_registered_on: dt.date | None = None
    old_vehicle_owned_since: dt.date | None = None
    old_emission_standard: str | None = None


def _text(value: str | None, field_name: str, label: str, limit: int, *, required: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"{label}不能为空", field=field_name)
    if len(cleaned) > limit:
        raise InvalidInput(f"{label}不能超过{limit}个字符", field=field_name)
    return cleaned


def validate_purchase(data: Purchase, *, car: bool, on: dt.date | None = None,
                      evaluation_only: bool = False) -> Purchase:
    """The one check of a purchase, for the claim API, the pages and `huanxin tradein evaluate`.
    `evaluation_only`: a question to the rules, not a claim (the CLI): the numbers that make a
    claim unique (invoice number, certificate numbers, the new car's VIN) may be left out, but
    every value given is checked exactly as for a claim."""
    if data.price_fen is None or data.price_fen <= 0:
        raise InvalidInput("成交价格（price_fen）必须大于0", field="price_fen")
    invoice_no = _text(data.invoice_no, "invoice_no", "发票号码", 40, required=not evaluation_only)
    _check_invoice_date(data.invoice_date, on or today())
    if data.efficiency_grade is not None and not 1 <= data.efficiency_grade <= 5:
        raise InvalidInput("能效（水效）等级应为1至5级", field="efficiency_grade")
    _check_displacement(data.new_vehicle_displacement_l)
    brand = _text(data.brand, "brand", "品牌", 60)
    model = _text(data.model, "model", "型号", 80)
    serial = _text(data.serial, "serial", "产品序列号（SN/IMEI）", 60).upper() or None
    proofs = {}
    for kind, number in (data.proofs or {}).items():
        if kind not in PROOF_LABELS:
            raise InvalidInput(f"旧机（旧车）凭证类型“{kind}”无效，须为 {'、'.join(PROOF_LABELS)} 之一",
                               field="proofs")
        cleaned = _text(number, "proofs", PROOF_LABELS[kind] + "编号", 60, required=not evaluation_only)
        proofs[kind] = cleaned.upper()
    changes: dict[str, Any] = {"invoice_no": invoice_no, "brand": brand, "model": model, "serial": serial,
                               "proofs": proofs}
    if car:
        if not data.new_vin and not evaluation_only:
            raise InvalidInput("请填写新车车辆识别代号（VIN）", field="new_vin")
        changes.update(_checked_vins(data))
    return replace(data, **changes)  # shallow: asdict would deep-copy every field


def _check_invoice_date(invoice_date: dt.date, today_: dt.date) -> None:
    if invoice_date > today_:
        raise InvalidInput(f"发票日期 {invoice_date} 晚于今天，请核对", field="invoice_date")
    # No programme can cover a purchase made before the first rule took effect: such a date is a
    # typing error (0001-01-01, 1924 for 2024), refused as input, not decided as a rejection that
    # would use up the resident's qualification. The date comes from the parameter files, so a
    # city that adds an earlier programme moves it with its parameters.
    earliest, source = evaluation.earliest_rule_date()
    if invoice_date < earliest:
        raise InvalidInput(f"发票日期 {invoice_date} 早于最早的以旧换新补贴规则生效日 {earliest}（{source}），"
                           "不可能属于任何以旧换新活动，请核对", field="invoice_date")


def _check_displacement(litres: float | None) -> None:
    # NaN compares false with everything: without this it passed "≤ 2.0 L" and was paid 15,000 yuan.
    if litres is not None and not (math.isfinite(litres) and 0 < litres <= MAX_DISPLACEMENT_L):
        raise InvalidInput(f"新车排量（new_vehicle_displacement_l）应为大于0、不超过{MAX_DISPLACEMENT_L:g}升的数值"
                           f"（不接受 NaN 或 Infinity），收到 {litres}", field="new_vehicle_displacement_l")


def _checked_vins(data: Purchase) -> dict[str, str]:
    vins = {name: validate_vin(value, field=name)
            for name, value in (("new_vin", data.new_vin), ("old_vin", data.old_vin)) if value}
    if vins.get("new_vin") and vins.get("old_vin") == vins["new_vin"]:
        raise InvalidInput("新车与旧车的车辆识别代号（VIN）不能相同", field="new_vin")
    return vins
