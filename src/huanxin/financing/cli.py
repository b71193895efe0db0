"""`huanxin financing …`: print a loan's interest-subsidy schedule, computed afresh from its
tranches with the dated parameters in force (what the pages store, without writing); feed the
market's figures (matching deals, financing) into the indicators at month end."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="融资对接与贴息", no_args_is_help=True)


@app.command("schedule")
def schedule_command(loan: Annotated[int, typer.Option("--loan", help="贷款编号")]) -> None:
    """按季度打印一笔贷款的贴息计划（实际天数÷360，算头不算尾，不足1分舍去）。"""
    from huanxin.db import transaction
    from huanxin.financing import repository as repo
    from huanxin.financing import schedule
    from huanxin.financing.models import Loan
    from huanxin.rules.amounts import yuan as fen_to_yuan

    with transaction() as session:
        found = session.get(Loan, loan)
        if found is None:
            typer.echo(f"未找到贷款（编号 {loan}）", err=True)
            raise typer.Exit(1)
        terms = [schedule.TrancheTerms(t.id, t.amount_fen, t.disbursed_on, t.reached_supplier_on)
                 for t in repo.tranches_of(session, [found.id])]
        rows = schedule.loan_schedule(terms, found.term_months, found.repaid_early_on)
    typer.echo(f"贷款 {found.id}：本金 {fen_to_yuan(found.principal_fen)} 元，期限 {found.term_months} 个月"
               + (f"，{found.repaid_early_on} 提前还款" if found.repaid_early_on else ""))
    for quarter, amount in schedule.quarter_totals(rows).items():
        typer.echo(f"{quarter}\t{fen_to_yuan(amount)} 元")
        for row in rows:
            if row.quarter == quarter:
                typer.echo(f"\t放款{row.tranche_id}：{row.basis}")
    typer.echo(f"合计\t{fen_to_yuan(sum(r.amount_fen for r in rows))} 元")


@app.command("feed")
def feed_command(
    city: Annotated[str, typer.Option("--city", help="城市的 GB/T 2260 代码，如 512000")],
    year: Annotated[int | None, typer.Option("--year", help="年份，默认今年")] = None,
    month: Annotated[int | None, typer.Option("--month", help="截至月份（1–12），默认本月")] = None,
) -> None:
    """按平台记录重新计算本市及各县供需对接成交笔数、金额、本地企业成交占比和融资需求、签约、投放、贴息拨付金额的年内累计值
    （月末定时运行；已有录入或导入统计数的年份以统计数为准）。"""
    from huanxin.financing import indicator_feed as financing_feed
    from huanxin.indicators.feed_command import run_month_feed
    from huanxin.matching.catalogue import indicator_feed as matching_feed

    run_month_feed(city, year, month, matching_feed.feed_indicators)
    run_month_feed(city, year, month, financing_feed.feed_indicators)
