"""Fraud signals computed for a claim at redemption (核销), inside the claim's own transaction.

Each signal is a small named function that returns at most one `Signal`: a rule code, a score in
(0, 1) and an explanation in Chinese that carries the numbers a reviewer needs. `assess` runs them
all, writes one `FraudFlag` per signal that fired, and sets `claim.fraud_score` to the combined
score 1 − Π(1 − score_i). The caller routes a claim with any flag to manual review.

Thresholds are the constants of tradein.fraud.thresholds; `docs/tradein-fraud.md` explains each one.
The signals are in tradein.fraud.signals, what they read about a batch in tradein.fraud.batch.

Cost: assess runs at peak load, for a whole redemption batch at once (`assess_many`): each
signal reads what it needs for every claim of the batch in one query (an aggregate where it only
counts), bounded by an index: the reference price is one unique-index lookup per model; the
shared phone/address/card signals go through the person hash indexes; consecutive serials and
invoices through the stored keys' indexes per retailer; the retailer's 28-day baseline is
computed once per retailer per day and cached in the process. A device signature (a JSON input,
rare) is one query per claim that has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.db import add_row
from huanxin.kit.clock import aware, now
from huanxin.tradein.fraud.batch import Batch, clear_caches
from huanxin.tradein.fraud.signals import SIGNALS, combine
from huanxin.tradein.fraud.thresholds import (
    INVOICE_BEFORE_QUALIFICATION_SCORE,
    INVOICE_SAME_SCORE,
    VELOCITY_SCORE,
)
from huanxin.tradein.models import Claim, FraudFlag, RetailerStatusChange
from huanxin.tradein.retailers import admission as retailers

__all__ = [
    "INVOICE_BEFORE_QUALIFICATION_SCORE", "INVOICE_SAME_SCORE", "RULE_LABELS", "VELOCITY_SCORE",
    "assess", "assess_many", "clear_caches", "combine", "flag_view", "flags_for_claim", "retailer_history",
]

RULE_LABELS = {
    "price_above_band": "价格高于冻结参考价",
    "shared_phone": "多人共用手机号",
    "shared_address": "多人共用地址",
    "shared_card": "多人共用银行卡",
    "shared_device": "多人共用设备或连号商品",
    "retailer_velocity": "经营主体核销量异常",
    "reused_invoice": "发票重复或异常",
    "price_just_below_cap": "价格恰低于上限",
}


# ---- the entry points used by the claims service -----------------------------------------------

def assess(session: Session, claim: Claim) -> list[FraudFlag]:
    """Computes every applicable signal for this claim, adds a FraudFlag per signal that fired,
    sets claim.fraud_score (combined) and returns the flags. Assessing again (after a correction)
    does not duplicate a flag with the same rule and explanation."""
    return assess_many(session, [claim])[0]


def assess_many(session: Session, claims: Sequence[Claim], *, unwritten: bool = False) -> list[list[FraudFlag]]:
    """`assess` for a batch of claims submitted together (a redemption batch), with one query per
    signal for the whole batch instead of one per claim. The claims of a batch are simultaneous:
    each counts the others as already submitted, and each signal's window ends at the batch's
    latest submission.

    `unwritten`: new claims not in the database yet, their ids reserved (db.reserve_ids), so that
    each is written once with the status its checks decide rather than written and then updated.
    The counts add them to what the queries find, and their flags are handed to db.add_row, to be
    written after them (inside db.deferred_inserts)."""
    if not claims:
        return []
    if not unwritten and any(c.id is None for c in claims):
        session.flush()
    batch = Batch(session, list(claims), unwritten=unwritten)
    existing = {} if unwritten else {(f.claim_id, f.rule, f.explanation): f for f in session.scalars(
        select(FraudFlag).where(FraudFlag.claim_id.in_([c.id for c in claims])))}
    at = now()
    out: list[list[FraudFlag]] = []
    for claim in claims:
        signals = [s for check in SIGNALS if (s := check(batch, claim)) is not None]
        claim.fraud_score = combine([s.score for s in signals])
        flags = []
        for signal in signals:
            flag = existing.get((claim.id, signal.rule, signal.explanation))
            if flag is None:
                values = {"claim_id": claim.id, "rule": signal.rule, "score": round(signal.score, 4),
                          "explanation": signal.explanation, "at": at}
                flag = FraudFlag(**values)
                if unwritten:
                    add_row(session, FraudFlag, values)
                else:
                    session.add(flag)
            flags.append(flag)
        out.append(flags)
    return out



# ---- the reviewer's view ---------------------------------------------------------------------

def flags_for_claim(session: Session, claim_id: int) -> list[FraudFlag]:
    return list(session.scalars(select(FraudFlag).where(FraudFlag.claim_id == claim_id)
                                .order_by(FraudFlag.score.desc(), FraudFlag.id)))


def flag_view(flag: FraudFlag) -> dict[str, Any]:
    return {"id": flag.id, "claim_id": flag.claim_id, "rule": flag.rule,
            "label": RULE_LABELS.get(flag.rule, flag.rule), "score": flag.score,
            "explanation": flag.explanation, "at": aware(flag.at).isoformat()}


def retailer_history(session: Session, retailer_id: int) -> list[RetailerStatusChange]:
    """The retailer's status history (admission, suspension, reinstatement, expulsion), for the
    reviewer's page next to the flags; the same as retailers.retailer_history."""
    return retailers.retailer_history(session, retailer_id)
