"""A qualification's budget is reserved last in its transaction (the pools' available accounts are
rows every qualification of the programme updates), and all or nothing: when one pool is short,
the activation written before the reservation is undone with it, and no pool keeps a part."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import T, resident, setup_city

from huanxin.ledger import service as ledger_service
from huanxin.ledger.models import Transfer
from huanxin.tradein import money
from huanxin.tradein.models import OutboxMessage
from huanxin.tradein.qualifications import lifecycle as qualification


def _pools(db: Session, programme):  # type: ignore[no-untyped-def]
    return sorted((ledger_service.pool_for(db, city_code=programme.city_code, programme_code=programme.code,
                                           region_code=programme.city_code, fund_source=money.ledger_source(s))
                   for s in ("central", "local")), key=lambda p: p.id)


def test_short_second_pool_undoes_the_first_and_the_activation(db: Session) -> None:
    city = setup_city(db, budgets={"appliance-2025": 4000_00})  # exactly two qualifications' worth
    programme = city.programmes["appliance-2025"]
    people = [resident(db, city)[1] for _ in range(3)]
    for p in people[:2]:
        assert qualification.claim_qualification(db, programme=programme, person=p, category="refrigerator",
                                                 actor="t", at=T).status == "active"
    first, second = _pools(db, programme)
    # The pool whose balance is touched first could cover its part again; the second cannot.
    ledger_service.fund(db, first, 5000_00, key=f"test:refill:{first.id}", actor="t")
    before = {p.id: ledger_service.pool_balance(db, p) for p in (first, second)}

    q = qualification.claim_qualification(db, programme=programme, person=people[2], category="refrigerator",
                                          actor="t", at=T)

    assert q.status == "waiting" and q.reserved_fen == 0 and q.expires_at is None and q.queue_no == q.id
    assert {p.id: ledger_service.pool_balance(db, p) for p in (first, second)} == before
    assert db.scalars(select(Transfer).where(Transfer.ref == f"qualification:{q.id}")).all() == []
    bodies = list(db.scalars(select(OutboxMessage.body).where(OutboxMessage.person_id == people[2].id)))
    assert len(bodies) == 1 and "候补队列" in bodies[0] and "资格已发放" not in bodies[0]
    assert ledger_service.verify(db).ok
