"""Use cases of the indicators domain: observations, baselines, progress against the plans' targets.

Observations and baselines are written here only; nothing here commits (the request or the CLI
command does). Every input is validated in full (validation.py) before the first write, so a
refused entry or import leaves the database as it was.

The rest of the domain lives by use case beside this module and is offered from here too:
access.py (who may read and enter), validation.py, sheet.py (the .xlsx import and template),
progress.py (progress of targets and of a city), cockpit.py (the cockpit's read model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from huanxin.indicators import repository as repo
from huanxin.indicators.access import (
    READ_ONLY,
    can_enter_any,
    city_context,
    enterable_codes,
    may_enter,
    require_reader,
)
from huanxin.indicators.catalogue import IndicatorDef, catalogue
from huanxin.indicators.city_progress import city_progress
from huanxin.indicators.cockpit import cockpit, is_headline
from huanxin.indicators.models import Baseline, Observation
from huanxin.indicators.progress import TargetProgress
from huanxin.indicators.sheet import read_sheet, template_workbook
from huanxin.indicators.validation import (
    BaselineInput,
    CleanObservation,
    FieldError,
    ObservationInput,
    check_rows,
    clean_baseline,
    clean_observation,
)
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.orgs.scope import Scope

__all__ = [
    # defined here
    "ImportResult",
    "IndicatorDetail",
    "import_observations",
    "indicator_detail",
    "list_baselines",
    "list_observations",
    "record_observation",
    "set_baseline",
    # offered from the use-case modules beside this one
    "BaselineInput",
    "ObservationInput",
    "can_enter_any",
    "city_context",
    "city_progress",
    "cockpit",
    "enterable_codes",
    "is_headline",
    "read_sheet",
    "require_reader",
    "template_workbook",
]


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


def record_observation(
    session: Session, scope: Scope, city_code: str, raw: ObservationInput, *, source: str = "entered",
) -> Observation:
    """Enters (or corrects) one figure; the same indicator, region and period is updated, not duplicated.
    `source` is "computed" when the platform derives the figure from its own facts (trade-in claims)."""
    if source not in ("entered", "computed"):
        raise ValueError(f"unknown observation source {source!r}")
    require_reader(scope, city_code)
    if not can_enter_any(scope):
        raise Forbidden(READ_ONLY)
    ctx = city_context(session, city_code)
    try:
        item = clean_observation(raw, ctx)
    except FieldError as error:
        raise error.invalid() from None
    refusal = may_enter(scope, ctx, item.indicator_code, item.region_code)
    if refusal:
        raise Forbidden(refusal, field="indicator_code")
    existing = repo.find_observations(session, city_code, [item.key]).get(item.key)
    before = existing.value if existing else None
    obs, _ = _upsert(session, scope, city_code, item, existing, source)
    session.flush()
    audit.record(
        session,
        actor=scope.username,
        action="record_observation" if source == "entered" else "compute_observation",
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
    clean, errors = check_rows(scope, ctx, rows)
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


# ---- baselines ------------------------------------------------------------------------------


def set_baseline(session: Session, scope: Scope, city_code: str, raw: BaselineInput) -> Baseline:
    """Enters a base-year value once; a second entry is refused unless the office corrects it (audited)."""
    scope.require_city(city_code)
    if not scope.is_office:
        raise Forbidden("基期值只能由专班办公室录入")
    ctx = city_context(session, city_code)
    try:
        item = clean_baseline(raw, ctx)
    except FieldError as error:
        raise error.invalid() from None
    indicator, region, year = item.indicator, item.region_code, item.year
    existing = repo.find_baseline(session, city_code, indicator.code, region, year)
    if existing is not None:
        return _correct_baseline(session, scope, existing, indicator, item.value, item.note, raw.correct)
    baseline = Baseline(
        city_code=city_code,
        indicator_code=indicator.code,
        region_code=region,
        year=year,
        value=item.value,
        note=item.note,
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
        detail={"indicator": indicator.code, "region": region, "year": year, "value": item.value},
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


# ---- one indicator --------------------------------------------------------------------------


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
    """One indicator's page: its figures, base-year values and the progress of the targets on it."""
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
