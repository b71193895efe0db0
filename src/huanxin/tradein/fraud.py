"""Fraud signals computed for a claim at redemption (核销), inside the claim's own transaction.

Each signal is a small named function that returns at most one `Signal`: a rule code, a score in
(0, 1) and an explanation in Chinese that carries the numbers a reviewer needs. `assess` runs them
all, writes one `FraudFlag` per signal that fired, and sets `claim.fraud_score` to the combined
score 1 − Π(1 − score_i). The caller routes a claim with any flag to manual review.

Thresholds are the module constants below; `docs/tradein-fraud.md` explains each one.

Cost: assess runs at peak load, for a whole redemption batch at once (`assess_many`): each
signal reads what it needs for every claim of the batch in one query (an aggregate where it only
counts), bounded by an index: the reference price is one unique-index lookup per model; the
shared phone/address/card signals go through the person hash indexes; consecutive serials and
invoices through the stored keys' indexes per retailer; the retailer's 28-day baseline is
computed once per retailer per day and cached in the process. A device signature (a JSON input,
rare) is one query per claim that has one.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import BindParameter, ColumnElement, bindparam, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from huanxin.db import add_row
from huanxin.kit.clock import CHINA, aware, now
from huanxin.tradein import reference_prices, retailers
from huanxin.tradein.claim_keys import (  # noqa: F401  (re-exported: the fraud thresholds' module)
    INVOICE_MIN_LENGTH,
    INVOICE_PREFIX_DROP,
    SERIAL_INPUT_KEYS,
    SERIAL_MIN_LENGTH,
    SERIAL_PREFIX_DROP,
    SERIAL_PREFIX_INPUT_KEY,
    normalise_invoice,
    serial_prefix,
)
from huanxin.tradein.models import Claim, FraudFlag, Person, Programme, Qualification, Retailer, RetailerStatusChange

# ---- thresholds -------------------------------------------------------------------------------

# 先涨价后补贴: a claim priced above the frozen reference price × (1 + PRICE_BAND) is flagged.
PRICE_BAND = 0.10
PRICE_SCORE_BASE = 0.5  # score just above the band
PRICE_SCORE_PER_EXCESS = 1.0  # added per 100% above the band (so +30% over the band → 0.8)
PRICE_SCORE_MAX = 0.9

# Bulk buying with borrowed identities: ≥ N different persons sharing one phone, address, bank
# card or device with claims in the city within SHARED_WINDOW_DAYS.
SHARED_WINDOW_DAYS = 30
SHARED_MIN_PERSONS = {"phone": 3, "address": 4, "card": 2, "device": 3}
SHARED_SCORE_BASE = {"phone": 0.5, "address": 0.4, "card": 0.7, "device": 0.6}
SHARED_SCORE_PER_EXTRA_PERSON = 0.1
SHARED_SCORE_MAX = 0.9
SHARED_ROW_CAP = 500  # at most this many persons are read per shared key

# Consecutive serial numbers (the same SN with its last digits dropped) bought by many persons at
# one retailer within a couple of days: one buyer taking a batch under borrowed names.
# (The serial prefix itself, SERIAL_PREFIX_DROP and SERIAL_MIN_LENGTH: tradein.claim_keys.)
SERIAL_WINDOW_DAYS = 2
SERIAL_MIN_PERSONS = 5
# The claim inputs that carry the device signature (see docs).
DEVICE_INPUT_KEYS = ("device_signature", "device_id")
RETAILER_SCAN_CAP = 2000  # at most this many of the retailer's matching claims are examined

# Retailer velocity: the last hour / last 24 hours far above the retailer's own trailing average.
VELOCITY_BASELINE_DAYS = 28
VELOCITY_MIN_ACTIVE_DAYS = 7  # no baseline (and no flag) for a retailer with less history
VELOCITY_SIGMAS = 4.0
VELOCITY_MIN_HOURLY = 20
VELOCITY_MIN_DAILY = 100
VELOCITY_TRADING_HOURS = 12  # a trading day, for turning the daily average into an hourly one
VELOCITY_SCORE = 0.5
VELOCITY_SCORE_BOTH = 0.6

# Reused or near-duplicate invoices at the same retailer.
INVOICE_SAME_WINDOW_HOURS = 24  # same invoice number (ignoring spaces, dashes, case)
INVOICE_NEAR_MINUTES = 10  # same invoice prefix and same amount
# (INVOICE_PREFIX_DROP and INVOICE_MIN_LENGTH, which define the prefix: tradein.claim_keys.)
INVOICE_SAME_SCORE = 0.8
INVOICE_NEAR_SCORE = 0.4
INVOICE_BEFORE_QUALIFICATION_SCORE = 0.6

# A model whose frozen price is above the programme's unit-price cap, sold just below the cap:
# the invoice was likely split or the price written down to qualify.
PRICE_CAP_NEAR = 0.05
PRICE_CAP_BY_KIND_FEN = {"digital": 600_000}  # 数码产品: unit price ≤ 6,000 yuan
PRICE_CAP_INPUT_KEY = "price_cap_fen"
PRICE_CAP_SCORE = 0.5

RULE_LABELS = {
    "price_above_band": "价格高于冻结参考价",
    "shared_phone": "多人共用手机号",
    "shared_address": "多人共用地址",
    "shared_card": "多人共用银行卡",
    "shared_device": "多人共用设备或连号商品",
    "retailer_velocity": "经营主体核销量异常",
    "reused_invoice": "发票重复或异常",
    "price_just_below_cap": "价格恰低于上限",
}


@dataclass(frozen=True)
class Signal:
    rule: str
    score: float
    explanation: str


def yuan(fen: int) -> str:
    """12345600 → "123456", 399950 → "3999.50"."""
    whole, part = divmod(int(fen), 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}"


def combine(scores: list[float]) -> float:
    """Independent evidence: 1 − Π(1 − score_i), in [0, 1]."""
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - min(max(score, 0.0), 1.0)
    return round(1.0 - remaining, 6)


# ---- the entry points used by the claims service -----------------------------------------------

def assess(session: Session, claim: Claim) -> list[FraudFlag]:
    """Computes every applicable signal for this claim, adds a FraudFlag per signal that fired,
    sets claim.fraud_score (combined) and returns the flags. Assessing again (after a correction)
    does not duplicate a flag with the same rule and explanation."""
    return assess_many(session, [claim])[0]


def assess_many(session: Session, claims: Sequence[Claim], *, unwritten: bool = False) -> list[list[FraudFlag]]:
    """`assess` for a batch of claims submitted together (a redemption batch), with one query per
    signal for the whole batch instead of one per claim. The claims of a batch are simultaneous:
    each counts the others as already submitted, and each signal's window ends at the batch's
    latest submission.

    `unwritten`: new claims not in the database yet, their ids reserved (db.reserve_ids), so that
    each is written once with the status its checks decide rather than written and then updated.
    The counts add them to what the queries find, and their flags are handed to db.add_row, to be
    written after them (inside db.deferred_inserts)."""
    if not claims:
        return []
    if not unwritten and any(c.id is None for c in claims):
        session.flush()
    batch = Batch(session, list(claims), unwritten=unwritten)
    existing = {} if unwritten else {(f.claim_id, f.rule, f.explanation): f for f in session.scalars(
        select(FraudFlag).where(FraudFlag.claim_id.in_([c.id for c in claims])))}
    at = now()
    out: list[list[FraudFlag]] = []
    for claim in claims:
        signals = [s for check in SIGNALS if (s := check(batch, claim)) is not None]
        claim.fraud_score = combine([s.score for s in signals])
        flags = []
        for signal in signals:
            flag = existing.get((claim.id, signal.rule, signal.explanation))
            if flag is None:
                values = {"claim_id": claim.id, "rule": signal.rule, "score": round(signal.score, 4),
                          "explanation": signal.explanation, "at": at}
                flag = FraudFlag(**values)
                if unwritten:
                    add_row(session, FraudFlag, values)
                else:
                    session.add(flag)
            flags.append(flag)
        out.append(flags)
    return out


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


def _at(claim: Claim) -> dt.datetime:
    return aware(claim.submitted_at if claim.submitted_at is not None else now()).astimezone(CHINA)


class Batch:
    """The claims being assessed and what the signals read about them, each read once for the
    whole batch (lazily: a signal that applies to none of the claims reads nothing)."""

    def __init__(self, session: Session, claims: list[Claim], *, unwritten: bool = False) -> None:
        self.session = session
        self.claims = claims
        # The batch's claims that the queries cannot see (not written yet): counted here instead.
        self.unseen = claims if unwritten else []
        moments = [_at(c) for c in claims]
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
        values = {v for c in self.claims if (v := _shared_value(kind, self.persons.get(c.person_id)))}
        if not values:
            return {}
        rows = self.session.execute(_SHARED_COUNTS[kind], {
            "values": sorted(values), "cities": sorted({c.city_code for c in self.claims}),
            "since": self.earliest - dt.timedelta(days=SHARED_WINDOW_DAYS), "until": self.latest})
        counts = _Counts()
        for city, value, person_id, n in rows:
            counts.add((city, value), person_id, int(n))
        for claim in self.unseen:
            if value := _shared_value(kind, self.persons.get(claim.person_id)):
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
        (the stored keys of tradein.claim_keys, through their indexes), newest first, filed
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


# ---- 先涨价后补贴 --------------------------------------------------------------------------------

def price_above_band(batch: Batch, claim: Claim) -> Signal | None:
    ref = batch.reference(claim)
    if ref is None or ref.price_fen <= 0:
        return None
    limit = ref.price_fen * (1 + PRICE_BAND)
    if claim.price_fen <= limit:
        return None
    above = claim.price_fen / ref.price_fen - 1
    score = min(PRICE_SCORE_MAX, PRICE_SCORE_BASE + PRICE_SCORE_PER_EXCESS * (above - PRICE_BAND))
    return Signal("price_above_band", score, (
        f"型号{claim.model}冻结参考价{yuan(ref.price_fen)}元（{ref.window}，{ref.samples}个价格样本的中位数），"
        f"本次成交价{yuan(claim.price_fen)}元，高出{above * 100:.1f}%，超过允许浮动{PRICE_BAND * 100:.0f}%"
    ))


def price_just_below_cap(batch: Batch, claim: Claim) -> Signal | None:
    cap = _price_cap(batch.session, claim)
    if cap is None or not cap * (1 - PRICE_CAP_NEAR) <= claim.price_fen <= cap:
        return None
    ref = batch.reference(claim)
    if ref is None or ref.price_fen <= cap:
        return None
    return Signal("price_just_below_cap", PRICE_CAP_SCORE, (
        f"型号{claim.model}冻结参考价{yuan(ref.price_fen)}元，高于补贴单价上限{yuan(cap)}元，"
        f"本次成交价{yuan(claim.price_fen)}元恰在上限以下（差{yuan(cap - claim.price_fen)}元），"
        f"疑似拆分发票或压低票面价格"
    ))


def _price_cap(session: Session, claim: Claim) -> int | None:
    raw = (claim.inputs or {}).get(PRICE_CAP_INPUT_KEY)
    if isinstance(raw, int | float) and raw > 0:
        return int(raw)
    programme = session.get(Programme, claim.programme_id) if claim.programme_id is not None else None
    return PRICE_CAP_BY_KIND_FEN.get(programme.kind) if programme is not None else None


# ---- bulk buying with borrowed identities ------------------------------------------------------

_SHARED_WHAT = {"phone": "手机号", "address": "收货/户籍地址", "card": "银行卡"}
_SHARED_ATTRS = {"phone": "phone_hash", "address": "address_hash", "card": "bank_card_hash"}  # on Person


def _shared_value(kind: str, person: Person | None) -> str | None:
    return getattr(person, _SHARED_ATTRS[kind]) if person is not None else None


Check = Callable[[Batch, Claim], "Signal | None"]


def _shared(kind: str) -> Check:
    def check(batch: Batch, claim: Claim) -> Signal | None:
        value = _shared_value(kind, batch.persons.get(claim.person_id))
        if not value:
            return None
        persons, claims = batch.shared(kind).get((claim.city_code, value), (1, 1))
        return _shared_signal(kind, persons, claims, f"相同{_SHARED_WHAT[kind]}")
    check.__name__ = f"shared_{kind}"
    return check


def _shared_signal(kind: str, persons: int, claims: int, what: str, window_days: int = SHARED_WINDOW_DAYS,
                   minimum: int | None = None, rule: str | None = None) -> Signal | None:
    threshold = minimum if minimum is not None else SHARED_MIN_PERSONS[kind]
    if persons < threshold:
        return None
    score = min(SHARED_SCORE_MAX, SHARED_SCORE_BASE[kind] + SHARED_SCORE_PER_EXTRA_PERSON * (persons - threshold))
    return Signal(rule or f"shared_{kind}", score, (
        f"{window_days}天内有{persons}名不同申请人使用{what}（含本笔），共{claims}笔申请，"
        f"达到阈值{threshold}人，疑似借用他人身份集中购买"
    ))


shared_phone = _shared("phone")
shared_address = _shared("address")
shared_card = _shared("card")


def _input_text(inputs: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, str] | None:
    for key in keys:
        value = inputs.get(key)
        if value is not None and str(value).strip():
            return key, str(value).strip()
    return None


def shared_device(batch: Batch, claim: Claim) -> Signal | None:
    if claim.retailer_id is None:
        return None
    device = _input_text(claim.inputs or {}, DEVICE_INPUT_KEYS)
    if device is not None:
        signal = _shared_device_signature(batch, claim, device[1])
        if signal is not None:
            return signal
    prefix = claim.serial_prefix
    if prefix:
        # The stored prefix (tradein.claim_keys) of consecutive serials, counted for the batch.
        persons, claims = batch.serial_prefixes.get((claim.retailer_id, prefix), (1, 1))
        return _shared_signal("device", persons, claims, f"在本经营主体连号商品（序列号前缀{prefix}）",
                              SERIAL_WINDOW_DAYS, SERIAL_MIN_PERSONS, "shared_device")
    return None


def _shared_device_signature(batch: Batch, claim: Claim, device: str) -> Signal | None:
    """The same device signature at the retailer (a JSON input, so one query per claim that has
    one: tills send it rarely)."""
    session = batch.session
    at = _at(claim)
    recent = (select(Claim.id, Claim.person_id, Claim.inputs)
              .where(Claim.retailer_id == claim.retailer_id,
                     Claim.submitted_at >= at - dt.timedelta(days=SHARED_WINDOW_DAYS),
                     Claim.submitted_at <= at, Claim.id != claim.id)
              .order_by(Claim.submitted_at.desc()).limit(RETAILER_SCAN_CAP).subquery())
    match = or_(*(recent.c.inputs[key].as_string() == device for key in DEVICE_INPUT_KEYS))
    rows = session.execute(select(recent.c.person_id, func.count()).where(match)
                           .group_by(recent.c.person_id)).all()
    alike = [c for c in batch.unseen if c is not claim and c.retailer_id == claim.retailer_id
             and (found := _input_text(c.inputs or {}, DEVICE_INPUT_KEYS)) is not None and found[1] == device]
    persons = {pid for pid, _ in rows} | {c.person_id for c in alike} | {claim.person_id}
    claims = sum(int(n) for _, n in rows) + len(alike) + 1
    return _shared_signal("device", len(persons), claims, "在本经营主体同一申请设备", SHARED_WINDOW_DAYS,
                          SHARED_MIN_PERSONS["device"], "shared_device")


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


def retailer_velocity(batch: Batch, claim: Claim) -> Signal | None:
    if claim.retailer_id is None:
        return None
    base = batch.baseline(claim.retailer_id)
    if base.active_days < VELOCITY_MIN_ACTIVE_DAYS:
        return None
    hour_count, day_count = batch.velocity.get(claim.retailer_id, (1, 1))
    mean_h = base.mean_daily / VELOCITY_TRADING_HOURS
    sigma_h = max(base.std_daily / math.sqrt(VELOCITY_TRADING_HOURS), math.sqrt(mean_h), 1.0)
    limit_h = mean_h + VELOCITY_SIGMAS * sigma_h
    sigma_d = max(base.std_daily, math.sqrt(base.mean_daily), 1.0)
    limit_d = base.mean_daily + VELOCITY_SIGMAS * sigma_d
    parts: list[str] = []
    if hour_count >= VELOCITY_MIN_HOURLY and hour_count > limit_h:
        parts.append(f"近1小时核销{hour_count}笔，高于阈值{limit_h:.1f}笔"
                     f"（过去{VELOCITY_BASELINE_DAYS}天折合每小时{mean_h:.1f}笔＋{VELOCITY_SIGMAS:g}σ，σ={sigma_h:.1f}）")
    if day_count >= VELOCITY_MIN_DAILY and day_count > limit_d:
        parts.append(f"近24小时核销{day_count}笔，高于阈值{limit_d:.1f}笔"
                     f"（过去{VELOCITY_BASELINE_DAYS}天日均{base.mean_daily:.1f}笔＋{VELOCITY_SIGMAS:g}σ，σ={sigma_d:.1f}）")
    if not parts:
        return None
    retailer = batch.session.get(Retailer, claim.retailer_id)
    name = retailer.name if retailer is not None else str(claim.retailer_id)
    score = VELOCITY_SCORE_BOTH if len(parts) == 2 else VELOCITY_SCORE
    return Signal("retailer_velocity", score, f"经营主体“{name}”" + "；".join(parts) + "，疑似虚假交易或集中刷单")


# ---- reused invoices ---------------------------------------------------------------------------

def reused_invoice(batch: Batch, claim: Claim) -> Signal | None:
    parts: list[str] = []
    score = 0.0
    if claim.retailer_id is not None:
        found = _invoice_duplicates(batch, claim)
        if found is not None:
            part, part_score = found
            parts.append(part)
            score = max(score, part_score)
    early = _invoice_before_qualification(batch.session, claim)
    if early is not None:
        parts.append(early)
        score = combine([score, INVOICE_BEFORE_QUALIFICATION_SCORE])
    if not parts:
        return None
    return Signal("reused_invoice", score, "；".join(parts))


def _invoice_duplicates(batch: Batch, claim: Claim) -> tuple[str, float] | None:
    number = normalise_invoice(claim.invoice_no)
    if not number:
        return None
    at = _at(claim)
    since = at - dt.timedelta(hours=INVOICE_SAME_WINDOW_HOURS)
    rows = [r for r in batch.invoices_like(claim) if since <= aware(r.submitted_at) <= max(at, batch.latest)]
    same = [r for r in rows if normalise_invoice(r.invoice_no) == number]
    if same:
        other = same[0]
        diffs = []
        if other.price_fen != claim.price_fen:
            diffs.append(f"金额{yuan(other.price_fen)}元与本笔{yuan(claim.price_fen)}元不同")
        if other.person_id != claim.person_id:
            diffs.append("申请人不同")
        detail = "，".join(diffs) if diffs else "金额与申请人均相同（疑似重复申报）"
        return (f"发票号{claim.invoice_no}在本经营主体{INVOICE_SAME_WINDOW_HOURS}小时内已用于{len(same)}笔其他申请"
                f"（如第{other.id}号申请，票号{other.invoice_no}），{detail}", INVOICE_SAME_SCORE)
    if len(number) < INVOICE_MIN_LENGTH:
        return None
    prefix = number[:-INVOICE_PREFIX_DROP]
    near_since = at - dt.timedelta(minutes=INVOICE_NEAR_MINUTES)
    near = [r for r in rows if aware(r.submitted_at) >= near_since and r.price_fen == claim.price_fen
            and normalise_invoice(r.invoice_no).startswith(prefix)
            and len(normalise_invoice(r.invoice_no)) == len(number)]
    if not near:
        return None
    shown = "、".join(r.invoice_no for r in near[:5])
    return (f"{INVOICE_NEAR_MINUTES}分钟内本经营主体有{len(near)}张发票号前缀相同（{prefix}）且金额同为"
            f"{yuan(claim.price_fen)}元的其他申请（票号{shown}），疑似虚开或拆分发票", INVOICE_NEAR_SCORE)


def _invoice_before_qualification(session: Session, claim: Claim) -> str | None:
    if claim.qualification_id is None or claim.invoice_date is None:
        return None
    qualification = session.get(Qualification, claim.qualification_id)
    if qualification is None:
        return None
    issued = aware(qualification.issued_at).astimezone(CHINA).date()
    if claim.invoice_date >= issued:
        return None
    days = (issued - claim.invoice_date).days
    return (f"发票日期{claim.invoice_date.isoformat()}早于补贴资格发放日期{issued.isoformat()}（早{days}天），"
            f"购买发生在领取资格之前")


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


SIGNALS: tuple[Check, ...] = (
    price_above_band, price_just_below_cap, shared_phone, shared_address, shared_card, shared_device,
    retailer_velocity, reused_invoice,
)


# ---- the reviewer's view ---------------------------------------------------------------------

def flags_for_claim(session: Session, claim_id: int) -> list[FraudFlag]:
    return list(session.scalars(select(FraudFlag).where(FraudFlag.claim_id == claim_id)
                                .order_by(FraudFlag.score.desc(), FraudFlag.id)))


def flag_view(flag: FraudFlag) -> dict[str, Any]:
    return {"id": flag.id, "claim_id": flag.claim_id, "rule": flag.rule,
            "label": RULE_LABELS.get(flag.rule, flag.rule), "score": flag.score,
            "explanation": flag.explanation, "at": aware(flag.at).isoformat()}


def retailer_history(session: Session, retailer_id: int) -> list[RetailerStatusChange]:
    """The retailer's status history (admission, suspension, reinstatement, expulsion), for the
    reviewer's page next to the flags; the same as retailers.retailer_history."""
    return retailers.retailer_history(session, retailer_id)

