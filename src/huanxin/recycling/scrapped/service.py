"""Use cases of the scrapped-vehicle trail (no HTTP, no commit): a qualified dismantler records a
car with its 报废机动车回收证明, later its deregistration; and the check a car-scrapping trade-in
claim passes through (`link_claim`, called by tradein.claims.lifecycle inside the claim's
transaction). One VIN, one certificate, once: the unique keys decide races, and the message of a
refusal names the earlier record or claim."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field
from sqlalchemy.orm import Session

from huanxin.db import insert_unless_taken
from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import audit, pii
from huanxin.kit.clock import CHINA, aware, now, today
from huanxin.kit.identifiers import validate_id_number, validate_vin
from huanxin.kit.limits import Schema
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as recycling_repo
from huanxin.recycling.invoicing import qualifications
from huanxin.recycling.scrapped import repository as repo
from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle
from huanxin.secondhand.cars import validate_plate

FUELS = {"petrol": "汽油", "diesel": "柴油", "nev": "新能源", "other": "其他燃料"}
EMISSION_STANDARDS = ("国一", "国二", "国三", "国四", "国五", "国六", "新能源")
DISMANTLING = "vehicle_dismantling"
EARLIEST_REGISTRATION = dt.date(1950, 1, 1)
_NUMBER = re.compile(r"^[0-9A-Z\-]{4,40}$")


class VehicleInput(Schema):
    vin: str = Field(default="", max_length=30)
    plate: str = Field(default="", max_length=20)
    owner_name: str = Field(default="", max_length=60)
    owner_id_number: str = Field(default="", max_length=30)
    first_registered_on: dt.date | None = None
    fuel: str = Field(default="", max_length=16)
    emission_standard: str = Field(default="", max_length=8)
    received_on: dt.date | None = None
    certificate_no: str = Field(default="", max_length=60)
    certificate_issued_on: dt.date | None = None


class DeregistrationInput(Schema):
    number: str = Field(default="", max_length=60)
    deregistered_on: dt.date | None = None


def certificate_number(raw: str, field: str = "certificate_no") -> str:
    """The certificate number as the registry keeps it (and as a claim's proof is matched)."""
    value = re.sub(r"\s+", "", raw).upper()
    if not _NUMBER.match(value):
        raise InvalidInput("报废机动车回收证明编号应为4至40位字母、数字或“-”", field=field)
    return value


def _day(value: dt.date | None, field: str, label: str, *, earliest: dt.date = EARLIEST_REGISTRATION) -> dt.date:
    if value is None:
        raise InvalidInput(f"请填写{label}", field=field)
    if not earliest <= value <= today():
        raise InvalidInput(f"{label}应在{earliest.isoformat()}至今天之间", field=field)
    return value


def require_dismantler(session: Session, scope: Scope) -> int:
    """The caller's recycler, when it holds a verified 报废机动车回收拆解资质 valid today, or 403."""
    unit_id = recycling_repo.recycler_unit(scope)
    day = today()
    for row in qualifications.listed(session, scope):
        if (row.kind == DISMANTLING and row.verified_at is not None and row.issued_on <= day
                and (row.valid_until is None or row.valid_until >= day)):
            return unit_id
    raise Forbidden("贵企业尚无经核验且在有效期内的报废机动车回收拆解资质，不能登记报废机动车；"
                    "请先在“反向开票”页登记资质并请商务主管部门核验", field="qualification")


def _checked(data: VehicleInput) -> VehicleInput:
    vin = validate_vin(data.vin)
    plate = validate_plate(data.plate)
    name = data.owner_name.strip()
    if not 2 <= len(name) <= 60:
        raise InvalidInput("请填写机动车所有人姓名（2至60个字）", field="owner_name")
    id_number = validate_id_number(data.owner_id_number, field="owner_id_number")
    registered = _day(data.first_registered_on, "first_registered_on", "初次登记日期")
    if data.fuel not in FUELS:
        raise InvalidInput("请选择燃料种类", field="fuel")
    if data.emission_standard not in EMISSION_STANDARDS:
        raise InvalidInput("请选择排放标准（国一至国六，或新能源）", field="emission_standard")
    if (data.fuel == "nev") != (data.emission_standard == "新能源"):
        raise InvalidInput("新能源汽车的排放标准应选“新能源”，燃油车应选国一至国六", field="emission_standard")
    received = _day(data.received_on, "received_on", "回收（接收）日期", earliest=registered)
    number = certificate_number(data.certificate_no)
    issued = _day(data.certificate_issued_on, "certificate_issued_on", "回收证明出具日期", earliest=received)
    return data.model_copy(update={"vin": vin, "plate": plate, "owner_name": name, "owner_id_number": id_number,
                                   "first_registered_on": registered, "received_on": received,
                                   "certificate_no": number, "certificate_issued_on": issued})


def _vin_taken(session: Session, vin: str) -> Conflict:
    earlier = repo.vehicle_by_vin(session, vin)
    where = (f"（登记 #{earlier[0].id}，报废机动车回收证明 {earlier[1].number}，"
             f"{earlier[1].issued_on.isoformat()} 出具）" if earlier else "")
    return Conflict(f"该车辆识别代号（VIN {vin}）已登记报废{where}，每辆车只能登记一次", field="vin")


def _number_taken(session: Session, number: str) -> Conflict:
    earlier = repo.certificate_by_number(session, number)
    where = f"（车辆 VIN {earlier[0].vin}，登记 #{earlier[0].id}）" if earlier else ""
    return Conflict(f"该报废机动车回收证明编号（{number}）已登记{where}，每份证明只能登记一次", field="certificate_no")


def record(session: Session, scope: Scope, data: VehicleInput) -> tuple[ScrappedVehicle, ScrapCertificate]:
    unit_id = require_dismantler(session, scope)
    clean = _checked(data)
    # Checked first for a clear message; the unique keys below decide a race all the same.
    if repo.vehicle_by_vin(session, clean.vin):
        raise _vin_taken(session, clean.vin)
    if repo.certificate_by_number(session, clean.certificate_no):
        raise _number_taken(session, clean.certificate_no)
    unit = orgs_service.get_unit(session, unit_id)
    at = now()
    vehicle_id = insert_unless_taken(session, ScrappedVehicle, {
        "city_code": scope.city_code, "region_code": (unit.region_code if unit else None) or scope.city_code,
        "unit_id": unit_id, "vin": clean.vin, "plate": clean.plate, "owner_name_enc": pii.encrypt(clean.owner_name),
        "owner_id_enc": pii.encrypt(clean.owner_id_number),
        "owner_id_hash": pii.keyed_hash("scrapped_owner", clean.owner_id_number),
        "first_registered_on": clean.first_registered_on, "fuel": clean.fuel,
        "emission_standard": clean.emission_standard, "received_on": clean.received_on,
        "recorded_by_user_id": scope.user_id, "recorded_at": at})
    if vehicle_id is None:
        raise _vin_taken(session, clean.vin)
    certificate_id = insert_unless_taken(session, ScrapCertificate, {
        "city_code": scope.city_code, "unit_id": unit_id, "vehicle_id": vehicle_id, "number": clean.certificate_no,
        "issued_on": clean.certificate_issued_on, "recorded_at": at})
    if certificate_id is None:
        raise _number_taken(session, clean.certificate_no)  # the caller's rollback drops the vehicle too
    audit.record(session, actor=scope.username, action="record_scrapped_vehicle", entity="recycling_scrapped_vehicle",
                 entity_id=vehicle_id, city_code=scope.city_code, detail={"certificate": clean.certificate_no})
    return repo.get(session, scope, vehicle_id)


def deregister(session: Session, scope: Scope, vehicle_id: int,
               data: DeregistrationInput) -> tuple[ScrappedVehicle, ScrapCertificate]:
    require_dismantler(session, scope)
    vehicle, cert = repo.get_own(session, scope, vehicle_id)
    if cert.deregistration_no:
        raise Conflict(f"该车已登记注销（机动车注销证明 {cert.deregistration_no}）", field="deregistration_no")
    number = re.sub(r"\s+", "", data.number).upper()
    if not _NUMBER.match(number):
        raise InvalidInput("机动车注销证明编号应为4至40位字母、数字或“-”", field="deregistration_no")
    day = _day(data.deregistered_on, "deregistered_on", "注销日期")
    if day < cert.issued_on:
        # The vehicle administration deregisters a scrapped car on the recycler's certificate.
        raise InvalidInput(f"注销日期（{day.isoformat()}）不能早于报废机动车回收证明的出具日期"
                           f"（{cert.issued_on.isoformat()}）：应先回收报废、后注销登记", field="deregistered_on")
    cert.deregistration_no, cert.deregistered_on = number, day
    audit.record(session, actor=scope.username, action="deregister_scrapped_vehicle",
                 entity="recycling_scrapped_vehicle", entity_id=vehicle.id, city_code=scope.city_code)
    session.flush()
    return vehicle, cert


def _claim_named(claim_id: int, submitted_at: dt.datetime | None) -> str:
    when = f"（{aware(submitted_at).astimezone(CHINA).date().isoformat()} 提交）" if submitted_at else ""
    return f"补贴申请 #{claim_id}{when}"


def _certificate_used(number: str, claim_id: int, submitted_at: dt.datetime | None) -> Conflict:
    return Conflict(f"该报废机动车回收证明（{number}）已用于{_claim_named(claim_id, submitted_at)}，"
                    "每辆车只能享受一次补贴", field="proofs")


def link_claim(session: Session, *, city_code: str, claim_id: int, submitted_at: dt.datetime,
               certificate_no: str, old_vin: str | None) -> None:
    """A car-scrapping claim's certificate, checked against the registry and linked to the claim.

    Refused: a VIN or certificate an earlier claim used (naming it); a certificate of another VIN;
    in a city that keeps the registry (it has at least one certificate recorded), a certificate that
    is not in it. A city that keeps no registry yet accepts the number as before (its one-time use
    is still held by the claim's used identifiers), so that it is not locked out of the programme
    until its dismantlers are on the platform."""
    vin = (old_vin or "").strip().upper() or None
    number = re.sub(r"\s+", "", certificate_no).upper()
    found = repo.certificate_by_number(session, number)
    if found is not None and found[1].claim_id not in (None, claim_id):
        raise _certificate_used(number, found[1].claim_id, found[1].claim_submitted_at)
    if vin:
        by_vin = repo.vehicle_by_vin(session, vin)
        if by_vin and by_vin[1].claim_id not in (None, claim_id):
            raise Conflict(f"该旧车（VIN {vin}）已用于{_claim_named(by_vin[1].claim_id, by_vin[1].claim_submitted_at)}"
                           "，每辆车只能享受一次补贴", field="old_vin")
    if found is None or found[1].city_code != city_code:
        if repo.city_keeps_registry(session, city_code):
            raise InvalidInput(f"报废机动车回收证明（{certificate_no}）不在本市报废机动车回收登记中，"
                               "请核对编号，或请出具证明的回收拆解企业先登记", field="proofs")
        return
    vehicle, cert = found
    if vin and vehicle.vin != vin:
        raise InvalidInput(f"报废机动车回收证明（{number}）登记的车辆识别代号为 {vehicle.vin}，"
                           "与申请填写的旧车 VIN 不一致", field="old_vin")
    repo.release_claim(session, claim_id, keep_certificate_id=cert.id)
    if not repo.take_for_claim(session, cert.id, claim_id, submitted_at):
        holder, at = repo.claim_of(session, cert.id)
        raise _certificate_used(number, holder or 0, at)
    session.expire(cert)


def owner_masked(vehicle: ScrappedVehicle) -> tuple[str, str]:
    return pii.mask_name(pii.decrypt(vehicle.owner_name_enc)), pii.mask_id(pii.decrypt(vehicle.owner_id_enc))


def certificates_issued(session: Session, city_code: str, start: dt.date, end: dt.date) -> int:
    """Certificates issued in [start, end): the scrapped-car recycling indicator's count."""
    return repo.certificates_issued(session, city_code, start, end)
