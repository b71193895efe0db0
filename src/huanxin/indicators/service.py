"""Use cases of the indicators domain: observations, baselines, progress against the plans' targets.

Observations and baselines are written here only; nothing here commits (the request or the CLI
command does). Every input is validated in full before the first write, so a refused entry or
import leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.indicators import repository as repo
from huanxin.indicators.catalogue import IndicatorDef, catalogue
from huanxin.indicators.models import Baseline, Observation
from huanxin.indicators.owners import UnitRef, owners_of_city
from huanxin.indicators.progress import Obs, TargetProgress, TargetSpec, compute
from huanxin.kit import audit
from huanxin.kit.clock import now, today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import LEDGER_ROLES, Role
from huanxin.orgs.scope import Scope

MIN_YEAR, MAX_YEAR = 2015, 2035
DEFAULT_BASE_YEAR = 2023
MAX_NOTE = 500

# The Chinese name of each input field, as the entry form and the import sheet call it.
LABELS = {
    "indicator_code": "指标代码",
    "region_code": "地区代码",
    "year": "年份",
    "month": "月份",
    "value": "数值",
    "note": "备注",
}


@dataclass(frozen=True)
class ObservationInput:
    """Raw input from a form, the API or a sheet row: strings or numbers, checked by `clean`."""

    indicator_code: Any
    region_code: Any
    year: Any
    month: Any
    value: Any
    note: Any = None


@dataclass(frozen=True)
class CleanObservation:
    indicator_code: str
    region_code: str
    year: int
    month: int
    value: float
    note: str | None

    @property
    def key(self) -> repo.ObsKey:
        return (self.indicator_code, self.region_code, self.year, self.month)


@dataclass(frozen=True)
class BaselineInput:
    indicator_code: Any
    region_code: Any
    year: Any
    value: Any
    note: Any = None
    correct: bool = False


class FieldError(ValueError):
    """A bad field: `field` is the input's name, the message is in Chinese and names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class CityContext:
    """What validation needs to know of a city, read once per entry or import."""

    city_code: str
    city_name: str
    regions: dict[str, str]  # the city's own code and its counties
    owners: dict[str, UnitRef | None]

    def owner_name(self, code: str) -> str | None:
        owner = self.owners.get(code)
        return owner.name if owner else None


# ---- access ---------------------------------------------------------------------------------


def require_reader(scope: Scope, city_code: str) -> None:
    """Another city answers 404; roles without government work (enterprises, residents …) 403."""
    scope.require_city(city_code)
    if scope.role not in LEDGER_ROLES:
        raise Forbidden("您的角色无权查看指标监测")


def require_cockpit(scope: Scope, city_code: str) -> None:
    scope.require_city(city_code)
    if not scope.city_wide:
        raise Forbidden("驾驶舱仅对专班办公室和市政府领导开放")


def may_enter(scope: Scope, ctx: CityContext, indicator_code: str, region_code: str) -> str | None:
    """Why this user may not enter this figure, or None if they may.

    The office enters anything; a department the indicators its unit owns (owners.py); a county
    the figures of its own region. The leader only reads."""
    if scope.is_office:
        return None
    if scope.role == Role.DEPARTMENT and scope.unit_id is not None:
        owner = ctx.owners.get(indicator_code)
        if owner is not None and owner.id == scope.unit_id:
            return None
        owner_name = ctx.owner_name(indicator_code) or "专班办公室"
        return f"指标“{indicator_code}”由{owner_name}负责填报，本单位无权录入"
    if scope.role == Role.COUNTY and scope.region_code:
        if region_code == scope.region_code:
            return None
        return f"只能录入本县（市、区）（地区代码 {scope.region_code}）的数据"
    return "您的角色只能查看指标，不能录入"


def can_enter_any(scope: Scope) -> bool:
    return scope.is_office or (scope.reports and scope.role in (Role.DEPARTMENT, Role.COUNTY))


def enterable_codes(scope: Scope, ctx: CityContext) -> list[str]:
    """The indicator codes this user's entry form offers."""
    if scope.is_office or scope.role == Role.COUNTY:
        return list(catalogue())
    return [code for code, owner in ctx.owners.items() if owner is not None and owner.id == scope.unit_id]


def city_context(session: Session, city_code: str) -> CityContext:
    regions = {city_code: orgs_service.region_name(session, city_code)}
    regions.update({r.code: r.name for r in orgs_service.child_regions(session, city_code)})
    units = [
        UnitRef(id=u.id, name=u.name, kind=u.kind) for u in orgs_service.units_of_city(session, city_code)
    ]
    return CityContext(
        city_code=city_code,
        city_name=regions[city_code],
        regions=regions,
        owners=owners_of_city(units, catalogue()),
    )


# ---- validation -----------------------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # Excel hands back 512000 as 512000.0
    return str(raw).strip()


def parse_int(raw: Any, field: str, low: int, high: int) -> int:
    label = LABELS[field]
    if _blank(raw):
        raise FieldError(field, f"{label}不能为空")
    try:
        number = float(_text(raw).replace(",", ""))
    except ValueError:
        raise FieldError(field, f"{label}“{_text(raw)}”不是有效的整数") from None
    if not number.is_integer():
        raise FieldError(field, f"{label}“{_text(raw)}”须为整数")
    if not low <= number <= high:
        raise FieldError(field, f"{label}须在 {low} 到 {high} 之间，收到 {int(number)}")
    return int(number)


def parse_value(raw: Any, indicator: IndicatorDef) -> float:
    if _blank(raw):
        raise FieldError("value", "数值不能为空")
    if isinstance(raw, bool):
        raise FieldError("value", f"数值“{raw}”不是有效数字")
    text = _text(raw).replace(",", "").replace("，", "")
    if indicator.unit == "%" and text.endswith("%"):
        text = text[:-1]
    try:
        number = float(text)
    except ValueError:
        raise FieldError("value", f"数值“{_text(raw)}”不是有效数字") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise FieldError("value", f"数值“{_text(raw)}”不是有效数字")
    if indicator.unit == "%" and not 0 <= number <= 100:
        raise FieldError("value", f"数值须在 0 到 100 之间（“{indicator.name}”以 % 计），收到 {number:g}")
    if number < 0:
        raise FieldError("value", f"数值不能为负数（“{indicator.name}”），收到 {number:g}")
    return number


def parse_indicator(raw: Any) -> IndicatorDef:
    if _blank(raw):
        raise FieldError("indicator_code", "指标代码不能为空")
    code = _text(raw)
    indicator = catalogue().get(code)
    if indicator is None:
        raise FieldError("indicator_code", f"指标代码“{code}”不在指标目录中")
    return indicator


def parse_region(raw: Any, ctx: CityContext, *, default_city: bool) -> str:
    if _blank(raw):
        if default_city:
            return ctx.city_code
        raise FieldError("region_code", "地区代码不能为空（全市数据填本市代码 " + ctx.city_code + "）")
    code = _text(raw)
    if code not in ctx.regions:
        raise FieldError("region_code", f"地区代码“{code}”不是{ctx.city_name}或其所辖县（市、区）的代码")
    return code


def parse_note(raw: Any) -> str | None:
    if _blank(raw):
        return None
    note = _text(raw)
    if len(note) > MAX_NOTE:
        raise FieldError("note", f"备注不能超过 {MAX_NOTE} 字")
    return note


def clean_observation(
    raw: ObservationInput, ctx: CityContext, *, default_city: bool = True
) -> CleanObservation:
    indicator = parse_indicator(raw.indicator_code)
    month = 12 if _blank(raw.month) and default_city else parse_int(raw.month, "month", 1, 12)
    return CleanObservation(
        indicator_code=indicator.code,
        region_code=parse_region(raw.region_code, ctx, default_city=default_city),
        year=parse_int(raw.year, "year", MIN_YEAR, MAX_YEAR),
        month=month,
        value=parse_value(raw.value, indicator),
        note=parse_note(raw.note),
    )


def _invalid(error: FieldError) -> InvalidInput:
    return InvalidInput(error.message, field=error.field)


# ---- observations ---------------------------------------------------------------------------


def _entered_by(scope: Scope) -> int | None:
    return scope.user_id if scope.user_id > 0 else None  # the CLI acts without a user row


def _upsert(
    session: Session,
    scope: Scope,
    city_code: str,
    item: CleanObservation,
    existing: Observation | None,
    source: str,
) -> tuple[Observation, bool]:
    """Writes one observation; returns it and whether it was new."""
    created = existing is None
    obs = existing or Observation(
        city_code=city_code,
        indicator_code=item.indicator_code,
        region_code=item.region_code,
        year=item.year,
        month=item.month,
    )
    obs.value, obs.note, obs.source = item.value, item.note, source
    obs.entered_by, obs.entered_at = _entered_by(scope), now()
    if created:
        repo.add_observation(session, obs)
    return obs, created


def record_observation(session: Session, scope: Scope, city_code: str, raw: ObservationInput) -> Observation:
    """Enters (or corrects) one figure; the same indicator, region and period is updated, not duplicated."""
    require_reader(scope, city_code)
    if not can_enter_any(scope):
        raise Forbidden("您的角色只能查看指标，不能录入")
    ctx = city_context(session, city_code)
    try:
        item = clean_observation(raw, ctx)
    except FieldError as error:
        raise _invalid(error) from None
    refusal = may_enter(scope, ctx, item.indicator_code, item.region_code)
    if refusal:
        raise Forbidden(refusal, field="indicator_code")
    existing = repo.find_observations(session, city_code, [item.key]).get(item.key)
    before = existing.value if existing else None
    obs, _ = _upsert(session, scope, city_code, item, existing, "entered")
    session.flush()
    audit.record(
        session,
        actor=scope.username,
        action="record_observation",
        entity="observation",
        entity_id=obs.id,
        city_code=city_code,
        detail={"key": list(item.key), "value": item.value, "before": before},
    )
    return obs


def list_observations(
    session: Session,
    scope: Scope,
    city_code: str,
    *,
    indicator_code: str | None = None,
    region_code: str | None = None,
    year: int | None = None,
) -> list[Observation]:
    require_reader(scope, city_code)
    rows = repo.observations_of_city(session, city_code)
    return [
        o
        for o in rows
        if (indicator_code is None or o.indicator_code == indicator_code)
        and (region_code is None or o.region_code == region_code)
        and (year is None or o.year == year)
    ]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated


def import_observations(
    session: Session, scope: Scope, city_code: str, rows: Iterable[tuple[int, ObservationInput]]
) -> ImportResult:
    """Upserts sheet rows (row number, input): every row is checked first; one bad row, nothing written."""
    require_reader(scope, city_code)
    if not can_enter_any(scope):
        raise Forbidden("您的角色只能查看指标，不能导入")
    ctx = city_context(session, city_code)
    clean, errors = _check_rows(scope, ctx, rows)
    if errors:
        first = errors[0]["message"]
        raise InvalidInput(
            f"导入失败：共 {len(errors)} 处错误，未写入任何数据。{first}",
            field=errors[0]["column"],
            errors=errors,
        )
    if not clean:
        raise InvalidInput("导入失败：文件中没有数据行", field="file")
    existing = repo.find_observations(session, city_code, [c.key for _, c in clean])
    result = ImportResult()
    for _, item in clean:
        _, created = _upsert(session, scope, city_code, item, existing.get(item.key), "imported")
        result.created += created
        result.updated += not created
    session.flush()
    audit.record(
        session,
        actor=scope.username,
        action="import_observations",
        entity="observation",
        entity_id=f"import:{len(clean)}",
        city_code=city_code,
        detail={"created": result.created, "updated": result.updated},
    )
    return result


def _check_rows(
    scope: Scope, ctx: CityContext, rows: Iterable[tuple[int, ObservationInput]]
) -> tuple[list[tuple[int, CleanObservation]], list[dict[str, Any]]]:
    clean: list[tuple[int, CleanObservation]] = []
    errors: list[dict[str, Any]] = []
    seen: dict[repo.ObsKey, int] = {}

    def fail(row: int, field: str, message: str) -> None:
        column = LABELS.get(field, field)
        errors.append(
            {"row": row, "column": column, "field": field, "message": f"第{row}行「{column}」：{message}"}
        )

    for row, raw in rows:
        try:
            item = clean_observation(raw, ctx, default_city=False)
        except FieldError as error:
            fail(row, error.field, error.message)
            continue
        refusal = may_enter(scope, ctx, item.indicator_code, item.region_code)
        if refusal:
            fail(row, "indicator_code", refusal)
        elif item.key in seen:
            fail(row, "month", f"与第{seen[item.key]}行的指标、地区和期间重复")
        else:
            seen[item.key] = row
            clean.append((row, item))
    return clean, errors


# ---- the import sheet -----------------------------------------------------------------------

SHEET_COLUMNS = ("指标代码", "地区代码", "年份", "月份", "数值", "备注")
REQUIRED_COLUMNS = SHEET_COLUMNS[:5]
MAX_ROWS = 20000


def read_sheet(data: bytes) -> list[tuple[int, ObservationInput]]:
    """Rows of the first worksheet as (Excel row number, input); columns found by their header."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise InvalidInput("文件不是有效的 .xlsx 工作簿，请用导入模板填写后上传", field="file") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(c) if c is not None else "" for c in next(rows, ())]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"导入失败：表头缺少列“{'、'.join(missing)}”（第1行须为 {'、'.join(SHEET_COLUMNS)}）",
            field=missing[0],
        )
    at = {name: header.index(name) for name in SHEET_COLUMNS if name in header}
    out: list[tuple[int, ObservationInput]] = []
    for number, cells in enumerate(rows, start=2):
        if all(_blank(c) for c in cells):
            continue  # blank lines between blocks are common in hand-made sheets
        if len(out) >= MAX_ROWS:
            raise InvalidInput(f"导入失败：一次最多导入 {MAX_ROWS} 行", field="file")

        def cell(name: str, cells: tuple[Any, ...] = cells) -> Any:
            index = at.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        out.append(
            (
                number,
                ObservationInput(
                    indicator_code=cell("指标代码"),
                    region_code=cell("地区代码"),
                    year=cell("年份"),
                    month=cell("月份"),
                    value=cell("数值"),
                    note=cell("备注"),
                ),
            )
        )
    book.close()
    return out


def template_workbook(city_code: str) -> bytes:
    """An empty import sheet with the header and one example row (the city-wide code)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "指标数据"
    sheet.append(list(SHEET_COLUMNS))
    sheet.append(["equipment_investment", city_code, 2024, 12, 0, "示例行，请替换；月份12为全年，1–11为累计"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- baselines ------------------------------------------------------------------------------


def set_baseline(session: Session, scope: Scope, city_code: str, raw: BaselineInput) -> Baseline:
    """Enters a base-year value once; a second entry is refused unless the office corrects it (audited)."""
    scope.require_city(city_code)
    if not scope.is_office:
        raise Forbidden("基期值只能由专班办公室录入")
    ctx = city_context(session, city_code)
    try:
        indicator = parse_indicator(raw.indicator_code)
        region = parse_region(raw.region_code, ctx, default_city=True)
        year = DEFAULT_BASE_YEAR if _blank(raw.year) else parse_int(raw.year, "year", MIN_YEAR, MAX_YEAR)
        value = parse_value(raw.value, indicator)
        note = parse_note(raw.note)
    except FieldError as error:
        raise _invalid(error) from None
    existing = repo.find_baseline(session, city_code, indicator.code, region, year)
    if existing is not None:
        return _correct_baseline(session, scope, existing, indicator, value, note, raw.correct)
    baseline = Baseline(
        city_code=city_code,
        indicator_code=indicator.code,
        region_code=region,
        year=year,
        value=value,
        note=note,
        entered_by=_entered_by(scope),
        entered_at=now(),
    )
    repo.add_baseline(session, baseline)
    session.flush()
    audit.record(
        session,
        actor=scope.username,
        action="set_baseline",
        entity="baseline",
        entity_id=baseline.id,
        city_code=city_code,
        detail={"indicator": indicator.code, "region": region, "year": year, "value": value},
    )
    return baseline


def _correct_baseline(
    session: Session,
    scope: Scope,
    baseline: Baseline,
    indicator: IndicatorDef,
    value: float,
    note: str | None,
    correct: bool,
) -> Baseline:
    if not correct:
        raise Conflict(
            f"{baseline.year}年“{indicator.name}”的基期值已录入（{baseline.value:g}{indicator.unit}），"
            "基期值每市只录入一次；如确需更正，请勾选“更正已录入的基期值”并在备注中写明理由",
            field="value",
        )
    if note is None:
        raise InvalidInput("更正基期值须在备注中写明更正理由", field="note")
    before = baseline.value
    baseline.value, baseline.note = value, note
    baseline.entered_by, baseline.entered_at = _entered_by(scope), now()
    session.flush()
    audit.record(
        session,
        actor=scope.username,
        action="correct_baseline",
        entity="baseline",
        entity_id=baseline.id,
        city_code=baseline.city_code,
        detail={
            "indicator": indicator.code,
            "year": baseline.year,
            "before": before,
            "after": value,
            "reason": note,
        },
    )
    return baseline


def list_baselines(session: Session, scope: Scope, city_code: str) -> list[Baseline]:
    require_reader(scope, city_code)
    return repo.baselines_of_city(session, city_code)


# ---- progress -------------------------------------------------------------------------------


@dataclass
class PlanProgress:
    plan: Any  # plans' Plan row, kept for the cockpit's ledger
    plan_id: int
    plan_key: str
    title: str
    targets: list[TargetProgress]

    @property
    def at_risk(self) -> list[TargetProgress]:
        return [t for t in self.targets if t.at_risk]


@dataclass
class CityProgress:
    city_code: str
    city_name: str
    plans: list[PlanProgress]
    on: dt.date = field(default_factory=today)

    @property
    def targets(self) -> list[TargetProgress]:
        return [t for p in self.plans for t in p.targets]


def _plans_and_targets(session: Session, city_code: str) -> list[tuple[Any, list[TargetSpec]]]:
    """The city's plans and their quantified targets, copied into TargetSpec."""
    from huanxin.plans import service as plans_service

    out = []
    for plan in plans_service.plans_of_city(session, city_code):
        specs = [
            TargetSpec(
                id=t.id,
                plan_id=plan.id,
                indicator_code=t.indicator_code,
                year=t.year,
                kind=t.kind,
                value=t.value,
                unit=t.unit,
                comparator=t.comparator,
                aspirational=t.aspirational,
                baseline_year=t.baseline_year,
                cumulative=t.cumulative,
                annual=t.annual,
                region_code=t.region_code,
                text=t.text,
                section=t.section,
            )
            for t in plans_service.targets_of_plan(session, plan.id)
        ]
        out.append((plan, specs))
    return out


def _observations_by_key(session: Session, city_code: str) -> dict[tuple[str, str], list[Obs]]:
    grouped: dict[tuple[str, str], list[Obs]] = defaultdict(list)
    for o in repo.observations_of_city(session, city_code):
        grouped[(o.indicator_code, o.region_code)].append(Obs(year=o.year, month=o.month, value=o.value))
    return grouped


def _baselines_by_key(session: Session, city_code: str) -> dict[tuple[str, str, int], float]:
    return {
        (b.indicator_code, b.region_code, b.year): b.value for b in repo.baselines_of_city(session, city_code)
    }


def city_progress(
    session: Session, scope: Scope, city_code: str, *, on: dt.date | None = None
) -> CityProgress:
    """Progress of every quantified target of every plan of the city."""
    require_reader(scope, city_code)
    on = on or today()
    observations = _observations_by_key(session, city_code)
    baselines = _baselines_by_key(session, city_code)
    cat = catalogue()
    plans = []
    for plan, specs in _plans_and_targets(session, city_code):
        rows = []
        for spec in specs:
            region = spec.region_code or city_code
            start = plan.starts_on.year
            base_year = spec.baseline_year or start - 1
            rows.append(
                compute(
                    spec,
                    cat[spec.indicator_code],
                    observations.get((spec.indicator_code, region), []),
                    baselines.get((spec.indicator_code, region, base_year)),
                    start_year=start,
                    end_year=plan.ends_on.year,
                    this_year=on.year,
                )
            )
        plans.append(
            PlanProgress(plan=plan, plan_id=plan.id, plan_key=plan.key, title=plan.title, targets=rows)
        )
    return CityProgress(
        city_code=city_code, city_name=orgs_service.region_name(session, city_code), plans=plans, on=on
    )


@dataclass
class IndicatorDetail:
    indicator: IndicatorDef
    city_code: str
    city_name: str
    owner: str | None
    observations: list[Observation]
    baselines: list[Baseline]
    targets: list[TargetProgress]
    regions: dict[str, str]


def indicator_detail(session: Session, scope: Scope, city_code: str, indicator_code: str) -> IndicatorDetail:
    require_reader(scope, city_code)
    indicator = catalogue().get(indicator_code)
    if indicator is None:
        raise NotFound(f"指标目录中没有“{indicator_code}”")
    ctx = city_context(session, city_code)
    progress = city_progress(session, scope, city_code)
    return IndicatorDetail(
        indicator=indicator,
        city_code=city_code,
        city_name=ctx.city_name,
        owner=ctx.owner_name(indicator_code),
        observations=repo.observations_of_indicator(session, city_code, indicator_code),
        baselines=[
            b for b in repo.baselines_of_city(session, city_code) if b.indicator_code == indicator_code
        ],
        targets=[t for t in progress.targets if t.spec.indicator_code == indicator_code],
        regions=ctx.regions,
    )


# ---- cockpit --------------------------------------------------------------------------------


@dataclass
class PlanStatus:
    plan_id: int
    title: str
    progress: float
    light_counts: dict[str, int]
    by_action: dict[str, float]


@dataclass
class OverdueUnit:
    unit: str
    tasks: list[tuple[int, str, str]] = field(default_factory=list)  # (task id, plan title, task title)


@dataclass
class Cockpit:
    progress: CityProgress
    headline: list[TargetProgress]
    plans: list[PlanStatus]
    overdue: list[OverdueUnit]

    @property
    def at_risk_count(self) -> int:
        return sum(1 for t in self.headline if t.at_risk)

    @property
    def charts(self) -> list[dict[str, Any]]:
        return [t.chart() for t in self.headline if t.target_value is not None]


def is_headline(target: TargetProgress) -> bool:
    """The binding figures of a plan's 主要目标 section; 力争 (aspirational) ones are shown elsewhere."""
    return target.spec.section == "goals" and not target.spec.aspirational


def cockpit(session: Session, scope: Scope, city_code: str) -> Cockpit:
    """The task force's one page: headline targets, each plan's ledger progress, overdue work by unit."""
    require_cockpit(scope, city_code)
    from huanxin.plans import ledger as plans_ledger  # the plans domain's read model of its ledger

    progress = city_progress(session, scope, city_code)
    statuses: list[PlanStatus] = []
    overdue: dict[str, OverdueUnit] = {}
    for plan in (p.plan for p in progress.plans):
        ledger = plans_ledger.build(session, scope, plan)
        statuses.append(
            PlanStatus(
                plan_id=plan.id,
                title=plan.title,
                progress=ledger.progress,
                light_counts=ledger.light_counts,
                by_action=plans_ledger.progress_by_action(ledger),
            )
        )
        _collect_overdue(overdue, plan.title, ledger.rows)
    ranked = sorted(overdue.values(), key=lambda u: (-len(u.tasks), u.unit))
    return Cockpit(
        progress=progress,
        headline=[t for t in progress.targets if is_headline(t)],
        plans=statuses,
        overdue=ranked,
    )


def _collect_overdue(into: dict[str, OverdueUnit], plan_title: str, rows: Iterable[Any]) -> None:
    """A red leaf task is overdue; it counts against each unit that must report on it (牵头/共同)."""
    for row in rows:
        if not row.task.is_leaf or row.light != "red":
            continue
        for role, name, _unit_id in row.units:
            if role in ("lead", "joint"):
                title = f"{row.task.no or ''} {row.task.title}".strip()
                into.setdefault(name, OverdueUnit(unit=name)).tasks.append((row.task.id, plan_title, title))
