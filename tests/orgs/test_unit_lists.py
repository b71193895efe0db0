"""Lists of units as a cadre meets them: the 责任单位 drop-downs offer the plan's units, not the
trade-in shops; an enterprise is called an enterprise; the header badge says nothing twice; every
city's office account sits in its unit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from lxml import html  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import login_browser

from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.plans.importer.units import kind_of
from huanxin.plans.models import Plan

ZIYANG = "512000"


def _plan(db: Session, key: str) -> Plan:
    plan = db.scalar(select(Plan).where(Plan.key == key))
    assert plan is not None
    return plan


def _options(page: str, form_xpath: str) -> list[str]:
    return [o.text_content().strip() for o in html.fromstring(page).xpath(f'{form_xpath}//select[@name="unit"]/option')]


def _whoami(page: str) -> str:
    return str(html.fromstring(page).xpath('//*[@data-testid="whoami"]')[0].text_content())


def test_the_round_and_ledger_unit_lists_offer_no_retailer(client: TestClient, db: Session) -> None:
    shop = orgs_service.ensure_unit(db, city_code=ZIYANG, name="雁江区焕新家电卖场", kind="retailer", aliases=[],
                                    region_code=ZIYANG)
    plan = _plan(db, "ziyang-2024")
    login_browser(client, "ziyang-office")

    rounds = _options(client.get(f"/plans/{plan.id}/rounds").text, '//form[@id="open-round"]')
    ledger = _options(client.get(f"/plans/{plan.id}/ledger").text, "//form")

    for offered in (rounds, ledger):
        assert shop.name not in offered
        assert "市商务局" in offered and "安岳县人民政府" in offered


def test_an_enterprise_named_without_its_company_suffix_is_an_enterprise(client: TestClient, db: Session) -> None:
    assert kind_of("中车资阳机车") == "enterprise"  # how an imported plan's units get their kind
    assert kind_of("百威啤酒") == "enterprise"
    unit = db.scalar(select(Unit).where(Unit.city_code == ZIYANG, Unit.name == "中车资阳机车"))
    assert unit is not None and unit.kind == "enterprise"
    account = db.scalar(select(User).where(User.unit_id == unit.id))
    assert account is not None
    login_browser(client, account.username)

    badge = _whoami(client.get("/my/work").text)

    assert "企业" in badge and "市直部门" not in badge


def test_the_office_badge_says_nothing_twice(client: TestClient) -> None:
    login_browser(client, "ziyang-office")

    badge = _whoami(client.get("/me").text)

    assert "专班办公室（专班办公室" not in badge
    assert badge.count("专班办公室") == 1 and "市发展改革委" in badge


def test_yangquans_office_sits_in_its_development_and_reform_commission(db: Session) -> None:
    office = db.scalar(select(User).where(User.username == "yangquan-office"))
    assert office is not None and office.unit is not None
    assert office.unit.name == "市发展和改革委员会"
