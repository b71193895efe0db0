"""The enterprise list's scope and rules: who registers, who sees and changes which enterprise, the
phone masked for whom, everything audited; another city's enterprise answers 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.projects.enterprise_support import (
    ANYUE,
    CITY,
    OTHER_CITY,
    YANJIANG,
    county,
    credit_code,
    data,
    enterprise,
    enterprise_user,
    office,
    scope,
)

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit.audit import AuditRecord
from huanxin.orgs.models import Unit, User
from huanxin.projects import enterprises as service


def test_the_office_registers_an_enterprise_with_its_unit_and_first_account(db: Session) -> None:
    done = service.register(db, office(db), CITY, data(name="资阳焕新电机有限公司"),
                            first_account=service.FirstAccount("huanxin-motor"))
    item = done.enterprise
    unit = db.get(Unit, item.unit_id)
    assert unit is not None and (unit.kind, unit.name, unit.region_code) == ("enterprise", item.name, YANJIANG)
    user = db.scalar(select(User).where(User.username == "huanxin-motor"))
    assert user is not None and user.role == "enterprise" and user.unit_id == item.unit_id
    assert user.must_change_password and done.password and len(done.password) >= 10
    assert item.industry_code == "C3812" and item.flags == ["specialised"]
    assert "13800138000" not in (item.contact_phone_encrypted or "")  # encrypted at rest
    logged = db.scalar(select(AuditRecord).where(AuditRecord.action == "enterprise_register",
                                                 AuditRecord.entity_id == str(item.id)))
    assert logged is not None and "13800138000" not in str(logged.detail)


def test_a_county_registers_and_sees_only_its_own_region(db: Session) -> None:
    mine = service.register(db, county(db, YANJIANG), CITY, data()).enterprise
    theirs = enterprise(db, region=ANYUE)
    with pytest.raises(Forbidden):
        service.register(db, county(db, YANJIANG), CITY, data(region=ANYUE))
    listed = {e.id for e in service.all_enterprises(db, county(db, YANJIANG), CITY)}
    assert mine.id in listed and theirs.id not in listed
    with pytest.raises(NotFound):
        service.get_enterprise(db, county(db, YANJIANG), theirs.id)
    with pytest.raises(NotFound):
        service.update(db, county(db, YANJIANG), theirs.id, data(name="改名", credit_code=theirs.credit_code))
    with pytest.raises(Forbidden):  # nor move its own enterprise out of its region
        service.update(db, county(db, YANJIANG), mine.id, data(name=mine.name, credit_code=mine.credit_code,
                                                               region_code=ANYUE))


def test_an_enterprise_sees_and_changes_only_its_own_record(db: Session) -> None:
    own, other = enterprise(db), enterprise(db)
    me = scope(db, enterprise_user(db, own))
    assert [e.id for e in service.all_enterprises(db, me, CITY)] == [own.id]
    with pytest.raises(NotFound):
        service.get_enterprise(db, me, other.id)
    with pytest.raises(NotFound):
        service.update(db, me, other.id, data(credit_code=other.credit_code))
    with pytest.raises(Forbidden):
        service.register(db, me, CITY, data())
    # it changes its name and contact; its credit code, region and flags stay as registered
    changed = service.update(db, me, own.id, data(name="资阳新名称有限公司", credit_code=credit_code(),
                                                  region_code=ANYUE, flags=["high_tech", "first_set"],
                                                  contact_phone="13900139000"))
    assert changed.name == "资阳新名称有限公司"
    assert (changed.region_code, changed.flags) == (YANJIANG, ["specialised"])
    assert changed.credit_code == own.credit_code
    assert service.shown_phone(me, changed) == "13900139000"
    assert db.get(Unit, own.unit_id).name == "资阳新名称有限公司"  # type: ignore[union-attr]


def test_another_city_gets_404_and_other_roles_403(db: Session) -> None:
    item = enterprise(db)
    anqiu = scope(db, "anqiu-office")
    with pytest.raises(NotFound):
        service.get_enterprise(db, anqiu, item.id)
    with pytest.raises(NotFound):
        service.list_enterprises(db, anqiu, CITY)
    with pytest.raises(NotFound):
        service.update(db, anqiu, item.id, data(credit_code=item.credit_code))
    assert service.all_enterprises(db, anqiu, OTHER_CITY) == [] or all(
        e.city_code == OTHER_CITY for e in service.all_enterprises(db, anqiu, OTHER_CITY))
    for reader in ("ziyang-leader", "ziyang-dept01"):
        who = scope(db, reader)
        assert service.get_enterprise(db, who, item.id).id == item.id
        with pytest.raises(Forbidden):
            service.update(db, who, item.id, data(credit_code=item.credit_code))
        with pytest.raises(Forbidden):
            service.register(db, who, CITY, data())


def test_the_phone_in_full_only_for_the_office_and_the_enterprise_itself(db: Session) -> None:
    item = enterprise(db, contact_phone="13812345678")
    assert service.shown_phone(office(db), item) == "13812345678"
    assert service.shown_phone(scope(db, enterprise_user(db, item)), item) == "13812345678"
    for other in (county(db), scope(db, "ziyang-leader"), scope(db, "ziyang-dept01")):
        assert service.shown_phone(other, item) == "138****5678"


def test_bad_input_names_the_field_and_writes_nothing(db: Session) -> None:
    before = db.scalar(select(Unit.id).order_by(Unit.id.desc()).limit(1))
    cases = [
        (data(credit_code="91512002MA62T7K1I0"), "credit_code", "第17位“I”不是有效字符"),
        (data(industry_code="3819X"), "industry_code", "不是GB/T 4754-2017国民经济行业分类代码"),
        (data(region_code="370784"), "region_code", "不是本市的县级行政区划"),
        (data(name=" "), "name", "“企业名称”不能为空"),
        (data(flags=["famous"]), "flags", "企业称号“famous”无效"),
        (data(contact_phone="12345"), "contact_phone", "手机号"),
    ]
    for bad, field, text in cases:
        with pytest.raises(InvalidInput) as caught:
            service.register(db, office(db), CITY, bad)
        assert caught.value.field == field and text in caught.value.message, caught.value.message
    assert db.scalar(select(Unit.id).order_by(Unit.id.desc()).limit(1)) == before


def test_the_same_credit_code_or_name_twice_is_refused(db: Session) -> None:
    item = enterprise(db)
    with pytest.raises(Conflict) as same_code:
        service.register(db, office(db), CITY, data(credit_code=item.credit_code))
    assert item.name in same_code.value.message
    with pytest.raises(Conflict):
        service.register(db, office(db), CITY, data(name=item.name))


def test_filters_by_region_industry_flag_and_text(db: Session) -> None:
    a = enterprise(db, industry_code="3812", flags=["high_tech"], above_scale=False)
    b = enterprise(db, region=ANYUE, industry_code="4416", flags=[])
    who = office(db)

    def ids(**kw: object) -> set[int]:
        return {e.id for e in service.all_enterprises(db, who, CITY, service.EnterpriseFilters(**kw))}  # type: ignore[arg-type]

    assert a.id in ids(region_code=YANJIANG) and b.id not in ids(region_code=YANJIANG)
    assert a.id in ids(industry="C38") and b.id not in ids(industry="C38") and b.id in ids(industry="D")
    assert a.id in ids(flag="high_tech") and b.id not in ids(flag="high_tech")
    assert a.id in ids(above_scale=False) and b.id not in ids(above_scale=False)
    assert ids(q=b.credit_code) == {b.id}


# ---- over HTTP ------------------------------------------------------------------------------------

def test_the_api_registers_reads_and_changes_in_scope(client: TestClient, db: Session) -> None:
    headers = api_token(client, "ziyang-office")
    body = data().model_dump()
    created = client.post(f"/api/v1/cities/{CITY}/enterprises", headers=headers, json=body)
    assert created.status_code == 201, created.text
    item = created.json()["enterprise"]
    assert item["industry_name"] == "电动机制造" and item["region_name"] == "雁江区"
    assert item["contact_phone"] == "13800138000"
    bad = client.post(f"/api/v1/cities/{CITY}/enterprises", headers=headers, json={**body, "credit_code": "X"})
    assert bad.status_code == 422 and bad.json()["field"] == "credit_code"
    # the county of another region, and another city, never see it
    anyue = api_token(client, f"ziyang-county-{ANYUE}")
    assert client.get(f"/api/v1/cities/{CITY}/enterprises/{item['id']}", headers=anyue).status_code == 404
    anqiu = api_token(client, "anqiu-office")
    assert client.get(f"/api/v1/cities/{CITY}/enterprises/{item['id']}", headers=anqiu).status_code == 404
    assert client.get(f"/api/v1/cities/{OTHER_CITY}/enterprises/{item['id']}", headers=anqiu).status_code == 404
    # a department reads it with the phone masked
    dept = client.get(f"/api/v1/cities/{CITY}/enterprises/{item['id']}", headers=api_token(client, "ziyang-dept01"))
    assert dept.status_code == 200 and dept.json()["contact_phone"] == "138****8000"
    # the enterprise's own record
    own = db.get(service.Enterprise, item["id"])
    assert own is not None
    mine = api_token(client, enterprise_user(db, own))
    assert client.get("/api/v1/me/enterprise", headers=mine).json()["id"] == item["id"]
    changed = client.put("/api/v1/me/enterprise", headers=mine, json={**body, "address": "新地址"})
    assert changed.status_code == 200 and changed.json()["address"] == "新地址"
    listed = client.get(f"/api/v1/cities/{CITY}/enterprises", headers=mine).json()
    assert [e["id"] for e in listed["items"]] == [item["id"]]
    hits = client.get("/api/v1/industries", params={"q": "电动机"}, headers=headers).json()
    assert {"code": "C3812", "name": "电动机制造", "level": "class", "parent": "C381"} in hits


def test_the_register_form_shows_the_error_beside_the_field_with_the_typed_values(client: TestClient,
                                                                                  db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    page = client.get(f"/cities/{CITY}/enterprises")
    assert page.status_code == 200 and "登记企业" in page.text
    form = {"csrf_token": csrf, "name": "表单测试有限公司", "credit_code": "91512002MA62T7K1O9",
            "industry_code": "3812", "region_code": YANJIANG, "contact_name": "李四", "contact_phone": "",
            "address": ""}
    answer = client.post(f"/cities/{CITY}/enterprises", data=form)
    assert answer.status_code == 422
    assert "第17位“O”不是有效字符（不使用I、O、Z、S、V）" in answer.text
    assert 'value="表单测试有限公司"' in answer.text
    good = client.post(f"/cities/{CITY}/enterprises", data={**form, "credit_code": credit_code()},
                       follow_redirects=False)
    assert good.status_code == 303
    shown = client.get(good.headers["location"])
    assert "表单测试有限公司" in shown.text and "电动机制造" in shown.text and "已保存" in shown.text


def test_the_enterprise_edits_its_own_profile_page(client: TestClient, db: Session) -> None:
    item = enterprise(db)
    csrf = login_browser(client, enterprise_user(db, item))
    page = client.get("/enterprise/profile")
    assert page.status_code == 200 and "本企业信息" in page.text and item.credit_code in page.text
    bad = client.post("/enterprise/profile", data={"csrf_token": csrf, "name": item.name, "industry_code": "99"})
    assert bad.status_code == 422 and "不是GB/T 4754-2017国民经济行业分类代码" in bad.text
    ok = client.post("/enterprise/profile", data={"csrf_token": csrf, "name": item.name, "industry_code": "4416",
                                                  "contact_name": "赵六"}, follow_redirects=False)
    assert ok.status_code == 303
    assert "太阳能发电" in client.get("/enterprise/profile").text
    # the list and another enterprise's page are not its to read
    other = enterprise(db)
    assert client.get(f"/cities/{CITY}/enterprises/{other.id}").status_code == 404


def test_readers_get_the_list_page_without_the_register_form(client: TestClient, db: Session) -> None:
    item = enterprise(db, contact_phone="13812345678")
    login_browser(client, "ziyang-dept01")
    page = client.get(f"/cities/{CITY}/enterprises", params={"q": item.credit_code})
    assert page.status_code == 200 and item.name in page.text
    assert "138****5678" in page.text and "13812345678" not in page.text
    assert 'id="enterprise-new"' not in page.text and 'id="enterprise-import"' not in page.text
    assert client.get(f"/cities/{CITY}/enterprises/{item.id}").status_code == 200
    assert client.get("/enterprise/profile").status_code == 403
