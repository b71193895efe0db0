"""Personal data at rest (PIPL): encrypted, matched by keyed hash, masked on screen and in exports."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet

from huanxin.config import get_settings


@cache
def _fernet() -> Fernet:
    # The data key is derived from the configured secret; production sets HUANXIN_SECRET_KEY.
    key = hashlib.sha256(("pii-encryption:" + get_settings().secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def keyed_hash(kind: str, value: str) -> str:
    """Equal values give equal hashes (so duplicates are found) without storing the value."""
    key = ("pii-hash:" + get_settings().secret_key).encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_id(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def mask_card(value: str) -> str:
    return "**** " + value[-4:]


def mask_name(value: str) -> str:
    return value[0] + "*" * (len(value) - 1) if value else value
