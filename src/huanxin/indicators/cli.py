"""`huanxin indicators …`: the catalogue, observation import."""

from __future__ import annotations

import typer

app = typer.Typer(help="指标监测", no_args_is_help=True)


@app.command("catalogue")
def show_catalogue() -> None:
    """列出指标目录。"""
    from huanxin.indicators.catalogue import catalogue

    for item in catalogue().values():
        typer.echo(f"{item.code}\t{item.name}\t{item.unit}")
