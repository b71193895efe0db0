"""Per-person quotas held by rows, not by counting: a use of a quota is a QuotaSlot whose
(person, quota key, slot) is unique, so two racing claims cannot both take the last slot.
Money caps (e.g. 30,000 yuan per person across claims) are checked under the person's row lock."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, make_transient_to_detached

from huanxin.db import insert_unless_taken
from huanxin.errors import Conflict
from huanxin.tradein import repository as repo
from huanxin.tradein.models import QuotaSlot
from huanxin.tradein.outbox import yuan


class Requirement(Protocol):
    key: str
    limit: int | None
    money_cap_fen: int | None
    label: str


def over_limit(req: Any, *, used_slots: int, used_fen: int, amount_fen: int) -> str | None:
    """Why one more claim of `amount_fen` does not fit a person's quota, None when it fits. The one
    rule of per-person limits: `take` applies it under the person's rows, `huanxin tradein evaluate`
    to the earlier claims it is told of."""
    if req.money_cap_fen and used_fen + amount_fen > req.money_cap_fen:
        return f"{req.label}：每人补贴累计不超过 {yuan(req.money_cap_fen)} 元，已享受 {yuan(used_fen)} 元"
    if req.limit is not None and used_slots >= req.limit:
        return f"{req.label}：每人限 {req.limit} 次，您的名额已用完"
    return None


def usage_of(session: Session, person_id: int) -> dict[str, tuple[int, int]]:
    """A person's use of every quota they hold a slot of: (slots, fen), by quota key."""
    rows = session.execute(
        select(QuotaSlot.quota_key, func.count(), func.coalesce(func.sum(QuotaSlot.amount_fen), 0))
        .where(QuotaSlot.person_id == person_id).group_by(QuotaSlot.quota_key))
    return {str(key): (int(count), int(fen)) for key, count, fen in rows}


def first_used_up(requirements: Iterable[Any], usage: dict[str, tuple[int, int]], amount_fen: int) -> str | None:
    """Why a person can take no more of these quotas (the same rule as `take`), None while one fits:
    what the resident's form asks before it offers a category."""
    for req in requirements:
        slots, fen = usage.get(req.key, (0, 0))
        if (reason := over_limit(req, used_slots=slots, used_fen=fen, amount_fen=amount_fen)) is not None:
            return reason
    return None


def slots_of(session: Session, *, claim_id: int | None = None, qualification_id: int | None = None) -> list[QuotaSlot]:
    stmt = select(QuotaSlot)
    if claim_id is not None:
        stmt = stmt.where(QuotaSlot.claim_id == claim_id)
    else:
        stmt = stmt.where(QuotaSlot.qualification_id == qualification_id)
    return list(session.scalars(stmt.order_by(QuotaSlot.id)))


def _used_money(session: Session, person_id: int, key: str, exclude: Iterable[int]) -> int:
    stmt = select(func.coalesce(func.sum(QuotaSlot.amount_fen), 0)).where(
        QuotaSlot.person_id == person_id, QuotaSlot.quota_key == key)
    ids = list(exclude)
    if ids:
        stmt = stmt.where(QuotaSlot.id.not_in(ids))
    return int(session.scalar(stmt) or 0)


def _insert_slot(session: Session, person_id: int, req: Any, amount_fen: int, *,
                 claim_id: int | None, qualification_id: int | None) -> QuotaSlot:
    limit = req.limit
    for _attempt in range(8):
        taken = set(session.scalars(select(QuotaSlot.slot).where(
            QuotaSlot.person_id == person_id, QuotaSlot.quota_key == req.key)))
        candidates = [n for n in range(1, (limit or len(taken) + 1) + 1) if n not in taken]
        if not candidates:
            raise Conflict(over_limit(req, used_slots=len(taken), used_fen=0, amount_fen=0) or "名额已用完",
                           field="quota")
        values = {"person_id": person_id, "quota_key": req.key, "slot": candidates[0], "claim_id": claim_id,
                  "qualification_id": qualification_id, "amount_fen": amount_fen}
        slot_id = insert_unless_taken(session, QuotaSlot, values)
        if slot_id is None:
            continue  # a concurrent claim took that slot first: look again
        # The row is written; the session gets it as a loaded object without reading it back.
        slot = QuotaSlot(id=slot_id, **values)
        make_transient_to_detached(slot)
        session.add(slot)
        return slot
    raise Conflict(f"{req.label}：名额正被同时申请，请稍后重试", field="quota")


def take(session: Session, person_id: int, requirements: Iterable[Any], amount_fen: int, *,
         claim_id: int | None = None, qualification_id: int | None = None) -> list[QuotaSlot]:
    """Holds one slot of every quota for a claim or a qualification. Slots the claim's
    qualification already holds are handed over to the claim (with the decided amount)."""
    reqs = list(requirements)
    if not reqs:
        return []
    if any(r.money_cap_fen for r in reqs):
        repo.lock_person(session, person_id)
    held: dict[str, QuotaSlot] = {}
    if qualification_id is not None:
        held.update({s.quota_key: s for s in slots_of(session, qualification_id=qualification_id)})
    if claim_id is not None:
        held.update({s.quota_key: s for s in slots_of(session, claim_id=claim_id)})
    result = []
    for req in reqs:
        if req.money_cap_fen:
            own = [held[req.key].id] if req.key in held else []
            used = _used_money(session, person_id, req.key, own)
            if (reason := over_limit(req, used_slots=0, used_fen=used, amount_fen=amount_fen)) is not None:
                raise Conflict(reason, field="quota")
        slot = held.get(req.key)
        if slot is None:
            slot = _insert_slot(session, person_id, req, amount_fen, claim_id=claim_id,
                                qualification_id=qualification_id)
        else:
            slot.claim_id = claim_id if claim_id is not None else slot.claim_id
            slot.amount_fen = amount_fen
        result.append(slot)
    keys = {r.key for r in reqs}
    for key, slot in held.items():  # a slot the new decision no longer needs is given back
        if key not in keys:
            session.delete(slot)
    session.flush()
    return result


def release(session: Session, *, claim_id: int | None = None, qualification_id: int | None = None) -> int:
    """Gives the slots back so the person may claim again (expiry, rejection)."""
    stmt = delete(QuotaSlot)
    if claim_id is not None and qualification_id is not None:
        stmt = stmt.where((QuotaSlot.claim_id == claim_id) | (QuotaSlot.qualification_id == qualification_id))
    elif claim_id is not None:
        stmt = stmt.where(QuotaSlot.claim_id == claim_id)
    elif qualification_id is not None:
        stmt = stmt.where(QuotaSlot.qualification_id == qualification_id)
    else:
        return 0
    result: Any = session.execute(stmt)
    return int(result.rowcount or 0)
