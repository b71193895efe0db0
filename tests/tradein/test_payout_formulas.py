"""A resident whose name starts like a formula (=, @, +, -) reaches the bank's payout file as text:
the office opening the CSV in Excel sees the name, nothing runs."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import T, holder, resident, setup_city

from huanxin.kit.excel import FORMULA_TRIGGERS
from huanxin.tradein.claims import redemption
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.payouts import batches as payouts
from huanxin.tradein.qualifications import lifecycle as qualification

NAMES = ['=HYPERLINK("http://evil.example","领取")', "@SUM(1+1)*cmd|'/Ccalc'!A0", "+1+cmd|'/Ccalc'!A0",
         "-2+3+cmd|'/Ccalc'!A0"]


@pytest.mark.parametrize("name", NAMES)
def test_formula_like_resident_name_is_text_in_the_bank_payout_file(
    client: TestClient, db: Session, name: str,
) -> None:
    city = setup_city(db)
    _, person = resident(db, city, name=name)
    q = qualification.claim_qualification(db, programme=city.programmes["appliance-2025"], person=person,
                                          category="refrigerator", actor="t", at=T)
    purchase = Purchase(category="refrigerator", price_fen=5000_00, invoice_no=f"INV-F-{q.id}",
                        invoice_date=T.date(), brand="海尔", model="BCD-470", efficiency_grade=1,
                        serial=f"SN-F-{q.id}")
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id, purchase,
                              holder_id_hash=holder(db, q), at=T + dt.timedelta(days=1))
    assert claim.status == "approved", claim.decision
    batch = payouts.create_batch(db, city.scope(db, city.office_user), claim_ids=[claim.id])
    payouts.approve(db, city.scope(db, city.reviewer_user), batch)
    response = client.get(f"/api/v1/tradein/payout-batches/{batch.id}/file",
                          headers=api_token(client, city.office_user))
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    line = next(r for r in rows[1:] if r[1] == str(claim.id))
    assert line[2] == "'" + name  # the name, shown as typed, behind the apostrophe that keeps it text
    assert not [field for row in rows for field in row if field[:1] in FORMULA_TRIGGERS]
    assert line[6] == str(claim.amount_fen)  # amounts stay plain numbers
