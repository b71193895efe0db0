"""Another city's scrapped-vehicle records, for tests/test_boundaries.py: a qualified dismantler's
car with its certificate; `mark` is planted in the certificate number so that no answer to the
home city may carry it."""

from __future__ import annotations

from sqlalchemy.orm import Session


def other_city_world(db: Session, city_code: str, mark: str) -> dict[str, int]:
    from tests.recycling.scrapped import support as s

    from huanxin.recycling.scrapped import service

    rc = s.dismantler(db, city_code)
    vehicle, _ = service.record(db, rc.scope(db, "dispatcher"), s.car(certificate_no=f"{mark}-{rc.unit_id}"))
    return {"scrapped_id": vehicle.id}
