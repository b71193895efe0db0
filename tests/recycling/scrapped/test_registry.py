"""Recording a scrapped car with its 报废机动车回收证明 and its deregistration: the dismantler's
qualification as the gate, one VIN and one certificate once, clear errors naming the field and the
earlier record, nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.recycling import weighing_support as ws
from tests.recycling.scrapped import support as s
from tests.tradein.claims_support import vin

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit.clock import today
from huanxin.recycling import indicator_feed
from huanxin.recycling.scrapped import repository as repo
from huanxin.recycling.scrapped import service
from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle


def _count(db: Session) -> tuple[int, int]:
    return (int(db.scalar(select(func.count()).select_from(ScrappedVehicle)) or 0),
            int(db.scalar(select(func.count()).select_from(ScrapCertificate)) or 0))


def test_a_qualified_dismantler_records_a_car_with_the_owner_masked(db: Session) -> None:
    rc = s.dismantler(db)
    data = s.record(db, rc)
    vehicle, cert = repo.vehicle_by_vin(db, data.vin) or (None, None)
    assert vehicle is not None and cert is not None and cert.number == data.certificate_no
    assert data.owner_id_number not in vehicle.owner_id_enc  # encrypted at rest
    name, ident = service.owner_masked(vehicle)
    assert name.startswith("王") and "五" not in name and ident != data.owner_id_number and "*" in ident


def test_bad_input_names_the_field_and_writes_nothing(db: Session) -> None:
    rc = s.dismantler(db)
    scope = rc.scope(db, "dispatcher")
    good = vin()
    bad_vin = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    cases = [
        (s.car(vin=bad_vin), "vin", "校验位"),
        (s.car(plate="12345"), "plate", "号牌"),
        (s.car(owner_id_number="123"), "owner_id_number", ""),
        (s.car(fuel="nev", emission_standard="国三"), "emission_standard", "新能源"),
        (s.car(certificate_issued_on=today() - dt.timedelta(days=10)), "certificate_issued_on", ""),
        (s.car(certificate_no="?"), "certificate_no", "编号"),
    ]
    before = _count(db)
    for data, field, text in cases:
        with pytest.raises(InvalidInput, match=text) as err:
            service.record(db, scope, data)
        assert err.value.field == field, (field, err.value.message)
    assert _count(db) == before


@pytest.mark.parametrize("how", ["none", "unverified", "expired", "other_kind"])
def test_only_a_verified_unexpired_dismantling_qualification_may_record(db: Session, how: str) -> None:
    rc = ws.recycler(db)
    from tests.recycling import invoicing_support as inv
    if how == "unverified":
        inv.qualify(db, rc, kind="vehicle_dismantling", verified=False, valid_until=today() + s.YEAR)
    elif how == "expired":
        inv.qualify(db, rc, kind="vehicle_dismantling", valid_until=today() - dt.timedelta(days=1))
    elif how == "other_kind":
        inv.qualify(db, rc, kind="renewable_filing")
    before = _count(db)
    with pytest.raises(Forbidden, match="报废机动车回收拆解资质"):
        service.record(db, rc.scope(db, "dispatcher"), s.car())
    assert _count(db) == before


def test_one_vin_and_one_certificate_once_naming_the_earlier_record(db: Session) -> None:
    rc, other = s.dismantler(db), s.dismantler(db, "510400")
    first = s.record(db, rc)
    before = _count(db)
    with pytest.raises(Conflict) as err:  # another city's dismantler: the VIN is unique platform-wide
        service.record(db, other.scope(db, "dispatcher"), s.car(vin=first.vin))
    assert err.value.status_code == 409 and err.value.field == "vin"
    assert first.certificate_no in err.value.message
    with pytest.raises(Conflict) as err:
        service.record(db, rc.scope(db, "dispatcher"), s.car(certificate_no=first.certificate_no.lower()))
    assert err.value.field == "certificate_no" and first.vin in err.value.message
    assert _count(db) == before


def test_deregistration_is_refused_before_the_scrap_certificate(db: Session) -> None:
    rc = s.dismantler(db)
    data = s.record(db, rc)
    vehicle, cert = repo.vehicle_by_vin(db, data.vin) or (None, None)
    assert vehicle is not None and cert is not None
    scope = rc.scope(db, "dispatcher")
    early = service.DeregistrationInput(number="ZX-0001", deregistered_on=cert.issued_on - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="不能早于报废机动车回收证明的出具日期") as err:
        service.deregister(db, scope, vehicle.id, early)
    assert err.value.field == "deregistered_on" and cert.deregistration_no is None
    service.deregister(db, scope, vehicle.id, service.DeregistrationInput(number="zx-0001",
                                                                          deregistered_on=cert.issued_on))
    assert cert.deregistration_no == "ZX-0001"
    with pytest.raises(Conflict, match="已登记注销"):
        service.deregister(db, scope, vehicle.id, service.DeregistrationInput(number="ZX-0002",
                                                                              deregistered_on=today()))


def test_the_indicator_counts_certificates_by_month(db: Session) -> None:
    rc = s.dismantler(db, "511100")
    day = today()
    before = indicator_feed.figures(db, "511100", day.year, day.month).scrapped_cars
    s.record(db, rc)
    s.record(db, rc)
    assert indicator_feed.figures(db, "511100", day.year, day.month).scrapped_cars == before + 2
