"""The office's batches for the province, and which department reviews which field."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.projects.support import Library, future, setup_library, walked_to

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit.audit import AuditRecord
from huanxin.kit.clock import today
from huanxin.projects import batches, lights, reviewers, service
from huanxin.projects.models import FieldReviewer


@pytest.fixture()
def lib(db: Session) -> Library:
    return setup_library(db)


def _batch(db: Session, lib: Library, instrument: str = "special_bond", days: int = 20):  # type: ignore[no-untyped-def]
    return batches.create_batch(db, lib.scope(db, lib.office_user), "2026年第二批设备更新项目", instrument,
                                today() + dt.timedelta(days=days))


def test_only_approved_projects_go_into_a_batch_of_an_instrument_they_asked_for(db: Session, lib: Library) -> None:
    office = lib.scope(db, lib.office_user)
    batch = _batch(db, lib)
    waiting = walked_to(db, lib, "office")
    with pytest.raises(Conflict):
        batches.add_to_batch(db, office, batch.id, [waiting.id])
    loan_only = walked_to(db, lib, "approved", instruments=["relending"])
    with pytest.raises(InvalidInput) as refused:
        batches.add_to_batch(db, office, batch.id, [loan_only.id])
    assert "未申请超长期特别国债" in refused.value.message
    approved = walked_to(db, lib, "approved")
    batches.add_to_batch(db, office, batch.id, [approved.id])
    assert approved.status == "batched" and approved.batch_id == batch.id
    batches.remove_from_batch(db, office, batch.id, [approved.id])
    assert approved.status == "approved" and approved.batch_id is None


def test_a_sent_batch_reports_its_projects_and_is_closed(db: Session, lib: Library) -> None:
    office = lib.scope(db, lib.office_user)
    batch = _batch(db, lib)
    with pytest.raises(Conflict):
        batches.send_batch(db, office, batch.id)  # empty
    project = walked_to(db, lib, "approved")
    batches.add_to_batch(db, office, batch.id, project.id)
    batches.send_batch(db, office, batch.id)
    assert batch.status == "sent" and project.status == "reported"
    assert service.history(db, office, project.id)[-1].action == "report"
    with pytest.raises(Conflict):
        batches.remove_from_batch(db, office, batch.id, [project.id])
    assert db.scalar(select(AuditRecord.id).where(AuditRecord.action == "project_batch_send",
                                                  AuditRecord.entity_id == str(batch.id))) is not None


def test_batches_are_the_offices(db: Session, lib: Library) -> None:
    batch = _batch(db, lib)
    for username in (lib.leader_user, lib.county_user, lib.department_user, lib.enterprise_user):
        with pytest.raises(Forbidden):
            batches.create_batch(db, lib.scope(db, username), "越权批次", "special_bond", today())
    with pytest.raises(NotFound):
        batches.send_batch(db, lib.scope(db, lib.foreign_office_user), batch.id)
    assert [b.id for b in batches.list_batches(db, lib.scope(db, lib.leader_user))][:1] == [batch.id]
    with pytest.raises(InvalidInput) as late:
        batches.create_batch(db, lib.scope(db, lib.office_user), "过期批次", "special_bond",
                             today() - dt.timedelta(days=1))
    assert late.value.field == "deadline"


def test_the_office_light_runs_to_the_nearest_open_deadline(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "office")
    batch = _batch(db, lib, days=2)
    light = lights.light_of(db, project)
    assert light is not None and light.due_on == batch.deadline and light.label == "黄灯"


def test_default_reviewers_come_from_the_unit_names_and_the_office_may_change_them(db: Session,
                                                                                  lib: Library) -> None:
    assert reviewers.ensure_field_reviewers(db, lib.city_code) == []  # idempotent: already there
    rows = {r.field: r.unit_id for r in db.scalars(select(FieldReviewer).where(
        FieldReviewer.city_code == lib.city_code))}
    assert rows["industry"] == lib.department_unit_id
    office = lib.scope(db, lib.office_user)
    changed = reviewers.reassign(db, office, lib.city_code, "elevator", lib.other_department_unit_id)
    assert changed.unit_id == lib.other_department_unit_id
    elevator = walked_to(db, lib, "department", field="elevator", name="老旧电梯更新")
    assert service.approve_project(db, lib.scope(db, lib.other_department_user), elevator.id).status == "office"
    with pytest.raises(Forbidden):
        reviewers.reassign(db, lib.scope(db, lib.department_user), lib.city_code, "industry",
                           lib.other_department_unit_id)
    with pytest.raises(InvalidInput):
        reviewers.reassign(db, office, lib.city_code, "mining", lib.department_unit_id)
    assert db.scalar(select(AuditRecord.id).where(AuditRecord.action == "project_field_reviewer_reassign")) is not None


def test_the_batch_api(client: TestClient, lib: Library, db: Session) -> None:
    office = api_token(client, lib.office_user)
    project = walked_to(db, lib, "approved")
    base = f"/api/v1/cities/{lib.city_code}"
    r = client.post(f"{base}/project-batches", headers=office,
                    json={"name": "第三批", "instrument": "special_bond", "deadline": future(10)})
    batch_id = r.json()["id"]
    r = client.post(f"{base}/project-batches/{batch_id}/projects", headers=office, json={"project_ids": [project.id]})
    assert r.json()["projects"] == 1
    listed = client.get(f"{base}/project-batches", headers=office).json()
    assert listed[0]["instrument_label"] == "超长期特别国债" and listed[0]["projects"] == 1
    r = client.post(f"{base}/project-batches/{batch_id}/projects/remove", headers=office,
                    json={"project_ids": [project.id]})
    assert r.json()["items"] == []
    assigned = client.get(f"{base}/project-field-reviewers", headers=office).json()
    assert {a["field_label"] for a in assigned} >= {"工业", "老旧住宅电梯"}
    r = client.get(f"/api/v1/cities/370784/project-batches/{batch_id}", headers=api_token(client,
                                                                                           lib.foreign_office_user))
    assert r.status_code == 404
