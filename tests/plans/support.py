"""Lookups shared by the ledger, Excel and briefing tests."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.orgs.models import Unit, User
from huanxin.orgs.scope import Scope
from huanxin.orgs.service import scope_of
from huanxin.plans.models import Plan, Task


def plan_of(db: Session, key: str) -> Plan:
    plan = db.scalar(select(Plan).where(Plan.key == key))
    assert plan is not None
    return plan


def scope_named(db: Session, username: str) -> Scope:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None
    return scope_of(user)


def unit_scope(db: Session, city_code: str, unit_name: str) -> Scope:
    user = db.scalar(select(User).join(Unit, Unit.id == User.unit_id)
                     .where(Unit.city_code == city_code, Unit.name == unit_name))
    assert user is not None
    return scope_of(user)


def task_titled(db: Session, plan: Plan, title: str) -> Task:
    task = db.scalar(select(Task).where(Task.plan_id == plan.id, Task.title == title))
    assert task is not None
    return task
