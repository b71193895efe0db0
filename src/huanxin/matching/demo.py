"""The demo's supply catalogue for one city: the library's enterprises become suppliers listing a few
thousand products across the taxonomy (the hand-written phrases of matching.sheets, the same ones the
bench reads), and the buyers of declared projects contact suppliers from their ranked lists and sign
some deals. Run after the project library's demo (it reads its enterprises and equipment lines).

Most products ship from the supplier's own county; one in four from a production base in another
province (深圳、苏州、杭州), so that the ranked lists show local suppliers first beside non-local ones."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.kit.clock import now, today
from huanxin.matching import rank as engine
from huanxin.matching.catalogue import deals, matches
from huanxin.matching.catalogue import repository as repo
from huanxin.matching.catalogue.models import MatchContact, MatchDeal, SupplyProduct
from huanxin.matching.sheets import SHEETS, Sheet
from huanxin.matching.taxonomy import load as load_taxonomy
from huanxin.orgs.models import User
from huanxin.projects.models import Enterprise

SUPPLIERS = 40
CLASSES_PER_SUPPLIER = 5
BASES = ("440304", "320505", "330106")  # 深圳福田, 苏州姑苏, 杭州西湖
LEVELS = ("advanced", "advanced", "saving", "saving", "entry", "below")
PRICE_PER_STEP_FEN = {"motor_induction": 2_000_00, "motor_pm": 2_600_00, "vfd": 900_00, "transformer_oil": 12_000_00,
                      "transformer_dry": 15_000_00, "ct": 3_000_000_00, "ultrasound": 400_000_00}
CONTACTS = 60


def _fmt(value: float) -> str:
    return f"{value:g}"


def _products(sheet: Sheet, owner: Enterprise, rng: random.Random, serial: int) -> list[SupplyProduct]:
    tax = load_taxonomy()
    param = tax.param_of(sheet.key)
    step = PRICE_PER_STEP_FEN.get(sheet.key, 50_000_00)
    found = []
    for i, size in enumerate(sheet.sizes):
        for j, template in enumerate(sheet.products):
            level = rng.choice(LEVELS) if sheet.efficiency else None
            region = rng.choice(BASES) if rng.random() < 0.25 else owner.region_code
            low = step * (i + 1) * rng.randint(80, 120) // 100
            until = today() + dt.timedelta(days=rng.randint(-200, 900))
            credentials = ([{"kind": rng.choice(("first_set", "specialised", "champion", "green")),
                             "valid_until": until.isoformat()}] if rng.random() < 0.3 else [])
            at = now()
            found.append(SupplyProduct(
                city_code=owner.city_code, enterprise_id=owner.id, code=f"SP{serial:03d}-{sheet.key}-{i}{j}",
                category=sheet.key, name=template.replace("{v}", _fmt(size)), spec="质保三年，含安装调试",
                params={param: float(size)} if param else {}, efficiency_level=level,
                efficiency_grade={"advanced": 1, "saving": 2, "entry": 3}.get(level or "") if level else None,
                price_min_fen=low, price_max_fen=low * 115 // 100, region_code=region,
                delivery_days=rng.choice((7, 15, 30, 45, 60)), credentials=credentials,
                on_sale=rng.random() > 0.05, created_at=at, updated_at=at))
    return found


def _users_by_unit(session: Session, city_code: str) -> dict[int, int]:
    rows = session.execute(select(User.unit_id, User.id).where(User.city_code == city_code, User.role == "enterprise",
                                                               User.unit_id.is_not(None))).tuples()
    return {int(unit): int(user) for unit, user in rows if unit is not None}


def _contacts(session: Session, city_code: str, rng: random.Random) -> int:
    """Buyers contact the top suppliers of some demand items; about half of the contacts sign."""
    cat = matches.city_catalogue(session, city_code)
    users = _users_by_unit(session, city_code)
    units = dict(session.execute(select(Enterprise.id, Enterprise.unit_id).where(Enterprise.city_code == city_code))
                 .tuples().all())
    lines = [(row, project, d) for row, project in repo.open_demand_lines(session, city_code)
             if (d := matches.demand_of(row, project)) is not None]
    rng.shuffle(lines)
    made = 0
    chosen = lines[:CONTACTS]
    for (row, project, _), ranked in zip(chosen, engine.rank([d for *_, d in chosen], cat, 3), strict=True):
        user_id = users.get(units.get(project.enterprise_id) or -1)
        if user_id is None:
            continue
        for verdict in ranked.matches[:rng.randint(1, 2)]:
            product = session.get(SupplyProduct, int(verdict.product_id))
            assert product is not None
            contact = MatchContact(city_code=city_code, project_id=project.id, equipment_id=row.id,
                                   product_id=product.id, buyer_enterprise_id=project.enterprise_id,
                                   supplier_enterprise_id=product.enterprise_id, region_code=project.region_code,
                                   field=project.field, score=round(verdict.score, 1),
                                   explanation=verdict.explanation(), note="", created_by_user_id=user_id,
                                   created_at=now())
            session.add(contact)
            session.flush()
            made += 1
            if rng.random() < 0.5:
                where = deals.locality(project.region_code, product.region_code)
                session.add(MatchDeal(city_code=city_code, contact_id=contact.id,
                                      amount_fen=(product.price_min_fen or 1_000_00) * max(row.quantity, 1),
                                      signed_on=today() - dt.timedelta(days=rng.randint(0, 90)),
                                      region_code=project.region_code, field=project.field, locality=where,
                                      local=where in ("county", "city"), created_by_user_id=user_id,
                                      created_at=now()))
                break  # one deal per demand item
    session.flush()
    return made


def seed(session: Session, city_code: str, rng: random.Random) -> int:
    """Suppliers' products, contacts and deals of one city; returns the number of products."""
    owners = list(session.scalars(select(Enterprise).where(Enterprise.city_code == city_code)
                                  .order_by(Enterprise.id).limit(SUPPLIERS)))
    count = 0
    for serial, owner in enumerate(owners):
        for sheet in rng.sample(SHEETS, CLASSES_PER_SUPPLIER):
            rows = _products(sheet, owner, rng, serial)
            session.add_all(rows)
            count += len(rows)
    session.flush()
    if count:
        _contacts(session, city_code, rng)
    return count
