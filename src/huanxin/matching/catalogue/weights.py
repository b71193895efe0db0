"""A city's score weights (本地企业优先 "set by the city", issue 18): the office changes the points of
any part of the one score (matching.score.Weights), the buyer's list, the supplier's 我为企业找订单
and the score kept with a contact then use them.

- Stored are only the weights that differ from the engine's defaults (models.MatchingWeights), so
  a reset is deleting the row and a city never pins a default it did not choose.
- A bonus is 0 to MAX points, a penalty (PENALTIES) −MAX to 0: a negative local bonus would rank
  local suppliers last, a positive penalty would reward a wrong size. Each refusal names its field.
- Only the office changes them; the office and the city's leaders read them; another city's are
  never read (the row is the caller's city's)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.matching.catalogue import repository as repo
from huanxin.matching.catalogue.models import MatchingWeights
from huanxin.matching.score import Weights
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope

MAX = 200
# Chinese names of the parts, in the order of the page (the breakdown's own words where it has them)
LABELS = {
    "exact": "同类设备", "parent": "所属大类相符", "sibling": "同组可替代设备",
    "param_in": "关键参数符合需求", "param_out": "关键参数不在需求范围内（扣分）",
    "text": "文本相似（乘以 0–1 的相似度）",
    "county": "本县（区）企业", "city": "本市企业", "province": "本省企业",
    "advanced": "能效先进水平（一级）", "saving": "能效节能水平",
    "credential": "每项有效资质", "credential_cap": "资质加分上限",
    "price_in": "价格在预算内", "price_over": "价格超出预算（扣分）",
    "delivery_in": "交货期满足", "delivery_late": "交货期晚于要求（扣分）",
}
PENALTIES = frozenset({"param_out", "price_over", "delivery_late"})
DEFAULTS = Weights()


def _row(session: Session, city_code: str) -> MatchingWeights | None:
    return session.get(MatchingWeights, city_code)


def for_city(session: Session, city_code: str) -> Weights:
    """The weights the city ranks with: its changed ones over the defaults."""
    row = _row(session, city_code)
    return Weights.from_mapping(dict(row.weights)) if row is not None and row.weights else DEFAULTS


def require_editor(scope: Scope) -> None:
    if scope.role != Role.OFFICE:
        raise Forbidden("只有专班办公室可以设置供需匹配的评分权重")


def read(session: Session, scope: Scope) -> Weights:
    repo.require_office(scope)
    return for_city(session, scope.city_code)


def _number(key: str, value: Any) -> float:
    """One weight from a form (text) or JSON (a number), within its range, else the error naming it."""
    label = LABELS[key]
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return float(getattr(DEFAULTS, key))  # an emptied box means the default
        try:
            value = float(text)
        except ValueError:
            raise InvalidInput(f"“{label}”应为数字，“{text[:20]}”不是数字", field=key) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInput(f"“{label}”应为数字", field=key)
    low, high = (-MAX, 0) if key in PENALTIES else (0, MAX)
    if not low <= value <= high:
        what = "扣分项应为 0 或负数" if key in PENALTIES else "加分应为 0 或正数"
        raise InvalidInput(f"“{label}”{what}，在 {low} 到 {high} 之间", field=key)
    return float(value)


def parse(data: dict[str, Any]) -> Weights:
    """The whole set from what was sent: a weight not sent is the default (PUT replaces the set)."""
    for key in data:
        if key not in LABELS:
            raise InvalidInput(f"“{str(key)[:30]}”不是评分项（可设置：{'、'.join(LABELS.values())}）", field=str(key))
    values = {key: _number(key, data[key]) for key in LABELS if key in data}
    return Weights.from_mapping({**asdict(DEFAULTS), **values})


def save(session: Session, scope: Scope, data: dict[str, Any]) -> Weights:
    """Validates every weight before anything is written, then keeps the ones off the defaults."""
    require_editor(scope)
    weights = parse(data)
    changed = {f.name: getattr(weights, f.name) for f in fields(Weights)
               if getattr(weights, f.name) != getattr(DEFAULTS, f.name)}
    row = _row(session, scope.city_code)
    if not changed:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(MatchingWeights(city_code=scope.city_code, weights=changed, updated_by_user_id=scope.user_id,
                                    updated_at=now()))
    else:
        row.weights, row.updated_by_user_id, row.updated_at = changed, scope.user_id, now()
    session.flush()
    audit.record(session, actor=scope.username, action="matching_weights", entity="matching_weights",
                 entity_id=scope.city_code, city_code=scope.city_code, detail={"changed": changed})
    return weights


def reset(session: Session, scope: Scope) -> Weights:
    return save(session, scope, {})


def rows(weights: Weights) -> list[dict[str, Any]]:
    """The page's and the API's read model: per part its name, default and the city's value."""
    return [{"key": key, "label": label, "default": getattr(DEFAULTS, key), "value": getattr(weights, key),
             "changed": getattr(weights, key) != getattr(DEFAULTS, key), "penalty": key in PENALTIES}
            for key, label in LABELS.items()]
