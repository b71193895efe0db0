"""The one-time redemption code (核销码): what a resident shows at the till instead of their ID card,
as the real programmes' apps do. The resident's page shows a short code (and its QR code) that is
valid for ten minutes and for one redemption; a new one replaces it. Only its keyed hash is kept,
so the code is shown once, when it is made, and nobody can read it back (see kit.pii.keyed_hash).

The retailer gives the qualification number with either the holder's ID number or this code;
both are checked in one place, `repository.presented_qualification`, which redemption calls."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import segno
from markupsafe import Markup
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit import audit, pii
from huanxin.kit.clock import now
from huanxin.orgs.scope import Scope
from huanxin.tradein.claims import lifecycle as claims
from huanxin.tradein.models import Qualification, RedemptionCode
from huanxin.tradein.residents import identity

DIGITS = 8
VALID_FOR = dt.timedelta(minutes=10)
_CODE = re.compile(rf"\d{{{DIGITS}}}")
# What the QR code holds: a till's scanner types it into the qualification-number field, which
# then carries both the number and the code ("HX" + qualification number + "-" + code).
_SCANNED = re.compile(rf"HX(\d{{1,18}})-(\d{{{DIGITS}}})", re.IGNORECASE)


@dataclass(frozen=True)
class IssuedCode:
    qualification_id: int
    code: str
    expires_at: dt.datetime

    @property
    def scanned(self) -> str:
        return f"HX{self.qualification_id}-{self.code}"

    def qr_svg(self) -> Markup:
        """The QR code as inline SVG, made on the server (no script, no image request)."""
        svg = segno.make(self.scanned, error="m").svg_inline(scale=5, title=f"核销码 {self.code}")
        return Markup(svg)  # segno's own markup: the only text in it is the digits above


@dataclass(frozen=True)
class Shown:
    """What the resident showed with the qualification number, as keyed hashes only."""

    holder_id_hash: str | None = None
    code_hash: str | None = None


def code_hash(qualification_id: int, code: str) -> str:
    """Keyed by the qualification too: a code is worth nothing for any other qualification."""
    return pii.keyed_hash("redemption_code", f"{qualification_id}:{code}")


def clean_code(raw: str) -> str:
    code = "".join(raw.split())
    if not _CODE.fullmatch(code):
        raise InvalidInput(f"核销码应为居民页面显示的{DIGITS}位数字", field="redemption_code")
    return code


def scanned(text: str) -> tuple[int, str] | None:
    """(qualification number, code) when `text` is what the QR code holds, else None."""
    match = _SCANNED.fullmatch(text.strip())
    return (int(match.group(1)), match.group(2)) if match else None


def shown(qualification_id: int, *, id_number: str | None, code: str | None) -> Shown:
    """The holder's ID number or the redemption code (one of them is enough), as their keyed hashes."""
    if code and code.strip():
        return Shown(code_hash=code_hash(qualification_id, clean_code(code)))
    if not (id_number or "").strip():
        raise InvalidInput("请填写居民页面显示的核销码，或资格持有人的身份证号", field="id_number")
    return Shown(holder_id_hash=identity.holder_id_hash(id_number))


def issue(session: Session, scope: Scope, qualification: Qualification, at: dt.datetime | None = None) -> IssuedCode:
    """A new code for the resident's own usable qualification (the caller resolved it in the
    resident's scope); the previous one, if any, stops working."""
    moment = at or now()
    claims.check_usable(qualification, moment)
    code = "".join(secrets.choice("0123456789") for _ in range(DIGITS))
    expires_at = moment + VALID_FOR
    row = session.get(RedemptionCode, qualification.id)
    if row is None:
        row = RedemptionCode(qualification_id=qualification.id)
        session.add(row)
    row.code_hash = code_hash(qualification.id, code)
    row.issued_at, row.expires_at, row.used_at = moment, expires_at, None
    session.flush()
    audit.record(session, actor=scope.username, action="tradein_redemption_code_issued",
                 entity="tradein_qualification", entity_id=qualification.id, city_code=qualification.city_code,
                 detail={"expires_at": expires_at.isoformat()})  # never the code
    return IssuedCode(qualification.id, code, expires_at)
