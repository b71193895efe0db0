"""Payment in batches: a payout file for the paying bank (a sensitive download: real names and
cards, audited), and reconciliation of the bank's result file. A claim is paid at most once:
at most one of its payout lines is not failed (a partial unique index), and the ledger posts with
key post:claim:<id>:<source>. A batch is made by one member of staff and approved by another
before its file can be downloaded or its result applied (四眼原则). Each attempt is a line of its
own batch: a failed one stays there with the bank's reason, and the retry is a new line in a
later batch."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import audit, pii
from huanxin.kit.clock import now
from huanxin.kit.excel import safe_csv_writer
from huanxin.orgs.scope import Scope
from huanxin.tradein import money, outbox
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import events
from huanxin.tradein.models import Claim, PayoutBatch, PayoutLine, Person, Programme
from huanxin.tradein.residents import identity

PAYOUT_COLUMNS = ["序号", "申请编号", "收款人姓名", "身份证号", "收款银行卡号", "金额（元）", "金额（分）", "摘要"]
RESULT_COLUMNS = {  # header as the bank writes it → our name (English headers accepted too)
    "申请编号": "claim_id", "claim_id": "claim_id",
    "金额（分）": "amount_fen", "amount_fen": "amount_fen",
    "状态": "status", "status": "status",
    "银行流水号": "bank_ref", "bank_ref": "bank_ref",
    "原因": "reason", "reason": "reason",
}
REQUIRED_RESULT = ("claim_id", "amount_fen", "status", "bank_ref", "reason")
SUCCESS = {"成功", "success"}
FAILURE = {"失败", "failed", "failure"}
# A failure the bank reports for these reasons means the claim must not be paid: rejected.
REJECTING_REASONS = ("冒名", "涉嫌", "止付", "司法冻结")
MAX_BATCH = 5000


@dataclass(frozen=True)
class ReconcileResult:
    paid: int
    failed: int
    rejected: int
    unchanged: int
    batch_status: str


def create_batch(session: Session, scope: Scope, *, claim_ids: Sequence[int] | None = None,
                 limit: int = MAX_BATCH) -> PayoutBatch:
    """Puts approved claims with a bank card on record into a new batch (status paying)."""
    repo.require_staff(scope)
    if not 1 <= limit <= MAX_BATCH:
        raise InvalidInput(f"每批最多 {MAX_BATCH} 笔", field="limit")
    candidates = repo.payable_claims(session, scope.city_code, claim_ids, limit)
    if claim_ids is not None:
        missing = sorted(set(claim_ids) - {c.id for c in candidates})
        if missing:
            raise InvalidInput(f"申请 {missing[:10]} 不存在或不是“审核通过（待发放）”状态", field="claim_ids")
    claims: list[Claim] = []
    no_card: list[Claim] = []
    for claim in candidates:
        person = session.get(Person, claim.person_id)
        (claims if person is not None and person.bank_card_enc else no_card).append(claim)
    if claim_ids is not None and no_card:
        raise InvalidInput(f"申请 {[c.id for c in no_card][:10]} 的申请人尚未登记本人银行卡", field="claim_ids")
    if not claims:
        raise Conflict("没有可发放的申请（须为审核通过且申请人已登记本人银行卡）")
    stamp = now()
    batch = PayoutBatch(city_code=scope.city_code, created_at=stamp, status="created", count=len(claims),
                        total_fen=sum(c.amount_fen for c in claims),
                        file_name=f"payout-{scope.city_code}-{stamp:%Y%m%d%H%M%S}.csv", created_by=scope.username)
    session.add(batch)
    session.flush()
    for claim in claims:
        if any(line.status != "failed" for line in repo.lines_of_claim(session, claim.id)):
            raise Conflict(f"申请 {claim.id} 已在发放批次中，不能重复发放", field="claim_ids")
        session.add(PayoutLine(batch_id=batch.id, claim_id=claim.id, amount_fen=claim.amount_fen, status="sent"))
        events.move(session, claim, "paying", actor=scope.username, note=f"列入发放批次 {batch.id}")
    audit.record(session, actor=scope.username, action="payout_batch_created", entity="tradein_payout_batch",
                 entity_id=batch.id, city_code=scope.city_code,
                 detail={"count": batch.count, "total_fen": batch.total_fen})
    session.flush()
    return batch


def approve(session: Session, scope: Scope, batch: PayoutBatch) -> PayoutBatch:
    """The second person's check: staff of the city other than the batch's maker release it."""
    repo.require_staff(scope)
    session.execute(repo.for_update(session, select(PayoutBatch.id).where(PayoutBatch.id == batch.id)))
    session.refresh(batch)
    if batch.status != "created":
        raise Conflict("该发放批次已复核，无需再次复核")
    if batch.created_by == scope.username:
        raise Forbidden("发放批次须由另一名工作人员复核：生成人不能复核本人生成的批次")
    batch.status, batch.approved_by, batch.approved_at = "approved", scope.username, now()
    audit.record(session, actor=scope.username, action="payout_batch_approved", entity="tradein_payout_batch",
                 entity_id=batch.id, city_code=scope.city_code,
                 detail={"count": batch.count, "total_fen": batch.total_fen, "created_by": batch.created_by})
    session.flush()
    return batch


def _require_approved(batch: PayoutBatch) -> None:
    if batch.status == "created":
        raise Conflict("该发放批次尚未复核：须由生成人以外的工作人员复核后，才能下载发放文件或导入银行结果")


def payout_file(session: Session, scope: Scope, batch: PayoutBatch) -> bytes:
    """The bank's payment instruction: real names and card numbers (decrypted), so the download
    is audited. UTF-8 with BOM so Excel opens it in Chinese. Only once a second person approved."""
    _require_approved(batch)
    out = io.StringIO()
    # Names are what residents typed: a name like =HYPERLINK(…) must reach the bank as text.
    writer = safe_csv_writer(out)
    writer.writerow(PAYOUT_COLUMNS)
    lines = repo.lines_of_batch(session, batch.id)
    for n, line in enumerate(lines, start=1):
        claim = session.get(Claim, line.claim_id)
        assert claim is not None
        person = session.get(Person, claim.person_id)
        assert person is not None and person.bank_card_enc
        programme = session.get(Programme, claim.programme_id)
        writer.writerow([n, claim.id, identity.person_name(person), identity.person_id_number(person),
                         pii.decrypt(person.bank_card_enc), outbox.yuan(line.amount_fen), line.amount_fen,
                         f"以旧换新补贴 {programme.name if programme else ''} 申请{claim.id}"])
    audit.record(session, actor=scope.username, action="payout_file_downloaded", entity="tradein_payout_batch",
                 entity_id=batch.id, city_code=scope.city_code, detail={"lines": len(lines), "sensitive": True})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _parse_result(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput("结果文件无法识别编码，请使用 UTF-8 或 GB18030 编码的 CSV", field="file") from None
    reader = csv.reader(io.StringIO(text))
    rows = [r for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise InvalidInput("结果文件为空", field="file")
    header = [RESULT_COLUMNS.get(h.strip(), h.strip()) for h in rows[0]]
    missing = [name for name in REQUIRED_RESULT if name not in header]
    if missing:
        wanted = {"claim_id": "申请编号", "amount_fen": "金额（分）", "status": "状态", "bank_ref": "银行流水号",
                  "reason": "原因"}
        raise InvalidInput(f"结果文件缺少列：{'、'.join(wanted[m] for m in missing)}", field="file",
                           errors=[{"row": 1, "field": m, "message": f"缺少列“{wanted[m]}”"} for m in missing])
    return [{name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)} for row in rows[1:]]


def reconcile(session: Session, scope: Scope, batch: PayoutBatch, data: bytes) -> ReconcileResult:
    """Applies the bank's result file: 成功 → post the reservation, claim paid; 失败 → back to
    approved with the reason (the reservation stays), or rejected for reasons that forbid payment.
    Any malformed row (unknown claim, amount mismatch, duplicate line, bad status) is reported by
    row and nothing changes. Uploading the same file again changes nothing."""
    repo.require_staff(scope)
    _require_approved(batch)
    rows = _parse_result(data)
    # Two uploads of one result file must not both settle it: the second waits for the first's
    # row lock on the batch (PostgreSQL; SQLite serialises writers anyway), then reads its outcome.
    session.execute(repo.for_update(session, select(PayoutBatch.id).where(PayoutBatch.id == batch.id)))
    session.refresh(batch)
    lines = {line.claim_id: line for line in repo.lines_of_batch(session, batch.id)}
    for current in lines.values():
        session.refresh(current)
    errors: list[dict[str, object]] = []
    seen: set[int] = set()
    plan: list[tuple[PayoutLine, bool, str, str]] = []
    for n, row in enumerate(rows, start=2):
        def err(field: str, message: str, n: int = n) -> None:
            errors.append({"row": n, "field": field, "message": f"第 {n} 行：{message}"})
        try:
            claim_id = int(row["claim_id"])
        except ValueError:
            err("claim_id", f"申请编号“{row['claim_id']}”不是数字")
            continue
        line = lines.get(claim_id)
        if line is None:
            err("claim_id", f"申请编号 {claim_id} 不在本发放批次中")
            continue
        if claim_id in seen:
            err("claim_id", f"申请编号 {claim_id} 重复出现")
            continue
        seen.add(claim_id)
        try:
            amount = int(row["amount_fen"])
        except ValueError:
            err("amount_fen", f"金额（分）“{row['amount_fen']}”不是整数")
            continue
        if amount != line.amount_fen:
            err("amount_fen", f"申请 {claim_id} 的金额 {amount} 分与发放金额 {line.amount_fen} 分不一致")
            continue
        status = row["status"].strip()
        if status not in SUCCESS | FAILURE:
            err("status", f"状态“{status}”无效，须为“成功”或“失败”")
            continue
        ok = status in SUCCESS
        if ok and not row["bank_ref"]:
            err("bank_ref", f"申请 {claim_id} 发放成功但缺少银行流水号")
            continue
        if not ok and not row["reason"]:
            err("reason", f"申请 {claim_id} 发放失败但未写明原因")
            continue
        if line.status == "paid" and not ok:
            err("status", f"申请 {claim_id} 已确认发放成功，不能再改为失败")
            continue
        plan.append((line, ok, row["bank_ref"], row["reason"]))
    if errors:
        raise InvalidInput(f"结果文件有 {len(errors)} 处错误，未做任何变更：{errors[0]['message']}", field="file",
                           errors=errors)
    paid = failed = rejected = unchanged = 0
    for line, ok, bank_ref, reason in plan:
        claim = session.get(Claim, line.claim_id, populate_existing=True)
        assert claim is not None
        if line.status != "sent" or claim.status != "paying":
            unchanged += 1  # already reconciled by an earlier upload of this result
            continue
        if ok:
            _paid(session, scope, claim, line, bank_ref)
            paid += 1
        elif any(word in reason for word in REJECTING_REASONS):
            _failed(session, scope, claim, line, reason, bank_ref)
            programme = session.get(Programme, claim.programme_id)
            assert programme is not None
            from huanxin.tradein.claims import lifecycle as claims_service

            claims_service.reject_now(session, programme, claim, [f"银行退回：{reason}"], actor=scope.username,
                                      audited=True)
            rejected += 1
        else:
            _failed(session, scope, claim, line, reason, bank_ref)
            events.move(session, claim, "approved", actor=scope.username, note=f"银行发放失败：{reason}")
            outbox.notify(session, claim.person_id, f"您的补贴（申请编号 {claim.id}）发放失败（{reason}），"
                                                    f"请核对本人银行卡信息，将在下一批次重新发放。", claim_id=claim.id)
            failed += 1
    all_lines = repo.lines_of_batch(session, batch.id)
    batch.status = "reconciled" if all(x.status != "sent" for x in all_lines) else "approved"
    audit.record(session, actor=scope.username, action="payout_result_reconciled", entity="tradein_payout_batch",
                 entity_id=batch.id, city_code=scope.city_code,
                 detail={"paid": paid, "failed": failed, "rejected": rejected, "unchanged": unchanged})
    session.flush()
    return ReconcileResult(paid=paid, failed=failed, rejected=rejected, unchanged=unchanged,
                           batch_status=batch.status)


def _paid(session: Session, scope: Scope, claim: Claim, line: PayoutLine, bank_ref: str) -> None:
    money.post_claim(session, claim, actor=scope.username)
    line.status, line.bank_ref = "paid", bank_ref[:60]
    events.move(session, claim, "paid", actor=scope.username, note=f"银行流水号 {bank_ref}")
    claim.paid_at = now()
    outbox.notify(session, claim.person_id, f"您的以旧换新补贴（申请编号 {claim.id}）已发放 "
                                            f"{outbox.yuan(line.amount_fen)} 元，请注意查收。", claim_id=claim.id)


def _failed(session: Session, scope: Scope, claim: Claim, line: PayoutLine, reason: str, bank_ref: str) -> None:
    line.status, line.failure_reason, line.bank_ref = "failed", reason[:200], (bank_ref or None)
