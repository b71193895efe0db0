"""Claim operations for scripts: expiry of qualifications and serving the waiting lists."""

from __future__ import annotations

import datetime as dt

import typer

app = typer.Typer()


@app.command("expire")
def expire(at: str = typer.Option("", help="按此时刻处理（ISO 格式，默认现在），用于补跑"),
           city: str = typer.Option("", help="只处理该城市（行政区划代码）；默认全部城市")) -> None:
    """作废已过期的资格（释放预留资金和名额），提醒即将过期的资格，并按顺序为候补队列发放资格。"""
    from huanxin.db import transaction
    from huanxin.kit.clock import CHINA
    from huanxin.tradein.qualifications import lifecycle as qualification

    moment = None
    if at:
        moment = dt.datetime.fromisoformat(at)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=CHINA)
    with transaction() as session:
        result = qualification.expire_qualifications(session, moment, city_code=city or None)
    typer.echo(f"已作废过期资格 {result['expired']} 个，发出过期提醒 {result['reminded']} 条，"
               f"候补转正 {result['served']} 个")


@app.command("serve-waiting")
def serve_waiting(
    city: str = typer.Argument(..., help="城市代码"), programme: str = typer.Argument(..., help="活动代码"),
) -> None:
    """资金回流后，按候补号顺序为候补队列发放资格。"""
    from huanxin.db import transaction
    from huanxin.errors import NotFound
    from huanxin.tradein import repository as repo
    from huanxin.tradein.qualifications import lifecycle as qualification

    with transaction() as session:
        found = repo.programme_by_code(session, city, programme)
        if found is None:
            raise NotFound(f"城市 {city} 没有活动“{programme}”")
        served = qualification.serve_waiting_list(session, found)
    typer.echo(f"候补转正 {served} 个")
