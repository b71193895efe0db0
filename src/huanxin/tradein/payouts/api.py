"""JSON API of the subsidy payouts (/api/v1/tradein/payout-batches…): the reviewers' batches, the
bank's file, and the bank's result that settles them. Every submission carries an
`Idempotency-Key` (tradein.api.idempotent). A batch's maker cannot release it: another member
of staff approves it (POST …/approve) before the file or the result is accepted; money moves
only through the ledger (tradein.payouts.batches)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.tradein import repository as repo
from huanxin.tradein.api import IdemKey, idempotent
from huanxin.tradein.payouts import batches as payouts
from huanxin.tradein.schemas import BatchIn
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(prefix="/tradein", tags=["以旧换新补贴申请"])
MAX_RESULT_FILE = 20 * 1024 * 1024


def _batch_out(db: Session, batch: Any) -> dict[str, Any]:
    lines = repo.lines_of_batch(db, batch.id)
    return {"id": batch.id, "status": batch.status, "count": batch.count, "total_fen": batch.total_fen,
            "file_name": batch.file_name, "created_by": batch.created_by, "created_at": batch.created_at.isoformat(),
            "approved_by": batch.approved_by,
            "approved_at": batch.approved_at.isoformat() if batch.approved_at else None,
            "lines": [{"claim_id": x.claim_id, "amount_fen": x.amount_fen, "status": x.status,
                       "bank_ref": x.bank_ref, "failure_reason": x.failure_reason} for x in lines]}


@router.post("/payout-batches", status_code=201)
def create_batch(body: BatchIn, db: DbSession, scope: CurrentScope, idempotency_key: IdemKey = None) -> JSONResponse:
    def work() -> tuple[int, dict[str, Any]]:
        batch = payouts.create_batch(db, scope, claim_ids=body.claim_ids, limit=body.limit)
        return 201, _batch_out(db, batch)
    return idempotent(db, scope, idempotency_key, body.model_dump(), work)


@router.get("/payout-batches")
def list_batches(db: DbSession, scope: CurrentScope) -> list[dict[str, Any]]:
    repo.require_staff(scope)
    return [_batch_out(db, b) for b in repo.batches_of_city(db, scope.city_code)]


@router.get("/payout-batches/{batch_id}")
def get_batch(batch_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return _batch_out(db, repo.get_batch(db, scope, batch_id))


@router.post("/payout-batches/{batch_id}/approve")
def approve_batch(batch_id: int, db: DbSession, scope: CurrentScope, idempotency_key: IdemKey = None) -> JSONResponse:
    """The second person's check: staff of the city other than the maker (else 403); twice: 409."""
    def work() -> tuple[int, dict[str, Any]]:
        batch = payouts.approve(db, scope, repo.get_batch(db, scope, batch_id))
        return 200, _batch_out(db, batch)
    return idempotent(db, scope, idempotency_key, {"batch_id": batch_id, "approve": True}, work)


@router.get("/payout-batches/{batch_id}/file")
def payout_file(batch_id: int, db: DbSession, scope: CurrentScope) -> Response:
    batch = repo.get_batch(db, scope, batch_id)
    data = payouts.payout_file(db, scope, batch)
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{batch.file_name}"',
                             "Cache-Control": "no-store"})


@router.post("/payout-batches/{batch_id}/result")
async def upload_result(batch_id: int, db: DbSession, scope: CurrentScope, file: Annotated[UploadFile, File()],
                        idempotency_key: IdemKey = None) -> JSONResponse:
    data = await file.read(MAX_RESULT_FILE + 1)
    if len(data) > MAX_RESULT_FILE:
        raise InvalidInput("结果文件过大（上限 20 MB）", field="file")

    def work() -> tuple[int, dict[str, Any]]:
        batch = repo.get_batch(db, scope, batch_id)
        result = payouts.reconcile(db, scope, batch, data)
        return 200, {"batch": _batch_out(db, batch), "paid": result.paid, "failed": result.failed,
                     "rejected": result.rejected, "unchanged": result.unchanged}
    return idempotent(db, scope, idempotency_key, {"batch_id": batch_id, "sha256": hashlib.sha256(data).hexdigest()},
                      work)
