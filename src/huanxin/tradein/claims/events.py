"""A claim's status changes, each written down as a ClaimEvent (and audited where a person decided)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from huanxin.db import add_row
from huanxin.errors import Conflict
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.tradein.models import Claim, ClaimEvent

STATUS_LABELS = {
    "submitted": "已提交", "review": "待人工审核", "correction": "待补正", "approved": "审核通过（待发放）",
    "rejected": "已驳回", "appealed": "申诉中", "paying": "发放中", "paid": "已发放",
}
QUALIFICATION_LABELS = {"waiting": "候补排队中", "active": "有效", "used": "已使用", "expired": "已过期",
                        "cancelled": "已取消"}

ALLOWED = {
    None: {"submitted", "review", "approved", "rejected"},
    "submitted": {"review", "approved", "rejected"},
    "review": {"approved", "rejected", "correction"},
    "correction": {"review", "rejected"},
    "approved": {"paying", "rejected", "review"},
    "paying": {"paid", "approved", "rejected"},
    "rejected": {"appealed"},
    "appealed": {"rejected", "review"},
    "paid": set(),
}


def move(session: Session, claim: Claim, to_status: str, *, actor: str, note: str = "",
         audited: bool = False, detail: dict[str, Any] | None = None) -> None:
    current = claim.status if claim.id is not None and claim.status else None
    if to_status not in ALLOWED.get(current, set()):
        raise Conflict(f"申请当前状态为“{STATUS_LABELS.get(current or '', current)}”，"
                       f"不能变为“{STATUS_LABELS.get(to_status, to_status)}”", field="status")
    claim.status = to_status
    add_row(session, ClaimEvent, {"claim_id": claim.id, "from_status": current, "to_status": to_status,
                                  "note": note[:2000], "actor": actor[:60], "at": now()})
    if audited:
        audit.record(session, actor=actor, action=f"claim_{to_status}", entity="tradein_claim", entity_id=claim.id,
                     city_code=claim.city_code, detail={"from": current, "note": note[:500], **(detail or {})})
