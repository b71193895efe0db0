"""Builders for the claim-lifecycle tests: a city's programmes and pools, users of each role,
valid ID numbers, bank cards and VINs."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session
from tests.conftest import PASSWORD

from huanxin.kit.clock import CHINA
from huanxin.kit.identifiers import credit_check_char, id_check_char, luhn_complete, vin_check_char
from huanxin.kit.passwords import hash_password
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import Person, Programme, Qualification, Retailer
from huanxin.tradein.programmes import setup as programmes_service
from huanxin.tradein.residents import identity, realname

_seq = itertools.count(1)
RUN = uuid.uuid4().hex[:6]
T = dt.datetime(2025, 6, 2, 11, 0, tzinfo=CHINA)  # inside the 2025 national programmes
OPEN_UNTIL = dt.date(2027, 12, 31)  # the city keeps its programmes open past the rules' dates in tests


def n() -> int:
    return next(_seq)


def id_number(k: int | None = None, birth: str = "19850312") -> str:
    k = n() if k is None else k
    first17 = f"512002{birth}{k % 1000:03d}"
    # vary the birth date so more than 1000 distinct numbers are possible
    day = 1 + (k // 1000) % 28
    first17 = first17[:12] + f"{day:02d}" + first17[14:]
    return first17 + id_check_char(first17)


def bad_id_number() -> str:
    good = id_number()
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong


def bank_card(k: int | None = None) -> str:
    k = n() if k is None else k
    body = f"622202{k:012d}"
    return luhn_complete(body)


def vin(k: int | None = None) -> str:
    k = n() if k is None else k
    base = f"LSVAB2BM{0}{k:08d}"[:17]
    base = base[:8] + "0" + base[9:]
    return base[:8] + vin_check_char(base) + base[9:]


def credit_code(k: int) -> str:
    first17 = f"91512000{k:09d}"[:17]
    return first17 + credit_check_char(first17)


@cache
def pw_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class City:
    code: str
    programmes: dict[str, Programme]
    retailer: Retailer
    retailer_user: str
    reviewer_user: str
    office_user: str
    tag: str

    def scope(self, session: Session, username: str) -> Scope:
        from sqlalchemy import select

        from huanxin.orgs.models import User
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return orgs_service.scope_of(user)


def user(session: Session, username: str, role: Role, city_code: str, unit_id: int | None = None) -> str:
    orgs_service.create_user(session, username=username, password=PASSWORD, display_name=username, role=role,
                             city_code=city_code, unit_id=unit_id, password_hash=pw_hash())
    return username


def setup_city(session: Session, city_code: str = "512000", budgets: dict[str, int] | None = None,
               settings: dict[str, dict[str, object]] | None = None) -> City:
    tag = f"{RUN}{n()}"
    budgets = budgets or {"appliance-2025": 100_000_00, "digital-2025": 50_000_00, "car-scrap-2025": 1_000_000_00,
                          "home-decor-city": 100_000_00}
    all_settings = {code: {"starts_on": dt.date(2025, 1, 1), "ends_on": OPEN_UNTIL} for code in budgets}
    for code, extra in (settings or {}).items():
        all_settings[code] = {**all_settings.get(code, {}), **extra}
    programmes = {p.code: p for p in programmes_service.setup_city_programmes(
        session, city_code, budgets, settings=all_settings)}
    unit = orgs_service.ensure_unit(session, city_code=city_code, name=f"测试家电卖场{tag}", kind="retailer",
                                    aliases=[], region_code=city_code)
    retailer = Retailer(city_code=city_code, unit_id=unit.id, name=unit.name,
                        credit_code=credit_code(uuid.uuid4().int % 10**9),
                        region_code=city_code, kinds=["appliance", "digital", "car_scrap", "car_replace", "home_decor"],
                        status="admitted", admitted_on=dt.date(2025, 1, 1))
    session.add(retailer)
    session.flush()
    return City(code=city_code, programmes=programmes, retailer=retailer,
                retailer_user=user(session, f"shop-{tag}", Role.RETAILER, city_code, unit.id),
                reviewer_user=user(session, f"rev-{tag}", Role.REVIEWER, city_code),
                office_user=user(session, f"off-{tag}", Role.OFFICE, city_code), tag=tag)


def resident(session: Session, city: City, *, card: bool = True, name: str = "张三丰") -> tuple[str, Person]:
    username = user(session, f"res-{city.tag}-{n()}", Role.RESIDENT, city.code)
    scope = city.scope(session, username)
    number, card_number = id_number(), bank_card()
    enrol(session, number, name, card_number)
    person = identity.register_person(session, id_number=number, name=name, phone=None, user_id=scope.user_id)
    if card:
        identity.set_bank_card(session, person, card_number=card_number, holder_name=name)
    return username, person


def enrol(session: Session, number: str, name: str, card_number: str | None = None,
          phone: str = "13900001111") -> None:
    """The person on the population register the real-name check reads (as the demo's are)."""
    realname.enrol(session, id_number=number, name=name, bank_card=card_number or bank_card(), phone=phone)


def holder(session: Session, q: Qualification | None) -> str:
    """The keyed hash of the ID number of a qualification's holder: what the till presents with it."""
    assert q is not None
    person = session.get(Person, q.person_id)
    assert person is not None
    return person.id_hash
