"""Progress of every quantified target of a city's plans: the observations and baselines read
once, each target computed by indicators.progress (the rules are there)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from huanxin.indicators import repository as repo
from huanxin.indicators.access import require_reader
from huanxin.indicators.catalogue import catalogue
from huanxin.indicators.progress import Obs, TargetProgress, TargetSpec, base_year_of, compute
from huanxin.kit.clock import today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope


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


def city_progress(
    session: Session, scope: Scope, city_code: str, *, on: dt.date | None = None
) -> CityProgress:
    """Progress of every quantified target of every plan of the city."""
    from huanxin.plans import service as plans_service  # plans reads indicators: imported late

    require_reader(scope, city_code)
    on = on or today()
    observations: dict[tuple[str, str], list[Obs]] = defaultdict(list)
    for o in repo.observations_of_city(session, city_code):
        observations[(o.indicator_code, o.region_code)].append(Obs(year=o.year, month=o.month, value=o.value))
    baselines = {
        (b.indicator_code, b.region_code, b.year): b.value for b in repo.baselines_of_city(session, city_code)
    }
    cat = catalogue()
    plans = []
    for plan in plans_service.plans_of_city(session, city_code):
        start = plan.starts_on.year
        rows = []
        for spec in map(TargetSpec.of, plans_service.targets_of_plan(session, plan.id)):
            region = spec.region_code or city_code
            rows.append(
                compute(
                    spec,
                    cat[spec.indicator_code],
                    observations.get((spec.indicator_code, region), []),
                    baselines.get((spec.indicator_code, region, base_year_of(spec, start))),
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
