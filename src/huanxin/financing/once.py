"""Money POSTs of the financing domain, once per Idempotency-Key (kit.idempotency, Stripe's model):
the key is claimed in the same savepoint as the work, so a failure leaves neither; a replay gets
the first answer, the same key with another body a 409. The API reads the key from the header,
the pages from a hidden form field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit import idempotency
from huanxin.orgs.scope import Scope

MAX_KEY = 100


def require_key(key: str | None, field: str = "Idempotency-Key") -> str:
    key = (key or "").strip()
    on_form = field != "Idempotency-Key"  # a page's hidden field: the screen names no header
    if not key:
        raise InvalidInput("表单缺少防重复提交编号，请刷新页面后重新提交" if on_form else
                           "缺少请求头 Idempotency-Key：资金操作必须携带幂等键，重试时使用同一个键", field=field)
    if len(key) > MAX_KEY:
        raise InvalidInput("防重复提交编号过长，请刷新页面后重新提交" if on_form else
                           f"Idempotency-Key 过长（最多 {MAX_KEY} 个字符）", field=field)
    return key


def once(db: Session, scope: Scope, key: str | None, body: dict[str, Any],
         work: Callable[[], dict[str, Any]], *, field: str = "Idempotency-Key") -> tuple[int, dict[str, Any]]:
    """(status, response) of `work`, or of its first run for this user's key."""
    checked = require_key(key, field)
    owner = idempotency.user_owner(scope.user_id)
    payload = jsonable_encoder(body)
    stored = idempotency.lookup(db, owner, checked, payload)
    if stored is not None:
        return stored.status_code, dict(stored.response)
    with db.begin_nested():
        record = idempotency.claim(db, owner, checked, payload)
        response = jsonable_encoder(work())
        idempotency.store(record, 201, response)
    return 201, response
