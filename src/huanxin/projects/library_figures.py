"""The read model of the library's indicator figures: by year, field and county, each with the link
to the library list of the projects behind it (the facts are `indicator_feed.library_facts`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from huanxin.indicators import service as indicators_service
from huanxin.orgs.scope import Scope
from huanxin.projects import vocab
from huanxin.projects.indicator_feed import (
    ADVANCED_SHARE,
    BASE_YEAR,
    ENERGY_SAVED,
    EQUIPMENT_INVESTMENT,
    FEN_PER_YI,
    LIBRARY_PATH,
    PROJECTS_COMPLETED,
    PROJECTS_STARTED,
    SAVING_SHARE,
    Fact,
    in_review,
    library_facts,
)


def library_link(*, field: str | None = None, region_code: str | None = None, year: int | None = None,
                 month: int | None = None, by: str = "start") -> str:
    """The library list of the projects behind a figure: library projects (stage=library) started
    (by="start") or finished (by="finish") in `year`, up to the end of `month` for a year-to-date
    figure, of a field or a county."""
    query: dict[str, str] = {"stage": "library"}
    if year is not None:
        query[f"{by}_year"] = str(year)
        if month is not None and month != 12:
            query["month"] = str(month)
    if field:
        query["field"] = field
    if region_code:
        query["region"] = region_code
    return f"{LIBRARY_PATH}?{urlencode(query)}"


# Which date puts a project into each figure the library computes (indicator_feed.figures).
BY_DATE = {EQUIPMENT_INVESTMENT: "start", PROJECTS_STARTED: "start", PROJECTS_COMPLETED: "finish",
           ENERGY_SAVED: "finish", SAVING_SHARE: "start", ADVANCED_SHARE: "start"}


def source_link(indicator_code: str, year: int | None = None, month: int | None = None) -> str | None:
    """Where a figure of this indicator comes from, for a link on it (the cockpit, the indicator
    page): the library projects behind it, the same ones the feed counted for (year, month), or
    None for an indicator the library does not compute."""
    by = BY_DATE.get(indicator_code)
    if by is None:
        return None
    return library_link(year=year, month=month, by=by)


@dataclass(frozen=True)
class Cell:
    key: str  # field key or region code
    label: str  # Chinese
    count: int
    equipment_fen: int
    link: str

    @property
    def equipment_yi(self) -> float:
        return self.equipment_fen / FEN_PER_YI


@dataclass(frozen=True)
class YearFigures:
    year: int
    count: int
    equipment_fen: int
    growth_pct: float | None  # vs the 2023 base-year value; None without one
    by_field: list[Cell]
    by_region: list[Cell]
    link: str

    @property
    def equipment_yi(self) -> float:
        return self.equipment_fen / FEN_PER_YI


@dataclass(frozen=True)
class LibraryFigures:
    city_code: str
    baseline_yi: float | None
    years: list[YearFigures]
    in_review_count: int
    in_review_fen: int


def library_figures(session: Session, scope: Scope, city_code: str, *, region_names: dict[str, str] | None = None,
                    ) -> LibraryFigures:
    """Equipment investment of the library by year of start, by field and by county, with growth on
    2023 (a year to date is shown as it stands, not annualised). Readers: as for indicators."""
    indicators_service.require_reader(scope, city_code)
    names = region_names or {}
    facts = library_facts(session, city_code)
    baselines = [b.value for b in indicators_service.list_baselines(session, scope, city_code)
                 if b.indicator_code == EQUIPMENT_INVESTMENT and b.region_code == city_code and b.year == BASE_YEAR]
    baseline = baselines[0] if baselines else None
    by_year: dict[int, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_year[fact.start_on.year].append(fact)
    years = []
    for year in sorted(by_year):
        mine = by_year[year]
        total = sum(f.equipment_fen for f in mine)
        growth = (total / FEN_PER_YI / baseline - 1) * 100 if baseline else None
        years.append(YearFigures(
            year=year, count=len(mine), equipment_fen=total, growth_pct=growth,
            by_field=_cells(mine, year, by_field=True, labels=vocab.FIELDS),
            by_region=_cells(mine, year, by_field=False, labels=names),
            link=library_link(year=year)))
    count, fen = in_review(session, city_code)
    return LibraryFigures(city_code=city_code, baseline_yi=baseline, years=years, in_review_count=count,
                          in_review_fen=fen)


def _cells(facts: list[Fact], year: int, *, by_field: bool, labels: dict[str, str]) -> list[Cell]:
    groups: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[fact.field if by_field else fact.region_code].append(fact)
    cells = [Cell(k, labels.get(k, k), len(v), sum(f.equipment_fen for f in v),
                  library_link(field=k, year=year) if by_field else library_link(region_code=k, year=year))
             for k, v in groups.items()]
    return sorted(cells, key=lambda c: (-c.equipment_fen, c.key))
