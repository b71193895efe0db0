"""Builders for the enterprise tests: scopes of the seeded 资阳 users, valid credit codes, enterprises
and enterprise accounts."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD

from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import credit_code as cc
from huanxin.projects import enterprises
from huanxin.projects.models import Enterprise

CITY, OTHER_CITY = "512000", "370784"
YANJIANG, ANYUE = "512002", "512021"  # counties of 资阳
_seq = itertools.count(1)
RUN = uuid.uuid4().hex[:5]


def scope(db: Session, username: str) -> Scope:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return orgs_service.scope_of(user)


def office(db: Session) -> Scope:
    return scope(db, "ziyang-office")


def county(db: Session, region: str = YANJIANG) -> Scope:
    return scope(db, f"ziyang-county-{region}")


def credit_code(k: int | None = None, head: str = "91512002") -> str:
    k = next(_seq) * 7919 + int(RUN, 16) % 100_000 if k is None else k
    digits = f"{k:08d}"[-8:]
    body = "MA" + digits[2:]
    return cc.complete(head + body + cc.organisation_check_char(body))


def data(name: str | None = None, region: str = YANJIANG, **extra: object) -> enterprises.EnterpriseInput:
    values: dict[str, object] = {
        "name": name or f"测试机械有限公司{RUN}{next(_seq)}", "credit_code": credit_code(), "industry_code": "3812",
        "region_code": region, "above_scale": True, "flags": ["specialised"], "contact_name": "王经理",
        "contact_phone": "13800138000", "address": "雁江区工业园1号"}
    values.update(extra)
    return enterprises.EnterpriseInput.model_validate(values)


def enterprise(db: Session, region: str = YANJIANG, **extra: object) -> Enterprise:
    return enterprises.register(db, office(db), CITY, data(region=region, **extra)).enterprise


def enterprise_user(db: Session, item: Enterprise) -> str:
    """An account of the enterprise with the tests' password (no forced change)."""
    username = f"ent-{RUN}-{item.id}"
    orgs_service.create_user(db, username=username, password=PASSWORD, display_name=item.name, role=Role.ENTERPRISE,
                             city_code=item.city_code, unit_id=item.unit_id)
    return username
