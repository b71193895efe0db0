"""`huanxin plans …`: list plans, export and import the ledger, produce briefings."""

from __future__ import annotations

import typer

app = typer.Typer(help="方案与工作台账", no_args_is_help=True)


@app.command("list")
def list_plans() -> None:
    """列出已载入的方案。"""
    from sqlalchemy import select

    from huanxin.cli import transaction
    from huanxin.plans.models import Plan

    with transaction() as session:
        for plan in session.scalars(select(Plan).order_by(Plan.id)):
            typer.echo(f"{plan.id}\t{plan.key}\t{plan.city_code}\t{plan.doc_number or '-'}\t{plan.title}")
