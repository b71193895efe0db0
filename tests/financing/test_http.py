"""The financing API and pages: what each role sees, errors naming the field on the form that
caused them, Idempotency-Key on every money POST."""

from __future__ import annotations

import datetime as dt
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.financing.support import declared_need, make_bank, setup_financing, signed_loan

from huanxin.financing import needs

D = dt.date


def test_api_a_bank_lists_only_its_needs_and_gets_404_for_others(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin, banks=[fin.bank_a])
    a, b = api_token(client, fin.bank_a_user), api_token(client, fin.bank_b_user)
    assert [n["id"] for n in client.get("/api/v1/financing/needs", headers=a).json()] == [need.id]
    assert client.get("/api/v1/financing/needs", headers=b).json() == []
    assert client.get(f"/api/v1/financing/needs/{need.id}", headers=b).status_code == 404
    assert client.post(f"/api/v1/financing/needs/{need.id}/answers", json={"answer": "interested"},
                       headers=b).status_code == 404
    resident = api_token(client, fin.resident_user)
    assert client.get("/api/v1/financing/needs", headers=resident).status_code == 403
    foreign = api_token(client, fin.foreign_office_user)
    assert client.get(f"/api/v1/financing/needs/{need.id}", headers=foreign).status_code == 404


def test_api_fourth_bank_and_bad_loan_name_their_fields(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    headers = api_token(client, fin.lib.enterprise_user)
    body = {"project_id": fin.project.id, "amount_fen": 100_000_00, "term_months": 24,
            "bank_unit_ids": [fin.bank_a, fin.bank_b, fin.bank_c, fin.bank_c + 100000]}
    refused = client.post("/api/v1/financing/needs", json=body, headers=headers)
    assert refused.status_code == 422 and "bank_unit_ids" in refused.text and "最多选择3家" in refused.text
    assert client.get("/api/v1/financing/needs", headers=headers).json() == []
    need = declared_need(db, fin)
    bank = api_token(client, fin.bank_a_user)
    loan = {"principal_fen": 100_000_00, "annual_rate_bp": 310, "term_months": 36, "contract_on": "2025-03-01",
            "tranches": [{"amount_fen": 50_000_00, "disbursed_on": "2025-02-28"}]}
    early = client.post(f"/api/v1/financing/needs/{need.id}/loans", json=loan, headers=bank)
    assert early.status_code == 422 and "disbursed_on" in early.text and "早于合同签订日期" in early.text
    negative = client.post(f"/api/v1/financing/needs/{need.id}/loans",
                           json={**loan, "principal_fen": -5, "tranches": []}, headers=bank)
    assert negative.status_code == 422 and "principal_fen" in negative.text
    assert client.get(f"/api/v1/financing/needs/{need.id}", headers=bank).json()["loans"] == []


def test_api_money_posts_need_an_idempotency_key_and_replay(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    loan = signed_loan(db, fin, need, [(600_000_00, D(2025, 1, 10)), (400_000_00, D(2025, 3, 1))])
    office = api_token(client, fin.lib.office_user)
    missing = client.post("/api/v1/financing/subsidy/fund", json={"amount_fen": 10_000_00}, headers=office)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.text
    funded = client.post("/api/v1/financing/subsidy/fund", json={"amount_fen": 10_000_00},
                         headers={**office, "Idempotency-Key": "f-1"})
    assert funded.status_code == 201
    url = f"/api/v1/financing/loans/{loan.id}/subsidy/2025Q1/preallocate"
    first = client.post(url, json={}, headers={**office, "Idempotency-Key": "p-1"})
    again = client.post(url, json={}, headers={**office, "Idempotency-Key": "p-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["planned_fen"] == 254_166 and first.json()["status_label"] == "已预拨"
    settled = client.post(f"/api/v1/financing/loans/{loan.id}/subsidy/2025Q1/settle", json={},
                          headers={**office, "Idempotency-Key": "s-1"})
    assert settled.json()["status_label"] == "已结算" and settled.json()["actual_fen"] == 254_166
    figures = client.get("/api/v1/financing/figures", headers=office).json()
    assert figures["total"]["subsidy_paid_fen"] == 254_166 and figures["total"]["granted_fen"] == 1_000_000_00
    bank = api_token(client, fin.bank_a_user)
    assert client.post(url.replace("2025Q1", "2025Q2"), json={},
                       headers={**bank, "Idempotency-Key": "p-2"}).status_code == 403


def test_candidate_sheet_checks_the_relending_conditions(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    declared_need(db, fin, term_months=6)  # under the relending minimum term
    office = api_token(client, fin.lib.office_user)
    response = client.get("/api/v1/financing/candidates.xlsx", headers=office)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert row["是否符合再贷款备选条件"] == "否" and "低于12个月" in str(row["理由"])
    bank = api_token(client, fin.bank_a_user)
    assert client.get("/api/v1/financing/candidates.xlsx", headers=bank).status_code == 403


def test_pages_bank_records_a_loan_and_the_office_pays_the_first_quarter(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    csrf = login_browser(client, fin.bank_a_user)
    page = client.get("/financing")
    assert need.project_name in page.text
    form = {"csrf_token": csrf, "principal": "1000000", "rate": "3.1", "term_months": "36",
            "contract_on": "2025-01-10", "tranche_amount": ["600000", "400000"],
            "tranche_on": ["2025-01-10", "2025-01-09"], "tranche_supplier_on": ["", ""]}
    refused = client.post(f"/financing/needs/{need.id}/loans", data=form)
    assert refused.status_code == 422 and "第2笔放款" in refused.text and "早于合同签订日期" in refused.text
    form["tranche_on"] = ["2025-01-10", "2025-03-01"]
    done = client.post(f"/financing/needs/{need.id}/loans", data=form, follow_redirects=False)
    assert done.status_code == 303
    loan_page = client.get(done.headers["location"])
    assert "2025年第1季度" in loan_page.text and "2541.66" in loan_page.text.replace(",", "")
    client.post("/logout", data={"csrf_token": csrf})
    csrf = login_browser(client, fin.lib.office_user)
    client.post("/financing/subsidy/fund", data={"csrf_token": csrf, "amount": "10000", "fund_source": "central",
                                                 "idempotency_key": "page-fund-1"})
    loan_url = done.headers["location"].split("?")[0]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', client.get(loan_url).text)
    assert key
    client.post(f"{loan_url}/subsidy/2025Q1/preallocate", data={"csrf_token": csrf, "idempotency_key": key.group(1)})
    client.post(f"{loan_url}/subsidy/2025Q1/settle", data={"csrf_token": csrf, "idempotency_key": "page-s-1"})
    assert "已结算" in client.get(loan_url).text


def test_an_enterprise_sees_its_need_and_the_answer_never_another_enterprises(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    needs.answer(db, fin.scope(db, fin.bank_a_user), need.id, "declined", "抵押物不足")
    login_browser(client, fin.lib.enterprise_user)
    assert "抵押物不足" in client.get(f"/financing/needs/{need.id}").text
    client.cookies.clear()
    login_browser(client, fin.lib.other_enterprise_user)
    assert client.get(f"/financing/needs/{need.id}").status_code == 404
    listed = client.get("/financing").text
    table = listed[listed.index('data-testid="needs"'):]
    assert f"/financing/needs/{need.id}" not in listed and "暂无融资需求" in table[:table.index("</table>")]


def test_the_office_adds_products_and_events_others_may_not(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    csrf = login_browser(client, fin.lib.office_user)
    empty = client.post("/financing/products", data={"csrf_token": csrf, "name": " "})
    assert empty.status_code == 422 and "请填写产品名称" in empty.text
    client.post("/financing/products", data={"csrf_token": csrf, "name": "设备更新贷", "bank_unit_id": str(fin.bank_a),
                                             "max_amount": "5000000", "term_months": "60"})
    client.post("/financing/events", data={"csrf_token": csrf, "title": "政银企对接会", "held_on": "2026-12-20",
                                           "place": "市民中心"})
    page = client.get("/financing").text
    assert "设备更新贷" in page and "政银企对接会" in page
    bank = api_token(client, fin.bank_a_user)
    assert client.post("/api/v1/financing/events", json={"title": "越权", "held_on": "2026-12-21"},
                       headers=bank).status_code == 403


def test_subsidy_ledger_sheet_lists_each_quarter_and_what_was_paid(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    loan = signed_loan(db, fin, declared_need(db, fin), [(600_000_00, D(2025, 1, 10)), (400_000_00, D(2025, 3, 1))])
    office = api_token(client, fin.lib.office_user)
    client.post("/api/v1/financing/subsidy/fund", json={"amount_fen": 10_000_00},
                headers={**office, "Idempotency-Key": "f-x"})
    client.post(f"/api/v1/financing/loans/{loan.id}/subsidy/2025Q1/preallocate", json={},
                headers={**office, "Idempotency-Key": "p-x"})
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/financing/subsidy.xlsx", headers=office).content)).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    first = rows[0]
    assert first[4] == "2025年第1季度" and first[5] == 2541.66 and first[6] == 2541.66 and first[8] == "已预拨"
    assert rows[1][8] == "未拨付"
    bank = api_token(client, fin.bank_a_user)
    assert client.get("/api/v1/financing/subsidy.xlsx", headers=bank).status_code == 403


def test_the_enterprise_declares_on_the_page_and_a_fourth_bank_is_shown_on_the_form(
        db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    fourth, _ = make_bank(db, fin.lib.city_code, "测试第四银行")
    csrf = login_browser(client, fin.lib.enterprise_user)
    form = {"csrf_token": csrf, "project_id": str(fin.project.id), "amount": "2000000", "term_months": "36",
            "purpose": "购置设备", "bank_unit_ids": [str(b) for b in (fin.bank_a, fin.bank_b, fin.bank_c, fourth)]}
    refused = client.post("/financing/needs", data=form)
    assert refused.status_code == 422 and "意向银行最多选择3家" in refused.text
    assert 'value="2000000"' in refused.text  # what was typed is kept
    form["bank_unit_ids"] = [str(fin.bank_a)]
    done = client.post("/financing/needs", data=form, follow_redirects=False)
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "已提交融资需求" in shown and "2,000,000.00" in shown


def test_the_leader_reads_the_figures_but_has_no_money_forms(db: Session, client: TestClient) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    loan = signed_loan(db, fin, need, [(600_000_00, D(2025, 1, 10))])
    login_browser(client, fin.lib.leader_user)
    home = client.get("/financing").text
    assert 'data-testid="figures"' in home and "下达贴息资金</button>" not in home
    page = client.get(f"/financing/loans/{loan.id}").text
    assert "2025年第1季度" in page and "预拨</button>" not in page and "登记放款" not in page
