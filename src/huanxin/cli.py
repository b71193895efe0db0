"""The `huanxin` command. Each domain adds its own sub-commands (`huanxin plans …`)."""

from __future__ import annotations

import sys

import typer

from huanxin.db import get_engine, transaction

app = typer.Typer(help="焕新：推动大规模设备更新和消费品以旧换新 城市工作平台", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="数据库")
audit_app = typer.Typer(help="审计日志")
pii_app = typer.Typer(help="个人信息加密密钥")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(pii_app, name="pii")




@db_app.command("upgrade")
def db_upgrade() -> None:
    """运行数据库迁移到最新版本。"""
    from huanxin.migrate import upgrade

    upgrade(get_engine())
    typer.echo("数据库已迁移到最新版本")


@app.command("bootstrap")
def bootstrap_cmd(password: str = typer.Option("huanxin2024", help="各角色演示账号的初始密码")) -> None:
    """迁移数据库，载入行政区划、五个城市方案并创建各角色账号。"""
    from huanxin.bootstrap import bootstrap
    from huanxin.migrate import upgrade

    upgrade(get_engine())
    with transaction() as session:
        logins = bootstrap(session, password)
    typer.echo(f"已载入 {len(logins)} 个方案，{sum(len(v) for v in logins.values())} 个账号")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """启动 Web 服务（页面与 /api/v1）；--workers N 启动 N 个工作进程，连接由内核均匀分配。"""
    from huanxin.web.serve import serve as run_server

    run_server(host, port, workers)  # refuses a production start with default keys (config.refusal_to_start)


@app.command("demo")
def demo(
    rebuild: bool = typer.Option(False, help="删除并重建演示数据库"),
    host: str = "127.0.0.1", port: int = 8000,
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="建库后启动服务"),
) -> None:
    """建立演示库（五个城市、多轮报送、指标数据），启动服务并打印各角色账号。"""
    from huanxin.demo import build_demo, demo_walkthroughs, print_logins

    logins = build_demo(rebuild=rebuild)
    print_logins(logins, host, port, demo_walkthroughs())
    if serve_after:
        serve(host=host, port=port)


@audit_app.command("verify")
def audit_verify(
    anchor: list[str] = typer.Option([], "--anchor", help="链外留存的锚点 序号:哈希（来自 huanxin audit anchor "
                                                          "或工作信息简报），可给多个"),
) -> None:
    """校验审计日志哈希链是否完整；给出锚点时，还校验该序号的记录仍在且哈希未变（发现删除最新记录）。"""
    from huanxin.kit.audit import parse_anchor, verify

    anchors = [parse_anchor(a) for a in anchor]
    with transaction() as session:
        result = verify(session, anchors)
    if result.problem is not None:
        typer.echo(result.problem, err=True)
        sys.exit(1)
    against = f"，与 {len(anchors)} 个锚点一致" if anchors else ""
    typer.echo(f"审计日志完整：共 {result.count} 条记录，哈希链校验通过{against}")


@audit_app.command("anchor")
def audit_anchor() -> None:
    """打印审计链的链头（序号:哈希），供专班办公室留存于系统之外，日后用 verify --anchor 校验。"""
    from huanxin.kit.audit import head

    with transaction() as session:
        typer.echo(str(head(session)))


@pii_app.command("rotate")
def pii_rotate() -> None:
    """用当前的 HUANXIN_PII_KEY 重新加密全部个人信息（旧密钥列在 HUANXIN_PII_OLD_KEYS 中）。"""
    from huanxin.kit import audit
    from huanxin.tradein.residents import identity

    with transaction() as session:
        count = identity.reencrypt_people(session)
        audit.record(session, actor="cli", action="pii_rotate", entity="tradein_person", entity_id="*",
                     detail={"persons": count})
    typer.echo(f"已用当前密钥重新加密 {count} 人的个人信息；确认无误后可从 HUANXIN_PII_OLD_KEYS 中删除旧密钥")


def _register_domains() -> None:
    from huanxin.financing import cli as financing_cli
    from huanxin.indicators import cli as indicators_cli
    from huanxin.ledger import cli as ledger_cli
    from huanxin.matching import cli as matching_cli
    from huanxin.orgs import cli as orgs_cli
    from huanxin.plans import cli as plans_cli
    from huanxin.plans import import_cli
    from huanxin.projects import cli as projects_cli
    from huanxin.recycling import cli as recycling_cli
    from huanxin.tradein import cli as tradein_cli

    app.add_typer(plans_cli.app, name="plans")
    app.add_typer(import_cli.app, name="plan")
    app.add_typer(indicators_cli.app, name="indicators")
    app.add_typer(ledger_cli.app, name="ledger")
    app.add_typer(tradein_cli.app, name="tradein")
    app.add_typer(projects_cli.app, name="projects")
    app.add_typer(recycling_cli.app, name="recycling")
    app.add_typer(orgs_cli.app, name="accounts")
    app.add_typer(matching_cli.app, name="match")
    app.add_typer(financing_cli.app, name="financing")


_register_domains()


def main() -> None:
    """Entry point: domain errors and an uninitialised database end with one line in Chinese."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from huanxin.errors import DomainError

    try:
        app()
    except DomainError as exc:
        typer.echo(f"错误：{exc.message}", err=True)
        sys.exit(1)
    except (OperationalError, ProgrammingError) as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc):
            typer.echo("错误：数据库尚未初始化，请先运行 huanxin bootstrap（或 huanxin demo）", err=True)
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
