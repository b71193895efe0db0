"""One-line dependencies for routes: the database session and the signed-in user's scope.

Pages and the API share them: a browser is identified by the session cookie (and must echo the
CSRF token on every unsafe request), an API client by `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huanxin.db import get_db, session_factory, write_session_factory
from huanxin.errors import Forbidden, NotAuthenticated, PasswordChangeRequired
from huanxin.kit.clock import now
from huanxin.orgs import scope_cache
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope

SESSION_COOKIE = "huanxin_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# What a user signed in with a temporary password may still reach: changing it, and signing out.
PASSWORD_CHANGE_PATHS = frozenset({"/me/password", "/api/v1/me/password", "/logout", "/api/v1/auth/logout"})
logger = logging.getLogger(__name__)

async def request_db(request: Request) -> AsyncIterator[Session]:
    """The request's transaction; only unsafe methods declare that they will write.

    Async, so that it costs no trip through the thread pool: making a Session does no I/O (the
    connection is taken at the first statement, in the worker thread that runs it). The end of the
    unit of work (commit or rollback, then close) runs in a thread of its own, outside the
    endpoints' limiter (as FastAPI does for sync dependencies' exits: a commit must never wait for
    a thread held by a request queued behind its locks), and only when there is a transaction to
    end: an endpoint that committed in its own thread leaves nothing to do here."""
    session = (write_session_factory() if request.method in UNSAFE else session_factory())()
    try:
        yield session
    except BaseException:
        await _finish(session, commit=False)
        raise
    await _finish(session, commit=True)


async def _finish(session: Session, *, commit: bool) -> None:
    def end() -> None:
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    if session.in_transaction():
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(end, limiter=CapacityLimiter(1))
    else:
        session.close()  # no transaction, no connection: nothing to do but forget the objects


# scope="function": the commit runs before the response is sent, so a redirect never outruns its data.
DbSession = Annotated[Session, Depends(request_db, scope="function")]

UnitOfWork = Callable[[], AbstractContextManager[Session]]


_write_unit: UnitOfWork = contextmanager(get_db)


async def write_units() -> UnitOfWork:
    """Where work gathered from many requests (tradein.claims.intake) opens its transactions: a write
    unit of work that commits when its block ends. A dependency, so tests can point it at theirs;
    always the same one, so that requests can share a batch. Async, as every dependency of the
    peak-load routes: FastAPI runs a plain `def` dependency in the thread pool, a thread hop per
    request for nothing."""
    return _write_unit


WriteUnits = Annotated[UnitOfWork, Depends(write_units)]

_read_unit: UnitOfWork = contextmanager(partial(get_db, write=False))


async def read_units() -> UnitOfWork:
    """Where a request's own short reads (the sign-in lookup) open their transaction: no Session
    is made for a request that does not need one. A dependency, so tests can point it at theirs."""
    return _read_unit


ReadUnits = Annotated[UnitOfWork, Depends(read_units)]


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    return header[7:].strip() or None if header.lower().startswith("bearer ") else None


def _bearer(request: Request) -> str | None:
    return bearer_token(request.headers.get("authorization", ""))


async def _check_csrf(request: Request, scope: Scope) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not sent or not hmac.compare_digest(sent, scope.csrf_token):
        raise Forbidden("安全校验失败（CSRF 令牌无效），请刷新页面后重试", field=CSRF_FIELD)


def _lookup_scope(units: UnitOfWork, token: str) -> Scope | None:
    """The sign-in lookup, run in a worker thread, in a read transaction of its own that ends at
    once: a connection is then only ever held by a thread that is running, and the pool (sized to
    the threads) can never run dry while lock holders wait for the event loop. The scope found is
    kept for a moment (orgs.scope_cache), so a busy client's next requests skip all of this."""
    read_at = time.monotonic()  # the cached scope's age counts from here (and a logout since voids it)
    with units() as db:
        found = orgs_service.signed_in(db, token)
    if found is None:
        scope_cache.forget(token)
        return None
    scope, expires_at = found
    scope_cache.put(token, scope, (expires_at - now()).total_seconds(), read_at=read_at)
    return scope


_refreshing: set[asyncio.Task[Any]] = set()  # the loop keeps only weak references to tasks


def cached_scope(units: UnitOfWork, token: str) -> Scope | None:
    """The token's scope from the sign-in cache, refreshed in the background when it is due."""
    scope = scope_cache.get(token)
    if scope is not None and scope_cache.refresh_due(token):
        task = asyncio.get_running_loop().create_task(_refresh(units, token))
        _refreshing.add(task)
        task.add_done_callback(_refreshing.discard)
    return scope


async def _refresh(units: UnitOfWork, token: str) -> None:
    try:
        await run_in_threadpool(_lookup_scope, units, token)
    except Exception:  # noqa: BLE001 - the cached scope lapses and the next request signs in again
        logger.warning("sign-in refresh failed", exc_info=True)


async def optional_scope(request: Request, units: ReadUnits) -> Scope | None:
    bearer = _bearer(request)
    token = bearer or request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    # Never on the event loop: a blocking query there (or a wait for a pooled connection)
    # stalls every request of the worker, including the commits of those holding row locks.
    scope = cached_scope(units, token) or await run_in_threadpool(_lookup_scope, units, token)
    # Pages (error pages included) show who is signed in and the navigation of their role.
    request.state.scope = scope
    if scope is not None and bearer is None and request.method in UNSAFE:
        await _check_csrf(request, scope)
    if scope is not None and scope.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired("请先修改初始密码", field="password")  # pages: a redirect (web.errors)
    return scope


async def current_scope(scope: Annotated[Scope | None, Depends(optional_scope)]) -> Scope:
    if scope is None:
        raise NotAuthenticated("请先登录")
    return scope


CurrentScope = Annotated[Scope, Depends(current_scope)]
MaybeScope = Annotated[Scope | None, Depends(optional_scope)]


def client_address(request: Request) -> str:
    """The client's network address (behind a reverse proxy, uvicorn takes it from
    X-Forwarded-For when the proxy is a trusted one: --forwarded-allow-ips)."""
    return request.client.host if request.client else ""
