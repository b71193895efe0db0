"""Personal data at rest (PIPL): encrypted, matched by keyed hash, masked on screen and in exports."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from functools import cache

from cryptography.fernet import Fernet, MultiFernet

from huanxin.config import get_settings


def _data_key(secret: str) -> Fernet:
    # The same derivation as before the keys were split, so data written under HUANXIN_SECRET_KEY
    # decrypts when that value is given as HUANXIN_PII_KEY or among HUANXIN_PII_OLD_KEYS.
    key = hashlib.sha256(("pii-encryption:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


@cache
def _fernet() -> MultiFernet:
    """Encrypts with the current PII key; decrypts with it or any old one (key rotation)."""
    return MultiFernet([_data_key(secret) for secret in get_settings().pii_encryption_keys])


@cache
def _hash_key() -> bytes:
    return ("pii-hash:" + get_settings().pii_matching_key).encode()


def forget_keys() -> None:
    """Reads the keys from the settings again (after they changed: tests, rotation)."""
    _fernet.cache_clear()
    _hash_key.cache_clear()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """The same value encrypted under the current key (whichever key it was encrypted under)."""
    return _fernet().rotate(token.encode()).decode()


def keyed_hash(kind: str, value: str) -> str:
    """Equal values give equal hashes (so duplicates are found) without storing the value. Keyed
    by HUANXIN_PII_HASH_KEY, which is never rotated in place: every stored hash depends on it."""
    return hmac.new(_hash_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_id(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def mask_card(value: str) -> str:
    return "**** " + value[-4:]


def mask_name(value: str) -> str:
    return value[0] + "*" * (len(value) - 1) if value else value


# Free text (audit notes, operation targets) may carry a number someone typed in: an 18-character
# ID number, a card of 16-19 digits, a mobile number; each is masked where it stands.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CARD_IN_TEXT = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(value: str, names: Iterable[str] = ()) -> str:
    """`value` with ID numbers, bank cards and phones masked, and each of the known `names`."""
    masked = _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), value)
    masked = _CARD_IN_TEXT.sub(lambda m: mask_card(m.group()), masked)
    masked = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), masked)
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        masked = masked.replace(name, mask_name(name))
    return masked
