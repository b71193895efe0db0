"""JSON API of financing (/api/v1/financing/…): needs, pushes, bank answers, loans and tranches,
the subsidy schedule, and the subsidy's money (fund, pre-allocate, settle, correct), each money POST
with an Idempotency-Key header."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from huanxin.financing import candidates, catalog, exports, figures, loans, needs, subsidy
from huanxin.financing import repository as repo
from huanxin.financing.models import FinancingNeed, Loan, SubsidyPayment
from huanxin.financing.once import once
from huanxin.kit.limits import FenAmount, Schema, ShortText
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["融资对接与贴息"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NeedIn(Schema):
    project_id: int
    amount_fen: FenAmount
    term_months: int
    purpose: str = ""
    bank_unit_ids: list[int] = Field(default_factory=list, max_length=20)


class PushIn(Schema):
    bank_unit_ids: list[int] = Field(default_factory=list, max_length=20)


class AnswerIn(Schema):
    answer: ShortText
    reason: str = ""
    documents: list[ShortText] = Field(default_factory=list, max_length=30)


class TrancheIn(Schema):
    amount_fen: FenAmount
    disbursed_on: dt.date
    reached_supplier_on: dt.date | None = None


class LoanIn(Schema):
    principal_fen: FenAmount
    annual_rate_bp: int
    term_months: int
    contract_on: dt.date
    tranches: list[TrancheIn] = Field(default_factory=list, max_length=100)


class RepayIn(Schema):
    repaid_on: dt.date


class FundIn(Schema):
    amount_fen: FenAmount
    fund_source: ShortText = subsidy.DEFAULT_SOURCE
    memo: ShortText = ""


class PreallocateIn(Schema):
    fund_source: ShortText = subsidy.DEFAULT_SOURCE


class SettleIn(Schema):
    actual_fen: FenAmount | None = None


class CorrectIn(Schema):
    memo: ShortText


class ProductIn(Schema):
    name: ShortText
    description: str = ""
    bank_unit_id: int | None = None
    max_amount_fen: FenAmount | None = None
    term_months: int | None = None


class EventIn(Schema):
    title: ShortText
    held_on: dt.date
    place: ShortText = ""
    notes: str = ""


class NeedOut(BaseModel):
    id: int
    project_id: int
    amount_fen: int
    term_months: int
    purpose: str
    bank_unit_ids: list[int]
    status: str
    status_label: str

    @classmethod
    def of(cls, n: FinancingNeed) -> NeedOut:
        return cls(id=n.id, project_id=n.project_id, amount_fen=n.amount_fen, term_months=n.term_months,
                   purpose=n.purpose, bank_unit_ids=list(n.bank_unit_ids), status=n.status,
                   status_label=needs.STATUS_LABELS.get(n.status, ""))


def _loan(db: DbSession, loan: Loan) -> dict[str, Any]:
    return {
        "id": loan.id, "need_id": loan.need_id, "bank_unit_id": loan.bank_unit_id, "principal_fen": loan.principal_fen,
        "annual_rate_bp": loan.annual_rate_bp, "term_months": loan.term_months, "contract_on": loan.contract_on,
        "repaid_early_on": loan.repaid_early_on,
        "tranches": [{"id": t.id, "amount_fen": t.amount_fen, "disbursed_on": t.disbursed_on,
                      "reached_supplier_on": t.reached_supplier_on} for t in loans.tranches_of(db, loan.id)],
        "schedule": [{"quarter": r.quarter, "tranche_id": r.tranche_id, "start_on": r.start_on, "end_on": r.end_on,
                      "days": r.days, "base_fen": r.base_fen, "rate_bp": r.rate_bp, "amount_fen": r.amount_fen,
                      "basis": r.basis} for r in loans.schedule_of(db, loan.id)],
        "payments": [_payment(p) for p in subsidy.payments_of(db, loan.id)],
    }


def _payment(p: SubsidyPayment) -> dict[str, Any]:
    return {"loan_id": p.loan_id, "quarter": p.quarter, "planned_fen": p.planned_fen, "actual_fen": p.actual_fen,
            "status": p.status, "status_label": subsidy.STATUS_LABELS.get(p.status, "")}


@router.get("/financing/needs", response_model=list[NeedOut])
def list_needs(db: DbSession, scope: CurrentScope, status: str | None = None) -> list[NeedOut]:
    return [NeedOut.of(n) for n in repo.needs(db, scope, status or None)]


@router.post("/financing/needs", response_model=NeedOut, status_code=201)
def declare_need(body: NeedIn, db: DbSession, scope: CurrentScope) -> NeedOut:
    return NeedOut.of(needs.declare(db, scope, needs.NeedInput(**body.model_dump())))


@router.get("/financing/needs/{need_id}")
def need_detail(need_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    need = repo.visible_need(db, scope, need_id)
    answers = needs.latest_answers(db, scope, [need.id]).get(need.id, [])
    return {"need": NeedOut.of(need).model_dump(mode="json"),
            "pushed_to": needs.pushed_banks(db, scope, [need.id]).get(need.id, []),
            "answers": [{"bank_unit_id": a.bank_unit_id, "answer": a.answer,
                         "answer_label": needs.ANSWER_LABELS[a.answer], "reason": a.reason,
                         "documents": a.documents} for a in answers],
            "loans": [_loan(db, loan) for loan in loans.loans_of(db, scope, [need.id])]}


@router.post("/financing/needs/{need_id}/push", status_code=201)
def push_need(need_id: int, body: PushIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    made = needs.push(db, scope, need_id, body.bank_unit_ids)
    return {"need_id": need_id, "pushed_to": [p.bank_unit_id for p in made]}


@router.post("/financing/needs/{need_id}/answers", status_code=201)
def answer_need(need_id: int, body: AnswerIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    row = needs.answer(db, scope, need_id, body.answer, body.reason, body.documents)
    return {"need_id": need_id, "answer": row.answer, "answer_label": needs.ANSWER_LABELS[row.answer]}


@router.post("/financing/needs/{need_id}/loans", status_code=201)
def record_loan(need_id: int, body: LoanIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    data = loans.LoanInput(principal_fen=body.principal_fen, annual_rate_bp=body.annual_rate_bp,
                           term_months=body.term_months, contract_on=body.contract_on,
                           tranches=[loans.TrancheInput(**t.model_dump()) for t in body.tranches])
    return _loan(db, loans.record_loan(db, scope, need_id, data))


@router.get("/financing/loans/{loan_id}")
def loan_detail(loan_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return _loan(db, loans.get_loan(db, scope, loan_id)[0])


@router.post("/financing/loans/{loan_id}/tranches", status_code=201)
def add_tranche(loan_id: int, body: TrancheIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    loans.add_tranche(db, scope, loan_id, loans.TrancheInput(**body.model_dump()))
    return _loan(db, loans.get_loan(db, scope, loan_id)[0])


@router.post("/financing/loans/{loan_id}/early-repayment", status_code=201)
def repay_early(loan_id: int, body: RepayIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return _loan(db, loans.repay_early(db, scope, loan_id, body.repaid_on))


def _money(status: int, response: dict[str, Any]) -> JSONResponse:
    return JSONResponse(response, status_code=status)


@router.post("/financing/subsidy/fund", status_code=201)
def fund(body: FundIn, db: DbSession, scope: CurrentScope, idempotency_key: IdemKey = None) -> JSONResponse:
    def work() -> dict[str, Any]:
        pool = subsidy.fund_pool(db, scope, body.amount_fen, key=str(idempotency_key), fund_source=body.fund_source,
                                 memo=body.memo)
        return {"pool_id": pool.id, "name": pool.name}
    scope.require_office()
    return _money(*once(db, scope, idempotency_key, {"op": "financing.fund", **body.model_dump()}, work))


@router.post("/financing/loans/{loan_id}/subsidy/{quarter}/preallocate", status_code=201)
def preallocate(loan_id: int, quarter: str, body: PreallocateIn, db: DbSession, scope: CurrentScope,
                idempotency_key: IdemKey = None) -> JSONResponse:
    scope.require_office()
    loans.get_loan(db, scope, loan_id)  # another city's loan: 404 before the key is even read
    request = {"op": "financing.preallocate", "loan_id": loan_id, "quarter": quarter, **body.model_dump()}
    return _money(*once(db, scope, idempotency_key, request,
                        lambda: _payment(subsidy.preallocate(db, scope, loan_id, quarter, body.fund_source))))


@router.post("/financing/loans/{loan_id}/subsidy/{quarter}/settle", status_code=201)
def settle(loan_id: int, quarter: str, body: SettleIn, db: DbSession, scope: CurrentScope,
           idempotency_key: IdemKey = None) -> JSONResponse:
    scope.require_office()
    loans.get_loan(db, scope, loan_id)  # another city's loan: 404 before the key is even read
    request = {"op": "financing.settle", "loan_id": loan_id, "quarter": quarter, **body.model_dump()}
    return _money(*once(db, scope, idempotency_key, request,
                        lambda: _payment(subsidy.settle(db, scope, loan_id, quarter, body.actual_fen))))


@router.post("/financing/loans/{loan_id}/subsidy/{quarter}/correct", status_code=201)
def correct(loan_id: int, quarter: str, body: CorrectIn, db: DbSession, scope: CurrentScope,
            idempotency_key: IdemKey = None) -> JSONResponse:
    scope.require_office()
    loans.get_loan(db, scope, loan_id)  # another city's loan: 404 before the key is even read
    request = {"op": "financing.correct", "loan_id": loan_id, "quarter": quarter, **body.model_dump()}
    return _money(*once(db, scope, idempotency_key, request,
                        lambda: _payment(subsidy.correct(db, scope, loan_id, quarter, body.memo))))


@router.get("/financing/candidates.xlsx", response_class=Response)
def candidate_sheet(db: DbSession, scope: CurrentScope, status: str | None = None) -> Response:
    data = candidates.workbook_bytes(db, scope, status or None)
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''financing-candidates.xlsx"})


@router.get("/financing/subsidy.xlsx", response_class=Response)
def subsidy_sheet(db: DbSession, scope: CurrentScope) -> Response:
    return Response(exports.subsidy_ledger_bytes(db, scope), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''financing-subsidy.xlsx"})


@router.get("/financing/figures")
def financing_figures(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    result = figures.figures(db, scope)
    return {"total": vars(result.total), "by_county": [vars(f) for f in result.by_county],
            "by_field": [vars(f) for f in result.by_field]}


@router.post("/financing/products", status_code=201)
def add_product(body: ProductIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    product = catalog.add_product(db, scope, **body.model_dump())
    return {"id": product.id, "name": product.name}


@router.post("/financing/events", status_code=201)
def add_event(body: EventIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    event = catalog.add_event(db, scope, **body.model_dump())
    return {"id": event.id, "title": event.title, "held_on": event.held_on.isoformat()}
