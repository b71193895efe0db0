"""Import of a county's survey workbook at scale: the 技术改造项目和设备更新需求清单 with its equipment
detail sheet, 10,000 project rows by default (each with its equipment lines), imported by the office
through projects.lists.import_workbook, as the upload page and the API do.

The phases are timed apart: building the workbook (not part of an import), parsing it in the upload
parse process (kit.parse_process), checking every row (the cells, the enterprises, the library's own
validate_project), and writing (the library's create_project per project, with its equipment,
audit record and code). The script prints seconds per phase and rows per second, and checks that
the projects were written.

Databases: SQLite in bench/out/ (a fresh file each run), and PostgreSQL when HUANXIN_DATABASE_URL
names one (the work there is rolled back at the end, so the database is left as it was; the schema
is migrated and the seed data loaded if missing).

    python bench/projects_survey_import.py                    # 10,000 projects, 1 equipment line each
    python bench/projects_survey_import.py --projects 2000 --lines 3
    HUANXIN_DATABASE_URL=postgresql+psycopg://… python bench/projects_survey_import.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SQLITE_URL = f"sqlite:///{OUT / 'projects_survey_import.sqlite3'}"
CITY, REGION = "512000", "512002"  # 资阳, 雁江区
ENTERPRISES = 500


def workbook(projects: int, lines: int, enterprises: list[tuple[str, str]]) -> bytes:
    """The demand list and its equipment sheet, written in streaming mode (no declared size)."""
    from openpyxl import Workbook

    from huanxin.projects.lists.layouts import DEMAND, EQUIPMENT

    book = Workbook(write_only=True)
    demand = book.create_sheet(DEMAND.sheet)
    demand.append([f"雁江区{DEMAND.title}"])
    headers = [c.header for c in DEMAND.columns if c.imported]
    demand.append(headers)
    for seq in range(1, projects + 1):
        name, code = enterprises[seq % len(enterprises)]
        total = 1000 + seq % 900
        row = {"序号": seq, "项目名称": f"生产线节能改造项目{seq:05d}", "项目单位": name, "统一社会信用代码": code,
               "建设地点（县、市、区）": "雁江区", "所属领域": "工业", "更新方向": "节能降碳、数字化转型",
               "建设内容": "更换高效电机，新增数控设备", "总投资（万元）": total,
               "固定资产投资（万元）": round(total * 0.9, 2), "设备投资（万元）": round(total * 0.6, 2),
               "开工日期": dt.date(2025, 1 + seq % 12, 1), "完工日期": dt.date(2026, 1 + seq % 12, 28),
               "建设状态": "在建", "投资完成比例（%）": seq % 80, "已办手续": "立项（审批、核准或备案）、节能审查",
               "申请支持方式": "超长期特别国债、科技创新和技术改造再贷款", "贷款需求（万元）": 500,
               "贷款期限（月）": 36, "意向银行": "中国工商银行资阳分行、中国银行资阳分行", "已获其他中央资金支持": "否"}
        demand.append([row.get(h) for h in headers])
    equipment = book.create_sheet(EQUIPMENT.sheet)
    equipment.append([EQUIPMENT.title])
    headers = [c.header for c in EQUIPMENT.columns if c.imported]
    equipment.append(headers)
    for seq in range(1, projects + 1):
        for k in range(lines):
            retired = k % 2 == 1
            row = {"项目序号": seq, "类型": "淘汰旧设备" if retired else "购置新设备", "设备类别": "三相异步电动机",
                   "设备名称": "Y系列电动机" if retired else "高效电动机", "型号规格": "YE4-160M-4", "数量": 10,
                   "单价（万元）": None if retired else 1.2, "投用年份": 2008 if retired else None,
                   "原值（万元）": 60 if retired else None, "额定功率（千瓦）": 11, "极数": 4,
                   "效率（%）": 87.5 if retired else 93.0, "是否国产": "是"}
            equipment.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Clock:
    """Seconds spent in the wrapped functions, by phase."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - started
        return timed


@contextmanager
def phases(clock: Clock) -> Iterator[None]:
    """Times the parse and the write of projects.lists.importer (the rest of an import is the check)."""
    from huanxin.projects.lists import importer

    names = {"read_sheets": "parse", "_write_all": "write"}
    saved = {name: getattr(importer, name) for name in names}
    for name, phase in names.items():
        setattr(importer, name, clock.wrap(phase, saved[name]))
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(importer, name, fn)


def prepare(url: str) -> Any:
    from sqlalchemy.orm import Session

    from huanxin.bootstrap import bootstrap
    from huanxin.db import make_engine
    from huanxin.migrate import upgrade

    if url.startswith("sqlite"):
        OUT.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(OUT / "projects_survey_import.sqlite3") + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        bootstrap(session, "bench-pass-1")
        session.commit()
    return engine


def enterprises_of(session: Any, tag: str, count: int) -> list[tuple[str, str]]:
    """`count` enterprises of 雁江区 with credit codes that pass GB 32100 in full."""
    from huanxin.kit.clock import now
    from huanxin.projects import credit_code
    from huanxin.projects.models import Enterprise

    out, at = [], now()
    for k in range(count):
        org8 = f"{(int(tag, 16) * 1000 + k) % 10**8:08d}"
        code = credit_code.complete("91" + REGION + org8 + credit_code.organisation_check_char(org8))
        name = f"基准测试{tag}制造{k:04d}有限公司"
        session.add(Enterprise(city_code=CITY, credit_code=code, name=name, industry_code="C3411",
                               region_code=REGION, above_scale=True, flags=[], created_at=at, updated_at=at))
        out.append((name, code))
    session.flush()
    return out


def run(url: str, projects: int, lines: int) -> dict[str, float]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from huanxin.orgs.models import User
    from huanxin.orgs.service import scope_of
    from huanxin.projects.lists import import_workbook
    from huanxin.projects.models import Project

    engine = prepare(url)
    postgres = engine.dialect.name == "postgresql"
    with Session(engine) as session:
        office = session.scalar(select(User).where(User.username == "ziyang-office"))
        assert office is not None, "the seed data has no 资阳 office"
        scope = scope_of(office)
        tag = os.urandom(3).hex()
        named = enterprises_of(session, tag, ENTERPRISES)
        started = time.perf_counter()
        data = workbook(projects, lines, named)
        built = time.perf_counter() - started
        clock = Clock()
        before = int(session.scalar(select(func.count()).select_from(Project)) or 0)
        started = time.perf_counter()
        with phases(clock):
            result = import_workbook(session, scope, data, "bench.xlsx")
        total = time.perf_counter() - started
        written = int(session.scalar(select(func.count()).select_from(Project)) or 0) - before
        assert written == projects == result.counts["demand"].created, (written, projects)
        if postgres:
            session.rollback()  # leave the database as it was
        else:
            session.commit()
    engine.dispose()
    parse, write = clock.seconds.get("parse", 0.0), clock.seconds.get("write", 0.0)
    return {"build": built, "bytes": len(data), "parse": parse, "check": total - parse - write, "write": write,
            "total": total}


def report(name: str, projects: int, lines: int, figures: dict[str, float]) -> None:
    rows = projects * (1 + lines)
    print(f"\n{name}: {projects:,} projects + {projects * lines:,} equipment lines "
          f"({figures['bytes'] / 1024 / 1024:.1f} MB .xlsx, built in {figures['build']:.1f} s)")
    print(f"  {'phase':<8}{'seconds':>10}{'rows/s':>12}")
    for phase in ("parse", "check", "write", "total"):
        seconds = figures[phase]
        print(f"  {phase:<8}{seconds:>10.2f}{rows / seconds if seconds else 0:>12,.0f}")
    print(f"  projects per second, whole import: {projects / figures['total']:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=1, help="equipment lines per project")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    target = os.environ.get("HUANXIN_DATABASE_URL", "")
    runs = [("SQLite", SQLITE_URL)]
    if target.startswith("postgresql"):
        runs.append(("PostgreSQL", target))
    for name, url in runs:
        os.environ["HUANXIN_DATABASE_URL"] = url  # the parse process reads the settings too
        from huanxin.config import get_settings

        get_settings.cache_clear()
        report(name, args.projects, args.lines, run(url, args.projects, args.lines))


if __name__ == "__main__":  # the parse process is spawned and imports this module again
    main()
