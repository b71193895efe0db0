"""The old item's hand-in proven by a recycler (送新收旧): when the recycling pickup linked to a claim is
settled, its receipt number becomes the claim's 旧机回收证明 (proof kind `recycling_cert`).

The receipt is the platform's own record of the hand-in, so it is the proof: a number typed at
the till before the pickup (a paper slip) is replaced by it, and the note says which. The receipt
number is a one-time identifier like any certificate (tradein_used_identifier), so it can never
prove a second claim. The claim keeps its status: a claim in review or waiting for correction is
decided by its reviewer, who now sees the proof in the claim's inputs and history; the trade-in
indicator feed counts an appliance claim as recycled once it carries this proof."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from huanxin.db import add_row, insert_unless_taken
from huanxin.errors import Conflict, NotFound
from huanxin.kit import audit, pii
from huanxin.kit.clock import now
from huanxin.tradein import outbox
from huanxin.tradein.models import Claim, ClaimEvent, UsedIdentifier

KIND = "recycling_cert"


@dataclass(frozen=True)
class HandIn:
    claim_id: int
    proof_no: str
    replaced: str | None  # the number the claim held before, when another


def needs_recycling_cert(claim: Claim) -> bool:
    """Whether the claim's decision names the recycling certificate among its required proofs."""
    return KIND in (claim.decision or {}).get("required_proofs", [])


def record_recycling_receipt(session: Session, *, city_code: str, claim_id: int, receipt_no: str,
                             actor: str, pickup_no: str) -> HandIn:
    """Writes the receipt number as the claim's recycling certificate (see the module docstring)."""
    claim = session.get(Claim, claim_id)
    if claim is None or claim.city_code != city_code:
        raise NotFound("未找到关联的以旧换新补贴申请")
    proofs = dict((claim.inputs or {}).get("proofs") or {})
    before = proofs.get(KIND)
    if before == receipt_no:
        return HandIn(claim.id, receipt_no, None)
    session.execute(delete(UsedIdentifier).where(UsedIdentifier.claim_id == claim.id, UsedIdentifier.kind == KIND))
    taken = insert_unless_taken(session, UsedIdentifier, {
        "kind": KIND, "value_hash": pii.keyed_hash(f"used:{KIND}", receipt_no), "claim_id": claim.id})
    if taken is None:
        raise Conflict(f"回收凭证号{receipt_no}已用于其他补贴申请", field="claim_id")
    proofs[KIND] = receipt_no
    claim.inputs = {**(claim.inputs or {}), "proofs": proofs}  # a new dict: JSON columns track assignment
    if claim.old_proof_kind in (None, KIND):
        claim.old_proof_kind, claim.old_proof_no = KIND, receipt_no
    note = f"旧机已由回收企业上门回收并结算（预约{pickup_no}），回收凭证号{receipt_no}作为旧机回收证明"
    if before:
        note += f"，替换原填写的凭证号{before}"
    add_row(session, ClaimEvent, {"claim_id": claim.id, "from_status": claim.status, "to_status": claim.status,
                                  "note": note, "actor": actor[:60], "at": now()})
    audit.record(session, actor=actor, action="claim_recycling_cert", entity="tradein_claim", entity_id=claim.id,
                 city_code=claim.city_code, detail={"proof_no": receipt_no, "replaced": before})
    outbox.notify(session, claim.person_id,
                  f"您的补贴申请（编号 {claim.id}）已收到旧机回收证明（凭证号{receipt_no}）。", claim_id=claim.id)
    session.flush()
    return HandIn(claim.id, receipt_no, before)
