"""What the month-end feed commands share (`huanxin projects feed`, `huanxin recycling feed`): the
year and month defaulting to today's, a bad month refused with a message naming the option, the
feed run in one transaction, and what was written or skipped printed in Chinese."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import typer
from sqlalchemy.orm import Session


def run_month_feed(city: str, year: int | None, month: int | None,
                   feed: Callable[[Session, str, int, int], Any]) -> None:
    from huanxin.db import transaction
    from huanxin.kit.clock import today

    day = today()
    year, month = year or day.year, month or day.month
    if not 1 <= month <= 12:
        typer.echo("月份必须在 1 到 12 之间（--month）", err=True)
        raise typer.Exit(2)
    with transaction() as session:
        result = feed(session, city, year, month)
    for code, value in result.written.items():
        typer.echo(f"写入 {code} = {value:g}（{year}年1-{month}月）")
    regions: Mapping[tuple[str, str], float] = getattr(result, "regions_written", {})
    for (code, region), value in regions.items():
        typer.echo(f"写入 {code}@{region} = {value:g}")
    for code, why in result.skipped.items():
        typer.echo(f"未写 {code}：{why}")
