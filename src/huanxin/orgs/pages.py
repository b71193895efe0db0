"""Login, logout and the home page (which sends each role to where its work is)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.config import get_settings
from huanxin.errors import Forbidden, NotAuthenticated, TooManyAttempts
from huanxin.orgs import account_pages
from huanxin.orgs import service as orgs_service
from huanxin.orgs import views as orgs_views
from huanxin.web.deps import SESSION_COOKIE, CurrentScope, DbSession, MaybeScope, client_address
from huanxin.web.form_pages import form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
ANON_CSRF_COOKIE = "huanxin_login_csrf"


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(16)
    response = render(request, "orgs/login.html", next=_safe_next(next), csrf=token, error=None)
    response.set_cookie(ANON_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=get_settings().secure_cookies)
    return response


@router.post("/login")
# A stale form (its CSRF cookie gone) is shown again with a fresh token and the username kept.
@form_page(lambda c: login_page(c.request, c.args.get("next")), form="login")
def login_submit(
    request: Request, db: DbSession,
    username: Annotated[str, Form()], password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/",
) -> Response:
    # Before a session exists, CSRF is a double-submit: the form must echo the cookie.
    expected = request.cookies.get(ANON_CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise Forbidden("安全校验失败（CSRF 令牌无效），请刷新页面后重试", field="csrf_token")
    settings = get_settings()
    secure = settings.secure_cookies
    try:
        token, _scope = orgs_service.login(db, username, password, address=client_address(request))
    except (NotAuthenticated, TooManyAttempts) as exc:
        db.commit()  # the refused attempt counts (orgs.throttle)
        fresh = secrets.token_urlsafe(16)
        response = render(request, "orgs/login.html", status_code=exc.status_code, next=_safe_next(next),
                          csrf=fresh, error=exc.message, username=username)
        response.set_cookie(ANON_CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=secure)
        return response
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    redirect.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        # the cookie lives as long as the server-side session (config.session_hours)
                        max_age=settings.session_hours * 3600, secure=secure)
    redirect.delete_cookie(ANON_CSRF_COOKIE, secure=secure, httponly=True, samesite="lax")
    return redirect


@router.post("/logout")
def logout(request: Request, db: DbSession, scope: MaybeScope) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and scope is not None:
        orgs_service.logout(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, secure=get_settings().secure_cookies, httponly=True, samesite="lax")
    return response


@router.get("/")
def home(scope: MaybeScope) -> Response:
    if scope is None:
        return RedirectResponse("/login", status_code=303)
    if scope.city_wide:
        return RedirectResponse(f"/cities/{scope.city_code}/cockpit", status_code=303)
    if scope.reports:
        return RedirectResponse("/my/work", status_code=303)
    # Trade-in: residents to their page, retailers to their portal, reviewers to their queue.
    trade_in = {"resident": "/tradein/me", "retailer": "/tradein/retailer", "reviewer": "/tradein/review"}
    return RedirectResponse(trade_in.get(scope.role, "/me"), status_code=303)


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, scope: MaybeScope) -> Response:
    if scope is None:
        return RedirectResponse("/login", status_code=303)
    request.state.scope = scope
    return render(request, "orgs/me.html")


@router.get("/cities/{city_code}/logs", response_class=HTMLResponse)
def logs_page(request: Request, city_code: str, db: DbSession, scope: CurrentScope) -> Response:
    """The office's view of who did what: operation log and the hash-chained audit trail."""
    scope.require_city(city_code)
    scope.require_office()
    request.state.scope = scope
    logs = orgs_views.city_logs(db, city_code)  # residents' personal data masked
    return render(request, "orgs/logs.html", operations=logs.operations, records=logs.records, users=logs.users)


# Account management and the change of one's own password (orgs.account_pages).
router.include_router(account_pages.router)
