"""JSON API of the trade-in claim lifecycle (/api/v1/tradein/…).

Every submission that creates a qualification or a claim or moves money requires an
`Idempotency-Key` header: the key is claimed first, in the same transaction as the work, and the
response is stored with it; a replay gets the stored response and status, the same key with a
different body gets 409. The request dependency commits before the response is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from huanxin.errors import DomainError, Forbidden, InvalidInput
from huanxin.kit import idempotency
from huanxin.kit.fastjson import FastJSONResponse
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import outbox
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import appeals, intake, redemption, review
from huanxin.tradein.claims import lifecycle as claims
from huanxin.tradein.models import Person
from huanxin.tradein.programmes import setup as programmes_service
from huanxin.tradein.qualifications import codes as redemption_codes
from huanxin.tradein.qualifications import lifecycle as qualification
from huanxin.tradein.residents import identity, reclaim
from huanxin.tradein.schemas import (
    AppealDecisionIn,
    AppealIn,
    ApproveIn,
    BankCardIn,
    CarClaimIn,
    CorrectionIn,
    PresentedQualificationIn,
    QualificationIn,
    ReclaimIn,
    RedemptionIn,
    RejectIn,
    ResubmitIn,
    claim_out,
)
from huanxin.web.deps import CurrentScope, DbSession, UnitOfWork, WriteUnits
from huanxin.web.errors import error_json

router = APIRouter(prefix="/tradein", tags=["以旧换新补贴申请"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def _start_write(db: Session) -> None:
    """On SQLite a transaction that has read cannot wait for the write lock; end the sign-in
    lookup's read so the work's first statement (the key's INSERT) queues for the lock instead."""
    if db.get_bind().dialect.name == "sqlite" and db.in_transaction():
        db.commit()


def _guard(work: Callable[[], Any]) -> Any:
    try:
        return work()
    except (OperationalError, IntegrityError) as exc:
        raise intake.busy(exc) from exc


def _json(answer: intake.Answer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return FastJSONResponse(answer.payload, status_code=answer.status, headers=headers)


def idempotent(db: Session, scope: Scope, key: str | None, body: Any,
               work: Callable[[], tuple[int, dict[str, Any]]]) -> JSONResponse:
    key = idempotency.checked_key(key)
    owner = idempotency.user_owner(scope.user_id)
    body = jsonable_encoder(body)

    def run() -> JSONResponse:
        _start_write(db)
        record_id = idempotency.try_claim(db, owner, key, body)
        if record_id is None:
            return _json(intake.replayed(db, owner, key, body))  # 409 when the body differs
        status, payload = work()
        payload = jsonable_encoder(payload)
        idempotency.save(db, record_id, status, payload)
        # Commit here, in the worker thread that did the work: the row locks it holds (the pool's
        # account, the qualification) are released now, not after a hop back through the event
        # loop to the dependency's teardown (which then finds nothing left to commit).
        db.commit()
        return JSONResponse(payload, status_code=status)

    response: JSONResponse = _guard(run)
    return response


def _resident_person(db: Session, scope: Scope) -> Person:
    return identity.resident_person(db, scope, repo.person_of_scope(db, scope))


# ---- programmes -------------------------------------------------------------------------------

@router.get("/programmes")
def list_programmes(db: DbSession, scope: CurrentScope) -> list[dict[str, Any]]:
    return [programmes_service.programme_out(db, p) for p in repo.programmes_of_city(db, scope.city_code)]


# ---- the peak-load submissions ------------------------------------------------------------------
#
# A qualification and a redemption at the till are written in batches with the other requests
# that arrive meanwhile (tradein.claims.intake), each answered as if it had been sent alone. Their routes
# below are also served straight from ASGI (web.peak) once the client's sign-in is known, with
# the same PeakSubmission: only the transport differs.

def _as_json(body: BaseModel) -> dict[str, Any]:
    return body.model_dump(mode="json")


def _without_id_number(body: BaseModel) -> dict[str, Any]:
    """The request as remembered for its idempotency key: the ID number and the redemption code
    only as their keyed hashes."""
    data = body.model_dump(mode="json")
    if data.get("id_number"):
        data["id_number"] = identity.id_hash(str(data["id_number"]).strip().upper())
    if data.get("redemption_code"):
        data["redemption_code"] = redemption_codes.code_hash(int(data.get("qualification_id") or 0),
                                                             "".join(str(data["redemption_code"]).split()))
    return data


@dataclass(frozen=True)
class PeakSubmission:
    body: type[BaseModel]
    batcher: intake.Batcher[intake.Submission, intake.Outcome]
    request: Callable[[Any, Scope], Any]  # (the validated body, the sender) → what the batch writes
    remembered: Callable[[BaseModel], dict[str, Any]] = _as_json  # the body the key's request hash is of


def _qualify(body: QualificationIn, _scope: Scope) -> intake.Qualify:
    return intake.Qualify(programme_id=body.programme_id, category=body.category, id_number=body.id_number,
                          name=body.name, phone=body.phone, address=body.address)


def _redemption(body: RedemptionIn, scope: Scope) -> redemption.Redemption:
    shown = redemption_codes.shown(body.qualification_id, id_number=body.id_number, code=body.redemption_code)
    return redemption.Redemption(scope, body.qualification_id, body.purchase(body.category),
                                 shown.holder_id_hash, shown.code_hash)


QUALIFY = PeakSubmission(QualificationIn, intake.qualifications, _qualify, _without_id_number)
REDEEM = PeakSubmission(RedemptionIn, intake.redemptions, _redemption, _without_id_number)
PEAK_ROUTES = {f"{router.prefix}/qualifications": QUALIFY, f"{router.prefix}/claims": REDEEM}


async def submit(peak: PeakSubmission, body: BaseModel, scope: Scope, units: UnitOfWork,
                 key: str | None) -> intake.Outcome:
    """The submission's answer, or the DomainError that refused it (a batch hands most refusals
    back as results, and raises the few it meets while writing one alone)."""
    try:
        return await peak.batcher.submit(intake.Submission(
            scope=scope, key=idempotency.checked_key(key), body=peak.remembered(body),
            request=peak.request(body, scope), units=units))
    except DomainError as error:
        return error


def answered(outcome: intake.Outcome) -> JSONResponse:
    if isinstance(outcome, DomainError):
        return error_json(outcome)
    return _json(outcome)


# ---- residents ----------------------------------------------------------------------------------

@router.post("/qualifications", status_code=201)
async def claim_qualification(body: QualificationIn, scope: CurrentScope, units: WriteUnits,
                              idempotency_key: IdemKey = None) -> JSONResponse:
    """A resident asks for a qualification: 201 when issued, 202 when on the waiting list."""
    return answered(await submit(QUALIFY, body, scope, units, idempotency_key))


@router.get("/qualifications")
def list_qualifications(db: DbSession, scope: CurrentScope, status: str | None = None) -> list[dict[str, Any]]:
    return [qualification.qualification_out(db, q) for q in repo.qualifications_for(db, scope, status=status)]


@router.post("/qualifications/presented")
def presented_qualification(body: PresentedQualificationIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    """Step 1 of redemption at the till (as on the retailer's page): the qualification the resident
    shows, checked against their ID number or one-time redemption code and against what redemption
    itself checks; nothing is written. A retailer reads a qualification only this way, or once it
    has redeemed it."""
    shown = redemption_codes.shown(body.qualification_id, id_number=body.id_number, code=body.redemption_code)
    return qualification.qualification_out(db, redemption.presented(
        db, scope, body.qualification_id, shown.holder_id_hash, shown.code_hash))


@router.post("/qualifications/{qualification_id}/redemption-code")
def issue_redemption_code(qualification_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    """A resident's one-time redemption code (核销码) for their own usable qualification: shown once,
    valid for ten minutes and one redemption; asking again replaces it. Not idempotent on purpose:
    a stored replay would keep the code itself."""
    if scope.role != Role.RESIDENT:
        raise Forbidden("只有居民本人可以生成核销码")
    q = repo.get_qualification(db, scope, qualification_id, lock=True)
    issued = redemption_codes.issue(db, scope, q)
    return {"qualification_id": q.id, "redemption_code": issued.code, "expires_at": issued.expires_at.isoformat(),
            "qr_text": issued.scanned}


@router.get("/qualifications/{qualification_id}")
def get_qualification(qualification_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return qualification.qualification_out(db, repo.get_qualification(db, scope, qualification_id))


@router.post("/qualifications/{qualification_id}/cancel")
def cancel_qualification(qualification_id: int, db: DbSession, scope: CurrentScope,
                         idempotency_key: IdemKey = None) -> JSONResponse:
    def work() -> tuple[int, dict[str, Any]]:
        if scope.role != Role.RESIDENT:
            raise Forbidden("只有居民本人可以取消资格")
        q = repo.get_qualification(db, scope, qualification_id, lock=True)
        qualification.cancel(db, q, actor=scope.username)
        return 200, qualification.qualification_out(db, q)
    return idempotent(db, scope, idempotency_key, {"cancel": qualification_id}, work)


@router.put("/me/bank-card")
def set_bank_card(body: BankCardIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    person = _resident_person(db, scope)
    identity.set_bank_card(db, person, card_number=body.card_number, holder_name=body.holder_name)
    return identity.person_out(person)


@router.post("/me/identity/reclaim")
def reclaim_identity(body: ReclaimIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    """身份找回: the owner of an ID number bound by another account takes it back."""
    person = reclaim.reclaim(db, scope, reclaim.ReclaimInput(id_number=body.id_number, name=body.name,
                                                             card_number=body.card_number, phone=body.phone))
    return identity.person_out(person)


@router.get("/me/messages")
def my_messages(db: DbSession, scope: CurrentScope) -> list[dict[str, Any]]:
    person = _resident_person(db, scope)
    return [{"id": m.id, "claim_id": m.claim_id, "body": m.body, "created_at": m.created_at.isoformat()}
            for m in outbox.messages_for(db, person.id)]


# ---- claims -------------------------------------------------------------------------------------

@router.post("/claims", status_code=201)
async def redeem(body: RedemptionIn, scope: CurrentScope, units: WriteUnits,
                 idempotency_key: IdemKey = None) -> JSONResponse:
    """Redemption at the till: the answer is the same as if it had been sent alone."""
    return answered(await submit(REDEEM, body, scope, units, idempotency_key))


@router.post("/car-claims", status_code=201)
def apply_car(body: CarClaimIn, db: DbSession, scope: CurrentScope, idempotency_key: IdemKey = None) -> JSONResponse:
    def work() -> tuple[int, dict[str, Any]]:
        programme = repo.get_programme(db, scope, body.programme_id)
        if scope.role == Role.RETAILER:
            if body.applicant is None:
                raise InvalidInput("经销商代为申请须填写申请人身份证号和姓名", field="applicant")
            a = body.applicant
            person = identity.register_person(db, id_number=a.id_number, name=a.name, phone=a.phone,
                                              address=a.address)
        elif body.applicant is not None:
            person = identity.register_person(db, id_number=body.applicant.id_number, name=body.applicant.name,
                                              phone=body.applicant.phone, address=body.applicant.address,
                                              user_id=scope.user_id if scope.role == Role.RESIDENT else None)
        else:
            person = _resident_person(db, scope)
        claim = claims.apply_car(db, scope, programme, person, body.purchase("car"), region_code=body.region_code)
        return 201, claim_out(db, scope, claim)
    return idempotent(db, scope, idempotency_key, body.model_dump(), work)


@router.get("/claims")
def list_claims(db: DbSession, scope: CurrentScope, status: str | None = None, programme_id: int | None = None,
                limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    limit = max(1, min(limit, 500))
    return [claim_out(db, scope, c) for c in repo.claims_for(db, scope, status=status, programme_id=programme_id,
                                                              limit=limit, offset=max(offset, 0))]


@router.get("/claims/{claim_id}")
def get_claim(claim_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return claim_out(db, scope, repo.get_claim(db, scope, claim_id), detail=True)


@router.post("/claims/{claim_id}/resubmit")
def resubmit(claim_id: int, body: ResubmitIn, db: DbSession, scope: CurrentScope,
             idempotency_key: IdemKey = None) -> JSONResponse:
    def work() -> tuple[int, dict[str, Any]]:
        claim = repo.get_claim(db, scope, claim_id, lock=True)
        claims.resubmit(db, scope, claim, body.purchase(body.category or claim.category), version=body.version)
        return 200, claim_out(db, scope, claim, detail=True)
    return idempotent(db, scope, idempotency_key, {"claim_id": claim_id, **body.model_dump()}, work)


@router.get("/review-queue")
def review_queue(db: DbSession, scope: CurrentScope, status: str = "review") -> list[dict[str, Any]]:
    return [claim_out(db, scope, c) for c in review.queue(db, scope, status=status)]


def _staff_action(db: Session, scope: Scope, claim_id: int, action: Callable[[Any], Any]) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        repo.require_staff(scope)
        _start_write(db)
        claim = repo.get_claim(db, scope, claim_id, lock=True)
        action(claim)
        return claim_out(db, scope, claim, detail=True)
    return _guard(run)  # type: ignore[no-any-return]


@router.post("/claims/{claim_id}/approve")
def approve(claim_id: int, body: ApproveIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return _staff_action(db, scope, claim_id, lambda c: review.approve(db, scope, c, body.note))


@router.post("/claims/{claim_id}/reject")
def reject(claim_id: int, body: RejectIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return _staff_action(db, scope, claim_id, lambda c: review.reject(db, scope, c, body.reasons))


@router.post("/claims/{claim_id}/request-correction")
def request_correction(claim_id: int, body: CorrectionIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return _staff_action(db, scope, claim_id, lambda c: review.request_correction(db, scope, c, body.what))


@router.post("/claims/{claim_id}/appeal", status_code=201)
def appeal(claim_id: int, body: AppealIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    claim = repo.get_claim(db, scope, claim_id, lock=True)
    item = appeals.file_appeal(db, scope, claim, body.reason)
    return {"id": item.id, "claim_id": claim.id, "status": item.status}


@router.post("/appeals/{appeal_id}/decision")
def decide_appeal(appeal_id: int, body: AppealDecisionIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    item, claim = repo.get_appeal(db, scope, appeal_id)
    appeals.decide_appeal(db, scope, item, claim, overturn=body.overturn, note=body.note)
    return {"id": item.id, "claim_id": claim.id, "status": item.status, "claim_status": claim.status}


@router.post("/expire")
def expire(db: DbSession, scope: CurrentScope) -> dict[str, int]:
    scope.require_office()
    _start_write(db)
    city = scope.city_code  # a city office serves its own city's waiting lists, no other
    return _guard(lambda: qualification.expire_qualifications(db, city_code=city))  # type: ignore[no-any-return]
