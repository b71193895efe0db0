"""The resident's page (/tradein/me): real-name identity and bank card, qualifications (资格) with
their validity, waiting-list place or the next daily release, claims with the decision explained,
appeals, and the messages they were sent. A resident sees only their own."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit.clock import aware, now, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import outbox
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import appeals, evaluation
from huanxin.tradein.claims.lifecycle import CAR_KINDS
from huanxin.tradein.models import Person, Programme
from huanxin.tradein.pages.support import (
    QUALIFICATION_STATUS,
    RESIDENT_STATUS,
    claim_context,
    new_key,
    once,
    require_role,
    see_other,
)
from huanxin.tradein.qualifications import codes as redemption_codes
from huanxin.tradein.qualifications import lifecycle as qualification
from huanxin.tradein.qualifications import quotas
from huanxin.tradein.residents import identity, reclaim
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)

FLASH = {
    "identity": "实名信息已保存。", "card": "收款银行卡已登记。",
    "reclaimed": "身份已找回：原绑定的账号已解除绑定，以该身份办理的申请已转人工复核。",
    "qualification": "资格申领已提交，结果见下方“我的资格”。",
    "cancelled": "资格已取消。", "appeal": "申诉已提交，审核结果将以消息通知您。",
}


def _resident(scope: Scope) -> None:
    require_role(scope, Role.RESIDENT, message="此页面供居民本人使用")


def _person(db: Session, scope: Scope) -> Person:
    person = repo.person_of_scope(db, scope)
    if person is None:
        raise InvalidInput("请先完成实名认证（填写本人姓名和身份证号）", field="id_number")
    return person


def _release_info(db: Session, programme: Programme, moment: dt.datetime) -> dict[str, Any] | None:
    """The daily batch (每日定时发放): how many today, and when the next batch opens if there is none now."""
    if not programme.daily_release_time or not programme.daily_release_count:
        return None
    hh, mm = (int(x) for x in programme.daily_release_time.split(":"))
    release_at = moment.replace(hour=hh, minute=mm, second=0, microsecond=0)
    used = repo.released_in_batch(db, programme.id, f"{moment.date().isoformat()} {programme.daily_release_time}")
    if moment < release_at:
        next_at: dt.datetime | None = release_at
    elif used >= programme.daily_release_count:
        next_at = release_at + dt.timedelta(days=1)
    else:
        next_at = None
    return {"time": programme.daily_release_time, "count": programme.daily_release_count,
            "used": used if moment >= release_at else 0, "next_at": next_at}


def _used_up(programme: Programme, category: str, on: dt.date, usage: dict[str, tuple[int, int]]) -> str | None:
    """Why the resident can take no qualification of this category (they hold or used one, or
    their quota is spent), None when they can."""
    requirements = evaluation.qualification_quotas(programme.rules_code, category, on)
    return quotas.first_used_up(requirements, usage,
                                evaluation.qualification_reserve(programme.rules_code, category, on))


def _open_programmes(db: Session, scope: Scope, moment: dt.datetime, person: Person | None) -> list[dict[str, Any]]:
    """Programmes a resident can claim a qualification in today (cars are applied for at the dealer),
    with the categories offered and those withheld because the resident's quota is used up."""
    out = []
    usage = quotas.usage_of(db, person.id) if person is not None else {}
    for programme in repo.programmes_of_city(db, scope.city_code):
        if programme.kind in CAR_KINDS or not programme.active:
            continue
        if not programme.starts_on <= moment.date() <= programme.ends_on:
            continue
        cats, used_up = [], []
        for code in evaluation.categories(programme.rules_code, moment.date()):
            label = evaluation.category_label(programme.rules_code, code)
            reason = _used_up(programme, code, moment.date(), usage)
            if reason is None:
                cats.append((code, label))
            else:
                used_up.append((label, reason))
        out.append({"programme": programme, "categories": cats, "used_up": used_up,
                    "release": _release_info(db, programme, moment)})
    return out


@router.get("/tradein/me", response_class=HTMLResponse)
def resident_page(request: Request, db: DbSession, scope: CurrentScope, done: str | None = None) -> Response:
    _resident(scope)
    moment = now()
    person = repo.person_of_scope(db, scope)
    quals = [qualification.qualification_out(db, q) for q in repo.qualifications_for(db, scope)] if person else []
    claims = repo.claims_for(db, scope, limit=100) if person else []
    programmes = {p.id: p for p in repo.programmes_of_city(db, scope.city_code)}
    return render(
        request, "tradein/resident.html", person=person, qualifications=quals, claims=claims,
        programmes=programmes, open_programmes=_open_programmes(db, scope, moment, person),
        messages=outbox.messages_for(db, person.id) if person else [], flash=FLASH.get(done or ""),
        labels=RESIDENT_STATUS, q_labels=QUALIFICATION_STATUS, key=new_key(), cancel_key=new_key(),
        category_label=lambda p, c: evaluation.category_label(p.rules_code, c), aware=aware,
    )


def _on_resident_page(call: FormCall) -> Response:
    return resident_page(call.request, call.db, call.scope)


@router.post("/tradein/me/identity")
@form_page(_on_resident_page, form="identity-form")
def register_identity(
    db: DbSession, scope: CurrentScope, name: Annotated[str, Form()] = "", id_number: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "", address: Annotated[str, Form()] = "",
) -> Response:
    _resident(scope)
    if not id_number.strip():
        raise InvalidInput("请填写本人身份证号", field="id_number")
    identity.register_person(db, id_number=id_number.strip(), name=name, phone=phone.strip() or None,
                             address=address.strip() or None, user_id=scope.user_id)
    return see_other("/tradein/me?done=identity")


@router.post("/tradein/me/identity/reclaim")
@form_page(_on_resident_page, form="reclaim")
def reclaim_identity(
    db: DbSession, scope: CurrentScope, name: Annotated[str, Form()] = "", id_number: Annotated[str, Form()] = "",
    card_number: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
) -> Response:
    """身份找回: the owner of an ID number bound by another account takes it back (tradein.residents.reclaim)."""
    _resident(scope)
    reclaim.reclaim(db, scope, reclaim.ReclaimInput(id_number=id_number, name=name, card_number=card_number,
                                                    phone=phone))
    return see_other("/tradein/me?done=reclaimed")


@router.post("/tradein/me/bank-card")
@form_page(_on_resident_page, form="card")
def register_card(
    db: DbSession, scope: CurrentScope, card_number: Annotated[str, Form()] = "",
    holder_name: Annotated[str, Form()] = "",
) -> Response:
    _resident(scope)
    person = _person(db, scope)
    if not card_number.strip():
        raise InvalidInput("请填写银行卡号", field="bank_card")
    identity.set_bank_card(db, person, card_number="".join(card_number.split()), holder_name=holder_name)
    return see_other("/tradein/me?done=card")


@router.post("/tradein/me/qualifications")
@form_page(_on_resident_page, form="qualification")
def claim_qualification(
    db: DbSession, scope: CurrentScope, choice: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """`choice` is "<programme id>:<category>" so that one select works without JavaScript."""
    _resident(scope)
    programme_part, _, category = choice.partition(":")
    if not programme_part.isdigit() or not category:
        raise InvalidInput("请选择补贴活动和品类", field="category")

    def work() -> str:
        programme = repo.get_programme(db, scope, int(programme_part))
        person = _person(db, scope)
        q = qualification.claim_qualification(db, programme=programme, person=person, category=category,
                                              actor=scope.username)
        return f"/tradein/me?done=qualification#q-{q.id}"

    return once(db, scope, idempotency_key, {"programme_id": int(programme_part), "category": category}, work)


@router.post("/tradein/me/qualifications/{qualification_id}/cancel")
@form_page(_on_resident_page, form="cancel-{qualification_id}")
def cancel_qualification(
    qualification_id: int, db: DbSession, scope: CurrentScope, idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    _resident(scope)

    def work() -> str:
        q = repo.get_qualification(db, scope, qualification_id, lock=True)
        qualification.cancel(db, q, actor=scope.username)
        return "/tradein/me?done=cancelled"

    return once(db, scope, idempotency_key, {"cancel": qualification_id}, work)


@router.post("/tradein/me/qualifications/{qualification_id}/redemption-code", response_class=HTMLResponse)
def redemption_code(qualification_id: int, request: Request, db: DbSession, scope: CurrentScope) -> Response:
    """A new one-time redemption code (核销码) for the resident's own usable qualification, with its
    QR code. Shown in this answer only: just its keyed hash is kept (tradein.qualifications.codes)."""
    _resident(scope)
    q = repo.get_qualification(db, scope, qualification_id, lock=True)  # another resident's: 404
    issued = redemption_codes.issue(db, scope, q)
    programme = db.get(Programme, q.programme_id)
    assert programme is not None
    response = render(request, "tradein/redemption_code.html", issued=issued, programme=programme,
                      category_label=evaluation.category_label(programme.rules_code, q.category))
    response.headers["Cache-Control"] = "no-store"  # the code is not kept by the browser's back button
    return response


@router.get("/tradein/me/claims/{claim_id}", response_class=HTMLResponse)
def resident_claim(claim_id: int, request: Request, db: DbSession, scope: CurrentScope,
                   done: str | None = None) -> Response:
    _resident(scope)
    claim = repo.get_claim(db, scope, claim_id)  # another resident's claim answers 404
    ctx = claim_context(db, claim)
    deadline = appeals.appeal_deadline(db, claim) if claim.status == "rejected" else None
    can_appeal = (claim.status == "rejected" and len(ctx["appeals"]) < repo.count_rejections(db, claim.id)
                  and (deadline is None or today() <= deadline))
    return render(request, "tradein/claim.html", view="resident", labels=RESIDENT_STATUS, can_appeal=can_appeal,
                  appeal_deadline=deadline, appeal_expired=deadline is not None and today() > deadline,
                  flash=FLASH.get(done or ""), **ctx)


@router.post("/tradein/me/claims/{claim_id}/appeal")
@form_page(lambda c: resident_claim(c.args["claim_id"], c.request, c.db, c.scope), form="appeal")
def appeal(claim_id: int, db: DbSession, scope: CurrentScope, reason: Annotated[str, Form()] = "") -> Response:
    _resident(scope)
    claim = repo.get_claim(db, scope, claim_id, lock=True)
    appeals.file_appeal(db, scope, claim, reason)
    return see_other(f"/tradein/me/claims/{claim.id}?done=appeal")
