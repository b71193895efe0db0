"""The key project library in the browser, end to end: the office registers an enterprise with its
first account; the enterprise changes its temporary password, declares a project with a retired and
a new equipment line and submits it; the county returns it with a comment, the enterprise reads the
comment, corrects and resubmits (the county sees 本次修改); county, industry department and office
approve; the office puts it in a batch, exports the province sheet and sends the batch.

The office's approval brings the project into the library and projects.indicator_feed.refresh_for
recomputes the city's equipment-investment figure (设备投资规模, 亿元) of this year to date at once:
the project starts this year, so the figure the office reads rises by its 300 万元 = 0.03 亿元 (the
test first makes sure no entered or imported figure of this year takes precedence)."""

from __future__ import annotations

import io
import math
import re
import uuid

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from tests.e2e.conftest import LoginAs
from tests.e2e.support import Directory

from huanxin.kit.clock import today
from huanxin.projects import credit_code, vocab

pytestmark = pytest.mark.e2e

ZIYANG = "512000"
OFFICE = "ziyang-office"


def _credit_code(region_code: str, tag: str) -> str:
    """A code GB 32100 accepts: 91 (工商, 企业), the region, an organisation code with its check."""
    org8 = f"MA{tag[:6].upper()}".replace("I", "J").replace("O", "P")
    first17 = f"91{region_code}{org8}{credit_code.organisation_check_char(org8)}"
    first17 = "".join(c if c in credit_code.CODE_SET else "A" for c in first17)
    return credit_code.complete(first17)


def _register_enterprise(office: Page, tag: str) -> tuple[str, str, str]:
    """The office's 登记企业 form with 开通企业账号: (username, temporary password, region code)."""
    office.goto(f"/cities/{ZIYANG}/enterprises")
    form = office.locator("#enterprise-new form")
    region = form.locator("select[name=region_code] option").first.get_attribute("value") or ""
    username = f"qy-e2e-{tag}"
    code = _credit_code(region, tag)
    form.locator("input[name=name]").fill(f"资阳测试机械{tag}有限公司")
    form.locator("input[name=credit_code]").fill(code)
    form.locator("input[name=industry_code]").fill("3812")
    form.locator("select[name=region_code]").select_option(region)
    form.locator("input[name=above_scale]").check()
    form.locator("input[name=contact_name]").fill("李工")
    form.locator("input[name=contact_phone]").fill("13800001234")
    form.locator("input[name=account_username]").fill(username)
    form.get_by_role("button", name="登记").click()
    account = office.get_by_test_id("enterprise-account")
    expect(account).to_contain_text(username)
    expect(account).to_contain_text("临时密码只显示这一次")
    temporary = office.get_by_test_id("temporary-password").inner_text().strip()
    assert len(temporary) >= 10
    office.goto(f"/cities/{ZIYANG}/enterprises?q={code}")
    expect(office.locator(f"tr[data-enterprise='{code}']")).to_contain_text(f"资阳测试机械{tag}有限公司")
    return username, temporary, region


def _change_password(page: Page, temporary: str, new_password: str) -> None:
    expect(page).to_have_url(re.compile(r"/me/password$"))
    expect(page.get_by_test_id("must-change")).to_contain_text("请先修改初始密码")
    page.locator("input[name=current_password]").fill(temporary)
    page.locator("input[name=new_password]").fill(new_password)
    page.locator("input[name=confirm_password]").fill(new_password)
    page.get_by_role("button", name="修改密码").click()
    expect(page).not_to_have_url(re.compile(r"/me/password$"))


def _declare(page: Page, name: str) -> int:
    page.goto("/projects/new")
    form = page.get_by_test_id("project-form")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=field]").select_option("industry")
    year = today().year  # this year: the office's approval recomputes this year to date
    form.locator("input[name=start_on]").fill(f"{year}-01-01")
    form.locator("input[name=finish_on]").fill(f"{year}-12-31")
    form.locator("textarea[name=summary]").fill("淘汰高耗能电动机，购置高效电动机")
    form.locator("input[name=total_investment]").fill("500")
    form.locator("input[name=fixed_asset]").fill("400")
    form.locator("input[name=equipment_investment]").fill("300")
    form.locator("input[name=invested_pct]").fill("20")
    form.locator("input[name=instruments][value=special_bond]").check()
    retired = form.locator("tr[data-row='0']")
    retired.locator("select[name=eq-0-side]").select_option("retired")
    retired.locator("select[name=eq-0-category]").select_option("motor")
    retired.locator("input[name=eq-0-name]").fill("Y系列老旧电动机")
    retired.locator("input[name=eq-0-quantity]").fill("10")
    retired.locator("input[name=eq-0-year]").fill("2005")
    retired.locator("input[name=eq-0-original_value]").fill("200000")
    new = form.locator("tr[data-row='1']")
    new.locator("select[name=eq-1-side]").select_option("new")
    new.locator("select[name=eq-1-category]").select_option("motor")
    new.locator("input[name=eq-1-name]").fill("YE4高效电动机")
    new.locator("input[name=eq-1-quantity]").fill("10")
    new.locator("input[name=eq-1-unit_price]").fill("150000")
    new.locator("input[name=eq-1-rated_power_kw]").fill("55")
    new.locator("input[name=eq-1-poles]").fill("4")
    new.locator("input[name=eq-1-efficiency_pct]").fill("95.8")
    new.locator("input[name=eq-1-supplier]").fill("某电机厂")
    form.get_by_test_id("submit").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已提交，等待县（市、区）审核")
    match = re.search(r"/projects/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def _approve(page: Page, project_id: int, now_status: str) -> None:
    page.goto(f"/projects/{project_id}")
    page.get_by_test_id("review-actions").get_by_test_id("approve").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已审核通过")
    expect(page.locator("h1 [data-status]")).to_have_text(vocab.STATUSES[now_status])


EQUIPMENT_YI = 0.03  # the 300 万元 of equipment investment _declare enters, in 亿元


def _equipment_figures(directory: Directory) -> dict[int, tuple[float, str]]:
    """The city's equipment-investment figures of this year as the office reads them: month → (亿元, source)."""
    rows = directory.api(OFFICE).get(f"/cities/{ZIYANG}/observations", params={
        "indicator_code": "equipment_investment", "region_code": ZIYANG, "year": today().year})
    return {r["month"]: (float(r["value"]), r["source"]) for r in rows}


def _industry_department(directory: Directory) -> str:
    rows = directory.api(OFFICE).get(f"/cities/{ZIYANG}/project-field-reviewers")
    unit = next(r["unit_name"] for r in rows if r["field"] == "industry")
    username = directory.department_of_unit("ziyang", unit)
    assert username, f"no department user for {unit}, the reviewer of 工业 projects"
    return username


def test_a_project_goes_from_declaration_through_review_to_the_province(
        login_as: LoginAs, directory: Directory) -> None:
    tag = uuid.uuid4().hex[:6]
    office = login_as(OFFICE, next="/")
    username, temporary, region = _register_enterprise(office, tag)

    # The enterprise is held on the change-password page, then declares its project.
    enterprise = login_as(username, next="/", password=temporary)
    _change_password(enterprise, temporary, f"{username}-new-pass")
    name = f"电机系统节能改造{tag}"
    project_id = _declare(enterprise, name)
    expect(enterprise.locator("h1 [data-status]")).to_have_text(vocab.STATUSES["county"])
    equipment = enterprise.get_by_test_id("equipment")
    expect(equipment.locator("tr[data-side=retired]")).to_contain_text("Y系列老旧电动机")
    expect(equipment.locator("tr[data-side=new]")).to_contain_text("YE4高效电动机")

    # The county of the project's region returns it with a comment.
    county = login_as(f"ziyang-county-{region}", next="/projects/review")
    expect(county.get_by_test_id("projects").locator(f"tr[data-project='{project_id}']")).to_contain_text(name)
    county.goto(f"/projects/{project_id}")
    comment = f"请补充淘汰设备的型号规格（{tag}）"
    actions = county.get_by_test_id("review-actions")
    actions.locator("textarea[name=comment]").fill(comment)
    actions.get_by_test_id("return").click()
    expect(county.get_by_test_id("flash")).to_contain_text("已退回企业修改")
    expect(county.locator("h1 [data-status]")).to_have_text(vocab.STATUSES["returned"])

    # The enterprise sees the comment, corrects the line and resubmits.
    enterprise.goto("/projects/mine")
    expect(enterprise.locator(f"tr[data-project='{project_id}']")).to_contain_text(vocab.STATUSES["returned"])
    enterprise.goto(f"/projects/{project_id}")
    expect(enterprise.get_by_test_id("returned-comment")).to_contain_text(comment)
    enterprise.get_by_test_id("edit-link").click()
    form = enterprise.get_by_test_id("project-form")
    expect(enterprise.get_by_test_id("returned-comment")).to_contain_text(comment)
    form.locator("input[name=eq-0-model]").fill("Y2-250M-4")
    form.get_by_test_id("submit").click()
    expect(enterprise.get_by_test_id("flash")).to_contain_text("已提交，等待县（市、区）审核")
    expect(enterprise.locator("h1 [data-status]")).to_have_text(vocab.STATUSES["county"])

    # The county sees what changed (本次修改) and approves; then the industry department; then the office.
    county.goto(f"/projects/{project_id}")
    changes = county.get_by_test_id("changes")
    expect(changes).to_contain_text("本次修改")
    expect(changes).to_contain_text("Y2-250M-4")
    _approve(county, project_id, "department")
    department = login_as(_industry_department(directory), next=f"/projects/{project_id}")
    _approve(department, project_id, "office")
    before = _equipment_figures(directory)
    assert all(source == "computed" for _, source in before.values()), \
        f"an entered figure of this year would take precedence over the computed one: {before}"
    _approve(office, project_id, "approved")
    after = _equipment_figures(directory)
    month = today().month
    assert month in after, f"the office's approval wrote this year's equipment investment to date: {after}"
    if month in before:
        assert math.isclose(after[month][0], before[month][0] + EQUIPMENT_YI, abs_tol=1e-6), (before, after)
    else:
        assert after[month][0] >= EQUIPMENT_YI - 1e-6, after
    office.goto(f"/cities/{ZIYANG}/indicators/equipment_investment")
    expect(office.get_by_test_id("history")).to_contain_text("计算")

    # The office makes a batch, adds the project, exports the province sheet and sends the batch.
    office.goto("/projects/batches")
    office.locator("#batch input[name=name]").fill(f"资阳设备更新项目{tag}批")
    office.locator("#batch select[name=instrument]").select_option("special_bond")
    office.locator("#batch input[name=deadline]").fill("2099-06-30")
    office.get_by_test_id("create-batch").click()
    expect(office).to_have_url(re.compile(r"/projects/batches/\d+$"))
    office.get_by_test_id("approved-projects").locator(f"tr[data-project='{project_id}'] input").check()
    office.get_by_test_id("add-to-batch").click()
    expect(office.get_by_test_id("flash")).to_contain_text("已编入本批")
    in_batch = office.get_by_test_id("batch-projects").locator(f"tr[data-project='{project_id}']")
    expect(in_batch).to_contain_text(vocab.STATUSES["batched"])
    with office.expect_download() as download_info:
        office.get_by_test_id("export-link").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True).active
    assert sheet is not None
    assert any(name in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row), \
        "the province sheet lists the project"
    office.get_by_test_id("send-batch").click()
    expect(office.get_by_test_id("flash")).to_contain_text("已报送省级")
    expect(office.get_by_test_id("batch-status")).to_have_text("已报送省级")
    expect(in_batch).to_contain_text(vocab.STATUSES["reported"])

    # The enterprise sees where its project ended up.
    enterprise.goto(f"/projects/{project_id}")
    expect(enterprise.locator("h1 [data-status]")).to_have_text(vocab.STATUSES["reported"])
