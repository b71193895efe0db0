"""Login, sessions, CSRF, data scope by role and city, and the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD, REAL_REFRESH_DUE, api_token, login_browser

from huanxin.kit import audit
from huanxin.orgs import scope_cache
from huanxin.orgs.models import Unit, User, UserSession
from huanxin.plans.models import Plan, Task, TaskUnit


def test_wrong_password_is_refused_in_chinese(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "ziyang-office", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"] == "用户名或密码错误"
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = client.post("/login", data={"username": "ziyang-office", "password": "nope", "csrf_token": csrf})
    assert form.status_code == 401 and "用户名或密码错误" in form.text


def test_login_form_rejects_forged_csrf(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "ziyang-office", "password": PASSWORD, "csrf_token": "x"},
                           follow_redirects=False)
    assert response.status_code == 403
    assert "huanxin_session" not in response.cookies


def test_passwords_are_hashed(db: Session) -> None:
    user = db.scalar(select(User).where(User.username == "ziyang-office"))
    assert user is not None and PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt$")


def test_expired_session_is_signed_out(client: TestClient, db: Session) -> None:
    headers = api_token(client, "ziyang-office")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    for row in db.scalars(select(UserSession)):
        row.expires_at = row.expires_at - dt.timedelta(days=2)
    db.flush()
    scope_cache.clear()  # as when its few seconds have passed (orgs.scope_cache)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_busy_tokens_scope_is_refreshed_in_the_background(
        client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached scope due for refresh still serves the request that finds it, and is read again
    behind it: a session ended elsewhere (another worker, an expiry) stops the token at the next
    request, without the cache having lapsed."""
    monkeypatch.setattr(scope_cache, "refresh_due", REAL_REFRESH_DUE)  # the app fixture turns it off
    monkeypatch.setattr(scope_cache, "REFRESH_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(scope_cache, "TTL_SECONDS", 600.0)  # only the refresh can end it here
    # One event loop for the whole test (the client as a context manager): without it each request
    # runs on a loop of its own that ends with the request, and may end the refresh task with it.
    with client:
        headers = api_token(client, "ziyang-office")
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # signs in, cached
        for row in db.scalars(select(UserSession)):
            row.expires_at = row.expires_at - dt.timedelta(days=2)
        db.flush()
        token = headers["Authorization"].removeprefix("Bearer ")
        assert scope_cache.get(token) is not None
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # the cached scope, refreshed behind it
        deadline = time.monotonic() + 30  # a generous bound: under a loaded CI machine 5 s was once too short
        while scope_cache.get(token) is not None and time.monotonic() < deadline:
            time.sleep(0.01)  # the refresh runs in a worker thread
        assert scope_cache.get(token) is None
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_scope_is_refreshed_once_at_a_time() -> None:
    scope: object = SimpleNamespace(user_id=0)  # a user_id is all the cache reads of it
    scope_cache.put("t-once", scope, 3600)  # type: ignore[arg-type]
    assert not scope_cache.refresh_due("t-once")  # fresh
    scope_cache._entries["t-once"].refresh_at = 0.0  # noqa: SLF001 - as if a second had passed
    assert scope_cache.refresh_due("t-once") and not scope_cache.refresh_due("t-once")
    assert scope_cache.get("t-once") is scope  # still served meanwhile
    scope_cache.put("t-once", scope, 3600)  # type: ignore[arg-type]  # refreshed
    assert not scope_cache.refresh_due("t-once")
    scope_cache.forget("t-once")
    assert scope_cache.get("t-once") is None


def test_logout_ends_the_session(client: TestClient) -> None:
    token = login_browser(client, "anqiu-office")
    assert client.get("/my/work").status_code in (200, 403)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/my/work", follow_redirects=False).status_code == 303


def test_home_sends_each_role_to_its_work(client: TestClient) -> None:
    login_browser(client, "ziyang-office")
    assert client.get("/", follow_redirects=False).headers["location"] == "/cities/512000/cockpit"
    client.cookies.clear()
    login_browser(client, "ziyang-dept01")
    assert client.get("/", follow_redirects=False).headers["location"] == "/my/work"


def test_county_sees_tasks_all_counties_carry_out(client: TestClient, db: Session) -> None:
    plan = db.scalar(select(Plan).where(Plan.key == "ziyang-2024"))
    assert plan is not None
    headers = api_token(client, "ziyang-county-512021")  # 安岳县
    rows = client.get(f"/api/v1/plans/{plan.id}/ledger", headers=headers).json()["rows"]
    assert rows and any(r["all_counties"] for r in rows)
    county_tasks = db.scalars(select(Task).where(Task.plan_id == plan.id, Task.all_counties)).all()
    assert {t.id for t in county_tasks} <= {r["task_id"] for r in rows}


def test_department_ledger_lists_only_its_units_tasks(client: TestClient, db: Session) -> None:
    user = db.scalar(select(User).where(User.username == "yangquan-dept01"))
    assert user is not None
    plan = db.scalar(select(Plan).where(Plan.key == "yangquan-2024"))
    assert plan is not None
    own = set(db.scalars(select(TaskUnit.task_id).where(TaskUnit.unit_id == user.unit_id)))
    rows = client.get(f"/api/v1/plans/{plan.id}/ledger", headers=api_token(client, user.username)).json()["rows"]
    leaf_ids = {r["task_id"] for r in rows if r["units"]}
    others = {r["task_id"] for r in rows if r["units"] and all(u["unit_id"] != user.unit_id for u in r["units"])}
    assert own & leaf_ids == own
    # rows naming other units only are ancestors shown for context, never leaves of other units
    leaves = set(db.scalars(select(Task.id).where(Task.plan_id == plan.id, Task.is_leaf)))
    assert not (others & leaves)


def test_roles_without_ledger_get_403(client: TestClient, db: Session) -> None:
    from huanxin.orgs import service as orgs_service
    from huanxin.orgs.roles import Role

    unit = db.scalar(select(Unit).where(Unit.city_code == "512000", Unit.kind == "enterprise"))
    orgs_service.create_user(db, username="zy-enterprise", password=PASSWORD, display_name="企业用户",
                             role=Role.ENTERPRISE, city_code="512000", unit_id=unit.id if unit else None)
    db.flush()
    headers = api_token(client, "zy-enterprise")
    assert client.get("/api/v1/cities/512000/plans", headers=headers).status_code == 403


def test_audit_chain_verifies_and_detects_tampering(db: Session) -> None:
    audit.record(db, actor="t", action="probe", entity="x", entity_id=1, detail={"n": 1})
    audit.record(db, actor="t", action="probe", entity="x", entity_id=2, detail={"n": 2})
    count, broken = audit.verify_chain(db)
    assert broken is None and count >= 2
    last = db.scalar(select(audit.AuditRecord).order_by(audit.AuditRecord.id.desc()).limit(1))
    assert last is not None
    db.execute(text("UPDATE audit_record SET detail = :d WHERE id = :i"), {"d": '{"n": 99}', "i": last.id})
    db.expire_all()
    _, broken = audit.verify_chain(db)
    assert broken == last.id


def test_audit_records_refuse_updates_through_the_orm(db: Session) -> None:
    record = audit.record(db, actor="t", action="probe", entity="x", entity_id=3)
    record.actor = "someone else"
    try:
        db.flush()
    except RuntimeError as exc:
        assert "只能追加" in str(exc)
    else:
        raise AssertionError("an audit record was updated")
    finally:
        db.rollback()


def test_audit_verify_cli(engine: object, tmp_path: object) -> None:
    result = subprocess.run([sys.executable, "-m", "huanxin.cli", "audit", "verify"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "哈希链校验通过" in result.stdout


def test_office_sees_logs_departments_do_not(client: TestClient) -> None:
    login_browser(client, "ziyang-office")
    page = client.get("/cities/512000/logs")
    assert page.status_code == 200 and "登录" in page.text and "load_plan" in page.text
    assert client.get("/cities/370784/logs").status_code == 404
    client.cookies.clear()
    login_browser(client, "ziyang-dept01")
    assert client.get("/cities/512000/logs").status_code == 403


def test_reset_password_replaces_it_and_ends_the_sessions(client: TestClient, db: Session) -> None:
    from huanxin.errors import NotAuthenticated, NotFound
    from huanxin.orgs import service as orgs_service
    from huanxin.orgs.roles import Role

    user = orgs_service.create_user(db, username="zy-shop-reset", password=PASSWORD, display_name="测试商户",
                                    role=Role.RETAILER, city_code="512000", unit_id=None)
    db.flush()
    headers = api_token(client, "zy-shop-reset")
    login_browser(TestClient(client.app), "zy-shop-reset")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(db.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()) == 2

    new = orgs_service.reset_password(db, user.id, actor="ziyang-office")
    db.commit()  # as the request would (the test's outer transaction still rolls it all back)
    assert len(new) == 14 and new.isalnum() and new != PASSWORD and not set(new) & set("0O1lI")
    assert new not in user.password_hash and user.password_hash.startswith("scrypt$")
    assert db.scalars(select(UserSession).where(UserSession.user_id == user.id)).all() == []
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # the old token is gone
    try:
        orgs_service.login(db, "zy-shop-reset", PASSWORD)
    except NotAuthenticated:
        pass
    else:
        raise AssertionError("the old password still works")
    token, scope = orgs_service.login(db, "zy-shop-reset", new)
    assert token and scope.user_id == user.id
    assert api_token(client, "zy-shop-reset", new)
    record = db.scalar(select(audit.AuditRecord).where(audit.AuditRecord.action == "reset_password",
                                                       audit.AuditRecord.entity_id == str(user.id)))
    assert record is not None and record.actor == "ziyang-office" and new not in str(record.detail)
    assert record.detail["username"] == "zy-shop-reset" and record.detail["sessions_ended"] == 2
    assert orgs_service.reset_password(db, user.id, actor="x") != new  # random each time
    try:
        orgs_service.reset_password(db, 987654321, actor="x")
    except NotFound:
        pass
    else:
        raise AssertionError("an unknown user was reset")


def test_the_session_cookie_lives_as_long_as_the_session(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A city that sets shorter sessions (HUANXIN_SESSION_HOURS) gets a browser cookie that ends
    with them, not the 12 hours the code once fixed."""
    from huanxin.config import get_settings

    monkeypatch.setattr(get_settings(), "session_hours", 2)
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "ziyang-office", "password": PASSWORD, "csrf_token": csrf},
                           follow_redirects=False)
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("huanxin_session="))
    assert "Max-Age=7200" in cookie
