"""The cockpit's equipment-renewal market figures (issue 18, item 7): a deal signed through the
matching and a loan a bank records move the city's totals on the cockpit, with links to the
tables by county and field; readers who are not city-wide never get there."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.financing.support import declared_need, setup_financing, signed_loan
from tests.matching.catalogue_support import product, setup
from tests.projects.support import scope_for

from huanxin.kit.clock import today
from huanxin.matching.catalogue import deals

ZIYANG = "512000"


def _market(client: TestClient) -> list[str]:
    page = client.get(f"/cities/{ZIYANG}/cockpit")
    assert page.status_code == 200
    section = re.search(r'data-testid="renewal-market">(.*?)</section>', page.text, re.S)
    assert section, "the cockpit shows the renewal market"
    return re.findall(r'<td class="num">(?:<a href="[^"]+">)?([^<]*)', section.group(1))


def test_a_deal_and_a_loan_move_the_cockpits_market_figures(client: TestClient, db: Session) -> None:
    login_browser(client, "ziyang-office")
    before = _market(client)
    m = setup(db)
    offered = product(db, m.supplier_user, "CK-1")
    buyer = scope_for(db, m.buyer_user)
    contact = deals.record_contact(db, buyer, m.motor.id, deals.ContactInput(product_id=offered.id))
    deals.record_deal(db, buyer, contact.id, deals.DealInput(amount_fen=120_000_00, signed_on=today()))
    fin = setup_financing(db, ZIYANG)
    need = declared_need(db, fin)
    signed_loan(db, fin, need, [(400_000_00, dt.date(2025, 1, 10))])
    after = _market(client)
    contacts, deal_count, deal_wan, share, needs, requested, granted, disbursed, _subsidy = after
    assert int(contacts) == int(before[0]) + 1 and int(deal_count) == int(before[1]) + 1
    assert round(float(deal_wan) - float(before[2]), 2) == 12.0  # 120,000 yuan
    assert share.endswith("%")  # the same county's supplier: a local deal
    assert int(needs) == int(before[4]) + 1
    assert round(float(requested) - float(before[5]), 2) == 2000.0  # 2,000万元 asked
    assert round(float(granted) - float(before[6]), 2) == 100.0  # 100万元 signed
    assert round(float(disbursed) - float(before[7]), 2) == 40.0  # 40万元 disbursed


def test_the_cockpits_links_lead_to_the_tables_by_county_and_field(client: TestClient) -> None:
    login_browser(client, "ziyang-leader")
    page = client.get(f"/cities/{ZIYANG}/cockpit")
    assert 'href="/matching/stats"' in page.text and 'href="/financing"' in page.text
    assert client.get("/matching/stats").status_code == 200
    assert client.get("/financing").status_code == 200
