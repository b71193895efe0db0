"""`huanxin projects …`: the equipment-renewal project library's commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from huanxin.orgs.scope import Scope

app = typer.Typer(help="设备更新重点项目库", no_args_is_help=True)


@app.command("evaluate")
def evaluate(
    file: str = typer.Argument(..., help="JSON Lines 文件（每行一个项目，字段见 docs/projects.md）；- 表示标准输入"),
) -> None:
    """逐行判断项目可申请的资金（超长期特别国债、中央预算内投资、再贷款、贴息），每行输出一个决定（JSON）；
    有任何一行输入有误时退出码为 1。"""
    import json

    from huanxin.kit.clock import today
    from huanxin.projects.funding.lines import answers
    from huanxin.rules.jsonlines import read_lines

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


def _office(city: str) -> Scope:
    from huanxin.indicators.cli import office_scope

    return office_scope(city)


@app.command("feed")
def feed(
    city: Annotated[str, typer.Option("--city", help="城市的 GB/T 2260 代码，如 512000")],
    year: Annotated[int | None, typer.Option("--year", help="年份，默认今年")] = None,
    month: Annotated[int | None, typer.Option("--month", help="截至月份（1–12），默认本月")] = None,
) -> None:
    """按项目库重新计算本市（及各县区）设备投资等指标的年内累计值（已有统计数的年份以统计数为准）。"""
    from huanxin.indicators.feed_command import run_month_feed
    from huanxin.projects import indicator_feed

    run_month_feed(city, year, month, indicator_feed.feed_indicators)


@app.command("export-enterprises")
def export_enterprises(
    city: Annotated[str, typer.Option("--city", help="城市的 GB/T 2260 代码")],
    out: Annotated[Path, typer.Option("--out", help="写出的 .xlsx 文件")],
) -> None:
    """导出本市企业名录（.xlsx，与网页“导出”相同，可改后再导入）。"""
    from huanxin.db import transaction
    from huanxin.projects import enterprises_excel

    with transaction() as session:
        data = enterprises_excel.export_workbook(session, _office(city), city)
    out.write_bytes(data)
    typer.echo(f"已导出到 {out}（{len(data):,} 字节）")


@app.command("import-enterprises")
def import_enterprises(
    city: Annotated[str, typer.Option("--city", help="城市的 GB/T 2260 代码")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="企业名录 .xlsx（可先导出作模板）")],
) -> None:
    """导入企业名录：整表校验，任何一行有误则不写入任何一行，并逐行列出错误；退出码 1。"""
    from huanxin.db import transaction
    from huanxin.errors import DomainError
    from huanxin.projects import enterprises_excel

    try:
        with transaction() as session:
            result = enterprises_excel.import_workbook(session, _office(city), city, file.read_bytes(), file.name)
    except DomainError as error:
        typer.echo(error.message, err=True)
        for item in error.errors[:200]:  # each message names its row and column
            typer.echo(f"  {item['message']}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"新登记 {result.registered} 家，更新 {result.updated} 家，未变 {result.unchanged} 家")
