"""The retailer and dealer portal (/tradein/retailer): redeem (核销) a resident's qualification
against a purchase, see the decision at once, follow its claims and payments, and resubmit a
claim the reviewer sent back for correction (补正). A suspended retailer sees why and cannot redeem."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit.clock import aware, now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation, redemption
from huanxin.tradein.claims import lifecycle as claims_service
from huanxin.tradein.claims.events import STATUS_LABELS
from huanxin.tradein.models import Claim, Person, Programme, Qualification, Retailer
from huanxin.tradein.pages.support import (
    GRADES,
    PROOF_LABELS,
    claim_context,
    form_date,
    form_int,
    new_key,
    once,
    proofs_from,
    require_role,
    yuan_to_fen,
)
from huanxin.tradein.qualifications import codes as redemption_codes
from huanxin.tradein.retailers import admission as retailers
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FLASH = {"redeemed": "核销已提交，审核结果见下方。", "resubmitted": "补正材料已提交，申请已回到审核队列。"}


def _retailer(db: Session, scope: Scope) -> Retailer:
    require_role(scope, Role.RETAILER, message="此页面供已准入的经营主体（零售商、经销商）使用")
    return retailers.retailer_for_user(db, scope)


def _stop_reason(db: Session, retailer: Retailer) -> str | None:
    """Why a suspended or expelled retailer may not redeem (the reason of its last status change)."""
    if retailer.status == retailers.ADMITTED:
        return None
    history = retailers.retailer_history(db, retailer.id)
    reason = history[-1].reason if history else ""
    label = retailers.STATUS_LABELS.get(retailer.status, retailer.status)
    return f"本经营主体已被{label}，暂不能核销" + (f"。原因：{reason}" if reason else "")


def _summary(db: Session, retailer_id: int) -> list[dict[str, Any]]:
    """Claims and amounts per status for this retailer (one GROUP BY)."""
    rows = db.execute(select(Claim.status, func.count(), func.coalesce(func.sum(Claim.amount_fen), 0))
                      .where(Claim.retailer_id == retailer_id).group_by(Claim.status)).all()
    by_status = {status: (int(n), int(total)) for status, n, total in rows}
    return [{"status": s, "label": label, "count": by_status.get(s, (0, 0))[0],
             "amount_fen": by_status.get(s, (0, 0))[1]} for s, label in STATUS_LABELS.items()]


@router.get("/tradein/retailer", response_class=HTMLResponse)
def portal(request: Request, db: DbSession, scope: CurrentScope, status: str | None = None, page: int = 1) -> Response:
    retailer = _retailer(db, scope)
    page = max(page, 1)
    status = status if status in STATUS_LABELS else None
    claims = repo.claims_for(db, scope, status=status, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    paid = repo.claims_for(db, scope, status="paid", limit=20)
    programmes = {p.id: p for p in repo.programmes_of_city(db, scope.city_code)}
    return render(
        request, "tradein/retailer.html", retailer=retailer, stop_reason=_stop_reason(db, retailer),
        history=retailers.retailer_history(db, retailer.id), summary=_summary(db, retailer.id),
        claims=claims[:PAGE_SIZE], has_more=len(claims) > PAGE_SIZE, page=page, status=status,
        paid=paid, programmes=programmes, labels=STATUS_LABELS, kinds=retailers.PROGRAMME_KINDS,
        retailer_status=retailers.STATUS_LABELS, category_label=lambda p, c: evaluation.category_label(p.rules_code, c),
        aware=aware,
    )


def _presented_numbers(qualification_no: str, redemption_code: str) -> tuple[int, str]:
    """The qualification number and the code as typed, or both from the resident's QR code when a
    till's scanner typed it into the qualification-number field."""
    from_qr = redemption_codes.scanned(qualification_no)
    if from_qr is not None:
        return from_qr
    return int(form_int(qualification_no, "qualification_id", "资格编号") or 0), redemption_code


def _verified(db: Session, scope: Scope, retailer: Retailer, qualification_no: str, id_number: str,
              redemption_code: str = "") -> tuple[Qualification, Programme, Person, redemption_codes.Shown]:
    """The qualification the resident showed, checked against their one-time redemption code or
    their ID number: a qualification number alone is not enough to redeem someone's subsidy (the
    API checks the same, in redemption.presented)."""
    number, code = _presented_numbers(qualification_no, redemption_code)
    shown = redemption_codes.shown(number, id_number=id_number, code=code)
    stop = _stop_reason(db, retailer)
    if stop:
        raise Forbidden(stop, field="retailer_id")
    q = redemption.presented(db, scope, number, shown.holder_id_hash, shown.code_hash)
    person = db.get(Person, q.person_id)
    programme = db.get(Programme, q.programme_id)
    assert person is not None and programme is not None
    return q, programme, person, shown


@router.post("/tradein/retailer/verify", response_class=HTMLResponse)
@form_page(lambda c: portal(c.request, c.db, c.scope), form="verify")
def verify(request: Request, db: DbSession, scope: CurrentScope, qualification_no: Annotated[str, Form()] = "",
           id_number: Annotated[str, Form()] = "", redemption_code: Annotated[str, Form()] = "") -> Response:
    """Step 1 of redemption: the resident's qualification number and redemption code (or ID number)
    are checked and the purchase form is shown for that qualification (nothing is written)."""
    retailer = _retailer(db, scope)
    q, programme, person, shown = _verified(db, scope, retailer, qualification_no, id_number, redemption_code)
    required = set(evaluation.programme_rules(programme.rules_code).required_proofs)
    code = _presented_numbers(qualification_no, redemption_code)[1] if shown.code_hash else ""
    return render(request, "tradein/redeem.html", retailer=retailer, q=q, programme=programme, person=person,
                  id_number="" if shown.code_hash else id_number.strip(), redemption_code="".join(code.split()),
                  category_label=evaluation.category_label(programme.rules_code, q.category),
                  expires_at=aware(q.expires_at) if q.expires_at else None, key=new_key(), grades=GRADES,
                  proof_labels=PROOF_LABELS, required_proofs=required, today=now().date())


def _purchase(category: str, price: str, invoice_no: str, invoice_date: str, brand: str, model: str,
              efficiency_grade: str, serial: str, proof_kind: str, proof_no: str) -> claims_service.Purchase:
    return claims_service.Purchase(
        category=category, price_fen=yuan_to_fen(price, "price", "成交价格"), invoice_no=invoice_no,
        invoice_date=form_date(invoice_date, "invoice_date", "发票日期"), brand=brand, model=model,
        efficiency_grade=form_int(efficiency_grade, "efficiency_grade", "能效（水效）等级", required=False),
        serial=serial or None, proofs=proofs_from(proof_kind, proof_no),
    )


def _body(purchase: claims_service.Purchase) -> dict[str, Any]:
    return {"category": purchase.category, "price_fen": purchase.price_fen, "invoice_no": purchase.invoice_no,
            "invoice_date": purchase.invoice_date.isoformat(), "brand": purchase.brand, "model": purchase.model,
            "efficiency_grade": purchase.efficiency_grade, "serial": purchase.serial, "proofs": purchase.proofs}


@router.post("/tradein/retailer/redeem")
# The purchase form is shown again for the same qualification (verified afresh), with what was typed.
@form_page(lambda c: verify(c.request, c.db, c.scope, c.args["qualification_no"], c.args["id_number"],
                            c.args["redemption_code"]), form="redeem")
def redeem(
    db: DbSession, scope: CurrentScope, qualification_no: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "", redemption_code: Annotated[str, Form()] = "",
    price: Annotated[str, Form()] = "",
    invoice_no: Annotated[str, Form()] = "", invoice_date: Annotated[str, Form()] = "",
    brand: Annotated[str, Form()] = "", model: Annotated[str, Form()] = "",
    efficiency_grade: Annotated[str, Form()] = "", serial: Annotated[str, Form()] = "",
    proof_kind: Annotated[str, Form()] = "", proof_no: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """Step 2: the purchase is redeemed against the verified qualification; the decision shows at once."""
    retailer = _retailer(db, scope)
    q, _programme, _person, shown = _verified(db, scope, retailer, qualification_no, id_number, redemption_code)
    purchase = _purchase(q.category, price, invoice_no, invoice_date, brand, model, efficiency_grade, serial,
                         proof_kind, proof_no)
    # Neither the ID number nor the redemption code is part of the remembered request: only their keyed hashes.
    body = {"qualification_id": q.id, "holder": shown.holder_id_hash, "code": shown.code_hash, **_body(purchase)}

    def work() -> str:
        claim = redemption.redeem(db, scope, q.id, purchase, holder_id_hash=shown.holder_id_hash,
                                  code_hash=shown.code_hash)
        return f"/tradein/retailer/claims/{claim.id}?done=redeemed"

    return once(db, scope, idempotency_key, body, work)


@router.get("/tradein/retailer/claims/{claim_id}", response_class=HTMLResponse)
def retailer_claim(claim_id: int, request: Request, db: DbSession, scope: CurrentScope,
                   done: str | None = None) -> Response:
    retailer = _retailer(db, scope)
    claim = repo.get_claim(db, scope, claim_id)  # another retailer's claim answers 404
    ctx = claim_context(db, claim)
    inputs = claim.inputs or {}
    proof_kind, proof_no = next(iter(sorted((inputs.get("proofs") or {}).items())), ("", ""))
    return render(request, "tradein/claim.html", view="retailer", labels=STATUS_LABELS, retailer=retailer,
                  flash=FLASH.get(done or ""), key=new_key(), grades=GRADES, proof_labels=PROOF_LABELS,
                  previous={"serial": inputs.get("serial", ""), "proof_kind": proof_kind, "proof_no": proof_no},
                  **ctx)


@router.post("/tradein/retailer/claims/{claim_id}/resubmit")
def resubmit(
    claim_id: int, db: DbSession, scope: CurrentScope, price: Annotated[str, Form()] = "",
    invoice_no: Annotated[str, Form()] = "", invoice_date: Annotated[str, Form()] = "",
    brand: Annotated[str, Form()] = "", model: Annotated[str, Form()] = "",
    efficiency_grade: Annotated[str, Form()] = "", serial: Annotated[str, Form()] = "",
    proof_kind: Annotated[str, Form()] = "", proof_no: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    _retailer(db, scope)
    claim = repo.get_claim(db, scope, claim_id, lock=True)
    if claim.category == "car":
        raise InvalidInput("汽车补贴申请请在汽车补正表单上补正："
                           f"/tradein/retailer/claims/{claim.id}/car-correction", field="claim_id")
    purchase = _purchase(claim.category, price, invoice_no, invoice_date, brand, model, efficiency_grade, serial,
                         proof_kind, proof_no)

    def work() -> str:
        claims_service.resubmit(db, scope, claim, purchase)
        return f"/tradein/retailer/claims/{claim.id}?done=resubmitted"

    return once(db, scope, idempotency_key, {"claim_id": claim_id, **_body(purchase)}, work)
