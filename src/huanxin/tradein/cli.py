"""`huanxin tradein …`: evaluate claims from JSON Lines, and the claim operations."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(help="消费品以旧换新", no_args_is_help=True)


@app.command("evaluate")
def evaluate(
    file: str = typer.Argument(..., help="JSON Lines 文件（每行一笔申请，字段见 docs/tradein.md）；- 表示标准输入"),
) -> None:
    """逐行评估补贴申请，每行输出一个决定（JSON）；有任何一行被拒（输入有误）时退出码为 1。"""
    import json

    from huanxin.kit.clock import today
    from huanxin.tradein.claims.line_evaluation import answers, read_lines

    try:
        stream = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except FileNotFoundError:
        typer.echo(f"找不到文件：{file}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"无法读取文件 {file}：{exc.strerror}", err=True)
        raise typer.Exit(2) from None
    refused = 0
    try:
        for answer in answers(read_lines(stream), today()):
            refused += not answer["ok"]
            typer.echo(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if refused:
        typer.echo(f"共 {refused} 行输入有误未能判定（见各行 error 与 field）", err=True)
        raise typer.Exit(1)


@app.command("what-if")
def what_if(
    city: str = typer.Option(..., help="城市代码，如 512000"),
    programme: str = typer.Option(..., help="规则代码，如 appliance-2025"),
    set_: list[str] = typer.Option(..., "--set", help="参数路径=新值，可重复，如 appliance.cap_per_item=150000"),
) -> None:
    """用本市历史申请测算参数调整的资金影响（不改变任何数据）。"""
    import json

    from sqlalchemy import select

    from huanxin.db import transaction
    from huanxin.orgs import service as orgs_service
    from huanxin.orgs.models import User
    from huanxin.orgs.roles import Role
    from huanxin.tradein.programmes import whatif as whatif_service

    overrides = {}
    for item in set_:
        path, _, raw = item.partition("=")
        overrides[path.strip()] = json.loads(raw) if raw.strip()[:1] in "0123456789-[{tfn" else raw.strip()
    with transaction() as session:
        office = session.scalar(select(User).where(User.city_code == city, User.role == Role.OFFICE.value))
        if office is None:
            raise typer.BadParameter(f"城市 {city} 没有专班办公室账号", param_hint="--city")
        result = whatif_service.what_if_for_city(session, orgs_service.scope_of(office), rules_code=programme,
                                                 overrides=overrides)
        session.rollback()  # a what-if never writes
    typer.echo(f"测算申请 {result.count} 笔（{result.method}）；现行规则 {result.baseline_total_fen / 100:,.2f} 元，"
               f"调整后 {result.proposed_total_fen / 100:,.2f} 元，差额 {result.difference_fen / 100:+,.2f} 元；"
               f"结果变化 {result.changed} 笔")


def _register_claim_commands() -> None:
    from huanxin.tradein.claims import cli as claims_cli

    for command in claims_cli.app.registered_commands:
        app.registered_commands.append(command)


_register_claim_commands()
