"""What the project library's pages show, read and put into words: money in 万元, labels for every
key, the funding decision per instrument, the energy-efficiency level of each equipment line, the
deadline lights, and the library's totals by status, field and region (one GROUP BY of the three,
folded here, inside the caller's scope: the page never loads the 50,000 projects of a city)."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from huanxin.config import get_settings
from huanxin.errors import InvalidInput
from huanxin.kit.clock import aware
from huanxin.orgs.scope import Scope
from huanxin.projects import efficiency, vocab
from huanxin.projects import enterprises as enterprises_service
from huanxin.projects import lights as project_lights
from huanxin.projects import repository as repo
from huanxin.projects.models import Project, ProjectEquipment
from huanxin.web.labels import LIGHT

logger = logging.getLogger(__name__)
WAN = Decimal(1_000_000)  # fen in 1 万元


def wan(fen: int | None) -> str:
    """Integer fen as 万元 with two decimals, rounded half up for display only: 123456789 → '123.46'."""
    if fen is None:
        return "—"
    return f"{(Decimal(int(fen)) / WAN).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def pct(permille: int | None) -> str:
    if permille is None:
        return "—"
    return f"{Decimal(int(permille)) / 10:g}%"


def num(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def when(value: dt.datetime | None) -> str:
    return aware(value).strftime("%Y-%m-%d %H:%M") if value else ""


def efficiency_inputs(line: ProjectEquipment) -> str:
    """What the efficiency tables read, as a person writes it (额定功率 7.5千瓦 · 4极 · 效率 91.2%)."""
    parts = []
    if line.rated_power_kw is not None:
        parts.append(f"额定功率 {num(line.rated_power_kw)}千瓦")
    if line.poles is not None:
        parts.append(f"{line.poles}极")
    if line.efficiency_pct is not None:
        parts.append(f"效率 {num(line.efficiency_pct)}%")
    if line.declared_grade is not None:
        parts.append(f"{line.declared_grade}级能效")
    return " · ".join(parts) or "—"


def common() -> dict[str, Any]:
    """What every template of the library uses."""
    return {"V": vocab, "wan": wan, "pct": pct, "num": num, "when": when, "light_labels": LIGHT,
            "efficiency_inputs": efficiency_inputs}


def regions(session: Session, city_code: str) -> dict[str, str]:
    return enterprises_service.counties(session, city_code)


def enterprise_names(session: Session, projects: Sequence[Project]) -> dict[int, str]:
    found = repo.enterprises_of(session, [p.enterprise_id for p in projects])
    return {k: e.name for k, e in found.items()}


ENTERPRISE_OPTIONS = 500  # the filter's list of enterprises; past it, filter by region first


def enterprise_options(session: Session, scope: Scope, filters: repo.ProjectFilters) -> list[Any]:
    """The enterprises the filter offers: those the caller may read (a county: its region's)."""
    found = enterprises_service.list_enterprises(session, scope, scope.city_code, enterprises_service.EnterpriseFilters(
        region_code=filters.region_code, per_page=ENTERPRISE_OPTIONS))
    return list(found.items)


def returned_comment(session: Session, project: Project) -> str:
    """The comment of the step that sent the project back, if it is back with its enterprise."""
    if project.status != "returned":
        return ""
    steps = [s for s in repo.steps_of(session, project.id) if s.action == "return"]
    return steps[-1].comment if steps else ""


def returned_comments(session: Session, projects: Sequence[Project]) -> dict[int, str]:
    return {p.id: returned_comment(session, p) for p in projects if p.status == "returned"}


# ---- energy efficiency ------------------------------------------------------------------------

def efficiency_notes(equipment: Sequence[ProjectEquipment]) -> dict[int, str]:
    """Why each line has its level (or none): the standard and the figures compared, in Chinese."""
    notes: dict[int, str] = {}
    for line in equipment:
        try:
            result = efficiency.classify(line)
        except Exception:  # noqa: BLE001 - a line the tables cannot read keeps its stored level
            logger.warning("efficiency classify failed for equipment %s", line.id, exc_info=True)
            continue
        notes[line.id] = result.reason
    return notes


# ---- funding (projects.funding, helper H1: optional until it lands) ----------------------------

def funding_rows(project: Project, equipment: Sequence[ProjectEquipment],
                 on: dt.date | None = None) -> list[dict[str, Any]] | None:
    """Per instrument: eligible, the estimated amount (fen), the reasons in Chinese; None when the
    funding rules are not installed."""
    try:
        funding = importlib.import_module("huanxin.projects.funding")
    except ImportError:
        return None
    try:
        decision = funding.evaluate_project(funding.facts_from_project(project, list(equipment)), on)
    except Exception:  # noqa: BLE001 - the page still shows the project; the log says why
        logger.warning("funding evaluation failed for project %s", project.id, exc_info=True)
        return None
    return [_instrument_row(key, item, project) for key, item in _instruments(decision)]


def _instruments(decision: Any) -> list[tuple[str, Any]]:
    """The decision's instruments in the vocabulary's order, whatever container carries them."""
    found = getattr(decision, "results", None) or getattr(decision, "instruments", decision)
    if isinstance(found, dict):
        pairs = list(found.items())
    else:
        pairs = [(str(getattr(item, "instrument", "")), item) for item in found]
    order = list(vocab.INSTRUMENTS)
    return sorted(pairs, key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def _instrument_row(key: str, item: Any, project: Project) -> dict[str, Any]:
    reasons = getattr(item, "reasons", None) or []
    return {"key": key, "label": vocab.INSTRUMENTS.get(key, "其他支持方式"),
            "eligible": bool(getattr(item, "eligible", False)), "estimated_fen": getattr(item, "estimated_fen", None),
            "reasons": [str(r) for r in reasons],
            "requested": bool(getattr(item, "requested", key in (project.instruments or [])))}


# ---- the library's totals -----------------------------------------------------------------------

def _where(session: Session, scope: Scope, filters: repo.ProjectFilters) -> list[ColumnElement[bool]]:
    return [repo.scope_condition(session, scope), *repo._filter_conditions(filters)]  # noqa: SLF001 - one filter rule


def grouped(session: Session, scope: Scope, filters: repo.ProjectFilters,
            ) -> dict[str, dict[str, dict[str, int]]]:
    """count, total and equipment investment (fen) by status, by field and by region, from ONE
    query grouped by (status, field, region) and folded here: each GROUP BY is a scan of the
    filtered projects (with a text search, of the city's 50,000 rows), so one scan instead of three.
    The combinations are few (8 statuses x ~15 fields x the counties), the fold is cheap, and the
    query reads the covering index ix_project_city_overview alone (migration 0017), in its order."""
    where = _where(session, scope, filters)
    if filters.q:
        # A text search reads the rows themselves: found first by (city, id), then grouped. Else
        # SQLite walks ix_project_city_overview (the GROUP BY's order) and reads each row from it,
        # four times slower at 50,000 projects.
        where = [Project.id.in_(select(Project.id).where(*where))]
    stmt = (select(Project.status, Project.field, Project.region_code, func.count(),
                   func.coalesce(func.sum(Project.total_investment_fen), 0),
                   func.coalesce(func.sum(Project.equipment_investment_fen), 0))
            .where(*where)
            .group_by(Project.status, Project.field, Project.region_code))
    folded: dict[str, dict[str, dict[str, int]]] = {"status": {}, "field": {}, "region": {}}
    for status, field, region, n, total, equip in session.execute(stmt):
        for axis, key in (("status", status), ("field", field), ("region", region)):
            group = folded[axis].setdefault(str(key), {"count": 0, "total_fen": 0, "equipment_fen": 0})
            group["count"] += int(n)
            group["total_fen"] += int(total)
            group["equipment_fen"] += int(equip)
    return folded


def rows_of(groups: dict[str, dict[str, int]], names: dict[str, str], order: Sequence[str] | None = None,
            ) -> list[dict[str, Any]]:
    """Rows with a name and the share of equipment investment (whole %), biggest first unless ordered."""
    all_equipment = sum(g["equipment_fen"] for g in groups.values()) or 1
    rows = [{"key": k, "name": names.get(k, "其他"), **g, "share": round(100 * g["equipment_fen"] / all_equipment)}
            for k, g in groups.items()]
    if order is not None:
        rank = {k: i for i, k in enumerate(order)}
        return sorted(rows, key=lambda r: rank.get(r["key"], len(rank)))
    return sorted(rows, key=lambda r: (-r["equipment_fen"], -r["count"], r["name"]))


def chart(chart_id: str, title: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The data static/tradein.js draws as a horizontal bar chart (the table is the fallback)."""
    return {"id": chart_id, "title": title, "unit": "万元", "labels": [r["name"] for r in rows],
            "datasets": [{"label": "设备投资", "data": [round(r["equipment_fen"] / 1_000_000, 2) for r in rows]},
                         {"label": "其他投资", "data": [round((r["total_fen"] - r["equipment_fen"]) / 1_000_000, 2)
                                                    for r in rows]}],
            "stacked": True}


APPROVED_OR_LATER = ("approved", "batched", "reported")


def library(session: Session, scope: Scope, filters: repo.ProjectFilters, region_names: dict[str, str],
            ) -> dict[str, Any]:
    folded = grouped(session, scope, filters)
    by_status, by_field, by_region = folded["status"], folded["field"], folded["region"]
    status_rows = rows_of(by_status, vocab.STATUSES, order=list(vocab.STATUSES))
    field_rows = rows_of(by_field, vocab.FIELDS)
    region_rows = rows_of(by_region, region_names)
    totals = {"count": sum(g["count"] for g in by_status.values()),
              "total_fen": sum(g["total_fen"] for g in by_status.values()),
              "equipment_fen": sum(g["equipment_fen"] for g in by_status.values()),
              "approved": sum(by_status.get(s, {}).get("count", 0) for s in APPROVED_OR_LATER)}
    return {"totals": totals, "by_status": status_rows, "by_field": field_rows, "by_region": region_rows,
            "charts": {"field": chart("by-field", "按领域：投资（万元）", field_rows),
                       "region": chart("by-region", "按县（市、区）：投资（万元）", region_rows)}}


# ---- list filters ---------------------------------------------------------------------------------

def _whole(text: str, label: str, name: str) -> int | None:
    """A year or month of the query string: blank is none, anything but a short number its error."""
    value = (text or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 4:
        raise InvalidInput(f"{label}“{value[:10]}”须为数字", field=name)
    return int(value)


def filters_from_query(status: str = "", field: str = "", region: str = "", enterprise: str = "", q: str = "",
                       page: int = 1, batch_id: int | None = None, stage: str = "", start_year: str = "",
                       finish_year: str = "", month: str = "") -> repo.ProjectFilters:
    """The query string of every list as the repository's filters (a wrong key: its Chinese error)."""
    enterprise_id = int(enterprise) if enterprise.strip().isdigit() and len(enterprise.strip()) < 19 else None
    return repo.ProjectFilters(status=status or None, field=field or None, region_code=region or None,
                               enterprise_id=enterprise_id, batch_id=batch_id, q=q.strip()[:100] or None,
                               stage=stage.strip() or None,
                               start_year=_whole(start_year, "开工年份", "start_year"),
                               finish_year=_whole(finish_year, "完工年份", "finish_year"),
                               until_month=_whole(month, "截止月份", "month"), page=max(page, 1))


def query_of(filters: repo.ProjectFilters) -> str:
    """The filters as a query string for the paging links (ends with & when not empty)."""
    text = urlencode({k: v for k, v in _pairs(filters).items() if v not in (None, "")})
    return f"{text}&" if text else ""


def _pairs(filters: repo.ProjectFilters) -> dict[str, object]:
    return {"status": filters.status, "field": filters.field, "region": filters.region_code,
            "enterprise": filters.enterprise_id, "q": filters.q, **figure_pairs(filters)}


def figure_pairs(filters: repo.ProjectFilters) -> dict[str, object]:
    """The filters a figure's link carries (kept as hidden fields by the filter form)."""
    found = {"stage": filters.stage, "start_year": filters.start_year, "finish_year": filters.finish_year,
             "month": filters.until_month}
    return {k: v for k, v in found.items() if v not in (None, "")}


def figure_note(filters: repo.ProjectFilters) -> str:
    """What a figure's link narrowed the list to, in words: 已入库项目 · 2025年1-6月开工."""
    parts = ["已入库项目（含已编入批次、已报送省级）"] if filters.stage == "library" else []
    for year, verb in ((filters.start_year, "开工"), (filters.finish_year, "完工")):
        if year is not None:
            months = f"1-{filters.until_month}月" if filters.until_month not in (None, 12) else ""
            parts.append(f"{year}年{months}{verb}")
    return " · ".join(parts)


# ---- deadline lights (projects.lights, helper H4) ------------------------------------------------

FUNDING_NOTE = "测算依据现行资金规则，仅供审核参考，最终以主管部门审核和省级下达为准。"


def deadline_light(deadline: dt.date, on: dt.date, *, done: bool = False) -> str:
    """The ledger's rule for a date (plans.lights): past it red, within the yellow days yellow."""
    if done:
        return "green"
    if deadline < on:
        return "red"
    return "yellow" if (deadline - on).days <= get_settings().yellow_days_before_due else "green"


def lights_of(session: Session, projects: Sequence[Project]) -> dict[int, str]:
    """Each project's light at the level it waits at (projects.lights); none for those nobody waits on."""
    found = project_lights.lights_of(session, list(projects))
    return {pid: light.light for pid, light in found.items() if light is not None}


def light_rule() -> str:
    days = project_lights.STAGE_DAYS
    return (f"县（市、区）{days['county']}天、行业主管部门{days['department']}天、专班办公室至最近批次截止日"
            f"（无批次时{days['office']}天）、企业修改{days['returned']}天，"
            f"到期前{get_settings().yellow_days_before_due}天亮黄灯")


def project_light(session: Session, project: Project) -> tuple[str | None, str]:
    """The project's light and what it means: who is waited on, until when."""
    light = project_lights.light_of(session, project)
    if light is None:
        return None, ""
    return light.light, f"等待{light.waiting_for}，期限 {light.due_on.isoformat()}"
