"""Browser tests: the real server (`huanxin bootstrap` + `huanxin serve` in subprocesses, on a fresh
database) driven by headless Debian Chromium through Playwright's sync API.

- The database is a temporary SQLite file, or HUANXIN_E2E_DATABASE_URL (PostgreSQL) whose
  `public` schema is dropped and recreated first. It is never the unit tests' database.
- Without /usr/bin/chromium (or the playwright package) the folder is skipped with the reason,
  except under CI=true, where that is a failure: CI must run the browser tests.
- HUANXIN_SCREENSHOTS=1 writes the screenshots that docs link to into docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, HERE, PASSWORD, Directory, Server, in_ci, unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = unavailable()
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if reason and not in_ci():
            item.add_marker(pytest.mark.skip(reason=reason))


# ---- the real server -------------------------------------------------------------------------

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


def _wait_until_up(srv: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if srv.process.poll() is not None:
            pytest.fail(f"huanxin serve exited with {srv.process.returncode}:\n{srv.log_tail()}")
        try:
            if httpx.get(f"{srv.base_url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"huanxin serve did not answer within {seconds:.0f} s:\n{srv.log_tail()}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-server")
    # The server keeps the test process's keys: a test that writes to its database directly (the
    # real-name register, keyed hashes) must hash as the server does.
    env = {**os.environ, "HUANXIN_DATABASE_URL": _fresh_database(tmp), "PYTHONUNBUFFERED": "1"}
    command = _huanxin_command()
    # cwd is the temp dir so that a developer's .env or var/ never leaks into the run.
    boot = subprocess.run([command, "bootstrap", "--password", PASSWORD], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=600)
    if boot.returncode != 0:
        pytest.fail(f"huanxin bootstrap failed ({boot.returncode}):\n{boot.stdout}\n{boot.stderr}")
    log_path = tmp / "server.log"
    port = _free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen([command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    srv = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_up(srv)
        yield srv
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def directory(server: Server) -> Directory:
    return Directory(server.base_url)


# ---- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = unavailable()
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
    """`login_as("ziyang-office")` opens a fresh browser context and signs in through the login
    page; `next` is where the login form sends the user afterwards (default /me)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
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
        try:
            page.wait_for_url(lambda url: "/login" not in url)
        except PlaywrightTimeout:
            shown = page.inner_text("main")
            raise AssertionError(f"{username} could not log in (at {page.url}): {shown}") from None
        expect(page.get_by_test_id("whoami")).to_be_visible()
        return page

    yield login
    for context in contexts:
        context.close()
