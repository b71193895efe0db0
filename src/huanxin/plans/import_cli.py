"""`huanxin plan …`: parse a plan document into a proposal, import it."""

from __future__ import annotations

import typer

app = typer.Typer(help="导入城市方案文件（.txt/.docx/.pdf）", no_args_is_help=True)
