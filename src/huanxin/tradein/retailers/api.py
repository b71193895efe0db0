"""JSON API for retailer admission and fraud review (/api/v1).

    GET  /cities/{city}/retailers[?status=]          the city's retailers with status and history
    POST /cities/{city}/retailers                     admit (office, reviewer) → 201
    GET  /retailers/{id}                              one retailer with its history
    POST /retailers/{id}/suspend | reinstate | expel  body {"reason": "..."} (office, reviewer)
    GET  /my/retailer                                 the retailer a retailer user acts for
    GET  /fraud/claims/{claim_id}/flags               a claim's fraud flags (office, reviewer, leader)
    GET  /reference-prices[?category=&brand=&model=]  frozen reference prices
    POST /reference-prices/import                     multipart `file` (.xlsx) + `window_start`, `window_end`

Another city's retailer or claim answers 404; a role without the right answers 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from huanxin.errors import InvalidInput, NotFound
from huanxin.kit import uploads
from huanxin.kit.clock import aware, parse_date
from huanxin.kit.limits import Schema, ShortText
from huanxin.tradein.fraud import assessment as fraud
from huanxin.tradein.models import Claim, Retailer, RetailerStatusChange
from huanxin.tradein.programmes import reference_prices
from huanxin.tradein.retailers import admission as retailers
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["以旧换新经营主体与风控"])


class StatusChangeOut(BaseModel):
    from_status: str | None
    to_status: str
    to_label: str
    reason: str
    at: dt.datetime
    actor: str


class RetailerOut(BaseModel):
    id: int
    city_code: str
    unit_id: int | None
    name: str
    credit_code: str
    region_code: str
    kinds: list[str]
    status: str
    status_label: str
    admitted_on: dt.date
    history: list[StatusChangeOut]


class AdmitIn(Schema):
    # Defaults so that a missing field gets the service's Chinese message naming it.
    name: ShortText = ""
    credit_code: str = ""
    region_code: str = ""
    kinds: list[str] = []
    reason: str | None = None


class ReasonIn(Schema):
    reason: str = ""


class FlagOut(BaseModel):
    id: int
    claim_id: int
    rule: str
    label: str
    score: float
    explanation: str
    at: dt.datetime


class ClaimFlagsOut(BaseModel):
    claim_id: int
    fraud_score: float
    flags: list[FlagOut]


class ReferencePriceOut(BaseModel):
    category: str
    brand: str
    model: str
    price_fen: int
    window: str
    samples: int


def _change(change: RetailerStatusChange) -> StatusChangeOut:
    return StatusChangeOut(from_status=change.from_status, to_status=change.to_status,
                           to_label=retailers.STATUS_LABELS.get(change.to_status, change.to_status),
                           reason=change.reason, at=aware(change.at), actor=change.actor)


def _retailer(item: Retailer, history: list[RetailerStatusChange]) -> RetailerOut:
    return RetailerOut(
        id=item.id, city_code=item.city_code, unit_id=item.unit_id, name=item.name, credit_code=item.credit_code,
        region_code=item.region_code, kinds=list(item.kinds or []), status=item.status,
        status_label=retailers.STATUS_LABELS.get(item.status, item.status), admitted_on=item.admitted_on,
        history=[_change(c) for c in history],
    )


@router.get("/cities/{city_code}/retailers", response_model=list[RetailerOut])
def list_retailers(city_code: str, db: DbSession, scope: CurrentScope, status: str | None = None) -> list[RetailerOut]:
    items = retailers.list_retailers(db, scope, city_code, status)
    histories = retailers.histories(db, [r.id for r in items])
    return [_retailer(r, histories[r.id]) for r in items]


@router.post("/cities/{city_code}/retailers", response_model=RetailerOut, status_code=201)
def admit(city_code: str, body: AdmitIn, db: DbSession, scope: CurrentScope) -> RetailerOut:
    item = retailers.admit(db, scope, city_code=city_code, name=body.name, credit_code=body.credit_code,
                           region_code=body.region_code, kinds=body.kinds, actor=scope.username, reason=body.reason)
    return _retailer(item, retailers.retailer_history(db, item.id))


@router.get("/retailers/{retailer_id}", response_model=RetailerOut)
def read(retailer_id: int, db: DbSession, scope: CurrentScope) -> RetailerOut:
    item = retailers.get_retailer(db, scope, retailer_id)
    return _retailer(item, retailers.retailer_history(db, item.id))


@router.post("/retailers/{retailer_id}/suspend", response_model=RetailerOut)
def suspend(retailer_id: int, body: ReasonIn, db: DbSession, scope: CurrentScope) -> RetailerOut:
    item = retailers.suspend(db, scope, retailer_id, reason=body.reason, actor=scope.username)
    return _retailer(item, retailers.retailer_history(db, item.id))


@router.post("/retailers/{retailer_id}/reinstate", response_model=RetailerOut)
def reinstate(retailer_id: int, body: ReasonIn, db: DbSession, scope: CurrentScope) -> RetailerOut:
    item = retailers.reinstate(db, scope, retailer_id, reason=body.reason, actor=scope.username)
    return _retailer(item, retailers.retailer_history(db, item.id))


@router.post("/retailers/{retailer_id}/expel", response_model=RetailerOut)
def expel(retailer_id: int, body: ReasonIn, db: DbSession, scope: CurrentScope) -> RetailerOut:
    item = retailers.expel(db, scope, retailer_id, reason=body.reason, actor=scope.username)
    return _retailer(item, retailers.retailer_history(db, item.id))


@router.get("/my/retailer", response_model=RetailerOut)
def my_retailer(db: DbSession, scope: CurrentScope) -> RetailerOut:
    item = retailers.retailer_for_user(db, scope)
    return _retailer(item, retailers.retailer_history(db, item.id))


@router.get("/fraud/claims/{claim_id}/flags", response_model=ClaimFlagsOut)
def claim_flags(claim_id: int, db: DbSession, scope: CurrentScope) -> ClaimFlagsOut:
    claim = db.get(Claim, claim_id)
    if claim is None:
        raise NotFound("未找到该申请")
    retailers.require_reader(scope, claim.city_code)
    flags = [FlagOut(**fraud.flag_view(f)) for f in fraud.flags_for_claim(db, claim_id)]
    return ClaimFlagsOut(claim_id=claim.id, fraud_score=claim.fraud_score, flags=flags)


@router.get("/reference-prices", response_model=list[ReferencePriceOut])
def list_reference_prices(db: DbSession, scope: CurrentScope, category: str | None = None,
                          brand: str | None = None, model: str | None = None,
                          limit: int = 200) -> list[ReferencePriceOut]:
    reference_prices.require_price_manager(scope)
    rows = reference_prices.list_prices(db, scope.city_code, category=category, brand=brand, model=model, limit=limit)
    return [ReferencePriceOut(category=r.category, brand=r.brand, model=r.model, price_fen=r.price_fen,
                              window=r.window, samples=r.samples) for r in rows]


def _window_date(text: str, field: str, label: str) -> dt.date:
    if not text.strip():
        raise InvalidInput(f"请填写{label}（{field}），如 2024-05-01", field=field)
    return parse_date(text, field)


@router.post("/reference-prices/import", status_code=201)
async def import_reference_prices(
    db: DbSession, scope: CurrentScope, file: Annotated[UploadFile, File()],
    window_start: Annotated[str, Form()] = "", window_end: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    reference_prices.require_price_manager(scope)
    start = _window_date(window_start, "window_start", "冻结窗口开始日期")
    end = _window_date(window_end, "window_end", "冻结窗口结束日期")
    data = await uploads.read_upload(file)  # in chunks, refused past the limit (413)
    # The parse and the freeze run in a worker thread, off the event loop.
    result = await run_in_threadpool(reference_prices.import_xlsx, db, scope, data, file.filename, start, end)
    return result.as_dict()
