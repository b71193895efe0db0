"""`huanxin recycling …`: planning a recycler's day from the command line (a night job, or the
dispatcher's terminal). The command acts for the recycler, not as a signed-in user: the events
and the audit name it "命令行"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

app = typer.Typer(help="再生资源回收", no_args_is_help=True)


@app.callback()
def recycling() -> None:
    """再生资源回收（一个命令时也保留子命令名：huanxin recycling plan-day …）。"""


@app.command("plan-day")
def plan_day(
    city: str = typer.Option(..., "--city", help="城市代码（6位）"),
    recycler: int = typer.Option(..., "--recycler", help="回收企业的单位编号"),
    date: str = typer.Option(..., "--date", help="日期，如 2024-06-30"),
    seconds: float = typer.Option(10.0, "--seconds", help="求解时间（秒）"),
) -> None:
    """为回收企业排当天的上门回收线路，打印每条线路、装载、里程和未派单预约及原因。"""
    from sqlalchemy import select

    from huanxin.db import transaction
    from huanxin.errors import DomainError
    from huanxin.kit.clock import parse_date
    from huanxin.orgs.models import Unit
    from huanxin.recycling.dispatch import day as planner

    try:
        day = parse_date(date, "日期")
        with transaction() as session:
            unit = session.scalar(select(Unit).where(Unit.id == recycler, Unit.city_code == city,
                                                     Unit.kind == "recycler"))
            if unit is None:
                typer.echo(f"城市 {city} 没有编号为 {recycler} 的回收企业", err=True)
                raise typer.Exit(2)
            plan = planner.run(session, city, unit.id, day, planner.check_seconds(seconds),
                               actor_user_id=None, actor="命令行")
            typer.echo("\n".join(summary_lines(planner.plan_summary(session, plan), unit.name)))
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None


@app.command("invoices")
def invoices(
    user: str = typer.Option(..., "--user", help="以该账号的身份导出（回收企业的调度员或站点人员可见出售方完整信息）"),
    month: str = typer.Option(..., "--month", help="所属月份，如 2026-11"),
    out: Path = typer.Option(..., "--out", help="写入的 .xlsx 文件"),
) -> None:
    """导出某月的反向开票清单（报税平台所需字段，蓝字与红字发票逐行），与页面“导出本月清单”相同；
    可见范围与该账号在页面上相同。每月定时导出时使用。"""
    from sqlalchemy import select

    from huanxin.db import transaction
    from huanxin.errors import DomainError
    from huanxin.orgs.models import User
    from huanxin.orgs.service import scope_of
    from huanxin.recycling.invoicing import export
    from huanxin.recycling.invoicing.api import parse_month

    try:
        with transaction() as session:
            account = session.scalar(select(User).where(User.username == user, User.active.is_(True)))
            if account is None:
                typer.echo(f"没有名为 {user} 的有效账号（--user）", err=True)
                raise typer.Exit(2)
            day = parse_month(month, "--month")
            assert day is not None  # --month is required
            data = export.month_sheet(session, scope_of(account), day)
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    out.write_bytes(data)
    typer.echo(f"已写入 {out}（{month} 反向开票清单）")


def _clock(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).strftime("%H:%M")


def summary_lines(plan: dict[str, object], unit_name: str) -> list[str]:
    """The plan as text: one block per route, then the unserved bookings with their reasons."""
    routes = plan["routes"]
    unserved = plan["unserved"]
    assert isinstance(routes, list) and isinstance(unserved, list)
    distance = plan["distance_m"]
    assert isinstance(distance, int)
    lines = [f"{unit_name} {plan['work_date']} 线路计划第{plan['version']}版：{len(routes)}条线路，"
             f"总里程 {distance / 1000:.1f} 公里，未派单 {len(unserved)} 个"]
    for route in routes:
        lines.append(f"车辆 {route['plate']}（{_clock(route['starts_at'])}—{_clock(route['ends_at'])}），"
                     f"最大装载 {route['max_load_weight_g'] / 1000:.1f}/{route['capacity_weight_g'] / 1000:.0f} 公斤、"
                     f"{route['max_load_volume_l']}/{route['capacity_volume_l']} 升")
        for stop in route["stops"]:
            what = stop.get("booking_no") or stop.get("site_name") or ""
            window = f" 时间窗 {stop['window']}" if stop.get("window") else ""
            eta = _clock(stop["arrive_at"])
            begin = f" 开始服务 {_clock(stop['start_at'])}" if stop["kind"] == "booking" else ""
            lines.append(f"  {stop['seq']:>2}. {stop['kind_label']} {what} 预计到达 {eta}{begin}{window}")
    for row in unserved:
        lines.append(f"未派单 {row['booking_no']}：{row['reason']}")
    return lines


@app.command("feed")
def feed(
    city: str = typer.Option(..., "--city", help="城市的 GB/T 2260 代码，如 512000"),
    year: int | None = typer.Option(None, "--year", help="年份，默认今年"),
    month: int | None = typer.Option(None, "--month", help="截至月份（1–12），默认本月"),
) -> None:
    """按回收台账重新计算本市废旧家电回收量、再生资源回收量、回收网点数、二手车和二手电子产品交易量、反向开票金额的年内累计值（月末定时运行；
    已有录入或导入统计数的年份以统计数为准）。"""
    from huanxin.indicators.feed_command import run_month_feed
    from huanxin.recycling import indicator_feed
    from huanxin.recycling.statistics import indicator_feed as trade_feed

    run_month_feed(city, year, month, indicator_feed.feed_indicators)
    run_month_feed(city, year, month, trade_feed.feed_indicators)
