"""Pydantic shapes of the indicators API.

Inputs accept numbers or strings on purpose: the service checks them and answers in Chinese,
naming the field, exactly as it does for the entry form and the Excel import.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from huanxin.indicators.progress import TargetProgress
from huanxin.kit.limits import Schema


class ObservationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    indicator_code: str = Field(description="指标代码（见 /indicators/catalogue）")
    region_code: str | None = Field(None, description="GB/T 2260 地区代码；全市数据填本市代码或留空")
    year: int | str = Field(description="年份，2015–2035")
    month: int | str = Field(12, description="月份：12 为全年，1–11 为年初至该月累计")
    value: float | str = Field(description="数值，以指标目录中的计量单位计")
    note: str | None = None


class ObservationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    indicator_code: str
    region_code: str
    year: int
    month: int
    value: float
    source: str
    note: str | None
    entered_at: dt.datetime


class BaselineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    indicator_code: str
    region_code: str | None = None
    year: int | str = Field(2023, description="基期年份，默认 2023")
    value: float | str
    note: str | None = Field(None, description="备注；更正时须写明理由")
    correct: bool = Field(False, description="更正已录入的基期值（办公室，记入审计日志）")


class BaselineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    indicator_code: str
    region_code: str
    year: int
    value: float
    note: str | None


class PathPoint(BaseModel):
    year: int
    value: float
    estimated: bool = False


class ForecastOut(BaseModel):
    year: int
    value: float
    method: str
    label: str


class LatestOut(BaseModel):
    year: int
    month: int
    value: float


class TargetProgressOut(BaseModel):
    target_id: int
    indicator_code: str
    indicator_name: str
    unit: str
    year: int
    kind: str
    stated_value: float
    stated_unit: str
    comparator: str | None
    aspirational: bool
    annual: bool
    cumulative: bool
    text: str
    base_year: int
    baseline: float | None
    target_value: float | None
    latest: LatestOut | None
    observed: LatestOut | None  # the figure the target is judged on: for a past target year, that year's
    actual: float | None
    percent: float | None
    needed_path: list[PathPoint]
    actual_path: list[PathPoint]
    forecast: ForecastOut | None
    at_risk: bool | None
    status: str
    status_label: str
    note: str

    @classmethod
    def of(cls, t: TargetProgress) -> TargetProgressOut:
        s = t.spec
        return cls(
            target_id=s.id,
            indicator_code=s.indicator_code,
            indicator_name=t.indicator.name,
            unit=t.indicator.unit,
            year=s.year,
            kind=s.kind,
            stated_value=s.value,
            stated_unit=s.unit,
            comparator=s.comparator,
            aspirational=s.aspirational,
            annual=s.annual,
            cumulative=s.cumulative,
            text=s.text,
            base_year=t.base_year,
            baseline=t.baseline,
            target_value=t.target_value,
            latest=LatestOut(year=t.latest.year, month=t.latest.month, value=t.latest.value)
            if t.latest
            else None,
            observed=LatestOut(year=t.observed.year, month=t.observed.month, value=t.observed.value)
            if t.observed
            else None,
            actual=t.actual,
            percent=t.percent,
            needed_path=[PathPoint(year=y, value=v) for y, v in t.needed],
            actual_path=[PathPoint(year=p.year, value=p.value, estimated=p.estimated) for p in t.path],
            forecast=ForecastOut(
                year=t.forecast.year, value=t.forecast.value, method=t.forecast.method, label=t.forecast.label
            )
            if t.forecast
            else None,
            at_risk=t.at_risk,
            status=t.status,
            status_label=t.status_label,
            note=t.note,
        )


class PlanProgressOut(BaseModel):
    plan_id: int
    plan_key: str
    title: str
    at_risk_count: int
    targets: list[TargetProgressOut]


class CityProgressOut(BaseModel):
    city_code: str
    city_name: str
    on: dt.date
    plans: list[PlanProgressOut]


class ImportResultOut(BaseModel):
    created: int
    updated: int


class CatalogueItemOut(BaseModel):
    code: str
    name: str
    unit: str
    direction: str
    action: str
    definition: str
