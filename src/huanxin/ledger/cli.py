"""`huanxin ledger …`: verify that balances rebuild from entries, list pools, fund a pool."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from huanxin.errors import InvalidInput

app = typer.Typer(help="预算账本", no_args_is_help=True)

SHOWN = 20  # mismatches listed one per line; the rest are counted


def yuan_to_fen(text: str) -> int:
    """"1234.5" → 123450, exactly (Decimal, not float); more than two decimals is an error."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"金额“{text}”不是有效数字", field="yuan") from None
    fen = value * 100
    if not value.is_finite() or fen != fen.to_integral_value():
        raise InvalidInput(f"金额“{text}”最多两位小数（分）", field="yuan")
    if fen <= 0:
        raise InvalidInput(f"金额“{text}”必须大于零", field="yuan")
    return int(fen)


@app.command("verify")
def verify() -> None:
    """由分录重建每个账户余额，核对缓存余额、每笔转账借贷平衡、预算池不为负。"""
    from huanxin.db import transaction
    from huanxin.ledger import service

    with transaction() as session:
        result = service.verify(session)
    if result.ok:
        typer.echo(f"账本核对通过：{result.accounts_checked} 个账户的余额均可由分录重建，"
                   f"{result.transfers_checked} 笔转账借贷平衡，没有为负的预算账户")
        return
    checked = f"共核对 {result.accounts_checked} 个账户、{result.transfers_checked} 笔转账"
    typer.echo(f"账本核对未通过（{checked}）：", err=True)
    if result.mismatches:
        typer.echo(f"  {len(result.mismatches)} 个账户的缓存余额与分录重建结果不一致：", err=True)
        for code, cached, rebuilt in result.mismatches[:SHOWN]:
            typer.echo(f"    {code}：缓存 {cached} 分，分录合计 {rebuilt} 分（差 {cached - rebuilt} 分）", err=True)
        if len(result.mismatches) > SHOWN:
            typer.echo(f"    ……另有 {len(result.mismatches) - SHOWN} 个", err=True)
    if result.unbalanced_transfers:
        keys = "、".join(result.unbalanced_transfers[:SHOWN])
        typer.echo(f"  {len(result.unbalanced_transfers)} 笔转账的分录不平衡：{keys}", err=True)
    if result.negative_accounts:
        codes = "、".join(result.negative_accounts[:SHOWN])
        typer.echo(f"  {len(result.negative_accounts)} 个不允许为负的账户余额为负：{codes}", err=True)
    typer.echo("  缓存余额可由 huanxin ledger rebuild 按分录重写（记入审计日志）；"
               "分录本身不平衡须人工核查。", err=True)
    sys.exit(1)


@app.command("rebuild")
def rebuild() -> None:
    """按分录重写各账户的缓存余额（恢复用，记入审计日志）。"""
    from huanxin.db import transaction
    from huanxin.ledger import service

    with transaction() as session:
        changes = service.rebuild(session, actor="cli")
    for code, old, new in changes:
        typer.echo(f"{code}：{old} 分 → {new} 分")
    typer.echo(f"已按分录重建余额：修正 {len(changes)} 个账户")


@app.command("pools")
def pools(city: Annotated[str, typer.Option("--city", help="城市的6位行政区划代码")],
          programme: Annotated[str | None, typer.Option("--programme", help="只列出该项目")] = None) -> None:
    """列出城市的预算池及余额（元）。"""
    from huanxin.db import transaction
    from huanxin.ledger import service

    with transaction() as session:
        found = service.pools_of(session, city, programme)
        balances = service.pool_balances(session, found)
    if not found:
        typer.echo(f"城市 {city} 没有预算池")
        return
    header = ("ID", "项目", "地区", "来源", "批次", "总额（元）", "可用（元）", "已预留（元）", "已拨付（元）", "名称")
    rows = [header] + [
        (str(p.id), p.programme_code, p.region_code, service.FUND_SOURCES.get(p.fund_source, p.fund_source),
         str(p.tranche), service.yuan(b.funded), service.yuan(b.available), service.yuan(b.reserved),
         service.yuan(b.paid), p.name)
        for p in found for b in [balances[p.id]]
    ]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        typer.echo("  ".join(_pad(cell, widths[i], right=4 < i < 9) for i, cell in enumerate(row)).rstrip())


@app.command("fund")
def fund(pool: Annotated[int, typer.Option("--pool", help="预算池 ID（见 huanxin ledger pools）")],
         yuan: Annotated[str, typer.Option("--yuan", help="金额（元），最多两位小数")],
         key: Annotated[str, typer.Option("--key", help="幂等键：重复执行同一命令不会重复注资")],
         memo: Annotated[str, typer.Option("--memo", help="备注，例如资金文号")] = "") -> None:
    """向预算池注资（资金来源 → 可用）。"""
    from huanxin.db import transaction
    from huanxin.ledger import service

    amount = yuan_to_fen(yuan)
    transfer_key = f"cli:fund:{key}"
    with transaction() as session:
        target = service.get_pool(session, pool)
        replay = service.transfer_by_key(session, transfer_key) is not None
        transfer = service.fund(session, target, amount, key=transfer_key, actor="cli", memo=memo)
        balance = service.pool_balance(session, target)
        name = target.name
    if replay:
        typer.echo(f"幂等键 {key} 已执行过（转账 #{transfer.id}），未重复注资")
    else:
        typer.echo(f"已向“{name}”注资 {service.yuan(amount)} 元（转账 #{transfer.id}）")
    typer.echo(f"可用 {service.yuan(balance.available)} 元，总额 {service.yuan(balance.funded)} 元")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill
