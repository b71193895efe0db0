"""A generated claim's life after it is filed: events, flags, payout, appeal, and its money."""

from __future__ import annotations

import datetime as dt
from typing import Any

from huanxin.tradein import money
from huanxin.tradein.claims import evaluation
from huanxin.tradein.demo.ledger import _at
from huanxin.tradein.demo.purchases import (
    Product,
    _event_rows,
    _ref_price,
    _yuan,
)
from huanxin.tradein.demo.specs import (
    APPEAL_REASONS,
    BANK_FAILURES,
    BATCH_NOTE,
    CORRECTION_NOTES,
    FLAG_RULES,
    REFERENCE_WINDOW,
    REVIEW_REJECT_REASONS,
    Resident,
    Shop,
)
from huanxin.tradein.demo.state import _State
from huanxin.tradein.models import (
    Programme,
)
from huanxin.tradein.rules.model import Decision


class _Lifecycle(_State):
    """The claim generator's events, flags, payouts and claim money."""

    def _lifecycle(self, row: dict[str, Any], status: str, decision: Decision, flagged_price: bool,
                   product: Product, shop: Shop, person: Resident) -> None:
        """The claim's events, flags, payout line, appeal and the last message the resident got."""
        rng = self.rng
        cid, at = row["id"], row["submitted_at"]
        retailer_user = shop.username
        events: list[tuple[str | None, str, str, str, dt.datetime]] = [(None, "submitted", "", retailer_user, at)]
        label = evaluation.category_label(self.rules_code(row), row["category"])
        amount = _yuan(row["amount_fen"])
        t = at + dt.timedelta(seconds=1)
        if not decision.eligible:
            reasons = list(decision.reasons) or ["不符合补贴条件"]
            events.append(("submitted", "rejected", "；".join(reasons), retailer_user, t))
            row["decided_at"] = t
            row["decision"] = {**row["decision"], "rejection_reasons": reasons}
            self._notify(person.id, cid, t, f"您的补贴申请（编号 {cid}）已驳回（原因：{'；'.join(reasons)}）。"
                                            f"如有异议，可在平台提交申诉。")
            if status == "appealed":  # never for a rules rejection: kept simple
                pass
            self.rows.events.extend(_event_rows(cid, events))
            return
        reviewed = status in ("review", "correction", "rejected", "upheld", "appealed") or rng.random() < 0.01
        if reviewed:
            flags = self._flags(row, flagged_price, product, shop)
            note = "；".join(f["explanation"] for f in flags)
            events.append(("submitted", "review", f"风险提示，转人工审核：{note}", retailer_user, t))
            prev = "review"
        else:
            events.append(("submitted", "approved", "自动审核通过", retailer_user, t))
            row["decided_at"] = t
            prev = "approved"
        review_at = min(at + dt.timedelta(hours=rng.randint(2, 30)), self.now - dt.timedelta(minutes=30))
        if status == "correction":
            events.append(("review", "correction", rng.choice(CORRECTION_NOTES), self.reviewer, review_at))
            self._notify(person.id, cid, review_at, f"您的补贴申请（编号 {cid}）需补正：{events[-1][2]}。")
        elif status in ("rejected", "upheld", "appealed"):
            reason = rng.choice(REVIEW_REJECT_REASONS)
            events.append(("review", "rejected", reason, self.reviewer, review_at))
            row["decided_at"] = review_at
            row["decision"] = {**row["decision"], "rejection_reasons": [reason]}
            self._notify(person.id, cid, review_at, f"您的补贴申请（编号 {cid}）已驳回（原因：{reason}）。"
                                                    f"如有异议，可在平台提交申诉。")
            if status in ("upheld", "appealed"):
                filed = min(review_at + dt.timedelta(days=1), self.now - dt.timedelta(minutes=20))
                events.append(("rejected", "appealed", rng.choice(APPEAL_REASONS), "resident", filed))
                appeal = {"claim_id": cid, "reason": events[-1][2], "status": "open", "filed_at": filed,
                          "decided_at": None, "decision_note": None}
                if status == "upheld":
                    decided = filed + dt.timedelta(days=3)
                    events.append(("appealed", "rejected", "申诉复核：维持原驳回决定", self.reviewer, decided))
                    appeal.update(status="upheld", decided_at=decided, decision_note="经复核，维持原驳回决定")
                self.rows.appeals.append(appeal)
        elif status == "review":
            pass
        else:
            if prev == "review":
                events.append(("review", "approved", "人工审核通过", self.reviewer, review_at))
                row["decided_at"] = review_at
            approved_at = events[-1][4]
            if status != "paid" or person in self.residents[:5]:
                # settled history keeps the resident's last message (已发放); live claims all of them
                self._notify(person.id, cid, approved_at,
                             f"{label}补贴申请（编号 {cid}）已核销成功，补贴 {amount} 元，审核通过，待发放。")
            if status in ("paid", "paying") or (status == "approved" and rng.random() < 0.15
                                                and (self.on - row["invoice_date"]).days > 20):
                self._payout(row, events, status, approved_at, person)
        self.rows.events.extend(_event_rows(cid, events))

    def _payout(self, row: dict[str, Any], events: list[Any], status: str, approved_at: dt.datetime,
                person: Resident) -> None:
        """Weekly batches (reconciled) for paid claims and failed payments; this week's batch
        (sent to the bank, not yet reconciled) for those paying."""
        rng = self.rng
        cid = row["id"]
        if status == "paying":
            batch_day = self.on - dt.timedelta(days=2)
        else:
            day = approved_at.date()
            batch_day = day + dt.timedelta(days=7 - day.weekday())
            if batch_day + dt.timedelta(days=2) >= self.on:
                batch_day = day + dt.timedelta(days=1)
        batch = self._batch(batch_day, reconciled=status != "paying")
        created = batch["created_at"]
        if created <= approved_at:
            created = approved_at + dt.timedelta(minutes=5)
        events.append(("approved", "paying", f"{BATCH_NOTE}{batch['id']}", self.reviewer, created))
        line = {"batch_id": batch["id"], "claim_id": cid, "amount_fen": row["amount_fen"], "status": "sent",
                "bank_ref": None, "failure_reason": None}
        batch["count"] += 1
        batch["total_fen"] += row["amount_fen"]
        settled = min(created + dt.timedelta(days=2), self.now - dt.timedelta(minutes=10))
        if status == "paid":
            ref = f"B{settled:%Y%m%d}{cid:08d}"
            line.update(status="paid", bank_ref=ref)
            events.append(("paying", "paid", f"银行流水号 {ref}", self.reviewer, settled))
            row["paid_at"] = settled
            self._notify(person.id, cid, settled, f"您的以旧换新补贴（申请编号 {cid}）已发放 "
                                                  f"{_yuan(row['amount_fen'])} 元，请注意查收。")
        elif status == "approved":  # the bank refused it; it waits for the next batch
            reason = rng.choice(BANK_FAILURES)
            line.update(status="failed", failure_reason=reason)
            events.append(("paying", "approved", f"银行发放失败：{reason}", self.reviewer, settled))
            self._notify(person.id, cid, settled, f"您的补贴（申请编号 {cid}）发放失败（{reason}），"
                                                  "请核对本人银行卡信息，将在下一批次重新发放。")
        self.rows.lines.append(line)

    def _batch(self, day: dt.date, *, reconciled: bool) -> dict[str, Any]:
        key = (self.city.code, day, reconciled)
        batch = self.rows.batches.get(key)
        if batch is None:
            created = min(_at(day, 10), self.now - dt.timedelta(hours=2))
            batch = {"id": next(self.ids.batch), "city_code": self.city.code, "created_at": created,
                     "status": "reconciled" if reconciled else "created", "count": 0, "total_fen": 0,
                     "file_name": f"payout-{self.city.code}-{created:%Y%m%d%H%M%S}.csv", "created_by": self.reviewer}
            self.rows.batches[key] = batch
        return batch

    def _flags(self, row: dict[str, Any], flagged_price: bool, product: Product, shop: Shop) -> list[dict[str, Any]]:
        rng = self.rng
        found = []
        ref = _ref_price(product) if flagged_price else None
        if ref and product.price_fen > ref * 1.1:
            above = product.price_fen / ref - 1
            score = min(0.9, 0.5 + (above - 0.10))
            found.append(("price_above_band", score,
                          f"型号{product.model}冻结参考价{_yuan(ref)}元（{REFERENCE_WINDOW[0]}，价格样本的中位数），"
                          f"本次成交价{_yuan(product.price_fen)}元，高出{above * 100:.1f}%，超过允许浮动10%"))
        if not found:
            rule = rng.choice(sorted(FLAG_RULES))
            score, template = FLAG_RULES[rule]
            masked = "139****" + f"{rng.randint(0, 9999):04d}"
            found.append((rule, score, template.format(n=rng.randint(3, 7), masked=masked,
                                                       retailer=shop.name, x=rng.randint(5, 12))))
        out = []
        remaining = 1.0
        for rule, score, explanation in found:
            remaining *= 1 - score
            flag = {"claim_id": row["id"], "rule": rule, "score": round(score, 4), "explanation": explanation,
                    "at": row["submitted_at"] + dt.timedelta(seconds=1)}
            out.append(flag)
            self.rows.flags.append(flag)
        row["fraud_score"] = round(1 - remaining, 4)
        return out

    def _claim_money(self, programme: Programme, row: dict[str, Any], status: str, reserve: int,
                     shares: dict[str, float], decision: Decision, car: bool, day: dt.date) -> None:
        """Live: the qualification's pending reservation stays. Settled: aggregated per month."""
        amounts = dict(row["amounts_by_source"])
        final = row["status"]
        if final in ("approved", "paying", "review", "correction"):
            if car:  # never generated (no car programme is open in 2026); kept explicit
                raise AssertionError("car claims are generated settled")
            for source, amount in money.split(reserve, shares).items():
                self.money.live.append((programme.id, source, row["qualification_id"], amount,
                                        row["submitted_at"] - dt.timedelta(hours=1)))
            return
        if car:
            if final == "paid":
                self._settle(programme.id, day, amounts, amounts, count_key="paid")
            return  # a rejected car claim never reserved
        held = money.split(reserve, shares)
        self._settle(programme.id, day, held, amounts if final == "paid" else {},
                     count_key="paid" if final == "paid" else "voided")

    def _settle(self, programme_id: int, day: dt.date, held: dict[str, int], paid: dict[str, int], *,
                count_key: str) -> None:
        month = f"{day:%Y-%m}"
        for source, amount in held.items():
            agg = self.money.settled.setdefault((programme_id, source, month), {
                "reserved": 0, "paid": 0, "paid_count": 0, "voided": 0, "voided_count": 0, "voided_quals": 0,
                "day": day})
            agg["reserved"] += amount
            agg["paid"] += paid.get(source, 0)
            agg["day"] = max(agg["day"], day)
            agg[count_key if count_key != "paid" else "paid_count"] += 1
