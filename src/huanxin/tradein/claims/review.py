"""The manual review queue of the commerce bureau (商务局审核员) and the office: approve, reject
with reasons, or ask for a correction (补正) naming what to fix."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit.clock import now
from huanxin.orgs.scope import Scope
from huanxin.tradein import money, outbox
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import events
from huanxin.tradein.claims import lifecycle as claims_service
from huanxin.tradein.models import Claim, Person, Programme
from huanxin.tradein.qualifications import quotas


def queue(session: Session, scope: Scope, *, status: str = "review", limit: int = 200) -> list[Claim]:
    repo.require_staff(scope)
    return repo.claims_for(session, scope, status=status, limit=limit)


def _programme(session: Session, claim: Claim) -> Programme:
    programme = session.get(Programme, claim.programme_id)
    assert programme is not None
    return programme


def _require_other_person(session: Session, scope: Scope, claim: Claim) -> None:
    """Separation of duties: whoever submitted or corrected a claim, or is its applicant, does not
    approve it, even after their account was moved into review (a role changes, events remain)."""
    submitters = {e.actor for e in repo.events_of(session, claim.id) if e.from_status in (None, "correction")}
    applicant = session.get(Person, claim.person_id)
    if scope.username in submitters or (applicant is not None and applicant.user_id == scope.user_id):
        raise Forbidden("补贴申请的提交人不能审批自己提交的申请，请由另一位审核员审批", field="claim_id")


def approve(session: Session, scope: Scope, claim: Claim, note: str = "") -> Claim:
    repo.require_staff(scope)
    if claim.status != "review":
        raise Conflict("只有待人工审核的申请可以批准", field="claim_id")
    _require_other_person(session, scope, claim)
    if not (claim.decision or {}).get("eligible") or claim.amount_fen <= 0:
        raise Conflict("规则判定该申请不符合补贴条件，不能批准；请驳回或要求补正", field="claim_id")
    programme = _programme(session, claim)
    decision = claim.decision or {}
    quotas.take(session, claim.person_id, [_Req(**q) for q in decision.get("quotas", [])], claim.amount_fen,
                claim_id=claim.id, qualification_id=claim.qualification_id)
    if not money.ensure_claim_reserved(session, programme, claim):
        raise Conflict(f"{programme.name}资金池余额不足，暂不能批准（资金回流后再审）", field="claim_id")
    events.move(session, claim, "approved", actor=scope.username, note=note.strip() or "人工审核通过",
                audited=True, detail={"amount_fen": claim.amount_fen})
    claim.decided_at = now()
    outbox.notify(session, claim.person_id, f"您的补贴申请（编号 {claim.id}）审核通过，补贴 "
                                            f"{outbox.yuan(claim.amount_fen)} 元，待发放。", claim_id=claim.id)
    session.flush()
    return claim


class _Req:
    """A quota requirement as stored in the decision (to_dict)."""

    def __init__(self, key: str, limit: int | None, money_cap_fen: int | None, label: str, **_: object) -> None:
        self.key, self.limit, self.money_cap_fen, self.label = key, limit, money_cap_fen, label


def clean_reasons(reasons: list[str] | str) -> list[str]:
    items = [reasons] if isinstance(reasons, str) else list(reasons)
    cleaned = [r.strip() for r in items if r and r.strip()]
    if not cleaned:
        raise InvalidInput("驳回须写明理由", field="reasons")
    return cleaned


def reject(session: Session, scope: Scope, claim: Claim, reasons: list[str] | str) -> Claim:
    repo.require_staff(scope)
    if claim.status not in ("review", "correction", "approved"):
        raise Conflict("该申请当前状态不能驳回", field="claim_id")
    claims_service.reject_now(session, _programme(session, claim), claim, clean_reasons(reasons),
                              actor=scope.username, audited=True)
    session.flush()
    return claim


def request_correction(session: Session, scope: Scope, claim: Claim, what: str) -> Claim:
    repo.require_staff(scope)
    what = (what or "").strip()
    if not what:
        raise InvalidInput("请写明需要补正的内容", field="what")
    if claim.status != "review":
        raise Conflict("只有待人工审核的申请可以要求补正", field="claim_id")
    events.move(session, claim, "correction", actor=scope.username, note=what, audited=True)
    outbox.notify(session, claim.person_id, f"您的补贴申请（编号 {claim.id}）需补正：{what}。"
                                            f"请联系核销商户或在平台补充材料后重新提交。", claim_id=claim.id)
    session.flush()
    return claim
