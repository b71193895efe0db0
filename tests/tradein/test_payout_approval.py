"""Four eyes on every payment instruction: the member of staff who makes a payout batch cannot
release it; another approves it before the bank's file can be downloaded or its result applied."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import City, T, holder, resident, setup_city

from huanxin.kit.audit import AuditRecord
from huanxin.tradein.claims import redemption
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.qualifications import lifecycle as qualification


def _batch(client: TestClient, db: Session) -> tuple[City, dict[str, Any]]:
    city = setup_city(db)
    _, person = resident(db, city, name="李四")
    q = qualification.claim_qualification(db, programme=city.programmes["appliance-2025"], person=person,
                                          category="refrigerator", actor="t", at=T)
    purchase = Purchase(category="refrigerator", price_fen=5000_00, invoice_no=f"INV-A-{q.id}",
                        invoice_date=T.date(), brand="海尔", model="BCD-470", efficiency_grade=1,
                        serial=f"SN-A-{q.id}")
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id, purchase,
                              holder_id_hash=holder(db, q), at=T + dt.timedelta(days=1))
    assert claim.status == "approved", claim.decision
    made = client.post("/api/v1/tradein/payout-batches", json={"claim_ids": [claim.id]},
                       headers={**api_token(client, city.reviewer_user), "Idempotency-Key": uuid.uuid4().hex})
    assert made.status_code == 201, made.text
    return city, made.json()


def _approve(client: TestClient, user: str, batch_id: int) -> Any:
    return client.post(f"/api/v1/tradein/payout-batches/{batch_id}/approve",
                       headers={**api_token(client, user), "Idempotency-Key": uuid.uuid4().hex})


def test_the_maker_cannot_release_the_batch_and_nothing_goes_to_the_bank_before_approval(
        client: TestClient, db: Session) -> None:
    city, batch = _batch(client, db)
    maker = api_token(client, city.reviewer_user)
    assert batch["status"] == "created" and batch["approved_by"] is None
    refused = _approve(client, city.reviewer_user, batch["id"])
    assert refused.status_code == 403 and "生成人不能复核" in refused.json()["error"]
    early = client.get(f"/api/v1/tradein/payout-batches/{batch['id']}/file", headers=maker)
    assert early.status_code == 409 and "尚未复核" in early.json()["error"]
    result = client.post(f"/api/v1/tradein/payout-batches/{batch['id']}/result",
                         headers={**maker, "Idempotency-Key": uuid.uuid4().hex},
                         files={"file": ("r.csv", "申请编号,金额（分）,状态,银行流水号,原因\n".encode(), "text/csv")})
    assert result.status_code == 409
    assert not db.scalars(select(AuditRecord).where(AuditRecord.action == "payout_file_downloaded")).all()


def test_another_member_of_staff_approves_once_and_the_file_follows(client: TestClient, db: Session) -> None:
    city, batch = _batch(client, db)
    approved = _approve(client, city.office_user, batch["id"])
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["approved_by"] == city.office_user
    again = _approve(client, city.office_user, batch["id"])
    assert again.status_code == 409
    file = client.get(f"/api/v1/tradein/payout-batches/{batch['id']}/file",
                      headers=api_token(client, city.reviewer_user))
    assert file.status_code == 200 and "李四" in file.content.decode("utf-8-sig")
    record = db.scalar(select(AuditRecord).where(AuditRecord.action == "payout_batch_approved",
                                                 AuditRecord.entity_id == str(batch["id"])))
    assert record is not None and record.actor == city.office_user


def test_another_citys_staff_cannot_approve(client: TestClient, db: Session) -> None:
    _, batch = _batch(client, db)
    stranger = setup_city(db, "510400")
    assert _approve(client, stranger.office_user, batch["id"]).status_code == 404
