"""`huanxin projects feed / export-enterprises / import-enterprises` against the test database (inside
the test's transaction): the feed writes the library's figure, the export re-imports unchanged,
and a bad file is refused with its row named and nothing written."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.projects.support import setup_library
from tests.projects.test_indicator_feed import _project
from typer.testing import CliRunner

from huanxin import cli as root_cli
from huanxin.projects import demo_enterprises
from huanxin.projects.models import Enterprise

CITY = "512000"


@pytest.fixture()
def runner(cli_runner: CliRunner) -> CliRunner:
    return cli_runner


def test_feed_writes_the_librarys_equipment_investment(runner: CliRunner, db: Session) -> None:
    lib = setup_library(db, CITY)
    _project(db, lib, "approved", "2025-02-10", 1.5)
    result = runner.invoke(root_cli.app, ["projects", "feed", "--city", CITY, "--year", "2025", "--month", "6"])
    assert result.exit_code == 0, result.output
    assert "写入 equipment_investment = 1.5（2025年1-6月）" in result.output
    bad = runner.invoke(root_cli.app, ["projects", "feed", "--city", CITY, "--month", "13"])
    assert bad.exit_code == 2 and "月份" in bad.output


def test_export_reimports_unchanged_and_a_bad_row_is_named(runner: CliRunner, db: Session, tmp_path: Path) -> None:
    setup_library(db, CITY)
    rng = random.Random(5)
    for enterprise in db.scalars(select(Enterprise).where(Enterprise.city_code == CITY)):
        enterprise.credit_code = demo_enterprises.credit_code(rng, "91", enterprise.region_code)  # valid ones
    db.flush()
    out = tmp_path / "企业名录.xlsx"
    exported = runner.invoke(root_cli.app, ["projects", "export-enterprises", "--city", CITY, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    again = runner.invoke(root_cli.app, ["projects", "import-enterprises", "--city", CITY, str(out)])
    assert again.exit_code == 0, again.output
    assert "新登记 0 家，更新 0 家" in again.output

    book = load_workbook(io.BytesIO(out.read_bytes()))
    sheet = book.active
    assert sheet is not None
    header_row = next(r for r in range(1, sheet.max_row + 1)
                      if "统一社会信用代码" in [c.value for c in sheet[r]])
    header = [c.value for c in sheet[header_row]]
    column = header.index("统一社会信用代码") + 1
    sheet.cell(row=header_row + 1, column=column, value="91350100M000100Y4X")  # wrong check digit
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    before = db.scalar(select(func.count(Enterprise.id)))
    refused = runner.invoke(root_cli.app, ["projects", "import-enterprises", "--city", CITY, str(bad)])
    assert refused.exit_code == 1
    assert f"第{header_row + 1}行" in refused.output and "未写入任何数据" in refused.output
    assert db.scalar(select(func.count(Enterprise.id))) == before
