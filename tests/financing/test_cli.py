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
