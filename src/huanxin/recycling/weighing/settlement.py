"""Settlement: the recycler records that it paid the resident the accepted final total, once, with a
receipt; and the receipt as the resident and the recycler read it.

- The payment is recorded after the resident accepted (booking.accepted), by any of the
  recycler's users; method cash or transfer (bank or wallet transfer made by the recycler). A payment
  by the platform itself would move money through the ledger: not offered yet.
- The Idempotency-Key (API header, or the form's hidden key) is claimed in the same transaction as
  the work (the settlement's unique key per city, and one settlement per booking): the same key
  again answers the same settlement; another key once the booking is settled is 409.
- The receipt number is the city, the day, and eight random characters: unique, and not guessable
  from another receipt.
- weighed → settled through bookings.status.move (the outbox message names the amount and the
  receipt); a 送新收旧 booking's claim gets the receipt as its hand-in proof (tradein.claims.handin).
- A zero total is settled by the weighing itself (`settle_free`): nothing to accept, nothing paid."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import CHINA, now
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.bookings import status
from huanxin.recycling.models import Booking, Settlement, Weighing
from huanxin.recycling.weighing import service as weighing
from huanxin.tradein.claims import handin

METHODS: dict[str, str] = {"cash": "现金", "transfer": "转账"}
METHOD_LABELS: dict[str, str] = {**METHODS, "platform": "平台支付", "none": "无需支付（无偿交售）"}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def receipt_number(city_code: str) -> str:
    day = now().astimezone(CHINA)
    return f"HX{city_code}{day:%y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def settlement_of(session: Session, booking: Booking) -> Settlement | None:
    return session.scalar(select(Settlement).where(Settlement.booking_id == booking.id))


def settle(session: Session, scope: Scope, booking_id: int, *, method: str, idempotency_key: str) -> Settlement:
    """Records the payment of an accepted booking (see the module docstring)."""
    return settle_or_replay(session, scope, booking_id, method=method, idempotency_key=idempotency_key)[0]


def settle_or_replay(session: Session, scope: Scope, booking_id: int, *, method: str,
                     idempotency_key: str) -> tuple[Settlement, bool]:
    """As `settle`, and whether the settlement was found (a replay of the same key) rather than made."""
    repo.recycler_unit(scope)
    key = idempotency_key.strip()
    if not key:
        raise InvalidInput("缺少 Idempotency-Key：结算必须带幂等键", field="Idempotency-Key")
    if len(key) > 64:
        raise InvalidInput("Idempotency-Key 不能超过64个字符", field="Idempotency-Key")
    booking = repo.get_booking(session, scope, booking_id, lock=True)  # another recycler's: 404
    done = settlement_of(session, booking)
    if done is not None:
        if done.idempotency_key == key:
            return done, True  # the same submission again: the same settlement
        raise Conflict(f"该预约已结算（凭证号{done.receipt_no}），不能重复结算", field="Idempotency-Key")
    if method not in METHODS:
        raise InvalidInput("支付方式只能是现金或转账", field="method")
    if booking.status != "weighed":
        raise Conflict(f"预约当前为“{status.STATUS_LABELS[booking.status]}”，称重并经居民确认后才能结算",
                       field="status")
    if booking.accepted is not True:
        raise Conflict("居民尚未确认最终报价，不能结算", field="status")
    other = session.scalar(select(Settlement.id).where(Settlement.city_code == booking.city_code,
                                                       Settlement.idempotency_key == key))
    if other is not None:
        raise Conflict("该幂等键（Idempotency-Key）已用于其他预约的结算", field="Idempotency-Key")
    return _record(session, scope, booking, method=method, key=key), False


def settle_free(session: Session, scope: Scope, booking: Booking) -> Settlement:
    """A zero total: the booking is settled by the weighing, with a receipt and no payment."""
    return _record(session, scope, booking, method="none", key=f"free-{booking.id}")


def _record(session: Session, scope: Scope, booking: Booking, *, method: str, key: str) -> Settlement:
    amount = booking.final_total_fen or 0
    row = Settlement(city_code=booking.city_code, booking_id=booking.id, amount_fen=amount, method=method,
                     receipt_no=receipt_number(booking.city_code), idempotency_key=key,
                     paid_by_user_id=scope.user_id, paid_at=now())
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent twin settled it first
        raise Conflict("该预约已结算，不能重复结算", field="Idempotency-Key") from None
    audit.record(session, actor=scope.username, action="recycling.settlement", entity="recycling_settlement",
                 entity_id=row.id, city_code=booking.city_code,
                 detail={"booking_id": booking.id, "amount_fen": amount, "method": method,
                         "receipt_no": row.receipt_no})
    status.move(session, booking, "settled", actor_user_id=scope.user_id, actor=scope.username,
                note=f"{METHOD_LABELS[method]}{amount / 100:.2f}元，凭证号{row.receipt_no}", receipt=row.receipt_no)
    if booking.claim_id is not None:
        handin.record_recycling_receipt(session, city_code=booking.city_code, claim_id=booking.claim_id,
                                        receipt_no=row.receipt_no, actor=scope.username,
                                        pickup_no=status.booking_no(booking))
    return row


# ---- the receipt ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    booking: Booking
    settlement: Settlement
    lines: list[Weighing]
    booking_no: str
    method_label: str

    @property
    def reasons(self) -> list[str]:
        return [t for w in self.lines for t in w.requote_reason.splitlines() if t]


def receipt(session: Session, scope: Scope, booking_id: int) -> Receipt:
    """The receipt of a settled booking, for whoever may read the booking (404 before settlement)."""
    booking = repo.get_booking(session, scope, booking_id)
    row = settlement_of(session, booking)
    if row is None:
        raise NotFound("该预约尚未结算，没有回收凭证")
    return Receipt(booking, row, weighing.weighings_of(session, booking), status.booking_no(booking),
                   METHOD_LABELS.get(row.method, row.method))
