"""Appeals: the resident may appeal each rejection once; a reviewer upholds it or overturns it
(the claim goes back to review, where approval reserves the budget again)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import outbox
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import events
from huanxin.tradein.models import Appeal, Claim
from huanxin.tradein.rules.parameters import param

# How long after a rejection the resident may appeal it: a dated parameter (rules/parameters/appeals.yaml).
WINDOW = "appeal.window_days"


def appeal_deadline(session: Session, claim: Claim) -> dt.date | None:
    """The last day the claim's latest rejection may be appealed (None: it was never rejected).
    The window in force on the day of the rejection applies, so a later change does not reopen
    or shorten the appeals of decisions already made."""
    rejected_at = repo.last_rejection_at(session, claim.id)
    if rejected_at is None:
        return None
    days, _, _ = param(WINDOW, rejected_at.date())
    return rejected_at.date() + dt.timedelta(days=int(days))


def _check_window(session: Session, claim: Claim) -> None:
    deadline = appeal_deadline(session, claim)
    if deadline is not None and today() > deadline:
        rejected_at = repo.last_rejection_at(session, claim.id)
        assert rejected_at is not None
        raise Conflict(f"申诉期限已过：本申请于 {rejected_at.date():%Y年%m月%d日} 被驳回，申诉须在驳回之日起 "
                       f"{(deadline - rejected_at.date()).days} 日内（{deadline:%Y年%m月%d日} 前）提出",
                       field="reason")


def file_appeal(session: Session, scope: Scope, claim: Claim, reason: str) -> Appeal:
    if scope.role != Role.RESIDENT:
        raise Forbidden("申诉由申请人本人提出")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请写明申诉理由", field="reason")
    if len(reason) > 2000:
        raise InvalidInput("申诉理由不能超过2000字", field="reason")
    if claim.status != "rejected":
        raise Conflict("只有已驳回的申请可以申诉", field="claim_id")
    if len(repo.appeals_of(session, claim.id)) >= repo.count_rejections(session, claim.id):
        raise Conflict("每次驳回只能申诉一次，您已就本次驳回提出过申诉", field="claim_id")
    _check_window(session, claim)
    appeal = Appeal(claim_id=claim.id, reason=reason, status="open", filed_at=now())
    session.add(appeal)
    events.move(session, claim, "appealed", actor=scope.username, note=reason)
    session.flush()
    outbox.notify(session, claim.person_id, f"您对补贴申请（编号 {claim.id}）的申诉已受理，审核结果将另行通知。",
                  claim_id=claim.id)
    return appeal


def decide_appeal(session: Session, scope: Scope, appeal: Appeal, claim: Claim, *, overturn: bool,
                  note: str) -> Appeal:
    repo.require_staff(scope)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请写明申诉处理意见", field="note")
    if appeal.status != "open":
        raise Conflict("该申诉已处理", field="appeal_id")
    appeal.status = "overturned" if overturn else "upheld"
    appeal.decided_at = now()
    appeal.decision_note = note
    if overturn:
        events.move(session, claim, "review", actor=scope.username, note=f"申诉成立，重新审核：{note}", audited=True)
        body = f"您对补贴申请（编号 {claim.id}）的申诉成立，申请已退回重新审核。"
    else:
        events.move(session, claim, "rejected", actor=scope.username, note=f"申诉不成立，维持驳回：{note}",
                    audited=True)
        body = f"您对补贴申请（编号 {claim.id}）的申诉经复核不成立，维持驳回（{note}）。"
    audit.record(session, actor=scope.username, action="appeal_decided", entity="tradein_appeal",
                 entity_id=appeal.id, city_code=claim.city_code, detail={"status": appeal.status})
    outbox.notify(session, claim.person_id, body, claim_id=claim.id)
    session.flush()
    return appeal
