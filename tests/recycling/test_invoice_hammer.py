"""Hammering the quota: many clients issue invoices for one seller near the 5,000,000-yuan line at
once, through the real app with committed data and a session per request; afterwards the person's
12-month total never exceeds the line, and a red-letter reversal frees exactly its amount.
Properties of the 12-natural-month window (Hypothesis) sit beside them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws
from tests.tradein.test_hammer import call, race

from huanxin.kit.clock import today
from huanxin.recycling.invoicing import rules, service
from huanxin.web.app import create_app

THREADS = 12
MILLION = 1_000_000


@pytest.fixture()
def app(engine: Engine):  # type: ignore[no-untyped-def]  # the real app: commit per request
    return create_app()


def _confirmed_invoices(engine: Engine, count: int) -> tuple[list[tuple[str, int]], str]:
    """`count` confirmed pre-invoices of one million yuan each for one person, split over two
    recyclers of two cities: [(dispatcher, invoice id)], and the person's key."""
    with Session(engine, expire_on_commit=False) as session:
        ident = inv.id_number()
        out = []
        recyclers = [ws.recycler(session), ws.recycler(session, "510400")]
        for rc in recyclers:
            inv.qualify(session, rc)
        sellers = [inv.seller(session, rc, id_number=ident) for rc in recyclers]
        for n in range(count):
            rc, who = recyclers[n % 2], sellers[n % 2]
            invoice = inv.pre_invoice(session, rc, who, MILLION)
            service.confirm(session, rc.scope(session, "dispatcher"), invoice.id, inv.code_of(session, invoice))
            out.append((rc.dispatcher, invoice.id))
        session.commit()
        return out, sellers[0].person_key


def test_many_clients_never_pass_the_quota_together(app: Any, engine: Engine) -> None:
    invoices, person = _confirmed_invoices(engine, THREADS)
    client = TestClient(app)
    tokens = {who: api_token(client, who) for who, _ in invoices}

    def issue(i: int) -> Any:
        who, invoice_id = invoices[i]
        return call(app, "POST", f"/api/v1/recycling/invoices/{invoice_id}/issue", tokens[who])

    responses = race(issue, THREADS)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 5 + [422] * (THREADS - 5), [r.text for r in responses]
    assert all("限额" in r.json()["error"] for r in responses if r.status_code == 422)
    with Session(engine) as session:
        assert service.used_in_window(session, person, today()) == 5 * MILLION * 100
    # A red-letter reversal frees exactly one invoice's amount: one refused invoice now passes, the next does not.
    winner = next(invoices[i] for i, r in enumerate(responses) if r.status_code == 200)
    red = call(app, "POST", f"/api/v1/recycling/invoices/{winner[1]}/reverse", tokens[winner[0]],
               json={"reason": "出售方退货"})
    assert red.status_code == 201, red.text
    refused = [invoices[i] for i, r in enumerate(responses) if r.status_code == 422]
    again = race(lambda i: call(app, "POST", f"/api/v1/recycling/invoices/{refused[i][1]}/issue",
                                tokens[refused[i][0]]), 4)
    assert sorted(r.status_code for r in again) == [200, 422, 422, 422]
    with Session(engine) as session:
        assert service.used_in_window(session, person, today()) == 5 * MILLION * 100


def test_one_pre_invoice_issued_from_many_threads_is_issued_once(app: Any, engine: Engine) -> None:
    [(who, invoice_id)], person = _confirmed_invoices(engine, 1)
    token = api_token(TestClient(app), who)
    responses = race(lambda _i: call(app, "POST", f"/api/v1/recycling/invoices/{invoice_id}/issue", token), 8)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    with Session(engine) as session:
        assert service.used_in_window(session, person, today()) == MILLION * 100


# ---- the window ------------------------------------------------------------------------------------

days = st.dates(min_value=dt.date(2024, 5, 1), max_value=dt.date(2035, 12, 31))


@given(days)
def test_the_window_is_twelve_natural_months_ending_with_the_day_s_month(day: dt.date) -> None:
    first, last = rules.window(day)
    assert last == day.replace(day=1) and first.day == 1
    assert (last.year - first.year) * 12 + last.month - first.month == 11


@given(days)
def test_a_day_a_year_later_on_the_first_of_the_month_no_longer_counts_that_month(day: dt.date) -> None:
    later = rules.add_months(day.replace(day=1), 12)
    first, _ = rules.window(later)
    assert first > day  # the month of `day` has left the window
    assert rules.window(later - dt.timedelta(days=1))[0] <= day  # on the day before, it was still in


@given(days)
def test_every_day_of_a_month_has_the_same_window(day: dt.date) -> None:
    last_day = rules.add_months(day.replace(day=1), 1) - dt.timedelta(days=1)
    assert rules.window(day) == rules.window(day.replace(day=1)) == rules.window(last_day)


def test_the_29th_of_february_counts_in_february() -> None:
    assert rules.window(dt.date(2028, 2, 29)) == (dt.date(2027, 3, 1), dt.date(2028, 2, 1))
    assert rules.window(dt.date(2029, 2, 28))[0] == dt.date(2028, 3, 1)  # February 2028 has left
