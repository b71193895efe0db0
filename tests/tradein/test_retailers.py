"""Retailer admission: the credit code is checked, suspension blocks redemption, reinstatement lets
it redeem again, expulsion is final, every change is kept in the history and the audit log, and the
API answers 403 to a role without the right and 404 to another city."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD, api_token

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit.audit import AuditRecord
from huanxin.kit.identifiers import credit_check_char
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import Retailer, RetailerStatusChange
from huanxin.tradein.retailers import admission as retailers

CITY = "512000"
_seq = itertools.count(500)


def credit_code(n: int | None = None) -> str:
    first17 = f"915120000{n if n is not None else next(_seq):08d}"
    return first17 + credit_check_char(first17)


def scope_of(db: Session, username: str) -> Scope:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None
    return orgs_service.scope_of(user)


def admit(db: Session, name: str = "资阳家电城", kinds: list[str] | None = None, **over: str) -> Retailer:
    args = {"city_code": CITY, "name": name, "credit_code": credit_code(), "region_code": "512002"} | over
    return retailers.admit(db, scope_of(db, "ziyang-office"), kinds=kinds or ["appliance"],
                           actor="ziyang-office", **args)


def test_admission_creates_the_retailer_unit_history_and_audit(db: Session) -> None:
    item = admit(db, kinds=["appliance", "digital", "appliance"])
    assert item.status == "admitted" and item.kinds == ["appliance", "digital"]
    unit = db.get(Unit, item.unit_id)
    assert unit is not None and unit.kind == "retailer" and unit.name == "资阳家电城" and unit.region_code == "512002"
    [change] = retailers.retailer_history(db, item.id)
    assert (change.from_status, change.to_status, change.reason, change.actor) == (None, "admitted", "准入",
                                                                                   "ziyang-office")
    audit = db.scalar(select(AuditRecord).where(AuditRecord.action == "retailer_admit",
                                                AuditRecord.entity_id == str(item.id)))
    assert audit is not None and audit.city_code == CITY
    assert retailers.require_admitted(db, item.id, "digital") is item


@pytest.mark.parametrize(("field", "value", "message"), [
    ("credit_code", "91512000MA62X1234", "统一社会信用代码应为18位"),
    ("credit_code", "915120000000005019", "统一社会信用代码校验位不正确"),
    ("name", "  ", "经营主体名称不能为空"),
    ("region_code", "510402", "不属于本市"),
])
def test_bad_admission_is_refused_naming_the_field(db: Session, field: str, value: str, message: str) -> None:
    if field == "credit_code" and len(value) == 18:
        assert credit_check_char(value[:17]) != value[17]
    with pytest.raises(InvalidInput) as err:
        admit(db, **{field: value})  # type: ignore[arg-type]
    assert message in err.value.message and err.value.field == field
    assert db.scalar(select(Retailer).where(Retailer.name == "资阳家电城")) is None


def test_unknown_kind_duplicate_credit_code_and_wrong_role(db: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        admit(db, kinds=["yacht"])
    assert "经营品类“yacht”无效" in err.value.message and err.value.field == "kinds"
    code = credit_code()
    admit(db, credit_code=code)
    with pytest.raises(Conflict) as dup:
        admit(db, name="另一家", credit_code=code)
    assert "已登记为经营主体“资阳家电城”" in dup.value.message
    with pytest.raises(Forbidden):
        retailers.admit(db, scope_of(db, "ziyang-dept01"), city_code=CITY, name="某店", credit_code=credit_code(),
                        region_code="512002", kinds=["appliance"], actor="x")
    with pytest.raises(NotFound):
        retailers.admit(db, scope_of(db, "panzhihua-office"), city_code=CITY, name="某店",
                        credit_code=credit_code(), region_code="512002", kinds=["appliance"], actor="x")


def test_suspension_blocks_redemption_reinstatement_restores_expulsion_is_final(db: Session) -> None:
    office = scope_of(db, "ziyang-office")
    item = admit(db)
    with pytest.raises(Forbidden) as kind:
        retailers.require_admitted(db, item.id, "car_scrap")
    assert "未准入“汽车报废更新”类" in kind.value.message

    with pytest.raises(InvalidInput) as no_reason:
        retailers.suspend(db, office, item.id, reason="  ", actor="ziyang-office")
    assert no_reason.value.field == "reason" and "暂停原因（reason）不能为空" in no_reason.value.message
    assert item.status == "admitted"

    retailers.suspend(db, office, item.id, reason="抽查发现先涨价后补贴", actor="ziyang-office")
    with pytest.raises(Forbidden) as blocked:
        retailers.require_admitted(db, item.id, "appliance")
    assert "已被暂停" in blocked.value.message
    with pytest.raises(Conflict):
        retailers.suspend(db, office, item.id, reason="再次暂停", actor="ziyang-office")

    retailers.reinstate(db, office, item.id, reason="整改到位", actor="ziyang-office")
    assert retailers.require_admitted(db, item.id, "appliance") is item
    with pytest.raises(Conflict) as not_suspended:
        retailers.reinstate(db, office, item.id, reason="再恢复", actor="ziyang-office")
    assert "当前状态为“已准入”" in not_suspended.value.message

    retailers.expel(db, office, item.id, reason="虚开发票骗取补贴", actor="ziyang-office")
    with pytest.raises(Forbidden) as expelled:
        retailers.require_admitted(db, item.id, "appliance")
    assert "已被清退" in expelled.value.message
    for action in (retailers.reinstate, retailers.suspend, retailers.expel):
        with pytest.raises(Conflict) as final:
            action(db, office, item.id, reason="申请恢复", actor="ziyang-office")
        assert "清退为最终决定" in final.value.message
    with pytest.raises(Conflict):  # nor can it come back under the same credit code
        admit(db, name="资阳家电城（新）", credit_code=item.credit_code)

    history = retailers.retailer_history(db, item.id)
    assert [(h.from_status, h.to_status, h.reason) for h in history] == [
        (None, "admitted", "准入"),
        ("admitted", "suspended", "抽查发现先涨价后补贴"),
        ("suspended", "admitted", "整改到位"),
        ("admitted", "expelled", "虚开发票骗取补贴"),
    ]
    actions = list(db.scalars(select(AuditRecord.action).where(AuditRecord.entity == "tradein_retailer",
                                                               AuditRecord.entity_id == str(item.id))
                              .order_by(AuditRecord.id)))
    assert actions == ["retailer_admit", "retailer_suspend", "retailer_reinstate", "retailer_expel"]


def test_require_admitted_for_unknown_retailer(db: Session) -> None:
    with pytest.raises(Forbidden):
        retailers.require_admitted(db, 999_999, "appliance")


def test_retailer_user_finds_its_retailer(db: Session) -> None:
    item = admit(db)
    user = orgs_service.create_user(db, username="ziyang-shop-1", password=PASSWORD, display_name="家电城",
                                    role=Role.RETAILER, city_code=CITY, unit_id=item.unit_id)
    db.flush()
    db.refresh(user)
    assert retailers.retailer_for_user(db, orgs_service.scope_of(user)) is item
    with pytest.raises(Forbidden):
        retailers.retailer_for_user(db, scope_of(db, "ziyang-office"))


# ---- API --------------------------------------------------------------------------------------------

def _reviewer(db: Session) -> None:
    orgs_service.create_user(db, username="ziyang-reviewer", password=PASSWORD, display_name="商务局审核员",
                             role=Role.REVIEWER, city_code=CITY, unit_id=None)
    db.flush()


def test_api_admit_list_and_change_status(client: TestClient, db: Session) -> None:
    _reviewer(db)
    office = api_token(client, "ziyang-office")
    code = credit_code()
    created = client.post(f"/api/v1/cities/{CITY}/retailers", headers=office, json={
        "name": "乐至数码广场", "credit_code": code, "region_code": "512022", "kinds": ["digital"]})
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert created.json()["status_label"] == "已准入" and len(created.json()["history"]) == 1

    reviewer = api_token(client, "ziyang-reviewer")
    missing = client.post(f"/api/v1/retailers/{rid}/suspend", headers=reviewer, json={})
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    suspended = client.post(f"/api/v1/retailers/{rid}/suspend", headers=reviewer, json={"reason": "价格异常待核查"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    listed = client.get(f"/api/v1/cities/{CITY}/retailers", headers=office)
    assert listed.status_code == 200
    mine = next(r for r in listed.json() if r["id"] == rid)
    assert [h["to_status"] for h in mine["history"]] == ["admitted", "suspended"]
    assert mine["history"][1]["reason"] == "价格异常待核查" and mine["history"][1]["actor"] == "ziyang-reviewer"
    only_suspended = client.get(f"/api/v1/cities/{CITY}/retailers?status=suspended", headers=office).json()
    assert [r["id"] for r in only_suspended] == [rid]

    assert client.post(f"/api/v1/retailers/{rid}/reinstate", headers=office,
                       json={"reason": "核查无误"}).json()["status"] == "admitted"
    assert client.post(f"/api/v1/retailers/{rid}/expel", headers=office,
                       json={"reason": "虚假交易"}).json()["status"] == "expelled"
    final = client.post(f"/api/v1/retailers/{rid}/reinstate", headers=office, json={"reason": "申请恢复"})
    assert final.status_code == 409 and "清退为最终决定" in final.json()["error"]
    detail = client.get(f"/api/v1/retailers/{rid}", headers=reviewer).json()
    assert [h["to_status"] for h in detail["history"]] == ["admitted", "suspended", "admitted", "expelled"]

    bad = client.post(f"/api/v1/cities/{CITY}/retailers", headers=office, json={
        "name": "某店", "credit_code": "915120000000000000", "region_code": "512022", "kinds": ["digital"]})
    assert bad.status_code == 422 and bad.json()["field"] == "credit_code"


def test_api_scope_department_403_other_city_404(client: TestClient, db: Session) -> None:
    item = admit(db)
    db.flush()
    dept = api_token(client, "ziyang-dept01")
    assert client.get(f"/api/v1/cities/{CITY}/retailers", headers=dept).status_code == 403
    admitted = client.post(f"/api/v1/cities/{CITY}/retailers", headers=dept, json={
        "name": "某店", "credit_code": credit_code(), "region_code": "512002", "kinds": ["appliance"]})
    assert admitted.status_code == 403
    assert client.post(f"/api/v1/retailers/{item.id}/suspend", headers=dept,
                       json={"reason": "x"}).status_code == 403

    other = api_token(client, "panzhihua-office")
    assert client.get(f"/api/v1/cities/{CITY}/retailers", headers=other).status_code == 404
    assert client.get(f"/api/v1/retailers/{item.id}", headers=other).status_code == 404
    response = client.post(f"/api/v1/retailers/{item.id}/suspend", headers=other, json={"reason": "越权"})
    assert response.status_code == 404
    assert db.scalar(select(RetailerStatusChange).where(RetailerStatusChange.retailer_id == item.id,
                                                        RetailerStatusChange.to_status == "suspended")) is None
    assert client.get("/api/v1/retailers/999999", headers=api_token(client, "ziyang-office")).status_code == 404
    assert client.get("/api/v1/my/retailer", headers=dept).status_code == 403
