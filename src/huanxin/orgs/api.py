"""JSON API for login (bearer tokens for scripts) and the current user."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from huanxin.orgs import service as orgs_service
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["用户与登录"])


class LoginIn(BaseModel):
    username: str
    password: str


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
def api_login(body: LoginIn, db: DbSession) -> TokenOut:
    token, scope = orgs_service.login(db, body.username, body.password)
    return TokenOut(token=token, role=scope.role.value, city_code=scope.city_code, unit=scope.unit_name)


@router.get("/me", response_model=MeOut)
def api_me(scope: CurrentScope) -> MeOut:
    return MeOut(username=scope.username, display_name=scope.display_name, role=scope.role.value,
                 city_code=scope.city_code, unit=scope.unit_name)
