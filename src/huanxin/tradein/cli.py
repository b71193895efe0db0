"""`huanxin tradein …`: evaluate claims from JSON Lines, and the claim operations."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(help="消费品以旧换新", no_args_is_help=True)


@app.command("evaluate")
def evaluate(file: str = typer.Argument(..., help="JSON Lines 文件（每行一笔申请，字段见 docs/tradein.md）；- 表示标准输入")) -> None:
    """逐行评估补贴申请，每行输出一个决定（JSON）。"""
    from huanxin.tradein.rules.jsonl import evaluate_lines

    stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
    try:
        for line in evaluate_lines(stream):
            typer.echo(line)
    finally:
        if stream is not sys.stdin:
            stream.close()


def _register_claim_commands() -> None:
    from huanxin.tradein import claims_cli

    for command in claims_cli.app.registered_commands:
        app.registered_commands.append(command)


_register_claim_commands()
