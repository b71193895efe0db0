"""One-line dependencies for routes: the database session and the signed-in user's scope.

Pages and the API share them: a browser is identified by the session cookie (and must echo the
CSRF token on every unsafe request), an API client by `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from huanxin.db import get_db
from huanxin.errors import Forbidden, NotAuthenticated
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope

SESSION_COOKIE = "huanxin_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

def request_db(request: Request) -> Iterator[Session]:
    """The request's transaction; only unsafe methods declare that they will write."""
    yield from get_db(write=request.method in UNSAFE)


# scope="function": the commit runs before the response is sent, so a redirect never outruns its data.
DbSession = Annotated[Session, Depends(request_db, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


async def _check_csrf(request: Request, scope: Scope) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not sent or not hmac.compare_digest(sent, scope.csrf_token):
        raise Forbidden("安全校验失败（CSRF 令牌无效），请刷新页面后重试", field=CSRF_FIELD)


async def optional_scope(request: Request, db: DbSession) -> Scope | None:
    bearer = _bearer(request)
    token = bearer or request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    scope = orgs_service.scope_for_token(db, token)
    # Pages (error pages included) show who is signed in and the navigation of their role.
    request.state.scope = scope
    if scope is not None and bearer is None and request.method in UNSAFE:
        await _check_csrf(request, scope)
    return scope


async def current_scope(scope: Annotated[Scope | None, Depends(optional_scope)]) -> Scope:
    if scope is None:
        raise NotAuthenticated("请先登录")
    return scope


CurrentScope = Annotated[Scope, Depends(current_scope)]
MaybeScope = Annotated[Scope | None, Depends(optional_scope)]
