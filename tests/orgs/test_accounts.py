"""Account management (issue 11, item 9): the office creates, edits, disables, re-enables and resets
its city's accounts; a temporary password must be changed before anything else; a department
manages its own unit's staff only when the office allows it; every change is audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from typer.testing import CliRunner

from huanxin.cli import app as cli_app
from huanxin.kit import audit
from huanxin.orgs.models import User

ZIYANG, ANQIU = "512000", "370784"
ACCOUNTS = f"/api/v1/cities/{ZIYANG}/accounts"
NEW_PASSWORD = "zhangsan-new-2025"


def _user(db: Session, username: str) -> User:
    found = db.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


def _unit_of(db: Session, username: str) -> int:
    unit_id = _user(db, username).unit_id
    assert unit_id is not None
    return unit_id


def _create(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(ACCOUNTS, headers=headers, json={"display_name": "张三", "role": "department", **body})


@pytest.fixture()
def same_session(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's transaction is the test's session (rolled back after the test)."""
    import huanxin.db as db_module

    @contextmanager
    def transaction() -> Iterator[Session]:
        yield db
        db.flush()

    monkeypatch.setattr(db_module, "transaction", transaction)


@pytest.fixture()
def office(client: TestClient) -> dict[str, str]:
    return api_token(client, "ziyang-office")


@pytest.fixture()
def zhangsan(client: TestClient, db: Session, office: dict[str, str]) -> tuple[int, str]:
    """A new department account of 资阳 (id, temporary password), created by the office."""
    r = _create(client, office, username="zy-zhangsan", unit_id=_unit_of(db, "ziyang-dept01"), phone="13812345678")
    assert r.status_code == 201, r.text
    return r.json()["account"]["id"], r.json()["temporary_password"]


def test_a_new_account_must_change_its_temporary_password_before_anything_else(
        client: TestClient, zhangsan: tuple[int, str]) -> None:
    _, temporary = zhangsan
    token = api_token(client, "zy-zhangsan", temporary)
    refused = client.get("/api/v1/me", headers=token)
    assert refused.status_code == 403 and refused.json()["error"] == "请先修改初始密码"
    assert client.get(f"/api/v1/cities/{ZIYANG}/plans", headers=token).status_code == 403
    # A browser is sent to the change-password page from every page, the home page included.
    login_browser(client, "zy-zhangsan", temporary)
    for page in ("/", "/my/work", f"/cities/{ZIYANG}/plans"):
        r = client.get(page, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/me/password", page
    assert "请先修改初始密码" in client.get("/me/password").text

    changed = client.post("/api/v1/me/password", headers=token,
                          json={"current_password": temporary, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    assert client.get("/api/v1/me", headers=token).json()["username"] == "zy-zhangsan"  # this token goes on
    # The browser's session (another one) ended with the change; signed in anew, the work is open.
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    login_browser(client, "zy-zhangsan", NEW_PASSWORD)
    assert client.get("/", follow_redirects=False).headers["location"] == "/my/work"


@pytest.mark.parametrize(("new", "says"), [("short-pw", "至少 10 个字符"), ("zy-zhangsan", "不能与用户名相同"),
                                           ("huanxin2024", "演示账号的公开密码")])
def test_a_new_password_follows_the_rules(client: TestClient, zhangsan: tuple[int, str], new: str,
                                          says: str) -> None:
    _, temporary = zhangsan
    token = api_token(client, "zy-zhangsan", temporary)
    r = client.post("/api/v1/me/password", headers=token, json={"current_password": temporary, "new_password": new})
    assert r.status_code == 422 and says in r.json()["error"] and r.json()["field"] == "new_password"
    assert client.get("/api/v1/me", headers=token).status_code == 403  # still to be changed


def test_the_change_password_page_shows_its_error_on_the_form(client: TestClient, zhangsan: tuple[int, str]) -> None:
    _, temporary = zhangsan
    csrf = login_browser(client, "zy-zhangsan", temporary)
    r = client.post("/me/password", data={"csrf_token": csrf, "current_password": "wrong-password",
                                          "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert r.status_code == 422 and "当前密码不正确" in r.text and 'name="new_password"' in r.text
    done = client.post("/me/password", data={"csrf_token": csrf, "current_password": temporary,
                                             "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
                       follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/my/work", follow_redirects=False).status_code == 200


def test_disabling_ends_the_session_at_once_and_enabling_lets_it_sign_in_again(
        client: TestClient, office: dict[str, str], zhangsan: tuple[int, str]) -> None:
    user_id, temporary = zhangsan
    token = api_token(client, "zy-zhangsan", temporary)
    assert client.post(f"{ACCOUNTS}/{user_id}/disable", headers=office).json()["state"] == "disabled"
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "zy-zhangsan", "password": temporary}
                       ).status_code == 401
    assert client.post(f"{ACCOUNTS}/{user_id}/enable", headers=office).json()["state"] == "must_change"
    assert api_token(client, "zy-zhangsan", temporary)


def test_a_reset_gives_a_temporary_password_that_must_be_changed(
        client: TestClient, office: dict[str, str], zhangsan: tuple[int, str]) -> None:
    user_id, temporary = zhangsan
    token = api_token(client, "zy-zhangsan", temporary)
    client.post("/api/v1/me/password", headers=token, json={"current_password": temporary,
                                                            "new_password": NEW_PASSWORD})
    reset = client.post(f"{ACCOUNTS}/{user_id}/reset-password", headers=office)
    assert reset.status_code == 200 and reset.json()["account"]["state"] == "must_change"
    assert client.get("/api/v1/me", headers=token).status_code == 401  # its sessions ended
    assert client.post("/api/v1/auth/login", json={"username": "zy-zhangsan", "password": NEW_PASSWORD}
                       ).status_code == 401
    again = api_token(client, "zy-zhangsan", reset.json()["temporary_password"])
    assert client.get("/api/v1/me", headers=again).status_code == 403


def test_the_office_edits_name_role_unit_and_phone_shown_masked(
        client: TestClient, db: Session, office: dict[str, str], zhangsan: tuple[int, str]) -> None:
    user_id, _ = zhangsan
    county_unit = _unit_of(db, db.scalar(select(User.username).where(User.city_code == ZIYANG,
                                                                      User.role == "county")) or "")
    r = client.patch(f"{ACCOUNTS}/{user_id}", headers=office,
                     json={"display_name": "张三丰", "role": "county", "unit_id": county_unit, "phone": "13900001111"})
    assert r.status_code == 200, r.text
    assert (r.json()["display_name"], r.json()["role"], r.json()["unit_id"]) == ("张三丰", "county", county_unit)
    assert r.json()["phone"] == "139****1111"
    db.expire_all()
    assert "13900001111" not in (_user(db, "zy-zhangsan").phone_encrypted or "")  # encrypted at rest
    listed = client.get(ACCOUNTS, headers=office, params={"role": "county", "unit_id": county_unit}).json()
    assert [a["username"] for a in listed if a["username"] == "zy-zhangsan"] == ["zy-zhangsan"]
    # Only units of its own city.
    other_unit = _unit_of(db, "anqiu-dept01")
    refused = client.patch(f"{ACCOUNTS}/{user_id}", headers=office, json={"unit_id": other_unit})
    assert refused.status_code == 422 and refused.json()["field"] == "unit_id"


def test_another_citys_accounts_answer_404(client: TestClient, db: Session, office: dict[str, str]) -> None:
    theirs = _user(db, "anqiu-dept01").id
    assert client.get(f"/api/v1/cities/{ANQIU}/accounts", headers=office).status_code == 404
    for path in (f"{ACCOUNTS}/{theirs}/disable", f"{ACCOUNTS}/{theirs}/reset-password"):
        assert client.post(path, headers=office).status_code == 404
    assert client.patch(f"{ACCOUNTS}/{theirs}", headers=office, json={"display_name": "越权"}).status_code == 404
    db.expire_all()
    assert _user(db, "anqiu-dept01").active


def test_an_office_cannot_disable_itself_or_the_last_office(client: TestClient, db: Session,
                                                            office: dict[str, str], same_session: None) -> None:
    me = _user(db, "ziyang-office").id
    r = client.post(f"{ACCOUNTS}/{me}/disable", headers=office)
    assert r.status_code == 403 and "自己" in r.json()["error"]
    # Run from the shell (no account of its own), the last office account is still refused.
    last = CliRunner().invoke(cli_app, ["accounts", "disable", "--city", ZIYANG, "ziyang-office"])
    assert last.exit_code != 0 and "最后一个专班办公室账号" in str(last.exception)  # `huanxin` prints it
    second = client.post(ACCOUNTS, headers=office, json={"username": "zy-office2", "display_name": "专班二",
                                                        "role": "office"})
    assert second.status_code == 201
    assert CliRunner().invoke(cli_app, ["accounts", "disable", "--city", ZIYANG, "ziyang-office"]).exit_code == 0
    db.expire_all()
    assert not _user(db, "ziyang-office").active


def test_a_department_manages_its_own_units_staff_only_when_the_office_allows_it(
        client: TestClient, db: Session, office: dict[str, str]) -> None:
    department = api_token(client, "ziyang-dept01")
    own_unit, other_unit = _unit_of(db, "ziyang-dept01"), _unit_of(db, "ziyang-dept02")
    assert _create(client, department, username="zy-staff1", unit_id=own_unit).status_code == 403
    assert client.get(ACCOUNTS, headers=department).status_code == 403

    allowed = client.put(f"/api/v1/cities/{ZIYANG}/units/{own_unit}/manages-own-accounts", headers=office,
                         json={"allowed": True})
    assert allowed.status_code == 204
    created = _create(client, department, username="zy-staff1", unit_id=own_unit)
    assert created.status_code == 201, created.text
    assert {a["unit_id"] for a in client.get(ACCOUNTS, headers=department).json()} == {own_unit}
    assert _create(client, department, username="zy-staff2", unit_id=other_unit).status_code == 403
    assert _create(client, department, username="zy-staff3", unit_id=own_unit, role="office").status_code == 403
    others = _user(db, "ziyang-dept02").id
    assert client.post(f"{ACCOUNTS}/{others}/disable", headers=department).status_code == 403
    own_staff = created.json()["account"]["id"]
    assert client.post(f"{ACCOUNTS}/{own_staff}/disable", headers=department).status_code == 200
    # A department may never grant itself or anyone the office's rights.
    assert client.put(f"/api/v1/cities/{ZIYANG}/units/{other_unit}/manages-own-accounts", headers=department,
                      json={"allowed": True}).status_code == 403


def test_every_change_is_audited_with_who_made_it(client: TestClient, db: Session, office: dict[str, str],
                                                   zhangsan: tuple[int, str]) -> None:
    user_id, _ = zhangsan
    client.patch(f"{ACCOUNTS}/{user_id}", headers=office, json={"display_name": "张三丰"})
    for action in ("disable", "enable", "unlock", "reset-password"):
        assert client.post(f"{ACCOUNTS}/{user_id}/{action}", headers=office).status_code == 200
    records = db.scalars(select(audit.AuditRecord).where(audit.AuditRecord.entity == "user",
                                                         audit.AuditRecord.entity_id == str(user_id))).all()
    assert {(r.action, r.actor) for r in records} >= {
        ("create_user", "ziyang-office"), ("update_account", "ziyang-office"), ("disable_account", "ziyang-office"),
        ("enable_account", "ziyang-office"), ("unlock_account", "ziyang-office"), ("reset_password", "ziyang-office")}
    assert not any("13812345678" in str(r.detail) for r in records)  # the phone never in the log


def test_the_accounts_page_shows_last_sign_in_and_a_lockout_with_unlock(
        client: TestClient, db: Session, zhangsan: tuple[int, str]) -> None:
    user_id, temporary = zhangsan
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": "zy-zhangsan", "password": "wrong-password"})
    csrf = login_browser(client, "ziyang-office")
    page = client.get(f"/cities/{ZIYANG}/accounts", params={"state": "locked"})
    assert page.status_code == 200 and 'data-account="zy-zhangsan"' in page.text
    assert 'data-account="ziyang-dept01"' not in page.text  # filtered by state
    assert "从未登录" in page.text
    assert '>账号管理</a>' in client.get(f"/cities/{ZIYANG}/cockpit").text  # the office's navigation
    detail = client.get(f"/cities/{ZIYANG}/accounts/{user_id}")
    assert "解除登录锁定" in detail.text and "138****5678" in detail.text
    client.post(f"/cities/{ZIYANG}/accounts/{user_id}/unlock", data={"csrf_token": csrf})
    assert api_token(client, "zy-zhangsan", temporary)
    shown = client.get(f"/cities/{ZIYANG}/accounts", params={"role": "department"}).text
    row = shown.split('data-account="zy-zhangsan"')[1].split("</tr>")[0]
    assert "从未登录" not in row  # signed in just now


def test_the_office_creates_an_account_on_the_page_and_sees_the_password_once(
        client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    form = {"csrf_token": csrf, "username": "zy-lisi", "display_name": "李四", "role": "county", "unit_id": "",
            "phone": ""}
    refused = client.post(f"/cities/{ZIYANG}/accounts", data=form)
    assert refused.status_code == 422 and "必须选择所属单位" in refused.text and 'value="李四"' in refused.text
    assert db.scalar(select(User).where(User.username == "zy-lisi")) is None
    county = db.scalar(select(User).where(User.city_code == ZIYANG, User.role == "county"))
    assert county is not None
    created = client.post(f"/cities/{ZIYANG}/accounts", data={**form, "unit_id": str(county.unit_id)})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    assert 'data-testid="password"' in created.text and _user(db, "zy-lisi").must_change_password


def test_the_cli_lists_creates_disables_enables_and_resets(db: Session, same_session: None) -> None:
    run = CliRunner()
    made = run.invoke(cli_app, ["accounts", "create", "--city", ZIYANG, "zy-wangwu", "--name", "王五",
                                "--role", "department", "--unit", _user(db, "ziyang-dept01").unit.name])  # type: ignore[union-attr]
    assert made.exit_code == 0 and "临时密码" in made.output, made.output
    assert run.invoke(cli_app, ["accounts", "disable", "--city", ZIYANG, "zy-wangwu"]).exit_code == 0
    assert not _user(db, "zy-wangwu").active
    listed = run.invoke(cli_app, ["accounts", "list", "--city", ZIYANG, "--state", "disabled"])
    assert "zy-wangwu" in listed.output and "ziyang-office" not in listed.output
    assert run.invoke(cli_app, ["accounts", "enable", "--city", ZIYANG, "zy-wangwu"]).exit_code == 0
    reset = run.invoke(cli_app, ["accounts", "reset-password", "--city", ZIYANG, "zy-wangwu"])
    assert reset.exit_code == 0 and "临时密码" in reset.output
    other = run.invoke(cli_app, ["accounts", "disable", "--city", ZIYANG, "anqiu-dept01"])
    assert other.exit_code != 0 and _user(db, "anqiu-dept01").active


def test_the_peak_load_routes_also_wait_for_the_password_change(client: TestClient, office: dict[str, str]) -> None:
    """The two till routes are served ahead of FastAPI from the sign-in cache (web.peak): a
    resident whose password must first be changed is refused there too, with the same words."""
    made = client.post(ACCOUNTS, headers=office, json={"username": "zy-resident-new", "display_name": "新居民",
                                                      "role": "resident"})
    token = api_token(client, "zy-resident-new", made.json()["temporary_password"])
    assert client.get("/api/v1/me", headers=token).status_code == 403  # the sign-in is now cached
    r = client.post("/api/v1/tradein/qualifications", headers=token,
                    json={"programme_id": 1, "category": "refrigerator"})
    assert r.status_code == 403 and r.json()["error"] == "请先修改初始密码"
