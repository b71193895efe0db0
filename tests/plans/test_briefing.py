"""The round's 工作信息简报: a Word file the office sends to the city government."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import docx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.plans.support import plan_of, scope_named, task_titled, unit_scope
from typer.testing import CliRunner

from huanxin.errors import Forbidden, NotFound
from huanxin.indicators.models import Observation
from huanxin.kit.clock import now, today
from huanxin.plans import briefing, service
from huanxin.plans.models import Plan, Round, RoundItem

INDUSTRY = "市经济和信息化局"
HOUSING = "市住房城乡建设局"
FIRST_MEASURE = "分类施策推进重点行业产线升级改造"  # led by 市经济和信息化局
ELEVATORS = "推进老旧电梯等既有建筑设备更新改造"  # led by 市住房城乡建设局 and 市市场监管局
NARRATIVE = "全市37家重点企业完成产线升级改造，累计更新设备1200台（套），技改投资同比增长31%。"






@pytest.fixture()
def ziyang(db: Session) -> Plan:
    return plan_of(db, "ziyang-2024")


@pytest.fixture()
def overdue_round(db: Session, ziyang: Plan) -> Round:
    """A round past its due date: 经信局 has reported, 住建局 has not (so it is overdue)."""
    office = scope_named(db, "ziyang-office")
    reported, late = task_titled(db, ziyang, FIRST_MEASURE), task_titled(db, ziyang, ELEVATORS)
    rnd = service.open_round(db, office, ziyang, title="2024年第三季度调度", period="2024年第3季度",
                             due_on=today() - dt.timedelta(days=3), opened_on=today() - dt.timedelta(days=20),
                             task_ids=[reported.id, late.id], include_counties=False)
    industry = unit_scope(db, ziyang.city_code, INDUSTRY)
    item = db.scalar(select(RoundItem)
                     .where(RoundItem.round_id == rnd.id, RoundItem.unit_id == industry.unit_id))
    assert item is not None
    service.submit_report(db, industry, item, service.ReportInput(
        progress_pct=80, task_status="in_progress", narrative=NARRATIVE, figures=[]))
    return rnd


def text_of(document: docx.document.Document) -> str:
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_briefing_holds_sections_round_chart_overdue_units_and_highlights(
    db: Session, ziyang: Plan, overdue_round: Round,
) -> None:
    data = briefing.build_briefing(db, scope_named(db, "ziyang-office"), ziyang, overdue_round)
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == list(briefing.SECTIONS)
    text = text_of(document)
    assert document.paragraphs[0].text.startswith("资阳市")
    assert "2024年第三季度调度" in text
    assert f"{today().year}年{today().month}月{today().day}日" in text
    assert len(document.inline_shapes) == 1  # the indicator chart
    overdue = text.split(briefing.SECTIONS[3])[1].split(briefing.SECTIONS[4])[0]
    assert f"{HOUSING}（1项）" in overdue and ELEVATORS in overdue
    assert INDUSTRY not in overdue  # it reported in time for this round
    highlights = text.split(briefing.SECTIONS[4])[1]
    assert INDUSTRY in highlights and NARRATIVE[:20] in highlights
    assert "应报送 3 项，已报送 1 项" in text  # 住建局 and 市场监管局 both owe the elevator task
    assert "设备更新" in text  # progress by action


def test_gathered_counts_and_overdue_by_unit(db: Session, ziyang: Plan, overdue_round: Round) -> None:
    data = briefing.gather(db, scope_named(db, "ziyang-leader"), ziyang, overdue_round)
    assert (data.counts["owed"], data.counts["submitted"], data.counts["pending"]) == (3, 1, 2)
    assert set(data.overdue) == {HOUSING, "市市场监管局"}
    assert data.overdue_tasks == 1  # one task, led jointly by both units
    assert data.highlights[0].unit == INDUSTRY and data.highlights[0].progress_pct == 80


def test_headline_indicators_use_observations(db: Session, ziyang: Plan) -> None:
    db.add(Observation(city_code=ziyang.city_code, indicator_code="digital_rd_tool_penetration",
                       region_code=ziyang.city_code, year=2024, month=12, value=45.0, source="entered",
                       entered_at=now()))
    db.flush()
    office = scope_named(db, "ziyang-office")
    lines = {line.code: line for line in briefing.headline_indicators(db, office, ziyang)}
    penetration = lines["digital_rd_tool_penetration"]  # level target: 超过 90%
    assert penetration.actual == 45.0 and penetration.percent == pytest.approx(50.0)
    assert lines["equipment_investment"].note == "缺少基期值"  # a growth target needs the 2023 value
    png = briefing.indicator_chart(list(lines.values()))
    assert png.startswith(b"\x89PNG")


def test_department_may_not_produce_a_briefing(db: Session, ziyang: Plan, overdue_round: Round) -> None:
    industry = unit_scope(db, ziyang.city_code, INDUSTRY)
    with pytest.raises(Forbidden):
        briefing.build_briefing(db, industry, ziyang, overdue_round)


def test_round_of_another_plan_or_city_is_not_found(db: Session, ziyang: Plan, overdue_round: Round) -> None:
    panzhihua = plan_of(db, "panzhihua-2024")
    with pytest.raises(NotFound):
        briefing.build_briefing(db, scope_named(db, "ziyang-office"), panzhihua, overdue_round)
    with pytest.raises(NotFound):
        briefing.build_briefing(db, scope_named(db, "panzhihua-office"), ziyang, overdue_round)


def test_cli_briefing_without_rounds_says_so(tmp_path: Path) -> None:
    from huanxin.cli import app

    result = CliRunner().invoke(app, ["plans", "briefing", "anqiu-2024", "--out", str(tmp_path / "b.docx")])
    assert result.exit_code != 0
    assert "还没有调度轮次" in result.output
