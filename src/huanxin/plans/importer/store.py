"""Keeps a proposal between the upload and the commit, as JSON under var/imports/<uuid>.json.

Why a file and not a signed hidden field: a proposal with its source text weighs 100–300 KB, which a
hidden field would send back and forth on every save; a file keeps it server-side, survives restarts,
and needs no migration (the importer owns no table). The id is a random UUID and every read checks
that the record belongs to the caller's city, so an id seen by another city's office is useless.
Records older than a week are pruned; a commit deletes its record. A deployment with several
machines must share var/ (or keep one web node for imports): noted in docs/plan-import.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from huanxin.config import VAR_DIR
from huanxin.errors import NotFound
from huanxin.kit.clock import now
from huanxin.plans.importer.proposal import Proposal

KEEP_DAYS = 7
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def imports_dir() -> Path:
    # HUANXIN_IMPORT_DIR lets tests and deployments put the records elsewhere than ./var/imports.
    path = Path(os.environ.get("HUANXIN_IMPORT_DIR") or VAR_DIR / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class ImportRecord:
    id: str
    city: str
    user_id: int | None
    created_at: dt.datetime
    proposal: Proposal
    replaces: int | None = None  # id of the loaded plan this document is a newer version of
    error: str | None = None  # the last commit's error, shown on the review page
    committed_plan: int | None = None  # set by the commit; the database stays the truth
    # The office ticked “我确认这是本市的方案” (needed when the issuer names no known region).
    city_confirmed: bool = False

    def to_json(self) -> str:
        return json.dumps({
            "id": self.id, "city": self.city, "user_id": self.user_id, "created_at": self.created_at.isoformat(),
            "replaces": self.replaces, "error": self.error, "committed_plan": self.committed_plan,
            "city_confirmed": self.city_confirmed, "proposal": json.loads(self.proposal.model_dump_json(by_alias=True)),
        }, ensure_ascii=False)


def _path(import_id: str) -> Path:
    if not ID_PATTERN.match(import_id):
        raise NotFound("未找到该导入记录（编号无效）")
    return imports_dir() / f"{import_id}.json"


def new_id() -> str:
    return uuid.uuid4().hex


def save(record: ImportRecord) -> None:
    path = _path(record.id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(record.to_json(), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash mid-write never leaves half a proposal


def load(import_id: str, city: str) -> ImportRecord:
    path = _path(import_id)
    if not path.exists():
        raise NotFound("未找到该导入记录：可能已导入、已过期或已被删除，请重新上传文件")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if raw["city"] != city:
        raise NotFound("未找到该导入记录")
    return ImportRecord(
        id=raw["id"], city=raw["city"], user_id=raw.get("user_id"),
        created_at=dt.datetime.fromisoformat(raw["created_at"]), replaces=raw.get("replaces"),
        error=raw.get("error"), committed_plan=raw.get("committed_plan"),
        city_confirmed=bool(raw.get("city_confirmed", False)),
        proposal=Proposal.model_validate(raw["proposal"]),
    )


def delete(import_id: str) -> None:
    _path(import_id).unlink(missing_ok=True)


def prune(days: int = KEEP_DAYS) -> int:
    cutoff = now().timestamp() - days * 86400
    removed = 0
    for path in imports_dir().glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
