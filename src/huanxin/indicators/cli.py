"""`huanxin indicators …`: the catalogue, observation import, progress against the targets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope

app = typer.Typer(help="指标监测", no_args_is_help=True)


def office_scope(city_code: str) -> Scope:
    """The CLI acts as the city's office (it is run by whoever administers the server)."""
    return Scope(
        user_id=0,
        username="cli",
        display_name="命令行",
        role=Role.OFFICE,
        city_code=city_code,
        unit_id=None,
        unit_name=None,
        region_code=None,
    )


@app.command("catalogue")
def show_catalogue() -> None:
    """列出指标目录。"""
    from huanxin.indicators.catalogue import catalogue

    for item in catalogue().values():
        typer.echo(f"{item.code}\t{item.name}\t{item.unit}")


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help=".xlsx：指标代码、地区代码、年份、月份、数值、备注"),
    ],
    city: Annotated[str, typer.Option("--city", help="城市的 GB/T 2260 代码，如 512000")],
) -> None:
    """从 Excel 导入指标数据（整表校验，有错误则不写入任何一行）。"""
    from huanxin.db import transaction
    from huanxin.errors import DomainError
    from huanxin.indicators import service

    try:
        with transaction() as session:
            result = service.import_observations(
                session, office_scope(city), city, service.read_sheet(file.read_bytes())
            )
    except DomainError as error:
        typer.echo(error.message, err=True)
        for item in error.errors[1:]:
            typer.echo(item["message"], err=True)
        sys.exit(1)
    typer.echo(f"导入完成：新增 {result.created} 条，更新 {result.updated} 条")


def _cell(text: str, width: int) -> str:
    """Pads to a display width, counting a Chinese character as two columns."""
    shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(width - shown, 0)


@app.command("progress")
def show_progress(
    city: Annotated[str, typer.Option("--city", help="城市的 GB/T 2260 代码，如 512000")],
) -> None:
    """按方案列出每个量化目标的目标值、最新实际、完成度、预测与风险。"""
    from huanxin.db import transaction
    from huanxin.errors import DomainError
    from huanxin.indicators import service
    from huanxin.indicators.progress import format_number

    try:
        with transaction() as session:
            progress = service.city_progress(session, office_scope(city), city)
    except DomainError as error:
        typer.echo(error.message, err=True)
        sys.exit(1)
    widths = (44, 6, 14, 14, 9, 14, 10)
    header = ("指标", "年份", "目标值", "最新实际", "完成度", "预测", "状态")
    for plan in progress.plans:
        typer.echo(f"\n{plan.title}（有风险 {len(plan.at_risk)} 项）")
        typer.echo("".join(_cell(h, w) for h, w in zip(header, widths, strict=True)))
        for t in plan.targets:
            row = (
                t.indicator.name[:21],
                str(t.spec.year),
                format_number(t.target_value) if t.target_value is not None else f"缺{t.base_year}基期",
                format_number(t.actual),
                "—" if t.percent is None else f"{t.percent:.1f}%",
                format_number(t.forecast.value) if t.forecast else "—",
                ("⚠" if t.at_risk else "") + t.status_label,
            )
            typer.echo("".join(_cell(c, w) for c, w in zip(row, widths, strict=True)))
