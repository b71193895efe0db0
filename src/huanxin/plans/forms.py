"""Parsing of HTML form fields into service inputs, with errors that name the field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import UploadFile

from huanxin.errors import InvalidInput
from huanxin.kit import uploads
from huanxin.kit.clock import parse_date
from huanxin.kit.limits import check_int
from huanxin.plans.service import Upload

FIGURE_LINE = re.compile(r"^\s*(?P<label>[^=：:]+)[=：:]\s*(?P<value>-?\d+(?:\.\d+)?)\s*(?P<unit>\S*)\s*$")


def parse_int(text: str, field: str, label: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise InvalidInput(f"{label}须为整数，收到“{text[:20]}”", field=field) from None
    return check_int(value, field, label)


def parse_optional_date(text: str | None, field: str, label: str) -> dt.date | None:
    return parse_date(text, label, name=field) if text and text.strip() else None


def parse_figures(text: str) -> list[dict[str, Any]]:
    """One figure per line: 名称=数值单位 (e.g. 更新设备=120台)."""
    figures = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = FIGURE_LINE.match(line)
        if match is None:
            raise InvalidInput(f"量化数据第 {number} 行“{line.strip()}”格式应为 名称=数值单位", field="figures")
        figures.append({"label": match["label"].strip(), "value": float(match["value"]), "unit": match["unit"]})
    return figures


async def read_uploads(files: list[UploadFile] | None) -> list[Upload]:
    """Attachments, each read in chunks and refused past the upload limit (kit.uploads, 413)."""
    out = []
    for f in files or []:
        if f.filename:
            out.append(Upload(filename=f.filename, content_type=f.content_type or "application/octet-stream",
                              data=await uploads.read_upload(f, field="attachments")))
    return out
