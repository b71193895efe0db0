"""`huanxin indicators import/progress` against the test database (inside the test's transaction)."""

from __future__ import annotations

from pathlib import Path

import pytest
from indicator_helpers import ZIYANG, count_observations, workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huanxin import cli as root_cli


@pytest.fixture()
def runner(cli_runner: CliRunner) -> CliRunner:
    return cli_runner


def test_import_then_progress(runner: CliRunner, db: Session, tmp_path: Path) -> None:
    sheet = tmp_path / "data.xlsx"
    sheet.write_bytes(workbook([["digital_rd_tool_penetration", ZIYANG, 2024, 12, 84.5, None]]))
    result = runner.invoke(root_cli.app, ["indicators", "import", str(sheet), "--city", ZIYANG])
    assert result.exit_code == 0, result.output
    assert "新增 1 条" in result.output
    table = runner.invoke(root_cli.app, ["indicators", "progress", "--city", ZIYANG])
    assert table.exit_code == 0, table.output
    assert "资阳市推动大规模设备更新" in table.output
    line = next(x for x in table.output.splitlines() if x.startswith("规模以上工业企业数字化"))
    assert "84.5" in line and "93.9%" in line  # 84.5 / 90 without a baseline
    assert "缺2023基期" in table.output


def test_bad_import_exits_non_zero_and_writes_nothing(runner: CliRunner, db: Session, tmp_path: Path) -> None:
    before = count_observations(db)
    sheet = tmp_path / "bad.xlsx"
    sheet.write_bytes(
        workbook(
            [
                ["equipment_investment", ZIYANG, 2024, 12, 1, None],
                ["equipment_investment", ZIYANG, 2099, 12, 1, None],
            ]
        )
    )
    result = runner.invoke(root_cli.app, ["indicators", "import", str(sheet), "--city", ZIYANG])
    assert result.exit_code == 1
    assert "第3行「年份」" in result.output
    assert count_observations(db) == before


def test_catalogue_command_still_lists_the_catalogue(runner: CliRunner) -> None:
    result = runner.invoke(root_cli.app, ["indicators", "catalogue"])
    assert result.exit_code == 0 and "equipment_investment" in result.output
