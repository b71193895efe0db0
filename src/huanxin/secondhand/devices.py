"""Use cases on a traded device: the dealer registers it (IMEI checked by its Luhn digit, or a
serial number), lists it for resale only behind a verified wipe that passes the rules (the gate),
and marks it sold. No HTTP, no commit; errors in Chinese naming the field."""

from __future__ import annotations

import re

from pydantic import Field
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.kit.identifiers import luhn_ok
from huanxin.kit.limits import Schema
from huanxin.orgs.scope import Scope
from huanxin.secondhand import repository as repo
from huanxin.secondhand import wipe_rules
from huanxin.secondhand.models import SecondhandDevice, WipeRecord

DEVICE_TYPES: dict[str, str] = {"phone": "手机", "tablet": "平板电脑", "computer": "电脑", "storage": "存储设备"}
STATUS_LABELS: dict[str, str] = {"registered": "已登记，待清除", "wiped": "已清除并核验", "listed": "已上架转售",
                                 "sold": "已售出"}


class DeviceInput(Schema):
    device_type: str = Field(default="", max_length=16)
    brand: str = Field(default="", max_length=60)
    model: str = Field(default="", max_length=100)
    imei: str = Field(default="", max_length=30)
    serial_number: str = Field(default="", max_length=60)
    media_type: str = Field(default="", max_length=16)


def validate_imei(raw: str, field: str = "imei") -> str:
    """An IMEI: 15 digits whose last is the Luhn check digit of the first 14 (3GPP TS 23.003)."""
    value = re.sub(r"[\s-]+", "", raw)
    if not value.isdigit() or len(value) != 15:
        raise InvalidInput("IMEI应为15位数字", field=field)
    if not luhn_ok(value):
        raise InvalidInput("IMEI末位校验位不正确，请核对", field=field)
    return value


def mask_imei(imei: str | None) -> str:
    """Only the last 4 digits show, as on the certificate."""
    return "" if not imei else "*" * (len(imei) - 4) + imei[-4:]


def _checked(data: DeviceInput) -> DeviceInput:
    if data.device_type not in DEVICE_TYPES:
        raise InvalidInput("请选择设备类型", field="device_type")
    if not data.brand.strip():
        raise InvalidInput("请填写品牌", field="brand")
    if not data.model.strip():
        raise InvalidInput("请填写型号", field="model")
    if data.media_type not in wipe_rules.MEDIA:
        raise InvalidInput("请选择存储介质类型", field="media_type")
    imei = validate_imei(data.imei) if data.imei.strip() else ""
    serial = data.serial_number.strip()
    if not imei and not serial:
        raise InvalidInput("请填写IMEI或序列号（SN），至少一项", field="imei")
    if data.device_type == "phone" and not imei:
        raise InvalidInput("手机须填写IMEI（15位）", field="imei")
    return data.model_copy(update={"imei": imei, "serial_number": serial, "brand": data.brand.strip(),
                                   "model": data.model.strip()})


def register(session: Session, scope: Scope, data: DeviceInput) -> SecondhandDevice:
    unit_id = repo.dealer_unit(scope)
    clean = _checked(data)
    row = SecondhandDevice(city_code=scope.city_code, dealer_unit_id=unit_id, device_type=clean.device_type,
                           brand=clean.brand, model=clean.model, imei=clean.imei or None,
                           serial_number=clean.serial_number or None, media_type=clean.media_type,
                           status="registered", registered_by_user_id=scope.user_id, registered_at=now())
    session.add(row)
    session.flush()
    audit.record(session, actor=scope.username, action="register_secondhand_device", entity="secondhand_device",
                 entity_id=row.id, city_code=scope.city_code, detail={"device_type": clean.device_type})
    return row


def resale_blocker(session: Session, device: SecondhandDevice) -> str | None:
    """Why the device may not be listed for resale, or None: it needs a verified wipe record that
    passes the rules (GB 46864—2025: verification before resale)."""
    wipe = repo.latest_verified_wipe(session, device.id)
    if wipe is None:
        return ("该设备尚无经核验的数据清除记录，不能上架转售（GB 46864—2025 要求转售前完成信息清除并核验）；"
                "请先登记清除记录并完成核验")
    found = wipe_rules.refusal(facts_of(wipe))
    return None if found is None else f"该设备的清除记录不符合要求，不能上架转售：{found.reason}"


def facts_of(wipe: WipeRecord) -> wipe_rules.WipeFacts:
    return wipe_rules.WipeFacts(method=wipe.method, passes=wipe.passes, includes_random_pass=wipe.includes_random_pass,
                                media_type=wipe.media_type)


def list_for_resale(session: Session, scope: Scope, device_id: int) -> SecondhandDevice:
    device = repo.get_own_device(session, scope, device_id)
    if device.status in ("listed", "sold"):
        raise Conflict(f"该设备{STATUS_LABELS[device.status]}，不能重复上架")
    blocker = resale_blocker(session, device)
    if blocker is not None:
        raise Conflict(blocker)
    device.status, device.listed_at = "listed", now()
    audit.record(session, actor=scope.username, action="list_secondhand_device", entity="secondhand_device",
                 entity_id=device.id, city_code=scope.city_code)
    return device


def mark_sold(session: Session, scope: Scope, device_id: int) -> SecondhandDevice:
    device = repo.get_own_device(session, scope, device_id)
    if device.status != "listed":
        raise Conflict(f"只有已上架的设备可以登记售出，该设备{STATUS_LABELS[device.status]}")
    device.status, device.sold_at = "sold", now()
    audit.record(session, actor=scope.username, action="sell_secondhand_device", entity="secondhand_device",
                 entity_id=device.id, city_code=scope.city_code)
    return device


def listed(session: Session, scope: Scope) -> list[SecondhandDevice]:
    return list(session.scalars(repo.devices_visible(scope).order_by(SecondhandDevice.id.desc()).limit(500)))
