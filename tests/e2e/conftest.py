"""Browser tests: the real server (`huanxin bootstrap` + `huanxin serve` in subprocesses, on a fresh
database) driven by headless Debian Chromium through Playwright's sync API.

- The database is a temporary SQLite file, or HUANXIN_E2E_DATABASE_URL (PostgreSQL) whose
  `public` schema is dropped and recreated first. It is never the unit tests' database.
- Without /usr/bin/chromium (or the playwright package) the folder is skipped with the reason,
  except under CI=true, where that is a failure: CI must run the browser tests.
- HUANXIN_SCREENSHOTS=1 writes the screenshots that docs link to into docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PASSWORD = "e2e-pass-2024"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
SCREENSHOT_MAX_BYTES = 300 * 1024
CITY_CODES = {"ziyang": "512000", "anqiu": "370784"}


def china_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


# ---- skip (or fail in CI) when the browser is not there ---------------------------------------

def _unavailable() -> str | None:
    if not os.path.exists(CHROMIUM):
        return (f"browser tests need Debian's Chromium at {CHROMIUM} "
                "(`bash scripts/setup.sh --test` installs it with apt)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (pip install -e '.[test]')"
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _unavailable()
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if reason and not _in_ci():
            item.add_marker(pytest.mark.skip(reason=reason))


# ---- the real server -------------------------------------------------------------------------

@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _huanxin_command() -> str:
    beside = Path(sys.executable).parent / "huanxin"
    found = str(beside) if beside.exists() else shutil.which("huanxin")
    if not found:
        pytest.fail("the `huanxin` command is not installed (pip install -e '.[test]')")
    return found


def _fresh_database(tmp: Path) -> str:
    url = os.environ.get("HUANXIN_E2E_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp / 'e2e.sqlite3'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-server")
    env = {**os.environ, "HUANXIN_DATABASE_URL": _fresh_database(tmp),
           "HUANXIN_SECRET_KEY": "e2e-only-secret", "PYTHONUNBUFFERED": "1"}
    command = _huanxin_command()
    # cwd is the temp dir so that a developer's .env or var/ never leaks into the run.
    boot = subprocess.run([command, "bootstrap", "--password", PASSWORD], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=600)
    if boot.returncode != 0:
        pytest.fail(f"huanxin bootstrap failed ({boot.returncode}):\n{boot.stdout}\n{boot.stderr}")
    port = _free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    srv = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"huanxin serve exited with {process.returncode}:\n{srv.log_tail()}")
            try:
                if httpx.get(f"{srv.base_url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"huanxin serve did not answer within 60 s:\n{srv.log_tail()}")
            time.sleep(0.2)
        yield srv
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# ---- the JSON API, for finding ids and for setting up state a test is not about ---------------

class Api:
    """A bearer-token client of /api/v1 as one user."""

    def __init__(self, base_url: str, username: str) -> None:
        self.username = username
        self.client = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
        response = self.client.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, f"API login of {username}: {response.text}"
        body = response.json()
        self.unit: str | None = body["unit"]
        self.city_code: str = body["city_code"]
        self.client.headers["Authorization"] = f"Bearer {body['token']}"

    def get(self, path: str, **kw: Any) -> Any:
        response = self.client.get(path, **kw)
        assert response.status_code == 200, f"GET {path} as {self.username}: {response.status_code} {response.text}"
        return response.json()

    def post(self, path: str, body: dict[str, Any], expect: int = 201) -> Any:
        response = self.client.post(path, json=body)
        assert response.status_code == expect, f"POST {path} as {self.username}: {response.status_code} {response.text}"
        return response.json()

    def plan_id(self, city_code: str | None = None) -> int:
        plans = self.get(f"/cities/{city_code or self.city_code}/plans")
        assert plans, f"no plan for city {city_code or self.city_code}"
        return int(plans[0]["id"])


@dataclass
class Directory:
    """Who is who: department users of a city and the unit each belongs to (found by logging in)."""

    base_url: str
    _apis: dict[str, Api] = field(default_factory=dict)
    _departments: dict[str, list[str]] = field(default_factory=dict)

    def api(self, username: str) -> Api:
        if username not in self._apis:
            self._apis[username] = Api(self.base_url, username)
        return self._apis[username]

    def departments(self, slug: str) -> list[str]:
        """Usernames `<slug>-deptNN`, in order, as far as they exist."""
        if slug not in self._departments:
            names = []
            for n in range(1, 100):
                username = f"{slug}-dept{n:02d}"
                response = httpx.post(f"{self.base_url}/api/v1/auth/login",
                                      json={"username": username, "password": PASSWORD}, timeout=30)
                if response.status_code != 200:
                    break
                names.append(username)
            assert names, f"no department users for {slug}"
            self._departments[slug] = names
        return self._departments[slug]

    def department_of_unit(self, slug: str, unit_name: str) -> str | None:
        return next((u for u in self.departments(slug) if self.api(u).unit == unit_name), None)


@pytest.fixture(scope="session")
def directory(server: Server) -> Directory:
    return Directory(server.base_url)


# ---- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _unavailable()
    if reason:
        pytest.fail(f"CI must run the browser tests, but {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


LoginAs = Callable[..., "Page"]


@pytest.fixture()
def login_as(browser: Browser, server: Server) -> Iterator[LoginAs]:
    """`login_as("ziyang-office")` opens a fresh browser context and signs in through the login page."""
    from playwright.sync_api import expect

    contexts = []

    def login(username: str, next: str = "/me", password: str = PASSWORD) -> Page:
        context = browser.new_context(base_url=server.base_url, locale="zh-CN", accept_downloads=True,
                                      viewport={"width": 1280, "height": 800})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"/login?next={next}")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        expect(page.get_by_test_id("whoami")).to_be_visible()
        return page

    yield login
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> None:
    """Writes docs/screenshots/<name>.png when HUANXIN_SCREENSHOTS=1 (the README links them)."""
    if os.environ.get("HUANXIN_SCREENSHOTS") != "1":
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size <= SCREENSHOT_MAX_BYTES, f"{path} is {path.stat().st_size} bytes (max 300 KB)"
