"""Whose plan it is: an office imports its own city's plans (and its counties'), never another
city's. Another region's issuer is refused at the upload, naming both; an issuer that names no known
region, or a unit named for another region, needs the office's explicit “我确认这是本市的方案”."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import SEEDS_DIR, api_token, login_browser
from tests.plans.importer.documents import UNLISTED_COUNTY_MEASURES

from huanxin.errors import InvalidInput
from huanxin.orgs.models import Unit
from huanxin.plans.importer import service, store
from huanxin.plans.models import Plan, Task, TaskUnit

ZIYANG = "512000"
ANQIU_SEED = SEEDS_DIR / "004_674a6e52ef9920f7.txt"
CONFIRM = "我确认这是本市的方案"


def _plan(issuer: str, title: str, lead: str) -> str:
    """A short plan with a notice signed by `issuer`, one catalogue target and two tasks."""
    return f"""\
{issuer}
关于印发《{title}》的通知

各有关单位：
现将《{title}》印发给你们，请认真贯彻落实。

{issuer}
2024年8月12日

{title}

为贯彻落实《国务院关于印发〈推动大规模设备更新和消费品以旧换新行动方案〉的通知》（国发〔2024〕7号），制定本方案。

一、主要目标
到2027年，设备投资规模较2023年增长25%以上。

二、重点任务
（一）实施设备更新和以旧换新
1.推动企业技术改造。支持传统产业更新先进设备。（市经济和信息化局牵头，市财政局、市科学技术局配合）
2.推动汽车以旧换新。组织汽车促销活动。（{lead}牵头，市财政局、市公安局配合）
"""


def plan_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Plan)) or 0


def upload(client: TestClient, csrf: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(f"/cities/{ZIYANG}/plans/import", data={"csrf_token": csrf},
                       files={"file": (name, data, "text/plain")}, follow_redirects=False)


def import_id_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text[:800]
    match = re.search(r"/plans/import/([0-9a-f]{32})$", response.headers["location"])
    assert match
    return match.group(1)


def commit(client: TestClient, csrf: str, import_id: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(f"/cities/{ZIYANG}/plans/import/{import_id}",
                       data={"csrf_token": csrf, "action": "commit", **fields}, follow_redirects=False)


def test_another_citys_plan_is_refused_over_the_api_naming_both(client: TestClient, db: Session,
                                                                import_dir: Path) -> None:
    headers = api_token(client, "ziyang-office")
    before = plan_count(db)
    response = client.post(f"/api/v1/cities/{ZIYANG}/plan-imports", headers=headers,
                           files={"file": (ANQIU_SEED.name, ANQIU_SEED.read_bytes(), "text/plain")})
    assert response.status_code == 422, response.text[:300]
    body = response.json()
    assert body["field"] == "file"
    assert "发文机关为安丘市人民政府（370784）" in body["error"]
    assert "不是本市（资阳市，512000）的方案，未导入" in body["error"]
    assert plan_count(db) == before
    assert not list(import_dir.glob("*.json"))  # no draft is kept


def test_another_citys_plan_is_refused_on_the_upload_form(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    before = plan_count(db)
    response = upload(client, csrf, ANQIU_SEED.name, ANQIU_SEED.read_bytes())
    assert response.status_code == 422
    html = response.text
    assert 'data-testid="upload-form"' in html  # the form again, not a bare error page
    error = re.search(r'data-testid="import-error">([^<]+)<', html)
    assert error and "安丘市人民政府（370784）" in error.group(1) and "资阳市，512000" in error.group(1)
    assert plan_count(db) == before


def test_the_cli_refuses_another_citys_plan_too(db: Session) -> None:
    before = plan_count(db)
    with pytest.raises(InvalidInput, match="安丘市人民政府（370784）"):
        service.import_file(db, ZIYANG, ANQIU_SEED.name, ANQIU_SEED.read_bytes(), actor="test")
    assert plan_count(db) == before


def test_a_plan_without_a_known_region_needs_the_offices_confirmation(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    # 清溪县 is in no region of the table: the importer cannot tell whose plan it is.
    import_id = import_id_of(upload(client, csrf, "清溪.txt", UNLISTED_COUNTY_MEASURES.encode()))
    review = client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text
    assert 'data-testid="city-warning"' in review and "未能从发文机关和标题识别方案所属地区" in review
    assert CONFIRM in review and 'name="confirm_city"' in review

    before = plan_count(db)
    refused = commit(client, csrf, import_id, **{"plan-key": "qinghe-2024", "confirm_city-present": "1"})
    assert refused.status_code == 422 and f"勾选“{CONFIRM}”后再导入" in refused.text
    assert plan_count(db) == before

    accepted = commit(client, csrf, import_id, **{"plan-key": "qinghe-2024", "confirm_city-present": "1",
                                                  "confirm_city": "on"})
    assert accepted.status_code == 303, accepted.text[:800]
    assert db.scalar(select(Plan).where(Plan.key == "qinghe-2024", Plan.city_code == ZIYANG)) is not None


def test_the_api_commit_needs_the_confirmation_too(client: TestClient, db: Session) -> None:
    headers = api_token(client, "ziyang-office")
    created = client.post(f"/api/v1/cities/{ZIYANG}/plan-imports", headers=headers,
                          files={"file": ("清溪.txt", UNLISTED_COUNTY_MEASURES.encode(), "text/plain")})
    assert created.status_code == 201, created.text[:300]
    body = created.json()
    assert body["origin"]["region"] is None and body["origin"]["needs_confirmation"] is True
    url = f"/api/v1/cities/{ZIYANG}/plan-imports/{body['id']}/commit"
    refused = client.post(url, headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "confirm_city"
    accepted = client.post(url, headers=headers, json={"confirm_city": True})
    assert accepted.status_code == 201, accepted.text[:300]


def test_a_unit_named_for_another_city_is_never_merged_and_is_created_only_once_confirmed(
        client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    text = _plan("资阳市人民政府办公室", "资阳市推动汽车和工业设备更新若干举措", "安丘市商务局")
    import_id = import_id_of(upload(client, csrf, "资阳-举措.txt", text.encode()))
    record = store.load(import_id, ZIYANG)
    anqiu = next(u for u in record.proposal.units if u.name == "安丘市商务局")
    assert not anqiu.known  # not folded onto 资阳's 市商务局
    review = client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text
    assert "冠有其他地区的名称（安丘市商务局）" in review and 'data-testid="foreign-unit"' in review

    before = plan_count(db)
    refused = commit(client, csrf, import_id, **{"confirm_city-present": "1"})
    assert refused.status_code == 422 and CONFIRM in refused.text
    assert plan_count(db) == before

    accepted = commit(client, csrf, import_id, **{"confirm_city-present": "1", "confirm_city": "on"})
    assert accepted.status_code == 303, accepted.text[:800]
    plan = db.scalar(select(Plan).where(Plan.title == "资阳市推动汽车和工业设备更新若干举措"))
    assert plan is not None
    task = db.scalar(select(Task).where(Task.plan_id == plan.id, Task.title.like("推动汽车以旧换新%")))
    assert task is not None
    leads = {db.get(Unit, tu.unit_id).name for tu in db.scalars(  # type: ignore[union-attr]
        select(TaskUnit).where(TaskUnit.task_id == task.id, TaskUnit.role == "lead"))}
    assert leads == {"安丘市商务局"}


def test_a_plan_of_the_citys_own_county_is_accepted_without_confirmation(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    text = _plan("雁江区人民政府办公室", "雁江区推动大规模设备更新和消费品以旧换新工作方案", "区商务局")
    import_id = import_id_of(upload(client, csrf, "雁江.txt", text.encode()))
    review = client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text
    assert 'data-testid="city-warning"' not in review and CONFIRM not in review
    response = commit(client, csrf, import_id)
    assert response.status_code == 303, response.text[:800]
    plan = db.scalar(select(Plan).where(Plan.title == "雁江区推动大规模设备更新和消费品以旧换新工作方案"))
    assert plan is not None and plan.city_code == ZIYANG and plan.issuer == "雁江区人民政府办公室"
