"""JSON API for login (bearer tokens for scripts) and the current user."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from huanxin.errors import NotAuthenticated, TooManyAttempts
from huanxin.kit.limits import Schema, ShortText
from huanxin.orgs import service as orgs_service
from huanxin.web.deps import SESSION_COOKIE, CurrentScope, DbSession, bearer_token, client_address

router = APIRouter(tags=["用户与登录"])


class LoginIn(Schema):
    username: ShortText
    password: ShortText


class TokenOut(BaseModel):
    token: str
    role: str
    city_code: str
    unit: str | None


class MeOut(BaseModel):
    username: str
    display_name: str
    role: str
    city_code: str
    unit: str | None


@router.post("/auth/login", response_model=TokenOut)
def api_login(request: Request, body: LoginIn, db: DbSession) -> TokenOut:
    try:
        token, scope = orgs_service.login(db, body.username, body.password, address=client_address(request))
    except (NotAuthenticated, TooManyAttempts):
        db.commit()  # the refused attempt counts (orgs.throttle), though the answer is an error
        raise
    return TokenOut(token=token, role=scope.role.value, city_code=scope.city_code, unit=scope.unit_name)


@router.post("/auth/logout", status_code=204)
def api_logout(request: Request, db: DbSession, _scope: CurrentScope) -> Response:
    """Ends the token the request was signed in with: it answers 401 from now on."""
    token = bearer_token(request.headers.get("authorization", "")) or request.cookies.get(SESSION_COOKIE)
    if token:
        orgs_service.logout(db, token)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def api_me(scope: CurrentScope) -> MeOut:
    return MeOut(username=scope.username, display_name=scope.display_name, role=scope.role.value,
                 city_code=scope.city_code, unit=scope.unit_name)
