"""Used cars a dealer trades: VIN (its check digit, kit.identifiers), plate, first registration, the
technical-condition grade and the inspection summary of the appraisal under GB/T 30323-2013
《二手车鉴定评估技术规范》 (issued 2013-12-31, in force 2014-06-01).

The grades: we could not read the standard's own text. A secondary source (a dealer's web page
quoting the standard's "车辆技术状况等级分值对应表": http://www.jiangmenbx.com/news_views.asp?ArticleId=798)
gives five levels, numbered in Chinese, not lettered: 一级 (total ≥ 90), 二级 (60–<90), 三级 (20–<60),
四级 (< 20) and 五级 (accident car). The grade is therefore optional and shown with its band as that
source states it; the inspection summary is what the platform requires. Check the bands against the
standard's text before any rule depends on them."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.kit.identifiers import validate_vin
from huanxin.kit.limits import Schema
from huanxin.orgs.scope import Scope
from huanxin.secondhand import repository as repo
from huanxin.secondhand.models import UsedCar

GRADES: dict[str, str] = {
    "grade_1": "一级（鉴定总分≥90）",
    "grade_2": "二级（60≤鉴定总分<90）",
    "grade_3": "三级（20≤鉴定总分<60）",
    "grade_4": "四级（鉴定总分<20）",
    "grade_5": "五级（事故车）",
}
STATUS_LABELS = {"registered": "在售", "sold": "已售出"}
# A province's abbreviation, the issuing office's letter, then 5 characters (6 for a new-energy plate).
_PLATE = re.compile(r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{4,5}[A-Z0-9挂学]$")
EARLIEST_REGISTRATION = dt.date(1950, 1, 1)


class CarInput(Schema):
    vin: str = Field(default="", max_length=30)
    plate: str = Field(default="", max_length=20)
    first_registered_on: dt.date | None = None
    grade: str = Field(default="", max_length=8)
    inspection_summary: str = Field(default="", max_length=2000)


def validate_plate(raw: str, field: str = "plate") -> str:
    value = re.sub(r"[\s·•-]+", "", raw).upper()
    if not _PLATE.match(value):
        raise InvalidInput("号牌号码格式不正确，应如 川A12345 或新能源号牌 川AD12345", field=field)
    return value


def _checked(data: CarInput) -> CarInput:
    vin = validate_vin(data.vin)
    plate = validate_plate(data.plate)
    day = data.first_registered_on
    if day is None:
        raise InvalidInput("请填写初次登记日期", field="first_registered_on")
    if not EARLIEST_REGISTRATION <= day <= today():
        raise InvalidInput("初次登记日期应在1950年至今天之间", field="first_registered_on")
    if data.grade and data.grade not in GRADES:
        raise InvalidInput("请选择技术状况等级", field="grade")
    if len(data.inspection_summary.strip()) < 4:
        raise InvalidInput("请填写鉴定评估的检查摘要（车身、发动机舱、驾驶舱、底盘、路试等）",
                           field="inspection_summary")
    return data.model_copy(update={"vin": vin, "plate": plate, "inspection_summary": data.inspection_summary.strip()})


def register(session: Session, scope: Scope, data: CarInput) -> UsedCar:
    unit_id = repo.dealer_unit(scope)
    clean = _checked(data)
    on_sale = session.scalar(select(UsedCar.id).where(UsedCar.city_code == scope.city_code, UsedCar.vin == clean.vin,
                                                      UsedCar.status == "registered").limit(1))
    if on_sale is not None:
        raise Conflict("该车辆识别代号（VIN）的车辆已在本市登记在售，不能重复登记", field="vin")
    assert clean.first_registered_on is not None  # checked above
    row = UsedCar(city_code=scope.city_code, dealer_unit_id=unit_id, vin=clean.vin, plate=clean.plate,
                  first_registered_on=clean.first_registered_on, grade=clean.grade or None,
                  inspection_summary=clean.inspection_summary, status="registered",
                  registered_by_user_id=scope.user_id, registered_at=now())
    session.add(row)
    session.flush()
    audit.record(session, actor=scope.username, action="register_used_car", entity="secondhand_used_car",
                 entity_id=row.id, city_code=scope.city_code)
    return row


def listed(session: Session, scope: Scope) -> list[UsedCar]:
    repo.require_reader(scope)
    stmt = select(UsedCar).where(UsedCar.city_code == scope.city_code)
    if repo.is_dealer(scope):
        stmt = stmt.where(UsedCar.dealer_unit_id == scope.unit_id)
    return list(session.scalars(stmt.order_by(UsedCar.id.desc()).limit(500)))


def mark_sold(session: Session, scope: Scope, car_id: int) -> UsedCar:
    unit_id = repo.dealer_unit(scope)
    car = session.get(UsedCar, car_id)
    if car is None or car.city_code != scope.city_code or car.dealer_unit_id != unit_id:
        raise NotFound("未找到该车辆")
    if car.status == "sold":
        raise Conflict("该车辆已登记售出")
    car.status, car.sold_at = "sold", now()
    audit.record(session, actor=scope.username, action="sell_used_car", entity="secondhand_used_car",
                 entity_id=car.id, city_code=scope.city_code)
    return car

