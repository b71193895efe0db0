"""What the printed summary walks a visitor through."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.kit.clock import now
from huanxin.kit.identifiers import id_check_char
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.tradein.claims import evaluation
from huanxin.tradein.demo.purchases import _vin
from huanxin.tradein.demo.specs import (
    OPEN_CAR,
)
from huanxin.tradein.models import (
    Person,
    Programme,
    Qualification,
    Retailer,
)


@dataclass(frozen=True)
class Walkthrough:
    """One city's flows to finish by hand: a resident's qualification ready to redeem and a retailer
    admitted for it; a dealer and the car programme open today, with a buyer's ID number and two
    VINs that pass their check digits (a VIN is claimed once: file them in one claim)."""

    resident: str | None
    qualification_id: int | None
    category: str
    retailer: str | None
    dealer: str | None
    car_programme: str | None
    buyer_id_number: str
    new_vin: str
    old_vin: str
    scrap_certificate: str = ""  # the old car's 报废机动车回收证明, in the scrap registry (recycling.scrapped)


def walkthroughs(session: Session, city_codes: list[str]) -> dict[str, Walkthrough]:
    """Read back from the database (a reused demo prints too): city code → its walkthrough."""
    return {code: _walkthrough(session, code) for code in city_codes}


def _walkthrough(session: Session, city_code: str) -> Walkthrough:
    from huanxin.recycling.scrapped.demo import walkthrough_certificate  # imported late: that demo reads this one

    moment = now()
    ready = session.execute(
        select(User.username, Qualification.id, Qualification.category, Programme.kind, Programme.rules_code)
        .join(Person, Person.user_id == User.id).join(Qualification, Qualification.person_id == Person.id)
        .join(Programme, Programme.id == Qualification.programme_id)
        .where(User.city_code == city_code, User.role == Role.RESIDENT.value, User.active.is_(True),
               Qualification.status == "active", Qualification.expires_at > moment)
        .order_by(User.username, Qualification.id).limit(1)).first()
    car = session.scalar(select(Programme).where(Programme.city_code == city_code, Programme.code == OPEN_CAR))
    kind = ready.kind if ready is not None else None
    n = int(city_code) % 1000
    first17 = f"{city_code}19991231{n % 1000:03d}"
    return Walkthrough(
        resident=ready.username if ready else None, qualification_id=ready.id if ready else None,
        category=evaluation.category_label(ready.rules_code, ready.category) if ready else "",
        retailer=_admitted_login(session, city_code, kind) if kind else None,
        dealer=_admitted_login(session, city_code, car.kind) if car is not None else None,
        car_programme=car.name if car is not None else None, buyer_id_number=first17 + id_check_char(first17),
        new_vin=_vin("LGX", 990_000 + n), old_vin=_vin("LFV", 990_000 + n),
        scrap_certificate=walkthrough_certificate(city_code))


def _admitted_login(session: Session, city_code: str, kind: str) -> str | None:
    """The first login of an admitted retailer of the city that may redeem this programme kind."""
    rows = session.execute(select(User.username, Retailer.kinds).join(Retailer, Retailer.unit_id == User.unit_id)
                           .where(Retailer.city_code == city_code, Retailer.status == "admitted",
                                  User.active.is_(True)).order_by(User.username)).all()
    return next((username for username, kinds in rows if kind in (kinds or [])), None)
