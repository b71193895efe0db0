"""A city's programmes: the Programme rows that run the rules' programmes in one city, and their
budget pools (one per fund source) in the ledger. `setup_city_programmes` is what the demo and
the tests use to open a city's trade-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit import audit
from huanxin.ledger import service as ledger_service
from huanxin.tradein import money
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation
from huanxin.tradein.models import Programme

SOURCE_LABELS = {"central": "中央资金", "local": "地方资金", "provincial": "省级资金", "city": "市级资金",
                 "county": "县级资金"}
SETTINGS = ("starts_on", "ends_on", "qualification_days", "daily_release_time", "daily_release_count", "active",
            "name")


def _shares(rules_code: str, on: dt.date) -> dict[str, float]:
    return evaluation.fund_shares(rules_code, on)


def ensure_programme(session: Session, city_code: str, rules_code: str, *, code: str | None = None,
                     settings: Mapping[str, Any] | None = None, actor: str = "system") -> Programme:
    rules = evaluation.programme_rules(rules_code)
    code = code or rules_code
    programme = repo.programme_by_code(session, city_code, code)
    settings = dict(settings or {})
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise InvalidInput(f"未知的活动设置：{'、'.join(sorted(unknown))}", field="settings")
    if programme is None:
        programme = Programme(city_code=city_code, code=code, rules_code=rules_code, name=rules.name,
                              kind=rules.kind, level=rules.level, starts_on=rules.starts_on, ends_on=rules.ends_on,
                              qualification_days=7, active=True)
        session.add(programme)
    for key, value in settings.items():
        setattr(programme, key, value)
    if programme.daily_release_time:
        try:
            hh, mm = (int(x) for x in programme.daily_release_time.split(":"))
            assert 0 <= hh < 24 and 0 <= mm < 60
        except (ValueError, AssertionError):
            raise InvalidInput("每日发放时间应为 HH:MM，如 10:00", field="daily_release_time") from None
    session.flush()
    audit.record(session, actor=actor, action="tradein_programme_set", entity="tradein_programme",
                 entity_id=programme.id, city_code=city_code,
                 detail={"code": code, "rules_code": rules_code, **{k: str(v) for k, v in settings.items()}})
    return programme


def fund_programme(session: Session, programme: Programme, amount_fen: int | Mapping[str, int], *, key: str,
                   actor: str = "system", tranche: int = 1) -> dict[str, int]:
    """Adds money to the programme's pools: a total is split by the rules' fund shares
    (central:local 9:1), or the amounts per source are given. Idempotent on `key`."""
    shares = _shares(programme.rules_code, programme.starts_on)
    amounts = money.split(int(amount_fen), shares) if isinstance(amount_fen, int) else dict(amount_fen)
    for source, amount in sorted(amounts.items()):
        if amount <= 0:
            continue
        pool = ensure_pool(session, programme, source, tranche=tranche, actor=actor)
        ledger_service.fund(session, pool, amount, key=f"{key}:{source}", actor=actor,
                            memo=f"{programme.name}{SOURCE_LABELS.get(source, source)}")
    return amounts


def ensure_pool(session: Session, programme: Programme, source: str, *, tranche: int = 1,
                actor: str = "system") -> Any:
    return ledger_service.create_pool(
        session, city_code=programme.city_code, programme_code=programme.code, region_code=programme.city_code,
        fund_source=money.ledger_source(source), tranche=tranche, actor=actor,
        name=f"{programme.name}·{SOURCE_LABELS.get(source, source)}")


def setup_city_programmes(
    session: Session, city_code: str, budgets: Mapping[str, int | Mapping[str, int]], *,
    settings: Mapping[str, Mapping[str, Any]] | None = None, actor: str = "system",
) -> list[Programme]:
    """Opens the programmes named in `budgets` (rules code → fen, or fen per fund source) in a
    city, with their pools funded once (idempotent: running it again adds no money)."""
    if not budgets:
        raise InvalidInput("请至少指定一个活动及其预算", field="budgets")
    out = []
    for rules_code, budget in budgets.items():
        programme = ensure_programme(session, city_code, rules_code, settings=(settings or {}).get(rules_code),
                                     actor=actor)
        for source in _shares(programme.rules_code, programme.starts_on):
            ensure_pool(session, programme, source, actor=actor)
        fund_programme(session, programme, budget, key=f"fund:{city_code}:{programme.code}:initial", actor=actor)
        out.append(programme)
    return out


def programme_out(session: Session, programme: Programme) -> dict[str, Any]:
    balances = {}
    for source in _shares(programme.rules_code, programme.starts_on):
        pool = ledger_service.pool_for(session, city_code=programme.city_code, programme_code=programme.code,
                                       region_code=programme.city_code, fund_source=money.ledger_source(source))
        if pool is not None:
            bal = ledger_service.pool_balance(session, pool)
            balances[source] = {"available_fen": int(bal.available), "reserved_fen": int(bal.reserved),
                                "paid_fen": int(bal.paid)}
    on = programme.starts_on
    return {
        "id": programme.id, "code": programme.code, "rules_code": programme.rules_code, "name": programme.name,
        "kind": programme.kind, "level": programme.level, "starts_on": programme.starts_on.isoformat(),
        "ends_on": programme.ends_on.isoformat(), "active": programme.active,
        "qualification_days": programme.qualification_days, "daily_release_time": programme.daily_release_time,
        "daily_release_count": programme.daily_release_count,
        "categories": [{"code": c, "label": evaluation.category_label(programme.rules_code, c)}
                       for c in evaluation.categories(programme.rules_code, on)],
        "budget": balances,
    }
