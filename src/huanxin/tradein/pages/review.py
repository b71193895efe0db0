"""The review queue of the commerce bureau (商务局审核员) and the office (/tradein/review): claims in
review with their fraud flags explained and scored and the rules' trace; approve, reject with
reasons, ask for a correction; appeals; payout batches with the bank's file and its result."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit.clock import aware
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import appeals, review
from huanxin.tradein.claims.events import STATUS_LABELS
from huanxin.tradein.fraud import assessment as fraud
from huanxin.tradein.models import Appeal, Claim, FraudFlag, PayoutBatch, Person, Programme, Retailer
from huanxin.tradein.pages.support import (
    category_label,
    claim_context,
    new_key,
    once,
    see_other,
)
from huanxin.tradein.payouts import batches as payouts
from huanxin.tradein.retailers import admission as retailers
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
QUEUES = ("review", "correction", "appealed", "approved", "paying", "rejected", "paid")
MAX_RESULT_FILE = 20 * 1024 * 1024
FLASH = {"approved": "已批准。", "rejected": "已驳回。", "correction": "已要求补正，已通知申请人和核销商户。",
         "appeal": "申诉已处理。"}
BATCH_STATUS = {"created": "待复核", "approved": "已复核，待银行回盘", "reconciled": "已对账"}
LINE_STATUS = {"sent": "已发送银行", "paid": "发放成功", "failed": "发放失败"}


def _staff(scope: Scope) -> None:
    repo.require_staff(scope)


def _status_counts(db: Session, city_code: str) -> dict[str, int]:
    rows = db.execute(select(Claim.status, func.count()).where(Claim.city_code == city_code)
                      .group_by(Claim.status)).all()
    return {status: int(n) for status, n in rows}


def _flags_by_claim(db: Session, claim_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {cid: [] for cid in claim_ids}
    if claim_ids:
        for flag in db.scalars(select(FraudFlag).where(FraudFlag.claim_id.in_(claim_ids))
                               .order_by(FraudFlag.score.desc(), FraudFlag.id)):
            out[flag.claim_id].append(fraud.flag_view(flag))
    return out


def _retailer_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r.id: r.name for r in db.scalars(select(Retailer).where(Retailer.id.in_(ids)))}


@router.get("/tradein/review", response_class=HTMLResponse)
def queue(request: Request, db: DbSession, scope: CurrentScope, status: str = "review") -> Response:
    _staff(scope)
    status = status if status in QUEUES else "review"
    claims = review.queue(db, scope, status=status, limit=200)
    programmes = {p.id: p for p in repo.programmes_of_city(db, scope.city_code)}
    return render(
        request, "tradein/review_queue.html", claims=claims, status=status, queues=QUEUES, labels=STATUS_LABELS,
        counts=_status_counts(db, scope.city_code), flags=_flags_by_claim(db, [c.id for c in claims]),
        retailers=_retailer_names(db, {c.retailer_id for c in claims if c.retailer_id}), programmes=programmes,
        category_label=category_label, aware=aware,
    )


@router.get("/tradein/review/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(claim_id: int, request: Request, db: DbSession, scope: CurrentScope,
               done: str | None = None) -> Response:
    _staff(scope)
    claim = repo.get_claim(db, scope, claim_id)  # another city's claim answers 404
    ctx = claim_context(db, claim)
    retailer = db.get(Retailer, claim.retailer_id) if claim.retailer_id else None
    open_appeal = next((a for a in ctx["appeals"] if a.status == "open"), None)
    return render(
        request, "tradein/claim.html", view="review", labels=STATUS_LABELS, flash=FLASH.get(done or ""),
        flags=[fraud.flag_view(f) for f in fraud.flags_for_claim(db, claim.id)], retailer=retailer,
        retailer_history=fraud.retailer_history(db, retailer.id) if retailer else [],
        retailer_status=retailers.STATUS_LABELS, open_appeal=open_appeal, applicant=db.get(Person, claim.person_id),
        **ctx,
    )


def _act(db: Session, scope: Scope, claim_id: int) -> Claim:
    _staff(scope)
    return repo.get_claim(db, scope, claim_id, lock=True)


@router.post("/tradein/review/claims/{claim_id}/approve")
def approve(claim_id: int, db: DbSession, scope: CurrentScope, note: Annotated[str, Form()] = "") -> Response:
    review.approve(db, scope, _act(db, scope, claim_id), note)
    return see_other(f"/tradein/review/claims/{claim_id}?done=approved")


@router.post("/tradein/review/claims/{claim_id}/reject")
def reject(claim_id: int, db: DbSession, scope: CurrentScope, reasons: Annotated[str, Form()] = "") -> Response:
    """One reason per line."""
    review.reject(db, scope, _act(db, scope, claim_id), [line for line in reasons.splitlines() if line.strip()])
    return see_other(f"/tradein/review/claims/{claim_id}?done=rejected")


@router.post("/tradein/review/claims/{claim_id}/request-correction")
def request_correction(claim_id: int, db: DbSession, scope: CurrentScope,
                       what: Annotated[str, Form()] = "") -> Response:
    review.request_correction(db, scope, _act(db, scope, claim_id), what)
    return see_other(f"/tradein/review/claims/{claim_id}?done=correction")


@router.post("/tradein/review/appeals/{appeal_id}/decide")
def decide_appeal(appeal_id: int, db: DbSession, scope: CurrentScope, decision: Annotated[str, Form()] = "",
                  note: Annotated[str, Form()] = "") -> Response:
    _staff(scope)
    if decision not in ("overturn", "uphold"):
        raise InvalidInput("请选择申诉处理结果：申诉成立或维持驳回", field="decision")
    item, claim = repo.get_appeal(db, scope, appeal_id)
    appeals.decide_appeal(db, scope, item, claim, overturn=decision == "overturn", note=note)
    return see_other(f"/tradein/review/claims/{claim.id}?done=appeal")


@router.get("/tradein/review/appeals", response_class=HTMLResponse)
def appeals_page(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    _staff(scope)
    rows = db.execute(select(Appeal, Claim).join(Claim, Claim.id == Appeal.claim_id)
                      .where(Claim.city_code == scope.city_code, Appeal.status == "open")
                      .order_by(Appeal.filed_at).limit(200)).all()
    decided = db.execute(select(Appeal, Claim).join(Claim, Claim.id == Appeal.claim_id)
                         .where(Claim.city_code == scope.city_code, Appeal.status != "open")
                         .order_by(Appeal.decided_at.desc()).limit(50)).all()
    return render(request, "tradein/review_appeals.html", open_rows=rows, decided_rows=decided, labels=STATUS_LABELS,
                  appeal_labels={"open": "待处理", "upheld": "维持驳回", "overturned": "申诉成立"}, aware=aware)


# ---- payout batches ---------------------------------------------------------------------------

def _payable(db: Session, city_code: str) -> tuple[int, int]:
    n, total = db.execute(select(func.count(), func.coalesce(func.sum(Claim.amount_fen), 0))
                          .where(Claim.city_code == city_code, Claim.status == "approved")).one()
    return int(n), int(total)


@router.get("/tradein/review/batches", response_class=HTMLResponse)
def batches_page(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    _staff(scope)
    payable, payable_fen = _payable(db, scope.city_code)
    return render(request, "tradein/review_batches.html", batches=repo.batches_of_city(db, scope.city_code),
                  payable=payable, payable_fen=payable_fen, key=new_key(), batch_labels=BATCH_STATUS,
                  max_batch=payouts.MAX_BATCH, aware=aware)


@router.post("/tradein/review/batches")
def create_batch(db: DbSession, scope: CurrentScope, limit: Annotated[str, Form()] = "1000",
                 idempotency_key: Annotated[str, Form()] = "") -> Response:
    _staff(scope)
    value = limit.strip() or "1000"
    if not value.isdigit():
        raise InvalidInput(f"每批笔数“{limit}”应为整数", field="limit")

    def work() -> str:
        batch = payouts.create_batch(db, scope, limit=int(value))
        return f"/tradein/review/batches/{batch.id}"

    return once(db, scope, idempotency_key, {"limit": int(value)}, work)


def _batch_context(db: Session, scope: Scope, batch: PayoutBatch) -> dict[str, Any]:
    lines = repo.lines_of_batch(db, batch.id)
    claims = {c.id: c for c in db.scalars(select(Claim).where(Claim.id.in_([x.claim_id for x in lines])))} \
        if lines else {}
    programmes = {p.id: p for p in db.scalars(select(Programme).where(Programme.city_code == scope.city_code))}
    return {"batch": batch, "lines": lines, "claims": claims, "programmes": programmes, "key": new_key(),
            "batch_labels": BATCH_STATUS, "line_labels": LINE_STATUS, "labels": STATUS_LABELS, "aware": aware}


@router.get("/tradein/review/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: int, request: Request, db: DbSession, scope: CurrentScope, paid: int | None = None,
               failed: int | None = None, rejected: int | None = None, unchanged: int | None = None) -> Response:
    batch = repo.get_batch(db, scope, batch_id)
    result = None if paid is None else {"paid": paid, "failed": failed or 0, "rejected": rejected or 0,
                                        "unchanged": unchanged or 0}
    return render(request, "tradein/review_batch.html", result=result, errors=None,
                  **_batch_context(db, scope, batch))


@router.post("/tradein/review/batches/{batch_id}/approve")
def approve_batch(batch_id: int, db: DbSession, scope: CurrentScope,
                  idempotency_key: Annotated[str, Form()] = "") -> Response:
    """The second person's check (四眼原则): anyone of the city's staff but the batch's maker."""
    batch = repo.get_batch(db, scope, batch_id)

    def work() -> str:
        payouts.approve(db, scope, batch)
        return f"/tradein/review/batches/{batch.id}"

    return once(db, scope, idempotency_key, {"batch_id": batch_id, "approve": True}, work)


@router.get("/tradein/review/batches/{batch_id}/file")
def batch_file(batch_id: int, db: DbSession, scope: CurrentScope) -> Response:
    """The bank's payment file: real names and card numbers, so every download is audited."""
    batch = repo.get_batch(db, scope, batch_id)
    data = payouts.payout_file(db, scope, batch)
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{batch.file_name}"',
                             "Cache-Control": "no-store"})


@router.post("/tradein/review/batches/{batch_id}/result", response_class=HTMLResponse)
async def upload_result(batch_id: int, request: Request, db: DbSession, scope: CurrentScope,
                        file: Annotated[UploadFile | None, File()] = None,
                        idempotency_key: Annotated[str, Form()] = "") -> Response:
    """The bank's result file. A refused file is shown with its row-level errors on the batch page,
    and nothing changes."""
    batch = repo.get_batch(db, scope, batch_id)
    data = await file.read(MAX_RESULT_FILE + 1) if file is not None else b""
    if not data:
        raise InvalidInput("请选择银行回盘结果文件（CSV）", field="file")
    if len(data) > MAX_RESULT_FILE:
        raise InvalidInput("结果文件过大（上限 20 MB）", field="file")
    def work() -> str:
        result = payouts.reconcile(db, scope, batch, data)
        return (f"/tradein/review/batches/{batch.id}?paid={result.paid}&failed={result.failed}"
                f"&rejected={result.rejected}&unchanged={result.unchanged}")

    try:
        return once(db, scope, idempotency_key, {"batch_id": batch_id, "sha256": hashlib.sha256(data).hexdigest()},
                    work)
    except InvalidInput as exc:
        if exc.field != "file":
            raise
        return render(request, "tradein/review_batch.html", status_code=422, result=None, errors=exc,
                      **_batch_context(db, scope, batch))
