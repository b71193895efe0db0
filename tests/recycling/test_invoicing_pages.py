"""The reverse-invoicing pages as the recycler's dispatcher and the office use them: the forms,
errors beside the field that caused them, the walk from pre-invoice to issued and paid, and what
each role sees."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws

from huanxin.orgs.models import User
from huanxin.recycling.invoice_models import ReverseInvoice


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_dispatcher_onboards_bills_confirms_issues_and_pays(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    login_browser(client, rc.dispatcher)
    home = client.get("/recycling/invoicing")
    assert home.status_code == 200 and "登记出售方" in home.text and "国家税务总局公告2024年第5号" in home.text
    csrf = _csrf(home.text)
    bad = client.post("/recycling/invoicing/sellers", data={"csrf_token": csrf, "name": "李四", "id_number": "123",
                                                           "phone": "13900001111", "bank_card": inv.luhn_card(),
                                                           "bank_name": "农业银行", "authorised": "1"})
    assert bad.status_code == 422 and "身份证号应为18位" in bad.text and 'value="李四"' in bad.text
    ident = inv.id_number()
    ok = client.post("/recycling/invoicing/sellers", data={"csrf_token": csrf, "name": "李四", "id_number": ident,
                                                          "phone": "13900001111", "bank_card": inv.luhn_card(),
                                                          "bank_name": "农业银行", "authorised": "1"},
                     follow_redirects=True)
    assert "已登记出售方" in ok.text and ident not in ok.text and "李*" in ok.text
    seller_id = int(re.findall(r'<option value="(\d+)"', ok.text.split('name="seller_id"')[1])[0])
    form = {"csrf_token": csrf, "seller_id": str(seller_id), "idempotency_key": "page-key-1",
            "line-0-category": "paper", "line-0-tax_code": "12", "line-0-quantity": "120.5", "line-0-price": "1.20"}
    wrong = client.post("/recycling/invoicing", data=form)
    assert wrong.status_code == 422 and "第1行：税收分类编码应为19位数字" in wrong.text
    made = client.post("/recycling/invoicing", data={**form, "line-0-tax_code": inv.TAX_CODE}, follow_redirects=True)
    assert "待出售方确认" in made.text and "144.60 元" in made.text  # 120.5 kg × 1.20 yuan
    invoice = db.scalar(select(ReverseInvoice).where(ReverseInvoice.idempotency_key == "page-key-1"))
    assert invoice is not None
    url = f"/recycling/invoicing/{invoice.id}"
    nope = client.post(f"{url}/confirm", data={"csrf_token": csrf, "code": "x"})
    assert nope.status_code == 422 and "还可再试 4 次" in nope.text
    client.post(f"{url}/confirm", data={"csrf_token": csrf, "code": inv.code_of(db, invoice)})
    issued = client.post(f"{url}/issue", data={"csrf_token": csrf}, follow_redirects=True)
    assert "已开具发票" in issued.text and "免征" in issued.text and "登记付款" in issued.text
    short = client.post(f"{url}/payment", data={"csrf_token": csrf, "payment_ref": "1", "idempotency_key": "p1"})
    assert short.status_code == 422 and "流水号" in short.text
    paid = client.post(f"{url}/payment", data={"csrf_token": csrf, "payment_ref": "ABC123456", "idempotency_key": "p1"},
                       follow_redirects=True)
    assert "已付款，流水号 ABC123456" in paid.text


def test_the_office_verifies_and_reads_but_cannot_invoice(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc, verified=False)
    office = inv.office_of(db, rc.city_code)
    login_browser(client, office)
    page = client.get("/recycling/invoicing")
    assert "核验通过" in page.text and "登记出售方（须" not in page.text and "新建预开票" not in page.text
    assert "反向开票" in page.text.split("<main")[0]  # in the office's menu
    qid = int(re.search(r"/recycling/invoicing/qualifications/(\d+)/verify", page.text).group(1))  # type: ignore[union-attr]
    done = client.post(f"/recycling/invoicing/qualifications/{qid}/verify", data={"csrf_token": _csrf(page.text)},
                       follow_redirects=True)
    assert "已核验该资质" in done.text
    assert db.scalar(select(User.id).where(User.username == office)) is not None
