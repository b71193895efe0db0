"""The cockpit's 设备投资增长 figure links to the projects it counts (issue 12, item 7), and the
library page's overview (one grouped query folded by status, field and region) still adds up.

A small library of 资阳 made by hand: library projects (approved, batched, reported) started in 2025,
one started in 2024, one in review and one draft started in 2025 (neither counts)."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.projects.support import Library, setup_library
from tests.tradein.test_pages import Browser

from huanxin.kit.clock import now
from huanxin.projects import indicator_feed as feed
from huanxin.projects.models import Project

CITY = "512000"
YI = 10**10
_SEQ = itertools.count(1)


def _project(db: Session, lib: Library, status: str, start: str, equipment_wan: int, *, region: str | None = None,
             field: str = "industry", finish: str = "2026-06-30") -> Project:
    at = now()
    equipment = equipment_wan * 1_000_000
    project = Project(
        city_code=CITY, code=f"FL-{next(_SEQ):05d}", enterprise_id=lib.enterprise.id,
        region_code=region or lib.region_code, name=f"指标链接项目{start}", field=field, directions=["energy_saving"],
        total_investment_fen=equipment * 2, fixed_asset_fen=equipment * 2, equipment_investment_fen=equipment,
        start_on=dt.date.fromisoformat(start), finish_on=dt.date.fromisoformat(finish),
        construction="under_construction", invested_permille=500, energy_saved_tce=0.0, status=status,
        created_at=at, updated_at=at)
    db.add(project)
    db.flush()
    return project


@pytest.fixture()
def lib(db: Session) -> Library:
    lib = setup_library(db, CITY)
    _project(db, lib, "approved", "2025-02-10", 1200)
    _project(db, lib, "batched", "2025-05-20", 500, field="healthcare")
    _project(db, lib, "reported", "2025-11-03", 300, region=lib.other_region_code)
    _project(db, lib, "approved", "2024-06-01", 900)  # another year
    _project(db, lib, "county", "2025-04-01", 700)  # in review: not counted
    _project(db, lib, "draft", "2025-04-01", 800)  # a draft: not counted
    return lib


def _kpi(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">([^<]+)<', page)
    assert found, testid
    return found.group(1)


def _figure_link(page: str) -> str:
    found = re.search(r'<a href="([^"]+)" data-testid="figure-source"', page)
    assert found, "the cockpit's figure carries no link"
    return html.unescape(found.group(1))


def test_the_cockpit_figure_opens_exactly_the_projects_it_counts(app: FastAPI, db: Session, lib: Library) -> None:
    result = feed.feed_indicators(db, CITY, 2025, 12)
    assert result.written[feed.PROJECTS_STARTED] == 3
    office = Browser(app, lib.office_user)
    cockpit = office.get(f"/cities/{CITY}/cockpit")
    link = _figure_link(cockpit)
    assert link == "/projects/library?stage=library&start_year=2025"
    page = office.get(link)
    assert _kpi(page, "total-projects") == "3"  # the figure's three, not the 2024, review or draft ones
    # 1,200 + 500 + 300 万元 = 0.2 亿元, the figure the feed wrote
    assert _kpi(page, "equipment-investment") == "2,000.00"
    assert result.written[feed.EQUIPMENT_INVESTMENT] == pytest.approx(2000 * 1_000_000 / YI)
    assert "已入库项目" in page and "2025年开工" in page  # the reader is told what the list is
    assert page.count('<tr data-project="') == 3


def test_a_year_to_date_figure_links_to_the_months_it_counts(app: FastAPI, db: Session, lib: Library) -> None:
    feed.feed_indicators(db, CITY, 2025, 6)
    link = _figure_link(Browser(app, lib.office_user).get(f"/cities/{CITY}/cockpit"))
    assert link == "/projects/library?stage=library&start_year=2025&month=6"
    page = Browser(app, lib.office_user).get(link)
    assert _kpi(page, "total-projects") == "2"  # February and May; November is not in 1-6月
    assert "2025年1-6月开工" in page


def test_the_filter_form_keeps_the_figures_filters(app: FastAPI, lib: Library) -> None:
    page = Browser(app, lib.office_user).get("/projects/library?stage=library&start_year=2025&field=healthcare")
    assert _kpi(page, "total-projects") == "1"
    assert '<input type="hidden" name="stage" value="library">' in page
    assert '<input type="hidden" name="start_year" value="2025">' in page


def test_a_figure_without_library_computation_has_no_link(app: FastAPI, db: Session, lib: Library) -> None:
    cockpit = Browser(app, lib.office_user).get(f"/cities/{CITY}/cockpit")  # nothing fed: no figure at all
    assert 'data-testid="figure-source"' not in cockpit


def test_the_api_takes_the_same_filters(client: TestClient, lib: Library) -> None:
    headers = api_token(client, lib.office_user)
    r = client.get(f"/api/v1/cities/{CITY}/projects?stage=library&start_year=2025", headers=headers)
    assert r.status_code == 200 and r.json()["total"] == 3
    r = client.get(f"/api/v1/cities/{CITY}/projects?stage=library&finish_year=2026&month=6", headers=headers)
    assert r.json()["total"] == 4  # every library project here finishes on 2026-06-30


@pytest.mark.parametrize(("query", "field"), [("stage=everything", "stage"), ("start_year=20x5", "start_year"),
                                              ("start_year=2025&month=13", "month")])
def test_a_wrong_figure_filter_names_it(client: TestClient, app: FastAPI, lib: Library, query: str,
                                        field: str) -> None:
    headers = api_token(client, lib.office_user)
    r = client.get(f"/api/v1/cities/{CITY}/projects?{query}", headers=headers)
    assert r.status_code == 422 and r.json()["field"] == field
    page = Browser(app, lib.office_user).client.get(f"/projects/library?{query}")
    assert page.status_code in (400, 422) and ("无效" in page.text or "须为" in page.text)


def test_the_overview_adds_up_by_status_field_and_region(app: FastAPI, lib: Library) -> None:
    page = Browser(app, lib.office_user).get("/projects/library")
    assert _kpi(page, "total-projects") == "6"
    for testid in ("by-status", "by-field", "by-region"):
        table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
        counts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', table)]
        assert sum(counts) == 6, testid
    status = page.split('data-testid="by-status"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"<td>已入库</td><td class=\"num\">2</td>", status)  # two approved
    region = page.split('data-testid="by-region"', 1)[1].split("</table>", 1)[0]
    assert region.count("<tr>") == 3  # the head and the two counties
