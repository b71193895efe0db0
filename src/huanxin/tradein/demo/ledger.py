"""The demo's money in the ledger: funding each pool, live reservations and the settled months."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from huanxin.db import next_id as first_free_id
from huanxin.kit.clock import CHINA, now
from huanxin.ledger.models import Account, Entry, Pool, Transfer
from huanxin.tradein import money
from huanxin.tradein.claims import evaluation
from huanxin.tradein.demo.specs import (
    ACTOR,
    EXHAUSTED,
    OPEN_CAR,
    OPEN_CAR_BUDGET_FEN,
    CitySpec,
    Money,
)
from huanxin.tradein.demo.writing import _bulk, _sync_sequences
from huanxin.tradein.models import (
    Programme,
)
from huanxin.tradein.programmes import setup as programmes_service


def _at(day: dt.date, hour: int) -> dt.datetime:
    return min(dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=CHINA), now() - dt.timedelta(hours=1))


def _nice(fen: float) -> int:
    """Rounded up to a budget figure a finance bureau would allocate (two significant digits, yuan)."""
    yuan = max(fen / 100, 10_000)
    step = 10 ** max(0, int(math.log10(yuan)) - 1)
    return int(math.ceil(yuan / step) * step) * 100


def _fund_and_post(session: Session, city: CitySpec, programmes: dict[str, Programme], money_: Money,
                   waiting: dict[int, dict[str, int]], on: dt.date, rng: random.Random) -> None:
    """Creates and funds the pools (through the ledger service), then writes the month
    aggregates and the live reservations as transfers and entries in bulk, and moves the
    cached balances by exactly what the entries say."""
    by_id = {p.id: p for p in programmes.values()}
    need: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: {"net": 0, "peak": 0, "live": 0})
    for (pid, source, _month), agg in money_.settled.items():
        n = need[(pid, source)]
        n["net"] += agg["paid"]
        n["peak"] = max(n["peak"], agg["reserved"])
    for pid, source, _qid, amount, _at in money_.live:
        need[(pid, source)]["live"] += amount
    budgets: dict[str, dict[str, int]] = {}
    second: dict[str, dict[str, int]] = {}
    for code, programme in programmes.items():
        shares = evaluation.fund_shares(code, programme.starts_on)
        per_source: dict[str, int] = {}
        for source in shares:
            n = need[(programme.id, source)]
            if code == OPEN_CAR:  # no claims yet: its first tranche is its whole budget
                per_source[source] = money.split(OPEN_CAR_BUDGET_FEN, shares).get(source, 0)
            elif code == EXHAUSTED:  # all but the last few yuan: the newest qualifications wait
                smallest = min((w.get(source, 0) for w in waiting.values()), default=0)
                per_source[source] = n["net"] + n["live"] + max(0, smallest - 1)
            elif programme.ends_on < on:  # closed: most of the money was used
                per_source[source] = _nice((n["net"] + n["peak"]) / rng.uniform(0.86, 0.97))
            else:  # open: the first tranche is nearly used; the second holds today's reservations
                per_source[source] = n["net"] + n["peak"]
                second.setdefault(code, {})[source] = _nice(n["live"] / rng.uniform(0.45, 0.7) + 1)
        budgets[code] = per_source
    programmes_service.setup_city_programmes(session, city.code, budgets, actor=ACTOR)
    for code, per_source in second.items():
        programmes_service.fund_programme(session, programmes[code], per_source,
                                          key=f"fund:{city.code}:{code}:tranche2", actor=ACTOR, tranche=2)
    session.flush()
    pools = {(p.programme_code, p.fund_source, p.tranche): p for p in session.scalars(
        select(Pool).where(Pool.city_code == city.code))}

    def pool(pid: int, source: str, live: bool) -> Pool:
        programme = by_id[pid]
        ledger_source = money.ledger_source(source)
        if live and (programme.code, ledger_source, 2) in pools:
            return pools[(programme.code, ledger_source, 2)]
        return pools[(programme.code, ledger_source, 1)]

    _write_transfers(session, money_, pool, by_id)
    _sync_sequences(session)  # the next city's funding goes through the ORM


def _write_transfers(session: Session, money_: Money, pool_of: Any, by_id: dict[int, Programme]) -> None:
    next_id = first_free_id(session, Transfer)
    transfers: list[dict[str, Any]] = []
    created = now()

    def add(kind: str, pool: Pool, frm: int, to: int, amount: int, ref: str, key: str, at: dt.datetime,
            status: str = "final", pending: int | None = None, memo: str = "") -> int:
        nonlocal next_id
        tid = next_id
        next_id += 1
        transfers.append({"id": tid, "key": key, "kind": kind, "from_account_id": frm, "to_account_id": to,
                          "amount": amount, "status": status, "pending_id": pending, "ref": ref, "memo": memo[:200],
                          "actor": ACTOR, "created_at": min(at, created)})
        return tid

    for (pid, source, month), agg in sorted(money_.settled.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        if agg["reserved"] <= 0:
            continue
        programme = by_id[pid]
        p = pool_of(pid, source, False)
        ref = f"demo:{programme.code}:{month}"
        base = f"demo:{programme.city_code}:{programme.code}:{source}:{month}"
        at = _at(agg["day"], 18)
        paid = agg["paid"]
        status = "posted" if paid else "voided"
        rid = add("reserve", p, p.available_account_id, p.reserved_account_id, agg["reserved"], ref,
                  f"reserve:{base}", at, status=status,
                  memo=f"演示批量：{month} 资格与申请预留（已发放 {agg['paid_count']} 笔，驳回 {agg['voided']} 笔，"
                       f"作废资格 {agg['voided_quals']} 个）")
        if paid:
            add("post", p, p.reserved_account_id, p.paid_account_id, paid, ref, f"post:{base}", at, pending=rid,
                memo=f"演示批量：{month} 已发放 {agg['paid_count']} 笔")
        rest = agg["reserved"] - paid
        if rest:
            add("void", p, p.reserved_account_id, p.available_account_id, rest, ref,
                f"post:{base}:rest" if paid else f"void:reserve:{base}", at, pending=rid,
                memo=f"演示批量：{month} 释放未用预留（部分拨付余额、驳回与过期）")
    for pid, source, qid, amount, at in money_.live:
        p = pool_of(pid, source, True)
        add("reserve", p, p.available_account_id, p.reserved_account_id, amount, f"qualification:{qid}",
            f"reserve:qualification:{qid}:{source}", at, status="pending")
    _bulk(session, Transfer, transfers)
    entries = []
    deltas: dict[int, int] = defaultdict(int)
    for t in transfers:
        entries.append({"transfer_id": t["id"], "account_id": t["from_account_id"], "amount": -t["amount"],
                        "created_at": t["created_at"]})
        entries.append({"transfer_id": t["id"], "account_id": t["to_account_id"], "amount": t["amount"],
                        "created_at": t["created_at"]})
        deltas[t["from_account_id"]] -= t["amount"]
        deltas[t["to_account_id"]] += t["amount"]
    _bulk(session, Entry, entries)
    accounts = cast(Table, Account.__table__)
    for account_id in sorted(deltas):
        if deltas[account_id]:
            session.execute(update(accounts).where(accounts.c.id == account_id)
                            .values(balance=accounts.c.balance + deltas[account_id]))
