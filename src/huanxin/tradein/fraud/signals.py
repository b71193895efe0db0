"""The fraud signals (tradein.fraud.assessment): each a small named function of the batch and a claim that
returns at most one `Signal`; SIGNALS lists them in the order they run."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from huanxin.kit.clock import CHINA, aware
from huanxin.tradein.claims.keys import INVOICE_MIN_LENGTH, INVOICE_PREFIX_DROP, normalise_invoice
from huanxin.tradein.fraud.batch import Batch, shared_value, submitted_at_of
from huanxin.tradein.fraud.thresholds import (
    DEVICE_INPUT_KEYS,
    INVOICE_BEFORE_QUALIFICATION_SCORE,
    INVOICE_NEAR_MINUTES,
    INVOICE_NEAR_SCORE,
    INVOICE_SAME_SCORE,
    INVOICE_SAME_WINDOW_HOURS,
    PRICE_BAND,
    PRICE_CAP_BY_KIND_FEN,
    PRICE_CAP_INPUT_KEY,
    PRICE_CAP_NEAR,
    PRICE_CAP_SCORE,
    PRICE_SCORE_BASE,
    PRICE_SCORE_MAX,
    PRICE_SCORE_PER_EXCESS,
    RETAILER_SCAN_CAP,
    SERIAL_MIN_PERSONS,
    SERIAL_WINDOW_DAYS,
    SHARED_MIN_PERSONS,
    SHARED_SCORE_BASE,
    SHARED_SCORE_MAX,
    SHARED_SCORE_PER_EXTRA_PERSON,
    SHARED_WINDOW_DAYS,
    VELOCITY_BASELINE_DAYS,
    VELOCITY_MIN_ACTIVE_DAYS,
    VELOCITY_MIN_DAILY,
    VELOCITY_MIN_HOURLY,
    VELOCITY_SCORE,
    VELOCITY_SCORE_BOTH,
    VELOCITY_SIGMAS,
    VELOCITY_TRADING_HOURS,
)
from huanxin.tradein.models import Claim, Programme, Qualification, Retailer


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


Check = Callable[[Batch, Claim], "Signal | None"]


def _shared(kind: str) -> Check:
    def check(batch: Batch, claim: Claim) -> Signal | None:
        value = shared_value(kind, batch.persons.get(claim.person_id))
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
        # The stored prefix (tradein.claims.keys) of consecutive serials, counted for the batch.
        persons, claims = batch.serial_prefixes.get((claim.retailer_id, prefix), (1, 1))
        return _shared_signal("device", persons, claims, f"在本经营主体连号商品（序列号前缀{prefix}）",
                              SERIAL_WINDOW_DAYS, SERIAL_MIN_PERSONS, "shared_device")
    return None


def _shared_device_signature(batch: Batch, claim: Claim, device: str) -> Signal | None:
    """The same device signature at the retailer (a JSON input, so one query per claim that has
    one: tills send it rarely)."""
    session = batch.session
    at = submitted_at_of(claim)
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
    at = submitted_at_of(claim)
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



SIGNALS: tuple[Check, ...] = (
    price_above_band, price_just_below_cap, shared_phone, shared_address, shared_card, shared_device,
    retailer_velocity, reused_invoice,
)
