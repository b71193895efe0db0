"""Reverse invoicing as a recycler and a seller meet it: only a verified, valid qualification issues;
a seller is on-boarded with checked identity and card; the pre-invoice is confirmed by the code on
the seller's phone; the issue keeps the 12-month quota over every recycler; VAT and income tax are
computed from dated parameters; a red-letter invoice frees exactly its amount; a weighing is billed
once; the month's sheet carries full identity for the recycler, masked for the city."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws
from tests.tradein.claims_support import bad_id_number

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit import pii
from huanxin.kit.clock import now, today
from huanxin.kit.identifiers import luhn_ok
from huanxin.recycling.invoice_models import ReverseInvoice
from huanxin.recycling.invoicing import rules, service
from huanxin.recycling.models import Weighing


def _count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(ReverseInvoice)) or 0)


def test_an_unqualified_or_unverified_or_expired_recycler_cannot_invoice(db: Session) -> None:
    rc = ws.recycler(db)
    who = inv.seller(db, rc)
    with pytest.raises(Forbidden) as refused:
        inv.pre_invoice(db, rc, who, 100)
    assert "资质" in refused.value.message
    inv.qualify(db, rc, verified=False)
    with pytest.raises(Forbidden):
        inv.pre_invoice(db, rc, who, 100)
    expired = ws.recycler(db)
    inv.qualify(db, expired, kind="hazardous_waste", valid_until=today() - dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        inv.pre_invoice(db, expired, inv.seller(db, expired), 100)
    assert db.scalar(select(func.count()).select_from(ReverseInvoice).where(
        ReverseInvoice.recycler_unit_id.in_([rc.unit_id, expired.unit_id]))) == 0


@pytest.mark.parametrize(("over", "field"), [
    ({"id_number": "bad"}, "id_number"),
    ({"name": "张"}, "name"),
    ({"phone": "12345"}, "phone"),
    ({"bank_card": "6222020200112233440"}, "bank_card"),
    ({"bank_name": ""}, "bank_name"),
    ({"authorised": False}, "authorised"),
])
def test_a_seller_with_bad_details_is_refused_naming_the_field(db: Session, over: dict[str, object],
                                                               field: str) -> None:
    rc = ws.recycler(db)
    values = inv.seller_input(**over)
    if field == "bank_card" and luhn_ok(values.bank_card):
        values = inv.seller_input(bank_card=values.bank_card[:-1] + str((int(values.bank_card[-1]) + 1) % 10))
    with pytest.raises(InvalidInput) as refused:
        inv.sellers.onboard(db, rc.scope(db, "dispatcher"), values)
    assert refused.value.field == field


def test_a_bad_id_check_digit_is_named_and_a_seller_is_onboarded_once(db: Session) -> None:
    rc = ws.recycler(db)
    with pytest.raises(InvalidInput) as refused:
        inv.seller(db, rc, id_number=bad_id_number())
    assert refused.value.field == "id_number" and "校验位" in refused.value.message
    who = inv.seller(db, rc)
    assert who.id_masked.count("*") >= 8 and "张" in who.name_masked
    with pytest.raises(Conflict):
        inv.seller(db, rc, id_number=pii.decrypt(who.id_enc))


def test_the_seller_confirms_by_code_then_the_invoice_is_issued_tax_exempt(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    scope = rc.scope(db, "dispatcher")
    invoice = inv.pre_invoice(db, rc, who, 30_000)
    assert invoice.status == "pending" and invoice.amount_fen == 3_000_000
    with pytest.raises(Conflict):
        service.issue(db, scope, invoice.id)  # not confirmed yet
    with pytest.raises(service.WrongCode) as wrong:
        service.confirm(db, scope, invoice.id, "000000" if inv.code_of(db, invoice) != "000000" else "111111")
    assert "还可再试 4 次" in wrong.value.message
    service.confirm(db, scope, invoice.id, inv.code_of(db, invoice))
    done = service.issue(db, scope, invoice.id)
    assert done.status == "issued" and done.number and done.number.startswith(f"FX{rc.city_code}")
    assert done.vat_fen == 0 and "免征增值税" in done.tax_note
    assert done.iit_rate_permille == 5 and done.iit_fen == 15_000  # 0.5% of 30,000 yuan


def test_five_wrong_codes_void_the_pre_invoice(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    invoice = inv.pre_invoice(db, rc, inv.seller(db, rc), 100)
    right = inv.code_of(db, invoice)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(service.MAX_CONFIRM_ATTEMPTS):
        with pytest.raises(service.WrongCode):
            service.confirm(db, rc.scope(db, "dispatcher"), invoice.id, wrong)
    assert invoice.status == "void"
    with pytest.raises(Conflict):
        service.confirm(db, rc.scope(db, "dispatcher"), invoice.id, right)


def test_above_the_monthly_exemption_the_invoice_is_taxed_at_one_percent(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    inv.issued(db, rc, who, 80_000)
    second = inv.issued(db, rc, who, 30_000)  # the month reaches 110,000 yuan
    assert second.vat_rate_permille == 10 and second.vat_fen == 30_000  # 1% of 30,000 yuan, in fen
    assert "按1%征收率" in second.tax_note


def test_the_quota_counts_every_recycler_and_refuses_the_invoice_that_crosses_it_whole(db: Session) -> None:
    first, second = ws.recycler(db), ws.recycler(db, "510400")
    inv.qualify(db, first)
    inv.qualify(db, second)
    ident = inv.id_number()
    at_first, at_second = inv.seller(db, first, id_number=ident), inv.seller(db, second, id_number=ident)
    inv.issued(db, first, at_first, 4_000_000)
    inv.issued(db, second, at_second, 990_000)
    before = _count(db)
    with pytest.raises(InvalidInput) as refused:
        inv.pre_invoice(db, first, at_first, 20_000)
    assert "4,990,000" in refused.value.message and "个体工商户" in refused.value.message
    assert "尚余 10,000 元" in refused.value.message
    assert _count(db) == before
    assert inv.issued(db, first, at_first, 10_000).status == "issued"  # exactly to the line


def test_the_issue_rechecks_the_quota_a_pending_pre_invoice_did_not_reserve(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    scope = rc.scope(db, "dispatcher")
    waiting = inv.pre_invoice(db, rc, who, 3_000_000)
    service.confirm(db, scope, waiting.id, inv.code_of(db, waiting))
    inv.issued(db, rc, who, 2_500_000)
    with pytest.raises(InvalidInput) as refused:
        service.issue(db, scope, waiting.id)
    assert "限额" in refused.value.message and waiting.status == "confirmed"


def test_a_red_letter_invoice_frees_exactly_its_amount(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    scope = rc.scope(db, "dispatcher")
    blue = inv.issued(db, rc, who, 1_234_567)
    used = service.used_in_window(db, who.person_key, today())
    red = service.reverse(db, scope, blue.id, "出售方退回货款")
    assert red.kind == "red" and red.amount_fen == -blue.amount_fen and red.quota_month == blue.quota_month
    assert service.used_in_window(db, who.person_key, today()) == used - blue.amount_fen
    assert blue.status == "reversed"
    with pytest.raises(Conflict):
        service.reverse(db, scope, blue.id, "再次红冲")
    with pytest.raises(InvalidInput) as no_reason:
        service.reverse(db, scope, inv.issued(db, rc, who, 100).id, " ")
    assert no_reason.value.field == "reason"


def test_a_reversal_made_months_later_frees_the_original_month(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    blue = inv.issued(db, rc, who, 700_000)
    earlier = rules.add_months(rules.month_of(today()), -3)
    blue.quota_month = earlier  # as if issued three months ago
    db.flush()
    service.reverse(db, rc.scope(db, "dispatcher"), blue.id, "退货")
    assert service.used_in_window(db, who.person_key, today()) == 0
    eleven_later = rules.add_months(earlier, 11)
    assert service.used_in_window(db, who.person_key, eleven_later) == 0  # both in, net zero
    assert service.used_in_window(db, who.person_key, rules.add_months(earlier, 12)) == 0  # both out


def _weighing(db: Session, rc: ws.Recycler, amount_fen: int) -> Weighing:
    row = Weighing(city_code=rc.city_code, site_id=rc.site_id, category="metal", unit="kg", gross_g=10_500,
                   tare_g=500, net_g=10_000, unit_price_fen=amount_fen // 10, amount_fen=amount_fen, place="station",
                   weighed_at=now())
    db.add(row)
    db.flush()
    return row


def test_a_weighing_is_billed_once_and_again_after_its_reversal(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    scope = rc.scope(db, "dispatcher")
    weighed = _weighing(db, rc, 25_000)
    body = service.PreInvoiceInput(seller_id=who.id, lines=[service.LineInput(weighing_id=weighed.id,
                                                                              tax_code=inv.TAX_CODE)])
    first = service.make_pre_invoice(db, scope, body, uuid.uuid4().hex).invoice
    assert first.amount_fen == 25_000 and service.lines_of(db, first)[0].quantity_milli == 10_000
    with pytest.raises(Conflict):
        service.make_pre_invoice(db, scope, body, uuid.uuid4().hex)
    service.confirm(db, scope, first.id, inv.code_of(db, first))
    service.issue(db, scope, first.id)
    service.reverse(db, scope, first.id, "品类开错")
    again = service.make_pre_invoice(db, scope, body, uuid.uuid4().hex).invoice
    assert again.amount_fen == 25_000
    other = ws.recycler(db)
    inv.qualify(db, other)
    foreign = service.PreInvoiceInput(seller_id=inv.seller(db, other).id, lines=body.lines)
    with pytest.raises(InvalidInput) as not_ours:
        service.make_pre_invoice(db, other.scope(db, "dispatcher"), foreign, uuid.uuid4().hex)
    assert not_ours.value.field == "lines.0.weighing_id"


@pytest.mark.parametrize(("line", "field"), [
    ({"tax_code": "123"}, "lines.0.tax_code"),
    ({"category": "uranium"}, "lines.0.category"),
    ({"weight_g": -5}, "lines.0.weight_g"),
    ({"unit_price_fen": 0}, "lines.0.unit_price_fen"),
])
def test_bad_lines_are_refused_naming_the_line_and_field(db: Session, line: dict[str, object], field: str) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    values = {"category": "metal", "tax_code": inv.TAX_CODE, "weight_g": 1000, "unit_price_fen": 100, **line}
    before = _count(db)
    with pytest.raises(InvalidInput) as refused:
        service.make_pre_invoice(db, rc.scope(db, "dispatcher"), service.PreInvoiceInput(
            seller_id=who.id, lines=[service.LineInput(**values)]), uuid.uuid4().hex)  # type: ignore[arg-type]
    assert refused.value.field == field and "第1行" in refused.value.message
    assert _count(db) == before


def test_the_payment_is_recorded_once_per_key(db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    scope = rc.scope(db, "dispatcher")
    invoice = inv.issued(db, rc, inv.seller(db, rc), 500)
    paid = service.pay(db, scope, invoice.id, payment_ref="ICBC20261203001", idempotency_key="k1")
    assert paid.paid_at is not None
    assert service.pay(db, scope, invoice.id, payment_ref="ICBC20261203001", idempotency_key="k1") is paid
    with pytest.raises(Conflict):
        service.pay(db, scope, invoice.id, payment_ref="ICBC20261203002", idempotency_key="k2")


def test_the_api_walks_an_invoice_and_keeps_cities_and_recyclers_apart(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    who = inv.seller(db, rc)
    headers = api_token(client, rc.dispatcher)
    body = {"seller_id": who.id, "lines": [{"category": "paper", "tax_code": inv.TAX_CODE, "weight_g": 200_000,
                                            "unit_price_fen": 150}]}
    missing = client.post("/api/v1/recycling/invoices", headers=headers, json=body)
    assert missing.status_code == 422 and missing.json()["field"] == "Idempotency-Key"
    made = client.post("/api/v1/recycling/invoices", headers={**headers, "Idempotency-Key": "inv-1"}, json=body)
    assert made.status_code == 201 and made.json()["amount_fen"] == 30_000
    assert made.json()["status_label"] == "待出售方确认"
    replay = client.post("/api/v1/recycling/invoices", headers={**headers, "Idempotency-Key": "inv-1"}, json=body)
    assert replay.status_code == 200 and replay.json()["id"] == made.json()["id"]
    invoice_id = made.json()["id"]
    wrong = client.post(f"/api/v1/recycling/invoices/{invoice_id}/confirm", headers=headers, json={"code": "x"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "code"
    code = inv.code_of(db, db.get(ReverseInvoice, invoice_id))  # type: ignore[arg-type]
    assert client.post(f"/api/v1/recycling/invoices/{invoice_id}/confirm", headers=headers,
                       json={"code": code}).status_code == 200
    issued = client.post(f"/api/v1/recycling/invoices/{invoice_id}/issue", headers=headers)
    assert issued.status_code == 200 and issued.json()["status_label"] == "已开具"
    quota = client.get(f"/api/v1/recycling/sellers/{who.id}/quota", headers=headers).json()
    assert quota["used_fen"] == 30_000 and quota["left_fen"] == quota["quota_fen"] - 30_000
    other_city = api_token(client, inv.office_of(db, "510400"))
    assert client.get(f"/api/v1/recycling/invoices/{invoice_id}", headers=other_city).status_code == 404
    other_recycler = ws.recycler(db)
    assert client.get(f"/api/v1/recycling/invoices/{invoice_id}",
                      headers=api_token(client, other_recycler.dispatcher)).status_code == 404
    office = api_token(client, inv.office_of(db, rc.city_code))
    assert client.get(f"/api/v1/recycling/invoices/{invoice_id}", headers=office).status_code == 200
    resident = api_token(client, ws.resident(db))
    assert client.get("/api/v1/recycling/invoices", headers=resident).status_code == 404


def test_the_month_sheet_is_full_for_the_recycler_masked_for_the_office(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    ident = inv.id_number()
    who = inv.seller(db, rc, id_number=ident, name="=HYPERLINK(\"x\")")
    blue = inv.issued(db, rc, who, 2_000)
    service.reverse(db, rc.scope(db, "dispatcher"), blue.id, "重开")
    month = f"{rules.month_of(today()):%Y-%m}"

    def rows(username: str) -> list[tuple[object, ...]]:
        got = client.get(f"/api/v1/recycling/invoices/export.xlsx?month={month}", headers=api_token(client, username))
        assert got.status_code == 200
        return list(load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]

    mine = [r for r in rows(rc.dispatcher) if r[0] != "发票类型"]
    assert {r[0] for r in mine} == {"蓝字", "红字"} and ident in {r[8] for r in mine}
    assert all(str(r[6]).startswith("'=") for r in mine)  # a formula-looking name is neutralised
    red = next(r for r in mine if r[0] == "红字")
    assert red[2] == blue.number and red[17] == -2000
    city = [r for r in rows(inv.office_of(db, rc.city_code)) if r[0] != "发票类型" and r[1] in {blue.number}]
    assert city and ident not in {r[8] for r in city}
    driver = [r for r in rows(rc.driver) if r[0] != "发票类型"]
    assert driver and ident not in {r[8] for r in driver}  # a driver files nothing: masked
    bad = client.get("/api/v1/recycling/invoices/export.xlsx?month=2026-13", headers=api_token(client, rc.dispatcher))
    assert bad.status_code == 422 and bad.json()["field"] == "month"


def test_a_qualification_needs_its_document_and_dates_and_is_verified_by_the_city(client: TestClient,
                                                                                 db: Session) -> None:
    rc = ws.recycler(db)
    headers = api_token(client, rc.dispatcher)
    form = {"kind": "hazardous_waste", "number": "HW-5120-001", "issued_on": "2025-01-01", "valid_until": "2024-01-01"}
    pdf = {"document": ("licence.pdf", b"%PDF-1.4", "application/pdf")}
    early = client.post("/api/v1/recycling/qualifications", headers=headers, data=form, files=pdf)
    assert early.status_code == 422 and early.json()["field"] == "valid_until"
    nodoc = client.post("/api/v1/recycling/qualifications", headers=headers, data={**form, "valid_until": "2029-01-01"})
    assert nodoc.status_code == 422 and nodoc.json()["field"] == "document"
    made = client.post("/api/v1/recycling/qualifications", headers=headers,
                       data={**form, "valid_until": "2029-01-01"}, files=pdf)
    assert made.status_code == 201 and made.json()["state_label"] == "待核验"
    qid = made.json()["id"]
    assert client.post(f"/api/v1/recycling/qualifications/{qid}/verify", headers=headers).status_code == 403
    far = api_token(client, inv.office_of(db, "510400"))
    assert client.post(f"/api/v1/recycling/qualifications/{qid}/verify", headers=far).status_code == 404
    office = api_token(client, inv.office_of(db, rc.city_code))
    done = client.post(f"/api/v1/recycling/qualifications/{qid}/verify", headers=office)
    assert done.status_code == 200 and done.json()["state_label"] == "有效"


def test_another_recyclers_seller_is_not_found(db: Session) -> None:
    rc, other = ws.recycler(db), ws.recycler(db)
    who = inv.seller(db, rc)
    with pytest.raises(NotFound):
        inv.sellers.get(db, other.scope(db, "dispatcher"), who.id)
    with pytest.raises(Forbidden):
        inv.seller(db, rc.__class__(**{**rc.__dict__, "dispatcher": rc.driver}))  # a driver does not invoice
