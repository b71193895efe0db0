"""`huanxin match …`: ranking a province's own lists from the command line. Reads JSON Lines (fields
in docs/matching.md); a line that cannot be read is refused with its line number and field, the run
goes on with the others, and the exit code is 1 when any line was refused (2 when a file cannot be
opened), so a script notices."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from huanxin.errors import DomainError, InvalidInput

app = typer.Typer(help="设备更新供需匹配", no_args_is_help=True)
Record = TypeVar("Record")


@app.callback()
def match() -> None:
    """设备更新供需匹配（一个命令时也保留子命令名：huanxin match rank …）。"""


def read_records(path: Path, what: str, build: Callable[[dict[str, Any]], Record],
                 key: Callable[[Record], str]) -> tuple[list[Record], list[str]]:
    """The records of a JSON Lines file and the Chinese refusals, one per bad line."""
    from huanxin.rules.jsonlines import parse_line, read_lines

    records: list[Record] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    with path.open("rb") as stream:
        for number, line in enumerate(read_lines(stream), start=1):
            if line is not None and not line.strip():
                continue  # blank lines are allowed between records
            try:
                record = build(parse_line(number, line, what))
                if key(record) in seen:
                    raise InvalidInput(f"编号 {key(record)} 重复（第 {seen[key(record)]} 行已有）", field="id")
            except DomainError as exc:
                message = exc.message if exc.message.startswith("第 ") else f"第 {number} 行：{exc.message}"
                errors.append(f"{path.name} {message}")
                continue
            seen[key(record)] = number
            records.append(record)
    return records, errors


@app.command("rank")
def rank_command(
    demands_file: Path = typer.Option(..., "--demands", help="需求清单（JSON Lines，每行一个需求）"),
    products_file: Path = typer.Option(..., "--products", help="供给清单（JSON Lines，每行一个产品）"),
    top: int = typer.Option(10, "--top", min=1, max=100, help="每个需求列出的产品数"),
    on: str = typer.Option("", "--on", help="核对资质有效期的日期，如 2026-06-30（默认今天）"),
    weights_file: Path | None = typer.Option(None, "--weights", help="本市评分权重（JSON 对象，见 docs/matching.md）"),
    as_json: bool = typer.Option(False, "--json", help="按 JSON Lines 输出（每行一个需求）"),
) -> None:
    """为每个需求排出最匹配的产品，打印产品编号、得分和得分构成。"""
    from huanxin.kit.clock import parse_date, today
    from huanxin.matching import records as recs
    from huanxin.matching.rank import Catalogue, rank
    from huanxin.matching.score import Weights
    from huanxin.matching.taxonomy import load

    taxonomy = load()
    try:
        day = parse_date(on, "日期") if on else today()
        weights = Weights.from_mapping(_weights(weights_file)) if weights_file else Weights()
        demands, bad_demands = read_records(demands_file, "一个需求",
                                            lambda data: recs.demand_from_json(data, taxonomy), lambda d: d.id)
        products, bad_products = read_records(products_file, "一个产品",
                                              lambda data: recs.product_from_json(data, taxonomy), lambda p: p.id)
    except OSError as exc:
        typer.echo(f"无法读取文件：{exc.filename}", err=True)
        raise typer.Exit(2) from None
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from None
    for message in bad_demands + bad_products:
        typer.echo(message, err=True)
    results = rank(demands, Catalogue(products, taxonomy), top=top, weights=weights, on=day)
    by_id = {demand.id: demand for demand in demands}
    for ranked in results:
        if as_json:
            typer.echo(json.dumps({"demand": ranked.demand_id, "excluded": ranked.excluded, "matches": [
                {"product": m.product_id, "score": round(m.score, 1), "explanation": m.explanation()}
                for m in ranked.matches]}, ensure_ascii=False))
            continue
        demand = by_id[ranked.demand_id]
        typer.echo(f"需求 {demand.id} {demand.name}：{len(ranked.matches)} 个产品"
                   f"（另有 {ranked.excluded} 个同类产品因硬性条件排除）")
        for place, found in enumerate(ranked.matches, start=1):
            typer.echo(f"  {place:>2}. {found.product_id} {found.score:.1f} 分  {found.explanation()}")
    if bad_demands or bad_products:
        typer.echo(f"共有 {len(bad_demands) + len(bad_products)} 行未能读取，未参与匹配", err=True)
        raise typer.Exit(1)


def _weights(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput(f"权重文件 {path.name} 不是 UTF-8 编码的 JSON 对象") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"权重文件 {path.name} 应为 JSON 对象，如 {{\"city\": 20}}")
    return data
