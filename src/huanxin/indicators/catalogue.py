"""The shipped indicator catalogue (`huanxin/data/indicators/*.yaml`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "data" / "indicators"


class IndicatorDef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    unit: str
    direction: Literal["up", "down"]
    action: str
    definition: str


@cache
def catalogue() -> dict[str, IndicatorDef]:
    """All indicators, by code; a code defined twice is an error in the shipped data."""
    out: dict[str, IndicatorDef] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            item = IndicatorDef.model_validate(raw)
            if item.code in out:
                raise ValueError(f"{path.name}: 指标代码 {item.code} 重复定义")
            out[item.code] = item
    return out
