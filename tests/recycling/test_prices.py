"""A recycler's price list: dated changes (never in the past), one entry per category and date,
the history, the list in force with the previous price, read by the city's supervisors; API and page."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.recycling import weighing_support as ws
from tests.tradein.claims_support import user

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit.clock import today
from huanxin.orgs.roles import Role
from huanxin.recycling import prices
from huanxin.recycling.prices import PriceInput


def test_a_dated_change_keeps_the_previous_price_and_the_history(db: Session) -> None:
    rc = ws.recycler(db)
    ws.price(db, rc, "paper", 120, days_ago=20)
    scope = rc.scope(db, "dispatcher")
    prices.add_price(db, scope, PriceInput(category="paper", price_fen=100, effective_from=today()))
    prices.add_price(db, scope, PriceInput(category="paper", price_fen=90, effective_from=today() + dt.timedelta(7)))
    (line,) = prices.current_list(db, rc.unit_id, today())
    assert line.entry.price_fen == 100 and line.previous is not None and line.previous.price_fen == 120
    assert line.upcoming is not None and line.upcoming.price_fen == 90
    assert [e.price_fen for e in prices.history(db, rc.unit_id, "paper")] == [90, 100, 120]
    assert prices.price_on(db, rc.unit_id, "paper", today() - dt.timedelta(days=1)).price_fen == 120  # type: ignore[union-attr]


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"category": "paper", "price_fen": 0}, "price", "大于0"),
    ({"category": "paper", "price_fen": -5}, "price", "大于0"),
    ({"category": "gold", "price_fen": 100}, "category", "未知的回收品类"),
    ({"category": "refrigerator", "unit": "kg", "price_fen": 100}, "unit", "按件计价"),
    ({"category": "paper", "price_fen": 100, "effective_from": dt.date(2020, 1, 1)}, "effective_from", "不能早于今天"),
])
def test_bad_prices_are_refused_naming_the_field(db: Session, data: dict[str, object], field: str, words: str) -> None:
    rc = ws.recycler(db)
    body = PriceInput(**{"effective_from": today(), **data})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as caught:
        prices.add_price(db, rc.scope(db), body)
    assert caught.value.field == field and words in caught.value.message
    assert prices.history(db, rc.unit_id) == []


def test_the_same_category_and_date_twice_is_409_unless_replaced(db: Session) -> None:
    rc = ws.recycler(db)
    day = today() + dt.timedelta(days=3)
    prices.add_price(db, rc.scope(db), PriceInput(category="metal", price_fen=200, effective_from=day))
    with pytest.raises(Conflict, match="已登记价格"):
        prices.add_price(db, rc.scope(db), PriceInput(category="metal", price_fen=210, effective_from=day))
    prices.add_price(db, rc.scope(db), PriceInput(category="metal", price_fen=210, effective_from=day, replace=True))
    assert [e.price_fen for e in prices.history(db, rc.unit_id, "metal")] == [210]


def test_supervisors_read_a_recycler_of_their_city_and_residents_may_not(db: Session) -> None:
    rc = ws.recycler(db)
    ws.price(db, rc, "paper", 120)
    office = ws.scope_of(db, user(db, f"rc-off-{ws.tag()}", Role.OFFICE, rc.city_code))
    assert prices.list_owner(db, office, rc.unit_id) == rc.unit_id
    with pytest.raises(Forbidden):
        prices.list_owner(db, ws.scope_of(db, ws.resident(db)), rc.unit_id)
    with pytest.raises(Forbidden):
        prices.add_price(db, office, PriceInput(category="paper", price_fen=1, effective_from=today()))
    far = ws.scope_of(db, user(db, f"rc-off-{ws.tag()}", Role.OFFICE, "510400"))
    from huanxin.errors import NotFound
    with pytest.raises(NotFound):
        prices.list_owner(db, far, rc.unit_id)


def test_the_api_adds_and_lists_prices(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    ws.price(db, rc, "paper", 120, days_ago=10)
    headers = api_token(client, rc.dispatcher)
    sent = client.post("/api/v1/recycling/prices", headers=headers,
                       json={"category": "paper", "price_fen": 110, "effective_from": today().isoformat()})
    assert sent.status_code == 201, sent.text
    bad = client.post("/api/v1/recycling/prices", headers=headers,
                      json={"category": "phone", "unit": "kg", "price_fen": 110, "effective_from": today().isoformat()})
    assert bad.status_code == 422 and bad.json()["field"] == "unit"
    listed = client.get("/api/v1/recycling/prices", headers=headers).json()["prices"]
    assert listed[0]["price_fen"] == 110 and listed[0]["previous"]["price_fen"] == 120


def test_the_page_shows_the_list_and_errors_beside_the_field(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    ws.price(db, rc, "paper", 120, days_ago=10)
    csrf = login_browser(client, rc.driver)
    page = client.post("/recycling/prices", data={"csrf_token": csrf, "category": "paper", "price": "0",
                                                  "effective_from": today().isoformat()})
    assert page.status_code == 422
    assert 'data-field="price"' in page.text and "价格必须大于0" in page.text
    done = client.post("/recycling/prices", data={"csrf_token": csrf, "category": "paper", "price": "1.05",
                                                  "effective_from": today().isoformat()})
    assert done.status_code == 200 and "已登记价格" in done.text
    assert "¥1.05/公斤" in done.text and "¥1.20/公斤" in done.text  # the new price and the one it replaced
