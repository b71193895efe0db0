"""A recycler's qualifications to reverse-invoice (国家税务总局公告2024年第5号): a hazardous-waste
operating licence, a scrapped-vehicle dismantling qualification, or a renewable-resource filing with
the commerce department. The recycler records one with its document; the office or a department
(the commerce bureau) verifies it; only a verified qualification valid on the day lets it issue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.invoice_models import RecyclerQualification

KINDS: dict[str, str] = {
    "hazardous_waste": "危险废物经营许可证",
    "vehicle_dismantling": "报废机动车回收拆解资质",
    "renewable_filing": "再生资源回收经营者备案",
}
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
VERIFIERS = {Role.OFFICE, Role.DEPARTMENT}


@dataclass(frozen=True)
class QualificationInput:
    kind: str
    number: str
    issued_on: dt.date
    valid_until: dt.date | None
    document_name: str
    document_type: str
    document: bytes


def _check(data: QualificationInput) -> None:
    if data.kind not in KINDS:
        raise InvalidInput("请选择资质类型", field="kind")
    if not 2 <= len(data.number.strip()) <= 60:
        raise InvalidInput("请填写证书或备案编号（2至60个字符）", field="number")
    if data.issued_on > today():
        raise InvalidInput("发证（备案）日期不能晚于今天", field="issued_on")
    if data.valid_until is not None and data.valid_until < data.issued_on:
        raise InvalidInput("有效期至不能早于发证日期", field="valid_until")
    if data.valid_until is None and data.kind != "renewable_filing":
        raise InvalidInput("许可证和拆解资质须填写有效期", field="valid_until")
    if not data.document:
        raise InvalidInput("请上传资质证书或备案回执的扫描件", field="document")
    if len(data.document) > MAX_DOCUMENT_BYTES:
        raise InvalidInput("资质文件不能超过5 MB", field="document")


def record(session: Session, scope: Scope, data: QualificationInput) -> RecyclerQualification:
    unit_id = repo.recycler_unit(scope)
    _check(data)
    row = RecyclerQualification(city_code=scope.city_code, unit_id=unit_id, kind=data.kind, number=data.number.strip(),
                                issued_on=data.issued_on, valid_until=data.valid_until,
                                document_name=data.document_name[:200] or "资质文件",
                                document_type=data.document_type[:100] or "application/octet-stream",
                                document=data.document, recorded_by_user_id=scope.user_id, recorded_at=now())
    session.add(row)
    session.flush()
    audit.record(session, actor=scope.username, action="record_qualification", entity="recycling_qualification",
                 entity_id=row.id, city_code=scope.city_code, detail={"kind": data.kind})
    return row


def get(session: Session, scope: Scope, qualification_id: int) -> RecyclerQualification:
    row = session.get(RecyclerQualification, qualification_id)
    if row is None or row.city_code != scope.city_code:
        raise NotFound("未找到该资质")
    if scope.role == Role.RECYCLER and row.unit_id != scope.unit_id:
        raise NotFound("未找到该资质")
    if scope.role != Role.RECYCLER and not repo.is_supervisor(scope):
        raise Forbidden("您的角色无权查看回收企业资质")
    return row


def verify(session: Session, scope: Scope, qualification_id: int) -> RecyclerQualification:
    if scope.role not in VERIFIERS:
        raise Forbidden("只有专班办公室或商务主管部门可以核验资质")
    row = get(session, scope, qualification_id)
    if row.verified_at is None:
        row.verified_by_user_id, row.verified_at = scope.user_id, now()
        audit.record(session, actor=scope.username, action="verify_qualification", entity="recycling_qualification",
                     entity_id=row.id, city_code=scope.city_code)
    return row


def listed(session: Session, scope: Scope) -> list[RecyclerQualification]:
    stmt = select(RecyclerQualification).where(RecyclerQualification.city_code == scope.city_code)
    if scope.role == Role.RECYCLER:
        stmt = stmt.where(RecyclerQualification.unit_id == repo.recycler_unit(scope))
    elif not repo.is_supervisor(scope):
        raise Forbidden("您的角色无权查看回收企业资质")
    return list(session.scalars(stmt.order_by(RecyclerQualification.id.desc())))


def valid_on(session: Session, unit_id: int, day: dt.date) -> RecyclerQualification | None:
    return session.scalar(select(RecyclerQualification).where(
        RecyclerQualification.unit_id == unit_id, RecyclerQualification.verified_at.is_not(None),
        RecyclerQualification.issued_on <= day,
        or_(RecyclerQualification.valid_until.is_(None), RecyclerQualification.valid_until >= day))
        .order_by(RecyclerQualification.id).limit(1))


def require_valid(session: Session, unit_id: int, day: dt.date) -> RecyclerQualification:
    found = valid_on(session, unit_id, day)
    if found is None:
        raise Forbidden("贵企业尚无经核验且在有效期内的资质（危险废物经营许可证、报废机动车回收拆解资质或再生资源回收"
                        "经营者备案），不能反向开票；请先登记资质并请商务主管部门核验")
    return found


def state_label(row: RecyclerQualification, day: dt.date) -> str:
    if row.verified_at is None:
        return "待核验"
    if row.valid_until is not None and row.valid_until < day:
        return "已过期"
    return "有效"
