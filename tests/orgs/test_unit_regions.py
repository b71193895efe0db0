"""Every county-level unit carries the GB/T 2260 code it works in, so its users' scope names their
region: 安丘市 (370784) is a county-level city, its towns, 街道 and zone lie in it; a prefecture
city's county government is found by its name; a zone that names no county stays without one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role

ANQIU, ZIYANG = "370784", "512000"


def test_every_county_level_unit_of_anqiu_and_its_county_account_carry_370784(db: Session) -> None:
    units = list(db.scalars(select(Unit).where(Unit.city_code == ANQIU,
                                               Unit.kind.in_(orgs_service.COUNTY_LEVEL_KINDS))))
    assert units and {u.region_code for u in units} == {ANQIU}, [(u.name, u.region_code) for u in units]
    accounts = list(db.scalars(select(User).where(User.city_code == ANQIU, User.role == Role.COUNTY)))
    assert accounts
    for account in accounts:
        assert orgs_service.scope_of(account).region_code == ANQIU, account.username


def test_a_new_county_unit_gets_the_county_its_name_begins_with(db: Session) -> None:
    office = orgs_service.ensure_unit(db, city_code=ZIYANG, name="雁江区人民政府办公室", kind="county", aliases=[],
                                      region_code=None)
    assert office.region_code == "512002"
    zone = orgs_service.ensure_unit(db, city_code=ZIYANG, name="某某产业园管委会", kind="zone", aliases=[],
                                    region_code=None)
    assert zone.region_code is None  # no county named: never a guess
    given = orgs_service.ensure_unit(db, city_code=ZIYANG, name="乐至县某镇人民政府", kind="town", aliases=[],
                                     region_code="512021")
    assert given.region_code == "512021"  # the plan's own code wins
    department = orgs_service.ensure_unit(db, city_code=ZIYANG, name="安岳县某局驻市办事处", kind="department",
                                          aliases=[], region_code=None)
    assert department.region_code is None  # not a county-level unit


def test_a_unit_created_without_a_code_gets_it_when_ensured_again(db: Session) -> None:
    unit = Unit(city_code=ANQIU, name="新设街道办事处", kind="town", region_code=None)
    db.add(unit)
    db.flush()
    again = orgs_service.ensure_unit(db, city_code=ANQIU, name="新设街道办事处", kind="town", aliases=[],
                                     region_code=None)
    assert again.id == unit.id and again.region_code == ANQIU
