"""The office downloads what it hands on: the ledger as Excel and a round's briefing as Word."""

from __future__ import annotations

import io
import uuid

import docx
import openpyxl
import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import LoginAs
from tests.e2e.support import Directory, open_round_api, owed_item, pick_assignment

pytestmark = pytest.mark.e2e


def test_office_downloads_ledger_excel_and_round_briefing(login_as: LoginAs, directory: Directory) -> None:
    office_api = directory.api("yangquan-office")
    plan_id = office_api.plan_id()
    task = pick_assignment(directory, "yangquan", office_api, plan_id)
    tag = uuid.uuid4().hex[:6]
    round_title = f"阳泉第{tag}轮调度"
    rnd = open_round_api(office_api, plan_id, round_title, 10, [task.task_id])
    lead_api = directory.api(task.lead)
    item = owed_item(lead_api, rnd["id"], task.task_id)
    narrative = f"进展{tag}：已完成年度设备更新项目入库"
    lead_api.post(f"/round-items/{item['item_id']}/reports",
                  {"progress_pct": 60, "task_status": "in_progress", "narrative": narrative})

    page = login_as("yangquan-office", next=f"/plans/{plan_id}/ledger")
    with page.expect_download() as ledger_download:
        page.get_by_role("link", name="导出台账（Excel）").click()
    download = ledger_download.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)
    rows = [[("" if c is None else str(c)) for c in row] for ws in workbook.worksheets
            for row in ws.iter_rows(values_only=True)]
    header = next((r for r in rows if "序号" in r), None)
    assert header is not None, f"no header row with 序号 in {rows[:5]}"
    task_row = next((r for r in rows if any(task.title in cell for cell in r)), None)
    assert task_row is not None, f"the task {task.title} has no row in the Excel ledger"
    by_header = dict(zip(header, task_row, strict=False))
    if "完成百分比" in by_header:  # the progress the department reported
        assert by_header["完成百分比"].rstrip("%").split(".")[0] == "60", by_header
    assert any(narrative in cell for cell in task_row), task_row

    page.goto(f"/rounds/{rnd['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(round_title)
    with page.expect_download() as briefing_download:
        page.get_by_test_id("briefing").click()
    download = briefing_download.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".docx")
    document = docx.Document(str(download.path()))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    assert round_title in text
