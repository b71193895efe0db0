"""Retailer management pages (/tradein/retailers) over HTTP with signed-in browsers: admission with
the new retailer's login shown once, a bad credit code refused, suspend / reinstate / expel with
reasons and the history, expulsion confirmed and final, and who may read or act (leaders read,
other roles 403, another city 404)."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD, login_browser
from tests.tradein.claims_support import credit_code, resident, setup_city, user
from tests.tradein.test_pages import Browser, error_text, form_key

from huanxin.orgs.roles import Role
from huanxin.tradein.models import Retailer, RetailerStatusChange
from huanxin.tradein.retailers import admission as retailers


def fresh_code() -> str:
    return credit_code(uuid.uuid4().int % 10**9)


def admit_form(name: str, code: str, **over: object) -> dict[str, object]:
    return {"name": name, "credit_code": code, "region_code": "512002", "kinds": ["appliance", "car_scrap"],
            "reason": "经营场所和资质已核验", **over}


def admit(office: Browser, shop_name: str, code: str | None = None, status: int = 200, **over: object) -> str:
    page = office.get("/tradein/retailers")
    key = form_key(page, "/tradein/retailers")
    r = office.post("/tradein/retailers",
                    {**admit_form(shop_name, code or fresh_code()), **over, "idempotency_key": key}, status=status)
    return str(r.text)


def test_office_admits_a_retailer_and_gets_its_login_once(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    office = Browser(app, city.office_user)
    page = office.get("/tradein/retailers")
    assert "准入新的经营主体" in page and "雁江区" in page and 'href="/tradein/retailers"' in page  # nav link
    key = form_key(page, "/tradein/retailers")
    code = fresh_code()
    form = {**admit_form("雁江数码广场", code), "idempotency_key": key}
    r = office.post("/tradein/retailers", form, status=200)
    assert r.headers["cache-control"] == "no-store"
    username = re.search(r'data-testid="username">([^<]+)<', r.text)
    password = re.search(r'data-testid="password"><code>([^<]+)<', r.text)
    assert username and password and "只显示这一次" in r.text
    assert len(password.group(1)) >= 12
    item = db.scalar(select(Retailer).where(Retailer.credit_code == code))
    assert item is not None and item.status == "admitted" and item.kinds == ["appliance", "car_scrap"]

    # the same form sent again (a double click) does it once and does not show the password again
    again = office.post("/tradein/retailers", form)
    assert again.headers["location"] == f"/tradein/retailers/{item.id}?done=admitted"
    detail = office.get(again.headers["location"])
    assert password.group(1) not in detail and username.group(1) in detail and "经营场所和资质已核验" in detail
    assert db.scalar(select(func.count()).select_from(Retailer).where(Retailer.credit_code == code)) == 1

    # the new login works and lands on the retailer's own portal
    shop = TestClient(app)
    login_browser(shop, username.group(1), password.group(1))
    portal = shop.get("/tradein/retailer")
    assert portal.status_code == 200 and "雁江数码广场" in portal.text

    listing = office.get("/tradein/retailers")
    row = re.search(rf'<tr data-retailer="{item.id}">.*?</tr>', listing, re.S)
    assert row and "已准入" in row.group(0) and "汽车报废更新" in row.group(0) and "雁江区" in row.group(0)


def test_bad_input_is_refused_in_chinese_and_nothing_is_created(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    office = Browser(app, city.office_user)
    good = fresh_code()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = db.scalar(select(func.count()).select_from(Retailer))
    cases: list[tuple[dict[str, object], str]] = [({"credit_code": wrong}, "统一社会信用代码校验位不正确"),
             ({"credit_code": "91512000MA62X1234"}, "统一社会信用代码应为18位"),
             ({"region_code": "510402"}, "不属于本市"),
             ({"kinds": []}, "至少选择一项"),
             ({"name": " "}, "名称不能为空")]
    for over, message in cases:
        text = admit(office, "乐至家电城", good, status=422, **over)
        assert message in error_text(text), (over, error_text(text))
    assert db.scalar(select(func.count()).select_from(Retailer)) == before
    # the same credit code twice is refused
    admit(office, "乐至家电城", good)
    assert "不能重复准入" in error_text(admit(office, "乐至家电城二店", good, status=409))


def test_suspend_reinstate_and_expel_with_reasons(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    reviewer = Browser(app, city.reviewer_user)
    url = f"/tradein/retailers/{city.retailer.id}"
    page = reviewer.get(url)
    assert "暂停原因" in page and "确认清退" in page

    r = reviewer.post(f"{url}/suspend", {"reason": "  "}, status=422)
    assert "暂停原因" in error_text(r.text) and "不能为空" in error_text(r.text)
    assert city.retailer.status == "admitted"
    reviewer.post(f"{url}/suspend", {"reason": "抽查发现虚开发票"})
    assert city.retailer.status == "suspended"
    page = reviewer.get(f"{url}?done=suspend")
    assert "已暂停该经营主体" in page and "抽查发现虚开发票" in page and "恢复原因" in page
    assert "抽查发现虚开发票" in Browser(app, city.retailer_user).get("/tradein/retailer")  # the shop sees why
    listing = reviewer.get("/tradein/retailers?status=suspended")
    assert f'data-retailer="{city.retailer.id}"' in listing and "抽查发现虚开发票" in listing

    reviewer.post(f"{url}/reinstate", {"reason": "整改完成，复查合格"})
    assert city.retailer.status == "admitted"

    # expulsion must be confirmed, needs a reason, and is final
    r = reviewer.post(f"{url}/expel", {"reason": "再次虚开发票"}, status=422)
    assert "确认清退" in error_text(r.text) and city.retailer.status == "admitted"
    r = reviewer.post(f"{url}/expel", {"reason": "", "confirm": "yes"}, status=422)
    assert "清退原因" in error_text(r.text)
    reviewer.post(f"{url}/expel", {"reason": "再次虚开发票", "confirm": "yes"})
    assert city.retailer.status == "expelled"
    r = reviewer.post(f"{url}/reinstate", {"reason": "申请恢复"}, status=409)
    assert "最终决定" in error_text(r.text)
    page = reviewer.get(url)
    assert "已清退" in page and "恢复原因" not in page and "清退原因" not in page
    history = [c.to_status for c in db.scalars(select(RetailerStatusChange).where(
        RetailerStatusChange.retailer_id == city.retailer.id).order_by(RetailerStatusChange.id))]
    assert history == ["suspended", "admitted", "expelled"]
    for reason in ("抽查发现虚开发票", "整改完成，复查合格", "再次虚开发票"):
        assert reason in page


def test_who_may_read_and_act(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    url = f"/tradein/retailers/{city.retailer.id}"
    leader = Browser(app, user(db, f"lead-{city.tag}", Role.LEADER, city.code))
    listing = leader.get("/tradein/retailers")
    assert city.retailer.name in listing and "准入新的经营主体" not in listing
    assert "暂停原因" not in leader.get(url)
    r = leader.post(f"{url}/suspend", {"reason": "领导要求暂停"}, status=403)
    assert "专班办公室或商务局审核员" in error_text(r.text)
    leader.post("/tradein/retailers", {**admit_form("领导准入的店", fresh_code()), "idempotency_key": "k"},
                status=403)

    resident_user, _ = resident(db, city)
    for username in (resident_user, city.retailer_user):
        other = Browser(app, username)
        other.get("/tradein/retailers", status=403)
        other.get(url, status=403)
        other.post(f"{url}/suspend", {"reason": "x"}, status=403)

    elsewhere = setup_city(db, "510400")
    office = Browser(app, elsewhere.office_user)
    assert city.retailer.name not in office.get("/tradein/retailers")
    office.get(url, status=404)
    office.post(f"{url}/expel", {"reason": "跨市清退", "confirm": "yes"}, status=404)
    assert city.retailer.status == retailers.ADMITTED


def test_reset_a_retailer_login_password_shows_it_once(app: FastAPI, db: Session) -> None:
    from huanxin.orgs.models import User

    city = setup_city(db)
    shop = Browser(app, city.retailer_user)  # signed in with the old password
    login_id = db.scalar(select(User.id).where(User.username == city.retailer_user))
    url = f"/tradein/retailers/{city.retailer.id}"
    action = f"{url}/logins/{login_id}/reset-password"
    office = Browser(app, city.office_user)
    page = office.get(url)
    assert f'action="{action}"' in page and "重置初始密码" in page and f'data-login="{city.retailer_user}"' in page

    r = office.post(action, status=200)
    assert r.headers["cache-control"] == "no-store"
    password = re.search(r'data-testid="password"><code>([^<]+)<', r.text)
    assert password and len(password.group(1)) == 14 and "只在本页显示一次" in r.text and city.retailer_user in r.text
    # shown once: the retailer's page does not show it again
    assert password.group(1) not in office.get(url)
    # the open session has ended; the old password no longer works, the new one does
    assert shop.client.get("/tradein/retailer", follow_redirects=False).status_code in (303, 401)
    client = TestClient(app)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    refused = client.post("/login", data={"username": city.retailer_user, "password": PASSWORD,
                                          "csrf_token": csrf.group(1)}, follow_redirects=False)
    assert refused.status_code == 401
    login_browser(client, city.retailer_user, password.group(1))
    assert client.get("/tradein/retailer").status_code == 200
    # a reviewer may reset too; a login of another unit is not this retailer's
    reviewer_id = db.scalar(select(User.id).where(User.username == city.reviewer_user))
    Browser(app, city.reviewer_user).post(f"{url}/logins/{reviewer_id}/reset-password", status=404)


def test_a_leader_may_not_reset_a_retailer_password(app: FastAPI, db: Session) -> None:
    from huanxin.orgs.models import User

    city = setup_city(db)
    login_id = db.scalar(select(User.id).where(User.username == city.retailer_user))
    url = f"/tradein/retailers/{city.retailer.id}"
    before = db.scalar(select(User.password_hash).where(User.id == login_id))
    leader = Browser(app, user(db, f"lead-{city.tag}", Role.LEADER, city.code))
    assert "重置初始密码" not in leader.get(url)
    r = leader.post(f"{url}/logins/{login_id}/reset-password", status=403)
    assert "专班办公室或商务局审核员" in error_text(r.text) and 'data-testid="password"' not in r.text
    Browser(app, city.retailer_user).post(f"{url}/logins/{login_id}/reset-password", status=403)
    Browser(app, setup_city(db, "510400").office_user).post(f"{url}/logins/{login_id}/reset-password", status=404)
    db.expire_all()
    assert db.scalar(select(User.password_hash).where(User.id == login_id)) == before
