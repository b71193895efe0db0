"""Retailer and dealer management for the office and the commerce bureau (/tradein/retailers): the
city's retailers with their status, kinds, region and claims; admission with the retailer's login
(its initial password shown once); a retailer's page with its status history and logins, whose
password can be reset (the new one shown once); suspend, reinstate and expel, each with a reason
(expulsion is confirmed and final). Leaders read; other roles 403;
another city's retailer 404. The rules of admission live in `retailers`; this module only calls it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput, NotFound
from huanxin.kit.clock import aware
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.claims.events import STATUS_LABELS as CLAIM_STATUS
from huanxin.tradein.models import Claim, Retailer
from huanxin.tradein.pages.support import new_key, once, see_other
from huanxin.tradein.retailers import admission as retailers
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)

FLASH = {"suspend": "已暂停该经营主体，暂停期间不能核销。", "reinstate": "已恢复该经营主体的核销资格。",
         "expel": "已清退该经营主体。清退为最终决定。", "admitted": "该经营主体已准入。"}
ACTIONS = {"suspend": retailers.suspend, "reinstate": retailers.reinstate, "expel": retailers.expel}
PASSWORD_LENGTH = orgs_service.PASSWORD_LENGTH


def initial_password() -> str:
    """14 characters a person can type from the screen (no 0/O, 1/l/I), about 81 bits."""
    return orgs_service.random_password()


def _regions(db: Session, city_code: str) -> list[tuple[str, str]]:
    """The city itself and its districts and counties: where a retailer may be admitted."""
    return [(city_code, orgs_service.region_name(db, city_code) + "（市本级）")] + [
        (r.code, r.name) for r in orgs_service.child_regions(db, city_code)]


def _claim_counts(db: Session, city_code: str) -> dict[int, dict[str, int]]:
    """Claims per retailer (one GROUP BY): all, in review, paid, and the subsidy paid or approved."""
    subsidy = func.coalesce(func.sum(Claim.amount_fen), 0)
    rows = db.execute(select(Claim.retailer_id, Claim.status, func.count(), subsidy)
                      .where(Claim.city_code == city_code, Claim.retailer_id.is_not(None))
                      .group_by(Claim.retailer_id, Claim.status)).all()
    out: dict[int, dict[str, int]] = {}
    for retailer_id, status, n, fen in rows:
        item = out.setdefault(int(retailer_id or 0), {"total": 0, "review": 0, "paid": 0, "subsidy_fen": 0})
        item["total"] += int(n)
        if status in ("review", "correction", "appealed"):
            item["review"] += int(n)
        if status == "paid":
            item["paid"] += int(n)
        if status in ("approved", "paying", "paid"):
            item["subsidy_fen"] += int(fen)
    return out


def _create_login(db: Session, retailer: Retailer) -> tuple[str, str]:
    """The retailer's first login (role retailer, its unit): `<city>-shop<id>`, with a suffix if that
    name is taken; the initial password is returned to be shown once and only its hash is kept."""
    password = initial_password()
    base = f"{retailer.city_code}-shop{retailer.id:04d}"
    for n in range(1, 100):
        username = base if n == 1 else f"{base}-{n}"
        try:
            orgs_service.create_user(db, username=username, password=password, display_name=retailer.name[:80],
                                     role=Role.RETAILER, city_code=retailer.city_code, unit_id=retailer.unit_id)
        except InvalidInput as exc:
            if exc.field != "username":
                raise
            continue
        return username, password
    raise InvalidInput("无法为该经营主体生成登录账号，请联系系统管理员", field="username")  # pragma: no cover


def _last_reasons(db: Session, ids: list[int]) -> dict[int, str]:
    return {rid: (changes[-1].reason if changes else "") for rid, changes in retailers.histories(db, ids).items()}


def _logins(db: Session, retailer: Retailer) -> list[User]:
    """The retailer's logins: the city's users of its unit."""
    if retailer.unit_id is None:
        return []
    return [u for u in orgs_service.users_of_city(db, retailer.city_code) if u.unit_id == retailer.unit_id]


def _can_manage(scope: Scope) -> bool:
    return scope.role in retailers.MANAGING_ROLES


@router.get("/tradein/retailers", response_class=HTMLResponse)
def retailers_page(request: Request, db: DbSession, scope: CurrentScope, status: str | None = None) -> Response:
    status = status if status in retailers.STATUS_LABELS else None
    items = retailers.list_retailers(db, scope, scope.city_code, status)  # 403 for roles that may not read
    everyone = items if status is None else retailers.list_retailers(db, scope, scope.city_code)
    by_status = {s: sum(1 for r in everyone if r.status == s) for s in retailers.STATUS_LABELS}
    regions = _regions(db, scope.city_code)
    return render(
        request, "tradein/admin_retailers.html", items=items, status=status, by_status=by_status,
        total=len(everyone), counts=_claim_counts(db, scope.city_code),
        reasons=_last_reasons(db, [r.id for r in items]),
        regions=regions, region_names=dict(regions), kinds=retailers.PROGRAMME_KINDS,
        status_labels=retailers.STATUS_LABELS, can_manage=_can_manage(scope), key=new_key(),
    )


@router.post("/tradein/retailers", response_class=HTMLResponse)
def admit(
    request: Request, db: DbSession, scope: CurrentScope, name: Annotated[str, Form()] = "",
    credit_code: Annotated[str, Form()] = "", region_code: Annotated[str, Form()] = "",
    kinds: Annotated[list[str] | None, Form()] = None, reason: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Admits the retailer and creates its login; the page that answers shows the initial password,
    once (it is not stored anywhere but as a hash). A resent form goes to the retailer's page."""
    retailers.require_manager(scope, scope.city_code)
    chosen = [k for k in (kinds or []) if k.strip()]
    created: dict[str, Any] = {}

    def work() -> str:
        item = retailers.admit(db, scope, city_code=scope.city_code, name=name, credit_code=credit_code,
                               region_code=region_code, kinds=chosen, actor=scope.username, reason=reason)
        username, password = _create_login(db, item)
        orgs_service.log_operation(db, scope, "准入经营主体并创建登录账号", target=f"{item.name} {username}")
        created.update(retailer=item, username=username, password=password)
        return f"/tradein/retailers/{item.id}?done=admitted"

    body = {"name": name.strip(), "credit_code": credit_code.strip().upper(), "region_code": region_code.strip(),
            "kinds": sorted(chosen), "reason": reason.strip()}
    response = once(db, scope, idempotency_key, body, work)
    if not created:
        return response
    item = created["retailer"]
    page = render(request, "tradein/admin_admitted.html", retailer=item, username=created["username"],
                  password=created["password"], kinds=retailers.PROGRAMME_KINDS,
                  region_name=orgs_service.region_name(db, item.region_code))
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/tradein/retailers/{retailer_id}", response_class=HTMLResponse)
def retailer_page(retailer_id: int, request: Request, db: DbSession, scope: CurrentScope,
                  done: str | None = None) -> Response:
    item = retailers.get_retailer(db, scope, retailer_id)  # another city's: 404; a role that may not read: 403
    rows = db.execute(select(Claim.status, func.count(), func.coalesce(func.sum(Claim.amount_fen), 0))
                      .where(Claim.retailer_id == item.id).group_by(Claim.status)).all()
    by_status = {s: (int(n), int(fen)) for s, n, fen in rows}
    return render(
        request, "tradein/admin_retailer.html", retailer=item, history=retailers.retailer_history(db, item.id),
        by_status=by_status, claim_labels=CLAIM_STATUS, total=sum(n for n, _ in by_status.values()),
        status_labels=retailers.STATUS_LABELS, kinds=retailers.PROGRAMME_KINDS, logins=_logins(db, item),
        region_name=orgs_service.region_name(db, item.region_code), can_manage=_can_manage(scope),
        flash=FLASH.get(done or ""), aware=aware,
    )


@router.post("/tradein/retailers/{retailer_id}/logins/{user_id}/reset-password", response_class=HTMLResponse)
def reset_password(retailer_id: int, user_id: int, request: Request, db: DbSession, scope: CurrentScope) -> Response:
    """重置初始密码: a new random password for one of the retailer's logins, shown once on the page
    that answers (not cached, not stored but as a hash); the login's open sessions end."""
    item = retailers.get_retailer(db, scope, retailer_id)  # another city's: 404; a role that may not read: 403
    retailers.require_manager(scope, item.city_code)  # leaders read only: 403
    login = next((u for u in _logins(db, item) if u.id == user_id), None)
    if login is None:
        raise NotFound("未找到该经营主体的登录账号")
    password = orgs_service.reset_password(db, login.id, scope.username)
    orgs_service.log_operation(db, scope, "重置经营主体登录密码", target=f"{item.name} {login.username}")
    page = render(request, "tradein/admin_password_reset.html", retailer=item, username=login.username,
                  password=password)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/tradein/retailers/{retailer_id}/{action}")
def change_status(retailer_id: int, action: str, db: DbSession, scope: CurrentScope,
                  reason: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> Response:
    """暂停 / 恢复 / 清退, each with a reason; 清退 must be confirmed, and is final."""
    change = ACTIONS.get(action)
    if change is None:
        raise NotFound("未找到该操作")
    item = retailers.get_retailer(db, scope, retailer_id)
    retailers.require_manager(scope, item.city_code)
    if action == "expel" and confirm != "yes":
        raise InvalidInput("清退为最终决定，清退后不能恢复、不能再核销：请勾选“确认清退”后再提交", field="confirm")
    change(db, scope, item.id, reason=reason, actor=scope.username)
    orgs_service.log_operation(db, scope, f"经营主体{retailers.STATUS_LABELS.get(item.status, item.status)}",
                               target=item.name)
    return see_other(f"/tradein/retailers/{item.id}?done={action}")
