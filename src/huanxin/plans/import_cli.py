"""`huanxin plan …`: parse a plan document into a proposal, import it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from huanxin.errors import DomainError

app = typer.Typer(help="导入城市方案文件（.txt/.docx/.pdf）", no_args_is_help=True)


def _read(path: Path) -> bytes:
    if not path.is_file():
        typer.echo(f"找不到文件：{path}", err=True)
        raise typer.Exit(2)
    return path.read_bytes()


def _fail(exc: DomainError) -> None:
    typer.echo(f"错误：{exc.message}", err=True)
    raise typer.Exit(1)


@app.command("parse")
def parse_cmd(
    file: Annotated[Path, typer.Argument(help="方案文件（.txt/.docx/.pdf）")],
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出完整的导入建议（字段见 docs/plan-import.md）"),
    city: str | None = typer.Option(None, "--city", help="城市区划代码；给出时按该市已有单位识别单位名称"),
) -> None:
    """解析方案文件，输出导入建议（不写数据库）。"""
    from huanxin.plans.importer import parse

    try:
        context = None
        if city:
            from huanxin.db import transaction
            from huanxin.plans.importer.service import city_context

            with transaction() as session:
                context = city_context(session, city)
        proposal = parse(file.name, _read(file), context)
    except DomainError as exc:
        _fail(exc)
        return
    if as_json:
        sys.stdout.write(proposal.to_json() + "\n")
        return
    _print_summary(proposal)


def _print_summary(proposal) -> None:  # type: ignore[no-untyped-def]
    plan = proposal.plan
    typer.echo(f"标题：{plan.title}")
    typer.echo(f"发文机关：{plan.issuer}  文号：{plan.doc_number or '无'}  "
               f"日期：{plan.issued_on or '未注明'}  状态：{plan.status}")
    typer.echo(f"城市：{plan.city or '未识别'}  建议代码：{plan.key}")
    tasks = sum(1 for _ in proposal.iter_tasks())
    typer.echo(f"单位 {len(proposal.units)} 个，目标 {len(proposal.targets)} 个，任务 {tasks} 个，"
               f"附件 {len(proposal.attachments)} 个")
    for t in proposal.targets:
        name = t.indicator or f"新指标？{t.proposed_indicator.name if t.proposed_indicator else ''}"
        base = f" 较{t.baseline_year}年" if t.baseline_year else ""
        typer.echo(f"  目标 {t.year}{base} {name} {t.kind} {t.value:g}{t.unit}{t.comparator or ''}  ← {t.text[:40]}")
    for w in proposal.warnings:
        typer.echo(f"提示：{w}")


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="方案文件（.txt/.docx/.pdf）")],
    city: str = typer.Option(..., "--city", help="城市区划代码，如 512000"),
    key: str | None = typer.Option(None, "--key", help="方案代码（默认自动生成；同名方案的新版本为 …-v2）"),
    skip_unmapped: bool = typer.Option(False, "--skip-unmapped", help="跳过指标目录中没有的目标（否则整体不导入）"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不询问，直接导入"),
    confirm_city: bool = typer.Option(False, "--confirm-city",
                                      help="我确认这是本市的方案（发文机关未能识别所属地区时必须给出）"),
) -> None:
    """解析并导入方案：显示与已载入版本的差异，确认后一次性写入（全部成功或全部不写入）。"""
    from huanxin.db import transaction
    from huanxin.plans.importer import service

    data = _read(file)
    try:
        with transaction() as session:
            plan, proposal, diff = service.import_file(session, city, file.name, data, key=key, actor="cli",
                                                       skip_unmapped=skip_unmapped, confirm_city=confirm_city)
            if diff is not None:
                _print_diff(diff)
            included = sum(1 for t in proposal.targets if t.include)
            typer.echo(f"将导入：{plan.title}（代码 {plan.key}）：目标 {included} 个，"
                       f"任务 {sum(1 for _ in proposal.iter_tasks())} 个")
            if not yes and not typer.confirm("确认导入？", default=True):
                raise typer.Abort()
            plan_id, plan_key = plan.id, plan.key
    except DomainError as exc:
        _fail(exc)
        return
    typer.echo(f"已导入方案 {plan_key}（id {plan_id}）")


def _print_diff(diff) -> None:  # type: ignore[no-untyped-def]
    typer.echo(f"与已载入版本 {diff.against_key} 相比：")
    for label, items in (("新增目标", diff.targets_added), ("删除目标", diff.targets_removed),
                         ("修改目标", diff.targets_altered), ("新增任务", diff.tasks_added),
                         ("删除任务", diff.tasks_removed), ("修改任务", diff.tasks_altered)):
        for item in items:
            change = f"：{item.before} → {item.after}" if item.before and item.after else ""
            typer.echo(f"  {label}：{item.label}{change}")
    if diff.empty:
        typer.echo("  没有变化")
