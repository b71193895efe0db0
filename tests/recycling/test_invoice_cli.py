"""`huanxin recycling invoices`: the month's tax-platform sheet from the command line, as the named
account sees it on the page: the seller's identity in full for the recycler's dispatcher, masked
for the city's office; a bad month or an unknown account is refused with a message, no file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws

from huanxin.kit import pii
from huanxin.kit.clock import today
from huanxin.recycling import cli


def _cells(path: Path) -> list[str]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]


def test_the_dispatcher_exports_in_full_the_office_masked(db: Session, cli_runner: Any, tmp_path: Path) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)
    seller = inv.seller(db, rc)
    invoice = inv.issued(db, rc, seller, 1_000)
    ident = pii.decrypt(seller.id_enc)
    month = f"{today():%Y-%m}"
    full, masked = tmp_path / "full.xlsx", tmp_path / "masked.xlsx"
    ran = cli_runner.invoke(cli.app, ["invoices", "--user", rc.dispatcher, "--month", month, "--out", str(full)])
    assert ran.exit_code == 0, ran.output
    assert invoice.number in _cells(full) and ident in _cells(full)
    office = inv.office_of(db, rc.city_code)
    ran = cli_runner.invoke(cli.app, ["invoices", "--user", office, "--month", month, "--out", str(masked)])
    assert ran.exit_code == 0, ran.output
    assert invoice.number in _cells(masked) and ident not in _cells(masked)
    assert seller.id_masked in _cells(masked)


def test_a_bad_month_or_an_unknown_account_is_refused_and_writes_nothing(db: Session, cli_runner: Any,
                                                                        tmp_path: Path) -> None:
    rc = ws.recycler(db)
    out = tmp_path / "x.xlsx"
    bad = cli_runner.invoke(cli.app, ["invoices", "--user", rc.dispatcher, "--month", "2026-13", "--out", str(out)])
    assert bad.exit_code == 1 and "月份格式" in bad.output and not out.exists()
    nobody = cli_runner.invoke(cli.app, ["invoices", "--user", "no-such-user", "--month", "2026-11",
                                         "--out", str(out)])
    assert nobody.exit_code == 2 and "no-such-user" in nobody.output and not out.exists()
