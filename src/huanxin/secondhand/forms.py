"""Form parsing shared by the API and the pages: the wipe record's multipart form, and recording it
so that a refused record leaves only its reason behind."""

from __future__ import annotations

from fastapi import UploadFile
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit import uploads
from huanxin.orgs.scope import Scope
from huanxin.secondhand import wipes
from huanxin.secondhand.models import WipeRecord

TRUE = ("1", "true", "on", "yes")


def parse_passes(raw: str) -> int:
    cleaned = raw.strip() or "0"
    if not cleaned.isdigit():
        raise InvalidInput("覆写遍数应为整数", field="passes")
    return int(cleaned)


async def wipe_input(*, method: str, passes: str, includes_random_pass: str, media_type: str, tool_name: str,
                     tool_version: str, operator: str, verified: str, verification_method: str, wiped_at: str,
                     evidence: UploadFile | None) -> wipes.WipeInput:
    """The multipart form as a wipe record (shared with the page's form)."""
    data = b""
    if evidence is not None and evidence.filename:
        data = await uploads.read_upload(evidence, wipes.MAX_EVIDENCE_BYTES, field="evidence")
    return wipes.WipeInput(
        method=method, passes=parse_passes(passes), includes_random_pass=includes_random_pass.lower() in TRUE,
        media_type=media_type, tool_name=tool_name, tool_version=tool_version, operator=operator,
        verified=verified.lower() in TRUE, verification_method=verification_method,
        wiped_at=wipes.parse_wiped_at(wiped_at), evidence_name=(evidence.filename or "") if evidence else "",
        evidence_type=(evidence.content_type or "") if evidence else "", evidence=data)


def record_or_note_refusal(db: Session, scope: Scope, device_id: int, data: wipes.WipeInput) -> WipeRecord:
    """The wipe record; a refused one is rolled back whole and only its reason kept (for the credit
    score), committed before the refusal is answered."""
    try:
        return wipes.record(db, scope, device_id, data)
    except wipes.WipeRefused as refused:
        db.rollback()
        wipes.note_refusal(db, scope, device_id, refused)
        db.commit()
        raise
