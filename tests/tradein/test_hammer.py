"""Hammering the claim API with concurrent clients on the real database (committed data, a
session per request, one dedicated city per test so nothing collides with other tests):
racing for the last fen of a pool, replaying one Idempotency-Key from many threads, the same
serial number and the same per-person quota from many threads, concurrent payout batches and
result uploads. Afterwards no pool is negative, the ledger verifies and nobody is paid twice."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import City, id_number, resident, setup_city

from huanxin.ledger import service as ledger_service
from huanxin.ledger.models import Transfer
from huanxin.tradein.models import Claim, PayoutLine, Qualification
from huanxin.tradein.qualifications import lifecycle as qualification
from huanxin.tradein.residents import identity
from huanxin.web.app import create_app

THREADS = 12
_city_no = iter(range(990101, 990199))


@pytest.fixture()
def app(engine: Engine):  # type: ignore[no-untyped-def]  # the real app: no overrides, commit per request
    return create_app()


@pytest.fixture()
def hammer_city(engine: Engine) -> Iterator[Callable[..., City]]:
    def make(**kwargs: Any) -> City:
        with Session(engine, expire_on_commit=False) as session:
            city = setup_city(session, city_code=str(next(_city_no)), **kwargs)
            session.commit()
        return city
    yield make


def call(app: Any, method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
    """A client that retries a busy answer (503) with the same request and key, as clients do."""
    client = TestClient(app, raise_server_exceptions=False)
    for _ in range(200):
        response = client.request(method, url, headers=headers, **kw)
        if response.status_code != 503:
            return response
        time.sleep(0.02)
    raise AssertionError(f"{url} stayed busy")


def race(fn: Callable[[int], Any], n: int = THREADS) -> list[Any]:
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, range(n)))


def key() -> str:
    return uuid.uuid4().hex


def residents(engine: Engine, city: City, count: int) -> list[tuple[str, int]]:
    out = []
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(count):
            username, person = resident(session, city)
            out.append((username, person.id))
        session.commit()
    return out


def assert_ledger_sound(engine: Engine) -> None:
    with Session(engine) as session:
        result = ledger_service.verify(session)
        assert result.ok, result
        assert not result.negative_accounts


def test_racing_for_the_last_fen(app: Any, engine: Engine, hammer_city: Callable[..., City]) -> None:
    affordable = 5
    city = hammer_city(budgets={"appliance-2025": affordable * 2000_00})
    programme = city.programmes["appliance-2025"]
    people = residents(engine, city, 3 * affordable)
    client = TestClient(app)
    tokens = [api_token(client, u) for u, _ in people]

    def claim(i: int) -> Any:
        return call(app, "POST", "/api/v1/tradein/qualifications", {**tokens[i], "Idempotency-Key": key()},
                    json={"programme_id": programme.id, "category": "refrigerator"})

    responses = race(claim, len(people))
    assert all(r.status_code in (201, 202) for r in responses), [r.text for r in responses if r.status_code >= 300]
    assert sum(r.status_code == 201 for r in responses) == affordable
    with Session(engine) as session:
        statuses = list(session.scalars(select(Qualification.status).where(Qualification.programme_id == programme.id)))
        assert statuses.count("active") == affordable and statuses.count("waiting") == 2 * affordable
        queue = sorted(q for q in session.scalars(select(Qualification.queue_no).where(
            Qualification.programme_id == programme.id, Qualification.status == "waiting")))
        assert len(set(queue)) == len(queue)  # no duplicate queue numbers
        pools = ledger_service.pools_of(session, city.code, programme.code)
        assert all(ledger_service.pool_balance(session, p).available == 0 for p in pools)
    # money returns: one cancels, the first in the queue is served
    first = next(r for r in responses if r.status_code == 201).json()
    owner = tokens[[r.json()["id"] for r in responses].index(first["id"])]
    back = call(app, "POST", f"/api/v1/tradein/qualifications/{first['id']}/cancel",
                {**owner, "Idempotency-Key": key()})
    assert back.status_code == 200, back.text
    with Session(engine) as session:
        head = min((r.json() for r in responses if r.status_code == 202), key=lambda q: q["queue_no"])
        assert session.get(Qualification, head["id"]).status == "active"  # type: ignore[union-attr]
    assert_ledger_sound(engine)


def test_one_key_replayed_from_many_threads(app: Any, engine: Engine, hammer_city: Callable[..., City]) -> None:
    city = hammer_city(budgets={"appliance-2025": 100_000_00})
    programme = city.programmes["appliance-2025"]
    [(username, person_id)] = residents(engine, city, 1)
    token = api_token(TestClient(app), username)
    the_key = key()
    body = {"programme_id": programme.id, "category": "tv"}
    responses = race(lambda _i: call(app, "POST", "/api/v1/tradein/qualifications",
                                     {**token, "Idempotency-Key": the_key}, json=body))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Qualification).where(
            Qualification.person_id == person_id)) == 1
    other = call(app, "POST", "/api/v1/tradein/qualifications", {**token, "Idempotency-Key": the_key},
                 json={**body, "category": "computer"})
    assert other.status_code == 409 and "幂等键" in other.json()["error"]


def test_same_quota_from_many_threads(app: Any, engine: Engine, hammer_city: Callable[..., City]) -> None:
    city = hammer_city(budgets={"appliance-2025": 100_000_00})
    programme = city.programmes["appliance-2025"]
    [(username, person_id)] = residents(engine, city, 1)
    token = api_token(TestClient(app), username)
    responses = race(lambda _i: call(app, "POST", "/api/v1/tradein/qualifications",
                                     {**token, "Idempotency-Key": key()},
                                     json={"programme_id": programme.id, "category": "dishwasher"}))
    assert sorted(r.status_code for r in responses) == [201] + [409] * (THREADS - 1)
    assert all("名额已用完" in r.json()["error"] for r in responses if r.status_code == 409)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Qualification).where(
            Qualification.person_id == person_id)) == 1
    assert_ledger_sound(engine)


def test_same_serial_and_payment_from_many_threads(app: Any, engine: Engine,
                                                   hammer_city: Callable[..., City]) -> None:
    city = hammer_city(budgets={"appliance-2025": 100_000_00})
    programme = city.programmes["appliance-2025"]
    people = residents(engine, city, THREADS)
    with Session(engine, expire_on_commit=False) as session:
        from huanxin.tradein.models import Person
        qs = [qualification.claim_qualification(session, programme=programme, person=session.get(Person, pid),
                                                category="refrigerator", actor="t") for _, pid in people]
        holders = [identity.person_id_number(session.get(Person, pid)) for _, pid in people]
        session.commit()
    shop = api_token(TestClient(app), city.retailer_user)
    serial = f"SN-HAMMER-{uuid.uuid4().hex[:8]}"

    def redeem(i: int) -> Any:
        return call(app, "POST", "/api/v1/tradein/claims", {**shop, "Idempotency-Key": key()}, json={
            "qualification_id": qs[i].id, "id_number": holders[i], "category": "refrigerator", "price_fen": 5000_00,
            "invoice_no": f"INV-{uuid.uuid4().hex[:10]}", "invoice_date": "2025-06-01", "efficiency_grade": 1,
            "serial": serial, "brand": "海尔", "model": "BCD"})

    responses = race(redeem)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (THREADS - 1), [r.text for r in responses]
    assert all("已用于其他补贴申请" in r.json()["error"] for r in responses if r.status_code == 409)
    winner = next(r.json() for r in responses if r.status_code == 201)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Claim).where(
            Claim.programme_id == programme.id)) == 1
        # the losers' qualifications are untouched and still usable
        assert session.scalar(select(func.count()).select_from(Qualification).where(
            Qualification.programme_id == programme.id, Qualification.status == "active")) == THREADS - 1

    reviewer = api_token(TestClient(app), city.reviewer_user)
    if winner["status"] == "review":
        ok = call(app, "POST", f"/api/v1/tradein/claims/{winner['id']}/approve", reviewer, json={"note": "核实"})
        assert ok.status_code == 200, ok.text
    batches = race(lambda _i: call(app, "POST", "/api/v1/tradein/payout-batches",
                                   {**reviewer, "Idempotency-Key": key()}, json={"claim_ids": None}), 6)
    made = [b for b in batches if b.status_code == 201]
    assert len(made) == 1, [b.text for b in batches]
    batch = made[0].json()
    assert [line["claim_id"] for line in batch["lines"]] == [winner["id"]]
    office = api_token(TestClient(app), city.office_user)
    approvals = race(lambda _i: call(app, "POST", f"/api/v1/tradein/payout-batches/{batch['id']}/approve",
                                     {**office, "Idempotency-Key": key()}), 4)
    assert sorted(a.status_code for a in approvals) == [200, 409, 409, 409], [a.text for a in approvals]
    result = f"申请编号,金额（分）,状态,银行流水号,原因\n{winner['id']},{winner['amount_fen']},成功,BANK-1,\n".encode()
    uploads = race(lambda _i: call(app, "POST", f"/api/v1/tradein/payout-batches/{batch['id']}/result",
                                   {**reviewer, "Idempotency-Key": key()},
                                   files={"file": ("result.csv", result, "text/csv")}), 6)
    assert all(u.status_code == 200 for u in uploads), [u.text for u in uploads]
    assert sum(u.json()["paid"] for u in uploads) == 1
    with Session(engine) as session:
        claim = session.get(Claim, winner["id"])
        assert claim is not None and claim.status == "paid"
        assert session.scalar(select(func.count()).select_from(PayoutLine).where(
            PayoutLine.claim_id == claim.id)) == 1
        posts = session.scalars(select(Transfer).where(Transfer.kind == "post",
                                                       Transfer.key.like(f"post:claim:{claim.id}:%"))).all()
        assert sorted(t.key for t in posts) == [f"post:claim:{claim.id}:central", f"post:claim:{claim.id}:local"]
        assert sum(t.amount for t in posts) == claim.amount_fen
    assert_ledger_sound(engine)


def test_same_id_number_registered_from_many_threads(app: Any, engine: Engine,
                                                     hammer_city: Callable[..., City]) -> None:
    """A first-time resident's app retrying with fresh keys from many threads: one person, one
    qualification, the rest told the quota is used."""
    from tests.tradein.claims_support import enrol, user

    from huanxin.kit import pii
    from huanxin.orgs.roles import Role
    from huanxin.tradein.models import Person

    city = hammer_city(budgets={"digital-2025": 10_000_00})
    programme = city.programmes["digital-2025"]
    number = id_number(birth="19920704")
    with Session(engine) as session:
        username = user(session, f"fresh-{city.tag}", Role.RESIDENT, city.code)
        enrol(session, number, "李四")  # on the population register: the real-name check passes
        session.commit()
    token = api_token(TestClient(app), username)
    responses = race(lambda _i: call(app, "POST", "/api/v1/tradein/qualifications",
                                     {**token, "Idempotency-Key": key()},
                                     json={"programme_id": programme.id, "category": "mobile_phone",
                                           "id_number": number, "name": "李四"}))
    assert sorted(r.status_code for r in responses) == [201] + [409] * (THREADS - 1), [r.text for r in responses]
    with Session(engine) as session:
        person = session.scalar(select(Person).where(Person.id_hash == pii.keyed_hash("id", number)))
        assert person is not None
        assert session.scalar(select(func.count()).select_from(Qualification).where(
            Qualification.person_id == person.id)) == 1
    assert_ledger_sound(engine)
