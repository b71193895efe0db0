"""Every query of the claim lifecycle, with the data scope of the signed-in user: residents see
only their own, retailers only their claims, reviewers and the office only their city; another
city's record answers 404."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from huanxin.db import is_postgres
from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit.clock import aware, now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import (
    Appeal,
    Claim,
    ClaimEvent,
    FraudFlag,
    OutboxMessage,
    PayoutBatch,
    PayoutLine,
    Person,
    Programme,
    Qualification,
    RedemptionCode,
    Retailer,
)

STAFF = {Role.REVIEWER, Role.OFFICE}
CITY_READERS = {Role.REVIEWER, Role.OFFICE, Role.LEADER}


def require_staff(scope: Scope) -> None:
    if scope.role not in STAFF:
        raise Forbidden("只有商务局审核员或专班办公室可以执行此操作")


def for_update(session: Session, stmt: Select[Any]) -> Select[Any]:
    """Row locks where the database has them; SQLite serialises writers anyway."""
    return stmt.with_for_update() if is_postgres(session) else stmt


# ---- programmes ---------------------------------------------------------------------------------

def programmes_of_city(session: Session, city_code: str) -> list[Programme]:
    return list(session.scalars(select(Programme).where(Programme.city_code == city_code).order_by(Programme.id)))


def programme_by_code(session: Session, city_code: str, code: str) -> Programme | None:
    return session.scalar(select(Programme).where(Programme.city_code == city_code, Programme.code == code))


def get_programme(session: Session, scope: Scope, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None or programme.city_code != scope.city_code:
        raise NotFound("未找到该补贴活动", field="programme_id")
    return programme


def lock_programme(session: Session, programme_id: int) -> Programme:
    programme: Programme | None = session.scalar(
        for_update(session, select(Programme).where(Programme.id == programme_id)))
    assert programme is not None
    return programme


# ---- persons and retailers ----------------------------------------------------------------------

def person_of_scope(session: Session, scope: Scope) -> Person | None:
    return session.scalar(select(Person).where(Person.user_id == scope.user_id))


def lock_person(session: Session, person_id: int) -> None:
    session.scalar(for_update(session, select(Person.id).where(Person.id == person_id)))


_RETAILER_OF_UNIT = select(Retailer).where(Retailer.unit_id == bindparam("unit_id"))  # built once: at peak load


def retailer_of_scope(session: Session, scope: Scope) -> Retailer:
    if scope.role != Role.RETAILER or scope.unit_id is None:
        raise Forbidden("只有已准入的经营主体（零售商、经销商）可以核销")
    retailer = session.scalar(_RETAILER_OF_UNIT, {"unit_id": scope.unit_id})
    if retailer is None or retailer.city_code != scope.city_code:
        raise Forbidden("您的单位不是本市已准入的经营主体")
    return retailer


# ---- qualifications -----------------------------------------------------------------------------

def _resident_owns(session: Session, scope: Scope, person_id: int) -> bool:
    person = person_of_scope(session, scope)
    return person is not None and person.id == person_id


def visible_qualification(session: Session, scope: Scope, qualification: Qualification | None) -> Qualification:
    """A qualification its reader may see: the holder, the city's staff, and a retailer only once
    it has redeemed it (before that, a retailer sees a qualification only by presenting it with
    the holder's ID number: `presented_qualification`). Ids are sequential: a retailer that could
    read any id would learn every resident's qualification."""
    if qualification is None or qualification.city_code != scope.city_code:
        raise NotFound("未找到该资格", field="qualification_id")
    if scope.role == Role.RESIDENT:
        if not _resident_owns(session, scope, qualification.person_id):
            raise NotFound("未找到该资格", field="qualification_id")
    elif scope.role == Role.RETAILER:
        if not _redeemed_by(session, scope, qualification.id):
            raise NotFound("未找到该资格", field="qualification_id")
    elif scope.role not in CITY_READERS:
        raise NotFound("未找到该资格", field="qualification_id")
    return qualification


def presented_qualification(scope: Scope, qualification: Qualification | None, holder: Person | None,
                            holder_id_hash: str | None, *, code: RedemptionCode | None = None,
                            code_hash: str | None = None, at: dt.datetime | None = None) -> Qualification:
    """The qualification a resident presents at the till: the retailer must give its number and
    either the holder's ID number or the resident's one-time redemption code (each as its keyed
    hash; `code` is the qualification's stored code, if any); a number alone redeems nothing."""
    if scope.role != Role.RETAILER:
        raise Forbidden("只有已准入的经营主体（零售商、经销商）可以核销")
    if qualification is None or qualification.city_code != scope.city_code:
        raise NotFound("未找到该资格", field="qualification_id")
    if code_hash is not None:
        _check_code(qualification, code, code_hash, at)
    elif holder is None or not hmac.compare_digest(holder.id_hash, holder_id_hash or ""):
        raise InvalidInput("身份证号与该资格的持有人不一致，请核对资格编号和身份证号", field="id_number")
    return qualification


def _check_code(qualification: Qualification, code: RedemptionCode | None, code_hash: str,
                at: dt.datetime | None) -> None:
    if code is None or code.qualification_id != qualification.id or not hmac.compare_digest(code.code_hash,
                                                                                            code_hash):
        raise InvalidInput("核销码与该资格不符，请核对资格编号和居民页面显示的核销码", field="redemption_code")
    if code.used_at is not None:
        raise InvalidInput("该核销码已使用，请居民在本人页面重新生成核销码", field="redemption_code")
    if aware(code.expires_at) <= (at or now()):
        raise InvalidInput("核销码已过期（有效期10分钟），请居民在本人页面重新生成核销码", field="redemption_code")


def redemption_codes(session: Session, qualification_ids: Sequence[int]) -> dict[int, RedemptionCode]:
    """The stored codes of these qualifications (one query for a batch)."""
    if not qualification_ids:
        return {}
    return {c.qualification_id: c for c in session.scalars(
        select(RedemptionCode).where(RedemptionCode.qualification_id.in_(list(qualification_ids))))}


def _redeemed_by(session: Session, scope: Scope, qualification_id: int) -> bool:
    retailer = session.scalar(_RETAILER_OF_UNIT, {"unit_id": scope.unit_id}) if scope.unit_id else None
    if retailer is None:
        return False
    return session.scalar(select(Claim.id).where(Claim.qualification_id == qualification_id,
                                                 Claim.retailer_id == retailer.id).limit(1)) is not None


# Built once: the redemption batch runs it at peak load, where building a statement cost more
# than running it. (SQLite leaves out FOR UPDATE; its writers are serialised anyway.)
_LOCKED_QUALIFICATIONS = (select(Qualification).where(Qualification.id.in_(bindparam("ids", expanding=True)))
                          .order_by(Qualification.id).with_for_update())


def locked_qualifications(session: Session, ids: list[int]) -> dict[int, Qualification]:
    """Qualifications by id, row-locked in ascending id (one lock order: no deadlocks)."""
    return {q.id: q for q in session.scalars(_LOCKED_QUALIFICATIONS, {"ids": list(ids)})}


def get_qualification(session: Session, scope: Scope, qualification_id: int, *, lock: bool = False) -> Qualification:
    stmt = select(Qualification).where(Qualification.id == qualification_id)
    found = session.scalar(for_update(session, stmt) if lock else stmt)
    return visible_qualification(session, scope, found)


def qualifications_for(session: Session, scope: Scope, *, status: str | None = None,
                       limit: int = 200) -> list[Qualification]:
    stmt = select(Qualification).where(Qualification.city_code == scope.city_code)
    if scope.role == Role.RESIDENT:
        person = person_of_scope(session, scope)
        if person is None:
            return []
        stmt = stmt.where(Qualification.person_id == person.id)
    elif scope.role not in CITY_READERS:
        raise Forbidden("您的角色无权查看资格列表")
    if status:
        stmt = stmt.where(Qualification.status == status)
    return list(session.scalars(stmt.order_by(Qualification.id.desc()).limit(limit)))


def waiting_ahead(session: Session, qualification: Qualification) -> int:
    return int(session.scalar(select(func.count()).select_from(Qualification).where(
        Qualification.programme_id == qualification.programme_id, Qualification.status == "waiting",
        Qualification.queue_no < (qualification.queue_no or 0))) or 0)


def has_waiting(session: Session, programme_id: int, *, before: int | None = None) -> bool:
    stmt = select(Qualification.id).where(Qualification.programme_id == programme_id,
                                          Qualification.status == "waiting")
    if before is not None:
        stmt = stmt.where(Qualification.id < before)
    return session.scalar(stmt.limit(1)) is not None


def outbox_has(session: Session, person_id: int, text: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.person_id == person_id, OutboxMessage.body.contains(text)).limit(1)) is not None


def waiting_list(session: Session, programme_id: int, limit: int = 500) -> list[Qualification]:
    stmt = (select(Qualification).where(Qualification.programme_id == programme_id, Qualification.status == "waiting")
            .order_by(Qualification.queue_no, Qualification.id).limit(limit))
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def released_in_batch(session: Session, programme_id: int, batch: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Qualification).where(
        Qualification.programme_id == programme_id, Qualification.release_batch == batch)) or 0)


def _in_city(stmt: Select[Any], city_code: str | None) -> Select[Any]:
    """One city's qualifications, or every city's for the system's own timer (city_code None)."""
    return stmt if city_code is None else stmt.where(Qualification.city_code == city_code)


def lapsed_qualifications(session: Session, moment: dt.datetime, city_code: str | None,
                          limit: int = 1000) -> list[Qualification]:
    stmt = (select(Qualification).where(Qualification.status == "active", Qualification.expires_at < moment)
            .order_by(Qualification.expires_at).limit(limit))
    return list(session.scalars(for_update(session, _in_city(stmt, city_code))))


def expiring_qualifications(session: Session, start: dt.datetime, end: dt.datetime,
                            city_code: str | None) -> list[Qualification]:
    return list(session.scalars(_in_city(select(Qualification).where(
        Qualification.status == "active", Qualification.expires_at >= start, Qualification.expires_at < end),
        city_code)))


# ---- claims -------------------------------------------------------------------------------------

def _visible_claim(session: Session, scope: Scope, claim: Claim | None) -> Claim:
    if claim is None or claim.city_code != scope.city_code:
        raise NotFound("未找到该补贴申请", field="claim_id")
    if scope.role == Role.RESIDENT:
        if not _resident_owns(session, scope, claim.person_id):
            raise NotFound("未找到该补贴申请", field="claim_id")
    elif scope.role == Role.RETAILER:
        retailer = session.scalar(_RETAILER_OF_UNIT, {"unit_id": scope.unit_id})
        if retailer is None or retailer.id != claim.retailer_id:
            raise NotFound("未找到该补贴申请", field="claim_id")
    elif scope.role not in CITY_READERS:
        raise NotFound("未找到该补贴申请", field="claim_id")
    return claim


def get_claim(session: Session, scope: Scope, claim_id: int, *, lock: bool = False) -> Claim:
    stmt = select(Claim).where(Claim.id == claim_id)
    return _visible_claim(session, scope, session.scalar(for_update(session, stmt) if lock else stmt))


def claims_for(session: Session, scope: Scope, *, status: str | None = None, programme_id: int | None = None,
               limit: int = 200, offset: int = 0) -> list[Claim]:
    stmt = select(Claim).where(Claim.city_code == scope.city_code)
    if scope.role == Role.RESIDENT:
        person = person_of_scope(session, scope)
        if person is None:
            return []
        stmt = stmt.where(Claim.person_id == person.id)
    elif scope.role == Role.RETAILER:
        retailer = session.scalar(_RETAILER_OF_UNIT, {"unit_id": scope.unit_id})
        if retailer is None:
            return []
        stmt = stmt.where(Claim.retailer_id == retailer.id)
    elif scope.role not in CITY_READERS:
        raise Forbidden("您的角色无权查看补贴申请")
    if status:
        stmt = stmt.where(Claim.status == status)
    if programme_id:
        stmt = stmt.where(Claim.programme_id == programme_id)
    return list(session.scalars(stmt.order_by(Claim.id.desc()).limit(limit).offset(offset)))


def claim_by_qualification(session: Session, qualification_id: int) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.qualification_id == qualification_id))


def events_of(session: Session, claim_id: int) -> list[ClaimEvent]:
    return list(session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.id)))


def flags_of(session: Session, claim_id: int) -> list[FraudFlag]:
    return list(session.scalars(select(FraudFlag).where(FraudFlag.claim_id == claim_id).order_by(FraudFlag.id)))


def count_rejections(session: Session, claim_id: int) -> int:
    """Rejections a resident may appeal: not the upholding of an earlier appeal."""
    return int(session.scalar(select(func.count()).select_from(ClaimEvent).where(
        ClaimEvent.claim_id == claim_id, ClaimEvent.to_status == "rejected",
        (ClaimEvent.from_status.is_(None)) | (ClaimEvent.from_status != "appealed"))) or 0)


def last_rejection_at(session: Session, claim_id: int) -> dt.datetime | None:
    """When the claim was last rejected in a way the resident may appeal (as `count_rejections`)."""
    found = session.scalar(select(func.max(ClaimEvent.at)).where(
        ClaimEvent.claim_id == claim_id, ClaimEvent.to_status == "rejected",
        (ClaimEvent.from_status.is_(None)) | (ClaimEvent.from_status != "appealed")))
    return aware(found) if found is not None else None


def payable_claims(session: Session, city_code: str, claim_ids: Sequence[int] | None, limit: int) -> list[Claim]:
    stmt = select(Claim).where(Claim.city_code == city_code, Claim.status == "approved")
    if claim_ids is not None:
        stmt = stmt.where(Claim.id.in_(list(claim_ids)))
    return list(session.scalars(for_update(session, stmt.order_by(Claim.id).limit(limit))))


# ---- payouts and appeals ------------------------------------------------------------------------

def get_batch(session: Session, scope: Scope, batch_id: int) -> PayoutBatch:
    require_staff(scope)
    batch = session.get(PayoutBatch, batch_id)
    if batch is None or batch.city_code != scope.city_code:
        raise NotFound("未找到该发放批次", field="batch_id")
    return batch


def batches_of_city(session: Session, city_code: str, limit: int = 100) -> list[PayoutBatch]:
    return list(session.scalars(select(PayoutBatch).where(PayoutBatch.city_code == city_code)
                                .order_by(PayoutBatch.id.desc()).limit(limit)))


def lines_of_batch(session: Session, batch_id: int) -> list[PayoutLine]:
    return list(session.scalars(select(PayoutLine).where(PayoutLine.batch_id == batch_id).order_by(PayoutLine.id)))


def lines_of_claim(session: Session, claim_id: int) -> list[PayoutLine]:
    """The claim's payment attempts, oldest first."""
    return list(session.scalars(select(PayoutLine).where(PayoutLine.claim_id == claim_id).order_by(PayoutLine.id)))


def appeals_of(session: Session, claim_id: int) -> list[Appeal]:
    return list(session.scalars(select(Appeal).where(Appeal.claim_id == claim_id).order_by(Appeal.id)))


def get_appeal(session: Session, scope: Scope, appeal_id: int) -> tuple[Appeal, Claim]:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("未找到该申诉", field="appeal_id")
    claim = _visible_claim(session, scope, session.get(Claim, appeal.claim_id))
    return appeal, claim
