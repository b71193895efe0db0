"""`huanxin financing schedule --loan ID` prints the schedule by quarter with its basis."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from tests.financing.support import declared_need, setup_financing, signed_loan

from huanxin.cli import app


def test_schedule_prints_each_quarter(db: Session, cli_runner: Any) -> None:
    fin = setup_financing(db)
    loan = signed_loan(db, fin, declared_need(db, fin), [(600_000_00, dt.date(2025, 1, 10)),
                                                         (400_000_00, dt.date(2025, 3, 1))])
    result = cli_runner.invoke(app, ["financing", "schedule", "--loan", str(loan.id)])
    assert result.exit_code == 0, result.output
    assert "2025Q1\t2541.66 元" in result.output and "算头不算尾" in result.output
    missing = cli_runner.invoke(app, ["financing", "schedule", "--loan", "999999999"])
    assert missing.exit_code == 1 and "未找到贷款" in missing.output


def test_feed_writes_the_market_figures_and_refuses_a_bad_month(db: Session, cli_runner: Any) -> None:
    from huanxin.kit.clock import today

    fin = setup_financing(db)
    declared_need(db, fin)
    day = today()
    result = cli_runner.invoke(app, ["financing", "feed", "--city", fin.lib.city_code, "--year", str(day.year),
                                     "--month", str(day.month)])
    assert result.exit_code == 0, result.output
    assert "写入 financing_requested = 2000" in result.output
    assert "未写 matching_deals：当期没有通过供需对接签约的记录" in result.output
    bad = cli_runner.invoke(app, ["financing", "feed", "--city", fin.lib.city_code, "--month", "13"])
    assert bad.exit_code == 2 and "--month" in bad.output
