"""Every indicator the key project library feeds has an owner among the city's departments (the
plans give the library to 市发展改革委; the efficiency shares to the industry department), so a
computed figure is never an indicator nobody answers for."""

from __future__ import annotations

import pytest

from huanxin.indicators.owners import UnitRef, owner_of
from huanxin.projects import indicator_feed as feed

UNITS = [UnitRef(1, "市经济和信息化局", "department"), UnitRef(2, "市发展和改革委员会", "department"),
         UnitRef(3, "市住房公积金管理中心", "agency"), UnitRef(4, "市商务局", "department")]


@pytest.mark.parametrize("code", feed.CITY_CODES)
def test_each_fed_indicator_has_an_owner(code: str) -> None:
    assert owner_of(code, UNITS) is not None, code


@pytest.mark.parametrize("code", [feed.EQUIPMENT_INVESTMENT, feed.PROJECTS_STARTED, feed.PROJECTS_COMPLETED,
                                  feed.ENERGY_SAVED])
def test_the_librarys_figures_belong_to_the_development_commission(code: str) -> None:
    found = owner_of(code, UNITS)
    assert found is not None and found.name == "市发展和改革委员会"


def test_the_efficiency_shares_belong_to_the_industry_department() -> None:
    for code in (feed.SAVING_SHARE, feed.ADVANCED_SHARE):
        found = owner_of(code, UNITS)
        assert found is not None and found.name == "市经济和信息化局"
