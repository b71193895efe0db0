"""The real-name check (实名认证) the programmes make before an ID number is bound to an account.

The programmes verify a resident through the 公安 identity check (name + ID number), or through
云闪付 / the bank's card check (四要素: name, ID number, card number and the phone the bank holds).
`IdentityVerifier` is that check as the platform asks it; the `identity_verifier` setting picks
the implementation: `register` (the default) reads the population register table
(`IdentityRegisterEntry`) that the demo generates and that a city may load from its extract; a
deployment that calls a provider names its own factory as `package.module:factory`.
"""

from __future__ import annotations

import importlib
from typing import Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.config import get_settings
from huanxin.errors import InvalidInput
from huanxin.kit import pii
from huanxin.tradein.models import IdentityRegisterEntry


class IdentityVerifier(Protocol):
    def name_matches(self, session: Session, *, id_number: str, name: str) -> bool:
        """公安二要素: does the ID number exist and belong to a person of this name?"""

    def bank_card_matches(self, session: Session, *, id_number: str, name: str, card_number: str,
                          phone: str) -> bool:
        """银行卡四要素: is the card this person's, with this phone on record at the bank?"""


def _name_key(id_number: str, name: str) -> str:
    return pii.keyed_hash("register-name", f"{id_number}:{name}")


class RegisterVerifier:
    """Checks against the local population register: an ID number not on it never passes."""

    def _entry(self, session: Session, id_number: str) -> IdentityRegisterEntry | None:
        return session.scalar(select(IdentityRegisterEntry).where(
            IdentityRegisterEntry.id_hash == pii.keyed_hash("id", id_number)))

    def name_matches(self, session: Session, *, id_number: str, name: str) -> bool:
        entry = self._entry(session, id_number)
        return entry is not None and entry.name_hash == _name_key(id_number, name)

    def bank_card_matches(self, session: Session, *, id_number: str, name: str, card_number: str,
                          phone: str) -> bool:
        entry = self._entry(session, id_number)
        return (entry is not None and entry.name_hash == _name_key(id_number, name)
                and entry.bank_card_hash == pii.keyed_hash("card", card_number)
                and entry.phone_hash == pii.keyed_hash("phone", phone))


def verifier() -> IdentityVerifier:
    configured = get_settings().identity_verifier.strip()
    if configured in ("", "register"):
        return RegisterVerifier()
    module, _, factory = configured.partition(":")
    if not factory:
        raise InvalidInput(f"实名认证服务配置“{configured}”无效，应为 register 或 模块:工厂函数",
                           field="identity_verifier")
    return cast(IdentityVerifier, getattr(importlib.import_module(module), factory)())


def enrol(session: Session, *, id_number: str, name: str, bank_card: str | None = None,
          phone: str | None = None) -> None:
    """Adds (or updates) a person on the local register: the demo's population and the tests'."""
    key = pii.keyed_hash("id", id_number)
    entry = session.scalar(select(IdentityRegisterEntry).where(IdentityRegisterEntry.id_hash == key))
    if entry is None:
        entry = IdentityRegisterEntry(id_hash=key, name_hash="")
        session.add(entry)
    entry.name_hash = _name_key(id_number, name)
    entry.bank_card_hash = pii.keyed_hash("card", bank_card) if bank_card else None
    entry.phone_hash = pii.keyed_hash("phone", phone) if phone else None
    session.flush()


def register_row(*, id_number: str, name: str, bank_card: str | None, phone: str | None) -> dict[str, str | None]:
    """The register row `enrol` would write, for the demo's bulk insert."""
    return {"id_hash": pii.keyed_hash("id", id_number), "name_hash": _name_key(id_number, name),
            "bank_card_hash": pii.keyed_hash("card", bank_card) if bank_card else None,
            "phone_hash": pii.keyed_hash("phone", phone) if phone else None}
