"""补正 of a car claim: the dealer that filed it, or the applicant, corrects a car claim sent back for
correction on the car form pre-filled from the claim (/…/claims/{id}/car-correction)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit.clock import aware
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import lifecycle as claims_service
from huanxin.tradein.claims.events import STATUS_LABELS
from huanxin.tradein.models import Claim, Person, Programme
from huanxin.tradein.pages.car import (
    CAR_PROOFS,
    CarForm,
    CarFormDep,
    _body,
    _dealer,
    _form_context,
    _resident,
    purchase_of,
)
from huanxin.tradein.pages.support import (
    claim_context,
    once,
    see_other,
)
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)


# ---- 补正: the dealer or the applicant corrects a car claim sent back for correction -------------

def _yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def form_of_claim(claim: Claim) -> CarForm:
    """The car form as it was filed (the claim's recorded inputs), to be corrected."""
    inputs = claim.inputs or {}
    proofs = inputs.get("proofs") or {}
    displacement = inputs.get("new_vehicle_displacement_l")
    return CarForm(
        programme_id=str(claim.programme_id), price=_yuan_text(claim.price_fen), invoice_no=claim.invoice_no,
        invoice_date=claim.invoice_date.isoformat(), brand=claim.brand, model=claim.model,
        new_vin=inputs.get("new_vin") or claim.vin or "", new_vehicle_fuel=inputs.get("new_vehicle_fuel") or "",
        new_vehicle_displacement_l=f"{displacement:g}" if displacement else "",
        old_vin=inputs.get("old_vin") or "", old_vehicle_fuel=inputs.get("old_vehicle_fuel") or "",
        old_vehicle_registered_on=inputs.get("old_vehicle_registered_on") or "",
        old_vehicle_owned_since=inputs.get("old_vehicle_owned_since") or "",
        old_emission_standard=inputs.get("old_emission_standard") or "",
        **{kind: str(proofs.get(kind) or "") for kind in CAR_PROOFS},
    )


def _car_claim(db: Session, claim: Claim) -> Programme:
    programme = db.get(Programme, claim.programme_id)
    assert programme is not None
    if programme.kind not in claims_service.CAR_KINDS:
        raise InvalidInput("该申请不是汽车补贴申请，请在申请详情页补正", field="claim_id")
    return programme


def _correction_page(request: Request, db: Session, scope: Scope, claim: Claim, *, view: str,
                     back: str) -> Response:
    programme = _car_claim(db, claim)
    if claim.status != "correction":  # already resubmitted, or never sent back: the claim's own page
        return see_other(back)
    ctx = claim_context(db, claim)
    correction = {"claim": claim, "note": ctx["correction_note"], "applicant": db.get(Person, claim.person_id),
                  "back": back}
    return render(request, "tradein/car_form.html", view=view, retailer=None, stop_reason=None,
                  person=repo.person_of_scope(db, scope) if view == "resident" else None, recent=[],
                  labels=STATUS_LABELS, aware=aware,
                  **_form_context(db, scope, [programme], action=f"{back}/car-correction",
                                  prev=form_of_claim(claim), correction=correction))


def _correct(db: Session, scope: Scope, claim_id: int, form: CarForm, version: str, key: str,
             done_url: str) -> Response:
    """Resubmits the corrected form once per key; the claim's programme and applicant stay as filed."""
    claim = repo.get_claim(db, scope, claim_id)  # another dealer's or resident's claim: 404
    programme = _car_claim(db, claim)
    if form.programme_id.strip() and form.programme_id.strip() != str(programme.id):
        raise InvalidInput("补正时不能更换补贴活动", field="programme_id")
    if not version.strip().isdigit():
        raise InvalidInput("表单缺少申请版本，请刷新页面后重新填写", field="version")
    purchase = purchase_of(form, programme)
    body = _body(programme, purchase, claim_id=claim.id, version=int(version))

    def work() -> str:
        locked = repo.get_claim(db, scope, claim_id, lock=True)
        claims_service.resubmit(db, scope, locked, purchase, version=int(version))
        return f"{done_url}/{locked.id}?done=resubmitted"

    return once(db, scope, key, body, work)


@router.get("/tradein/retailer/claims/{claim_id}/car-correction", response_class=HTMLResponse)
def dealer_correction_form(claim_id: int, request: Request, db: DbSession, scope: CurrentScope) -> Response:
    _dealer(db, scope)
    claim = repo.get_claim(db, scope, claim_id)  # another dealer's claim: 404
    return _correction_page(request, db, scope, claim, view="retailer", back=f"/tradein/retailer/claims/{claim.id}")


@router.post("/tradein/retailer/claims/{claim_id}/car-correction")
def dealer_correct(claim_id: int, db: DbSession, scope: CurrentScope, form: CarFormDep,
                   version: Annotated[str, Form()] = "", idempotency_key: Annotated[str, Form()] = "") -> Response:
    _dealer(db, scope)
    return _correct(db, scope, claim_id, form, version, idempotency_key, "/tradein/retailer/car/claims")


@router.get("/tradein/me/claims/{claim_id}/car-correction", response_class=HTMLResponse)
def resident_correction_form(claim_id: int, request: Request, db: DbSession, scope: CurrentScope) -> Response:
    _resident(scope)
    claim = repo.get_claim(db, scope, claim_id)  # another resident's claim: 404
    return _correction_page(request, db, scope, claim, view="resident", back=f"/tradein/me/claims/{claim.id}")


@router.post("/tradein/me/claims/{claim_id}/car-correction")
def resident_correct(claim_id: int, db: DbSession, scope: CurrentScope, form: CarFormDep,
                     version: Annotated[str, Form()] = "", idempotency_key: Annotated[str, Form()] = "") -> Response:
    _resident(scope)
    return _correct(db, scope, claim_id, form, version, idempotency_key, "/tradein/me/car/claims")
