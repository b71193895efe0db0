"""Builders for the second-hand tests: dealers (a recycler's user), the city's office, a resident,
valid and invalid IMEIs, and the wipe form as a client sends it."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.recycling.weighing_support import CITY, recycler, tag
from tests.tradein.claims_support import user

from huanxin.kit.identifiers import luhn_complete
from huanxin.orgs.roles import Role

OTHER_CITY = "370784"
_seq = itertools.count(1)


def imei() -> str:
    body = f"35{next(_seq):012d}"
    return luhn_complete(body)


def bad_imei() -> str:
    good = imei()
    return good[:-1] + str((int(good[-1]) + 1) % 10)


def dealer(db: Session, city_code: str = CITY) -> str:
    """A recycler's user, who trades second-hand devices."""
    return recycler(db, city_code).driver


def office(db: Session, city_code: str = CITY) -> str:
    return user(db, f"sh-office-{tag()}", Role.OFFICE, city_code)


def resident(db: Session) -> str:
    return user(db, f"sh-resident-{tag()}", Role.RESIDENT, CITY)


def device_body(**over: Any) -> dict[str, Any]:
    return {"device_type": "phone", "brand": "华为", "model": "Mate 40", "imei": imei(), "media_type": "flash",
            **over}


def add_device(client: TestClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    r = client.post("/api/v1/secondhand/devices", headers=headers, json=device_body(**over))
    assert r.status_code == 201, r.text
    return dict(r.json())


def wipe_form(**over: str) -> dict[str, str]:
    return {"method": "block_erase", "passes": "0", "media_type": "flash", "tool_name": "清除大师",
            "tool_version": "3.2", "operator": "张师傅", "verified": "1", "verification_method": "全盘读取校验",
            "wiped_at": "2026-11-20T10:30", **over}


EVIDENCE = {"evidence": ("report.txt", "清除报告：全部扇区已擦除".encode(), "text/plain")}


def add_wipe(client: TestClient, headers: dict[str, str], device_id: int, *, evidence: bool = True,
             **over: str) -> Any:
    return client.post(f"/api/v1/secondhand/devices/{device_id}/wipes", headers=headers, data=wipe_form(**over),
                       files=EVIDENCE if evidence else None)


def other_city_world(db: Session, city_code: str, mark: str) -> dict[str, int]:
    """Another city's second-hand records, for tests/test_boundaries.py: a dealer's device with a
    verified wipe record (so it has a certificate), a complaint against the dealer, a used car;
    `mark` is planted in their text so that no answer to the home city may carry it."""
    import datetime as dt

    from tests.recycling.weighing_support import scope_of
    from tests.tradein.claims_support import vin

    from huanxin.kit.clock import now, today
    from huanxin.secondhand import cars, credit, devices, wipes

    rc = recycler(db, city_code)
    scope = rc.scope(db)
    device = devices.register(db, scope, devices.DeviceInput(device_type="phone", brand=mark, model=f"{mark}型号",
                                                             imei=imei(), media_type="flash"))
    wipes.record(db, scope, device.id, wipes.WipeInput(
        method="block_erase", passes=0, includes_random_pass=False, media_type="flash", tool_name=mark,
        tool_version="1", operator=mark, verified=True, verification_method=mark,
        wiped_at=now() - dt.timedelta(hours=1), evidence_name="e.txt", evidence_type="text/plain", evidence=b"x"))
    car = cars.register(db, scope, cars.CarInput(vin=vin(), plate="鲁G12345", first_registered_on=dt.date(2020, 1, 1),
                                                 inspection_summary=f"{mark} 检查摘要"))
    boss = scope_of(db, office(db, city_code))
    credit.record_complaint(db, boss, credit.ComplaintInput(dealer_unit_id=rc.unit_id, received_on=today(),
                                                            summary=f"{mark} 投诉"))
    return {"device_id": device.id, "car_id": car.id, "dealer_unit_id": rc.unit_id}
