"""Imports every domain's tables so `Base.metadata` is complete (for Alembic and tests)."""

from huanxin.db import Base
from huanxin.financing import models as financing_models
from huanxin.indicators import models as indicators_models
from huanxin.kit import audit, idempotency
from huanxin.ledger import models as ledger_models
from huanxin.matching.catalogue import models as matching_models
from huanxin.orgs import models as orgs_models
from huanxin.plans import models as plans_models
from huanxin.projects import models as projects_models
from huanxin.projects import survey_models
from huanxin.recycling import invoice_models
from huanxin.recycling import models as recycling_models
from huanxin.recycling.scrapped import models as scrapped_models
from huanxin.secondhand import models as secondhand_models
from huanxin.tradein import models as tradein_models

__all__ = [
    "Base", "audit", "financing_models", "idempotency", "indicators_models", "invoice_models", "ledger_models",
    "matching_models", "orgs_models", "plans_models", "projects_models", "recycling_models", "scrapped_models",
    "secondhand_models",
    "survey_models", "tradein_models",
]
