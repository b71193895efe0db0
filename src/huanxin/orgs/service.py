"""Units, users, login and sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from functools import cache

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from huanxin.config import get_settings
from huanxin.errors import InvalidInput, NotAuthenticated, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import aware, now
from huanxin.kit.passwords import hash_password, verify_password
from huanxin.orgs import scope_cache, throttle
from huanxin.orgs.models import OperationLog, Region, Unit, UnitAlias, User, UserSession
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_operation(session: Session, scope: Scope | None, action: str, target: str = "") -> None:
    session.add(OperationLog(
        at=now(), user_id=scope.user_id if scope else None,
        city_code=scope.city_code if scope else None, action=action, target=target[:200],
    ))


@cache
def _dummy_hash() -> str:
    """A hash no password matches, made as every password's is: an unknown or disabled user's
    wrong password is checked against it, so it takes as long as a known user's."""
    return hash_password(secrets.token_urlsafe(16))


def login(session: Session, username: str, password: str, address: str = "") -> tuple[str, Scope]:
    """Checks the password and opens a server-side session; returns (cookie token, scope).

    `address` is the client's network address, for the throttling (orgs.throttle). A refusal
    writes the failure (and any lockout): the caller commits it before answering."""
    name = username.strip()
    dummy = _dummy_hash()  # made before the first check of any kind, so the first one is not slower
    throttle.refuse_if_locked(session, name[:60], address[:64])
    found = session.scalar(select(User).where(User.username == name))
    user = found if found is not None and found.active else None
    # Always one scrypt check, against the dummy hash when there is no such (active) user.
    matches = verify_password(password, user.password_hash if user is not None else dummy)
    if user is None or not matches:
        throttle.record_failure(session, name[:60], address[:64], found.city_code if found is not None else None)
        raise NotAuthenticated("用户名或密码错误", field="password")
    throttle.forget_failures(session, name[:60])
    token = secrets.token_urlsafe(32)
    started = now()
    user.last_signin_at = started
    session.add(UserSession(
        token_hash=_token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
        created_at=started, expires_at=started + dt.timedelta(hours=get_settings().session_hours),
    ))
    session.flush()
    scope = scope_for_token(session, token)
    assert scope is not None
    log_operation(session, scope, "登录")
    return token, scope


def logout(session: Session, token: str) -> None:
    """Ends the session (a page's cookie or an API bearer token alike): its row is deleted, and
    this process's sign-in cache stops honouring it at once (other workers' within
    scope_cache.TTL_SECONDS)."""
    row = session.get(UserSession, _token_hash(token))
    if row is not None:
        log_operation(session, scope_of(row.user), "退出登录")
        session.delete(row)
        session.flush()
    _now_and_after_commit(session, lambda: scope_cache.revoke(token))


def _now_and_after_commit(session: Session, revoke: Callable[[], None]) -> None:
    """Revokes in the sign-in cache now, and again once the deletion is committed: a lookup that
    ran between the two still saw the session row, and must not stay cached."""
    revoke()
    event.listen(session, "after_commit", lambda _session: revoke(), once=True)


def end_sessions(session: Session, user_id: int, keep_token: str | None = None) -> int:
    """Ends every session of the user (but `keep_token`'s, the one changing its own password):
    their rows go, and the sign-in cache forgets the user's tokens now and after the commit.
    Returns how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_token is not None:
        query = query.where(UserSession.token_hash != _token_hash(keep_token))
    ended = session.execute(query)
    session.flush()
    _now_and_after_commit(session, lambda: scope_cache.revoke_user(user_id))
    return int(getattr(ended, "rowcount", 0) or 0)


def scope_for_token(session: Session, token: str) -> Scope | None:
    found = signed_in(session, token)
    return found[0] if found is not None else None


def signed_in(session: Session, token: str) -> tuple[Scope, dt.datetime] | None:
    """The token's scope and when its session ends; None for an unknown, expired or disabled one."""
    row = session.get(UserSession, _token_hash(token))
    if row is None or aware(row.expires_at) < now() or not row.user.active:
        return None
    return scope_of(row.user, row.csrf_token), aware(row.expires_at)


def scope_of(user: User, csrf_token: str = "") -> Scope:
    unit = user.unit
    return Scope(
        user_id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
        city_code=user.city_code or "", unit_id=unit.id if unit else None, unit_name=unit.name if unit else None,
        region_code=unit.region_code if unit else None, csrf_token=csrf_token,
        unit_kind=unit.kind if unit else None,
        must_change_password=bool(user.must_change_password),
    )


def create_user(
    session: Session, *, username: str, password: str, display_name: str, role: Role,
    city_code: str, unit_id: int | None, password_hash: str | None = None, actor: str = "system",
) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"用户名“{username}”已存在", field="username")
    if role in (Role.DEPARTMENT, Role.COUNTY) and unit_id is None:
        raise InvalidInput("部门和县区用户必须属于一个单位", field="unit_id")
    user = User(
        username=username, display_name=display_name, role=role.value, city_code=city_code,
        unit_id=unit_id, password_hash=password_hash or hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="create_user", entity="user", entity_id=user.id,
                 city_code=city_code, detail={"username": username, "role": role.value})
    return user


# A password a person can type from the screen: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 14


def random_password() -> str:
    """14 characters from 56 (about 81 bits), from the operating system's CSPRNG."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def reset_password(session: Session, user_id: int, actor: str) -> str:
    """Replaces a user's password with a new random one and ends every session the user has open
    (pages and API tokens alike). Returns the new password, to be shown once: only its hash is
    kept, and the audit record names who reset whose password, never the password."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该用户")
    password = random_password()
    user.password_hash = hash_password(password)
    ended = session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    throttle.lift_account_lock(session, user.username)
    session.flush()
    _now_and_after_commit(session, lambda: scope_cache.revoke_user(user.id))
    audit.record(session, actor=actor, action="reset_password", entity="user", entity_id=user.id,
                 city_code=user.city_code,
                 detail={"username": user.username, "sessions_ended": int(getattr(ended, "rowcount", 0) or 0)})
    return password


def load_regions(session: Session, regions: list[dict[str, str]]) -> None:
    known = set(session.scalars(select(Region.code)))
    for item in regions:
        if item["code"] not in known:
            session.add(Region(code=item["code"], name=item["name"], level=item["level"],
                               parent_code=item.get("parent")))
    session.flush()


def region_name(session: Session, code: str) -> str:
    region = session.get(Region, code)
    return region.name if region else code


def child_regions(session: Session, code: str) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code)))


# Names that say what a unit is whatever a plan's author (or a reader's guess) called it: a company
# or a bank is not a 市直部门 (中车资阳机车, 百威啤酒 were once shown as departments).
_BANK_NAME = re.compile(r"银行|支行")
_ENTERPRISE_NAME = re.compile(r"公司|集团|有限|股份|机车|啤酒")
# The kinds of unit a plan makes responsible for its tasks: the 责任单位 lists offer these only
# (not the trade-in shops and recyclers that share the units table).
RESPONSIBLE_KINDS = ("department", "agency", "county", "zone", "town", "enterprise", "bank")


def kind_by_name(name: str, declared: str) -> str:
    """`declared`, unless it is the catch-all "department" and the name says enterprise or bank."""
    if declared != "department":
        return declared
    if _BANK_NAME.search(name):
        return "bank"
    if _ENTERPRISE_NAME.search(name):
        return "enterprise"
    return declared


# Units at county level: their users' scope (Scope.region_code) is the unit's GB/T 2260 code.
COUNTY_LEVEL_KINDS = ("county", "zone", "town")


def county_region_of(session: Session, city_code: str, name: str, kind: str) -> str | None:
    """The GB/T 2260 code a county-level unit works in when its plan names none: the city's county
    whose name the unit's begins with (平定县人民政府 → 140321), else, in a county-level city running
    its own programme (安丘市 370784), the city itself, whose towns, 街道 and zones all lie in it.
    None where it cannot be told (a prefecture city's 高新区管委会): never a guess."""
    if kind not in COUNTY_LEVEL_KINDS:
        return None
    counties = [r for r in child_regions(session, city_code) if r.level == "county"]
    named = [r.code for r in counties if name.startswith(r.name)]
    if len(named) == 1:
        return named[0]
    city = session.get(Region, city_code)
    return city_code if city is not None and city.level == "county" else None


def ensure_unit(
    session: Session, *, city_code: str, name: str, kind: str, aliases: list[str], region_code: str | None,
) -> Unit:
    """The unit of the city with this name, created when new. A county-level unit without a region
    code gets the one county_region_of tells (also an existing unit that lacks it)."""
    unit = session.scalar(select(Unit).where(Unit.city_code == city_code, Unit.name == name))
    if unit is None:
        kind = kind_by_name(name, kind)
        region_code = region_code or county_region_of(session, city_code, name, kind)
        unit = Unit(city_code=city_code, name=name, kind=kind, region_code=region_code)
        session.add(unit)
        session.flush()
    elif unit.region_code is None:
        unit.region_code = region_code or county_region_of(session, city_code, name, unit.kind)
    have = {a.alias for a in unit.aliases}
    for alias in aliases:
        if alias not in have and alias != name:
            session.add(UnitAlias(unit_id=unit.id, city_code=city_code, alias=alias))
    session.flush()
    return unit


def unit_lookup(session: Session, city_code: str) -> dict[str, Unit]:
    """Every spelling (canonical name and aliases) of every unit of a city."""
    units = list(session.scalars(select(Unit).where(Unit.city_code == city_code)))
    lookup = {u.name: u for u in units}
    for alias in session.scalars(select(UnitAlias).where(UnitAlias.city_code == city_code)):
        lookup[alias.alias] = alias.unit
    return lookup


def resolve_unit(session: Session, city_code: str, name: str, field: str = "单位") -> Unit:
    unit = unit_lookup(session, city_code).get(name.strip())
    if unit is None:
        raise InvalidInput(f"{field}“{name}”不是本市已登记的单位", field=field)
    return unit


def units_of_city(session: Session, city_code: str) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.city_code == city_code).order_by(Unit.kind, Unit.name)))


def responsible_units(session: Session, city_code: str) -> list[Unit]:
    """The units a city's plans make responsible for tasks (departments, agencies, counties, zones,
    towns, named enterprises and banks): what a 责任单位 drop-down offers, never a retailer."""
    return list(session.scalars(select(Unit).where(Unit.city_code == city_code, Unit.kind.in_(RESPONSIBLE_KINDS))
                                .order_by(Unit.kind, Unit.name)))


def get_unit(session: Session, unit_id: int) -> Unit | None:
    return session.get(Unit, unit_id)


def users_of_city(session: Session, city_code: str) -> list[User]:
    return list(session.scalars(select(User).where(User.city_code == city_code).order_by(User.role, User.username)))


def recent_operations(session: Session, city_code: str, limit: int = 200) -> list[tuple[OperationLog, str]]:
    rows = session.execute(
        select(OperationLog, User.username).join(User, User.id == OperationLog.user_id, isouter=True)
        .where(OperationLog.city_code == city_code).order_by(OperationLog.id.desc()).limit(limit)
    )
    return [(op, name or "") for op, name in rows]


def recent_audit(session: Session, city_code: str, limit: int = 200) -> list[audit.AuditRecord]:
    return list(session.scalars(
        select(audit.AuditRecord).where(audit.AuditRecord.city_code == city_code)
        .order_by(audit.AuditRecord.id.desc()).limit(limit)
    ))


def represented_by_members(unit: Unit, city_units: list[Unit]) -> bool:
    """A collective such as 各县市区人民政府 is carried by each member's own unit when the city
    has individual units of that kind; it then owes no report and has no account of its own."""
    return unit.name.startswith("各") and any(
        u.kind == unit.kind and not u.name.startswith("各") for u in city_units
    )
