"""What every ledger use case shares: input checks that name the field, and yuan formatting."""

from __future__ import annotations

from huanxin.errors import InvalidInput

MAX_KEY = 150  # ledger_transfer.key is 160: room for the ":rest" of a partial post


def yuan(fen: int) -> str:
    """12345 → "123.45" (exact: integer arithmetic, no float)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def require_amount(amount: object, name: str = "金额") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(f"{name}必须是以分为单位的整数", field="amount")
    if amount <= 0:
        raise InvalidInput(f"{name}必须大于零（收到 {amount} 分）", field="amount")
    return amount


def require_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput("缺少转账幂等键（key）", field="key")
    if len(key) > MAX_KEY:
        raise InvalidInput(f"转账幂等键过长（{len(key)} 字符，最多 {MAX_KEY}）", field="key")
    return key


def require_text(value: str, name: str, field_name: str, limit: int, *, required: bool = False) -> str:
    if required and not value.strip():
        raise InvalidInput(f"请填写{name}", field=field_name)
    if len(value) > limit:
        raise InvalidInput(f"{name}过长（{len(value)} 字符，最多 {limit}）", field=field_name)
    return value
