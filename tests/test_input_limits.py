"""Issue 10, finding 6 (first half): what a request may carry. Integers beyond 64 bits, oversized
bodies, overlong texts and non-finite figures are refused with a 4xx naming the field, on pages
and API alike, never stored and never a 500."""

from __future__ import annotations

import typing
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser

from huanxin.kit.limits import FEN_MAX, LONG_TEXT, Schema
from huanxin.plans.models import Plan, Round, Task
from huanxin.tradein.api import PEAK_ROUTES

BIG = str(2**63)
MB = 1024 * 1024


def ziyang(db: Session) -> Plan:
    plan = db.scalar(select(Plan).where(Plan.key == "ziyang-2024"))
    assert plan is not None
    return plan


def a_task(db: Session, plan: Plan) -> Task:
    task = db.scalars(select(Task).where(Task.plan_id == plan.id, Task.is_leaf).order_by(Task.path)).first()
    assert task is not None
    return task


@pytest.fixture()
def office(client: TestClient) -> dict[str, str]:
    return api_token(client, "ziyang-office")


def test_integers_beyond_64_bits_answer_422_naming_the_field(client: TestClient, db: Session,
                                                             office: dict[str, str]) -> None:
    # API: a path id, a query offset, an amount in a JSON body
    by_id = client.get(f"/api/v1/plans/{BIG}", headers=office)
    assert by_id.status_code == 422 and by_id.json()["field"] == "plan_id", by_id.text
    assert "方案编号" in by_id.json()["error"]
    offset = client.get(f"/api/v1/tradein/claims?offset={BIG}", headers=office)
    assert offset.status_code == 422 and offset.json()["field"] == "offset", offset.text
    below = client.get(f"/api/v1/tradein/claims?limit=-{2**63 + 1}", headers=office)
    assert below.status_code == 422 and below.json()["field"] == "limit", below.text
    amount = client.post("/api/v1/ledger/pools/1/fund", headers={**office, "Idempotency-Key": "k-big-1"},
                         json={"amount_fen": 2**63})
    assert amount.status_code == 422 and amount.json()["field"] == "amount_fen", amount.text
    ceiling = client.post("/api/v1/ledger/pools/1/fund", headers={**office, "Idempotency-Key": "k-big-3"},
                          json={"amount_fen": FEN_MAX + 1})
    assert ceiling.status_code == 422 and f"不能大于 {FEN_MAX}" in ceiling.json()["error"], ceiling.text
    price = client.post("/api/v1/tradein/car-claims", headers={**office, "Idempotency-Key": "k-big-2"},
                        json={"programme_id": 2**64, "price_fen": 1, "invoice_no": "F1", "invoice_date": "2025-06-01"})
    assert price.status_code == 422 and price.json()["field"] == "programme_id", price.text

    # pages: a path id, a query parameter, a number typed into a form
    csrf = login_browser(client, "ziyang-office")
    page = client.get(f"/plans/{BIG}")
    assert page.status_code == 422 and "方案编号" in page.text and "超出可接受的范围" in page.text
    stats = client.get(f"/tradein/stats?programme_id={BIG}")
    assert stats.status_code == 422 and "补贴活动编号" in stats.text
    task = a_task(db, ziyang(db))
    weight = client.post(f"/tasks/{task.id}/schedule", data={"weight": BIG, "csrf_token": csrf},
                         follow_redirects=False)
    assert weight.status_code == 422 and "权重" in weight.text
    assert db.get(Task, task.id).weight != 2**63  # type: ignore[union-attr]


def test_a_number_no_check_knew_of_is_still_a_422(app: FastAPI) -> None:
    """The last resort (web.errors): a number that reached the database driver unchecked."""
    def lookup(claim: str) -> None:
        int(claim).to_bytes(8, "big", signed=True)  # as a driver binding a 64-bit integer: OverflowError

    app.add_api_route("/api/v1/test-overflow/{claim}", lookup)
    answer = TestClient(app, raise_server_exceptions=False).get(f"/api/v1/test-overflow/{BIG}")
    assert answer.status_code == 422 and "超出可接受的范围" in answer.json()["error"]


def _int_path_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        params = {f.alias: f.field_info.annotation for f in route.dependant.path_params}
        if int not in params.values():
            continue
        path = str(context.path)
        for name, annotation in params.items():
            path = path.replace("{" + name + "}", BIG if annotation is int else "511000")
        for method in sorted(context.methods or ()):
            yield method, path


def test_every_int_path_parameter_refuses_2_to_the_63(app: FastAPI, client: TestClient) -> None:
    """Generated from the app's routes: a new route with an id in its path is covered too."""
    routes = list(_int_path_routes(app))
    assert len(routes) > 50  # the walk found the routes (pages and API)
    headers = api_token(client, "ziyang-office")
    csrf = login_browser(client, "ziyang-office")
    lenient = TestClient(app, raise_server_exceptions=False, cookies=client.cookies)
    failures = []
    for method, path in routes:
        response = lenient.request(method, path, headers={**headers, "X-CSRF-Token": csrf, "Idempotency-Key": "k"},
                                   follow_redirects=False)
        if not 400 <= response.status_code < 500:
            failures.append((method, path, response.status_code))
    assert failures == []


def _body_models(annotation: object, found: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in found:
        found.add(annotation)
        for field in annotation.model_fields.values():
            _body_models(field.annotation, found)
    for arg in typing.get_args(annotation):
        _body_models(arg, found)


def test_every_json_body_is_held_to_the_limits(app: FastAPI) -> None:
    """Every model a route (or a peak-load route) reads a body into, nested ones included, is a
    kit.limits.Schema: a new route's body cannot skip the limits."""
    found: set[type[BaseModel]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            pending = [route.dependant]
            while pending:
                dependant = pending.pop()
                pending.extend(dependant.dependencies)
                for field in dependant.body_params:
                    _body_models(field.field_info.annotation, found)
    for peak in PEAK_ROUTES.values():
        _body_models(peak.body, found)
    assert len(found) > 20
    assert sorted(m.__qualname__ for m in found if not issubclass(m, Schema)) == []


def test_a_20_mb_body_on_login_is_refused_unread(client: TestClient) -> None:
    # Not JSON at all: parsed, it would be a 422; it is refused by its size before.
    huge = b"x" * (20 * MB)
    api = client.post("/api/v1/auth/login", content=huge, headers={"Content-Type": "application/json"})
    assert api.status_code == 413 and "16 KB" in api.json()["error"], api.text[:200]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b"x" * MB

    chunked = client.post("/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413 and "上限" in chunked.json()["error"]
    page = client.post("/login", content=b"username=" + b"a" * MB,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and "上限" in page.text and "<html" in page.text
    # a signed-in JSON route: 1 MB
    office = api_token(client, "ziyang-office")
    big = client.post("/api/v1/plans/1/rounds", headers=office, content=b"{" + b" " * (2 * MB) + b"}")
    assert big.status_code == 413, big.text[:200]


def test_long_texts_are_refused_naming_the_field(client: TestClient, db: Session, office: dict[str, str]) -> None:
    plan = ziyang(db)
    rounds_before = db.scalar(select(func.count()).select_from(Round))
    title = client.post(f"/api/v1/plans/{plan.id}/rounds", headers=office,
                        json={"title": "调" * 100_000, "period": "2026-11", "due_on": "2026-12-31"})
    assert title.status_code == 422 and title.json()["field"] == "title", title.text[:300]
    assert "“标题”不能超过 200 字" in title.json()["error"]
    narrative = {"progress_pct": 50, "task_status": "in_progress", "narrative": "进" * (LONG_TEXT + 1)}
    report = client.post("/api/v1/round-items/1/reports", headers=office, json=narrative)
    assert report.status_code == 422 and report.json()["field"] == "narrative"
    assert f"“进展情况”不能超过 {LONG_TEXT} 字" in report.json()["error"]
    eight_mb = client.post("/api/v1/round-items/1/reports", headers=office,
                           json={**narrative, "narrative": "x" * (8 * MB)})
    assert eight_mb.status_code == 413  # the body limit refuses it before the field's limit

    csrf = login_browser(client, "ziyang-office")
    page = client.post(f"/plans/{plan.id}/rounds", follow_redirects=False, data={
        "title": "调" * 100_000, "period": "2026-11", "due_on": "2026-12-31", "csrf_token": csrf})
    assert page.status_code == 422 and "“标题”不能超过 200 字" in page.text
    page_report = client.post("/round-items/1/report", follow_redirects=False, data={
        "progress_pct": "50", "task_status": "in_progress", "narrative": "进" * (LONG_TEXT + 1), "csrf_token": csrf})
    assert page_report.status_code == 422 and f"“进展情况”不能超过 {LONG_TEXT} 字" in page_report.text
    assert db.scalar(select(func.count()).select_from(Round)) == rounds_before


def test_nan_and_infinity_are_refused(client: TestClient, db: Session, office: dict[str, str]) -> None:
    city = ziyang(db).city_code
    for literal in ("NaN", "Infinity", "-Infinity"):
        observation = client.post(f"/api/v1/cities/{city}/observations", headers={
            **office, "Content-Type": "application/json"},
            content=f'{{"indicator_code": "equipment_investment", "year": 2025, "value": {literal}}}')
        assert observation.status_code == 422 and observation.json()["field"] == "value", observation.text
        figure = client.post("/api/v1/round-items/1/reports", headers={**office, "Content-Type": "application/json"},
                             content='{"progress_pct": 50, "task_status": "in_progress", "narrative": "x", '
                                     f'"figures": [{{"label": "更新设备", "value": {literal}}}]}}')
        assert figure.status_code == 422 and figure.json()["field"] == "value", figure.text
        assert "NaN" in figure.json()["error"]
        car = client.post("/api/v1/tradein/car-claims", headers={
            **office, "Content-Type": "application/json", "Idempotency-Key": f"k-{literal}"},
            content='{"programme_id": 1, "price_fen": 100, "invoice_no": "F1", "invoice_date": "2025-06-01", '
                    f'"new_vehicle_displacement_l": {literal}}}')
        assert car.status_code == 422 and car.json()["field"] == "new_vehicle_displacement_l", car.text

    csrf = login_browser(client, "ziyang-office")
    for text in ("nan", "inf", "Infinity"):
        form = client.post(f"/cities/{city}/observations", follow_redirects=False, data={
            "indicator_code": "equipment_investment", "year": "2025", "value": text, "csrf_token": csrf})
        assert form.status_code == 422 and "数值" in form.text, form.text[:300]
