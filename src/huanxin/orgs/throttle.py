"""Sign-in throttling: too many wrong passwords lock the account, or the address, for a while.

A wrong password (or an unknown user name: guessing names counts too) is a `SigninFailure`. When
an account has had `signin_failures_per_account` of them within `signin_lockout_minutes`, or an
address `signin_failures_per_address`, it is locked for `signin_lockout_minutes` (a
`SigninLockout`, and an audit record). While locked, no password is even checked; after the lock,
counting starts again from nothing. Kept in the database, so every worker process sees the same
counts and a restart forgets nothing.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from huanxin.config import get_settings
from huanxin.errors import TooManyAttempts
from huanxin.kit import audit
from huanxin.kit.clock import CHINA, aware, now
from huanxin.orgs.models import SigninFailure, SigninLockout

ACCOUNT, ADDRESS = "account", "address"


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=get_settings().signin_lockout_minutes)


def refuse_if_locked(session: Session, username: str, address: str) -> None:
    """Raises TooManyAttempts while the account or the address is locked."""
    at = now()
    for kind, key in ((ACCOUNT, username), (ADDRESS, address)):
        if not key:  # a sign-in from no address (the CLI, a test) is throttled by account only
            continue
        until = _locked_until(session, kind, key)
        if until is not None and until > at:
            raise _refusal(kind, until, at)


def record_failure(session: Session, username: str, address: str, city_code: str | None) -> None:
    """Counts a wrong password; raises TooManyAttempts if it was one too many."""
    at = now()
    session.add(SigninFailure(at=at, username=username, address=address))
    # Failures older than the window count for nothing: they are not kept.
    session.execute(delete(SigninFailure).where(SigninFailure.at < at - _window()))
    session.flush()
    settings = get_settings()
    account = _lock_if_over(session, ACCOUNT, username, SigninFailure.username == username,
                            settings.signin_failures_per_account, at, city_code)
    by_address = _lock_if_over(session, ADDRESS, address, SigninFailure.address == address,
                               settings.signin_failures_per_address, at, None) if address else None
    if account is not None:
        raise _refusal(ACCOUNT, account, at)
    if by_address is not None:
        raise _refusal(ADDRESS, by_address, at)


def forget_failures(session: Session, username: str) -> None:
    """A correct password: the account's count starts again (the address's does not, or one
    account of the attacker's own would reset it)."""
    session.execute(delete(SigninFailure).where(SigninFailure.username == username))


def lift_account_lock(session: Session, username: str) -> None:
    """The office gave the account a new password: a lockout on it ends now."""
    at = now()
    session.execute(update(SigninLockout).where(SigninLockout.kind == ACCOUNT, SigninLockout.key == username[:64],
                                                SigninLockout.until > at).values(until=at))
    forget_failures(session, username[:60])


def locked_accounts(session: Session, usernames: list[str]) -> dict[str, dt.datetime]:
    """The accounts among `usernames` locked out now, and until when (the accounts page)."""
    if not usernames:
        return {}
    rows = session.execute(select(SigninLockout.key, func.max(SigninLockout.until))
                           .where(SigninLockout.kind == ACCOUNT, SigninLockout.until > now(),
                                  SigninLockout.key.in_([u[:64] for u in usernames]))
                           .group_by(SigninLockout.key))
    return {key: aware(until) for key, until in rows}


def _locked_until(session: Session, kind: str, key: str) -> dt.datetime | None:
    until = session.scalar(select(func.max(SigninLockout.until)).where(SigninLockout.kind == kind,
                                                                       SigninLockout.key == key))
    return aware(until) if until is not None else None


def _lock_if_over(session: Session, kind: str, key: str, whose: ColumnElement[bool], limit: int,
                  at: dt.datetime, city_code: str | None) -> dt.datetime | None:
    """Locks the account or address if its failures within the window (since its last lock
    ended) reached the limit; returns until when, or None."""
    since = at - _window()
    last = _locked_until(session, kind, key)
    if last is not None and last > since:
        since = last
    failures = session.scalar(select(func.count()).select_from(SigninFailure)
                              .where(whose, SigninFailure.at > since)) or 0
    if failures < limit:
        return None
    until = at + _window()
    session.add(SigninLockout(kind=kind, key=key, since=at, until=until, failures=failures))
    audit.record(session, actor="system", action="signin_lockout", entity=f"signin_{kind}", entity_id=key[:40],
                 city_code=city_code,
                 detail={kind: key, "failures": failures, "until": until.isoformat(timespec="seconds")})
    return until


def _refusal(kind: str, until: dt.datetime, at: dt.datetime) -> TooManyAttempts:
    minutes = max(1, math.ceil((until - at).total_seconds() / 60))
    when = until.astimezone(CHINA).strftime("%H:%M")
    who = "该账号" if kind == ACCOUNT else "您所在的网络地址"
    return TooManyAttempts(
        f"登录失败次数过多，{who}已被暂时锁定：请在 {minutes} 分钟后（{when} 以后）再试", field="username",
    )
