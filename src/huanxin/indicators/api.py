"""JSON API of the indicators domain (mounted under /api/v1 by the app)."""

from __future__ import annotations

from fastapi import APIRouter

from huanxin.indicators import service
from huanxin.indicators.catalogue import catalogue
from huanxin.indicators.schemas import (
    BaselineIn,
    BaselineOut,
    CatalogueItemOut,
    CityProgressOut,
    ObservationIn,
    ObservationOut,
    PlanProgressOut,
    TargetProgressOut,
)
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["指标监测"])


@router.get("/indicators/catalogue", response_model=list[CatalogueItemOut])
def list_catalogue(scope: CurrentScope) -> list[CatalogueItemOut]:
    return [CatalogueItemOut(**item.model_dump()) for item in catalogue().values()]


@router.get("/cities/{city_code}/indicators/progress", response_model=CityProgressOut)
def progress(city_code: str, db: DbSession, scope: CurrentScope) -> CityProgressOut:
    result = service.city_progress(db, scope, city_code)
    return CityProgressOut(
        city_code=result.city_code,
        city_name=result.city_name,
        on=result.on,
        plans=[
            PlanProgressOut(
                plan_id=p.plan_id,
                plan_key=p.plan_key,
                title=p.title,
                at_risk_count=len(p.at_risk),
                targets=[TargetProgressOut.of(t) for t in p.targets],
            )
            for p in result.plans
        ],
    )


@router.get("/cities/{city_code}/observations", response_model=list[ObservationOut])
def list_observations(
    city_code: str,
    db: DbSession,
    scope: CurrentScope,
    indicator_code: str | None = None,
    region_code: str | None = None,
    year: int | None = None,
) -> list[ObservationOut]:
    rows = service.list_observations(
        db, scope, city_code, indicator_code=indicator_code, region_code=region_code, year=year
    )
    return [ObservationOut.model_validate(o) for o in rows]


@router.post("/cities/{city_code}/observations", response_model=ObservationOut, status_code=201)
def record_observation(
    city_code: str, body: ObservationIn, db: DbSession, scope: CurrentScope
) -> ObservationOut:
    obs = service.record_observation(
        db,
        scope,
        city_code,
        service.ObservationInput(
            indicator_code=body.indicator_code,
            region_code=body.region_code,
            year=body.year,
            month=body.month,
            value=body.value,
            note=body.note,
        ),
    )
    return ObservationOut.model_validate(obs)


@router.get("/cities/{city_code}/baselines", response_model=list[BaselineOut])
def list_baselines(city_code: str, db: DbSession, scope: CurrentScope) -> list[BaselineOut]:
    return [BaselineOut.model_validate(b) for b in service.list_baselines(db, scope, city_code)]


@router.post("/cities/{city_code}/baselines", response_model=BaselineOut, status_code=201)
def set_baseline(city_code: str, body: BaselineIn, db: DbSession, scope: CurrentScope) -> BaselineOut:
    baseline = service.set_baseline(
        db,
        scope,
        city_code,
        service.BaselineInput(
            indicator_code=body.indicator_code,
            region_code=body.region_code,
            year=body.year,
            value=body.value,
            note=body.note,
            correct=body.correct,
        ),
    )
    return BaselineOut.model_validate(baseline)
