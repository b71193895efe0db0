"""The office's log page as a read model: accounts, audit trail and operation log with residents'
personal data masked (PIPL: the office needs who did what, not whose ID number it was). Every
page, API or export of these logs reads this, so none of them shows a real name."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.kit import pii
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import ROLE_LABELS, Role
from huanxin.web import labels

# Operators that are not people: the platform itself and its command line.
SYSTEM_ACTORS = {"system": "系统", "cli": "系统（命令行）", "demo": "演示数据生成",
                 "tradein-feed": "以旧换新数据汇入"}
_FIGURE = re.compile(r"[\d\-:.T+ ]+")


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
    detail: str  # the raw detail as JSON (masked): for the staff-only disclosure and exports
    hash: str
    # What a cadre reads: the operator's name and unit, the action and object in Chinese, the detail in words.
    actor_name: str = ""
    action_label: str = ""
    entity_label: str = ""
    detail_words: str = ""


@dataclass(frozen=True)
class OperationRow:
    at: dt.datetime
    username: str
    action: str
    target: str
    actor_name: str = ""  # display name and unit, as the audit rows


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
    people = _operators(session, city_code, users)
    records = [
        AuditRow(at=r.at, actor=r.actor, action=r.action, entity=r.entity, entity_id=r.entity_id,
                 detail=pii.mask_text(json.dumps(r.detail, ensure_ascii=False, default=str), names), hash=r.hash,
                 actor_name=people.get(r.actor, r.actor),
                 action_label=labels.AUDIT_ACTION.get(r.action, "其他操作"),
                 entity_label=labels.AUDIT_ENTITY.get(r.entity, "其他对象"),
                 detail_words=pii.mask_text(detail_words(r.detail), names))
        for r in orgs_service.recent_audit(session, city_code)
    ]
    operations = [OperationRow(at=op.at, username=name, action=op.action, target=pii.mask_text(op.target, names),
                               actor_name=people.get(name, name))
                  for op, name in orgs_service.recent_operations(session, city_code)]
    return CityLogs(users=accounts, records=records, operations=operations)


def _operators(session: Session, city_code: str, users: list[User]) -> dict[str, str]:
    """username → "名称（单位）": an operator is a person of a unit, not an account name. A resident
    is shown by the masked name only."""
    units = {u.id: u.name for u in orgs_service.units_of_city(session, city_code)}
    out = dict(SYSTEM_ACTORS)
    for u in users:
        if u.role == Role.RESIDENT.value:
            out[u.username] = f"{pii.mask_name(u.display_name)}（居民）"
            continue
        unit = units.get(u.unit_id) if u.unit_id else None
        out[u.username] = f"{u.display_name}（{unit}）" if unit and unit != u.display_name else u.display_name
    return out


def _detail_value(key: str, value: object) -> str | None:
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key.endswith("_fen") and isinstance(value, int):
        return f"{value / 100:,.2f} 元"
    if isinstance(value, int | float):
        return labels.quantity(value, "")
    if isinstance(value, list):
        return f"{len(value)} 项"
    if isinstance(value, str):
        if key == "role":
            return ROLE_LABELS.get(Role(value), value) if value in Role._value2member_map_ else None
        # Chinese text, or a date, time or number; an ASCII word is a code and is left to the raw detail.
        return value if not value.isascii() or _FIGURE.fullmatch(value) else None
    return None


def detail_words(detail: dict[str, object] | None) -> str:
    """An audit record's detail in words ("数值 6,572；原值 无"): the fields a cadre reads, with
    Chinese names; keys, codes and ids stay in the raw detail shown to staff only."""
    parts = []
    for key, value in (detail or {}).items():
        label = labels.AUDIT_DETAIL.get(key)
        shown = _detail_value(key, value) if label else None
        if label and shown is not None:
            parts.append(f"{label} {shown}")
    return "；".join(parts)
