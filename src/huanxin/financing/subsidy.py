"""The interest subsidy's money, all of it through the ledger (only the ledger writes money):
the city funds a 贴息 pool; each quarter the office pre-allocates a loan's scheduled amount to its
bank (a ledger reservation whose key is loan + quarter, so a retry never reserves twice), then
settles on the actual interest the bank deducted (post the actual; the ledger voids the rest),
and a settled payment found wrong is corrected by a reversing entry (ledger.correct). The ledger
refuses what would go negative, with its own message."""

from __future__ import annotations

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput, NotFound
from huanxin.financing import repository as repo
from huanxin.financing import schedule
from huanxin.financing.models import Loan, SubsidyPayment
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.ledger import service as ledger_service
from huanxin.ledger.models import Pool
from huanxin.orgs.scope import Scope

PROGRAMME = "interest_subsidy"
POOL_NAME = "设备更新贷款贴息"
# 财金〔2024〕54号: the central budget bears the subsidy; a city that adds its own picks "city".
DEFAULT_SOURCE = "central"
STATUS_LABELS = {"reserved": "已预拨", "settled": "已结算", "voided": "已释放", "corrected": "已更正冲回"}


def _key(loan_id: int, quarter: str, step: str, attempt: int = 1) -> str:
    """The ledger key of a step: loan + quarter, so a retry is the same transfer; a quarter paid
    again after a void or correction gets the attempt's number."""
    suffix = "" if attempt == 1 else f":{attempt}"
    return f"financing:subsidy:{loan_id}:{quarter}:{step}{suffix}"


def _source(fund_source: str) -> str:
    source = fund_source or DEFAULT_SOURCE
    if source not in ledger_service.FUND_SOURCES:
        raise InvalidInput("资金来源应为中央、省级、市级或县级资金", field="fund_source")
    return source


def subsidy_pool(session: Session, city_code: str, fund_source: str = DEFAULT_SOURCE, *,
                 actor: str = "system") -> Pool:
    source = _source(fund_source)
    found = ledger_service.pool_for(session, city_code=city_code, programme_code=PROGRAMME, region_code=city_code,
                                    fund_source=source)
    if found is not None:
        return found
    label = ledger_service.FUND_SOURCES[source]
    return ledger_service.create_pool(session, city_code=city_code, programme_code=PROGRAMME, region_code=city_code,
                                      fund_source=source, tranche=1, name=f"{POOL_NAME}·{label}", actor=actor)


def fund_pool(session: Session, scope: Scope, amount_fen: int, *, key: str, fund_source: str = DEFAULT_SOURCE,
              memo: str = "") -> Pool:
    scope.require_office()
    pool = subsidy_pool(session, scope.city_code, fund_source, actor=scope.username)
    ledger_service.fund(session, pool, amount_fen, key=f"financing:fund:{scope.user_id}:{key}",
                        actor=scope.username, memo=memo or "贴息资金下达")
    return pool


def _quarter(quarter: str) -> str:
    try:
        schedule.quarter_bounds(quarter)
    except (ValueError, IndexError):
        raise InvalidInput("季度格式应为“2025Q1”", field="quarter") from None
    if len(quarter) != 6 or quarter[4] != "Q" or quarter[5] not in "1234":
        raise InvalidInput("季度格式应为“2025Q1”", field="quarter")
    return quarter


def scheduled_amount(session: Session, loan: Loan, quarter: str) -> int:
    return sum(r.amount_fen for r in repo.schedule_of(session, loan.id) if r.quarter == quarter)


def preallocate(session: Session, scope: Scope, loan_id: int, quarter: str,
                fund_source: str = DEFAULT_SOURCE) -> SubsidyPayment:
    """Reserve the quarter's scheduled subsidy for the loan's bank. Again for the same quarter
    answers the same payment (the ledger key is loan + quarter); a quarter released or corrected
    (after an early repayment, say) is pre-allocated again as its next attempt."""
    scope.require_office()
    quarter = _quarter(quarter)
    loan, _ = repo.visible_loan(session, scope, loan_id, for_update=True)
    payment = repo.payment_for(session, loan.id, quarter, for_update=True)
    if payment is not None and payment.status in ("reserved", "settled"):
        return payment
    amount = scheduled_amount(session, loan, quarter)
    if amount <= 0:
        raise InvalidInput(f"该贷款{quarter}没有应付贴息", field="quarter")
    pool = subsidy_pool(session, loan.city_code, fund_source, actor=scope.username)
    attempt = payment.attempt + 1 if payment is not None else 1
    key = _key(loan.id, quarter, "reserve", attempt)
    ledger_service.reserve(session, pool, amount, key=key, ref=f"financing_loan:{loan.id}", actor=scope.username)
    at = now()
    if payment is None:
        payment = SubsidyPayment(city_code=loan.city_code, loan_id=loan.id, bank_unit_id=loan.bank_unit_id,
                                 quarter=quarter, created_at=at)
        session.add(payment)
    # The row tracks the quarter's current attempt; every earlier movement stays in the ledger.
    payment.attempt, payment.pool_id, payment.planned_fen, payment.reserve_key = attempt, pool.id, amount, key
    payment.actual_fen, payment.post_key, payment.status, payment.updated_at = None, None, "reserved", at
    session.flush()
    audit.record(session, actor=scope.username, action="financing.subsidy.preallocate", entity="financing_loan",
                 entity_id=loan.id, city_code=loan.city_code, detail={"quarter": quarter, "amount_fen": amount})
    return payment


def _payment(session: Session, scope: Scope, loan_id: int, quarter: str) -> SubsidyPayment:
    scope.require_office()
    loan, _ = repo.visible_loan(session, scope, loan_id, for_update=True)
    payment = repo.payment_for(session, loan.id, _quarter(quarter), for_update=True)
    if payment is None:
        raise NotFound(f"该贷款{quarter}尚未预拨贴息")
    return payment


def settle(session: Session, scope: Scope, loan_id: int, quarter: str, actual_fen: int | None = None) -> SubsidyPayment:
    """Pay the actual subsidy (default: the pre-allocated amount); the ledger releases the rest.
    An actual of 0 releases it all."""
    payment = _payment(session, scope, loan_id, quarter)
    if payment.status != "reserved":
        if payment.status == "settled" and actual_fen in (None, payment.actual_fen):
            return payment  # a retry of the same settlement
        raise Conflict(f"{quarter}贴息{STATUS_LABELS[payment.status]}，不能再结算", field="actual_fen")
    actual = payment.planned_fen if actual_fen is None else actual_fen
    if actual < 0:
        raise InvalidInput("实际贴息金额不能为负", field="actual_fen")
    if actual > payment.planned_fen:
        raise InvalidInput("实际贴息金额超过预拨金额", field="actual_fen")
    pending = ledger_service.transfer_by_key(session, payment.reserve_key)
    if pending is None:
        raise Conflict("账本中找不到该季度的预拨记录", field="quarter")
    if actual == 0:
        ledger_service.void(session, pending, key=_key(payment.loan_id, payment.quarter, "void", payment.attempt),
                            actor=scope.username)
        payment.status = "voided"
    else:
        post_key = _key(payment.loan_id, payment.quarter, "post", payment.attempt)
        ledger_service.post(session, pending, actual, key=post_key, actor=scope.username)
        payment.status, payment.post_key = "settled", post_key
    payment.actual_fen, payment.updated_at = actual, now()
    session.flush()
    audit.record(session, actor=scope.username, action="financing.subsidy.settle", entity="financing_loan",
                 entity_id=payment.loan_id, city_code=payment.city_code,
                 detail={"quarter": payment.quarter, "actual_fen": actual})
    return payment


def correct(session: Session, scope: Scope, loan_id: int, quarter: str, memo: str) -> SubsidyPayment:
    """A settled payment the bank returned: a reversing entry back to the pool, never an edit."""
    payment = _payment(session, scope, loan_id, quarter)
    if payment.status != "settled" or payment.post_key is None:
        raise Conflict("只能更正已结算的贴息", field="memo")
    posted = ledger_service.transfer_by_key(session, payment.post_key)
    if posted is None:
        raise Conflict("账本中找不到该季度的拨付记录", field="quarter")
    ledger_service.correct(session, posted, key=_key(payment.loan_id, payment.quarter, "correct", payment.attempt),
                           actor=scope.username, memo=memo.strip())
    payment.status, payment.updated_at = "corrected", now()
    session.flush()
    return payment


def payments_of(session: Session, loan_id: int) -> list[SubsidyPayment]:
    return repo.payments_of(session, [loan_id])


def pool_balances(session: Session, city_code: str) -> list[tuple[Pool, ledger_service.PoolBalance]]:
    pools = ledger_service.pools_of(session, city_code, PROGRAMME)
    balances = ledger_service.pool_balances(session, pools)
    return [(p, balances[p.id]) for p in pools]
