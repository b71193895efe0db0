"""Financing needs: a project declares its need (amount, term, purpose, up to 3 intended banks),
the office pushes it to banks, a bank answers (interested, declined with a reason, more documents
with the list). Use cases only: no HTTP, no commit; errors name the field in Chinese."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.financing import repository as repo
from huanxin.financing.models import BankAnswer, FinancingNeed, FinancingPush
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import service as projects_service
from huanxin.projects.funding.context import default_parameters

MAX_AMOUNT_FEN = 10**15
STATUS_LABELS = {"declared": "已申报", "pushed": "已推送银行", "interested": "银行有意向",
                 "more_documents": "银行要求补充材料", "declined": "银行已婉拒", "granted": "已签订贷款"}
ANSWER_LABELS = {"interested": "有意向", "declined": "婉拒", "more_documents": "需补充材料"}


@dataclass(frozen=True)
class NeedInput:
    project_id: int
    amount_fen: int
    term_months: int
    purpose: str = ""
    bank_unit_ids: Sequence[int] = field(default_factory=tuple)


def max_banks() -> int:
    """每个项目最多选择几家意向银行: the relending rules' dated parameter, read, not copied."""
    dated = default_parameters().lookup("relending.max_banks", today())
    return int(dated.value) if dated is not None else 3


def _check_need(session: Session, scope: Scope, data: NeedInput) -> list[int]:
    if data.amount_fen <= 0 or data.amount_fen > MAX_AMOUNT_FEN:
        raise InvalidInput("融资金额必须大于0", field="amount_fen")
    if not 1 <= data.term_months <= 360:
        raise InvalidInput("贷款期限应为1至360个月", field="term_months")
    if len(data.purpose) > 2000:
        raise InvalidInput("资金用途不超过2000字", field="purpose")
    banks = list(dict.fromkeys(data.bank_unit_ids))
    limit = max_banks()
    if len(banks) > limit:
        raise InvalidInput(f"意向银行最多选择{limit}家，已选{len(banks)}家", field="bank_unit_ids")
    for unit_id in banks:
        if repo.bank_in_city(session, scope.city_code, unit_id) is None:
            raise InvalidInput("意向银行须为本市已登记的银行", field="bank_unit_ids")
    return banks


def declare(session: Session, scope: Scope, data: NeedInput) -> FinancingNeed:
    """The enterprise (for its own project) or the office declares, or changes before any bank
    answered, the project's financing need."""
    if scope.role not in (Role.ENTERPRISE, Role.OFFICE):
        raise Forbidden("只有项目单位或专班办公室可以填报融资需求")
    project = projects_service.get_project(session, scope, data.project_id)  # 404 outside the caller's scope
    banks = _check_need(session, scope, data)
    need = repo.need_of_project(session, project.id)
    at = now()
    if need is None:
        need = FinancingNeed(city_code=project.city_code, project_id=project.id, enterprise_id=project.enterprise_id,
                             project_name=project.name, region_code=project.region_code, field=project.field,
                             status="declared", created_at=at)
        session.add(need)
    elif need.status not in ("declared", "pushed"):
        raise Conflict("银行已答复该融资需求，不能再修改", field="amount_fen")
    need.amount_fen, need.term_months, need.purpose = data.amount_fen, data.term_months, data.purpose.strip()
    need.bank_unit_ids, need.project_name, need.updated_at = banks, project.name, at
    session.flush()
    audit.record(session, actor=scope.username, action="financing.need.declare", entity="financing_need",
                 entity_id=need.id, city_code=need.city_code,
                 detail={"amount_fen": need.amount_fen, "term_months": need.term_months, "banks": banks})
    return need


def push(session: Session, scope: Scope, need_id: int, bank_unit_ids: Sequence[int]) -> list[FinancingPush]:
    """The office sends the need to banks (the named ones by default). Pushing twice is harmless."""
    scope.require_office()
    need = repo.visible_need(session, scope, need_id, for_update=True)
    targets = list(dict.fromkeys(bank_unit_ids)) or list(need.bank_unit_ids)
    if not targets:
        raise InvalidInput("请选择推送的银行", field="bank_unit_ids")
    made: list[FinancingPush] = []
    for unit_id in targets:
        if repo.bank_in_city(session, scope.city_code, unit_id) is None:
            raise InvalidInput("推送的银行须为本市已登记的银行", field="bank_unit_ids")
        existing = repo.push_of(session, need.id, unit_id)
        if existing is None:
            existing = FinancingPush(city_code=need.city_code, need_id=need.id, bank_unit_id=unit_id,
                                     pushed_by=scope.user_id, pushed_at=now())
            session.add(existing)
        made.append(existing)
    if need.status == "declared":
        need.status = "pushed"
    need.updated_at = now()
    session.flush()
    audit.record(session, actor=scope.username, action="financing.need.push", entity="financing_need",
                 entity_id=need.id, city_code=need.city_code, detail={"banks": targets})
    return made


def answer(session: Session, scope: Scope, need_id: int, kind: str, reason: str = "",
           documents: Sequence[str] = ()) -> BankAnswer:
    if scope.role != Role.BANK or scope.unit_id is None:
        raise Forbidden("只有银行可以答复融资需求")
    need = repo.visible_need(session, scope, need_id, for_update=True)  # 404 unless named or pushed
    if kind not in ANSWER_LABELS:
        raise InvalidInput("请选择答复：有意向、婉拒或需补充材料", field="answer")
    reason = reason.strip()
    docs = [d.strip() for d in documents if d.strip()]
    if kind == "declined" and not reason:
        raise InvalidInput("婉拒须填写理由", field="reason")
    if kind == "more_documents" and not docs:
        raise InvalidInput("请列出需要补充的材料", field="documents")
    if len(reason) > 2000 or len(docs) > 30 or any(len(d) > 200 for d in docs):
        raise InvalidInput("理由不超过2000字，材料最多30项、每项不超过200字", field="reason")
    row = BankAnswer(city_code=need.city_code, need_id=need.id, bank_unit_id=scope.unit_id, answer=kind,
                     reason=reason, documents=docs, answered_by=scope.user_id, answered_at=now())
    session.add(row)
    if need.status != "granted":
        need.status = kind
    need.updated_at = now()
    session.flush()
    audit.record(session, actor=scope.username, action="financing.need.answer", entity="financing_need",
                 entity_id=need.id, city_code=need.city_code, detail={"answer": kind})
    return row


def latest_answers(session: Session, scope: Scope, need_ids: Sequence[int]) -> dict[int, list[BankAnswer]]:
    """Per need, each bank's latest answer; a bank sees only its own."""
    bank = scope.unit_id if scope.role == Role.BANK else None
    latest: dict[tuple[int, int], BankAnswer] = {}
    for row in repo.answers_of(session, need_ids, bank):
        latest[(row.need_id, row.bank_unit_id)] = row
    out: dict[int, list[BankAnswer]] = {}
    for (need_id, _), row in sorted(latest.items()):
        out.setdefault(need_id, []).append(row)
    return out


def pushed_banks(session: Session, scope: Scope, need_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for p in repo.pushes_of(session, need_ids):
        if scope.role != Role.BANK or p.bank_unit_id == scope.unit_id:
            out.setdefault(p.need_id, []).append(p.bank_unit_id)
    return out
