"""Budget movements of the claim lifecycle, all through the ledger's two-phase transfers:
reserve on qualification (or car approval), post on payment (the remainder is voided), void on
rejection or expiry. Every movement has its own idempotency key, derived from what it is for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import Conflict
from huanxin.ledger import service as ledger_service
from huanxin.tradein.models import Claim, Programme, Qualification


def split(total: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Largest remainder: the parts add up to the total exactly (ties go to the first source)."""
    parts = {k: v for k, v in shares.items() if v > 0}
    if total <= 0 or not parts:
        return {}
    whole = sum(parts.values())
    exact = {k: total * v / whole for k, v in parts.items()}
    out = {k: int(x) for k, x in exact.items()}
    left = total - sum(out.values())
    for k in sorted(parts, key=lambda k: -(exact[k] - out[k]))[:left]:
        out[k] += 1
    return {k: v for k, v in out.items() if v > 0}


# The rules split money as central:local (9:1); the ledger's pools name the level of government.
# A city's "local" share is the city's own money.
LEDGER_SOURCE = {"local": "city"}


def ledger_source(source: str) -> str:
    return LEDGER_SOURCE.get(source, source)


def pools_for(session: Session, programme: Programme, region_code: str | None, sources: list[str]) -> dict[str, Any]:
    """The pool of every fund source (one query): the region's own when it has one, else the city's."""
    regions = [r for r in (region_code, programme.city_code) if r]
    ledger_sources = {source: ledger_source(source) for source in sources}
    found = ledger_service.pools_for(session, city_code=programme.city_code, programme_code=programme.code,
                                     region_codes=list(dict.fromkeys(regions)),
                                     fund_sources=list(dict.fromkeys(ledger_sources.values())))
    for source in sources:
        if ledger_sources[source] not in found:
            raise Conflict(f"{programme.name}尚未配置“{ledger_sources[source]}”资金池，请联系专班办公室")
    return {source: found[ledger_sources[source]] for source in sources}


def pool_for(session: Session, programme: Programme, region_code: str | None, source: str) -> Any:
    return pools_for(session, programme, region_code, [source])[source]


def _reserve(session: Session, programme: Programme, region_code: str | None, amounts: Mapping[str, int],
             *, ref: str, key_prefix: str, suffix: str = "") -> bool:
    """Reserves every source's part or none of them; False when a pool cannot cover its part."""
    try:
        with session.begin_nested():
            reserve_all(session, programme, region_code, amounts, ref=ref, key_prefix=key_prefix, suffix=suffix)
    except ledger_service.InsufficientFunds:
        return False
    return True


def reserve_all(session: Session, programme: Programme, region_code: str | None, amounts: Mapping[str, int],
                *, ref: str, key_prefix: str, suffix: str = "") -> None:
    """Reserves every source's part; raises InsufficientFunds when a pool cannot cover its part
    (the caller's SAVEPOINT then undoes the parts already reserved).

    A pool's available account is one row that every reservation of the programme updates, and
    its lock is held until the transaction commits. So every pool is looked up first, and only
    then are the balances touched, in ascending pool id (one order for everyone, no deadlocks):
    callers do this last, just before they commit, so the lock is held for as little as possible."""
    wanted = {s: a for s, a in amounts.items() if a > 0}
    if not wanted:
        return
    pools = pools_for(session, programme, region_code, list(wanted))
    parts = sorted(((pools[source], amount, f"{key_prefix}:{source}{suffix}") for source, amount in wanted.items()),
                   key=lambda part: int(part[0].id))
    ledger_service.reserve_many(session, parts, ref=ref)


def reserve_qualification(session: Session, programme: Programme, qualification: Qualification,
                          amounts: Mapping[str, int]) -> bool:
    return _reserve(session, programme, None, amounts, ref=f"qualification:{qualification.id}",
                    key_prefix=f"reserve:qualification:{qualification.id}")


def reserve_qualification_or_raise(session: Session, programme: Programme, qualification: Qualification,
                                   amounts: Mapping[str, int]) -> None:
    """As reserve_qualification, inside the caller's SAVEPOINT: InsufficientFunds when short."""
    reserve_all(session, programme, None, amounts, ref=f"qualification:{qualification.id}",
                key_prefix=f"reserve:qualification:{qualification.id}")


def _source_of(transfer: Any) -> str:
    # keys look like reserve:<qualification|claim>:<id>:<source>[:<n>]
    return str(transfer.key).split(":")[3]


def _is_live(transfer: Any) -> bool:
    return bool(transfer.kind == "reserve" and transfer.status == "pending")


def live_reservations(session: Session, claim: Claim) -> list[Any]:
    """The pending reservations that back a claim: its qualification's, then its own."""
    found = []
    if claim.qualification_id is not None:
        found += ledger_service.transfers_for_ref(session, f"qualification:{claim.qualification_id}")
    found += ledger_service.transfers_for_ref(session, f"claim:{claim.id}")
    return sorted((t for t in found if _is_live(t)), key=lambda t: t.id)


def live_reservations_many(session: Session, claims: list[Claim]) -> dict[int, list[Any]]:
    """live_reservations of many claims in one query: claim id → its pending reservations (rows
    with the transfers' id, key, kind, status, amount and ref; not ORM objects, which cost more
    to load than the rest of a redemption's checks)."""
    owner: dict[str, int] = {}
    for claim in claims:
        owner[f"claim:{claim.id}"] = claim.id
        if claim.qualification_id is not None:
            owner[f"qualification:{claim.qualification_id}"] = claim.id
    found: dict[int, list[Any]] = {claim.id: [] for claim in claims}
    for transfer in ledger_service.transfer_rows_for_refs(session, list(owner)):
        if _is_live(transfer):
            found[owner[transfer.ref]].append(transfer)
    return found


def reserved_by_source(transfers: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in transfers:
        out[_source_of(t)] = out.get(_source_of(t), 0) + int(t.amount)
    return out


def ensure_claim_reserved(session: Session, programme: Programme, claim: Claim,
                          live: list[Any] | None = None) -> bool:
    """Tops the claim's reservations up to its decided amount per source (car claims reserve on
    approval; an overturned rejection reserves again). False when the pool cannot cover it.
    `live`: the claim's live reservations, when the caller has read them (see live_reservations_many)."""
    have = reserved_by_source(live if live is not None else live_reservations(session, claim))
    short = {s: a - have.get(s, 0) for s, a in (claim.amounts_by_source or {}).items() if a > have.get(s, 0)}
    if not short:
        return True
    n = len(ledger_service.transfers_for_ref(session, f"claim:{claim.id}"))
    return _reserve(session, programme, claim.region_code, short, ref=f"claim:{claim.id}",
                    key_prefix=f"reserve:claim:{claim.id}", suffix=f":{n + 1}")


def void_qualification(session: Session, qualification: Qualification, *, actor: str) -> int:
    released = 0
    for t in ledger_service.transfers_for_ref(session, f"qualification:{qualification.id}"):
        if _is_live(t):
            ledger_service.void(session, t, key=f"void:{t.key}", actor=actor)
            released += int(t.amount)
    return released


def void_claim(session: Session, claim: Claim, *, actor: str) -> int:
    released = 0
    for t in live_reservations(session, claim):
        ledger_service.void(session, t, key=f"void:{t.key}", actor=actor)
        released += int(t.amount)
    return released


def post_claim(session: Session, claim: Claim, *, actor: str) -> None:
    """Pays the decided amount out of the claim's reservations; what is left of them is voided.
    The keys post:claim:<id>:<source> make a second payment of the same claim impossible."""
    pending = live_reservations(session, claim)
    due = dict(claim.amounts_by_source or {})
    have = reserved_by_source(pending)
    for source, amount in due.items():
        if amount > have.get(source, 0):
            raise Conflict(f"申请 {claim.id} 的预留资金不足以支付（{source}），请先重新预留", field="claim_id")
    used: dict[str, int] = {}
    for t in pending:
        source = _source_of(t)
        left = due.get(source, 0)
        n = used.get(source, 0)
        key = f"post:claim:{claim.id}:{source}" + (f":{n + 1}" if n else "")
        if left <= 0:
            ledger_service.void(session, t, key=f"void:{t.key}", actor=actor)
            continue
        amount = min(left, int(t.amount))
        ledger_service.post(session, t, amount, key=key, actor=actor)
        due[source] = left - amount
        used[source] = n + 1
