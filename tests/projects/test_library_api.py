"""The key project library by API: an enterprise declares, the county, the industry department and
the office approve, the office batches and sends it; every read and write stays in its scope."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.projects.support import Library, future, project_body, setup_library, walked_to

from huanxin.kit.audit import AuditRecord
from huanxin.projects.models import Project, ProjectEquipment


@pytest.fixture()
def lib(db: Session) -> Library:
    return setup_library(db)


def base(lib: Library) -> str:
    return f"/api/v1/cities/{lib.city_code}"


def as_(client: TestClient, username: str) -> dict[str, str]:
    return api_token(client, username)


def test_the_whole_chain_from_declaration_to_the_province(client: TestClient, lib: Library, db: Session) -> None:
    ent, county, dept, office = (as_(client, u) for u in (lib.enterprise_user, lib.county_user, lib.department_user,
                                                          lib.office_user))
    r = client.post(f"{base(lib)}/projects", headers=ent, json=project_body(lib.region_code))
    assert r.status_code == 201, r.text
    project = r.json()
    assert project["code"].startswith(f"SB-{lib.city_code}-") and project["status_label"] == "草稿"
    assert [e["side_label"] for e in project["equipment"]] == ["淘汰旧设备", "购置新设备", "购置新设备"]
    assert project["enterprise_name"] == lib.enterprise.name
    pid = project["id"]

    r = client.post(f"{base(lib)}/projects/{pid}/submit", headers=ent)
    assert r.status_code == 200, r.text
    assert r.json()["status_label"] == "待县区审核" and r.json()["light"]["label"] == "绿灯"
    for who, label in ((county, "待行业部门审核"), (dept, "待专班办公室审核"), (office, "已入库")):
        r = client.post(f"{base(lib)}/projects/{pid}/approve", headers=who, json={"comment": "同意"})
        assert r.status_code == 200, r.text
        assert r.json()["status_label"] == label

    r = client.post(f"{base(lib)}/project-batches", headers=office,
                    json={"name": "2026年第二批超长期特别国债设备更新项目", "instrument": "special_bond",
                          "deadline": future(20)})
    assert r.status_code == 201, r.text
    batch_id = r.json()["id"]
    r = client.post(f"{base(lib)}/project-batches/{batch_id}/projects", headers=office, json={"project_ids": [pid]})
    assert r.status_code == 200, r.text
    assert [p["status_label"] for p in r.json()["items"]] == ["已编入批次"]
    r = client.post(f"{base(lib)}/project-batches/{batch_id}/send", headers=office)
    assert r.status_code == 200, r.text
    assert r.json()["status_label"] == "已报送省级"

    r = client.get(f"{base(lib)}/projects/{pid}", headers=ent)
    detail = r.json()
    assert detail["status_label"] == "已报送省级"
    assert [(s["level_label"], s["action_label"]) for s in detail["history"]] == [
        ("企业", "提交"), ("县（市、区）", "审核通过"), ("行业主管部门", "审核通过"), ("专班办公室", "审核通过"),
        ("专班办公室", "编入批次"), ("专班办公室", "报送省级")]
    actions = set(db.scalars(select(AuditRecord.action).where(AuditRecord.entity == "project",
                                                              AuditRecord.entity_id == str(pid))))
    assert {"project_create", "project_submit", "project_approve", "project_batch", "project_report"} <= actions


def test_a_retried_creation_with_its_key_makes_one_project(client: TestClient, lib: Library, db: Session) -> None:
    ent = {**as_(client, lib.enterprise_user), "Idempotency-Key": uuid.uuid4().hex}
    first = client.post(f"{base(lib)}/projects", headers=ent, json=project_body(lib.region_code))
    again = client.post(f"{base(lib)}/projects", headers=ent, json=project_body(lib.region_code))
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert db.scalar(select(func.count()).select_from(Project).where(
        Project.enterprise_id == lib.enterprise.id)) == 1
    other = client.post(f"{base(lib)}/projects", headers=ent, json=project_body(lib.region_code, name="另一个项目"))
    assert other.status_code == 409


BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    ({"equipment_investment_fen": 6_000_0000_00}, "equipment_investment_fen", "设备投资不能大于总投资"),
    ({"fixed_asset_fen": 6_000_0000_00}, "fixed_asset_fen", "固定资产投资不能大于总投资"),
    ({"invested_permille": 1200}, "invested_permille", "投资完成比例不能超过100%"),
    ({"start_on": "2026-07-01", "finish_on": "2026-01-31"}, "finish_on", "完工日期"),
    ({"intended_banks": ["工商银行", "建设银行", "农业银行", "中国银行"]}, "intended_banks", "意向银行不能超过3家"),
    ({"field": "mining"}, "field", "所属领域"),
    ({"directions": ["faster"]}, "directions", "更新方向"),
    ({"documents": ["permit"]}, "documents", "已办手续"),
    ({"instruments": ["grant"]}, "instruments", "申请支持方式"),
    ({"region_code": "370784"}, "region_code", "不是本市的县（市、区）"),
    ({"region_code": "512000"}, "region_code", "不是本市的县（市、区）"),
    ({"name": "  "}, "name", "项目名称不能为空"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_INPUTS)
def test_bad_input_names_the_field_and_writes_nothing(client: TestClient, lib: Library, db: Session,
                                                      change: dict[str, Any], field: str, words: str) -> None:
    r = client.post(f"{base(lib)}/projects", headers=as_(client, lib.enterprise_user),
                    json=project_body(lib.region_code, **change))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and words in r.json()["error"]
    assert db.scalar(select(func.count()).select_from(Project).where(Project.enterprise_id == lib.enterprise.id)) == 0


def test_an_equipment_line_error_names_its_row(client: TestClient, lib: Library, db: Session) -> None:
    lines = project_body(lib.region_code)["equipment"]
    lines[1]["unit_price_fen"] = 0
    lines[0]["original_value_fen"] = 0
    lines[2]["category"] = "spaceship"
    r = client.post(f"{base(lib)}/projects", headers=as_(client, lib.enterprise_user),
                    json=project_body(lib.region_code, equipment=lines))
    assert r.status_code == 422
    messages = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "旧设备须填写原值" in messages["equipment[0].original_value_fen"]
    assert "设备清单第2行" in messages["equipment[1].unit_price_fen"]
    assert "新设备须填写单价" in messages["equipment[1].unit_price_fen"]
    assert "设备类别" in messages["equipment[2].category"]
    assert db.scalar(select(func.count()).select_from(Project).where(Project.enterprise_id == lib.enterprise.id)) == 0
    assert db.scalar(select(func.count()).select_from(ProjectEquipment).join(
        Project, Project.id == ProjectEquipment.project_id).where(Project.enterprise_id == lib.enterprise.id)) == 0


def test_new_lines_may_not_exceed_the_equipment_investment(client: TestClient, lib: Library) -> None:
    lines = project_body(lib.region_code)["equipment"]
    lines[2]["quantity"] = 40  # 40 × 800万元 = 3.2亿元, more than the 3,000万元 declared
    r = client.post(f"{base(lib)}/projects", headers=as_(client, lib.enterprise_user),
                    json=project_body(lib.region_code, equipment=lines))
    assert r.status_code == 422 and r.json()["field"] == "equipment"
    assert "超过了设备投资" in r.json()["error"]


def test_an_update_replaces_the_equipment_list(client: TestClient, lib: Library, db: Session) -> None:
    ent = as_(client, lib.enterprise_user)
    pid = client.post(f"{base(lib)}/projects", headers=ent, json=project_body(lib.region_code)).json()["id"]
    lines = project_body(lib.region_code)["equipment"][:2]
    r = client.put(f"{base(lib)}/projects/{pid}", headers=ent,
                   json=project_body(lib.region_code, equipment=lines, invested_permille=500))
    assert r.status_code == 200, r.text
    assert len(r.json()["equipment"]) == 2 and r.json()["invested_permille"] == 500
    bad = client.put(f"{base(lib)}/projects/{pid}", headers=ent,
                     json=project_body(lib.region_code, invested_permille=1200))
    assert bad.status_code == 422
    db.expire_all()
    assert db.get(Project, pid).invested_permille == 500  # type: ignore[union-attr]


def _ids(client: TestClient, lib: Library, username: str, query: str = "") -> set[int]:
    r = client.get(f"{base(lib)}/projects{query}", headers=as_(client, username))
    assert r.status_code == 200, r.text
    return {p["id"] for p in r.json()["items"]}


def test_each_role_sees_only_its_scope(client: TestClient, lib: Library, db: Session) -> None:
    mine = walked_to(db, lib, "county")
    other_region = walked_to(db, lib, "county", region_code=lib.other_region_code)
    elevator = walked_to(db, lib, "county", field="elevator", name="老旧电梯更新")
    assert _ids(client, lib, lib.enterprise_user) == {mine.id, other_region.id, elevator.id}
    assert _ids(client, lib, lib.other_enterprise_user) == set()
    assert _ids(client, lib, lib.county_user) == {mine.id, elevator.id}
    assert _ids(client, lib, lib.other_county_user) == {other_region.id}
    assert _ids(client, lib, lib.department_user) == {mine.id, other_region.id}  # industry only
    assert _ids(client, lib, lib.other_department_user) == set()
    assert {mine.id, other_region.id, elevator.id} <= _ids(client, lib, lib.office_user)
    assert {mine.id, other_region.id, elevator.id} <= _ids(client, lib, lib.leader_user)

    for username in (lib.other_enterprise_user, lib.other_county_user, lib.other_department_user):
        r = client.get(f"{base(lib)}/projects/{mine.id}", headers=as_(client, username))
        assert r.status_code == 404, username
        assert lib.enterprise.name not in r.text
    foreign = as_(client, lib.foreign_office_user)
    assert client.get(f"{base(lib)}/projects/{mine.id}", headers=foreign).status_code == 404
    assert client.get(f"/api/v1/cities/370784/projects/{mine.id}", headers=foreign).status_code == 404
    assert client.get(f"{base(lib)}/projects", headers=foreign).status_code == 404


def test_filters_and_pages(client: TestClient, lib: Library, db: Session) -> None:
    for k in range(3):
        walked_to(db, lib, "draft", name=f"分页项目{k}")
    walked_to(db, lib, "county", name="待审项目")
    r = client.get(f"{base(lib)}/projects?per_page=2&q=分页项目", headers=as_(client, lib.enterprise_user))
    page = r.json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["pages"] == 2
    assert _ids(client, lib, lib.enterprise_user, "?status=county") == {
        p.id for p in db.scalars(select(Project).where(Project.name == "待审项目"))}
    bad = client.get(f"{base(lib)}/projects?status=nonsense", headers=as_(client, lib.enterprise_user))
    assert bad.status_code == 422 and bad.json()["field"] == "status"


def test_the_leader_reads_but_never_writes(client: TestClient, lib: Library, db: Session) -> None:
    project = walked_to(db, lib, "county")
    leader = as_(client, lib.leader_user)
    assert client.get(f"{base(lib)}/projects/{project.id}", headers=leader).status_code == 200
    writes = [("POST", f"{base(lib)}/projects", project_body(lib.region_code, enterprise_id=lib.enterprise.id)),
              ("PUT", f"{base(lib)}/projects/{project.id}", project_body(lib.region_code)),
              ("POST", f"{base(lib)}/projects/{project.id}/submit", None),
              ("POST", f"{base(lib)}/projects/{project.id}/approve", {"comment": "同意"}),
              ("POST", f"{base(lib)}/projects/{project.id}/return", {"comment": "请补充"}),
              ("POST", f"{base(lib)}/project-batches", {"name": "批次", "instrument": "special_bond",
                                                         "deadline": future(9)}),
              ("PUT", f"{base(lib)}/project-field-reviewers", {"field": "industry", "unit_id": lib.department_unit_id})]
    for method, path, body in writes:
        r = client.request(method, path, headers=leader, json=body)
        assert r.status_code == 403, f"{method} {path} → {r.status_code}"
    db.expire_all()
    assert db.get(Project, project.id).status == "county"  # type: ignore[union-attr]
