"""The office's log page (/cities/{c}/logs) names who did what without showing residents'
personal data (issue 10, finding 6): real names, ID numbers, phones and bank cards are masked."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD, login_browser
from tests.tradein.claims_support import bank_card, id_number

from huanxin.kit import audit
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role


def test_the_log_page_masks_residents_personal_data(client: TestClient, db: Session) -> None:
    orgs_service.create_user(db, username="zy-resident-mask", password=PASSWORD, display_name="张三丰",
                             role=Role.RESIDENT, city_code="512000", unit_id=None)
    number, card = id_number(), bank_card()
    audit.record(db, actor="ziyang-commerce", action="claim_correction", entity="tradein_claim", entity_id=1,
                 city_code="512000",
                 detail={"note": f"张三丰的身份证号 {number} 与发票不符，请联系 13800138000，卡号 {card}"})
    db.flush()
    login_browser(client, "ziyang-office")
    page = client.get("/cities/512000/logs").text

    assert "zy-resident-mask" in page and "张**" in page
    assert "张三丰" not in page
    assert number not in page and number[:3] + "*" * 11 + number[-4:] in page
    assert "13800138000" not in page and "138****8000" in page
    assert card not in page and "**** " + card[-4:] in page
