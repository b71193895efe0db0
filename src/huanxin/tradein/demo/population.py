"""Reference prices, programmes, retailers and residents of each demo city."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from huanxin.kit import pii
from huanxin.kit.clock import now
from huanxin.kit.identifiers import credit_check_char, id_check_char, luhn_ok
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.tradein.demo.ledger import _at
from huanxin.tradein.demo.specs import (
    ACTOR,
    GIVEN,
    MODELS,
    OPEN_CAR,
    PROGRAMME_MIX,
    REFERENCE_WINDOW,
    STORE_KINDS,
    SURNAMES,
    CitySpec,
    Ids,
    Resident,
    Rows,
    Shop,
    Summary,
)
from huanxin.tradein.models import (
    Programme,
    ReferencePrice,
    Retailer,
    RetailerStatusChange,
)
from huanxin.tradein.programmes import setup as programmes_service
from huanxin.tradein.residents import realname

# ---- reference prices, programmes, retailers, residents -------------------------------------


def _reference_prices(session: Session, city_codes: list[str], rng: random.Random) -> None:
    """Frozen by each city from the three months before the national appliance programme (先涨价后补贴
    control): one market's prices, so nearly the same in every city."""
    window, _ = REFERENCE_WINDOW
    rows = [
        {"city_code": city_code, "category": category, "brand": brand, "model": model.replace(" ", "").upper(),
         "price_fen": price * 100, "window": window, "samples": rng.randint(24, 180)}
        for city_code in city_codes
        for category, models in MODELS.items() if category != "car" and not category.startswith("home_decor")
        for brand, model, price in models
    ]
    session.execute(insert(ReferencePrice), rows)


def _programmes(session: Session, city: CitySpec) -> dict[str, Programme]:
    """The Programme rows (pools are created and funded once the generated usage is known)."""
    out = {}
    for code in [*(c for c, _ in PROGRAMME_MIX), OPEN_CAR]:
        programme = programmes_service.ensure_programme(
            session, city.code, code, settings={"daily_release_time": None, "qualification_days": 7}, actor=ACTOR)
        out[code] = programme
    return out


def _credit_code(rng: random.Random, region: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region + "".join(rng.choice(chars) for _ in range(9))
    return body + credit_check_char(body)


def _retailers(session: Session, city: CitySpec, rng: random.Random, on: dt.date, password_hash: str,
               summary: Summary) -> list[Shop]:
    """20–60 admitted retailers and dealers, each with a unit of kind retailer and a login
    `<city>-retailerNN`; one is suspended and one expelled, with their history."""
    count = max(20, min(60, city.claims // 900))
    specs: list[tuple[str, list[str], str]] = []
    names: set[str] = set()
    order = [0, 2, 0, 1, 3, 4]  # retailer01 sells appliances and digital, 02 is a car dealer …
    for i in range(count):
        kind_no = order[i] if i < len(order) else _pick_index(rng, [s[2] for s in STORE_KINDS])
        pattern, kinds, _, brands = STORE_KINDS[kind_no]
        place = rng.choice(["城区", "新区", "南门", "北街", "万达", "东城", "西城", "高新区", "火车站", "滨江"])
        region = rng.choice(city.counties)
        name = ""
        for _attempt in range(50):
            name = f"{city.name}" + pattern.format(brand=rng.choice(brands), place=place)
            if name not in names:
                break
            place = place + str(rng.randint(2, 9))
        if name in names:  # a dealer's name has no place in it: number the branch
            name = f"{name}（{i + 1}号店）"
        names.add(name)
        specs.append((name, kinds, region))
    unit_ids = list(session.scalars(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), [
        {"city_code": city.code, "name": name, "kind": "retailer", "region_code": region}
        for name, _, region in specs]))
    user_rows = [
        {"username": f"{city.slug}-retailer{i + 1:02d}", "display_name": name[:80], "password_hash": password_hash,
         "role": Role.RETAILER.value, "city_code": city.code, "unit_id": unit_id, "active": True}
        for i, ((name, _, _), unit_id) in enumerate(zip(specs, unit_ids, strict=True))
    ]
    session.execute(insert(User), user_rows)
    admitted_on = dt.date(2024, 4, 20)
    statuses = ["admitted"] * count
    statuses[-1], statuses[-2] = "expelled", "suspended"
    retailer_ids = list(session.scalars(insert(Retailer).returning(Retailer.id, sort_by_parameter_order=True), [
        {"city_code": city.code, "unit_id": unit_id, "name": name, "credit_code": _credit_code(rng, region),
         "region_code": region, "kinds": kinds, "status": status,
         "admitted_on": admitted_on + dt.timedelta(days=rng.randint(0, 90))}
        for (name, kinds, region), unit_id, status in zip(specs, unit_ids, statuses, strict=True)]))
    history = []
    shops: list[Shop] = []
    changed_on = on - dt.timedelta(days=20)
    for rid, (name, kinds, region), status in zip(retailer_ids, specs, statuses, strict=True):
        history.append({"retailer_id": rid, "from_status": None, "to_status": "admitted", "reason": "准入",
                        "at": _at(admitted_on, 10), "actor": f"{city.slug}-commerce"})
        if status != "admitted":
            reason = ("核查发现多笔虚构交易，清退出以旧换新活动" if status == "expelled"
                      else "价格监测发现多个型号先涨价后补贴，暂停核销待整改")
            history.append({"retailer_id": rid, "from_status": "admitted", "to_status": status, "reason": reason,
                            "at": _at(changed_on, 15), "actor": f"{city.slug}-commerce"})
        shops.append(Shop(rid, name, region, tuple(kinds), changed_on if status != "admitted" else on,
                          f"{city.slug}-retailer{len(shops) + 1:02d}"))
    session.execute(insert(RetailerStatusChange), history)
    summary.retailers += count
    summary.logins.setdefault(city.code, []).extend(
        (str(row["username"]), str(row["display_name"])) for row in user_rows[:3])
    return shops


def _pick_index(rng: random.Random, weights: list[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]


def _id_number(rng: random.Random, region: str, seen: set[str]) -> str:
    while True:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 55))
        first17 = f"{region}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        number = first17 + id_check_char(first17)
        if number not in seen:
            seen.add(number)
            return number


def _bank_card(rng: random.Random) -> str:
    """A 19-digit debit card number whose last digit is the Luhn check digit."""
    body = "622202" + f"{rng.randrange(10**12):012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):  # the check digit will sit to the right: double even positions
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    card = body + str((10 - total % 10) % 10)
    assert luhn_ok(card)
    return card


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _residents(session: Session, city: CitySpec, rng: random.Random, ids: Ids, rows: Rows, password_hash: str,
               summary: Summary) -> list[Resident]:
    """A few residents with logins (`<city>-resident01`…) and many without; every one has a valid
    ID number (GB 11643), an encrypted name, and a bank card in their own name (Luhn)."""
    count = max(60, city.claims * 10 // 22)
    named = 5
    user_rows = [{"username": f"{city.slug}-resident{i + 1:02d}", "display_name": "居民",
                  "password_hash": password_hash,
                  "role": Role.RESIDENT.value, "city_code": city.code, "unit_id": None, "active": True}
                 for i in range(named)]
    user_ids = list(session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), user_rows))
    seen: set[str] = set()
    created = now()
    residents = []
    ring_phone = "139" + f"{rng.randint(0, 99_999_999):08d}"  # one phone shared by a bulk-buying ring
    for i in range(count):
        name = _name(rng)
        number = _id_number(rng, rng.choice(city.counties), seen)
        card = _bank_card(rng)
        pid = next(ids.person)
        phone = None
        if i < named:
            phone = "13" + f"{rng.randint(0, 999_999_999):09d}"
        elif i < named + 6:
            phone = ring_phone
        rows.persons.append({
            "id": pid, "id_hash": pii.keyed_hash("id", number), "id_enc": pii.encrypt(number),
            "id_masked": pii.mask_id(number), "name_enc": pii.encrypt(name), "name_masked": pii.mask_name(name),
            "phone_hash": pii.keyed_hash("phone", phone) if phone else None,
            "phone_enc": pii.encrypt(phone) if phone else None, "address_hash": None,
            "bank_card_hash": pii.keyed_hash("card", card), "bank_card_enc": pii.encrypt(card),
            "bank_card_masked": pii.mask_card(card), "user_id": user_ids[i] if i < named else None,
            "created_at": created - dt.timedelta(days=rng.randint(30, 900)),
        })
        # Every resident is on the population register the real-name check reads, with their
        # card and the phone the bank holds for it, so each passes 实名认证 and the card check.
        rows.register.append(realname.register_row(
            id_number=number, name=name, bank_card=card,
            phone=phone if phone and phone != ring_phone else f"137{pid % 10**8:08d}"))  # no draw: rng order kept
        residents.append(Resident(pid, name))
    summary.persons += count
    summary.logins.setdefault(city.code, []).extend(
        (str(row["username"]), f"居民 {residents[i].name}") for i, row in enumerate(user_rows[:3]))
    for uid, resident in zip(user_ids, residents, strict=False):
        session.execute(update(User).where(User.id == uid).values(display_name=resident.name))
    return residents
