"""The other city's financing objects for tests/test_boundaries.py: a need that names and was
pushed to its bank, a loan with a tranche, its first quarter pre-allocated.

    world.ids.update(financing_world(db, MARK))   # need_id, loan_id, quarter
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from tests.financing.support import declared_need, setup_financing, signed_loan

from huanxin.financing import subsidy

OTHER = "370784"


def financing_world(db: Session, mark: str, city_code: str = OTHER) -> dict[str, Any]:
    fin = setup_financing(db, city_code)
    need = declared_need(db, fin, purpose=f"{mark} 融资用途")
    loan = signed_loan(db, fin, need, [(500_000_00, dt.date(2025, 1, 10))])
    office = fin.scope(db, fin.lib.office_user)
    subsidy.fund_pool(db, office, 10_000_00, key=f"{mark}-fund")
    subsidy.preallocate(db, office, loan.id, "2025Q1")
    return {"need_id": need.id, "loan_id": loan.id, "quarter": "2025Q1"}
