"""The project library's pages, as each role meets them in the browser (issue 12, items 3 and 8):
an enterprise declares a project with its equipment list and sees it; the county returns it with a
comment; the enterprise reads the comment, corrects and resubmits, and the reviewer reads what
changed; the department and the office approve; the office compiles a batch and sends it; the
leader reads everything and is offered no form; nobody outside the staff reads a code."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from tests.projects.support import Library, future, setup_library
from tests.tradein.test_pages import Browser, form_key
from tests.web.test_screen_words import codes_in, visible_text

from huanxin.projects import vocab
from huanxin.projects.models import Project


@pytest.fixture()
def lib(db: Session) -> Library:
    return setup_library(db)


def declaration(region: str, **changes: object) -> dict[str, object]:
    """A filled-in form: a motor renewal with one retired and one new line."""
    form: dict[str, object] = {
        "name": "电机系统节能改造项目", "field": "industry", "region_code": region,
        "construction": "under_construction",
        "start_on": "2025-03-01", "finish_on": "2026-06-30", "directions": ["energy_saving", "intelligent"],
        "summary": "淘汰高耗能电机，购置一级能效永磁电机", "total_investment": "1200", "fixed_asset": "1000",
        "equipment_investment": "800.5", "invested_pct": "45", "documents": ["approval", "energy_review"],
        "instruments": ["special_bond", "relending"], "loan_need": "300", "loan_term_months": "36",
        "bank_1": "中国工商银行资阳分行",
        "eq-0-side": "retired", "eq-0-category": "motor", "eq-0-name": "Y系列异步电动机", "eq-0-model": "Y160M-4",
        "eq-0-quantity": "20", "eq-0-year": "2008", "eq-0-original_value": "400000", "eq-0-fully_depreciated": "1",
        "eq-0-origin": "domestic",
        "eq-1-side": "new", "eq-1-category": "motor", "eq-1-name": "高效永磁同步电动机", "eq-1-model": "TYCX160M-4",
        "eq-1-quantity": "20", "eq-1-unit_price": "18000", "eq-1-rated_power_kw": "11", "eq-1-poles": "4",
        "eq-1-efficiency_pct": "93.6", "eq-1-origin": "domestic", "eq-1-supplier": "资阳电机厂",
        "eq-2-side": "new", "eq-2-category": "other", "eq-2-origin": "domestic",  # an empty row: no item
    }
    form.update(changes)
    return form


def declare(browser: Browser, region: str, action: str = "submit", **changes: object) -> int:
    page = browser.get("/projects/new")
    data = {**declaration(region, **changes), "action": action, "idempotency_key": form_key(page, "/projects/new")}
    r = browser.post("/projects/new", data)
    found = re.fullmatch(r"/projects/(\d+)\?done=\w+", r.headers["location"])
    assert found, r.headers["location"]
    return int(found.group(1))


def post_forms(html: str) -> list[str]:
    """The actions of the page's POST forms, but signing out."""
    return [a for a in re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html) if a != "/logout"]


# ---- the enterprise ---------------------------------------------------------------------------------

def test_an_enterprise_declares_a_project_with_its_equipment_and_sees_it(app: FastAPI, lib: Library,
                                                                         db: Session) -> None:
    me = Browser(app, lib.enterprise_user)
    assert "申报项目" in me.get("/projects/mine")
    project_id = declare(me, lib.region_code)
    page = me.get(f"/projects/{project_id}?done=submitted")
    text = visible_text(page)
    assert "已提交，等待县（市、区）审核" in text and "待县区审核" in text
    assert "Y系列异步电动机" in text and "高效永磁同步电动机" in text
    assert "1,200.00 万元" in text and "800.50 万元" in text and "45%" in text
    assert "节能降碳" in text and "超长期特别国债" in text and "节能审查" in text
    assert "18,000.00" in text  # the unit price, in 元
    project = db.get(Project, project_id)
    assert project is not None and project.equipment_investment_fen == 800_500_000  # 800.5 万元 in fen
    assert project.invested_permille == 450
    assert page.count('data-side="') == 2  # the empty row is no item
    mine = visible_text(me.get("/projects/mine"))
    assert "电机系统节能改造项目" in mine and "待县区审核" in mine


def test_a_refused_declaration_shows_each_error_beside_its_field_with_what_was_typed(app: FastAPI,
                                                                                    lib: Library) -> None:
    me = Browser(app, lib.enterprise_user)
    page = me.get("/projects/new")
    data = {**declaration(lib.region_code, equipment_investment="1500", invested_pct="120", finish_on="2024-01-01"),
            "action": "submit", "idempotency_key": form_key(page, "/projects/new")}
    r = me.post("/projects/new", data, status=422)
    errors = dict(re.findall(r'data-field="([^"]+)" role="alert">([^<]+)<', r.text))
    assert "设备投资不能大于总投资" in errors["equipment_investment"]
    assert errors["invested_pct"] == "投资完成比例不能超过100%"
    assert "不能早于开工日期" in errors["finish_on"]
    assert 'value="电机系统节能改造项目"' in r.text and 'value="高效永磁同步电动机"' in r.text  # kept
    assert "nothing" not in r.text and "/projects/" not in r.headers.get("location", "")
    assert "电机系统节能改造项目" not in visible_text(me.get("/projects/mine"))  # nothing was written


def test_money_that_is_not_a_number_names_its_row(app: FastAPI, lib: Library) -> None:
    me = Browser(app, lib.enterprise_user)
    page = me.get("/projects/new")
    r = me.post("/projects/new", {**declaration(lib.region_code, **{"eq-1-unit_price": "一万八"}), "action": "save",
                                  "idempotency_key": form_key(page, "/projects/new")}, status=422)
    assert re.search(r'data-field="eq-1-unit_price" role="alert">设备第 2 行的单价“一万八”不是有效金额', r.text)


def test_adding_a_row_keeps_what_was_typed(app: FastAPI, lib: Library) -> None:
    me = Browser(app, lib.enterprise_user)
    page = me.get("/projects/new")
    rows_before = page.count("<tr data-row=")
    r = me.post("/projects/new", {**declaration(lib.region_code), "action": "add_row",
                                  "idempotency_key": form_key(page, "/projects/new")}, status=200)
    assert r.text.count("<tr data-row=") == rows_before + 1
    assert 'value="Y系列异步电动机"' in r.text and 'value="1200"' in r.text


# ---- the review chain --------------------------------------------------------------------------------

def test_return_correct_resubmit_and_approve_through_every_level_then_batch_and_send(
        app: FastAPI, lib: Library, db: Session) -> None:
    me = Browser(app, lib.enterprise_user)
    project_id = declare(me, lib.region_code)
    county = Browser(app, lib.county_user)
    queue = county.get("/projects/review")
    assert f'data-project="{project_id}"' in queue and 'data-light="' in queue

    # A return without a comment: the error beside the comment box, nothing changes.
    r = county.post(f"/projects/{project_id}/return", {"comment": " "}, status=422)
    assert re.search(r'data-field="comment" role="alert">退回意见不能为空', r.text)
    county.post(f"/projects/{project_id}/return", {"comment": "请补充节能审查意见，核对设备投资"})

    mine = me.get("/projects/mine")
    assert "请补充节能审查意见，核对设备投资" in visible_text(mine)
    page = me.get(f"/projects/{project_id}")
    assert "已退回修改" in page and "请补充节能审查意见" in page
    edit = me.get(f"/projects/{project_id}/edit")
    assert 'value="Y系列异步电动机"' in edit and 'value="800.5"' in edit
    me.post(f"/projects/{project_id}/edit", {**declaration(lib.region_code, total_investment="1300",
                                                           **{"eq-1-quantity": "22"}), "action": "submit"})

    page = county.get(f"/projects/{project_id}")
    changes = visible_text(page.split('data-testid="changes"')[1].split("</section>")[0])
    assert "本次修改（第 2 版" in changes and "总投资" in changes and "1,300.00万元" in changes
    assert "数量" in changes and "22" in changes
    assert "本次修改" in me.get(f"/projects/{project_id}")  # the enterprise reads the same diff

    county.post(f"/projects/{project_id}/approve", {"comment": "同意"})
    department = Browser(app, lib.department_user)
    assert f'data-project="{project_id}"' in department.get("/projects/review")
    department.post(f"/projects/{project_id}/approve", {})
    office = Browser(app, lib.office_user)
    office.post(f"/projects/{project_id}/approve", {})
    assert "已入库" in visible_text(me.get(f"/projects/{project_id}"))
    history = visible_text(office.get(f"/projects/{project_id}").split('data-testid="history"')[1])
    for words in ("提交", "退回修改", "修改后重新提交", "审核通过", "请补充节能审查意见"):
        assert words in history

    # The office compiles a batch and sends it to the province.
    batches = office.get("/projects/batches")
    r = office.post("/projects/batches", {"name": "超长期特别国债设备更新项目第一批", "instrument": "special_bond",
                                          "deadline": future(30),
                                          "idempotency_key": form_key(batches, "/projects/batches")})
    batch_url = r.headers["location"]
    batch_page = office.get(batch_url)
    assert f'value="{project_id}"' in batch_page.split('data-testid="approved-projects"')[1]
    office.post(f"{batch_url}/add", {"project_ids": [str(project_id)]})
    batch_page = office.get(batch_url)
    assert "电机系统节能改造项目" in batch_page.split('data-testid="batch-projects"')[1].split("</table>")[0]
    office.post(f"{batch_url}/send", {"idempotency_key": form_key(batch_page, f"{batch_url}/send")})
    assert "已报送省级" in visible_text(office.get(batch_url))
    assert "已报送省级" in visible_text(me.get(f"/projects/{project_id}"))


def test_a_return_from_the_wrong_level_is_refused_on_the_page(app: FastAPI, lib: Library) -> None:
    project_id = declare(Browser(app, lib.enterprise_user), lib.region_code)
    office = Browser(app, lib.office_user)
    page = office.get(f"/projects/{project_id}")
    assert 'data-testid="review-actions"' not in page  # not the office's turn: no buttons
    r = office.post(f"/projects/{project_id}/approve", {}, status=409)
    assert "不在您的审核环节" in r.text


# ---- the office and the leader ------------------------------------------------------------------------

def test_the_library_shows_totals_charts_and_filters(app: FastAPI, lib: Library) -> None:
    me = Browser(app, lib.enterprise_user)
    first = declare(me, lib.region_code)
    second = declare(me, lib.region_code, name="教学设备更新项目", field="education")
    office = Browser(app, lib.office_user)
    page = office.get("/projects/library")
    assert 'data-testid="by-field"' in page and 'data-testid="by-region"' in page and "chart-data" in page
    assert f'data-project="{first}"' in page and f'data-project="{second}"' in page
    assert "工业" in visible_text(page.split('data-testid="by-field"')[1].split("</table>")[0])
    only = office.get("/projects/library?field=education")
    assert f'data-project="{second}"' in only and f'data-project="{first}"' not in only
    by_text = office.get("/projects/library?q=教学")
    assert f'data-project="{second}"' in by_text and f'data-project="{first}"' not in by_text
    by_enterprise = office.get(f"/projects/library?enterprise={lib.enterprise.id}&status=county")
    assert f'data-project="{first}"' in by_enterprise


def test_the_leader_reads_the_library_and_is_offered_no_form(app: FastAPI, lib: Library) -> None:
    project_id = declare(Browser(app, lib.enterprise_user), lib.region_code)
    leader = Browser(app, lib.leader_user)
    for url in ("/projects/library", f"/projects/{project_id}", "/projects/batches"):
        page = leader.get(url)
        assert post_forms(page) == [], url
    assert "电机系统节能改造项目" in leader.get(f"/projects/{project_id}")
    r = leader.post(f"/projects/{project_id}/approve", {}, status=403)
    assert "无权" in r.text or "不能" in r.text


def test_an_enterprise_reads_no_code(app: FastAPI, lib: Library) -> None:
    me = Browser(app, lib.enterprise_user)
    project_id = declare(me, lib.region_code)
    Browser(app, lib.county_user).post(f"/projects/{project_id}/return", {"comment": "请核对"})
    for url in ("/projects/mine", "/projects/new", f"/projects/{project_id}", f"/projects/{project_id}/edit"):
        page = me.get(url)
        assert codes_in(page) == [], url
        for key in (*vocab.DIRECTIONS, *vocab.INSTRUMENTS, *vocab.STATUSES, *vocab.FIELDS):
            assert not re.search(rf"(?<![\w-]){key}(?![\w-])", visible_text(page)), (url, key)


@pytest.mark.parametrize("who", ["other_enterprise_user", "other_county_user", "other_department_user",
                                 "foreign_office_user"])
def test_nobody_outside_the_scope_reads_the_project(app: FastAPI, lib: Library, who: str) -> None:
    """Another enterprise, the county of another region, a department of other fields, another city."""
    project_id = declare(Browser(app, lib.enterprise_user), lib.region_code)
    stranger = Browser(app, getattr(lib, who))
    stranger.get(f"/projects/{project_id}", status=404)
    r = stranger.client.post(f"/projects/{project_id}/approve", data={"csrf_token": stranger.csrf},
                             follow_redirects=False)
    assert r.status_code in (403, 404) and "电机系统节能改造项目" not in r.text
    home = "/projects/mine" if who == "other_enterprise_user" else "/projects/library"
    assert f'data-project="{project_id}"' not in stranger.get(home)


def test_a_line_the_shared_check_refuses_is_marked_in_its_own_row(app: FastAPI, lib: Library) -> None:
    """The service names `equipment[k].unit_price_fen`; the page marks the row the person typed it in
    (an empty row before it does not shift the count)."""
    me = Browser(app, lib.enterprise_user)
    page = me.get("/projects/new")
    form = {**declaration(lib.region_code), "eq-3-side": "new", "eq-3-category": "fan", "eq-3-name": "离心通风机",
            "eq-3-quantity": "2", "action": "save", "idempotency_key": form_key(page, "/projects/new")}
    r = me.post("/projects/new", form, status=422)
    assert re.search(r'data-field="eq-3-unit_price" role="alert">[^<]*新设备须填写单价', r.text)
    assert 'value="离心通风机"' in r.text
