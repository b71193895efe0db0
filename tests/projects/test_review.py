"""The review chain's rules: who acts at which level, return with a comment, resubmission with what
changed, separation of duties, and the deadlines' lights."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.projects.support import Library, declared, project_input, setup_library, walked_to

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.kit.audit import AuditRecord
from huanxin.kit.clock import aware
from huanxin.projects import lights, service
from huanxin.projects.models import Project, ProjectStep


@pytest.fixture()
def lib(db: Session) -> Library:
    return setup_library(db)


def test_a_return_needs_a_comment_and_changes_nothing_without_one(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "county")
    county = lib.scope(db, lib.county_user)
    with pytest.raises(InvalidInput) as refused:
        service.return_project(db, county, project.id, "   ")
    assert refused.value.field == "comment" and "退回意见不能为空" in refused.value.message
    assert project.status == "county"
    returned = service.return_project(db, county, project.id, "设备清单缺少旧设备原值凭证")
    assert returned.status == "returned" and returned.returned_from == "county"
    assert service.history(db, county, project.id)[-1].comment == "设备清单缺少旧设备原值凭证"


def test_the_resubmission_shows_what_changed(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "department")
    department = lib.scope(db, lib.department_user)
    service.return_project(db, department, project.id, "请核实投资完成比例并补充一台加工中心")
    enterprise = lib.scope(db, lib.enterprise_user)
    data = project_input(lib.region_code, invested_permille=550)
    data.equipment[2].quantity = 3
    data.equipment.pop(0)
    service.update_project(db, enterprise, project.id, data)
    while_correcting = {c.label for c in service.changes_since_last_submission(db, enterprise, project.id)}
    assert "投资完成比例" in while_correcting

    again = service.submit_project(db, enterprise, project.id)
    assert again.status == "county" and again.version == 2
    changes = service.changes_since_last_submission(db, lib.scope(db, lib.county_user), project.id)
    by_label = {c.label: (c.before, c.after) for c in changes}
    assert by_label["投资完成比例"] == ("40%", "55%")
    assert by_label["设备清单·购置新设备“数控加工中心”（VMC850）·数量"] == ("2", "3")
    assert any(label.startswith("设备清单·删除淘汰旧设备“Y系列电动机”") for label in by_label)
    assert [s.action for s in service.history(db, enterprise, project.id)] == [
        "submit", "approve", "return", "resubmit"]


def test_the_first_submission_has_no_changes(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "county")
    assert service.changes_since_last_submission(db, lib.scope(db, lib.county_user), project.id) == []


def test_each_level_acts_only_at_its_own_level(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "county")
    with pytest.raises(Conflict):  # the department's turn has not come
        service.approve_project(db, lib.scope(db, lib.department_user), project.id)
    with pytest.raises(Conflict):
        service.approve_project(db, lib.scope(db, lib.office_user), project.id)
    with pytest.raises(NotFound):  # another county's project does not exist for it
        service.approve_project(db, lib.scope(db, lib.other_county_user), project.id)
    with pytest.raises(Forbidden):
        service.approve_project(db, lib.scope(db, lib.enterprise_user), project.id)
    with pytest.raises(Forbidden):
        service.approve_project(db, lib.scope(db, lib.leader_user), project.id)
    service.approve_project(db, lib.scope(db, lib.county_user), project.id)
    with pytest.raises(NotFound):  # a department that does not review industry
        service.approve_project(db, lib.scope(db, lib.other_department_user), project.id)
    with pytest.raises(Conflict):  # approving twice
        service.approve_project(db, lib.scope(db, lib.county_user), project.id)
    assert project.status == "department"


def test_only_drafts_and_returned_projects_change(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "county")
    enterprise = lib.scope(db, lib.enterprise_user)
    with pytest.raises(Conflict):
        service.update_project(db, enterprise, project.id, project_input(lib.region_code, name="改名"))
    with pytest.raises(Conflict):
        service.submit_project(db, enterprise, project.id)
    with pytest.raises(NotFound):  # another enterprise
        service.update_project(db, lib.scope(db, lib.other_enterprise_user), project.id,
                               project_input(lib.region_code))
    assert project.name != "改名"


def test_a_submission_needs_an_equipment_list(db: Session, lib: Library) -> None:
    project = declared(db, lib, equipment=[])
    with pytest.raises(InvalidInput) as refused:
        service.submit_project(db, lib.scope(db, lib.enterprise_user), project.id)
    assert refused.value.field == "equipment"
    assert project.status == "draft"


def test_a_county_declares_for_an_enterprise_of_its_region_only(db: Session, lib: Library) -> None:
    county = lib.scope(db, lib.county_user)
    project = service.create_project(db, county, project_input(lib.region_code), enterprise_id=lib.enterprise.id)
    assert project.enterprise_id == lib.enterprise.id
    with pytest.raises(InvalidInput) as elsewhere:
        service.create_project(db, county, project_input(lib.other_region_code), enterprise_id=lib.enterprise.id)
    assert elsewhere.value.field == "region_code"
    with pytest.raises(NotFound):
        service.create_project(db, lib.scope(db, lib.other_county_user), project_input(lib.other_region_code),
                               enterprise_id=lib.enterprise.id)
    with pytest.raises(Forbidden):
        service.create_project(db, lib.scope(db, lib.department_user), project_input(lib.region_code),
                               enterprise_id=lib.enterprise.id)
    # the enterprise sees and may correct what its county declared for it
    assert service.get_project(db, lib.scope(db, lib.enterprise_user), project.id).id == project.id


def test_whoever_declared_a_project_does_not_approve_it(db: Session, lib: Library) -> None:
    office = lib.scope(db, lib.office_user)
    project = service.create_project(db, office, project_input(lib.region_code), enterprise_id=lib.enterprise.id)
    service.submit_project(db, office, project.id)
    service.approve_project(db, lib.scope(db, lib.county_user), project.id)
    service.approve_project(db, lib.scope(db, lib.department_user), project.id)
    with pytest.raises(Forbidden) as refused:
        service.approve_project(db, office, project.id)
    assert "不能审核通过自己填报的项目" in refused.value.message
    assert project.status == "office"


def test_codes_are_numbered_per_city_and_year(db: Session, lib: Library) -> None:
    first, second = declared(db, lib), declared(db, lib)
    assert first.code[:-5] == second.code[:-5] and int(second.code[-5:]) == int(first.code[-5:]) + 1


def test_every_step_is_audited(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "department")
    service.return_project(db, lib.scope(db, lib.department_user), project.id, "请补充能评")
    actions = list(db.scalars(select(AuditRecord.action).where(AuditRecord.entity == "project",
                                                               AuditRecord.entity_id == str(project.id))
                              .order_by(AuditRecord.id)))
    assert actions == ["project_create", "project_submit", "project_approve", "project_return"]
    steps = db.scalar(select(func.count()).select_from(ProjectStep).where(ProjectStep.project_id == project.id))
    assert steps == 3


def test_the_lights_follow_each_levels_deadline(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "county")
    since = aware(project.stage_since).date()  # type: ignore[arg-type]
    seen = {k: lights.light_of(db, project, since + dt.timedelta(days=k)) for k in (0, 5, 8)}
    assert [seen[k].label for k in (0, 5, 8)] == ["绿灯", "黄灯", "红灯"]  # type: ignore[union-attr]
    assert seen[0].due_on == since + dt.timedelta(days=7)  # type: ignore[union-attr]
    assert lights.light_of(db, declared(db, lib)) is None  # a draft waits on nobody


def test_a_project_in_the_wrong_city_is_not_found(db: Session, lib: Library) -> None:
    project = walked_to(db, lib, "office")
    foreign = lib.scope(db, lib.foreign_office_user)
    for call in (lambda: service.get_project(db, foreign, project.id),
                 lambda: service.approve_project(db, foreign, project.id),
                 lambda: service.return_project(db, foreign, project.id, "越权退回"),
                 lambda: service.history(db, foreign, project.id)):
        with pytest.raises(NotFound):
            call()
    assert db.get(Project, project.id).status == "office"  # type: ignore[union-attr]
