"""`huanxin accounts …`: a city's accounts from the shell, with the office's rights (orgs.accounts).

Whoever runs the command holds the server: it acts as the city's office, audited as "cli"."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import NotFound
from huanxin.orgs import accounts
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import ROLE_LABELS, Role
from huanxin.orgs.scope import Scope

app = typer.Typer(help="账号管理", no_args_is_help=True)

City = Annotated[str, typer.Option("--city", help="城市的行政区划代码，如 512000")]
Username = Annotated[str, typer.Argument(help="用户名")]


def _manager(session: Session, city: str) -> accounts.Manager:
    cli = Scope(user_id=0, username="cli", display_name="命令行", role=Role.OFFICE, city_code=city, unit_id=None,
                unit_name=None, region_code=None)
    return accounts.manager_for(session, cli, city)


def _user_id(session: Session, manager: accounts.Manager, username: str) -> int:
    found = session.scalar(select(User.id).where(User.username == username.strip(),
                                                 User.city_code == manager.city_code))
    if found is None:
        raise NotFound(f"本市没有用户名为“{username}”的账号", field="username")
    return found


@app.command("list")
def list_accounts(city: City, role: Annotated[str, typer.Option(help="只列出该角色")] = "",
                  state: Annotated[str, typer.Option(help="active / must_change / locked / disabled")] = "") -> None:
    """列出本市账号：用户名、角色、单位、状态、最近登录。"""
    from huanxin.db import transaction

    with transaction() as session:
        rows = accounts.list_accounts(session, _manager(session, city), role=role or None, state=state or None)
        for r in rows:
            last = r.last_signin_at.strftime("%Y-%m-%d %H:%M") if r.last_signin_at else "从未登录"
            typer.echo(f"{r.username}\t{r.display_name}\t{ROLE_LABELS[Role(r.role)]}\t{r.unit_name or '-'}\t"
                       f"{accounts.ACCOUNT_STATES[r.state]}\t{last}")


@app.command("create")
def create(city: City, username: Username,
           display_name: Annotated[str, typer.Option("--name", help="姓名或名称")],
           role: Annotated[str, typer.Option(help="角色，如 department、county、office")],
           unit: Annotated[str, typer.Option(help="所属单位的名称（部门和县区账号必填）")] = "",
           phone: Annotated[str, typer.Option(help="手机号（可选）")] = "") -> None:
    """新建账号并打印临时密码（只显示这一次，首次登录须修改）。"""
    from huanxin.db import transaction

    with transaction() as session:
        manager = _manager(session, city)
        unit_id = orgs_service.resolve_unit(session, city, unit, "所属单位").id if unit.strip() else None
        user, password = accounts.create_account(session, manager, accounts.AccountInput(
            username=username, display_name=display_name, role=role, unit_id=unit_id, phone=phone))
        typer.echo(f"已创建账号 {user.username}；临时密码：{password}（只显示这一次，首次登录须修改）")


@app.command("disable")
def disable(city: City, username: Username) -> None:
    """停用账号，并立即结束其所有会话。"""
    from huanxin.db import transaction

    with transaction() as session:
        manager = _manager(session, city)
        user = accounts.disable_account(session, manager, _user_id(session, manager, username))
        typer.echo(f"已停用账号 {user.username}")


@app.command("enable")
def enable(city: City, username: Username) -> None:
    """重新启用已停用的账号。"""
    from huanxin.db import transaction

    with transaction() as session:
        manager = _manager(session, city)
        user = accounts.enable_account(session, manager, _user_id(session, manager, username))
        typer.echo(f"已启用账号 {user.username}")


@app.command("reset-password")
def reset_password(city: City, username: Username) -> None:
    """重置密码并打印临时密码（只显示这一次，下次登录须修改）；该账号的会话全部结束。"""
    from huanxin.db import transaction

    with transaction() as session:
        manager = _manager(session, city)
        user, password = accounts.reset_account_password(session, manager, _user_id(session, manager, username))
        typer.echo(f"已重置 {user.username} 的密码；临时密码：{password}（只显示这一次，下次登录须修改）")
