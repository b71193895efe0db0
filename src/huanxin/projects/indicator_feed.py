"""The key project library feeds the plans' indicators (issue 12, item 7): the equipment investment
of the library's projects, the projects started and completed, the energy they save and the
energy-efficiency shares of their new equipment become indicator observations with source
"computed", so that the cockpit's 设备投资增长 target shows progress computed from the library.

Which projects count: those **in the library** (入库), i.e. status approved (已入库), batched (已编入
批次) or reported (已报送省级). Projects still in review (county, department, office), drafts and
returned ones do not count: their figures may still change, and a project returned by a reviewer
would make the figure fall. What is in review is said in the note of the equipment figure, so a
reader knows what is coming.

When a project counts: by the dates it declared. `feed_indicators(session, city, year, month)` writes
year-to-date figures (January to the end of `month`, as statistics bureaus publish 累计 figures):

- `equipment_investment` (设备投资规模, 亿元): equipment investment (equipment_investment_fen) of the
  library's projects whose start date (start_on) falls in the period: a project's equipment
  investment is counted in the year it starts. Progress against "较2023年增长25%" compares the
  year's figure with the city's 2023 base-year value (indicators Baseline, entered by the office;
  the note says which figure and where it comes from, or that it is missing). Read with care: the
  library holds the declared key projects, the base-year value is usually the statistics bureau's
  figure of all equipment investment.
- `projects_started` / `projects_completed` (项): library projects whose start / finish date falls in
  the period.
- `projects_energy_saved` (吨标准煤): expected yearly energy saving (energy_saved_tce) of the library
  projects that finish in the period (savings come once the new equipment runs).
- `energy_saving_level_share` (%) and `benchmark_capacity_share` (%): of the new equipment of the
  library projects started in the period, the share of classified capacity at 节能水平 or better,
  and at 先进水平, from projects.efficiency.capacity_shares (by rated power × quantity where every
  classified line has one, else by units; said in the note). The equipment measure differs from the
  statistics' (main energy-using equipment of key industries; capacity of key industries at
  标杆水平), which the note says too.

Besides the city, `equipment_investment`, `projects_started` and `projects_completed` are written per
county (Observation.region_code) when `regions=True`.

Precedence, as for every feed (indicators.computed.write writes the figures): a year for which
the city (or county) already has an entered or imported figure of an indicator gets no computed one
(the series is never a mix of two definitions within a year), and a computed figure is only ever
replaced by a newer computed one.
A period without any library project gets no figure (zero would read as "nothing happened" rather
than "not measured").

When: `feed_months` at month ends (and in the demo); `refresh_for(session, project)` at once when
the office's approval brings a project into the library (projects.review calls it), for this year to
date and the past years of the project's start and finish.

`library_figures` is the read model of the same facts by year, field and region (with the link to
the projects behind each figure), for pages that show where the total comes from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.indicators import computed
from huanxin.indicators import service as indicators_service
from huanxin.kit.clock import today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects.models import Project, ProjectEquipment

LIBRARY = ("approved", "batched", "reported")  # 已入库, 已编入批次, 已报送省级
IN_REVIEW = ("county", "department", "office")  # not counted (see the module docstring)
SOURCE = computed.SOURCE
FEED_ACTOR = "projects-feed"
BASE_YEAR = 2023
FEN_PER_YI = 10**10  # 1 亿元 = 10^8 元 = 10^10 fen

EQUIPMENT_INVESTMENT = "equipment_investment"
PROJECTS_STARTED = "projects_started"
PROJECTS_COMPLETED = "projects_completed"
ENERGY_SAVED = "projects_energy_saved"
SAVING_SHARE = "energy_saving_level_share"
ADVANCED_SHARE = "benchmark_capacity_share"
CITY_CODES = (EQUIPMENT_INVESTMENT, PROJECTS_STARTED, PROJECTS_COMPLETED, ENERGY_SAVED, SAVING_SHARE,
              ADVANCED_SHARE)
REGION_CODES = (EQUIPMENT_INVESTMENT, PROJECTS_STARTED, PROJECTS_COMPLETED)
# The library list page (projects.pages_office) and the filters a link to it carries.
LIBRARY_PATH = "/projects/library"


@dataclass(frozen=True)
class Fact:
    """What the feed reads of one library project."""

    id: int
    region_code: str
    field: str
    start_on: dt.date
    finish_on: dt.date
    equipment_fen: int
    energy_saved_tce: float


FeedResult = computed.FeedResult  # indicators.computed: the city, (indicator, county) and what was left alone
EMPTY = "当期没有可计入的已入库项目"


def _feed_scope(city_code: str) -> Scope:
    # The computation acts for the city's task-force office, without a user row (like the CLI).
    return Scope(user_id=0, username=FEED_ACTOR, display_name="重点项目库数据汇入", role=Role.OFFICE,
                 city_code=city_code, unit_id=None, unit_name=None, region_code=None)


def period_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """1 January and the day after the end of `month` (the period is [start, end))."""
    return dt.date(year, 1, 1), dt.date(year + (month == 12), month % 12 + 1, 1)


# ---- facts ------------------------------------------------------------------------------------

def library_facts(session: Session, city_code: str) -> list[Fact]:
    """Every library project of the city (indexed on city and status), the columns the feed reads."""
    rows = session.execute(select(
        Project.id, Project.region_code, Project.field, Project.start_on, Project.finish_on,
        Project.equipment_investment_fen, Project.energy_saved_tce,
    ).where(Project.city_code == city_code, Project.status.in_(LIBRARY)))
    return [Fact(r[0], r[1], r[2], r[3], r[4], int(r[5] or 0), float(r[6] or 0.0)) for r in rows]


def in_review(session: Session, city_code: str, start: dt.date | None = None,
              end: dt.date | None = None) -> tuple[int, int]:
    """How many projects are in review now (starting in [start, end) when given), and their
    equipment investment (fen)."""
    stmt = select(func.count(Project.id), func.coalesce(func.sum(Project.equipment_investment_fen), 0)).where(
        Project.city_code == city_code, Project.status.in_(IN_REVIEW))
    if start is not None and end is not None:
        stmt = stmt.where(Project.start_on >= start, Project.start_on < end)
    count, fen = session.execute(stmt).one()
    return int(count or 0), int(fen or 0)


@dataclass(frozen=True)
class Figures:
    started: int
    equipment_fen: int
    completed: int
    energy_saved_tce: float
    started_ids: tuple[int, ...]


def figures(facts: Iterable[Fact], start: dt.date, end: dt.date, region_code: str | None = None) -> Figures:
    """The period's figures of the facts (of one county when `region_code` is given)."""
    mine = [f for f in facts if region_code is None or f.region_code == region_code]
    started = [f for f in mine if start <= f.start_on < end]
    completed = [f for f in mine if start <= f.finish_on < end]
    return Figures(started=len(started), equipment_fen=sum(f.equipment_fen for f in started),
                   completed=len(completed), energy_saved_tce=round(sum(f.energy_saved_tce for f in completed), 3),
                   started_ids=tuple(f.id for f in started))


def new_equipment(session: Session, project_ids: Sequence[int]) -> list[ProjectEquipment]:
    """The new lines of these projects (IN lists kept within every database's limits)."""
    out: list[ProjectEquipment] = []
    ids = list(project_ids)
    for start in range(0, len(ids), 500):
        out.extend(session.scalars(select(ProjectEquipment).where(
            ProjectEquipment.project_id.in_(ids[start:start + 500]), ProjectEquipment.side == "new")))
    return out


def capacity_shares(lines: Sequence[ProjectEquipment]) -> Any | None:
    """projects.efficiency's shares of these lines, or None while that module is not installed."""
    try:
        from huanxin.projects.efficiency import capacity_shares as shares_of
    except ImportError:  # helper H2's module: the share indicators wait for it
        return None
    return shares_of(lines)


# ---- the feed ---------------------------------------------------------------------------------

def _period_text(year: int, month: int) -> str:
    return f"{year}年" if month == 12 else f"{year}年1-{month}月"


def _baseline_text(session: Session, scope: Scope, city_code: str) -> str:
    """Where the 2023 figure that growth is measured against comes from."""
    found = [b for b in indicators_service.list_baselines(session, scope, city_code)
             if b.indicator_code == EQUIPMENT_INVESTMENT and b.region_code == city_code and b.year == BASE_YEAR]
    if not found:
        return f"尚未录入{BASE_YEAR}年基期值，较{BASE_YEAR}年增长待专班办公室录入后计算"
    base = found[0]
    source = f"（{base.note}）" if base.note else ""
    return f"增长对比{BASE_YEAR}年基期值{base.value:g}亿元，取自基期值表{source}，为统计口径全社会设备投资"


def _notes(session: Session, scope: Scope, city_code: str, year: int, month: int, fig: Figures,
           shares: Any | None) -> dict[str, str]:
    when = _period_text(year, month)
    count, fen = in_review(session, city_code, *period_bounds(year, month))
    review = f"；另有开工日期在当期的审核中项目{count}个（设备投资{fen / FEN_PER_YI:.2f}亿元）未计入" if count else ""
    notes = {
        EQUIPMENT_INVESTMENT: f"重点项目库计算：{when}开工的已入库项目{fig.started}个的设备投资合计"
                              f"{review}；{_baseline_text(session, scope, city_code)}",
        PROJECTS_STARTED: f"重点项目库计算：{when}开工的已入库项目数（按申报开工日期）",
        PROJECTS_COMPLETED: f"重点项目库计算：{when}完工的已入库项目数（按申报完工日期）",
        ENERGY_SAVED: f"重点项目库计算：{when}完工的已入库项目{fig.completed}个的预计年节能量合计",
    }
    if shares is not None:
        basis = f"{shares.basis_label}，{shares.classified_lines}行已评价、{shares.unclassified_lines}行无法评价"
        common = f"重点项目库计算：{when}开工的已入库项目新购设备（{basis}）"
        notes[SAVING_SHARE] = f"{common}中达到节能水平及以上的比例；统计口径为重点行业主要用能设备存量，口径不同"
        notes[ADVANCED_SHARE] = (f"{common}中达到先进水平（能效1级）的比例；统计口径为重点行业能效达到"
                                 "《工业重点领域能效标杆水平和基准水平》标杆水平的产能，口径不同")
    return notes


def _values(fig: Figures, shares: Any | None) -> dict[str, float | None]:
    """Indicator → value, None where the period has nothing to measure."""
    values: dict[str, float | None] = {
        EQUIPMENT_INVESTMENT: round(fig.equipment_fen / FEN_PER_YI, 4) if fig.started else None,
        PROJECTS_STARTED: float(fig.started) if fig.started else None,
        PROJECTS_COMPLETED: float(fig.completed) if fig.completed else None,
        ENERGY_SAVED: fig.energy_saved_tce if fig.completed else None,
        SAVING_SHARE: None,
        ADVANCED_SHARE: None,
    }
    if shares is not None and shares.saving_permille is not None:
        values[SAVING_SHARE] = shares.saving_permille / 10
        values[ADVANCED_SHARE] = shares.advanced_permille / 10
    return values


def feed_indicators(session: Session, city_code: str, year: int, month: int, *, regions: bool = True,
                    facts: list[Fact] | None = None) -> FeedResult:
    """Writes the year-to-date computed observations of (year, month) for the city (and its counties)."""
    if not 1 <= month <= 12:
        raise ValueError("month must be 1–12")
    scope = _feed_scope(city_code)
    facts = library_facts(session, city_code) if facts is None else facts
    start, end = period_bounds(year, month)
    fig = figures(facts, start, end)
    shares = capacity_shares(new_equipment(session, fig.started_ids)) if fig.started else None
    not_measured: dict[str, str] = {}
    if fig.started and shares is None:
        not_measured[SAVING_SHARE] = not_measured[ADVANCED_SHARE] = "能效分级模块未就绪"
    elif shares is not None and shares.saving_permille is None:
        not_measured[SAVING_SHARE] = not_measured[ADVANCED_SHARE] = "当期已入库项目的新购设备均无法评价能效"
    notes = _notes(session, scope, city_code, year, month, fig, shares)
    values = {code: (value, notes.get(code, "")) for code, value in _values(fig, shares).items()
              if code not in not_measured}
    result = computed.write(session, scope, year, month, values, empty=EMPTY,
                            regions=_county_values(city_code, year, month, facts) if regions else None)
    result.skipped.update(not_measured)
    return result


def _county_values(city_code: str, year: int, month: int, facts: list[Fact]) -> dict[str, computed.Values]:
    start, end = period_bounds(year, month)
    when = _period_text(year, month)
    out: dict[str, computed.Values] = {}
    for region in sorted({f.region_code for f in facts if f.region_code != city_code}):
        fig = figures(facts, start, end, region)
        mine: dict[str, tuple[float | None, str]] = {}
        for code, value in _values(fig, None).items():
            if code in REGION_CODES:
                what = "设备投资合计" if code == EQUIPMENT_INVESTMENT else "项目数"
                verb = "完工" if code == PROJECTS_COMPLETED else "开工"
                mine[code] = (value, f"重点项目库计算：本县（市、区）{when}{verb}的已入库项目{what}")
        out[region] = mine
    return out


def feed_months(session: Session, city_code: str, until: dt.date, since_year: int = 2024) -> int:
    """Quarter ends and the last full month, from `since_year` to the month before `until`, the
    counties at each year's last of them (the demo's call; a deployment runs `feed_indicators`
    every month end). Returns how many observations were written."""
    facts = library_facts(session, city_code)
    written = 0
    for year in range(since_year, until.year + 1):
        last = 12 if year < until.year else until.month - 1
        months = sorted({m for m in (3, 6, 9, 12) if m <= last} | ({last} if last >= 1 else set()))
        for month in months:
            result = feed_indicators(session, city_code, year, month, regions=month == months[-1], facts=facts)
            written += len(result.written) + len(result.regions_written)
    return written


def refresh_current(session: Session, city_code: str, on: dt.date | None = None) -> FeedResult:
    """The city's figures of this year to date (January to the end of this month)."""
    day = on or today()
    return feed_indicators(session, city_code, day.year, day.month)


def refresh_for(session: Session, project: Project, on: dt.date | None = None) -> list[FeedResult]:
    """For the review chain, when a project enters the library (the office's approval): the figures
    it changes at once, rather than at the next month-end feed: this year to date, and the full
    year of its start and of its finish when those years are over."""
    day = on or today()
    facts = library_facts(session, project.city_code)
    periods = {(day.year, day.month)} | {(y, 12) for y in (project.start_on.year, project.finish_on.year)
                                         if BASE_YEAR < y < day.year}  # the base year is the Baseline's
    return [feed_indicators(session, project.city_code, year, month, facts=facts) for year, month in sorted(periods)]
