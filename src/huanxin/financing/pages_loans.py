"""Loan pages (/financing/loans/{id}): the tranches, the subsidy schedule by quarter with its basis,
and per quarter the office's 预拨 (pre-allocation) and 按实结算 (settlement), each once per form key;
the bank adds tranches and records an early repayment."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from huanxin.financing import forms, loans, subsidy, views
from huanxin.financing.once import once
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
LOANS = "/financing/loans"
Text = Annotated[str, Form()]
FLASHES = {"loan": "已登记贷款，贴息计划已生成。", "tranche": "已登记放款，贴息计划已重算。",
           "repaid": "已登记提前还款，贴息计划已重算。", "reserved": "已预拨该季度贴息。",
           "settled": "已按实结算该季度贴息。"}


def _loan(request: Request, db: Session, scope: Scope, loan_id: int, done: str = "") -> Response:
    request.state.scope = scope
    view = views.loan_view(db, scope, loan_id)
    return render(request, "financing/loan.html", view=view, loan=view.loan, labels=subsidy.STATUS_LABELS,
                  is_office=scope.is_office, is_bank=scope.role == Role.BANK, key=secrets.token_urlsafe(16),
                  total=sum(q.amount_fen for q in view.quarters), flash=FLASHES.get(done))


@router.get(f"{LOANS}/{{loan_id}}", response_class=HTMLResponse)
def loan_page(loan_id: int, request: Request, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    return _loan(request, db, scope, loan_id, done)


def _on_loan(call: FormCall) -> Response:
    return _loan(call.request, call.db, call.scope, int(call.args["loan_id"]))


@router.post(f"{LOANS}/{{loan_id}}/tranches", response_class=HTMLResponse)
@form_page(_on_loan, form="tranche")
def add_tranche(loan_id: int, db: DbSession, scope: CurrentScope, amount: Text = "", disbursed_on: Text = "",
                reached_supplier_on: Text = "") -> Response:
    loans.add_tranche(db, scope, loan_id, loans.TrancheInput(
        forms.yuan_to_fen(amount, "amount_fen", "放款金额"), forms.day(disbursed_on, "disbursed_on", "放款日期"),
        forms.optional_day(reached_supplier_on, "reached_supplier_on", "划付供应商日期")))
    return RedirectResponse(f"{LOANS}/{loan_id}?done=tranche", status_code=303)


@router.post(f"{LOANS}/{{loan_id}}/repayment", response_class=HTMLResponse)
@form_page(_on_loan, form="repayment")
def repay(loan_id: int, db: DbSession, scope: CurrentScope, repaid_on: Text = "") -> Response:
    loans.repay_early(db, scope, loan_id, forms.day(repaid_on, "repaid_early_on", "提前还款日期"))
    return RedirectResponse(f"{LOANS}/{loan_id}?done=repaid", status_code=303)


@router.post(f"{LOANS}/{{loan_id}}/subsidy/{{quarter}}/preallocate", response_class=HTMLResponse)
@form_page(_on_loan, form="pay-{quarter}")
def preallocate(loan_id: int, quarter: str, db: DbSession, scope: CurrentScope, fund_source: Text = "",
                idempotency_key: Text = "") -> Response:
    scope.require_office()
    loans.get_loan(db, scope, loan_id)  # another city's loan: 404 before the form key is read
    body = {"op": "financing.preallocate", "loan_id": loan_id, "quarter": quarter, "fund_source": fund_source}

    def work() -> dict[str, str]:
        subsidy.preallocate(db, scope, loan_id, quarter, fund_source or subsidy.DEFAULT_SOURCE)
        return {"redirect": f"{LOANS}/{loan_id}?done=reserved"}
    _, response = once(db, scope, idempotency_key, body, work, field="idempotency_key")
    return RedirectResponse(str(response["redirect"]), status_code=303)


@router.post(f"{LOANS}/{{loan_id}}/subsidy/{{quarter}}/settle", response_class=HTMLResponse)
@form_page(_on_loan, form="pay-{quarter}")
def settle(loan_id: int, quarter: str, db: DbSession, scope: CurrentScope, actual: Text = "",
           idempotency_key: Text = "") -> Response:
    scope.require_office()
    loans.get_loan(db, scope, loan_id)
    fen = forms.yuan_to_fen(actual, "actual_fen", "实际贴息金额") if actual.strip() else None
    body = {"op": "financing.settle", "loan_id": loan_id, "quarter": quarter, "actual_fen": fen}

    def work() -> dict[str, str]:
        subsidy.settle(db, scope, loan_id, quarter, fen)
        return {"redirect": f"{LOANS}/{loan_id}?done=settled"}
    _, response = once(db, scope, idempotency_key, body, work, field="idempotency_key")
    return RedirectResponse(str(response["redirect"]), status_code=303)
