"""Recording a data-wiping record on a device, checked against GB 46864—2025 (secondhand.wipe_rules).

A record that fails the rules is refused whole (`WipeRefused`, naming the field): no wipe record is
written. The caller then keeps only the refusal's reason (`note_refusal`, in a transaction of its
own after the rollback) because the dealer's credit score counts refusals. A record whose
verification failed is kept (it is the dealer's own finding) and counts as a failed verification;
only a verified record earns a certificate number and lets the device be listed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import CHINA, now
from huanxin.orgs.scope import Scope
from huanxin.secondhand import repository as repo
from huanxin.secondhand import wipe_rules
from huanxin.secondhand.models import SecondhandDevice, WipeRecord, WipeRefusal

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


class WipeRefused(InvalidInput):
    """A record that fails the rules: the reason names the field to correct."""


@dataclass(frozen=True)
class WipeInput:
    method: str
    passes: int
    includes_random_pass: bool
    media_type: str
    tool_name: str
    tool_version: str
    operator: str
    verified: bool
    verification_method: str
    wiped_at: dt.datetime
    evidence_name: str = ""
    evidence_type: str = ""
    evidence: bytes = b""


def _text(value: str, field: str, label: str, longest: int) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(cleaned) > longest:
        raise InvalidInput(f"{label}不能超过{longest}个字", field=field)
    return cleaned


def _check_fields(device: SecondhandDevice, data: WipeInput) -> None:
    if data.media_type != device.media_type:
        raise InvalidInput(f"介质类型须与登记的设备存储介质一致（{wipe_rules.MEDIA.get(device.media_type, '')}）",
                           field="media_type")
    _text(data.tool_name, "tool_name", "清除工具名称", 100)
    _text(data.tool_version, "tool_version", "清除工具版本", 40)
    _text(data.operator, "operator", "操作人员", 60)
    if data.wiped_at > now() + dt.timedelta(minutes=5):
        raise InvalidInput("清除时间不能晚于现在", field="wiped_at")
    if data.verified:
        _text(data.verification_method, "verification_method", "核验方法", 200)
        if not data.evidence:
            raise InvalidInput("核验通过的记录须上传核验证据（清除工具报告或截图）", field="evidence")
    if len(data.evidence) > MAX_EVIDENCE_BYTES:
        raise InvalidInput("核验证据文件不能超过5 MB", field="evidence")


def record(session: Session, scope: Scope, device_id: int, data: WipeInput) -> WipeRecord:
    device = repo.get_own_device(session, scope, device_id)
    if device.status in ("listed", "sold"):
        raise Conflict("设备已上架或售出，不能再登记清除记录")
    _check_fields(device, data)
    found = wipe_rules.refusal(wipe_rules.WipeFacts(method=data.method, passes=data.passes,
                                                    includes_random_pass=data.includes_random_pass,
                                                    media_type=data.media_type))
    if found is not None:
        raise WipeRefused(found.reason, field=found.field)
    wiped_on = data.wiped_at.astimezone(CHINA).date()
    row = WipeRecord(city_code=device.city_code, device_id=device.id, dealer_unit_id=device.dealer_unit_id,
                     method=data.method, passes=data.passes, includes_random_pass=data.includes_random_pass,
                     media_type=data.media_type, tool_name=data.tool_name.strip(),
                     tool_version=data.tool_version.strip(), operator=data.operator.strip(), verified=data.verified,
                     verification_method=data.verification_method.strip(),
                     evidence_name=(data.evidence_name[:200] or "核验证据") if data.evidence else None,
                     evidence_type=(data.evidence_type[:100] or "application/octet-stream") if data.evidence else None,
                     evidence=data.evidence or None, wiped_at=data.wiped_at,
                     keep_until=wipe_rules.keep_until(wiped_on), recorded_by_user_id=scope.user_id,
                     recorded_at=now())
    session.add(row)
    session.flush()
    if data.verified:
        row.certificate_number = f"QC{device.city_code}{wiped_on:%Y%m%d}{row.id:06d}"
        device.status = "wiped"
    audit.record(session, actor=scope.username, action="record_wipe", entity="secondhand_wipe_record",
                 entity_id=row.id, city_code=device.city_code,
                 detail={"device_id": device.id, "method": data.method, "verified": data.verified})
    return row


def note_refusal(session: Session, scope: Scope, device_id: int, refused: WipeRefused) -> None:
    """Keeps the reason a record was refused (after the refused attempt was rolled back)."""
    device = repo.get_own_device(session, scope, device_id)
    session.add(WipeRefusal(city_code=device.city_code, device_id=device.id, dealer_unit_id=device.dealer_unit_id,
                            field=refused.field or "", reason=refused.message, refused_at=now()))
    session.flush()
    audit.record(session, actor=scope.username, action="refuse_wipe", entity="secondhand_device",
                 entity_id=device.id, city_code=device.city_code, detail={"field": refused.field})


def parse_wiped_at(raw: str) -> dt.datetime:
    """A date (年-月-日) or a date and time; China time when no zone is given."""
    cleaned = raw.strip()
    if not cleaned:
        raise InvalidInput("请填写清除时间", field="wiped_at")
    try:
        value = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput("清除时间格式应为 年-月-日 或 年-月-日 时:分", field="wiped_at") from None
    return value if value.tzinfo else value.replace(tzinfo=CHINA)
