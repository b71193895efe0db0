"""What the fraud signals read about a redemption batch, each read once for the whole batch
(tradein.fraud.assessment): the Batch, the retailers' cached baselines, and the statements they run."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import BindParameter, ColumnElement, bindparam, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from huanxin.kit.clock import CHINA, aware, now
from huanxin.tradein.claims.keys import normalise_invoice
from huanxin.tradein.fraud.thresholds import (
    INVOICE_SAME_WINDOW_HOURS,
    RETAILER_SCAN_CAP,
    SERIAL_WINDOW_DAYS,
    SHARED_WINDOW_DAYS,
    VELOCITY_BASELINE_DAYS,
    VELOCITY_MIN_ACTIVE_DAYS,
)
from huanxin.tradein.models import Claim, Person
from huanxin.tradein.programmes import reference_prices


class _Counts:
    """Distinct persons and claims per key, from rows counted per person."""

    def __init__(self) -> None:
        self.persons: dict[Any, set[int]] = {}
        self.claims: dict[Any, int] = {}

    def add(self, key: Any, person_id: int, claims: int = 1) -> None:
        self.persons.setdefault(key, set()).add(person_id)
        self.claims[key] = self.claims.get(key, 0) + claims

    def totals(self) -> dict[Any, tuple[int, int]]:
        return {key: (len(persons), self.claims[key]) for key, persons in self.persons.items()}


def submitted_at_of(claim: Claim) -> dt.datetime:
    return aware(claim.submitted_at if claim.submitted_at is not None else now()).astimezone(CHINA)


class Batch:
    """The claims being assessed and what the signals read about them, each read once for the
    whole batch (lazily: a signal that applies to none of the claims reads nothing)."""

    def __init__(self, session: Session, claims: list[Claim], *, unwritten: bool = False) -> None:
        self.session = session
        self.claims = claims
        # The batch's claims that the queries cannot see (not written yet): counted here instead.
        self.unseen = claims if unwritten else []
        moments = [submitted_at_of(c) for c in claims]
        self.earliest, self.latest = min(moments), max(moments)
        self._shared: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}

    def reference(self, claim: Claim) -> Any:
        return self.references.get((claim.city_code, claim.category, claim.brand, claim.model))

    @cached_property
    def references(self) -> dict[tuple[str, str, str, str], Any]:
        """The frozen reference prices of the batch's models, each in its claim's city, in one query."""
        return reference_prices.lookup_many(self.session, list({(c.city_code, c.category, c.brand, c.model)
                                                                 for c in self.claims}))

    @cached_property
    def persons(self) -> dict[int, Person]:
        """The applicants: those already in the session as they are, the others in one query."""
        found: dict[int, Person] = {}
        for person_id in {c.person_id for c in self.claims}:
            person = self.session.identity_map.get(identity_key(Person, person_id))
            if person is not None:
                found[person_id] = person
        missing = {c.person_id for c in self.claims} - set(found)
        if missing:
            found.update({p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(missing)))})
        return found

    def shared(self, kind: str) -> dict[tuple[str, str], tuple[int, int]]:
        """(city, hash) → (persons, claims) with claims in the window, for the batch's hashes."""
        if kind not in self._shared:
            self._shared[kind] = self._count_shared(kind)
        return self._shared[kind]

    def _count_shared(self, kind: str) -> dict[tuple[str, str], tuple[int, int]]:
        values = {v for c in self.claims if (v := shared_value(kind, self.persons.get(c.person_id)))}
        if not values:
            return {}
        rows = self.session.execute(_SHARED_COUNTS[kind], {
            "values": sorted(values), "cities": sorted({c.city_code for c in self.claims}),
            "since": self.earliest - dt.timedelta(days=SHARED_WINDOW_DAYS), "until": self.latest})
        counts = _Counts()
        for city, value, person_id, n in rows:
            counts.add((city, value), person_id, int(n))
        for claim in self.unseen:
            if value := shared_value(kind, self.persons.get(claim.person_id)):
                counts.add((claim.city_code, value), claim.person_id)
        return counts.totals()

    @cached_property
    def serial_prefixes(self) -> dict[tuple[int, str], tuple[int, int]]:
        """(retailer, serial prefix) → (persons, claims) within SERIAL_WINDOW_DAYS."""
        pairs = {(c.retailer_id, c.serial_prefix) for c in self.claims if c.retailer_id and c.serial_prefix}
        if not pairs:
            return {}
        rows = self.session.execute(_SERIAL_COUNTS, {
            "retailers": sorted({r for r, _ in pairs}), "prefixes": sorted({p for _, p in pairs}),
            "since": self.earliest - dt.timedelta(days=SERIAL_WINDOW_DAYS), "until": self.latest})
        counts = _Counts()
        for retailer_id, prefix, person_id, n in rows:
            counts.add((int(retailer_id or 0), str(prefix)), person_id, int(n))
        for claim in self.unseen:
            if claim.retailer_id and claim.serial_prefix:
                counts.add((claim.retailer_id, claim.serial_prefix), claim.person_id)
        return counts.totals()

    def baseline(self, retailer_id: int) -> Baseline:
        day_start = self.latest.replace(hour=0, minute=0, second=0, microsecond=0)
        return retailer_baseline(self.session, retailer_id, day_start)

    @cached_property
    def velocity(self) -> dict[int, tuple[int, int]]:
        """retailer → (claims in the last hour, in the last 24 hours), for the retailers with a
        baseline (the others are never flagged, so they are not counted)."""
        ids = {c.retailer_id for c in self.claims if c.retailer_id is not None
               and self.baseline(c.retailer_id).active_days >= VELOCITY_MIN_ACTIVE_DAYS}
        if not ids:
            return {}
        rows = self.session.execute(_VELOCITY_COUNTS, {
            "retailers": sorted(ids), "hour_ago": self.latest - dt.timedelta(hours=1),
            "day_ago": self.latest - dt.timedelta(hours=24), "until": self.latest})
        found = {int(r): (int(hour or 0), int(day)) for r, hour, day in rows}
        for claim in self.unseen:  # submitted now: within the hour and the day
            if claim.retailer_id in ids:
                hour, day = found.get(claim.retailer_id, (0, 0))
                found[claim.retailer_id] = (hour + 1, day + 1)
        return found

    @cached_property
    def invoice_rows(self) -> dict[tuple[int, str], list[Any]]:
        """The retailers' recent claims with one of the batch's invoice numbers or prefixes
        (the stored keys of tradein.claims.keys, through their indexes), newest first, filed
        under (retailer, number) and (retailer, prefix) so that each claim reads only its own."""
        mine = [c for c in self.claims if c.retailer_id is not None and normalise_invoice(c.invoice_no)]
        if not mine:
            return {}
        prefixes = sorted({c.invoice_prefix for c in mine if c.invoice_prefix})
        rows = self.session.execute(_INVOICE_ROWS if prefixes else _INVOICE_ROWS_BY_NUMBER, {
            "retailers": sorted({c.retailer_id for c in mine if c.retailer_id is not None}),
            "numbers": sorted({normalise_invoice(c.invoice_no) for c in mine}), "prefixes": prefixes,
            "since": self.earliest - dt.timedelta(hours=INVOICE_SAME_WINDOW_HOURS), "until": self.latest,
            "cap": RETAILER_SCAN_CAP * len(mine)})
        filed: dict[tuple[int, str], list[Any]] = {}
        # the unwritten claims first, as the newest (a Claim has every attribute a row has)
        for row in [*(mine if self.unseen else []), *rows]:
            for value in {row.invoice_norm, row.invoice_prefix} - {None}:
                filed.setdefault((row.retailer_id, value), []).append(row)
        return filed

    def invoices_like(self, claim: Claim) -> list[Any]:
        """The retailer's other claims with this claim's invoice number or prefix, newest first."""
        assert claim.retailer_id is not None
        found = {r.id: r for value in (normalise_invoice(claim.invoice_no), claim.invoice_prefix) if value
                 for r in self.invoice_rows.get((claim.retailer_id, value), []) if r.id != claim.id}
        return sorted(found.values(), key=lambda r: aware(r.submitted_at), reverse=True)


_SHARED_ATTRS = {"phone": "phone_hash", "address": "address_hash", "card": "bank_card_hash"}  # on Person


def shared_value(kind: str, person: Person | None) -> str | None:
    return getattr(person, _SHARED_ATTRS[kind]) if person is not None else None


# ---- retailer velocity -----------------------------------------------------------------------

@dataclass(frozen=True)
class Baseline:
    mean_daily: float
    std_daily: float
    active_days: int


_baselines: dict[tuple[str, int, str], Baseline] = {}
_baselines_lock = threading.Lock()
_BASELINE_CACHE_MAX = 50_000


def clear_caches() -> None:
    with _baselines_lock:
        _baselines.clear()


def retailer_baseline(session: Session, retailer_id: int, day_start: dt.datetime) -> Baseline:
    """Daily claim counts of the retailer over the VELOCITY_BASELINE_DAYS before `day_start`
    (mean, standard deviation, days with any claim). It does not change during the day, so it is
    computed once per retailer per day and kept in the process."""
    key = (str(session.get_bind().engine.url), retailer_id, day_start.date().isoformat())
    cached = _baselines.get(key)
    if cached is not None:
        return cached
    start = day_start - dt.timedelta(days=VELOCITY_BASELINE_DAYS)
    stamps = session.scalars(select(Claim.submitted_at).where(
        Claim.retailer_id == retailer_id, Claim.submitted_at >= start, Claim.submitted_at < day_start))
    offsets = np.fromiter(((aware(s) - start).total_seconds() for s in stamps), dtype=np.float64)
    days = np.clip((offsets // 86400).astype(np.int64), 0, VELOCITY_BASELINE_DAYS - 1)
    counts = np.bincount(days, minlength=VELOCITY_BASELINE_DAYS).astype(np.float64)
    baseline = Baseline(float(counts.mean()), float(counts.std()), int(np.count_nonzero(counts)))
    with _baselines_lock:
        if len(_baselines) >= _BASELINE_CACHE_MAX:
            _baselines.clear()
        _baselines[key] = baseline
    return baseline



# ---- the signals' reads, built once (at peak load, building a statement cost more than running it)

def _listed(name: str) -> BindParameter[Any]:
    """An IN list written into the statement's text rather than bound. The signals' reads depend on
    their values for a good plan (a few index probes, not the retailer's whole window): a batch of
    a common size repeats the same text, which the driver then prepares, and PostgreSQL's generic
    plan for it, made without the values, read every claim in the window: 4-5 ms a read instead of
    a fraction of one. Text made of the values is never prepared, so it is planned for them."""
    return bindparam(name, expanding=True, literal_execute=True)


_WINDOW = Claim.submitted_at.between(bindparam("since"), bindparam("until"))
_SHARED_COUNTS = {
    kind: select(Claim.city_code, getattr(Person, attr), Claim.person_id, func.count(Claim.id))
    .join(Person, Person.id == Claim.person_id)
    .where(getattr(Person, attr).in_(_listed("values")), Claim.city_code.in_(_listed("cities")), _WINDOW)
    .group_by(Claim.city_code, getattr(Person, attr), Claim.person_id)
    for kind, attr in _SHARED_ATTRS.items()
}
_SERIAL_COUNTS = (select(Claim.retailer_id, Claim.serial_prefix, Claim.person_id, func.count(Claim.id))
                  .where(Claim.retailer_id.in_(_listed("retailers")), Claim.serial_prefix.in_(_listed("prefixes")),
                         _WINDOW)
                  .group_by(Claim.retailer_id, Claim.serial_prefix, Claim.person_id))
_VELOCITY_COUNTS = (select(Claim.retailer_id, func.sum(case((Claim.submitted_at > bindparam("hour_ago"), 1), else_=0)),
                           func.count())
                    .where(Claim.retailer_id.in_(_listed("retailers")), Claim.submitted_at > bindparam("day_ago"),
                           Claim.submitted_at <= bindparam("until"))
                    .group_by(Claim.retailer_id))


def _invoice_rows(key: ColumnElement[bool]) -> Any:
    return (select(Claim.id, Claim.retailer_id, Claim.person_id, Claim.invoice_no, Claim.price_fen,
                   Claim.submitted_at, Claim.invoice_norm, Claim.invoice_prefix)
            .where(Claim.retailer_id.in_(_listed("retailers")), key, _WINDOW)
            .order_by(Claim.submitted_at.desc()).limit(bindparam("cap")))


_INVOICE_ROWS_BY_NUMBER = _invoice_rows(Claim.invoice_norm.in_(_listed("numbers")))
_INVOICE_ROWS = _invoice_rows(or_(Claim.invoice_norm.in_(_listed("numbers")),
                                  Claim.invoice_prefix.in_(_listed("prefixes"))))
