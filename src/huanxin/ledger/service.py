"""The budget ledger: pools, and money moved between their accounts in integer fen.

TigerBeetle's model, on SQL. A pool has four accounts: `source` (the outside world: the only
account allowed below zero), `available`, `reserved` and `paid`. Money moves only by a Transfer
from one account to another, which writes two Entries (-amount, +amount) and updates the two
cached balances in SQL (`balance = balance ± :a`, never a read-modify-write in Python). A reserve
is a *pending* transfer (available → reserved) that a later `post` (reserved → paid, any remainder
back to available) or `void` (reserved → available) settles; a correction is a reversing
transfer. Entries are never updated or deleted, and of a transfer only `status` ever changes,
once, pending → posted | voided: the second phase of a two-phase transfer is recorded as the
settling transfer itself, and `status` only says that the reservation is settled.

Every operation is idempotent on its `key` (unique in ledger_transfer): the same key with the
same parameters (kind, accounts, amount, ref or settled reservation; not the memo or the actor,
which a retry by another worker may word differently) returns the transfer already written and
moves nothing; with other parameters it is a Conflict. Each operation runs in a SAVEPOINT, so a
refusal (InsufficientFunds, Conflict) leaves nothing half-written even when the caller catches
it and carries on, e.g. to put a qualification on the waiting list. Services never commit.

Writes come first in every operation (the key is claimed by the INSERT itself, a replay is
recognised by the unique violation): on SQLite a transaction that reads before it writes cannot
wait for the write lock and fails instead, so write-first lets concurrent writers queue. Accounts
are always updated in ascending id order, so concurrent transfers never deadlock one another;
a caller touching several pools in one transaction should do so in a stable order (pool id).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.db import is_postgres
from huanxin.errors import Conflict, DomainError, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.ledger import repository as repo
from huanxin.ledger.models import Account, Entry, Pool, Transfer

FUND_SOURCES = {"central": "中央资金", "provincial": "省级资金", "city": "市级资金", "county": "县级资金"}
ACCOUNT_KINDS = {"available": "可用", "reserved": "已预留", "paid": "已拨付", "source": "资金来源"}
TRANSFER_KINDS = {"fund": "注资", "reserve": "预留", "post": "拨付", "void": "释放", "correct": "更正", "move": "调剂"}
CORRECTABLE = {"fund", "post", "move"}
MAX_KEY = 150  # ledger_transfer.key is 160: room for the ":rest" of a partial post
MAX_REF = 80
MAX_MEMO = 200
CODE_PATTERN = re.compile(r"^\d{6}$")


class InsufficientFunds(Conflict):
    """The pool (or account) does not hold enough to cover the amount: nothing was moved."""


# The immutability guards live beside the tables, in huanxin.ledger.models.


# --- results --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PoolBalance:
    """In fen. `funded` is what came into the pool (funding and re-allocation, net of
    corrections), counted from the funding side; it always equals available + reserved + paid."""

    funded: int
    available: int
    reserved: int
    paid: int

    @property
    def available_percent(self) -> float:
        return 0.0 if self.funded <= 0 else 100.0 * self.available / self.funded


@dataclass(frozen=True)
class VerifyResult:
    accounts_checked: int
    mismatches: list[tuple[str, int, int]]  # (account code, cached balance, rebuilt from entries)
    transfers_checked: int
    unbalanced_transfers: list[str]  # keys of transfers whose entries are not (-amount, +amount)
    negative_accounts: list[str]  # codes of accounts below zero that may not be

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.unbalanced_transfers or self.negative_accounts)


@dataclass(frozen=True)
class PoolView:
    pool: Pool
    balance: PoolBalance


@dataclass(frozen=True)
class ProgrammeBudget:
    programme_code: str
    pools: list[PoolView]
    balance: PoolBalance

    @property
    def title(self) -> str:
        """What residents read: pools are named "项目·资金来源…", so the part their names share
        before the first "·" is the programme's name; failing that, its code."""
        heads = {v.pool.name.split("·", 1)[0].strip() for v in self.pools}
        return heads.pop() if len(heads) == 1 and "" not in heads else self.programme_code


@dataclass(frozen=True)
class CityBudget:
    city_code: str
    programmes: list[ProgrammeBudget] = field(default_factory=list)


# --- small helpers --------------------------------------------------------------------------------

def yuan(fen: int) -> str:
    """12345 → "123.45" (exact: integer arithmetic, no float)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def _require_amount(amount: object, name: str = "金额") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(f"{name}必须是以分为单位的整数", field="amount")
    if amount <= 0:
        raise InvalidInput(f"{name}必须大于零（收到 {amount} 分）", field="amount")
    return amount


def _require_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput("缺少转账幂等键（key）", field="key")
    if len(key) > MAX_KEY:
        raise InvalidInput(f"转账幂等键过长（{len(key)} 字符，最多 {MAX_KEY}）", field="key")
    return key


def _require_text(value: str, name: str, field_name: str, limit: int, *, required: bool = False) -> str:
    if required and not value.strip():
        raise InvalidInput(f"请填写{name}", field=field_name)
    if len(value) > limit:
        raise InvalidInput(f"{name}过长（{len(value)} 字符，最多 {limit}）", field=field_name)
    return value


def _accounts_of(pool: Pool) -> set[int]:
    return {pool.available_account_id, pool.reserved_account_id, pool.paid_account_id, pool.source_account_id}


def _new_transfer(
    session: Session, *, key: str, kind: str, from_id: int, to_id: int, amount: int, ref: str, actor: str,
    memo: str = "", status: str = "final", pending_id: int | None = None,
) -> Transfer:
    """Inserts the transfer row at once: the INSERT is what claims the key."""
    transfer = Transfer(key=key, kind=kind, from_account_id=from_id, to_account_id=to_id, amount=amount,
                        status=status, pending_id=pending_id, ref=ref, memo=memo, actor=actor, created_at=now())
    session.add(transfer)
    session.flush()
    return transfer


def _write_entries(session: Session, *transfers: Transfer) -> None:
    """Writes the entries at once (one INSERT). Every operation writes them before it touches a
    balance: a balance row is locked from its UPDATE to the commit, and a pool's available account
    is one row that every reservation updates, so nothing that can come before it comes after."""
    for transfer in transfers:
        session.add_all([
            Entry(transfer_id=transfer.id, account_id=transfer.from_account_id, amount=-transfer.amount,
                  created_at=transfer.created_at),
            Entry(transfer_id=transfer.id, account_id=transfer.to_account_id, amount=transfer.amount,
                  created_at=transfer.created_at),
        ])
    session.flush()


def _apply(session: Session, deltas: dict[int, int], *, checked: set[int], short: Callable[[int], DomainError]) -> None:
    """Applies signed deltas to cached balances in ascending account id (one lock order for
    everyone: no deadlocks). A decrement of a `checked` account is one conditional UPDATE; when
    the balance does not cover it, `short(account_id)` is raised and the savepoint undoes the rest."""
    for account_id in sorted(deltas):
        delta = deltas[account_id]
        if delta > 0:
            repo.increment(session, account_id, delta)
        elif delta < 0 and not repo.decrement(session, account_id, -delta, checked=account_id in checked):
            raise short(account_id)


def _deltas(*transfers: Transfer) -> dict[int, int]:
    out: dict[int, int] = {}
    for t in transfers:
        out[t.from_account_id] = out.get(t.from_account_id, 0) - t.amount
        out[t.to_account_id] = out.get(t.to_account_id, 0) + t.amount
    return out


def _replay(existing: Transfer, *, kind: str, amount: int, from_id: int | None = None, to_id: int | None = None,
            ref: str | None = None, pending_id: int | None = None) -> Transfer:
    """The same key again: the same parameters return the transfer already written, moving
    nothing; anything else is a Conflict (a key names one movement of money, forever)."""
    same = (
        existing.kind == kind and existing.amount == amount
        and (from_id is None or existing.from_account_id == from_id)
        and (to_id is None or existing.to_account_id == to_id)
        and (ref is None or existing.ref == ref)
        and (pending_id is None or existing.pending_id == pending_id)
    )
    if not same:
        raise Conflict(
            f"转账幂等键“{existing.key}”已用于另一笔资金操作（{TRANSFER_KINDS.get(existing.kind, existing.kind)} "
            f"{yuan(existing.amount)} 元，用途 {existing.ref}），不能用于参数不同的操作", field="key",
        )
    return existing


def _once(session: Session, key: str, work: Callable[[], Transfer], replay: Callable[[Transfer], Transfer]) -> Transfer:
    """Runs `work` in a SAVEPOINT; when the key turns out to be taken (the unique violation of
    its INSERT, possibly by a concurrent twin that has just committed), answers as a replay."""
    try:
        with session.begin_nested():
            return work()
    except IntegrityError:
        existing = repo.transfer_by_key(session, key)
        if existing is None:
            raise
        return replay(existing)


def _insufficient(pool: Pool, amount: int, action: str) -> Callable[[int], DomainError]:
    def short(_account_id: int) -> DomainError:
        return InsufficientFunds(f"预算池“{pool.name}”可用余额不足，无法{action} {yuan(amount)} 元", field="amount")
    return short


def _ledger_broken(what: str) -> Callable[[int], DomainError]:
    def short(account_id: int) -> DomainError:
        # Only a ledger whose cached balances no longer match its entries gets here.
        return Conflict(f"账户（id={account_id}）余额不足以{what}：账本缓存余额可能已损坏，"
                        "请运行 huanxin ledger verify")
    return short


# --- pools ----------------------------------------------------------------------------------------

def create_pool(
    session: Session, *, city_code: str, programme_code: str, region_code: str, fund_source: str, tranche: int,
    name: str, actor: str = "system",
) -> Pool:
    """A pool and its four accounts; idempotent on (programme, city, region, source, tranche)."""
    if not CODE_PATTERN.match(city_code or ""):
        raise InvalidInput(f"城市代码“{city_code}”应为6位行政区划代码", field="city_code")
    if not CODE_PATTERN.match(region_code or ""):
        raise InvalidInput(f"地区代码“{region_code}”应为6位行政区划代码", field="region_code")
    if not programme_code or ":" in programme_code or len(programme_code) > 60:
        raise InvalidInput("项目代码不能为空、不能含冒号，且不超过60个字符", field="programme_code")
    if fund_source not in FUND_SOURCES:
        raise InvalidInput(f"资金来源“{fund_source}”无效，应为 {'、'.join(FUND_SOURCES)} 之一", field="fund_source")
    if isinstance(tranche, bool) or not isinstance(tranche, int) or tranche < 1:
        raise InvalidInput("批次必须是不小于1的整数", field="tranche")
    _require_text(name, "预算池名称", "name", 180, required=True)
    prefix = f"pool:{city_code}:{programme_code}:{region_code}:{fund_source}:{tranche}"
    if len(prefix) + len(":available") > 120:
        raise InvalidInput("项目代码过长，账户代码超过120个字符", field="programme_code")

    identity: dict[str, Any] = {"city_code": city_code, "programme_code": programme_code,
                                "region_code": region_code, "fund_source": fund_source, "tranche": tranche}
    existing = repo.pool_by_identity(session, **identity)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            created = now()
            ids: dict[str, int] = {}
            # One at a time, in this order: ids ascend available < reserved < paid < source.
            for kind, label in ACCOUNT_KINDS.items():
                account = Account(code=f"{prefix}:{kind}", name=f"{name}·{label}", city_code=city_code, kind=kind,
                                  balance=0, allow_negative=kind == "source", created_at=created)
                session.add(account)
                session.flush()
                ids[kind] = account.id
            pool = Pool(**identity, name=name, available_account_id=ids["available"],
                        reserved_account_id=ids["reserved"], paid_account_id=ids["paid"],
                        source_account_id=ids["source"], created_at=created)
            session.add(pool)
            session.flush()
            audit.record(session, actor=actor, action="ledger.pool.create", entity="ledger_pool", entity_id=pool.id,
                         city_code=city_code, detail={**identity, "name": name})
            return pool
    except IntegrityError:
        existing = repo.pool_by_identity(session, **identity)  # a concurrent twin won
        if existing is None:
            raise
        return existing


def get_pool(session: Session, pool_id: int) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise NotFound(f"未找到预算池（id={pool_id}）")
    return pool


def pools_of(session: Session, city_code: str, programme_code: str | None = None) -> list[Pool]:
    return repo.pools_of(session, city_code, programme_code)


def pool_balances(session: Session, pools: Sequence[Pool]) -> dict[int, PoolBalance]:
    """Balances of many pools in two queries."""
    cached = repo.balances(session, (a for p in pools for a in _accounts_of(p)))
    moved = repo.moved_in_net(session, pools)
    return {
        p.id: PoolBalance(
            funded=-cached[p.source_account_id] + moved[p.id],
            available=cached[p.available_account_id],
            reserved=cached[p.reserved_account_id],
            paid=cached[p.paid_account_id],
        )
        for p in pools
    }


def pool_balance(session: Session, pool: Pool) -> PoolBalance:
    return pool_balances(session, [pool])[pool.id]


def pool_for(
    session: Session, *, city_code: str, programme_code: str, region_code: str, fund_source: str,
) -> Pool | None:
    """The open tranche: the highest tranche that still has money available, else the highest."""
    return pools_for(session, city_code=city_code, programme_code=programme_code, region_codes=[region_code],
                     fund_sources=[fund_source]).get(fund_source)


def pools_for(
    session: Session, *, city_code: str, programme_code: str, region_codes: Sequence[str], fund_sources: Sequence[str],
) -> dict[str, Pool]:
    """`pool_for` of every fund source at once (one query): per source, the open tranche of the
    first region in `region_codes` that has the source's pools."""
    found: dict[tuple[str, str], list[tuple[Pool, int]]] = {}
    for pool, available in repo.tranches_with_available(session, city_code=city_code, programme_code=programme_code,
                                                         region_codes=region_codes, fund_sources=fund_sources):
        found.setdefault((pool.region_code, pool.fund_source), []).append((pool, available))
    out: dict[str, Pool] = {}
    for source in fund_sources:
        for region in region_codes:
            tranches = found.get((region, source))
            if tranches:
                open_ones = [p for p, available in tranches if available > 0]
                out[source] = (open_ones or [p for p, _ in tranches])[-1]
                break
    return out


def city_budget(session: Session, city_code: str) -> CityBudget:
    """What the public budget page shows: every programme's pools and totals."""
    pools = repo.pools_of(session, city_code)
    balances = pool_balances(session, pools)
    by_programme: dict[str, list[PoolView]] = {}
    for p in pools:
        by_programme.setdefault(p.programme_code, []).append(PoolView(p, balances[p.id]))
    programmes = []
    for code, views in by_programme.items():
        total = PoolBalance(
            funded=sum(v.balance.funded for v in views), available=sum(v.balance.available for v in views),
            reserved=sum(v.balance.reserved for v in views), paid=sum(v.balance.paid for v in views),
        )
        programmes.append(ProgrammeBudget(code, views, total))
    return CityBudget(city_code, programmes)


# --- money movements --------------------------------------------------------------------------------

def fund(session: Session, pool: Pool, amount: int, *, key: str, actor: str, memo: str = "") -> Transfer:
    """Money allocated to the pool: source → available, final."""
    amount, key = _require_amount(amount), _require_key(key)
    _require_text(memo, "备注", "memo", MAX_MEMO)
    ref = f"pool:{pool.id}"

    def work() -> Transfer:
        transfer = _new_transfer(session, key=key, kind="fund", from_id=pool.source_account_id,
                                 to_id=pool.available_account_id, amount=amount, ref=ref, memo=memo, actor=actor)
        _write_entries(session, transfer)
        _apply(session, _deltas(transfer), checked=set(), short=_ledger_broken("注资"))
        audit.record(session, actor=actor, action="ledger.fund", entity="ledger_pool", entity_id=pool.id,
                     city_code=pool.city_code,
                     detail={"transfer": transfer.id, "key": key, "amount_fen": amount, "memo": memo})
        return transfer

    return _once(session, key, work, lambda t: _replay(t, kind="fund", amount=amount, from_id=pool.source_account_id,
                                                        to_id=pool.available_account_id))


def reserve(session: Session, pool: Pool, amount: int, *, key: str, ref: str, actor: str = "system") -> Transfer:
    """available → reserved, pending until posted or voided. Never lets available go below
    zero: the decrement is one conditional UPDATE, and a shortfall raises InsufficientFunds."""
    amount, key = _require_amount(amount), _require_key(key)
    _require_text(ref, "用途（ref）", "ref", MAX_REF, required=True)

    def work() -> Transfer:
        transfer = _new_transfer(session, key=key, kind="reserve", from_id=pool.available_account_id,
                                 to_id=pool.reserved_account_id, amount=amount, ref=ref, actor=actor, status="pending")
        _write_entries(session, transfer)
        _apply(session, _deltas(transfer), checked={pool.available_account_id},
               short=_insufficient(pool, amount, "预留"))
        return transfer

    return _once(session, key, work, lambda t: _replay(t, kind="reserve", amount=amount, ref=ref,
                                                        from_id=pool.available_account_id,
                                                        to_id=pool.reserved_account_id))


def reserve_many(session: Session, parts: Sequence[tuple[Pool, int, str]], *, ref: str,
                 actor: str = "system") -> list[Transfer]:
    """Several reservations for one purpose (e.g. a qualification's central and city parts), each
    as `reserve` would make it, all or none (InsufficientFunds when a pool is short).

    Cheaper than one `reserve` each, and shorter under the pool rows' locks: one SAVEPOINT, one
    INSERT of the transfers and one of their entries, then the balance UPDATEs back to back in
    ascending account id (the available accounts are rows every reservation of a programme
    updates, locked from their UPDATE to the commit). A key already used (a retry) falls back to
    `reserve` part by part, which replays what was written."""
    checked = [(pool, _require_amount(amount), _require_key(key)) for pool, amount, key in parts]
    _require_text(ref, "用途（ref）", "ref", MAX_REF, required=True)
    if not checked:
        return []
    try:
        with session.begin_nested():
            at = now()
            transfers = [Transfer(key=key, kind="reserve", from_account_id=pool.available_account_id,
                                  to_account_id=pool.reserved_account_id, amount=amount, status="pending", ref=ref,
                                  memo="", actor=actor, created_at=at) for pool, amount, key in checked]
            session.add_all(transfers)
            session.flush()
            _write_entries(session, *transfers)
            short_of = {pool.available_account_id: _insufficient(pool, amount, "预留") for pool, amount, _ in checked}
            _apply(session, _deltas(*transfers), checked=set(short_of),
                   short=lambda account_id: short_of[account_id](account_id))
            return transfers
    except IntegrityError:
        return [reserve(session, pool, amount, key=key, ref=ref, actor=actor) for pool, amount, key in checked]


def _require_pending_reserve(pending: Transfer, action: str) -> None:
    if pending.kind != "reserve":
        kind = TRANSFER_KINDS.get(pending.kind, pending.kind)
        raise Conflict(f"只能{action}预留转账，该转账（{pending.key}）是{kind}", field="pending")


def _not_pending(session: Session, pending: Transfer, action: str) -> Conflict:
    status = repo.lock_transfer(session, pending.id) or pending.status
    label = {"posted": "已拨付", "voided": "已释放", "final": "已完成"}.get(status, status)
    return Conflict(f"预留转账“{pending.key}”{label}，不能再{action}", field="pending")


def post(
    session: Session, pending: Transfer, amount: int | None = None, *, key: str, actor: str = "system",
) -> Transfer:
    """reserved → paid for `amount` (default: all of it); any remainder goes back to available
    as a void in the same call. The reservation is then `posted`; posting it twice is a Conflict."""
    _require_pending_reserve(pending, "拨付")
    amount = pending.amount if amount is None else _require_amount(amount, "拨付金额")
    if amount > pending.amount:
        raise InvalidInput(f"拨付金额 {yuan(amount)} 元超过预留金额 {yuan(pending.amount)} 元", field="amount")
    key = _require_key(key)
    posted_amount = amount

    def replay(existing: Transfer) -> Transfer:
        return _replay(existing, kind="post", amount=posted_amount, pending_id=pending.id)

    def work() -> Transfer:
        # Settling first: the conditional UPDATE both claims the reservation and takes the write lock.
        if not repo.settle_pending(session, pending, "posted"):
            existing = repo.transfer_by_key(session, key)
            if existing is not None:
                return replay(existing)
            raise _not_pending(session, pending, "拨付")
        pool = repo.pool_of_account(session, pending.to_account_id)
        if pool is None or pool.reserved_account_id != pending.to_account_id:
            raise Conflict(f"预留转账“{pending.key}”不属于任何预算池", field="pending")
        paid = _new_transfer(session, key=key, kind="post", from_id=pool.reserved_account_id,
                             to_id=pool.paid_account_id, amount=amount, ref=pending.ref, actor=actor,
                             pending_id=pending.id)
        legs = [paid]
        if amount < pending.amount:
            legs.append(_new_transfer(session, key=f"{key}:rest", kind="void", from_id=pool.reserved_account_id,
                                      to_id=pool.available_account_id, amount=pending.amount - amount,
                                      ref=pending.ref, actor=actor, pending_id=pending.id,
                                      memo=f"部分拨付，余额 {yuan(pending.amount - amount)} 元释放"))
        _write_entries(session, *legs)
        _apply(session, _deltas(*legs), checked={pool.reserved_account_id}, short=_ledger_broken("拨付"))
        return paid

    paid = _once(session, key, work, replay)
    repo.mark_settled(session, pending, "posted")
    return paid


def void(session: Session, pending: Transfer, *, key: str, actor: str = "system") -> Transfer:
    """reserved → available: the reservation lapses (rejection, expiry). Pending → voided."""
    _require_pending_reserve(pending, "释放")
    key = _require_key(key)

    def replay(existing: Transfer) -> Transfer:
        return _replay(existing, kind="void", amount=pending.amount, pending_id=pending.id)

    def work() -> Transfer:
        if not repo.settle_pending(session, pending, "voided"):
            existing = repo.transfer_by_key(session, key)
            if existing is not None:
                return replay(existing)
            raise _not_pending(session, pending, "释放")
        transfer = _new_transfer(session, key=key, kind="void", from_id=pending.to_account_id,
                                 to_id=pending.from_account_id, amount=pending.amount, ref=pending.ref,
                                 actor=actor, pending_id=pending.id)
        _write_entries(session, transfer)
        _apply(session, _deltas(transfer), checked={pending.to_account_id}, short=_ledger_broken("释放"))
        return transfer

    released = _once(session, key, work, replay)
    repo.mark_settled(session, pending, "voided")
    return released


def correct(session: Session, transfer: Transfer, *, key: str, actor: str, memo: str) -> Transfer:
    """A reversing transfer of a final movement: a fund back to its source, a move back to the
    pool it came from, a payment the bank returned from paid back to available. Each movement is
    corrected at most once, and never so that an account that may not go negative would."""
    key = _require_key(key)
    _require_text(memo, "更正原因", "memo", MAX_MEMO, required=True)
    if transfer.kind not in CORRECTABLE or transfer.status != "final":
        kind = TRANSFER_KINDS.get(transfer.kind, transfer.kind)
        hint = "；未拨付的预留请释放（void）" if transfer.kind == "reserve" else ""
        raise Conflict(f"只能更正已完成的注资、拨付或调剂，该转账（{transfer.key}）是{kind}{hint}", field="transfer")
    to_id = transfer.from_account_id
    if transfer.kind == "post":  # money the bank returned goes back to the pool, not to the reservation
        pool = repo.pool_of_account(session, transfer.to_account_id)
        if pool is None:
            raise Conflict(f"拨付转账“{transfer.key}”不属于任何预算池", field="transfer")
        to_id = pool.available_account_id
    from_id = transfer.to_account_id

    def work() -> Transfer:
        reversal = _new_transfer(session, key=key, kind="correct", from_id=from_id, to_id=to_id,
                                 amount=transfer.amount, ref=transfer.ref, memo=memo, actor=actor,
                                 pending_id=transfer.id)
        repo.lock_transfer(session, transfer.id)  # two corrections of one transfer queue here
        if any(c.id != reversal.id for c in repo.corrections_of(session, transfer.id)):
            raise Conflict(f"转账“{transfer.key}”已经更正过，不能重复更正", field="transfer")
        accounts = repo.accounts_by_id(session, [from_id])
        checked = {from_id} if not accounts[from_id].allow_negative else set()

        def short(account_id: int) -> DomainError:
            return InsufficientFunds(f"更正会使账户“{accounts[from_id].name}”余额为负，已拒绝", field="transfer")

        _write_entries(session, reversal)
        _apply(session, _deltas(reversal), checked=checked, short=short)
        account = accounts[from_id]
        audit.record(session, actor=actor, action="ledger.correct", entity="ledger_transfer", entity_id=transfer.id,
                     city_code=account.city_code,
                     detail={"transfer": reversal.id, "key": key, "amount_fen": transfer.amount, "memo": memo})
        return reversal

    return _once(session, key, work, lambda t: _replay(t, kind="correct", amount=transfer.amount,
                                                        pending_id=transfer.id))


def move(session: Session, from_pool: Pool, to_pool: Pool, amount: int, *, key: str, actor: str, memo: str) -> Transfer:
    """Re-allocation: available → available between two pools of one city, checked like reserve."""
    amount, key = _require_amount(amount), _require_key(key)
    _require_text(memo, "调剂说明", "memo", MAX_MEMO, required=True)
    if from_pool.id == to_pool.id:
        raise InvalidInput("调出与调入的预算池不能相同", field="to_pool")
    if from_pool.city_code != to_pool.city_code:
        raise InvalidInput("预算只能在同一城市的预算池之间调剂", field="to_pool")
    ref = f"move:{from_pool.id}->{to_pool.id}"

    def work() -> Transfer:
        transfer = _new_transfer(session, key=key, kind="move", from_id=from_pool.available_account_id,
                                 to_id=to_pool.available_account_id, amount=amount, ref=ref, memo=memo, actor=actor)
        _write_entries(session, transfer)
        _apply(session, _deltas(transfer), checked={from_pool.available_account_id},
               short=_insufficient(from_pool, amount, "调出"))
        audit.record(session, actor=actor, action="ledger.move", entity="ledger_pool", entity_id=from_pool.id,
                     city_code=from_pool.city_code,
                     detail={"transfer": transfer.id, "key": key, "to_pool": to_pool.id, "amount_fen": amount,
                             "memo": memo})
        return transfer

    return _once(session, key, work, lambda t: _replay(t, kind="move", amount=amount,
                                                        from_id=from_pool.available_account_id,
                                                        to_id=to_pool.available_account_id))


# --- reading -------------------------------------------------------------------------------------

def transfer_by_key(session: Session, key: str) -> Transfer | None:
    return repo.transfer_by_key(session, key)


def transfers_for_ref(session: Session, ref: str) -> list[Transfer]:
    return repo.transfers_for_ref(session, ref)


# --- verification and recovery -------------------------------------------------------------------

def verify(session: Session) -> VerifyResult:
    """Rebuilds every balance from the entries (one GROUP BY), checks that every transfer's
    entries are exactly (-amount, +amount), and that no account that may not is below zero."""
    if is_postgres(session) and not session.in_transaction():
        # One snapshot for all the queries below, while transfers go on being written.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    rebuilt = repo.rebuilt_balances(session)
    accounts = repo.all_accounts(session)
    mismatches: list[tuple[str, int, int]] = []
    negative: list[str] = []
    for account in accounts:
        cached, true = int(account.balance), rebuilt.get(account.id, 0)
        if cached != true:
            mismatches.append((account.code, cached, true))
        if not account.allow_negative and min(cached, true) < 0:
            negative.append(account.code)
    return VerifyResult(
        accounts_checked=len(accounts),
        mismatches=mismatches,
        transfers_checked=repo.count_transfers(session),
        unbalanced_transfers=[row.key for row in repo.unbalanced_transfers(session)],
        negative_accounts=negative,
    )


def rebuild(session: Session, *, actor: str = "system") -> list[tuple[str, int, int]]:
    """Rewrites cached balances from the entries (recovery). Returns (code, old, new) for each
    account changed; audited. On PostgreSQL the accounts are locked first, so no transfer lands
    between reading the entries and writing the balances."""
    locked = repo.lock_all_accounts(session)
    rebuilt = repo.rebuilt_balances(session)
    changes = []
    for account in locked:
        true = rebuilt.get(account.id, 0)
        if int(account.balance) != true:
            repo.set_balance(session, account.id, true)
            changes.append((account.code, int(account.balance), true))
    if changes:
        audit.record(session, actor=actor, action="ledger.rebuild", entity="ledger_account", entity_id="*",
                     detail={"changes": [{"code": c, "cached": old, "rebuilt": new} for c, old, new in changes]})
    return changes


# --- the public budget -----------------------------------------------------------------------------

def public_budget(session: Session, city_code: str) -> tuple[CityBudget, str]:
    """A city's budget as residents see it, with the city's name; 404 for a city we do not know."""
    from huanxin.orgs import service as orgs_service

    budget = city_budget(session, city_code)
    name = orgs_service.region_name(session, city_code)
    if name == city_code and not budget.programmes:
        raise NotFound(f"未找到城市“{city_code}”的预算信息")
    return budget, name
