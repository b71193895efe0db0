"""Redemption (核销) of qualifications by admitted retailers, in batches.

A batch is many redemptions in one transaction: everything the checks read is read once for the
batch (the qualifications, locked; their programmes, persons, quota slots and reservations; the
used identifiers; the fraud signals' counts), each redemption is decided in Python, and then
everything is written together. So a batch of 100 costs about the statements of one redemption,
which is what lets the API take claims at peak load (see tradein.claims.intake). A single redemption
(the retailer's page, the tests) is a batch of one, so there is one implementation.

Within a batch the redemptions are decided in order: a qualification or a one-time identifier
(SN/IMEI, invoice, certificate) used by an earlier redemption of the batch is refused to a later
one exactly as if the earlier had been committed first.

Anything that cannot be decided up front (another transaction taking the same identifier at the
same moment, a quota that needs more than the slot the qualification holds and finds it taken)
raises in the write phase: for a batch of one that is the redemption's own answer; for a larger
batch it is `RetryAlone`, and the caller rolls back and redeems each of them in its own batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.orm import Session

from huanxin.db import (
    deferred_inserts,
    insert_many_unless_taken,
    insert_objects,
    reserve_ids,
    update_rows,
    write_changes,
)
from huanxin.errors import Conflict, DomainError, InvalidInput, remembered
from huanxin.kit.clock import now
from huanxin.orgs.scope import Scope
from huanxin.tradein import money
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims import lifecycle as claims
from huanxin.tradein.fraud import assessment as fraud
from huanxin.tradein.models import (
    Claim,
    Person,
    Programme,
    Qualification,
    QuotaSlot,
    RedemptionCode,
    Retailer,
    UsedIdentifier,
)
from huanxin.tradein.qualifications import quotas
from huanxin.tradein.retailers import admission as retailers_service
from huanxin.tradein.rules.model import Decision


class RetryAlone(Exception):
    """A batch met a conflict it could not foresee: roll back and redeem one by one."""


@dataclass(frozen=True)
class Redemption:
    scope: Scope
    qualification_id: int
    purchase: claims.Purchase
    holder_id_hash: str | None = None  # the keyed hash of the ID number the resident showed (identity.id_hash)
    code_hash: str | None = None  # or of the one-time redemption code they showed (redemption_codes)


@dataclass
class _Accepted:
    """A redemption that passed every check that can be made before writing."""

    index: int
    scope: Scope
    qualification: Qualification
    programme: Programme
    retailer: Retailer
    data: claims.Purchase
    case: Any
    decision: Decision
    identifiers: dict[tuple[str, str], str]
    code_hash: str | None = None  # presented with the resident's redemption code, used up when written
    claim: Claim | None = None


def redeem(session: Session, scope: Scope, qualification_id: int, data: claims.Purchase, *,
           holder_id_hash: str | None = None, code_hash: str | None = None, at: dt.datetime | None = None) -> Claim:
    """The retailer redeems a resident's qualification against a purchase; the resident presents
    it with their ID number (`holder_id_hash`) or their one-time redemption code (`code_hash`),
    never by its number alone."""
    outcome = redeem_many(session, [Redemption(scope, qualification_id, data, holder_id_hash, code_hash)], at)[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def presented(session: Session, scope: Scope, qualification_id: int, holder_id_hash: str | None = None,
              code_hash: str | None = None) -> Qualification:
    """The qualification a resident presents at the till, checked as redemption will check it
    (holder's ID number or redemption code, retailer admitted for its kind, still usable), before
    the purchase is keyed in."""
    retailer = repo.retailer_of_scope(session, scope)
    found = session.get(Qualification, qualification_id)
    holder = session.get(Person, found.person_id) if found is not None else None
    code = repo.redemption_codes(session, [qualification_id]).get(qualification_id) if code_hash else None
    qualification = repo.presented_qualification(scope, found, holder, holder_id_hash, code=code,
                                                 code_hash=code_hash, at=now())
    programme = session.get(Programme, qualification.programme_id)
    assert programme is not None
    retailers_service.require_admitted(session, retailer.id, programme.kind)
    claims.check_usable(qualification, now())
    return qualification


def redeem_many(session: Session, items: list[Redemption], at: dt.datetime | None = None) -> list[Claim | DomainError]:
    """Each redemption's claim, or the error that refused it (nothing of it written)."""
    moment = at or now()
    outcomes: list[Claim | DomainError | None] = [None] * len(items)
    accepted = _check_all(session, items, moment, outcomes)
    if accepted:
        with deferred_inserts(session):  # the claims' events and messages: one INSERT each at the end
            _write(session, accepted, moment, alone=len(items) == 1)
        for item in accepted:
            assert item.claim is not None
            outcomes[item.index] = item.claim
    return [o for o in outcomes if o is not None]


# The batch's reads, built once: at peak load building a statement cost more than running it.
_PROGRAMMES = select(Programme).where(Programme.id.in_(bindparam("ids", expanding=True)))
_PERSONS = select(Person).where(Person.id.in_(bindparam("ids", expanding=True)))
_USED_IDENTIFIERS = select(UsedIdentifier.kind, UsedIdentifier.value_hash).where(
    tuple_(UsedIdentifier.kind, UsedIdentifier.value_hash).in_(bindparam("keys", expanding=True)))
_SLOTS_OF_QUALIFICATIONS = select(QuotaSlot.id, QuotaSlot.qualification_id, QuotaSlot.quota_key,
                                  QuotaSlot.amount_fen).where(QuotaSlot.qualification_id.in_(bindparam("ids",
                                                                                                       expanding=True)))


# ---- checks: everything that can be decided before writing -----------------------------------------

def _check_all(session: Session, items: list[Redemption], moment: dt.datetime,
               outcomes: list[Claim | DomainError | None]) -> list[_Accepted]:
    qualifications = repo.locked_qualifications(session, sorted({i.qualification_id for i in items}))
    programmes = {p.id: p for p in session.scalars(_PROGRAMMES, {"ids": sorted(
        {q.programme_id for q in qualifications.values()})})} if qualifications else {}
    holders = {p.id: p for p in session.scalars(_PERSONS, {"ids": sorted(
        {q.person_id for q in qualifications.values()})})} if qualifications else {}
    session.info.setdefault("kept", []).extend(holders.values())  # the answers read them: see _keep_loaded
    codes = repo.redemption_codes(session, sorted({i.qualification_id for i in items if i.code_hash}))
    retailers: dict[int, Retailer | DomainError] = {}
    used_qualifications: set[int] = set()
    used_identifiers: set[tuple[str, str]] = set()
    accepted: list[_Accepted] = []
    for index, item in enumerate(items):
        try:
            checked = _check(session, index, item, moment, qualifications, holders, codes, programmes, retailers)
            if checked.qualification.id in used_qualifications:
                raise Conflict("该资格已被核销，不能重复核销", field="qualification_id")
            for key, value in checked.identifiers.items():
                if key in used_identifiers:
                    raise claims.identifier_taken(key[0], value)
        except DomainError as error:
            outcomes[index] = error
            continue
        used_qualifications.add(checked.qualification.id)
        used_identifiers.update(checked.identifiers)
        accepted.append(checked)
    return _without_used_identifiers(session, accepted, outcomes)


def _retailer(session: Session, scope: Scope, retailers: dict[int, Retailer | DomainError]) -> Retailer:
    return remembered(retailers, scope.user_id, lambda: repo.retailer_of_scope(session, scope))


def _check(session: Session, index: int, item: Redemption, moment: dt.datetime,
           qualifications: dict[int, Qualification], holders: dict[int, Person], codes: dict[int, RedemptionCode],
           programmes: dict[int, Programme], retailers: dict[int, Retailer | DomainError]) -> _Accepted:
    retailer = _retailer(session, item.scope, retailers)
    found = qualifications.get(item.qualification_id)
    qualification = repo.presented_qualification(item.scope, found, holders.get(found.person_id) if found else None,
                                                 item.holder_id_hash, code=codes.get(item.qualification_id),
                                                 code_hash=item.code_hash, at=moment)
    programme = programmes[qualification.programme_id]
    retailers_service.require_admitted(session, retailer.id, programme.kind)
    claims.check_usable(qualification, moment)
    data = claims.validate_purchase(item.purchase, car=False, on=moment.date())
    if data.category != qualification.category:
        label = evaluation.category_label(programme.rules_code, qualification.category)
        raise InvalidInput(f"商品品类“{data.category}”与资格品类“{label}”不一致", field="category")
    claims.check_required_proofs(programme, None, data)
    case = claims.case_for(programme, data, retailer.region_code, moment.date())
    decision = evaluation.evaluate(case)
    claims.check_required_proofs(programme, decision, data)
    values = claims.identifier_values(decision, programme, data)
    return _Accepted(index, item.scope, qualification, programme, retailer, data, case, decision,
                     claims.identifier_hashes(values), code_hash=item.code_hash)


def _without_used_identifiers(session: Session, accepted: list[_Accepted],
                              outcomes: list[Claim | DomainError | None]) -> list[_Accepted]:
    """Refuses the redemptions whose SN/IMEI, invoice or certificate an earlier claim has used
    (one query for the batch; the unique rows written later still decide a race)."""
    wanted = {key for item in accepted for key in item.identifiers}
    if not wanted:
        return accepted
    taken = set(session.execute(_USED_IDENTIFIERS, {"keys": sorted(wanted)}))
    kept = []
    for item in accepted:
        clash = next((key for key in item.identifiers if key in taken), None)
        if clash is None:
            kept.append(item)
        else:
            outcomes[item.index] = claims.identifier_taken(clash[0], item.identifiers[clash])
    return kept


# ---- writes -------------------------------------------------------------------------------------------

def _write(session: Session, accepted: list[_Accepted], moment: dt.datetime, *, alone: bool) -> None:
    """The batch's claims and everything they change, each table written set-wise (db.insert_rows
    and friends): a batch of a hundred costs about the statements of one claim.

    Each claim is decided in full (rejected, or its fraud signals assessed and routed to review or
    approval) before it is written, so that it is written once, with its final status: a claim
    row carries a dozen indexes, and an UPDATE of its status (itself indexed) would write the row
    and every index entry a second time. Its id is reserved first, for what refers to it; the rows
    that refer to it by foreign key are written after it."""
    ids = reserve_ids(session, Claim, len(accepted))
    for item, claim_id in zip(accepted, ids, strict=True):
        item.claim = claims.new_claim(programme=item.programme, person_id=item.qualification.person_id,
                                      region_code=item.retailer.region_code, retailer_id=item.retailer.id,
                                      qualification_id=item.qualification.id, at=moment)
        item.claim.id = claim_id
        claims.fill(item.claim, item.data, item.case, item.decision)
        claims.add_submitted_event(session, item.claim, item.scope.username)
    _keep_loaded(session, accepted)
    eligible = [item for item in accepted if item.decision.eligible]
    for item in accepted:
        if not item.decision.eligible:
            claims.reject_now(session, item.programme, _claim(item),
                              list(item.decision.reasons) or ["不符合补贴条件"], actor=item.scope.username)
    flags = fraud.assess_many(session, [_claim(item) for item in eligible], unwritten=True)
    live = money.live_reservations_many(session, [_claim(item) for item in eligible])
    for item, claim_flags in zip(eligible, flags, strict=True):
        claim = _claim(item)
        label = evaluation.category_label(item.programme.rules_code, item.qualification.category)
        claims.route(session, item.programme, claim, claim_flags, actor=item.scope.username, label=label,
                     at=moment, live=live[claim.id])
    insert_objects(session, [_claim(item) for item in accepted])
    for item in accepted:
        item.qualification.status = "used"
    write_changes(session, [item.qualification for item in accepted])
    _use_codes(session, accepted, moment)
    _use_identifiers(session, accepted, alone=alone)
    _hand_over_quotas(session, eligible, alone=alone)
    session.flush()


def _keep_loaded(session: Session, accepted: list[_Accepted]) -> None:
    """Keeps the programmes in the session until it closes (the applicants, read by the checks, are
    kept already): its identity map holds objects weakly, and the answers (claim_out) read both
    after this batch's own references are gone; without this, one query per claim each."""
    session.info.setdefault("kept", []).extend({id(i.programme): i.programme for i in accepted}.values())


def _claim(item: _Accepted) -> Claim:
    assert item.claim is not None
    return item.claim


def _use_codes(session: Session, accepted: list[_Accepted], moment: dt.datetime) -> None:
    """A redemption code redeems once (the qualification, locked and now used, already could not
    be redeemed again: this keeps the code's own record true)."""
    ids = [item.qualification.id for item in accepted if item.code_hash]
    if ids:
        session.execute(update(RedemptionCode).where(RedemptionCode.qualification_id.in_(ids))
                        .values(used_at=moment).execution_options(synchronize_session=False))


def _use_identifiers(session: Session, accepted: list[_Accepted], *, alone: bool) -> None:
    rows = [{"kind": kind, "value_hash": value_hash, "claim_id": _claim(item).id}
            for item in accepted for kind, value_hash in item.identifiers]
    written = {(kind, value_hash) for kind, value_hash in insert_many_unless_taken(
        session, UsedIdentifier, rows, returning=("kind", "value_hash"))}
    for item in accepted:
        lost = next((key for key in item.identifiers if key not in written), None)
        if lost is not None:  # another transaction took it after the check: a race, rare
            if not alone:
                raise RetryAlone
            raise claims.identifier_taken(lost[0], item.identifiers[lost])


def _hand_over_quotas(session: Session, eligible: list[_Accepted], *, alone: bool) -> None:
    """The qualification's quota slots become the claim's, with the decided amount. When the
    decision needs exactly the slots the qualification holds, for no more money than they hold,
    that is the whole of it (the per-person money caps were checked for at least as much when the
    slots were taken); anything else goes through quotas.take, which checks everything again.
    The slots are read and written as plain rows: nothing else in the batch holds them."""
    held: dict[int, dict[str, tuple[int, int]]] = {}  # qualification → quota key → (slot id, amount)
    if eligible:
        for slot_id, qualification_id, key, amount in session.execute(
                _SLOTS_OF_QUALIFICATIONS, {"ids": [item.qualification.id for item in eligible]}):
            if qualification_id is not None:
                held.setdefault(qualification_id, {})[key] = (slot_id, amount)
    handed, later = [], []
    for item in eligible:
        slots = held.get(item.qualification.id, {})
        needed = {req.key for req in item.decision.quotas}
        amount = item.decision.amount_fen
        if needed == set(slots) and all(have >= amount for _, have in slots.values()):
            handed += [{"id": slot_id, "claim_id": _claim(item).id, "amount_fen": amount}
                       for slot_id, _ in slots.values()]
        else:
            later.append(item)
    update_rows(session, QuotaSlot, handed)
    for item in later:  # quotas.take reads the person's slots: after the handed-over ones are written
        claim = _claim(item)
        try:
            quotas.take(session, claim.person_id, item.decision.quotas, item.decision.amount_fen, claim_id=claim.id,
                        qualification_id=item.qualification.id)
        except DomainError:
            if not alone:
                raise RetryAlone from None
            raise


__all__ = ["Redemption", "RetryAlone", "redeem", "redeem_many"]
