"""Read models shared by the pages and the API: a device with its wipe status in Chinese, and the
wipe certificate (IMEI masked but for its last 4 digits)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import NotFound
from huanxin.kit.clock import CHINA, aware
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.secondhand import cars, devices, wipe_rules
from huanxin.secondhand import repository as repo
from huanxin.secondhand.models import SecondhandDevice, UsedCar, WipeRecord


def wipe_status(session: Session, device: SecondhandDevice) -> str:
    verified = repo.latest_verified_wipe(session, device.id)
    if verified is not None:
        return f"已清除并核验（{wipe_rules.METHODS[verified.method]}）"
    return "清除核验未通过" if repo.wipes_of(session, device.id) else "未清除"


def device_out(session: Session, device: SecondhandDevice) -> dict[str, Any]:
    unit = orgs_service.get_unit(session, device.dealer_unit_id)
    return {"id": device.id, "dealer_unit_id": device.dealer_unit_id, "dealer_name": unit.name if unit else "",
            "device_type": device.device_type, "device_type_label": devices.DEVICE_TYPES[device.device_type],
            "brand": device.brand, "model": device.model, "imei": devices.mask_imei(device.imei),
            "serial_number": device.serial_number, "media_type": device.media_type,
            "media_label": wipe_rules.MEDIA[device.media_type], "status": device.status,
            "status_label": devices.STATUS_LABELS[device.status], "wipe_status": wipe_status(session, device),
            "resale_blocker": devices.resale_blocker(session, device) if device.status in ("registered", "wiped")
            else None}


def wipe_out(wipe: WipeRecord) -> dict[str, Any]:
    return {"id": wipe.id, "method": wipe.method, "method_label": wipe_rules.METHODS[wipe.method],
            "passes": wipe.passes, "includes_random_pass": wipe.includes_random_pass, "media_type": wipe.media_type,
            "tool_name": wipe.tool_name, "tool_version": wipe.tool_version, "operator": wipe.operator,
            "verified": wipe.verified, "verification_method": wipe.verification_method,
            "has_evidence": wipe.evidence is not None, "wiped_at": aware(wipe.wiped_at).isoformat(),
            "keep_until": wipe.keep_until.isoformat(), "certificate_number": wipe.certificate_number}


def car_out(session: Session, car: UsedCar) -> dict[str, Any]:
    unit = orgs_service.get_unit(session, car.dealer_unit_id)
    return {"id": car.id, "dealer_unit_id": car.dealer_unit_id, "dealer_name": unit.name if unit else "",
            "vin": car.vin, "plate": car.plate, "first_registered_on": car.first_registered_on.isoformat(),
            "grade": car.grade, "grade_label": cars.GRADES.get(car.grade or "", "未评定"),
            "inspection_summary": car.inspection_summary, "status": car.status,
            "status_label": cars.STATUS_LABELS[car.status]}


@dataclass(frozen=True)
class Certificate:
    number: str
    dealer_name: str
    device_type: str
    brand: str
    model: str
    imei_masked: str
    serial_number: str
    media: str
    method: str
    passes: int
    includes_random_pass: bool
    tool: str
    operator: str
    verification: str
    wiped_on: str
    keep_until: str
    standard: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def certificate(session: Session, scope: Scope, device_id: int) -> Certificate:
    device = repo.get_device(session, scope, device_id)
    wipe = repo.latest_verified_wipe(session, device.id)
    if wipe is None or wipe.certificate_number is None:
        raise NotFound("该设备尚无经核验的数据清除记录，没有清除证明")
    unit = orgs_service.get_unit(session, device.dealer_unit_id)
    wiped_on = aware(wipe.wiped_at).astimezone(CHINA).date()
    return Certificate(
        number=wipe.certificate_number, dealer_name=unit.name if unit else "",
        device_type=devices.DEVICE_TYPES[device.device_type], brand=device.brand, model=device.model,
        imei_masked=devices.mask_imei(device.imei), serial_number=device.serial_number or "",
        media=wipe_rules.MEDIA[wipe.media_type], method=wipe_rules.METHODS[wipe.method], passes=wipe.passes,
        includes_random_pass=wipe.includes_random_pass, tool=f"{wipe.tool_name} {wipe.tool_version}",
        operator=wipe.operator, verification=f"核验通过（{wipe.verification_method}）",
        wiped_on=f"{wiped_on.year}年{wiped_on.month}月{wiped_on.day}日",
        keep_until=f"{wipe.keep_until.year}年{wipe.keep_until.month}月{wipe.keep_until.day}日",
        standard=wipe_rules.standard_citation(wiped_on))
