"""Helpers of the indicator tests: the seed cities' users as scopes, counts, Excel files."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.indicators.models import Baseline, Observation
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.scope import Scope

ZIYANG, PANZHIHUA, YANGQUAN, ANQIU, SHAOYANG = "512000", "510400", "140300", "370784", "430500"
HEADER = ["指标代码", "地区代码", "年份", "月份", "数值", "备注"]


def scope_of(db: Session, username: str) -> Scope:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return orgs_service.scope_of(user, "test-csrf")


def username_of_unit(db: Session, city_code: str, keyword: str) -> str:
    """The demo user of the city's department whose name contains `keyword` (e.g. 商务)."""
    rows = db.execute(
        select(User.username, Unit.name)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.city_code == city_code, User.role == "department", Unit.name.contains(keyword))
        .order_by(User.username)
    ).all()
    assert rows, f"{city_code} has no department matching {keyword}"
    return str(rows[0][0])


def count_observations(db: Session, city_code: str | None = None) -> int:
    query = select(func.count()).select_from(Observation)
    if city_code:
        query = query.where(Observation.city_code == city_code)
    return int(db.scalar(query) or 0)


def count_baselines(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Baseline)) or 0)


def workbook(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header if header is not None else HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
