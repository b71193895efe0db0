"""Pages of financing (/financing): the office's needs by status, pushes, the candidate sheet, the
figures and the subsidy pool; a bank's needs, answers and loans; an enterprise's needs and the
answers it got. Loans and their subsidy are in pages_loans."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.financing import catalog, figures, forms, loans, needs, subsidy, views
from huanxin.financing import repository as repo
from huanxin.financing.once import once
from huanxin.ledger import service as ledger_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import service as projects_service
from huanxin.projects import vocab
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/financing"
Text = Annotated[str, Form()]
Many = Annotated[list[str], Form()]
FLASHES = {"declared": "已提交融资需求。", "pushed": "已推送银行。", "answered": "已答复。",
           "funded": "已下达贴息资金。", "loan": "已登记贷款。", "product": "已添加金融产品。",
           "event": "已添加对接活动。"}


def _my_projects(db: Session, scope: Scope) -> list[tuple[int, str]]:
    if scope.role != Role.ENTERPRISE:
        return []
    page = projects_service.list_projects(db, scope, projects_service.ProjectFilters(per_page=100))
    return [(p.id, p.name) for p in page.items]


def _home(request: Request, db: Session, scope: Scope, status: str = "", done: str = "") -> Response:
    request.state.scope = scope
    repo.require_reader(scope)
    office = scope.city_wide
    return render(request, "financing/home.html", rows=views.need_rows(db, scope, status or None), status=status,
                  statuses=needs.STATUS_LABELS, answers=needs.ANSWER_LABELS,
                  banks=views.bank_names(db, scope.city_code),
                  figures=figures.figures(db, scope) if office else None,
                  pools=subsidy.pool_balances(db, scope.city_code) if office else [],
                  sources=ledger_service.FUND_SOURCES, fields=vocab.FIELDS, projects=_my_projects(db, scope),
                  products=catalog.products(db, scope), events=catalog.events(db, scope), office=office,
                  is_office=scope.is_office, is_bank=scope.role == Role.BANK,
                  is_enterprise=scope.role == Role.ENTERPRISE, key=secrets.token_urlsafe(16), flash=FLASHES.get(done))


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, db: DbSession, scope: CurrentScope, status: str = "", done: str = "") -> Response:
    return _home(request, db, scope, status, done)


def _on_home(call: FormCall) -> Response:
    return _home(call.request, call.db, call.scope)


@router.post(f"{HOME}/needs", response_class=HTMLResponse)
@form_page(_on_home, form="need-new")
def declare(db: DbSession, scope: CurrentScope, project_id: Text = "", amount: Text = "", term_months: Text = "",
            purpose: Text = "", bank_unit_ids: Many = []) -> Response:  # noqa: B006 (FastAPI copies defaults)
    chosen = forms.whole(project_id, "project_id", "项目") if project_id else 0
    if not chosen:
        raise InvalidInput("请选择项目", field="project_id")
    need = needs.declare(db, scope, needs.NeedInput(
        project_id=chosen, amount_fen=forms.yuan_to_fen(amount, "amount_fen", "融资金额"),
        term_months=forms.whole(term_months, "term_months", "贷款期限"), purpose=purpose,
        bank_unit_ids=forms.ids(bank_unit_ids)))
    return RedirectResponse(f"{HOME}/needs/{need.id}?done=declared", status_code=303)


@router.post(f"{HOME}/subsidy/fund", response_class=HTMLResponse)
@form_page(_on_home, form="fund")
def fund(db: DbSession, scope: CurrentScope, amount: Text = "", fund_source: Text = "", memo: Text = "",
         idempotency_key: Text = "") -> Response:
    scope.require_office()
    fen = forms.yuan_to_fen(amount, "amount_fen", "下达金额")
    body = {"op": "financing.fund", "amount_fen": fen, "fund_source": fund_source, "memo": memo}

    def work() -> dict[str, str]:
        subsidy.fund_pool(db, scope, fen, key=idempotency_key, fund_source=fund_source, memo=memo)
        return {"redirect": f"{HOME}?done=funded"}
    _, response = once(db, scope, idempotency_key, body, work, field="idempotency_key")
    return RedirectResponse(str(response["redirect"]), status_code=303)


def _need(request: Request, db: Session, scope: Scope, need_id: int, done: str = "") -> Response:
    request.state.scope = scope
    need = repo.visible_need(db, scope, need_id)
    row = views.rows_of(db, scope, [need])[0]
    return render(request, "financing/need.html", row=row, need=need, statuses=needs.STATUS_LABELS,
                  answers=needs.ANSWER_LABELS, banks=views.bank_names(db, scope.city_code), fields=vocab.FIELDS,
                  is_office=scope.is_office, is_bank=scope.role == Role.BANK, tranche_lines=range(3),
                  flash=FLASHES.get(done))


@router.get(f"{HOME}/needs/{{need_id}}", response_class=HTMLResponse)
def need_page(need_id: int, request: Request, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    return _need(request, db, scope, need_id, done)


def _on_need(call: FormCall) -> Response:
    return _need(call.request, call.db, call.scope, int(call.args["need_id"]))


@router.post(f"{HOME}/needs/{{need_id}}/push", response_class=HTMLResponse)
@form_page(_on_need, form="push")
def push(need_id: int, db: DbSession, scope: CurrentScope, bank_unit_ids: Many = []) -> Response:  # noqa: B006
    needs.push(db, scope, need_id, forms.ids(bank_unit_ids))
    return RedirectResponse(f"{HOME}/needs/{need_id}?done=pushed", status_code=303)


@router.post(f"{HOME}/needs/{{need_id}}/answer", response_class=HTMLResponse)
@form_page(_on_need, form="answer")
def answer(need_id: int, db: DbSession, scope: CurrentScope, answer: Text = "", reason: Text = "",
           documents: Text = "") -> Response:
    needs.answer(db, scope, need_id, answer, reason, documents.replace("，", "\n").replace("、", "\n").splitlines())
    return RedirectResponse(f"{HOME}/needs/{need_id}?done=answered", status_code=303)


@router.post(f"{HOME}/needs/{{need_id}}/loans", response_class=HTMLResponse)
@form_page(_on_need, form="loan")
def record_loan(need_id: int, request: Request, db: DbSession, scope: CurrentScope, principal: Text = "",
                rate: Text = "", term_months: Text = "", contract_on: Text = "",
                tranche_amount: Many = [], tranche_on: Many = [], tranche_supplier_on: Many = []) -> Response:  # noqa: B006
    tranches = []
    for number, (amount, on) in enumerate(zip(tranche_amount, tranche_on, strict=False), start=1):
        if not amount.strip() and not on.strip():
            continue
        supplier = tranche_supplier_on[number - 1] if number - 1 < len(tranche_supplier_on) else ""
        tranches.append(loans.TrancheInput(
            forms.yuan_to_fen(amount, "amount_fen", f"第{number}笔放款金额"),
            forms.day(on, "disbursed_on", f"第{number}笔放款日期"),
            forms.optional_day(supplier, "reached_supplier_on", f"第{number}笔划付供应商日期")))
    loan = loans.record_loan(db, scope, need_id, loans.LoanInput(
        principal_fen=forms.yuan_to_fen(principal, "principal_fen", "贷款本金"),
        annual_rate_bp=forms.percent_to_bp(rate, "annual_rate_bp", "贷款年利率"),
        term_months=forms.whole(term_months, "term_months", "贷款期限"),
        contract_on=forms.day(contract_on, "contract_on", "合同签订日期"), tranches=tranches))
    return RedirectResponse(f"{HOME}/loans/{loan.id}?done=loan", status_code=303)


@router.post(f"{HOME}/products", response_class=HTMLResponse)
@form_page(_on_home, form="product")
def add_product(db: DbSession, scope: CurrentScope, name: Text = "", description: Text = "", bank_unit_id: Text = "",
                max_amount: Text = "", term_months: Text = "") -> Response:
    catalog.add_product(db, scope, name, description, int(bank_unit_id) if bank_unit_id.isdigit() else None,
                        forms.yuan_to_fen(max_amount, "max_amount_fen", "最高额度") if max_amount.strip() else None,
                        forms.whole(term_months, "term_months", "期限") if term_months.strip() else None)
    return RedirectResponse(f"{HOME}?done=product", status_code=303)


@router.post(f"{HOME}/events", response_class=HTMLResponse)
@form_page(_on_home, form="event")
def add_event(db: DbSession, scope: CurrentScope, title: Text = "", held_on: Text = "", place: Text = "",
              notes: Text = "") -> Response:
    catalog.add_event(db, scope, title, forms.day(held_on, "held_on", "活动日期"), place, notes)
    return RedirectResponse(f"{HOME}?done=event", status_code=303)
