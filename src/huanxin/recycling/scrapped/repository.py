"""Every scoped query of the scrapped-vehicle registry. A recycler reads and writes its own cars;
the city's supervisors (office, leaders, the commerce bureau's reviewers, departments) read the
city's; another city's car, or another recycler's, answers 404 so that ids cannot be probed; any
other role (a resident …) answers 403. The lookups by VIN and certificate number are platform-wide
on purpose: one VIN, one certificate, once, whatever the city."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, NotFound
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as recycling_repo
from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle

NOT_FOUND = "未找到该报废机动车"
Row = tuple[ScrappedVehicle, ScrapCertificate]


def is_recycler(scope: Scope) -> bool:
    return scope.role == Role.RECYCLER and scope.unit_id is not None


def require_reader(scope: Scope) -> None:
    if not (is_recycler(scope) or recycling_repo.is_supervisor(scope)):
        raise Forbidden("您的角色无权查看报废机动车回收登记")


def visible(scope: Scope) -> Select[ScrappedVehicle, ScrapCertificate]:
    """(vehicle, certificate) rows the caller may read, as a query to narrow further (never widen)."""
    require_reader(scope)
    stmt = (select(ScrappedVehicle, ScrapCertificate).join(ScrapCertificate, ScrapCertificate.vehicle_id
                                                           == ScrappedVehicle.id)
            .where(ScrappedVehicle.city_code == scope.city_code))
    if is_recycler(scope):
        return stmt.where(ScrappedVehicle.unit_id == scope.unit_id)
    return stmt


def listed(session: Session, scope: Scope, *, month: dt.date | None = None, county: str | None = None,
           limit: int = 2000) -> list[Row]:
    stmt = visible(scope)
    if month is not None:
        end = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        stmt = stmt.where(ScrapCertificate.issued_on >= month, ScrapCertificate.issued_on < end)
    if county:
        stmt = stmt.where(ScrappedVehicle.region_code == county)
    return [(v, c) for v, c in session.execute(stmt.order_by(ScrapCertificate.issued_on.desc(),
                                                             ScrappedVehicle.id.desc()).limit(limit))]


def get(session: Session, scope: Scope, vehicle_id: int) -> Row:
    found = session.execute(visible(scope).where(ScrappedVehicle.id == vehicle_id)).first()
    if found is None:
        raise NotFound(NOT_FOUND)
    return found[0], found[1]


def get_own(session: Session, scope: Scope, vehicle_id: int) -> Row:
    """A car the caller's recycler took in, for a change: a supervisor reads only (403)."""
    recycling_repo.recycler_unit(scope)
    return get(session, scope, vehicle_id)


def vehicle_by_vin(session: Session, vin: str) -> Row | None:
    found = session.execute(select(ScrappedVehicle, ScrapCertificate).join(
        ScrapCertificate, ScrapCertificate.vehicle_id == ScrappedVehicle.id).where(ScrappedVehicle.vin == vin)).first()
    return (found[0], found[1]) if found else None


def certificate_by_number(session: Session, number: str) -> Row | None:
    found = session.execute(select(ScrappedVehicle, ScrapCertificate).join(
        ScrapCertificate, ScrapCertificate.vehicle_id == ScrappedVehicle.id)
        .where(ScrapCertificate.number == number)).first()
    return (found[0], found[1]) if found else None


def city_keeps_registry(session: Session, city_code: str) -> bool:
    return bool(session.scalar(select(exists().where(ScrapCertificate.city_code == city_code))))


def take_for_claim(session: Session, certificate_id: int, claim_id: int, submitted_at: dt.datetime) -> bool:
    """Links the certificate to the claim unless another claim holds it: the conditional UPDATE
    waits for a concurrent twin on PostgreSQL and then finds the row taken, so exactly one wins."""
    result = session.execute(update(ScrapCertificate).where(
        ScrapCertificate.id == certificate_id,
        (ScrapCertificate.claim_id.is_(None)) | (ScrapCertificate.claim_id == claim_id))
        .values(claim_id=claim_id, claim_submitted_at=submitted_at).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def release_claim(session: Session, claim_id: int, keep_certificate_id: int | None) -> None:
    """A corrected claim that now names another certificate lets go of the one it held."""
    stmt = update(ScrapCertificate).where(ScrapCertificate.claim_id == claim_id)
    if keep_certificate_id is not None:
        stmt = stmt.where(ScrapCertificate.id != keep_certificate_id)
    session.execute(stmt.values(claim_id=None, claim_submitted_at=None).execution_options(synchronize_session=False))


def claim_of(session: Session, certificate_id: int) -> tuple[int | None, dt.datetime | None]:
    found = session.execute(select(ScrapCertificate.claim_id, ScrapCertificate.claim_submitted_at)
                            .where(ScrapCertificate.id == certificate_id)).first()
    return (found[0], found[1]) if found else (None, None)


def certificates_issued(session: Session, city_code: str, start: dt.date, end: dt.date) -> int:
    return int(session.scalar(select(func.count(ScrapCertificate.id)).where(
        ScrapCertificate.city_code == city_code, ScrapCertificate.issued_on >= start,
        ScrapCertificate.issued_on < end)) or 0)
