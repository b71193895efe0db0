"""Supply–demand matching in the browser: the office registers a buyer and a supplier with their
accounts (through the API), the buyer declares and submits a project with a new 11 kW motor, the
supplier lists a matching motor; the buyer opens the demand item and sees the supplier ranked with
the breakdown in Chinese, and contacts it; the supplier sees the demand in 我为企业找订单, with the
buyer's name and without the project's investment or loan figures."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import LoginAs
from tests.e2e.support import PASSWORD, Directory, Server
from tests.e2e.test_e2e_projects import _credit_code
from tests.projects.support import project_body

pytestmark = pytest.mark.e2e

ZIYANG, YANJIANG = "512000", "512002"


def _enterprise_account(server: Server, directory: Directory, name: str) -> str:
    """Registered by the office with its first account, the temporary password changed to the tests' one."""
    tag = uuid.uuid4().hex[:6].upper()
    username = f"pp-{tag.lower()}"
    office = directory.api("ziyang-office")
    done = office.post(f"/cities/{ZIYANG}/enterprises", {
        "name": name, "credit_code": _credit_code(YANJIANG, tag), "industry_code": "3812",
        "region_code": YANJIANG, "contact_name": "李工", "contact_phone": "13800001234", "account_username": username})
    with httpx.Client(base_url=f"{server.base_url}/api/v1", timeout=30) as client:
        token = client.post("/auth/login", json={"username": username,
                                                 "password": done["temporary_password"]}).json()["token"]
        changed = client.post("/me/password", headers={"Authorization": f"Bearer {token}"},
                              json={"current_password": done["temporary_password"], "new_password": PASSWORD})
        assert changed.status_code == 204, changed.text
    return username


def test_a_buyer_sees_ranked_suppliers_and_the_supplier_sees_the_demand(
        login_as: LoginAs, directory: Directory, server: Server) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    buyer_name, supplier_name = f"资阳需求机械{tag}有限公司", f"雁江电机制造{tag}有限公司"
    buyer = _enterprise_account(server, directory, buyer_name)
    supplier = _enterprise_account(server, directory, supplier_name)
    buyer_api = directory.api(buyer)
    project = buyer_api.post(f"/cities/{ZIYANG}/projects", project_body(YANJIANG, name=f"电机节能改造{tag}"))
    buyer_api.post(f"/cities/{ZIYANG}/projects/{project['id']}/submit", {}, expect=200)
    directory.api(supplier).post("/matching/products", {
        "code": "YE5-11", "category": "三相异步电动机", "name": "YE5超高效三相异步电动机 11kW",
        "params": {"power_kw": 11}, "efficiency_level": "advanced", "efficiency_grade": 1,
        "price_min_fen": 10_000_00, "price_max_fen": 11_000_00, "delivery_days": 20})

    page = login_as(buyer, next="/matching/demands")
    page.get_by_test_id("demands").locator("tr", has_text="高效电动机").get_by_role("link",
                                                                                name="查看匹配的供应商").click()
    ranked = page.get_by_test_id("ranked")
    first = ranked.locator("tbody tr").first
    expect(first).to_contain_text(supplier_name)
    expect(first.get_by_test_id("explanation")).to_contain_text(
        "同类设备 +40，额定功率11kW符合需求 +25，本县（区）企业 +25")
    first.get_by_role("button", name="联系供应商").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已记录联系")
    expect(page.get_by_test_id("contacts")).to_contain_text(supplier_name)

    seller = login_as(supplier, next="/matching/orders")
    row = seller.get_by_test_id("orders").locator("tr", has_text=buyer_name)
    expect(row).to_contain_text("三相异步电动机")
    expect(row).to_contain_text("高效电动机 YE4-160M-4")
    expect(row).to_contain_text("本县（区）企业 +25")
    body = seller.locator("main").inner_text()
    assert not re.search(r"工商银行|贷款|总投资|5,?000万|2,?000万", body)
