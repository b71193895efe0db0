"""`huanxin projects …`: the equipment-renewal project library's commands."""

from __future__ import annotations

import sys

import typer

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
