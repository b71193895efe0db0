"""JSON API of the plan importer: upload a document, read and edit the proposal, commit it.

    POST /api/v1/cities/{city}/plan-imports            multipart `file` → the proposal (201)
    GET  /api/v1/cities/{city}/plan-imports/{id}       the proposal and, for a newer version, its diff
    PUT  /api/v1/cities/{city}/plan-imports/{id}       replace the proposal with an edited one (same schema)
    POST /api/v1/cities/{city}/plan-imports/{id}/commit   create the plan (all or nothing); optional body
         {"confirm_city": true} when the proposal's region could not be read (“我确认这是本市的方案”)
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from huanxin.kit import uploads
from huanxin.kit.limits import Schema
from huanxin.plans.importer import service, store
from huanxin.plans.importer.proposal import Proposal
from huanxin.plans.importer.readers import MAX_BYTES
from huanxin.plans.importer.store import ImportRecord
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["方案导入"])


async def read_limited(upload: UploadFile) -> bytes:
    """Reads in chunks and stops past the limit (kit.uploads), so a huge upload is refused without
    filling memory."""
    return await uploads.read_upload(upload, MAX_BYTES)


def _body(db: DbSession, record: ImportRecord) -> dict[str, Any]:
    diff = service.diff_for(db, record)
    check = service.city_check(record.city, record.proposal)
    return {
        "id": record.id, "city": record.city, "replaces": record.replaces,
        "origin": {"region": check.origin.region.code if check.origin else None,
                   "needs_confirmation": check.needs_confirmation, "warning": check.warning,
                   "foreign_units": check.foreign_units},
        "review_url": f"/cities/{record.city}/plans/import/{record.id}",
        "proposal": record.proposal.model_dump(mode="json", by_alias=True),
        "diff": asdict(diff) if diff is not None else None,
    }


@router.post("/cities/{city_code}/plan-imports", status_code=201)
async def upload(city_code: str, db: DbSession, scope: CurrentScope,
                 file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    data = await read_limited(file)
    # Reading a .docx or .pdf and parsing the plan take a while: in a worker thread, off the event loop.
    record = await run_in_threadpool(service.start, db, scope, city_code, file.filename or "", data)
    return await run_in_threadpool(_body, db, record)


@router.get("/cities/{city_code}/plan-imports/{import_id}")
def read(city_code: str, import_id: str, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return _body(db, service.get(scope, city_code, import_id))


@router.put("/cities/{city_code}/plan-imports/{import_id}")
def replace(city_code: str, import_id: str, proposal: Proposal, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    record = service.get(scope, city_code, import_id)
    record.proposal = proposal
    record.proposal.plan.city = city_code
    store.save(record)
    return _body(db, record)


class CommitRequest(Schema):
    # The office's “我确认这是本市的方案”: required when the issuer names no known region.
    confirm_city: bool = False


@router.post("/cities/{city_code}/plan-imports/{import_id}/commit", status_code=201)
def commit(city_code: str, import_id: str, db: DbSession, scope: CurrentScope,
           body: CommitRequest | None = None) -> JSONResponse:
    record = service.get(scope, city_code, import_id)
    if body is not None:
        record.city_confirmed = body.confirm_city
    plan = service.commit(db, scope, record)
    service.mark_committed(record, plan)
    return JSONResponse({"plan_id": plan.id, "key": plan.key, "ledger_url": f"/plans/{plan.id}/ledger"},
                        status_code=201)
