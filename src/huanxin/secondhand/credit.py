"""Dealers' credit scores, from the last 12 months: complaints the office recorded, failed
verifications of wipe records and refused wipe records. The formula is data shown on the page:

    信用分 = 100 − 5×投诉 − 10×核验失败 − 3×清除记录被拒（最低0分）

A failed verification weighs most because it means a device nearly left with its data; a refused
record was caught by the platform before anything was written, so it weighs least."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import Field
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.kit.limits import Schema
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.secondhand import repository as repo
from huanxin.secondhand.models import DealerComplaint

BASE = 100
WEIGHTS: dict[str, int] = {"complaints": 5, "failed_verifications": 10, "refusals": 3}
WINDOW_DAYS = 365
FORMULA = "信用分 = 100 − 5×投诉次数 − 10×核验失败次数 − 3×清除记录被拒次数（近12个月，最低0分）"
DEALER_KINDS = {"recycler", "retailer"}


@dataclass(frozen=True)
class Score:
    dealer_unit_id: int
    dealer_name: str
    complaints: int
    failed_verifications: int
    refusals: int

    @property
    def score(self) -> int:
        return score_of(self.complaints, self.failed_verifications, self.refusals)


def score_of(complaints: int, failed_verifications: int, refusals: int) -> int:
    deducted = (WEIGHTS["complaints"] * complaints + WEIGHTS["failed_verifications"] * failed_verifications
                + WEIGHTS["refusals"] * refusals)
    return max(0, BASE - deducted)


def window_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=WINDOW_DAYS)


def scores(session: Session, scope: Scope) -> list[Score]:
    """The dealer's own score, or every dealer of the city for a supervisor (lowest first)."""
    repo.require_reader(scope)
    counts = repo.counts_since(session, scope.city_code, window_start(today()))
    if repo.is_dealer(scope):
        unit_ids = [repo.dealer_unit(scope)]
    else:
        unit_ids = sorted(set(counts) | set(repo.dealer_ids_with_devices(session, scope.city_code)))
    found = []
    for unit_id in unit_ids:
        unit = orgs_service.get_unit(session, unit_id)
        got = counts.get(unit_id, {})
        found.append(Score(unit_id, unit.name if unit else "", got.get("complaints", 0),
                           got.get("failed_verifications", 0), got.get("refusals", 0)))
    return sorted(found, key=lambda s: (s.score, s.dealer_name))


class ComplaintInput(Schema):
    dealer_unit_id: int = 0
    received_on: dt.date | None = None
    summary: str = Field(default="", max_length=500)


def record_complaint(session: Session, scope: Scope, data: ComplaintInput) -> DealerComplaint:
    if scope.role != Role.OFFICE:
        raise Forbidden("只有专班办公室可以登记投诉")
    unit = orgs_service.get_unit(session, data.dealer_unit_id) if data.dealer_unit_id else None
    if unit is None or unit.city_code != scope.city_code:
        raise NotFound("未找到该经营者")
    if unit.kind not in DEALER_KINDS:
        raise InvalidInput("被投诉单位须为回收企业或经营主体", field="dealer_unit_id")
    if data.received_on is None:
        raise InvalidInput("请填写投诉受理日期", field="received_on")
    if data.received_on > today():
        raise InvalidInput("投诉受理日期不能晚于今天", field="received_on")
    if not data.summary.strip():
        raise InvalidInput("请填写投诉摘要", field="summary")
    row = DealerComplaint(city_code=scope.city_code, dealer_unit_id=unit.id, received_on=data.received_on,
                          summary=data.summary.strip(), recorded_by_user_id=scope.user_id, recorded_at=now())
    session.add(row)
    session.flush()
    audit.record(session, actor=scope.username, action="record_dealer_complaint", entity="secondhand_complaint",
                 entity_id=row.id, city_code=scope.city_code, detail={"dealer_unit_id": unit.id})
    return row


def dealers_of_city(session: Session, city_code: str) -> list[tuple[int, str]]:
    """The units a complaint may name (the office's form)."""
    return [(u.id, u.name) for u in orgs_service.units_of_city(session, city_code) if u.kind in DEALER_KINDS]
