"""The office imports a plan through the review screen: upload, review beside the document,
correct a lead unit, commit once. Departments may not; bad files commit nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import SEEDS_DIR, api_token, login_browser
from tests.plans.importer.documents import COUNTY_MEASURES, NO_TARGETS, UNLISTED_COUNTY_MEASURES

from huanxin.orgs.models import Unit
from huanxin.plans.importer import store
from huanxin.plans.models import Plan, Target, Task, TaskUnit

ZIYANG, SHAOYANG = "512000", "430500"
ZIYANG_SEED = SEEDS_DIR / "000_a085fa549c824a08.txt"


def plan_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Plan)) or 0


def upload(client: TestClient, csrf: str, city: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(f"/cities/{city}/plans/import", data={"csrf_token": csrf},
                       files={"file": (name, data, "text/plain")}, follow_redirects=False)


def import_id_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text[:500]
    match = re.search(r"/plans/import/([0-9a-f]{32})$", response.headers["location"])
    assert match
    return match.group(1)


def test_office_reviews_corrects_a_lead_unit_and_commits_a_newer_version(client: TestClient, db: Session,
                                                                         import_dir: Path) -> None:
    csrf = login_browser(client, "ziyang-office")
    assert client.get(f"/cities/{ZIYANG}/plans/import").status_code == 200
    import_id = import_id_of(upload(client, csrf, ZIYANG, ZIYANG_SEED.name, ZIYANG_SEED.read_bytes()))
    assert (import_dir / f"{import_id}.json").exists()  # kept server-side between the steps

    page = client.get(f"/cities/{ZIYANG}/plans/import/{import_id}")
    assert page.status_code == 200
    html = page.text
    assert "资阳市推动大规模设备更新和消费品以旧换新实施方案" in html
    assert 'value="ziyang-2024-v2"' in html  # a newer version of the loaded plan
    assert 'data-testid="diff"' in html and "与已载入版本 ziyang-2024 的差异" in html
    assert 'id="b-1"' in html and 'href="#b-' in html  # items link to their source paragraph

    record = store.load(import_id, ZIYANG)
    first = next(t for t in record.proposal.iter_tasks() if t.title == "分类施策推进重点行业产线升级改造")
    assert first.lead == ["市经济和信息化局"]
    response = client.post(f"/cities/{ZIYANG}/plans/import/{import_id}", data={
        "csrf_token": csrf, f"task-{first.id}-present": "1", f"task-{first.id}-lead": "市发改委",
        f"task-{first.id}-co": "市科学技术局", f"task-{first.id}-all_counties": "on", "action": "commit",
    }, follow_redirects=False)
    assert response.status_code == 303, response.text[:800]
    plan = db.scalar(select(Plan).where(Plan.key == "ziyang-2024-v2"))
    assert plan is not None and response.headers["location"] == f"/plans/{plan.id}/ledger?imported=1"
    task = db.scalar(select(Task).where(Task.plan_id == plan.id, Task.title == "分类施策推进重点行业产线升级改造"))
    assert task is not None
    roles = {(tu.role, db.get(Unit, tu.unit_id).name) for tu in db.scalars(  # type: ignore[union-attr]
        select(TaskUnit).where(TaskUnit.task_id == task.id))}
    # 市发改委 is an alias of the city's 市发展改革委: no duplicate department is created.
    assert roles == {("lead", "市发展改革委"), ("co", "市科学技术局")}
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.city_code == ZIYANG,
                                                                 Unit.name == "市发改委")) == 0
    assert db.scalar(select(func.count()).select_from(Target).where(Target.plan_id == plan.id)) == 9
    ledger = client.get(f"/plans/{plan.id}/ledger")
    assert ledger.status_code == 200 and "分类施策推进重点行业产线升级改造" in ledger.text
    assert "已导入为方案" in client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text


def test_department_may_not_import(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-dept01")
    assert client.get(f"/cities/{ZIYANG}/plans/import").status_code == 403
    before = plan_count(db)
    assert upload(client, csrf, ZIYANG, "plan.txt", COUNTY_MEASURES.encode()).status_code == 403
    assert plan_count(db) == before


def test_another_citys_import_is_not_found(client: TestClient) -> None:
    csrf = login_browser(client, "ziyang-office")
    import_id = import_id_of(upload(client, csrf, ZIYANG, "清溪.txt", UNLISTED_COUNTY_MEASURES.encode("gb18030")))
    other = TestClient(client.app)
    login_browser(other, "shaoyang-office")
    assert other.get(f"/cities/{SHAOYANG}/plans/import/{import_id}").status_code == 404
    assert other.get(f"/cities/{ZIYANG}/plans/import/{import_id}").status_code == 404


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.txt", b"", "空文件"),
    ("binary.txt", bytes(range(256)) * 64, "不是文本"),
    ("huge.txt", ("设备更新" * 1_000_000).encode(), "超过 10 MB"),
    ("scan.pdf", b"%PDF-1.4\n%%EOF", "PDF"),
])
def test_bad_files_get_a_clear_message_and_commit_nothing(client: TestClient, db: Session, import_dir: Path,
                                                          name: str, data: bytes, message: str) -> None:
    csrf = login_browser(client, "ziyang-office")
    before = plan_count(db)
    response = upload(client, csrf, ZIYANG, name, data)
    assert response.status_code == 422
    assert message in response.text and 'data-testid="import-error"' in response.text
    assert plan_count(db) == before
    assert not list(import_dir.glob("*.json"))


def test_document_without_targets_is_reviewed_but_not_committed(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    import_id = import_id_of(upload(client, csrf, ZIYANG, "通知.txt", NO_TARGETS.encode()))
    assert "未识别到量化目标" in client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text
    before = plan_count(db)
    response = client.post(f"/cities/{ZIYANG}/plans/import/{import_id}",
                           data={"csrf_token": csrf, "plan-key": "ziyang-notice-2024", "action": "commit"})
    assert response.status_code == 422
    assert "没有识别到（或没有勾选）任何量化目标" in response.text
    assert plan_count(db) == before


def test_unmapped_indicator_blocks_the_commit_until_reviewed(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    import_id = import_id_of(upload(client, csrf, ZIYANG, "清溪.txt", UNLISTED_COUNTY_MEASURES.encode()))
    record = store.load(import_id, ZIYANG)
    unmapped = next(t for t in record.proposal.targets if t.indicator is None)
    before = plan_count(db)
    response = client.post(f"/cities/{ZIYANG}/plans/import/{import_id}", data={
        "csrf_token": csrf, "plan-key": "qinghe-2024", f"target-{unmapped.id}-present": "1",
        f"target-{unmapped.id}-include": "on", "confirm_city": "on", "action": "commit"})
    assert response.status_code == 422 and "没有指标目录中的指标" in response.text
    assert plan_count(db) == before
    # Leaving it out (the default) commits the rest, creating the county's departments as new units
    # (清溪县 is no region of the table: the office confirms it as its own, see test_wrong_city.py).
    response = client.post(f"/cities/{ZIYANG}/plans/import/{import_id}", data={
        "csrf_token": csrf, "plan-key": "qinghe-2024", f"target-{unmapped.id}-present": "1",
        "confirm_city": "on", "action": "commit"}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    plan = db.scalar(select(Plan).where(Plan.key == "qinghe-2024"))
    assert plan is not None and plan.doc_number == "清政办发〔2024〕21号"
    assert db.scalar(select(Unit).where(Unit.city_code == ZIYANG, Unit.name == "县工信局")) is not None


def test_api_upload_read_and_commit(client: TestClient, db: Session) -> None:
    headers = api_token(client, "shaoyang-office")
    seed = SEEDS_DIR / "002_3c0de72282de6dea.txt"
    created = client.post(f"/api/v1/cities/{SHAOYANG}/plan-imports", headers=headers,
                          files={"file": (seed.name, seed.read_bytes(), "text/plain")})
    assert created.status_code == 201, created.text[:300]
    body = created.json()
    assert body["proposal"]["schema"] == "huanxin.plan-import/1"
    assert body["proposal"]["plan"]["key"] == "shaoyang-2024-v2" and body["diff"] is not None
    committed = client.post(f"/api/v1/cities/{SHAOYANG}/plan-imports/{body['id']}/commit", headers=headers)
    assert committed.status_code == 201, committed.text[:300]
    assert db.scalar(select(Plan).where(Plan.key == "shaoyang-2024-v2")) is not None
    department = api_token(client, "shaoyang-dept01")
    assert client.get(f"/api/v1/cities/{SHAOYANG}/plan-imports/{body['id']}", headers=department).status_code == 403
