"""Pages of account management (orgs.accounts) and of changing one's own password.

A form that fails is shown again with the error beside it and what was typed kept; a temporary
password is shown once, on the page that answers the creation or the reset (not cached)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from huanxin.errors import DomainError, InvalidInput
from huanxin.kit.limits import check_int
from huanxin.orgs import accounts
from huanxin.orgs.roles import ROLE_LABELS
from huanxin.orgs.scope import Scope
from huanxin.web.deps import SESSION_COOKIE, CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
ACCOUNTS = "/cities/{city_code}/accounts"
FLASH = {"saved": "已保存。", "disabled": "账号已停用，其已登录的会话已全部退出。", "enabled": "账号已重新启用。",
         "unlocked": "已解除该账号的登录锁定。"}

Text = Annotated[str, Form()]


def _unit_id(raw: str, field: str = "unit_id") -> int | None:
    """A unit chosen in a drop-down ("" for none)."""
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput("“所属单位”须从列表中选择", field=field)
    return check_int(int(text), field, "所属单位")


def _form_context(db: Session, manager: accounts.Manager) -> dict[str, Any]:
    return {"roles": [(r.value, ROLE_LABELS[r]) for r in manager.grantable_roles()],
            "units": accounts.assignable_units(db, manager), "city_code": manager.city_code}


def _show(request: Request, scope: Scope, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    request.state.scope = scope
    page = render(request, name, status_code=status_code, **context)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get(ACCOUNTS, response_class=HTMLResponse)
def accounts_page(request: Request, city_code: str, db: DbSession, scope: CurrentScope, role: str = "",
                  unit_id: str = "", state: str = "") -> Response:
    """账号管理: the city's accounts (a department: its unit's staff), filtered by role, unit and state."""
    manager = accounts.manager_for(db, scope, city_code)
    unit = _unit_id(unit_id)
    rows = accounts.list_accounts(db, manager, role=role or None, unit_id=unit, state=state or None)
    units = accounts.assignable_units(db, manager)
    return _show(request, scope, "orgs/accounts.html", rows=rows, units=units, filters={
        "role": role, "unit_id": unit, "state": state}, states=accounts.ACCOUNT_STATES,
        roles=[(r.value, ROLE_LABELS[r]) for r in manager.grantable_roles()], whole_city=manager.unit_id is None,
        city_code=city_code)


@router.get(ACCOUNTS + "/new", response_class=HTMLResponse)
def new_account_page(request: Request, city_code: str, db: DbSession, scope: CurrentScope) -> Response:
    manager = accounts.manager_for(db, scope, city_code)
    return _show(request, scope, "orgs/account_form.html", account=None, typed={}, error=None,
                 **_form_context(db, manager))


@router.post(ACCOUNTS, response_class=HTMLResponse)
def create_account_submit(request: Request, city_code: str, db: DbSession, scope: CurrentScope,
                          username: Text = "", display_name: Text = "", role: Text = "", unit_id: Text = "",
                          phone: Text = "") -> Response:
    manager = accounts.manager_for(db, scope, city_code)
    typed = {"username": username, "display_name": display_name, "role": role, "unit_id": unit_id, "phone": phone}
    try:
        user, password = accounts.create_account(db, manager, accounts.AccountInput(
            username=username, display_name=display_name, role=role, unit_id=_unit_id(unit_id), phone=phone))
    except DomainError as exc:
        return _show(request, scope, "orgs/account_form.html", status_code=exc.status_code, account=None,
                     typed=typed, error=exc, **_form_context(db, manager))
    return _show(request, scope, "orgs/account_password.html", user=user, password=password, created=True,
                 city_code=city_code)


@router.get(ACCOUNTS + "/{user_id}", response_class=HTMLResponse)
def account_page(request: Request, city_code: str, user_id: int, db: DbSession, scope: CurrentScope,
                 done: str = "") -> Response:
    manager = accounts.manager_for(db, scope, city_code)
    row = accounts.account_row(db, manager, user_id)
    return _show(request, scope, "orgs/account_form.html", account=row, typed=_typed(row), error=None,
                 flash=FLASH.get(done), states=accounts.ACCOUNT_STATES, **_form_context(db, manager))


def _typed(row: accounts.AccountRow) -> dict[str, str]:
    return {"username": row.username, "display_name": row.display_name, "role": row.role,
            "unit_id": str(row.unit_id or ""), "phone": ""}


@router.post(ACCOUNTS + "/{user_id}", response_class=HTMLResponse)
def update_account_submit(request: Request, city_code: str, user_id: int, db: DbSession, scope: CurrentScope,
                          display_name: Text = "", role: Text = "", unit_id: Text = "", phone: Text = "",
                          remove_phone: Text = "") -> Response:
    manager = accounts.manager_for(db, scope, city_code)
    try:
        accounts.update_account(db, manager, user_id, accounts.AccountChanges(
            display_name=display_name, role=role or None, set_unit=True, unit_id=_unit_id(unit_id),
            phone="" if remove_phone else (phone or None)))
    except DomainError as exc:
        row = accounts.account_row(db, manager, user_id)
        typed = {**_typed(row), "display_name": display_name, "role": role, "unit_id": unit_id, "phone": phone}
        return _show(request, scope, "orgs/account_form.html", status_code=exc.status_code, account=row,
                     typed=typed, error=exc, flash=None, states=accounts.ACCOUNT_STATES,
                     **_form_context(db, manager))
    return RedirectResponse(f"/cities/{city_code}/accounts/{user_id}?done=saved", status_code=303)


@router.post(ACCOUNTS + "/{user_id}/disable")
def disable_account_submit(city_code: str, user_id: int, db: DbSession, scope: CurrentScope) -> Response:
    accounts.disable_account(db, accounts.manager_for(db, scope, city_code), user_id)
    return RedirectResponse(f"/cities/{city_code}/accounts/{user_id}?done=disabled", status_code=303)


@router.post(ACCOUNTS + "/{user_id}/enable")
def enable_account_submit(city_code: str, user_id: int, db: DbSession, scope: CurrentScope) -> Response:
    accounts.enable_account(db, accounts.manager_for(db, scope, city_code), user_id)
    return RedirectResponse(f"/cities/{city_code}/accounts/{user_id}?done=enabled", status_code=303)


@router.post(ACCOUNTS + "/{user_id}/unlock")
def unlock_account_submit(city_code: str, user_id: int, db: DbSession, scope: CurrentScope) -> Response:
    accounts.unlock_account(db, accounts.manager_for(db, scope, city_code), user_id)
    return RedirectResponse(f"/cities/{city_code}/accounts/{user_id}?done=unlocked", status_code=303)


@router.post(ACCOUNTS + "/{user_id}/reset-password", response_class=HTMLResponse)
def reset_password_submit(request: Request, city_code: str, user_id: int, db: DbSession,
                          scope: CurrentScope) -> Response:
    user, password = accounts.reset_account_password(db, accounts.manager_for(db, scope, city_code), user_id)
    return _show(request, scope, "orgs/account_password.html", user=user, password=password, created=False,
                 city_code=city_code)


@router.post("/cities/{city_code}/units/{unit_id}/manages-own-accounts")
def manages_own_accounts_submit(city_code: str, unit_id: int, db: DbSession, scope: CurrentScope,
                                allowed: Text = "") -> Response:
    accounts.set_manages_own_accounts(db, scope, city_code, unit_id, allowed == "yes")
    return RedirectResponse(f"/cities/{city_code}/accounts#units", status_code=303)


@router.get("/me/password", response_class=HTMLResponse)
def password_page(request: Request, scope: CurrentScope) -> Response:
    return _show(request, scope, "orgs/password.html", error=None)


@router.post("/me/password", response_class=HTMLResponse)
def password_submit(request: Request, db: DbSession, scope: CurrentScope, current_password: Text = "",
                    new_password: Text = "", confirm_password: Text = "") -> Response:
    try:
        if new_password != confirm_password:
            raise InvalidInput("两次输入的新密码不一致", field="confirm_password")
        accounts.change_own_password(db, scope, request.cookies.get(SESSION_COOKIE), current_password, new_password)
    except DomainError as exc:
        return _show(request, scope, "orgs/password.html", status_code=exc.status_code, error=exc)
    return RedirectResponse("/?password=changed", status_code=303)
