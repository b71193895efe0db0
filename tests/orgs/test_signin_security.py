"""Secrets and sign-in (issue 10, finding 5): keys a production server refuses to start without,
PII key rotation, sign-in throttling, the same password check for unknown users, the Secure
cookie flag, an API logout that ends the token, and security headers on every answer."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD, api_token, login_browser
from tests.tradein.claims_support import setup_city

from huanxin.config import DEFAULT_SECRET_KEY, Settings, get_settings, refusal_to_start
from huanxin.errors import NotAuthenticated
from huanxin.kit import audit, passwords, pii
from huanxin.kit.clock import now
from huanxin.orgs import scope_cache
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import SigninLockout, User, UserSession
from huanxin.tradein import api as tradein_api
from huanxin.tradein.models import Person
from huanxin.tradein.residents import identity
from huanxin.web import peak

KEY_A, KEY_B, HASH_KEY = ("a" * 40, "b" * 40, "h" * 40)


@pytest.fixture()
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Sets HUANXIN_* settings for the rest of the test (and reads the keys again)."""
    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"HUANXIN_{name.upper()}", value)
        get_settings.cache_clear()
        pii.forget_keys()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()
    pii.forget_keys()


def _login_form(client: TestClient, username: str, password: str) -> Any:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf.group(1)},
                       follow_redirects=False)


# 1. keys -------------------------------------------------------------------------------------

def test_a_production_server_refuses_to_start_with_the_default_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUANXIN_")}
    env["HUANXIN_DATABASE_URL"] = "postgresql+psycopg://huanxin@127.0.0.1:9/huanxin"  # never reached
    command = Path(sys.executable).parent / "huanxin"
    started = subprocess.run([str(command), "serve", "--port", "9"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert "拒绝启动" in started.stderr and "Refusing to start" in started.stderr
    for setting in ("HUANXIN_SECRET_KEY", "HUANXIN_PII_KEY", "HUANXIN_PII_HASH_KEY", "HUANXIN_AUDIT_KEY"):
        assert setting in started.stderr
    # Keys of its own let it start; the demo (SQLite) and the tests need none.
    own = Settings(database_url=env["HUANXIN_DATABASE_URL"], env=None, secret_key="s" * 40, pii_key=KEY_A,
                   pii_hash_key=HASH_KEY, audit_key="k" * 40)
    assert refusal_to_start(own) is None
    shared = own.model_copy(update={"pii_key": own.secret_key})
    assert "HUANXIN_PII_KEY：与 HUANXIN_SECRET_KEY 相同" in (refusal_to_start(shared) or "")
    assert refusal_to_start(Settings(database_url="sqlite:///demo.sqlite3", env=None)) is None


def test_pii_written_under_an_old_key_is_read_and_rotated_to_the_new_one(
        db: Session, configure: Callable[..., None]) -> None:
    configure(pii_key=KEY_A, pii_hash_key=HASH_KEY, pii_old_keys=DEFAULT_SECRET_KEY)
    person = Person(id_hash=pii.keyed_hash("id", "110101199003076513"), id_enc=pii.encrypt("110101199003076513"),
                    id_masked="110***********6513", name_enc=pii.encrypt("李四"), name_masked="李*",
                    created_at=now())
    db.add(person)
    db.flush()
    id_hash = person.id_hash

    configure(pii_key=KEY_B, pii_old_keys=f"{KEY_A},{DEFAULT_SECRET_KEY}")  # a new key; the old ones still read
    assert pii.decrypt(person.id_enc) == "110101199003076513"
    assert identity.reencrypt_people(db) >= 1
    db.expire_all()

    configure(pii_old_keys="")  # the old keys withdrawn: only the new one is left
    rotated = db.get(Person, person.id)
    assert rotated is not None
    assert pii.decrypt(rotated.id_enc) == "110101199003076513" and pii.decrypt(rotated.name_enc) == "李四"
    assert pii.keyed_hash("id", "110101199003076513") == id_hash  # matching does not change with the PII key


# 2. throttling -------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_account_and_twenty_the_address(client: TestClient, db: Session) -> None:
    for attempt in range(1, 6):
        wrong = client.post("/api/v1/auth/login", json={"username": "ziyang-office", "password": f"wrong-{attempt}"})
    assert wrong.status_code == 429 and "锁定" in wrong.json()["error"] and "15 分钟后" in wrong.json()["error"]
    locked = client.post("/api/v1/auth/login", json={"username": "ziyang-office", "password": PASSWORD})
    assert locked.status_code == 429, "the right password during the lockout is refused too"
    assert re.search(r"请在 1?\d 分钟后（\d\d:\d\d 以后）再试", locked.json()["error"])
    form = _login_form(client, "ziyang-office", PASSWORD)
    assert form.status_code == 429 and "该账号已被暂时锁定" in form.text
    record = db.scalar(select(audit.AuditRecord).where(audit.AuditRecord.action == "signin_lockout",
                                                       audit.AuditRecord.entity_id == "ziyang-office"))
    assert record is not None and record.city_code == "512000" and record.detail["failures"] == 5
    assert api_token(client, "anqiu-office")  # another account from the same address still signs in

    for n in range(15):  # 5 above + 15: twenty wrong passwords from one address, under any names
        guess = client.post("/api/v1/auth/login", json={"username": f"guess-{n}", "password": "x"})
    assert guess.status_code == 429 and "网络地址" in guess.json()["error"]
    assert client.post("/api/v1/auth/login", json={"username": "anqiu-office", "password": PASSWORD}
                       ).status_code == 429
    assert db.scalar(select(audit.AuditRecord).where(audit.AuditRecord.action == "signin_lockout",
                                                     audit.AuditRecord.entity == "signin_address")) is not None


# 3. the same work for an unknown user ----------------------------------------------------------

def test_an_unknown_user_is_checked_against_a_password_hash_like_a_known_one(
        db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = passwords.verify_password

    def spy(password: str, stored: str) -> bool:
        checked.append(stored.rsplit("$", 2)[0])  # the algorithm and its cost, not the salt or digest
        return real(password, stored)

    monkeypatch.setattr("huanxin.orgs.service.verify_password", spy)
    for username in ("ziyang-office", "no-such-user"):
        with pytest.raises(NotAuthenticated):
            orgs_service.login(db, username, "wrong password")
    assert len(checked) == 2 and checked[0] == checked[1] and checked[0].startswith("scrypt$")


# 4. Secure cookies -------------------------------------------------------------------------------

def test_the_session_cookie_is_secure_when_the_setting_is_on(
        client: TestClient, configure: Callable[..., None]) -> None:
    assert Settings(database_url="postgresql+psycopg://x@h/db", env=None).secure_cookies  # on in production
    assert not Settings(database_url="sqlite:///demo.sqlite3", env=None).secure_cookies  # off in the demo
    configure(cookie_secure="true")
    over_https = TestClient(client.app, base_url="https://testserver")  # a Secure cookie only goes back over https
    signed_in = _login_form(over_https, "ziyang-office", PASSWORD)
    assert signed_in.status_code == 303
    session_cookie = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith("huanxin_session="))
    assert "; secure" in session_cookie.lower() and "httponly" in session_cookie.lower()


# 5. logout ---------------------------------------------------------------------------------------

def test_api_logout_ends_the_bearer_token_and_page_logout_the_cookie(client: TestClient, db: Session) -> None:
    headers = api_token(client, "ziyang-office")
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # signed in, and cached
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    token = headers["Authorization"].removeprefix("Bearer ")
    assert db.get(UserSession, orgs_service._token_hash(token)) is None  # noqa: SLF001 - the row is gone

    csrf = login_browser(client, "ziyang-office")
    cookie = client.cookies["huanxin_session"]
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401


def test_a_lookup_under_way_at_logout_does_not_cache_the_token_again() -> None:
    class Someone:
        user_id = 42

    read_at = time.monotonic()  # a refresh began reading the session...
    scope_cache.revoke("t-out")  # ...the user signed out meanwhile...
    scope_cache.put("t-out", Someone(), 3600, read_at=read_at)  # type: ignore[arg-type]  # ...and it ends
    assert scope_cache.get("t-out") is None
    scope_cache.put("t-out", Someone(), 3600)  # type: ignore[arg-type]  # a read begun after: cached
    assert scope_cache.get("t-out") is not None
    scope_cache.revoke_user(42)
    assert scope_cache.get("t-out") is None
    scope_cache.clear()


# 6. security headers -----------------------------------------------------------------------------

def _assert_secure(response: Any) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src and script_src.group(1).strip() == "'self'" and "frame-ancestors 'none'" in policy


def test_security_headers_on_pages_api_and_peak_routes(
        client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and "<script>" not in page.text
    _assert_secure(page)
    _assert_secure(client.get("/api/v1/me"))  # an API answer (401)

    served: list[str] = []

    async def spy(submission: tradein_api.PeakSubmission, *args: Any) -> Any:
        served.append("straight")
        return await tradein_api.submit(submission, *args)

    monkeypatch.setattr(peak, "submit", spy)
    till = api_token(client, setup_city(db).retailer_user)
    client.get("/api/v1/me", headers=till)  # the sign-in cached: the next submission goes straight
    unknown = {"qualification_id": 987654321, "id_number": "110101199003076514", "category": "refrigerator",
               "price_fen": 4999_00, "invoice_no": "F-HDR-1", "invoice_date": "2025-06-01", "efficiency_grade": 1,
               "serial": "SN-HDR-1"}
    answer = client.post("/api/v1/tradein/claims", json=unknown, headers={**till, "Idempotency-Key": uuid.uuid4().hex})
    assert served == ["straight"] and answer.status_code >= 400, answer.text  # refused by web.peak itself
    _assert_secure(answer)


def test_no_page_template_carries_inline_script() -> None:
    """The policy allows no inline script: a template that had one would stop working."""
    templates = Path(__file__).resolve().parents[2] / "src" / "huanxin" / "web" / "templates"
    for template in templates.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", text), template
        assert not re.search(r"\son[a-z]+=|javascript:|<style", text), template


def _lock(client: TestClient, username: str) -> None:
    for attempt in range(5):
        answer = client.post("/api/v1/auth/login", json={"username": username, "password": f"no-{attempt}"})
    assert answer.status_code == 429


def test_lockouts_end_with_their_minutes_or_a_password_reset(client: TestClient, db: Session) -> None:
    _lock(client, "anqiu-office")
    for lock in db.scalars(select(SigninLockout).where(SigninLockout.key == "anqiu-office")):
        lock.until = now() - dt.timedelta(seconds=1)  # as if its minutes had passed
    db.flush()
    assert api_token(client, "anqiu-office")

    _lock(client, "ziyang-office")
    user = db.scalar(select(User).where(User.username == "ziyang-office"))
    assert user is not None
    new = orgs_service.reset_password(db, user.id, actor="ziyang-office")
    assert api_token(client, "ziyang-office", new)
