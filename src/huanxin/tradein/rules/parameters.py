"""The trade-in rules' dated parameters: the files under `parameters/` (sub-folders included),
read by the shared store `huanxin.rules.parameters` (its docstring says how a file looks, how a
retroactive value works and what `known_on` means)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from huanxin.rules.parameters import ParameterDirectory, ParameterSet
from huanxin.rules.parameters import load_parameters as load_parameters

PARAMETERS_DIR = Path(__file__).with_name("parameters")
_SHIPPED = ParameterDirectory(PARAMETERS_DIR)


def default_parameters() -> ParameterSet:
    return _SHIPPED.parameters()


def param(path: str, on: dt.date, known_on: dt.date | None = None) -> tuple[Any, dt.date, str]:
    """(value, effective_from, source) of a parameter of the shipped files on a date."""
    return _SHIPPED.param(path, on, known_on)
