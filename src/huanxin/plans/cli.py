"""`huanxin plans …`: list plans, export and import the ledger, produce briefings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.plans.models import Plan

app = typer.Typer(help="方案与工作台账", no_args_is_help=True)


@app.command("list")
def list_plans() -> None:
    """列出已载入的方案。"""
    from huanxin.db import transaction

    with transaction() as session:
        for plan in session.scalars(select(Plan).order_by(Plan.id)):
            typer.echo(f"{plan.id}\t{plan.key}\t{plan.city_code}\t{plan.doc_number or '-'}\t{plan.title}")


def _plan_and_office(session: Session, plan_key: str) -> tuple[Plan, Scope]:
    """The plan and its city's office scope: CLI exports run with the office's view of the plan."""
    plan = session.scalar(select(Plan).where(Plan.key == plan_key))
    if plan is None:
        raise typer.BadParameter(f"没有键为“{plan_key}”的方案（用 huanxin plans list 查看）",
                                 param_hint="PLAN_KEY")
    users = orgs_service.users_of_city(session, plan.city_code)
    office = next((u for u in users if u.role == Role.OFFICE), None)
    if office is None:
        raise typer.BadParameter(f"{plan.title} 所在城市没有专班办公室账号", param_hint="PLAN_KEY")
    return plan, orgs_service.scope_of(office)


@app.command("export")
def export(
    plan_key: str,
    out: Annotated[Path, typer.Option("--out", help="输出的 .xlsx 文件")],
    targets: Annotated[bool, typer.Option("--targets", help="导出目标指标表，而不是工作台账")] = False,
) -> None:
    """导出方案的工作台账（或 --targets 目标指标）为 Excel。"""
    from huanxin.db import transaction
    from huanxin.plans import excel

    with transaction() as session:
        plan, scope = _plan_and_office(session, plan_key)
        export_one = excel.export_targets if targets else excel.export_ledger
        data = export_one(session, scope, plan)
    out.write_bytes(data)
    typer.echo(f"已导出 {out}（{len(data)} 字节）")


@app.command("briefing")
def briefing_cmd(
    plan_key: str,
    out: Annotated[Path, typer.Option("--out", help="输出的 .docx 文件")],
    round_id: Annotated[int | None, typer.Option("--round", help="调度轮次 ID（默认最近一轮）")] = None,
) -> None:
    """生成调度轮次的工作信息简报（Word）。"""
    from huanxin.db import transaction
    from huanxin.plans import briefing
    from huanxin.plans import repository as repo

    with transaction() as session:
        plan, scope = _plan_and_office(session, plan_key)
        if round_id is None:
            rounds = repo.rounds_of_plan(session, plan.id)  # newest first
            if not rounds:
                raise typer.BadParameter("该方案还没有调度轮次", param_hint="--round")
            rnd = rounds[0]
        else:
            rnd = repo.get_round(session, scope, round_id)[1]
        data = briefing.build_briefing(session, scope, plan, rnd)
    out.write_bytes(data)
    typer.echo(f"已生成 {out}：{rnd.title}")
