"""`huanxin ledger verify` as an operator runs it (a subprocess on the committed test database),
and `pools` / `fund` inside the test's transaction."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from ledger_helpers import committed_pool
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from huanxin import cli as root_cli
from huanxin.errors import InvalidInput
from huanxin.ledger import service
from huanxin.ledger.cli import yuan_to_fen
from huanxin.ledger.models import Pool


def huanxin(*args: str) -> subprocess.CompletedProcess[str]:
    # conftest has set HUANXIN_DATABASE_URL to the test database; the subprocess inherits it.
    return subprocess.run([sys.executable, "-m", "huanxin.cli", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)


def test_verify_passes_then_fails_on_a_corrupted_cached_balance(engine: Engine, committed_city: str) -> None:
    pool = committed_pool(engine, committed_city, "verify", funded=10_000)
    with Session(engine) as session:
        service.post(session, service.reserve(session, pool, 2_500, key="cli:r", ref="claim:1"), 2_000, key="cli:p")
        session.commit()

    ok = huanxin("ledger", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "账本核对通过" in ok.stdout and "个账户" in ok.stdout and "笔转账" in ok.stdout

    with engine.begin() as conn:  # damage that only raw SQL can do, committed
        conn.execute(text("UPDATE ledger_account SET balance = balance + 1 WHERE id = :id"),
                     {"id": pool.available_account_id})
    broken = huanxin("ledger", "verify")
    assert broken.returncode == 1
    code = f"pool:{committed_city}:verify:{committed_city}:central:1:available"
    assert "账本核对未通过" in broken.stderr
    assert f"{code}：缓存 8001 分，分录合计 8000 分" in broken.stderr, broken.stderr

    repaired = huanxin("ledger", "rebuild")
    assert repaired.returncode == 0 and "修正 1 个账户" in repaired.stdout, repaired.stderr
    assert huanxin("ledger", "verify").returncode == 0


@pytest.fixture()
def runner(cli_runner: CliRunner) -> CliRunner:
    return cli_runner


def test_pools_and_fund(runner: CliRunner, db: Session, make_pool: Callable[..., Pool]) -> None:
    pool = make_pool("home-decor-2025", name="家装厨卫·中央资金")
    fund = ["ledger", "fund", "--pool", str(pool.id), "--yuan", "1234.56", "--key", "2025-07-batch2"]
    result = runner.invoke(root_cli.app, fund)
    assert result.exit_code == 0, result.output
    assert "已向“家装厨卫·中央资金”注资 1,234.56 元" in result.output
    again = runner.invoke(root_cli.app, fund)
    assert again.exit_code == 0 and "未重复注资" in again.output
    assert service.pool_balance(db, pool).available == 123_456

    table = runner.invoke(root_cli.app, ["ledger", "pools", "--city", "512000"])
    assert table.exit_code == 0, table.output
    line = next(x for x in table.output.splitlines() if "家装厨卫·中央资金" in x)
    assert "home-decor-2025" in line and "1,234.56" in line and "中央资金" in line
    assert "没有预算池" in runner.invoke(root_cli.app, ["ledger", "pools", "--city", "990999"]).output


def test_fund_refuses_a_bad_amount(runner: CliRunner, make_pool: Callable[..., Pool]) -> None:
    pool = make_pool()
    result = runner.invoke(root_cli.app, ["ledger", "fund", "--pool", str(pool.id), "--yuan", "1.234", "--key", "k"])
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidInput) and "两位小数" in result.exception.message


@pytest.mark.parametrize(("text_", "fen"), [
    ("1", 100), ("0.01", 1), ("1,000.5", 100_050), ("300000000000", 30_000_000_000_000),  # 3000亿元
])
def test_yuan_to_fen_is_exact(text_: str, fen: int) -> None:
    assert yuan_to_fen(text_) == fen


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "0.001", "nan"])
def test_yuan_to_fen_refuses(bad: str) -> None:
    with pytest.raises(InvalidInput):
        yuan_to_fen(bad)
