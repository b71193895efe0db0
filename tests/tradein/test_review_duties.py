"""Separation of duties (issue 10, finding 6): whoever submitted a subsidy claim does not approve
it, even once their account has been moved into the review team; another reviewer does."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import T, holder, resident, setup_city

from huanxin.errors import Forbidden
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.tradein.claims import redemption, review
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.qualifications import lifecycle as qualification


def test_the_submitter_of_a_claim_cannot_approve_it(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    _, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                          actor="t", at=T)
    # an invoice dated before the qualification is a fraud signal, so the claim waits for review
    early = T.date() - dt.timedelta(days=1)
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id,
                              Purchase(category="refrigerator", price_fen=5000_00, invoice_no="INV-SOD-1",
                                       invoice_date=early, brand="海尔", model="BCD-470", efficiency_grade=1,
                                       serial="SN-SOD-1"),
                              holder_id_hash=holder(db, q), at=T + dt.timedelta(days=1))
    assert claim.status == "review"
    shop_user = db.scalars(select(User).where(User.username == city.retailer_user)).one()
    shop_user.role, shop_user.unit_id = Role.REVIEWER.value, None  # the shop's clerk joins the review team
    db.flush()

    with pytest.raises(Forbidden, match="不能审批自己提交的申请"):
        review.approve(db, city.scope(db, city.retailer_user), claim)
    review.approve(db, city.scope(db, city.reviewer_user), claim, "发票已核实")
    assert claim.status == "approved"
