"""A county or the office declares a project for an enterprise on the pages (代企业申报, issue 12
item 8), as the API allows: the office for any enterprise of its city, a county for its own county's;
another county's or another city's enterprise is refused beside the enterprise input, nothing written."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.projects.support import Library, make_enterprise, setup_library
from tests.projects.test_pages import declaration
from tests.tradein.test_pages import Browser, form_key

from huanxin.projects.models import Enterprise, Project


@pytest.fixture()
def lib(db: Session) -> Library:
    return setup_library(db)


def _form(browser: Browser, region: str, **changes: object) -> dict[str, object]:
    page = browser.get("/projects/new")
    return {**declaration(region, **changes), "action": "save", "idempotency_key": form_key(page, "/projects/new")}


def _created(r: object) -> int:
    found = re.fullmatch(r"/projects/(\d+)\?done=\w+", r.headers["location"])  # type: ignore[attr-defined]
    assert found
    return int(found.group(1))


def _errors(text: str) -> dict[str, str]:
    return dict(re.findall(r'data-field="([^"]+)" role="alert">([^<]+)<', text))


def _count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Project)) or 0)


def test_the_office_declares_for_an_enterprise_of_its_city(app: FastAPI, db: Session, lib: Library) -> None:
    office = Browser(app, lib.office_user)
    page = office.get("/projects/new")
    assert 'data-testid="enterprise-choice"' in page and f'<option value="{lib.enterprise.id}"' in page
    r = office.post("/projects/new", {**_form(office, lib.region_code), "enterprise_id": str(lib.enterprise.id)})
    project = db.get(Project, _created(r))
    assert project is not None and project.enterprise_id == lib.enterprise.id and project.status == "draft"
    shown = office.get(f"/projects/{project.id}")
    assert lib.enterprise.name in shown and 'data-testid="edit-link"' in shown  # the office may finish it
    assert "电机系统节能改造项目" in Browser(app, lib.enterprise_user).get("/projects/mine")  # the enterprise's own


def test_the_office_finds_an_enterprise_by_its_credit_code(app: FastAPI, db: Session, lib: Library) -> None:
    office = Browser(app, lib.office_user)
    r = office.post("/projects/new", {**_form(office, lib.region_code),
                                      "enterprise_code": lib.other_enterprise.credit_code.lower()})
    project = db.get(Project, _created(r))
    assert project is not None and project.enterprise_id == lib.other_enterprise.id


def test_a_county_declares_for_its_own_countys_enterprise(app: FastAPI, db: Session, lib: Library) -> None:
    county = Browser(app, lib.county_user)
    page = county.get("/projects/review")
    assert 'data-testid="declare-for-link"' in page
    form = county.get("/projects/new")
    outsider, _ = make_enterprise(db, lib.city_code, lib.other_region_code, "外县机械")
    assert f'<option value="{lib.enterprise.id}"' in form and f'<option value="{outsider.id}"' not in form
    assert f'<option value="{lib.other_region_code}"' not in form  # it builds in its own county only
    r = county.post("/projects/new", {**_form(county, lib.region_code), "enterprise_id": str(lib.enterprise.id)})
    project = db.get(Project, _created(r))
    assert project is not None and project.enterprise_id == lib.enterprise.id
    edit = county.get(f"/projects/{project.id}/edit")  # the county that declared it may correct it
    assert 'value="电机系统节能改造项目"' in edit and lib.enterprise.name in edit


def test_a_county_may_not_declare_for_another_countys_enterprise(app: FastAPI, db: Session, lib: Library) -> None:
    outsider, _ = make_enterprise(db, lib.city_code, lib.other_region_code, "外县电器")
    county = Browser(app, lib.county_user)
    before = _count(db)
    r = county.post("/projects/new", {**_form(county, lib.region_code), "enterprise_id": str(outsider.id)},
                    status=422)
    assert "县（市、区）只能为本县区登记的企业代为申报" in _errors(r.text)["enterprise_id"]
    assert 'value="电机系统节能改造项目"' in r.text  # the form as typed
    assert outsider.name not in r.text
    r = county.post("/projects/new", {**_form(county, lib.region_code), "enterprise_code": outsider.credit_code},
                    status=422)
    assert "不在本县（市、区）企业库中" in _errors(r.text)["enterprise_code"]
    assert _count(db) == before  # nothing written


def test_another_citys_enterprise_is_refused_like_one_that_does_not_exist(app: FastAPI, db: Session,
                                                                         lib: Library) -> None:
    foreign = db.scalar(select(Enterprise).where(Enterprise.city_code != lib.city_code).limit(1))
    if foreign is None:
        foreign, _ = make_enterprise(db, "370784", "370784", "外市企业")
    office = Browser(app, lib.office_user)
    before = _count(db)
    sent = _form(office, lib.region_code)
    refused = [office.post("/projects/new", {**sent, "enterprise_id": value}, status=422).text
               for value in (str(foreign.id), "999999999")]
    assert _errors(refused[0])["enterprise_id"] == _errors(refused[1])["enterprise_id"]
    assert "不在本市企业库中" in _errors(refused[0])["enterprise_id"]
    assert foreign.name not in refused[0]
    assert _count(db) == before


def test_a_declaration_without_an_enterprise_says_so(app: FastAPI, db: Session, lib: Library) -> None:
    office = Browser(app, lib.office_user)
    before = _count(db)
    r = office.post("/projects/new", _form(office, lib.region_code), status=422)
    assert _errors(r.text)["enterprise_id"] == "请选择项目所属企业"
    r = office.post("/projects/new", {**_form(office, lib.region_code), "enterprise_code": "123"}, status=422)
    assert "应为18位" in _errors(r.text)["enterprise_code"]
    assert _count(db) == before


def test_a_department_and_the_leader_do_not_declare(app: FastAPI, lib: Library) -> None:
    for who in (lib.department_user, lib.leader_user):
        browser = Browser(app, who)
        browser.get("/projects/new", status=403)
        r = browser.client.post("/projects/new", data={"csrf_token": browser.csrf, **declaration(lib.region_code),
                                                       "enterprise_id": str(lib.enterprise.id)},
                                follow_redirects=False)
        assert r.status_code == 403
