"""The demo generator: banks with users, needs in the states asked for, a loan with its schedule
and its first quarter paid through the ledger."""

from __future__ import annotations

import random

import pytest
from sqlalchemy.orm import Session
from tests.financing.support import setup_financing

from huanxin.financing import demo, subsidy
from huanxin.financing import repository as repo
from huanxin.ledger import service as ledger_service


def test_seed_makes_needs_loans_and_pays_the_first_quarter(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    fin = setup_financing(db)
    monkeypatch.setattr(demo, "STATES", ("granted", "declined"))
    made = demo.seed(db, fin.lib.city_code, random.Random(7))
    assert made >= 2
    office = fin.scope(db, fin.lib.office_user)
    statuses = {n.status for n in repo.needs(db, office)}
    assert {"granted", "declined"} <= statuses
    loans = repo.city_loans(db, fin.lib.city_code)
    assert loans and repo.schedule_of(db, loans[0].id)
    paid = [p for p in repo.payments_of(db, [loans[0].id]) if p.status == "settled"]
    assert len(paid) == 1
    balance = sum(b.paid for _, b in subsidy.pool_balances(db, fin.lib.city_code))
    assert balance == sum(p.actual_fen or 0 for p in repo.city_payments(db, fin.lib.city_code))
    assert ledger_service.verify(db).ok
