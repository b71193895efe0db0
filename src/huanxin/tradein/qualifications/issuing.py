"""Issuing qualifications (资格) in batches: what the API does when many residents ask at once,
as at a programme's daily release.

The common case — an open programme with no waiting list, quotas counted in slots (no
per-person money cap), a pool that covers the whole batch — is written set-wise (a programme's
daily release count is read once for the batch, its row locked, and handed out in arrival
order): the quota slots the batch's persons hold are read once, each request is given its
slot in order (an earlier request of the batch counts against a later one, as if committed
first), the qualifications are inserted together, their quota slots in one statement, and the
pools' balances move once for the whole batch (ledger.reserve_each). Everything else takes the
one-by-one path, `qualification.claim_qualification`, which stays the definition of what issuing
a qualification means (the waiting list, money caps): a request of
those kinds is written by it inside the batch's transaction, and so is every request of a batch
whose pool falls short (some of them then join the waiting list, in order).

As with redemptions, a conflict the batch could not foresee (another transaction taking the same
quota slot at the same moment) raises `RetryAlone`: the caller rolls back and issues each alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from huanxin.db import deferred_inserts, insert_many_unless_taken
from huanxin.errors import Conflict, DomainError, remembered
from huanxin.kit.clock import now
from huanxin.ledger import service as ledger_service
from huanxin.tradein import money
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims.redemption import RetryAlone
from huanxin.tradein.models import Person, Programme, Qualification, QuotaSlot
from huanxin.tradein.qualifications import lifecycle as qualification


@dataclass(frozen=True)
class Request:
    programme: Programme
    person: Person
    category: str
    actor: str


@dataclass
class _Planned:
    """A request of the common case, checked, with the quota slots it will hold."""

    index: int
    request: Request
    category: str
    reserve_fen: int
    slots: list[tuple[str, int]] = field(default_factory=list)  # (quota key, slot number)
    release_batch: str | None = None  # the day's release it is counted in, for a programme with one
    qualification: Qualification | None = None


def issue_many(session: Session, requests: list[Request], at: dt.datetime | None = None,
               ) -> list[Qualification | DomainError]:
    """Each request's qualification (active, or waiting when the pool is short), or the error that
    refused it (nothing of it written)."""
    moment = at or now()
    if len(requests) == 1:
        return [_one(session, requests[0], moment)]
    outcomes: list[Qualification | DomainError | None] = [None] * len(requests)
    planned, one_by_one = _plan(session, requests, moment, outcomes)
    if planned:
        with deferred_inserts(session):  # the residents' messages: one INSERT at the end
            _write(session, planned, moment)
        for item in planned:
            outcomes[item.index] = item.qualification
    for index in one_by_one:
        outcomes[index] = _one(session, requests[index], moment)
    return [o for o in outcomes if o is not None]


def _one(session: Session, request: Request, moment: dt.datetime) -> Qualification | DomainError:
    try:
        with session.begin_nested():  # a refusal leaves nothing of it behind, the batch goes on
            return qualification.claim_qualification(session, programme=request.programme, person=request.person,
                                                     category=request.category, actor=request.actor, at=moment)
    except DomainError as error:
        return error


# ---- planning: the common case, checked up front -----------------------------------------------

def _plan(session: Session, requests: list[Request], moment: dt.datetime,
          outcomes: list[Qualification | DomainError | None]) -> tuple[list[_Planned], list[int]]:
    on = moment.date()
    waiting = _programmes_with_waiting(session, {r.programme.id for r in requests})
    candidates: list[tuple[int, Request, str, list[Any]]] = []
    one_by_one: list[int] = []
    for index, request in enumerate(requests):
        programme = request.programme
        try:
            qualification.check_open(programme, on)
            category = evaluation.check_category(programme.rules_code, request.category, on)
        except DomainError as error:
            outcomes[index] = error
            continue
        quotas = evaluation.qualification_quotas(programme.rules_code, category, on)
        if programme.id in waiting or any(q.money_cap_fen for q in quotas):
            one_by_one.append(index)
        else:
            candidates.append((index, request, category, quotas))
    taken = _slots_taken(session, {(r.person.id, q.key) for _, r, _, quotas in candidates for q in quotas})
    releases: dict[int, qualification.Release | DomainError | None] = {}
    planned = []
    for index, request, category, quotas in candidates:
        try:
            release = _release(session, releases, request.programme, moment)
            slots = [(q.key, _next_slot(taken.setdefault((request.person.id, q.key), set()), q)) for q in quotas]
            if release is not None and release.left <= 0:
                raise release.sold_out
        except DomainError as error:
            outcomes[index] = error
            continue
        for key, slot in slots:
            taken[(request.person.id, key)].add(slot)
        if release is not None:  # counted in the day's release, in arrival order
            releases[request.programme.id] = replace(release, left=release.left - 1)
        reserve_fen = evaluation.qualification_reserve(request.programme.rules_code, category, on)
        planned.append(_Planned(index, request, category, reserve_fen, slots,
                                release.batch if release is not None else None))
    return planned, one_by_one


def _release(session: Session, releases: dict[int, qualification.Release | DomainError | None],
             programme: Programme, moment: dt.datetime) -> qualification.Release | None:
    """The programme's daily release for the batch, read (and the programme locked) once."""
    return remembered(releases, programme.id, lambda: qualification.open_release(session, programme, moment))


def _programmes_with_waiting(session: Session, programme_ids: set[int]) -> set[int]:
    return set(session.scalars(select(Qualification.programme_id).distinct().where(
        Qualification.programme_id.in_(programme_ids), Qualification.status == "waiting")))


def _slots_taken(session: Session, wanted: set[tuple[int, str]]) -> dict[tuple[int, str], set[int]]:
    taken: dict[tuple[int, str], set[int]] = {}
    if wanted:
        for person_id, key, slot in session.execute(select(QuotaSlot.person_id, QuotaSlot.quota_key, QuotaSlot.slot)
                                                    .where(tuple_(QuotaSlot.person_id, QuotaSlot.quota_key)
                                                           .in_(wanted))):
            taken.setdefault((person_id, key), set()).add(slot)
    return taken


def _next_slot(taken: set[int], quota: Any) -> int:
    """The first free slot of the quota, as quotas.take numbers them; a Conflict when none is left."""
    limit = quota.limit or len(taken) + 1
    free = next((n for n in range(1, limit + 1) if n not in taken), None)
    if free is None:
        raise Conflict(f"{quota.label}：每人限 {quota.limit} 次，您的名额已用完", field="quota")
    return free


# ---- writing --------------------------------------------------------------------------------------

def _write(session: Session, planned: list[_Planned], moment: dt.datetime) -> None:
    for item in planned:
        programme = item.request.programme
        item.qualification = Qualification(
            city_code=programme.city_code, programme_id=programme.id, person_id=item.request.person.id,
            category=item.category, status="active", reserved_fen=item.reserve_fen, issued_at=moment,
            release_batch=item.release_batch)
        qualification.set_active(programme, item.qualification, moment)
    session.add_all([_qualification(item) for item in planned])
    session.flush()
    _hold_slots(session, planned)
    try:
        ledger_service.reserve_each(session, _reservations(session, planned, moment.date()))
    except ledger_service.InsufficientFunds:
        raise RetryAlone from None  # one by one: who fits is served, the rest wait in order
    for item in planned:
        programme = item.request.programme
        qualification.notify_issued(session, programme, _qualification(item),
                                    evaluation.category_label(programme.rules_code, item.category))


def _qualification(item: _Planned) -> Qualification:
    assert item.qualification is not None
    return item.qualification


def _hold_slots(session: Session, planned: list[_Planned]) -> None:
    rows = [{"person_id": item.request.person.id, "quota_key": key, "slot": slot, "claim_id": None,
             "qualification_id": _qualification(item).id, "amount_fen": item.reserve_fen}
            for item in planned for key, slot in item.slots]
    written = insert_many_unless_taken(session, QuotaSlot, rows, returning=("id",))
    if len(written) != len(rows):  # another transaction took one of these slots meanwhile
        raise RetryAlone


def _reservations(session: Session, planned: list[_Planned], on: dt.date) -> list[tuple[Any, int, str, str]]:
    """Every qualification's parts by fund source, against its programme's pools (read once per
    programme), as money.reserve_qualification names them."""
    pools: dict[int, dict[str, Any]] = {}
    parts = []
    for item in planned:
        programme = item.request.programme
        amounts = money.split(item.reserve_fen, evaluation.fund_shares(programme.rules_code, on))
        if programme.id not in pools:
            pools[programme.id] = money.pools_for(session, programme, None, sorted(amounts))
        for source, amount in amounts.items():
            pool = pools[programme.id].get(source) or money.pool_for(session, programme, None, source)
            q_id = _qualification(item).id
            parts.append((pool, amount, f"reserve:qualification:{q_id}:{source}", f"qualification:{q_id}"))
    parts.sort(key=lambda part: int(part[0].id))
    return parts


__all__ = ["Request", "issue_many"]
