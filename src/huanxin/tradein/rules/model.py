"""The engine's inputs and outputs: a claim case, and a decision that explains itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.rules.trace import TraceStep, json_safe

OLD_FUELS = ("petrol", "diesel", "nev", "other")
NEW_FUELS = ("nev", "fuel")
PROOF_KINDS = ("scrap_cert", "deregistration", "recycling_cert", "sale_record")
EMISSION_STANDARDS = ("国一", "国二", "国三", "国四", "国五", "国六")


@dataclass(frozen=True)
class ClaimCase:
    programme: str  # rules code, e.g. appliance-2025
    category: str
    price_fen: int  # final price after all discounts
    efficiency_grade: int | None  # energy or water efficiency grade, 1 best
    invoice_date: dt.date
    applied_on: dt.date
    region_code: str = ""
    old_vehicle_fuel: str | None = None  # petrol | diesel | nev | other
    old_vehicle_registered_on: dt.date | None = None
    old_vehicle_owned_since: dt.date | None = None  # in the applicant's name since
    old_emission_standard: str | None = None  # 国三 …
    new_vehicle_fuel: str | None = None  # nev | fuel
    new_vehicle_displacement_l: float | None = None
    old_proof_kinds: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            out[f.name] = json_safe(getattr(self, f.name))
        return out


@dataclass(frozen=True)
class QuotaRequirement:
    key: str  # e.g. appliance:air_conditioner:2025
    limit: int  # slots per person under this key
    money_cap_fen: int | None  # per-person cap on the sum of amounts under this key
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "limit": self.limit, "money_cap_fen": self.money_cap_fen, "label": self.label}


@dataclass(frozen=True)
class Decision:
    eligible: bool
    amount_fen: int
    by_source: dict[str, int]
    reasons: list[str]
    trace: list[TraceStep]
    quotas: list[QuotaRequirement]
    exclusive_keys: list[str]
    required_proofs: list[str]
    reserve_fen: int
    programme: str = ""
    decided_on: dt.date | None = None  # the date whose parameter values applied

    def to_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "eligible": self.eligible,
            "amount_fen": self.amount_fen,
            "by_source": dict(self.by_source),
            "reasons": list(self.reasons),
            "quotas": [q.to_dict() for q in self.quotas],
            "exclusive_keys": list(self.exclusive_keys),
            "required_proofs": list(self.required_proofs),
            "reserve_fen": self.reserve_fen,
            "trace": [t.to_dict() for t in self.trace],
        }


# ---- building a case from plain data (JSON Lines, YAML decision cases) ----------------------

CASE_FIELDS = {f.name for f in fields(ClaimCase)}
_REQUIRED = ("programme", "category", "price_fen", "invoice_date", "applied_on")


def case_from_dict(data: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None) -> ClaimCase:
    """A ClaimCase from plain data; a wrong field raises InvalidInput naming it (in Chinese)."""
    raw = {**(defaults or {}), **data}
    unknown = set(raw) - CASE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"未知字段：{name}", field=name)
    for name in _REQUIRED:
        if raw.get(name) in (None, ""):
            raise InvalidInput(f"缺少必填字段：{name}", field=name)
    return ClaimCase(
        programme=_text(raw, "programme"),
        category=_text(raw, "category"),
        price_fen=_int(raw, "price_fen"),
        efficiency_grade=_opt_int(raw, "efficiency_grade"),
        invoice_date=_date(raw, "invoice_date"),
        applied_on=_date(raw, "applied_on"),
        region_code=str(raw.get("region_code") or ""),
        old_vehicle_fuel=_choice(raw, "old_vehicle_fuel", OLD_FUELS),
        old_vehicle_registered_on=_opt_date(raw, "old_vehicle_registered_on"),
        old_vehicle_owned_since=_opt_date(raw, "old_vehicle_owned_since"),
        old_emission_standard=_choice(raw, "old_emission_standard", EMISSION_STANDARDS),
        new_vehicle_fuel=_choice(raw, "new_vehicle_fuel", NEW_FUELS),
        new_vehicle_displacement_l=_opt_float(raw, "new_vehicle_displacement_l"),
        old_proof_kinds=_proofs(raw),
        extra=MappingProxyType(dict(_mapping(raw, "extra"))),
    )


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw[name]
    if not isinstance(value, str):
        raise InvalidInput(f"字段 {name} 应为文本", field=name)
    return value.strip()


def _int(raw: Mapping[str, Any], name: str) -> int:
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"字段 {name} 应为整数（单位：分）", field=name)
    return value


def _opt_int(raw: Mapping[str, Any], name: str) -> int | None:
    return None if raw.get(name) is None else _int(raw, name)


def _opt_float(raw: Mapping[str, Any], name: str) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"字段 {name} 应为数字", field=name)
    return float(value)


def _date(raw: Mapping[str, Any], name: str) -> dt.date:
    value = raw[name]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"字段 {name} 应为日期（YYYY-MM-DD），收到 {value!r}", field=name)


def _opt_date(raw: Mapping[str, Any], name: str) -> dt.date | None:
    return None if raw.get(name) in (None, "") else _date(raw, name)


def _choice(raw: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if value not in allowed:
        raise InvalidInput(f"字段 {name} 的取值 {value!r} 无效（可选：{'、'.join(allowed)}）", field=name)
    return str(value)


def _proofs(raw: Mapping[str, Any]) -> frozenset[str]:
    value = raw.get("old_proof_kinds") or []
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise InvalidInput("字段 old_proof_kinds 应为列表", field="old_proof_kinds")
    for kind in value:
        if not isinstance(kind, str):
            raise InvalidInput("字段 old_proof_kinds 应为文本列表", field="old_proof_kinds")
    return frozenset(value)


def _mapping(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = raw.get(name) or {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"字段 {name} 应为对象", field=name)
    return value
