"""The office's log page as a read model: accounts, audit trail and operation log with residents'
personal data masked (PIPL: the office needs who did what, not whose ID number it was). Every
page, API or export of these logs reads this, so none of them shows a real name."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.kit import pii
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role


@dataclass(frozen=True)
class AccountRow:
    username: str
    display_name: str
    role: str


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: str
    hash: str


@dataclass(frozen=True)
class OperationRow:
    at: dt.datetime
    username: str
    action: str
    target: str


@dataclass(frozen=True)
class CityLogs:
    users: list[AccountRow]
    records: list[AuditRow]
    operations: list[OperationRow]


def city_logs(session: Session, city_code: str) -> CityLogs:
    users = orgs_service.users_of_city(session, city_code)
    # A resident's account name is their real name; it is masked in the list and wherever it
    # was written into a note.
    names = [u.display_name for u in users if u.role == Role.RESIDENT.value]
    accounts = [AccountRow(u.username, pii.mask_name(u.display_name) if u.role == Role.RESIDENT.value
                           else u.display_name, u.role) for u in users]
    records = [
        AuditRow(at=r.at, actor=r.actor, action=r.action, entity=r.entity, entity_id=r.entity_id,
                 detail=pii.mask_text(json.dumps(r.detail, ensure_ascii=False, default=str), names), hash=r.hash)
        for r in orgs_service.recent_audit(session, city_code)
    ]
    operations = [OperationRow(at=op.at, username=name, action=op.action, target=pii.mask_text(op.target, names))
                  for op, name in orgs_service.recent_operations(session, city_code)]
    return CityLogs(users=accounts, records=records, operations=operations)
