"""Issue 11, item 10: the demo can be finished by hand. `huanxin demo` is built (a small one) and
served; from its printed summary alone, the resident signs in and shows a redemption code, and the
retailer redeems the qualification with only what the resident's page shows: the qualification
number and the code."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.e2e.support import Server, china_today

from huanxin.bootstrap import DEMO_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# The demo is built on SQLite whatever the pass (the README's demo runs on it): the PostgreSQL pass skips it.
SQLITE_ONLY = True
READY = re.compile(r"核销演示\s+居民 (\S+) 的资格 (\d+)（[^）]*） → 商户 (\S+)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """The demo's server and what `huanxin demo` printed."""
    tmp = tmp_path_factory.mktemp("e2e-demo")
    command = str(Path(sys.executable).parent / "huanxin")
    env = {**os.environ, "HUANXIN_DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}", "HUANXIN_DEMO_CLAIMS": "1000",
           "PYTHONUNBUFFERED": "1"}
    built = subprocess.run([command, "demo", "--no-serve"], env=env, cwd=tmp, capture_output=True, text=True,
                           timeout=600)
    assert built.returncode == 0, f"huanxin demo failed:\n{built.stdout}\n{built.stderr}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([command, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=tmp,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_up(server)
        yield server, built.stdout
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_up(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"huanxin serve exited:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"huanxin serve did not answer:\n{server.log_tail()}")


def _sign_in(browser: Browser, server: Server, username: str) -> Page:
    from playwright.sync_api import expect

    context = browser.new_context(base_url=server.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login?next=/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    return page


def test_the_demos_retailer_redeems_with_what_the_residents_page_shows(
    browser: Browser, demo: tuple[Server, str],
) -> None:
    from playwright.sync_api import expect

    server, printed = demo
    assert "居民页面显示核销码，收银员输入资格编号和核销码即可核销" in printed
    found = READY.search(printed)
    assert found, printed
    resident_login, qualification_id, retailer_login = found.groups()

    # The resident opens the qualification the summary named and shows its code.
    resident = _sign_in(browser, server, resident_login)
    resident.goto("/tradein/me")
    resident.locator(f"tr#q-{qualification_id}").get_by_role("button", name="出示核销码").click()
    card = resident.get_by_test_id("redemption-code-card")
    expect(card.locator("svg")).to_be_visible()  # the QR code
    shown_number = resident.get_by_test_id("qualification-no").inner_text()
    shown_code = resident.get_by_test_id("redemption-code").inner_text()
    assert re.fullmatch(r"\d{8}", shown_code) and shown_number == qualification_id

    # The cashier types only those two and keys in the purchase.
    shop = _sign_in(browser, server, retailer_login)
    shop.goto("/tradein/retailer")
    shop.get_by_label("资格编号").fill(shown_number)
    shop.get_by_label("核销码").fill(shown_code)
    shop.get_by_role("button", name="核验资格").click()
    expect(shop.get_by_test_id("verified")).to_contain_text("资格有效")
    shop.get_by_label("成交价格").fill("2699.00")
    shop.get_by_label("发票号码").fill(f"DEMO{shown_code}")
    shop.get_by_label("发票日期").fill(china_today().isoformat())
    shop.get_by_label("品牌").fill("OPPO")
    shop.get_by_label("型号").fill("Reno13")
    shop.get_by_label("产品序列号（SN/IMEI）").fill(f"8612{shown_code}0001")
    shop.get_by_role("button", name="提交核销").click()
    expect(shop).to_have_url(re.compile(r"/tradein/retailer/claims/\d+"))
    expect(shop.get_by_test_id("claim-status")).to_be_visible()

    # The code was for one redemption: shown again, it is refused, naming the code.
    shop.goto("/tradein/retailer")
    shop.get_by_label("资格编号").fill(shown_number)
    shop.get_by_label("核销码").fill(shown_code)
    shop.get_by_role("button", name="核验资格").click()
    expect(shop.locator("main")).to_contain_text("核销码已使用")
    resident.context.close()
    shop.context.close()
