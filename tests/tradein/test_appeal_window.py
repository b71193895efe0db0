"""A rejection is appealed within a window (the dated parameter appeal.window_days, a local default
of 60 days): an 18-month-old rejection can no longer be appealed, and its page offers no appeal."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.tradein.claims_support import City, T, holder, resident, setup_city

from huanxin.errors import Conflict
from huanxin.tradein.claims import appeals, redemption, review
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.models import Appeal, Claim, ClaimEvent
from huanxin.tradein.qualifications import lifecycle as qualification
from huanxin.tradein.rules.parameters import default_parameters


def _rejected_claim(db: Session) -> tuple[City, str, Claim]:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    username, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=programme, person=person, category="washing_machine",
                                          actor="t", at=T)
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id,
                              Purchase(category="washing_machine", price_fen=3000_00, invoice_no="W-1",
                                       invoice_date=T.date() - dt.timedelta(days=1), efficiency_grade=2,
                                       serial="WM-1"), holder_id_hash=holder(db, q), at=T + dt.timedelta(days=1))
    review.reject(db, city.scope(db, city.reviewer_user), claim, ["发票日期早于资格发放时间"])
    assert claim.status == "rejected"
    return city, username, claim


def _age_rejection(db: Session, claim: Claim, days: int) -> None:
    """As if the rejection had been decided `days` ago."""
    for event in db.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id,
                                                     ClaimEvent.to_status == "rejected")):
        event.at = event.at - dt.timedelta(days=days)
    db.flush()


def test_the_window_is_a_dated_parameter_with_a_source() -> None:
    window = default_parameters().get(appeals.WINDOW)
    value = window.at(dt.date(2025, 6, 1))
    assert value is not None and value.value == 60 and value.source


def test_an_18_month_old_rejection_cannot_be_appealed(db: Session) -> None:
    city, username, claim = _rejected_claim(db)
    _age_rejection(db, claim, 548)

    with pytest.raises(Conflict, match="申诉期限已过") as refused:
        appeals.file_appeal(db, city.scope(db, username), claim, "发票日期系商户开票错误，已重开")

    assert "60 日内" in refused.value.message
    assert db.scalar(select(Appeal.id).where(Appeal.claim_id == claim.id)) is None


def test_a_rejection_within_the_window_is_appealed(db: Session) -> None:
    city, username, claim = _rejected_claim(db)
    _age_rejection(db, claim, 59)

    appeal = appeals.file_appeal(db, city.scope(db, username), claim, "发票日期系商户开票错误，已重开")

    assert appeal.status == "open"


def test_the_claim_page_offers_no_appeal_after_the_window(client: TestClient, db: Session) -> None:
    _, username, claim = _rejected_claim(db)
    login_browser(client, username)
    assert f'action="/tradein/me/claims/{claim.id}/appeal"' in client.get(f"/tradein/me/claims/{claim.id}").text

    _age_rejection(db, claim, 548)
    page = client.get(f"/tradein/me/claims/{claim.id}").text

    assert f'action="/tradein/me/claims/{claim.id}/appeal"' not in page
    assert "申诉期限已于" in page
