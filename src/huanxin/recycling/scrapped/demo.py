"""The demo's scrapped-vehicle registry: each city's first two recyclers are qualified dismantlers
(a verified 报废机动车回收拆解资质 is written when the demo has none) and have taken in a few hundred
cars over the last fourteen months, most of them deregistered. The city's car-scrapping claims
(their old VIN and 报废机动车回收证明 number as filed) are registered first and linked to their
claims, so the city keeps the registry and a new car claim must name a registered certificate: the
walkthrough's old car is registered, unlinked, under `walkthrough_certificate(city_code)`.

Rows are written in bulk with explicit ids, as the rest of the recycling demo is; the demo reads
the trade-in claims directly, as recycling/demo.py does for its 送新收旧 pickups."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.db import move_sequences_past, next_id
from huanxin.kit import pii
from huanxin.kit.clock import CHINA, today
from huanxin.kit.identifiers import id_check_char, vin_check_char
from huanxin.orgs.models import Unit, User
from huanxin.recycling import repository as recycling_repo
from huanxin.recycling.invoice_models import RecyclerQualification
from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle
from huanxin.recycling.scrapped.service import DISMANTLING
from huanxin.tradein.models import Claim, Programme

CARS_PER_CITY = 300
DISMANTLERS_PER_CITY = 2
LINKED_CLAIMS = 150
MONTHS_BACK = 14
PROVINCES = {"51": "川", "43": "湘", "14": "晋", "37": "鲁"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("建军", "淑芬", "国强", "海燕", "志明", "桂英", "卫东", "小红", "德胜", "秀珍")


def walkthrough_certificate(city_code: str) -> str:
    return f"HS-DEMO-{city_code}"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


def _vin(city_code: str, seq: int) -> str:
    base = f"LDC{city_code[:5]}0{city_code[5]}{seq:07d}"  # position 9 (the check digit) is the filler
    return base[:8] + vin_check_char(base) + base[9:]


def _id_number(city_code: str, rng: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(18_000))
    first17 = f"{city_code[:4]}02{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def _dismantlers(session: Session, city_code: str, on: dt.date) -> list[tuple[Unit, int]]:
    """(recycler, a user of it) holding a verified dismantling qualification, written if missing."""
    office = session.scalar(select(User.id).where(User.city_code == city_code, User.role == "office")
                            .order_by(User.id).limit(1))
    out = []
    for unit in recycling_repo.recyclers_of_city(session, city_code)[:DISMANTLERS_PER_CITY]:
        user_id = session.scalar(select(User.id).where(User.unit_id == unit.id).order_by(User.id).limit(1))
        if user_id is None or office is None:
            continue
        held = session.scalar(select(RecyclerQualification.id).where(
            RecyclerQualification.unit_id == unit.id, RecyclerQualification.kind == DISMANTLING,
            RecyclerQualification.verified_at.is_not(None)).limit(1))
        if held is None:
            since = on - dt.timedelta(days=3 * 365)
            session.execute(insert(RecyclerQualification), [{
                "city_code": city_code, "unit_id": unit.id, "kind": DISMANTLING,
                "number": f"报废拆解{city_code}-{unit.id:04d}", "issued_on": since,
                "valid_until": on + dt.timedelta(days=2 * 365), "document_name": "报废机动车回收拆解企业资质认定书.pdf",
                "document_type": "application/pdf", "document": b"%PDF-1.4 demo", "recorded_by_user_id": user_id,
                "recorded_at": _at(since, 9), "verified_by_user_id": office, "verified_at": _at(since, 15)}])
        out.append((unit, user_id))
    return out


def _claims(session: Session, city_code: str) -> list[tuple[int, dt.datetime, str, str]]:
    """(claim id, submitted at, old VIN, certificate number) of the city's car-scrapping claims."""
    rows = session.execute(select(Claim.id, Claim.submitted_at, Claim.inputs).join(
        Programme, Programme.id == Claim.programme_id).where(
        Claim.city_code == city_code, Programme.kind == "car_scrap",
        Claim.status.in_(("approved", "review", "paying", "paid"))).order_by(Claim.id).limit(LINKED_CLAIMS)).all()
    out = []
    for claim_id, at, inputs in rows:
        proofs = (inputs or {}).get("proofs") or {}
        old_vin, number = (inputs or {}).get("old_vin"), proofs.get("scrap_cert")
        if old_vin and number:
            out.append((int(claim_id), at, str(old_vin).upper(), "".join(str(number).split()).upper()))
    return out


def _car(city_code: str, rng: random.Random, received: dt.date, on: dt.date) -> dict[str, Any]:
    fuel = rng.choices(("petrol", "diesel", "nev"), weights=(70, 15, 15))[0]
    standard = "新能源" if fuel == "nev" else rng.choices(("国一", "国二", "国三", "国四"), weights=(5, 15, 50, 30))[0]
    registered = dt.date(2004, 1, 1) + dt.timedelta(days=rng.randrange(9 * 365))
    name, ident = rng.choice(SURNAMES) + rng.choice(GIVEN), _id_number(city_code, rng)
    plate = f"{PROVINCES.get(city_code[:2], '川')}{rng.choice('ABCDEFGHJK')}{rng.randrange(10**5):05d}"
    return {"plate": plate, "owner_name_enc": pii.encrypt(name), "owner_id_enc": pii.encrypt(ident),
            "owner_id_hash": pii.keyed_hash("scrapped_owner", ident), "first_registered_on": registered,
            "fuel": fuel, "emission_standard": standard, "received_on": received}


def seed(session: Session, city_code: str, rng: random.Random) -> int:
    """Records the city's scrapped cars; the number of cars written (0 without recyclers)."""
    on = today()
    dismantlers = _dismantlers(session, city_code, on)
    if not dismantlers:
        return 0
    taken_vins = set(session.scalars(select(ScrappedVehicle.vin)))
    taken_numbers = set(session.scalars(select(ScrapCertificate.number)))
    vehicles: list[dict[str, Any]] = []
    certificates: list[dict[str, Any]] = []
    vehicle_id, seq = next_id(session, ScrappedVehicle), 0

    def add(vin: str, number: str, issued: dt.date, claim: tuple[int, dt.datetime] | None = None) -> None:
        nonlocal vehicle_id
        if vin in taken_vins or number in taken_numbers:
            return
        taken_vins.add(vin)
        taken_numbers.add(number)
        unit, user_id = dismantlers[len(vehicles) % len(dismantlers)]
        received = issued - dt.timedelta(days=rng.randrange(0, 6))
        deregistered = issued + dt.timedelta(days=rng.randrange(1, 21))
        done = deregistered <= on and rng.random() < 0.85
        vehicles.append({"id": vehicle_id, "city_code": city_code, "region_code": unit.region_code or city_code,
                         "unit_id": unit.id, "vin": vin, **_car(city_code, rng, received, on),
                         "recorded_by_user_id": user_id, "recorded_at": _at(issued)})
        certificates.append({"city_code": city_code, "unit_id": unit.id, "vehicle_id": vehicle_id, "number": number,
                             "issued_on": issued, "deregistration_no": f"ZX{number[2:]}" if done else None,
                             "deregistered_on": deregistered if done else None,
                             "claim_id": claim[0] if claim else None, "claim_submitted_at": claim[1] if claim else None,
                             "recorded_at": _at(issued, 16)})
        vehicle_id += 1

    for claim_id, at, vin, number in _claims(session, city_code):
        issued = at.astimezone(CHINA).date() if at.tzinfo else at.date()
        add(vin, number, issued - dt.timedelta(days=rng.randrange(3, 30)), (claim_id, at))
    from huanxin.tradein.demo.walkthroughs import walkthroughs  # the demo's printed walkthrough car

    add(walkthroughs(session, [city_code])[city_code].old_vin, walkthrough_certificate(city_code),
        on - dt.timedelta(days=7))
    while len(vehicles) < CARS_PER_CITY:
        seq += 1
        issued = on - dt.timedelta(days=rng.randrange(1, MONTHS_BACK * 30))
        add(_vin(city_code, seq), f"BF{city_code}{issued:%Y}{seq:06d}", issued)
    session.execute(insert(ScrappedVehicle), vehicles)
    session.execute(insert(ScrapCertificate), certificates)
    move_sequences_past(session, [ScrappedVehicle, ScrapCertificate])
    session.flush()
    return len(vehicles)
