"""Fixtures of the indicator tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from indicator_helpers import scope_of
from sqlalchemy.orm import Session

from huanxin.orgs.scope import Scope


@pytest.fixture()
def scope_for(db: Session) -> Callable[[str], Scope]:
    return lambda username: scope_of(db, username)
