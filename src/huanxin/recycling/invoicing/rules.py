"""The arithmetic of reverse invoicing, pure: the 12-natural-month window, the quota check and the
tax figures of one invoice, from dated parameters citing their notice (parameters/*.yaml)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from huanxin.rules.parameters import ParameterDirectory

SHIPPED = ParameterDirectory(Path(__file__).with_name("parameters"))


def param(name: str, on: dt.date) -> object:
    return SHIPPED.param(f"reverse_invoice.{name}", on)[0]


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def window(on: dt.date) -> tuple[dt.date, dt.date]:
    """(first month, last month) of the quota period for an invoice issued on `on`: its natural
    month and the months before it, 12 in all (国家税务总局公告2024年第5号)."""
    months = int(str(param("window_months", on)))
    last = month_of(on)
    return add_months(last, -(months - 1)), last


def yuan(fen: int) -> str:
    return f"{fen // 100:,}" if fen % 100 == 0 else f"{fen / 100:,.2f}"


def quota_refusal(used_fen: int, amount_fen: int, on: dt.date) -> str | None:
    """Why an invoice of `amount_fen` for a person who used `used_fen` in the window is refused, or None."""
    quota = int(str(param("quota_fen", on)))
    if used_fen + amount_fen <= quota:
        return None
    first, last = window(on)
    return (f"该出售方{first.year}年{first.month}月至{last.year}年{last.month}月已取得反向发票 "
            f"{yuan(used_fen)} 元（不含税），本张 {yuan(amount_fen)} 元将超过连续12个自然月 {yuan(quota)} 元的限额，"
            f"不能开具（国家税务总局公告2024年第5号）；请引导其办理个体工商户登记后自行开具发票。"
            f"可开额度尚余 {yuan(max(0, quota - used_fen))} 元")


def _permille(rate: object) -> int:
    return round(float(str(rate)) * 1000)


def _share(amount_fen: int, permille: int) -> int:
    """amount × permille / 1000, half up, in fen (amounts are positive here; a red invoice negates)."""
    return (abs(amount_fen) * permille + 500) // 1000 * (1 if amount_fen >= 0 else -1)


@dataclass(frozen=True)
class TaxFigures:
    vat_rate_permille: int
    vat_fen: int
    iit_rate_permille: int
    iit_fen: int
    note: str


def tax_figures(amount_fen: int, month_before_fen: int, on: dt.date) -> TaxFigures:
    """VAT and the income-tax prepayment of an invoice, given the seller's VAT-exclusive sales
    already invoiced in the same natural month (over every recycler)."""
    exempt_limit = int(str(param("vat_exempt_monthly_fen", on)))
    month_total = month_before_fen + amount_fen
    iit = _permille(param("iit_prepay_rate", on))
    if month_total <= exempt_limit:
        vat, note = 0, f"本月累计 {yuan(month_total)} 元，未超过 {yuan(exempt_limit)} 元，免征增值税"
    else:
        vat = _permille(param("vat_reduced_rate", on))
        note = (f"本月累计 {yuan(month_total)} 元，超过 {yuan(exempt_limit)} 元，按1%征收率计征增值税"
                "（当月此前免税开具的发票，申报时一并按1%计算）")
    return TaxFigures(vat, _share(amount_fen, vat), iit, _share(amount_fen, iit), note)


def reported_change(on: dt.date) -> str | None:
    """The 2026 income-tax change that was reported but not confirmed: shown, never applied."""
    found = SHIPPED.parameters().lookup("reverse_invoice.iit_prepay_rate_reported_2026", on)
    if found is None:
        return None
    return (f"据报道，{found.effective_from.year}年{found.effective_from.month}月起年销售额60万元以下部分的个人所得税"
            f"预缴率调整为{float(found.value) * 100:g}%；尚无可查证的正式文件，本平台仍按0.5%计算。")
