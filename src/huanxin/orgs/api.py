"""JSON API for login (bearer tokens for scripts) and the current user."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from huanxin.errors import NotAuthenticated, TooManyAttempts
from huanxin.kit.limits import Schema, ShortText
from huanxin.orgs import accounts
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


# ---- accounts (orgs.accounts): the office's, or a department's own unit's when the office allows it ----

class AccountIn(Schema):
    username: ShortText
    display_name: ShortText
    role: ShortText
    unit_id: int | None = None
    phone: ShortText = ""


class AccountPatch(Schema):
    display_name: ShortText | None = None
    role: ShortText | None = None
    unit_id: int | None = None
    phone: ShortText | None = None


class AccountOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None
    unit: str | None
    phone: str  # masked
    state: str
    last_signin_at: dt.datetime | None
    locked_until: dt.datetime | None


class CreatedAccountOut(BaseModel):
    account: AccountOut
    temporary_password: str  # shown this once; it must be changed at the first sign-in


class ManagesOwnAccountsIn(Schema):
    allowed: bool


class PasswordChangeIn(Schema):
    current_password: ShortText
    new_password: ShortText


def _out(row: accounts.AccountRow) -> AccountOut:
    return AccountOut(id=row.id, username=row.username, display_name=row.display_name, role=row.role,
                      unit_id=row.unit_id, unit=row.unit_name, phone=row.phone, state=row.state,
                      last_signin_at=row.last_signin_at, locked_until=row.locked_until)


ACCOUNTS = "/cities/{city_code}/accounts"


@router.get(ACCOUNTS, response_model=list[AccountOut], tags=["账号管理"])
def api_accounts(city_code: str, db: DbSession, scope: CurrentScope, role: str | None = None,
                 unit_id: int | None = None, state: str | None = None) -> list[AccountOut]:
    manager = accounts.manager_for(db, scope, city_code)
    return [_out(r) for r in accounts.list_accounts(db, manager, role=role, unit_id=unit_id, state=state)]


@router.post(ACCOUNTS, response_model=CreatedAccountOut, status_code=201, tags=["账号管理"])
def api_create_account(city_code: str, body: AccountIn, db: DbSession, scope: CurrentScope) -> CreatedAccountOut:
    manager = accounts.manager_for(db, scope, city_code)
    user, password = accounts.create_account(db, manager, accounts.AccountInput(
        username=body.username, display_name=body.display_name, role=body.role, unit_id=body.unit_id,
        phone=body.phone))
    return CreatedAccountOut(account=_out(accounts.account_row(db, manager, user.id)), temporary_password=password)


@router.patch(ACCOUNTS + "/{user_id}", response_model=AccountOut, tags=["账号管理"])
def api_update_account(city_code: str, user_id: int, body: AccountPatch, db: DbSession,
                       scope: CurrentScope) -> AccountOut:
    manager = accounts.manager_for(db, scope, city_code)
    given = body.model_fields_set
    accounts.update_account(db, manager, user_id, accounts.AccountChanges(
        display_name=body.display_name, role=body.role, set_unit="unit_id" in given, unit_id=body.unit_id,
        phone=body.phone))
    return _out(accounts.account_row(db, manager, user_id))


@router.post(ACCOUNTS + "/{user_id}/disable", response_model=AccountOut, tags=["账号管理"])
def api_disable_account(city_code: str, user_id: int, db: DbSession, scope: CurrentScope) -> AccountOut:
    manager = accounts.manager_for(db, scope, city_code)
    accounts.disable_account(db, manager, user_id)
    return _out(accounts.account_row(db, manager, user_id))


@router.post(ACCOUNTS + "/{user_id}/enable", response_model=AccountOut, tags=["账号管理"])
def api_enable_account(city_code: str, user_id: int, db: DbSession, scope: CurrentScope) -> AccountOut:
    manager = accounts.manager_for(db, scope, city_code)
    accounts.enable_account(db, manager, user_id)
    return _out(accounts.account_row(db, manager, user_id))


@router.post(ACCOUNTS + "/{user_id}/unlock", response_model=AccountOut, tags=["账号管理"])
def api_unlock_account(city_code: str, user_id: int, db: DbSession, scope: CurrentScope) -> AccountOut:
    manager = accounts.manager_for(db, scope, city_code)
    accounts.unlock_account(db, manager, user_id)
    return _out(accounts.account_row(db, manager, user_id))


@router.post(ACCOUNTS + "/{user_id}/reset-password", response_model=CreatedAccountOut, tags=["账号管理"])
def api_reset_account_password(city_code: str, user_id: int, db: DbSession,
                               scope: CurrentScope) -> CreatedAccountOut:
    manager = accounts.manager_for(db, scope, city_code)
    _user, password = accounts.reset_account_password(db, manager, user_id)
    return CreatedAccountOut(account=_out(accounts.account_row(db, manager, user_id)), temporary_password=password)


@router.put("/cities/{city_code}/units/{unit_id}/manages-own-accounts", status_code=204, tags=["账号管理"])
def api_set_manages_own_accounts(city_code: str, unit_id: int, body: ManagesOwnAccountsIn, db: DbSession,
                                 scope: CurrentScope) -> Response:
    accounts.set_manages_own_accounts(db, scope, city_code, unit_id, body.allowed)
    return Response(status_code=204)


@router.post("/me/password", status_code=204)
def api_change_password(request: Request, body: PasswordChangeIn, db: DbSession, scope: CurrentScope) -> Response:
    """Changes the caller's own password (a temporary one must be changed before anything else);
    the caller's other sessions end, this token goes on."""
    token = bearer_token(request.headers.get("authorization", "")) or request.cookies.get(SESSION_COOKIE)
    accounts.change_own_password(db, scope, token, body.current_password, body.new_password)
    return Response(status_code=204)
