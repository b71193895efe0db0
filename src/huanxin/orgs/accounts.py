"""Account management (issue 11, item 9), as the admin frameworks government vendors build on have it.

The office of a city creates, edits, disables and re-enables its city's accounts, resets their
passwords and lifts their sign-in lockouts. A department manages the staff accounts of its own unit
when the office allowed it (`Unit.manages_own_accounts`). Every change is audited. A new account
and a reset get a temporary password, shown once; it must be changed at the next sign-in
(`User.must_change_password`, enforced for every route by web.deps).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit import audit, pii
from huanxin.kit.clock import now
from huanxin.kit.identifiers import validate_phone
from huanxin.kit.passwords import hash_password, verify_password
from huanxin.orgs import service as orgs_service
from huanxin.orgs import throttle
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import ROLE_LABELS, Role
from huanxin.orgs.scope import Scope

DEMO_PASSWORD = "huanxin2024"  # printed by the demo for every account: never a real password
PASSWORD_MIN_LENGTH = 10
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,59}")
UNIT_ROLES = (Role.DEPARTMENT, Role.COUNTY)

ACCOUNT_STATES = {"active": "正常", "must_change": "待修改初始密码", "locked": "已锁定", "disabled": "已停用"}


@dataclass(frozen=True)
class Manager:
    """Who manages accounts, and which: the whole city (the office) or one unit's staff."""

    scope: Scope
    city_code: str
    unit_id: int | None  # None: every account of the city

    @property
    def actor(self) -> str:
        return self.scope.username

    def grantable_roles(self) -> list[Role]:
        # The office grants every role, always in its own city; a department only its own staff's.
        return list(Role) if self.unit_id is None else [Role.DEPARTMENT]


@dataclass(frozen=True)
class AccountInput:
    username: str
    display_name: str
    role: str
    unit_id: int | None = None
    phone: str = ""


@dataclass(frozen=True)
class AccountChanges:
    display_name: str | None = None
    role: str | None = None
    set_unit: bool = False  # whether unit_id was given (None then means no unit)
    unit_id: int | None = None
    phone: str | None = None  # "" removes it


@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None
    unit_name: str | None
    phone: str  # masked
    state: str
    last_signin_at: dt.datetime | None
    locked_until: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.state != "disabled"


def manager_for(session: Session, scope: Scope, city_code: str) -> Manager:
    """The caller as a manager of the city's accounts: another city's answers 404, a role (or a
    department without the office's leave) that may not manage accounts 403."""
    scope.require_city(city_code)
    if scope.is_office:
        return Manager(scope, city_code, None)
    if scope.role == Role.DEPARTMENT and scope.unit_id is not None:
        unit = session.get(Unit, scope.unit_id)
        if unit is not None and unit.manages_own_accounts:
            return Manager(scope, city_code, unit.id)
        raise Forbidden("专班办公室尚未允许本单位管理本单位的账号", field="unit_id")
    raise Forbidden("只有专班办公室（或经其允许的部门）可以管理账号")


def check_new_password(username: str, password: str, field: str = "new_password") -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"新密码至少 {PASSWORD_MIN_LENGTH} 个字符", field=field)
    if password.strip().lower() == username.strip().lower():
        raise InvalidInput("新密码不能与用户名相同", field=field)
    if password == DEMO_PASSWORD:
        raise InvalidInput("新密码不能使用演示账号的公开密码", field=field)


# ---- reading -------------------------------------------------------------------------------------

def list_accounts(session: Session, manager: Manager, *, role: str | None = None, unit_id: int | None = None,
                  state: str | None = None) -> list[AccountRow]:
    query = select(User).where(User.city_code == manager.city_code).order_by(User.role, User.username)
    if manager.unit_id is not None:
        query = query.where(User.unit_id == manager.unit_id, User.role == Role.DEPARTMENT.value)
    if role:
        query = query.where(User.role == role)
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    users = list(session.scalars(query))
    locked = throttle.locked_accounts(session, [u.username for u in users])
    rows = [_row(u, locked.get(u.username[:64])) for u in users]
    return [r for r in rows if not state or r.state == state]


def _row(user: User, locked_until: dt.datetime | None) -> AccountRow:
    if not user.active:
        state = "disabled"
    elif locked_until is not None:
        state = "locked"
    elif user.must_change_password:
        state = "must_change"
    else:
        state = "active"
    # A resident's account name is their real name (PIPL): masked, as on the log page.
    name = pii.mask_name(user.display_name) if user.role == Role.RESIDENT.value else user.display_name
    return AccountRow(id=user.id, username=user.username, display_name=name, role=user.role, unit_id=user.unit_id,
                      unit_name=user.unit.name if user.unit else None, phone=masked_phone(user), state=state,
                      last_signin_at=user.last_signin_at, locked_until=locked_until)


def masked_phone(user: User) -> str:
    return pii.mask_phone(pii.decrypt(user.phone_encrypted)) if user.phone_encrypted else ""


def account_row(session: Session, manager: Manager, user_id: int) -> AccountRow:
    user = account(session, manager, user_id)
    return _row(user, throttle.locked_accounts(session, [user.username]).get(user.username[:64]))


def account(session: Session, manager: Manager, user_id: int) -> User:
    """One account the manager may manage: another city's answers 404, another unit's 403."""
    user = session.get(User, user_id)
    if user is None or user.city_code != manager.city_code:
        raise NotFound("未找到该账号")
    if manager.unit_id is not None and (user.unit_id != manager.unit_id or user.role != Role.DEPARTMENT.value):
        raise Forbidden("只能管理本单位工作人员的账号")
    return user


def assignable_units(session: Session, manager: Manager) -> list[Unit]:
    units = orgs_service.units_of_city(session, manager.city_code)
    return [u for u in units if manager.unit_id is None or u.id == manager.unit_id]


# ---- changing ------------------------------------------------------------------------------------

def create_account(session: Session, manager: Manager, data: AccountInput) -> tuple[User, str]:
    """The new account and its temporary password (shown once; only its hash is kept)."""
    username = data.username.strip()
    if not _USERNAME.fullmatch(username):
        raise InvalidInput("用户名须为 3–60 位字母、数字、点、下划线或连字符，以字母或数字开头", field="username")
    role = _grantable(manager, data.role)
    unit = _unit_for(session, manager, role, data.unit_id)
    display_name, phone = _display_name(data.display_name), _phone(data.phone)  # every check before any write
    password = orgs_service.random_password()
    user = orgs_service.create_user(
        session, username=username, password=password, display_name=display_name, role=role,
        city_code=manager.city_code, unit_id=unit.id if unit else None, actor=manager.actor,
    )
    user.must_change_password = True
    user.phone_encrypted = phone
    session.flush()
    return user, password


def update_account(session: Session, manager: Manager, user_id: int, changes: AccountChanges) -> User:
    user = account(session, manager, user_id)
    role = _grantable(manager, changes.role) if changes.role is not None else Role(user.role)
    if role != Role(user.role):
        _may_lose_office(session, manager, user, "变更角色")
    unit = _unit_for(session, manager, role, changes.unit_id if changes.set_unit else user.unit_id)
    # Every check before any write: a refused change leaves the account as it was.
    name = _display_name(changes.display_name) if changes.display_name is not None else user.display_name
    phone = validate_phone(changes.phone) if changes.phone else ("" if changes.phone == "" else None)
    changed: dict[str, object] = {}
    if name != user.display_name:
        changed["display_name"] = [user.display_name, name]
        user.display_name = name
    if role.value != user.role:
        changed["role"] = [user.role, role.value]
        user.role = role.value
    if (unit.id if unit else None) != user.unit_id:
        changed["unit_id"] = [user.unit_id, unit.id if unit else None]
        user.unit_id = unit.id if unit else None
    if phone is not None and phone != (pii.decrypt(user.phone_encrypted) if user.phone_encrypted else ""):
        changed["phone"] = "changed" if phone else "removed"  # never the number itself
        user.phone_encrypted = pii.encrypt(phone) if phone else None
    session.flush()
    if changed:
        if "role" in changed or "unit_id" in changed:
            orgs_service.end_sessions(session, user.id)  # a signed-in scope must not keep the old rights
        _audit(session, manager, "update_account", user, changed)
    return user


def disable_account(session: Session, manager: Manager, user_id: int) -> User:
    """Disables the account and ends its sessions at once (pages and API tokens)."""
    user = account(session, manager, user_id)
    _may_lose_office(session, manager, user, "停用")
    if not user.active:
        return user
    user.active = False
    user.disabled_at = now()
    ended = orgs_service.end_sessions(session, user.id)
    _audit(session, manager, "disable_account", user, {"sessions_ended": ended})
    return user


def enable_account(session: Session, manager: Manager, user_id: int) -> User:
    user = account(session, manager, user_id)
    if user.active:
        return user
    user.active = True
    user.disabled_at = None
    session.flush()
    _audit(session, manager, "enable_account", user, {})
    return user


def reset_account_password(session: Session, manager: Manager, user_id: int) -> tuple[User, str]:
    """A new temporary password (shown once), to be changed at the next sign-in; the account's
    sessions end and a lockout on it is lifted (orgs.service.reset_password audits it)."""
    user = account(session, manager, user_id)
    password = orgs_service.reset_password(session, user.id, manager.actor)
    user.must_change_password = True
    session.flush()
    return user, password


def unlock_account(session: Session, manager: Manager, user_id: int) -> User:
    user = account(session, manager, user_id)
    throttle.lift_account_lock(session, user.username)
    _audit(session, manager, "unlock_account", user, {})
    return user


def set_manages_own_accounts(session: Session, scope: Scope, city_code: str, unit_id: int, allowed: bool) -> Unit:
    """The office allows (or no longer allows) a unit's department users to manage its staff accounts."""
    scope.require_city(city_code)
    scope.require_office()
    unit = session.get(Unit, unit_id)
    if unit is None or unit.city_code != city_code:
        raise NotFound("未找到该单位")
    if unit.manages_own_accounts != allowed:
        unit.manages_own_accounts = allowed
        session.flush()
        audit.record(session, actor=scope.username, action="set_unit_manages_own_accounts", entity="unit",
                     entity_id=unit.id, city_code=city_code, detail={"unit": unit.name, "allowed": allowed})
    return unit


def change_own_password(session: Session, scope: Scope, token: str | None, current: str, new: str) -> None:
    """The signed-in user's own change: the current password, then the rules; the user's other
    sessions end, this one goes on (and may now reach everything its role allows)."""
    user = session.get(User, scope.user_id)
    if user is None or not user.active:
        raise NotFound("未找到该账号")
    if not verify_password(current, user.password_hash):
        raise InvalidInput("当前密码不正确", field="current_password")
    check_new_password(user.username, new)
    if verify_password(new, user.password_hash):
        raise InvalidInput("新密码不能与当前密码相同", field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    ended = orgs_service.end_sessions(session, user.id, keep_token=token)
    audit.record(session, actor=user.username, action="change_password", entity="user", entity_id=user.id,
                 city_code=user.city_code, detail={"username": user.username, "other_sessions_ended": ended})


# ---- the rules -----------------------------------------------------------------------------------

def _grantable(manager: Manager, role_text: str) -> Role:
    try:
        role = Role(role_text)
    except ValueError:
        raise InvalidInput(f"角色“{role_text}”不存在", field="role") from None
    if role not in manager.grantable_roles():
        raise Forbidden(f"您不能授予“{ROLE_LABELS[role]}”角色", field="role")
    return role


def _unit_for(session: Session, manager: Manager, role: Role, unit_id: int | None) -> Unit | None:
    if manager.unit_id is not None and unit_id != manager.unit_id:
        raise Forbidden("只能把账号分配到本单位", field="unit_id")
    if unit_id is None:
        if role in UNIT_ROLES:
            raise InvalidInput("部门和县区账号必须选择所属单位", field="unit_id")
        return None
    unit = session.get(Unit, unit_id)
    if unit is None or unit.city_code != manager.city_code:
        raise InvalidInput("所属单位不是本市登记的单位", field="unit_id")
    return unit


def _may_lose_office(session: Session, manager: Manager, user: User, what: str) -> None:
    """An office may not disable (or demote) itself, nor the city's last active office account."""
    if user.id == manager.scope.user_id:
        raise Forbidden(f"不能{what}自己的账号", field="user_id")
    if user.role != Role.OFFICE.value or not user.active:
        return
    others = session.scalar(select(func.count()).select_from(User).where(
        User.city_code == manager.city_code, User.role == Role.OFFICE.value, User.active, User.id != user.id)) or 0
    if others == 0:
        raise Forbidden(f"不能{what}本市最后一个专班办公室账号", field="user_id")


def _display_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise InvalidInput("“姓名或名称”为必填项", field="display_name")
    if len(name) > 80:
        raise InvalidInput("“姓名或名称”不能超过 80 字", field="display_name")
    return name


def _phone(value: str) -> str | None:
    return pii.encrypt(validate_phone(value)) if value.strip() else None


def _audit(session: Session, manager: Manager, action: str, user: User, detail: dict[str, object]) -> None:
    audit.record(session, actor=manager.actor, action=action, entity="user", entity_id=user.id,
                 city_code=user.city_code, detail={"username": user.username, **detail})
