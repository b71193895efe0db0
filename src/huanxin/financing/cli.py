"""`huanxin financing …`: print a loan's interest-subsidy schedule, computed afresh from its
tranches with the dated parameters in force (what the pages store, without writing)."""

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
