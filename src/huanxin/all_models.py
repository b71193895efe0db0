"""Imports every domain's tables so `Base.metadata` is complete (for Alembic and tests)."""

from huanxin.db import Base
from huanxin.indicators import models as indicators_models
from huanxin.kit import audit
from huanxin.orgs import models as orgs_models
from huanxin.plans import models as plans_models

__all__ = ["Base", "audit", "indicators_models", "orgs_models", "plans_models"]
