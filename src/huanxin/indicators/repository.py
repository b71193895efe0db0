"""Every query of the indicators domain. Every query names the city: no city reads another's data."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from huanxin.indicators.models import Baseline, Observation

ObsKey = tuple[str, str, int, int]  # indicator, region, year, month


def observations_of_city(session: Session, city_code: str) -> list[Observation]:
    return list(
        session.scalars(
            select(Observation)
            .where(Observation.city_code == city_code)
            .order_by(
                Observation.indicator_code, Observation.region_code, Observation.year, Observation.month
            )
        )
    )


def observations_of_indicator(session: Session, city_code: str, indicator_code: str) -> list[Observation]:
    return list(
        session.scalars(
            select(Observation)
            .where(Observation.city_code == city_code, Observation.indicator_code == indicator_code)
            .order_by(Observation.region_code, Observation.year.desc(), Observation.month.desc())
        )
    )


def find_observations(session: Session, city_code: str, keys: list[ObsKey]) -> dict[ObsKey, Observation]:
    """The existing observations among `keys`, in one query (an import upserts hundreds of rows)."""
    if not keys:
        return {}
    found: dict[ObsKey, Observation] = {}
    for start in range(0, len(keys), 500):  # keep the IN list within every database's limits
        chunk = keys[start : start + 500]
        rows = session.scalars(
            select(Observation).where(
                Observation.city_code == city_code,
                tuple_(
                    Observation.indicator_code, Observation.region_code, Observation.year, Observation.month
                ).in_(chunk),
            )
        )
        for obs in rows:
            found[(obs.indicator_code, obs.region_code, obs.year, obs.month)] = obs
    return found


def add_observation(session: Session, observation: Observation) -> None:
    session.add(observation)


def baselines_of_city(session: Session, city_code: str) -> list[Baseline]:
    return list(
        session.scalars(
            select(Baseline)
            .where(Baseline.city_code == city_code)
            .order_by(Baseline.indicator_code, Baseline.region_code, Baseline.year)
        )
    )


def find_baseline(
    session: Session, city_code: str, indicator_code: str, region_code: str, year: int
) -> Baseline | None:
    return session.scalar(
        select(Baseline).where(
            Baseline.city_code == city_code,
            Baseline.indicator_code == indicator_code,
            Baseline.region_code == region_code,
            Baseline.year == year,
        )
    )


def add_baseline(session: Session, baseline: Baseline) -> None:
    session.add(baseline)
