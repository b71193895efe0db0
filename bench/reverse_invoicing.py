"""Reverse invoices issued per second under concurrent clients: for one hot seller (every issue
waits for the person's row lock) and for many sellers (the locks never meet), with the production
issuing code (recycling.invoicing.service.issue), a session and a commit per invoice, as the API runs
it. Prints invoices per second for 1 and for 16 clients and the ratios, and checks afterwards that
the hot seller's 12-month total never passed the 5,000,000-yuan line.

    python bench/reverse_invoicing.py                       SQLite (a file under bench/out)
    HUANXIN_BENCH_PG_URL=postgresql+psycopg://… python bench/reverse_invoicing.py   PostgreSQL too
    python bench/reverse_invoicing.py --invoices 400        fewer invoices per case (default 1,600)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ledger_pages import machine
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huanxin import demo
from huanxin.db import WRITE_INTENT, make_engine
from huanxin.kit import pii
from huanxin.kit.clock import now, today
from huanxin.kit.identifiers import id_check_char, luhn_complete
from huanxin.migrate import upgrade
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Region, User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling.invoice_models import RecyclerQualification, ReverseInvoice, SellerMessage
from huanxin.recycling.invoicing import sellers, service
from huanxin.recycling.models import RecyclerStaff

OUT = Path(__file__).with_name("out")
CITY = "512000"
CLIENTS = 16
TAX_CODE = "1080201000000000000"


@dataclass(frozen=True)
class Case:
    name: str
    clients: int
    invoices: int
    seconds: float
    refused: int

    @property
    def per_second(self) -> float:
        return self.invoices / self.seconds if self.seconds else float("nan")


def _id_number(k: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=k % 10_000)
    first17 = f"512002{birth:%Y%m%d}{k // 10_000 % 1000:03d}"
    return first17 + id_check_char(first17)


def _card(k: int) -> str:
    body = f"6222{k:014d}"
    return luhn_complete(body)


def _recycler(session: Session) -> Scope:
    if session.get(Region, CITY) is None:
        session.add(Region(code=CITY, name="资阳市", level="city", parent_code=None))
    unit = orgs_service.ensure_unit(session, city_code=CITY, name=f"基准回收公司{secrets.token_hex(3)}",
                                    kind="recycler", aliases=[], region_code=CITY)
    name = f"bench-rc-{secrets.token_hex(4)}"
    orgs_service.create_user(session, username=name, password="bench-pass-2026", display_name=name,
                             role=Role.RECYCLER, city_code=CITY, unit_id=unit.id)
    user = session.scalar(select(User).where(User.username == name))
    assert user is not None
    session.add(RecyclerStaff(city_code=CITY, unit_id=unit.id, user_id=user.id, function="dispatcher"))
    session.add(RecyclerQualification(city_code=CITY, unit_id=unit.id, kind="renewable_filing", number="B-1",
                                      issued_on=today().replace(year=today().year - 1), valid_until=None,
                                      document_name="x.pdf", document_type="application/pdf", document=b"x",
                                      recorded_by_user_id=user.id, recorded_at=now(), verified_by_user_id=user.id,
                                      verified_at=now()))
    session.flush()
    return orgs_service.scope_of(user)


def _confirmed(engine: Engine, count: int, people: int, offset: int, grams: int) -> tuple[Scope, list[int]]:
    """`count` confirmed pre-invoices of `grams` of scrap metal at 1 yuan a kilogram, spread over
    `people` sellers of one recycler."""
    with Session(engine, expire_on_commit=False) as session:
        scope = _recycler(session)
        who = [sellers.onboard(session, scope, sellers.SellerInput(
            name="基准出售方", id_number=_id_number(offset + k), phone="13900000000", bank_card=_card(offset + k),
            bank_name="工商银行", authorised=True)) for k in range(people)]
        ids = []
        for n in range(count):
            body = service.PreInvoiceInput(seller_id=who[n % people].id, lines=[service.LineInput(
                category="metal", tax_code=TAX_CODE, weight_g=grams, unit_price_fen=100)])
            invoice = service.make_pre_invoice(session, scope, body, secrets.token_hex(8)).invoice
            ids.append(invoice.id)
        session.flush()
        for invoice in session.scalars(select(ReverseInvoice).where(ReverseInvoice.id.in_(ids))):
            invoice.status, invoice.confirmed_at = "confirmed", now()  # as if each seller gave the code
        session.execute(SellerMessage.__table__.delete().where(SellerMessage.invoice_id.in_(ids)))
        session.commit()
        return scope, ids


def _issue_all(engine: Engine, scope: Scope, ids: list[int], clients: int) -> tuple[float, int]:
    refused = 0

    writer = engine.execution_options(**{WRITE_INTENT: True})  # as the API's POST sessions (db.get_db)

    def one(invoice_id: int) -> bool:
        with Session(writer) as session:
            try:
                service.issue(session, scope, invoice_id)
                session.commit()
                return True
            except service.InvalidInput:
                session.rollback()
                return False

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        refused = sum(1 for ok in pool.map(one, ids) if not ok)
    return time.perf_counter() - started, refused


def run(url: str, invoices: int) -> list[Case]:
    demo.reset_database(url)
    engine = make_engine(url)
    upgrade(engine)
    pii.forget_keys()
    cases = []
    offset = 0
    # The hot seller's invoices stay under the quota in all (every one is issued, each waiting for the
    # person's lock); the last case pushes one seller past it, so that refusals are measured too.
    hot_grams = 4_800_000_000 // invoices  # 4,800,000 yuan over all the invoices
    for name, people, grams in (("一个出售方（热点）", 1, hot_grams), ("多个出售方", 500, 10_000_000),
                                ("一个出售方越过限额", 1, 10_000_000)):
        for clients in (1, CLIENTS):
            scope, ids = _confirmed(engine, invoices, people, offset, grams)
            offset += people
            seconds, refused = _issue_all(engine, scope, ids, clients)
            cases.append(Case(name, clients, len(ids), seconds, refused))
            print(f"  {name}，{clients} 个并发客户端：{len(ids)} 张，{seconds:.1f} 秒，"
                  f"{len(ids) / seconds:.0f} 张/秒（超限额拒开 {refused} 张）", flush=True)
    with Session(engine) as session:
        worst = max(service.used_in_window(session, key, today()) for key in set(session.scalars(
            select(ReverseInvoice.person_key))))
        verdict = "未超" if worst <= 500_000_000 else "超出！"
        print(f"  单人12个月合计最高 {worst / 100:,.0f} 元（限额 5,000,000 元）：{verdict}")
    engine.dispose()
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--invoices", type=int, default=1_600, help="invoices per case (default 1,600)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    backends = {"SQLite": f"sqlite:///{OUT / 'reverse_invoicing.db'}"}
    pg = os.environ.get("HUANXIN_BENCH_PG_URL", "")
    if pg.startswith("postgresql"):
        backends["PostgreSQL"] = pg
    print(f"机器：{machine()}；每个用例 {args.invoices:,} 张已确认的预开票")
    for label, url in backends.items():
        print(f"{label}:", flush=True)
        cases = run(url, args.invoices)
        by = {(c.name, c.clients): c.per_second for c in cases}
        for name in ("一个出售方（热点）", "多个出售方", "一个出售方越过限额"):
            print(f"  {name}：{CLIENTS} 客户端 / 1 客户端 = {by[(name, CLIENTS)] / by[(name, 1)]:.2f} 倍")
        print(f"  {CLIENTS} 客户端下 多个出售方 / 热点 = "
              f"{by[('多个出售方', CLIENTS)] / by[('一个出售方（热点）', CLIENTS)]:.2f} 倍")


if __name__ == "__main__":
    main()
