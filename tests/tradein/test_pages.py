"""The trade-in pages over HTTP with a signed-in browser session: each role's page, data scope
(another resident's claim is 404, a retailer cannot review), bad input answered in Chinese,
forged CSRF refused, and the whole lifecycle driven through the forms."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.tradein.claims_support import City, bank_card, enrol, id_number, resident, setup_city, user

from huanxin.orgs.roles import Role
from huanxin.tradein.models import Claim, Qualification
from huanxin.tradein.retailers import admission as retailers

INVOICE_DATE = "2025-06-01"  # inside the 2025 appliance rules; before today's qualification: a fraud flag


class Browser:
    """A TestClient signed in through the login form, posting forms with the session's CSRF token."""

    def __init__(self, app: FastAPI, username: str) -> None:
        self.client = TestClient(app)
        self.csrf = login_browser(self.client, username)

    def get(self, url: str, status: int = 200) -> str:
        r = self.client.get(url, follow_redirects=False)
        assert r.status_code == status, f"GET {url}: {r.status_code} {r.text[:2000]}"
        return str(r.text)

    def post(self, url: str, data: dict[str, Any] | None = None, status: int = 303, **kw: Any) -> Any:
        r = self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kw)
        assert r.status_code == status, f"POST {url}: {r.status_code} {r.text[:3000]}"
        return r


def form_key(html: str, action: str) -> str:
    found = re.search(re.escape(f'action="{action}"') + r'.*?name="idempotency_key" value="([^"]+)"', html, re.S)
    assert found, f"no idempotency key in the form posting to {action}"
    return found.group(1)


def error_text(html: str) -> str:
    found = re.search(r'data-testid="error">([^<]*)<', html)
    return found.group(1) if found else html


def new_resident(app: FastAPI, db: Session, city: City) -> tuple[Browser, str, str]:
    """A resident who registers through the page; returns the browser, the ID number and the name."""
    username = user(db, f"res-page-{city.tag}-{id_number()[-6:]}", Role.RESIDENT, city.code)
    browser = Browser(app, username)
    number, name = id_number(), "李小梅"
    enrol(db, number, name)
    browser.post("/tradein/me/identity", {"name": name, "id_number": number, "phone": "13800138000",
                                          "address": "东区人民路1号"})
    browser.post("/tradein/me/bank-card", {"card_number": bank_card(), "holder_name": name})
    return browser, number, name


def claim_qualification(browser: Browser, city: City, category: str = "refrigerator") -> int:
    page = browser.get("/tradein/me")
    key = form_key(page, "/tradein/me/qualifications")
    choice = f"{city.programmes['appliance-2025'].id}:{category}"
    r = browser.post("/tradein/me/qualifications", {"choice": choice, "idempotency_key": key})
    found = re.search(r"#q-(\d+)$", r.headers["location"])
    assert found, r.headers["location"]
    replay = browser.post("/tradein/me/qualifications", {"choice": choice, "idempotency_key": key})
    assert replay.headers["location"] == r.headers["location"]  # a double click does it once
    return int(found.group(1))


def purchase(**overrides: str) -> dict[str, str]:
    return {"price": "4999.00", "invoice_no": f"F{id_number()[-8:]}", "invoice_date": INVOICE_DATE, "brand": "海尔",
            "model": "BCD-470", "efficiency_grade": "1", "serial": f"SN{id_number()[-10:]}", **overrides}


def redeem(shop: Browser, qualification_id: int, number: str, **overrides: str) -> int:
    page = shop.post("/tradein/retailer/verify", {"qualification_no": str(qualification_id), "id_number": number},
                     status=200).text
    assert "资格有效" in page
    key = form_key(page, "/tradein/retailer/redeem")
    r = shop.post("/tradein/retailer/redeem", {"qualification_no": str(qualification_id), "id_number": number,
                                               "idempotency_key": key, **purchase(**overrides)})
    found = re.search(r"/tradein/retailer/claims/(\d+)", r.headers["location"])
    assert found
    return int(found.group(1))


def test_each_role_is_sent_to_its_page(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    resident_user, _ = resident(db, city)
    leader = user(db, f"lead-{city.tag}", Role.LEADER, city.code)
    for username, target, text in ((resident_user, "/tradein/me", "我的以旧换新补贴"),
                                   (city.retailer_user, "/tradein/retailer", "以旧换新核销"),
                                   (city.reviewer_user, "/tradein/review", "以旧换新补贴审核")):
        browser = Browser(app, username)
        r = browser.client.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == target
        assert text in browser.get(target)
    for username in (city.office_user, leader, city.reviewer_user):
        page = Browser(app, username).get("/tradein/stats")
        assert "消费品以旧换新统计" in page and "预算池" in page and 'class="chart-data"' in page
        assert f'/budget/{city.code}' in page
    resident_page = Browser(app, resident_user).get("/tradein/me")
    assert f'href="/budget/{city.code}"' in resident_page
    assert "以旧换新统计" in Browser(app, city.office_user).get("/tradein/stats")  # the nav link


def test_the_whole_lifecycle_through_the_forms(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, number, name = new_resident(app, db, city)
    page = me.get("/tradein/me")
    assert "李*梅" in page or "李" in page
    qualification_id = claim_qualification(me, city)
    page = me.get("/tradein/me")
    assert f'data-qualification="{qualification_id}"' in page and "有效" in page and "资格已发放" in page
    assert db.scalar(select(func.count()).select_from(Qualification).where(
        Qualification.person_id == db.scalar(select(Qualification.person_id).where(
            Qualification.id == qualification_id)))) == 1

    shop = Browser(app, city.retailer_user)
    claim_id = redeem(shop, qualification_id, number)
    page = shop.get(f"/tradein/retailer/claims/{claim_id}")
    assert "999.80 元" in page and "判定依据" in page and "发改环资〔2025〕13号" in page
    assert db.get(Claim, claim_id).status == "review"  # type: ignore[union-attr]

    reviewer = Browser(app, city.reviewer_user)
    queue = reviewer.get("/tradein/review")
    assert f'data-claim="{claim_id}"' in queue and "发票重复或异常" in queue
    detail = reviewer.get(f"/tradein/review/claims/{claim_id}")
    assert "综合风险分" in detail and "早于补贴资格发放日期" in detail
    reviewer.post(f"/tradein/review/claims/{claim_id}/request-correction", {"what": "请补充发票照片"})

    page = shop.get(f"/tradein/retailer/claims/{claim_id}")
    assert "请补充发票照片" in page and "补正并重新提交" in page
    key = form_key(page, f"/tradein/retailer/claims/{claim_id}/resubmit")
    shop.post(f"/tradein/retailer/claims/{claim_id}/resubmit", {"idempotency_key": key, **purchase()})
    claim = db.get(Claim, claim_id)
    assert claim is not None and claim.status == "review" and claim.version == 2

    reviewer.post(f"/tradein/review/claims/{claim_id}/approve", {"note": "已核实发票"})
    assert claim.status == "approved"
    batches = reviewer.get("/tradein/review/batches")
    r = reviewer.post("/tradein/review/batches", {"limit": "100",
                                                  "idempotency_key": form_key(batches, "/tradein/review/batches")})
    batch_url = r.headers["location"]
    batch_page = reviewer.get(batch_url)
    assert f'data-claim="{claim_id}"' in batch_page
    # the maker cannot release it: no file yet, and another member of staff approves it
    assert "payout-file" not in batch_page and "请由另一名工作人员" in batch_page
    assert reviewer.client.get(f"{batch_url}/file").status_code == 409
    office = Browser(app, city.office_user)
    office_page = office.get(batch_url)
    office.post(f"{batch_url}/approve", {"idempotency_key": form_key(office_page, f"{batch_url}/approve")})
    batch_page = reviewer.get(batch_url)
    assert "已复核，待银行回盘" in batch_page and city.office_user in batch_page
    payout = reviewer.client.get(f"{batch_url}/file")
    assert payout.status_code == 200 and name in payout.content.decode("utf-8-sig")

    wrong = f"申请编号,金额（分）,状态,银行流水号,原因\n{claim_id},1,成功,B-1,\n"
    bad = reviewer.post(f"{batch_url}/result", {"idempotency_key": form_key(batch_page, f"{batch_url}/result")},
                        files={"file": ("result.csv", wrong.encode(), "text/csv")}, status=422)
    assert "未做任何变更" in bad.text and "第 2 行" in bad.text and claim.status == "paying"
    good = f"申请编号,金额（分）,状态,银行流水号,原因\n{claim_id},{claim.amount_fen},成功,B-20250605-1,\n"
    r = reviewer.post(f"{batch_url}/result", {"idempotency_key": form_key(bad.text, f"{batch_url}/result")},
                      files={"file": ("result.csv", good.encode(), "text/csv")})
    assert "paid=1" in r.headers["location"]
    assert "发放成功 1 笔" in reviewer.get(r.headers["location"])

    page = me.get(f"/tradein/me/claims/{claim_id}")
    assert 'data-testid="claim-status">已发放<' in page and "中央资金" in page
    assert "风险提示" not in page  # the resident reads "已转人工审核", not the fraud signals
    assert "已发放 999.80 元" in me.get("/tradein/me")

    stats = Browser(app, city.office_user).get("/tradein/stats")
    assert "999.80" in stats and "2025年家电以旧换新补贴" in stats


def test_a_resident_sees_only_their_own_claims(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, number, _ = new_resident(app, db, city)
    claim_id = redeem(Browser(app, city.retailer_user), claim_qualification(me, city), number)
    me.get(f"/tradein/me/claims/{claim_id}")
    other, _, _ = new_resident(app, db, city)
    assert "未找到" in other.get(f"/tradein/me/claims/{claim_id}", status=404)
    assert f'data-claim="{claim_id}"' not in other.get("/tradein/me")
    # and another retailer cannot open this retailer's claim
    other_city = setup_city(db)
    Browser(app, other_city.retailer_user).get(f"/tradein/retailer/claims/{claim_id}", status=404)


def test_a_retailer_cannot_review(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, number, _ = new_resident(app, db, city)
    shop = Browser(app, city.retailer_user)
    claim_id = redeem(shop, claim_qualification(me, city), number)
    assert "商务局审核员" in shop.get("/tradein/review", status=403)
    shop.post(f"/tradein/review/claims/{claim_id}/approve", {"note": "自己批准"}, status=403)
    shop.get("/tradein/review/batches", status=403)
    shop.get("/tradein/stats", status=403)
    me.get("/tradein/retailer", status=403)
    assert db.get(Claim, claim_id).status == "review"  # type: ignore[union-attr]


def test_bad_input_gets_a_chinese_error_and_changes_nothing(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    username = user(db, f"res-bad-{city.tag}", Role.RESIDENT, city.code)
    me = Browser(app, username)
    good = id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = me.post("/tradein/me/identity", {"name": "王五", "id_number": bad}, status=422)
    assert "校验" in error_text(r.text) or "身份证" in error_text(r.text)
    enrol(db, good, "王五")
    me.post("/tradein/me/identity", {"name": "王五", "id_number": good})
    r = me.post("/tradein/me/bank-card", {"card_number": bank_card(), "holder_name": "赵六"}, status=422)
    assert "本人名下" in error_text(r.text)
    r = me.post("/tradein/me/qualifications", {"choice": "", "idempotency_key": "k1"}, status=422)
    assert "请选择补贴活动和品类" in error_text(r.text)
    r = me.post("/tradein/me/qualifications", {"choice": f"{city.programmes['appliance-2025'].id}:spaceship",
                                               "idempotency_key": "k2"}, status=422)
    assert "不在本活动补贴范围内" in error_text(r.text)
    qualification_id = claim_qualification(me, city)

    shop = Browser(app, city.retailer_user)
    r = shop.post("/tradein/retailer/verify", {"qualification_no": str(qualification_id), "id_number": id_number()},
                  status=422)
    assert "不一致" in error_text(r.text)
    prices = (("4999.123", "两位小数"), ("四千", "不是有效金额"), ("0", "大于0"), ("-5", "大于0"), ("", "请填写"))
    for price, message in prices:
        r = shop.post("/tradein/retailer/redeem", {"qualification_no": str(qualification_id), "id_number": good,
                                                   "idempotency_key": f"p-{price}", **purchase(price=price)},
                      status=422)
        assert message in error_text(r.text), (price, error_text(r.text))
    r = shop.post("/tradein/retailer/redeem", {"qualification_no": str(qualification_id), "id_number": good,
                                               "idempotency_key": "future", **purchase(invoice_date="2099-01-01")},
                  status=422)
    assert "晚于今天" in error_text(r.text)
    r = shop.post("/tradein/retailer/redeem", {"qualification_no": str(qualification_id), "id_number": good,
                                               "idempotency_key": "", **purchase()}, status=422)
    assert "防重复提交" in error_text(r.text)
    assert db.scalar(select(func.count()).select_from(Claim).where(Claim.qualification_id == qualification_id)) == 0

    claim_id = redeem(shop, qualification_id, good, price="4999.5")
    assert db.get(Claim, claim_id).price_fen == 499950  # type: ignore[union-attr]
    reviewer = Browser(app, city.reviewer_user)
    r = reviewer.post(f"/tradein/review/claims/{claim_id}/reject", {"reasons": "  "}, status=422)
    assert "驳回须写明理由" in error_text(r.text)
    r = reviewer.post(f"/tradein/review/claims/{claim_id}/request-correction", {"what": ""}, status=422)
    assert "补正的内容" in error_text(r.text)


def test_forged_csrf_is_refused(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    username = user(db, f"res-csrf-{city.tag}", Role.RESIDENT, city.code)
    me = Browser(app, username)
    r = me.client.post("/tradein/me/identity", data={"csrf_token": "forged", "name": "王五", "id_number": id_number()},
                       follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = me.client.post("/tradein/me/identity", data={"name": "王五", "id_number": id_number()}, follow_redirects=False)
    assert r.status_code == 403
    assert "提交实名信息" in me.get("/tradein/me")  # still not registered


def test_waiting_list_place_and_next_daily_release(app: FastAPI, db: Session) -> None:
    # One qualification's worth of money (2,000 yuan reserved per appliance qualification).
    city = setup_city(db, budgets={"appliance-2025": 2000_00})
    first, _, _ = new_resident(app, db, city)
    claim_qualification(first, city)
    second, _, _ = new_resident(app, db, city)
    claim_qualification(second, city)
    page = second.get("/tradein/me")
    assert "候补号" in page and "前面还有 0 人" in page and "候补排队中" in page

    daily = setup_city(db, budgets={"digital-2025": 50_000_00},
                       settings={"digital-2025": {"daily_release_time": "00:00", "daily_release_count": 1}})
    one, _, _ = new_resident(app, db, daily)
    page = one.get("/tradein/me")
    choice = f"{daily.programmes['digital-2025'].id}:mobile_phone"
    one.post("/tradein/me/qualifications", {"choice": choice,
                                            "idempotency_key": form_key(page, "/tradein/me/qualifications")})
    two, _, _ = new_resident(app, db, daily)
    page = two.get("/tradein/me")
    assert "下一批发放时间" in page
    r = two.post("/tradein/me/qualifications", {"choice": choice,
                                                "idempotency_key": form_key(page, "/tradein/me/qualifications")},
                 status=409)
    assert "下一批将于" in error_text(r.text)


def test_a_suspended_retailer_sees_why_and_cannot_redeem(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, number, _ = new_resident(app, db, city)
    qualification_id = claim_qualification(me, city)
    office = city.scope(db, city.office_user)
    retailers.suspend(db, office, city.retailer.id, reason="抽查发现虚开发票", actor=office.username)
    shop = Browser(app, city.retailer_user)
    page = shop.get("/tradein/retailer")
    assert "暂不能核销" in page and "抽查发现虚开发票" in page and "核验资格" not in page
    r = shop.post("/tradein/retailer/verify", {"qualification_no": str(qualification_id), "id_number": number},
                  status=403)
    assert "抽查发现虚开发票" in error_text(r.text)


def test_a_rejection_is_explained_and_can_be_appealed(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, number, _ = new_resident(app, db, city)
    shop = Browser(app, city.retailer_user)
    # Energy grade 3 is not subsidised: a rejection with the rules' reason, not an error.
    claim_id = redeem(shop, claim_qualification(me, city), number, efficiency_grade="3")
    page = me.get(f"/tradein/me/claims/{claim_id}")
    assert 'data-testid="claim-status">已驳回<' in page and "不符合补贴条件" in page and "提交申诉" in page
    me.post(f"/tradein/me/claims/{claim_id}/appeal", {"reason": "商品实为一级能效，能效标识拍照上传有误"})
    reviewer = Browser(app, city.reviewer_user)
    appeals_page = reviewer.get("/tradein/review/appeals")
    assert "商品实为一级能效" in appeals_page
    appeal_id = re.search(r"/tradein/review/appeals/(\d+)/decide", appeals_page)
    assert appeal_id
    reviewer.post(f"/tradein/review/appeals/{appeal_id.group(1)}/decide", {"decision": "uphold",
                                                                          "note": "发票所载等级为3级"})
    page = me.get(f"/tradein/me/claims/{claim_id}")
    assert "维持驳回" in page and "提交申诉" not in page
