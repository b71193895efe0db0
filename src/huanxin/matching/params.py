"""Key parameters read from what enterprises write: "55kW", "1000kVA", "10t/h", and designations such
as CPD30 (an electric counterbalance forklift of 3 t: the number is tenths of a tonne, JB/T 2391
naming), SCB13-1000/10 (a dry transformer of 1000 kVA) or WNS4-1.25-Q (a 4 t/h boiler).

A demand's size is a range: a single number means "at least that size and at most 20 % more"
(SINGLE_SIZE_SPAN), which keeps a 55 kW need from being met by a 75 kW motor."""

from __future__ import annotations

import re

SINGLE_SIZE_SPAN = 1.2
_NUM = r"(\d+(?:\.\d+)?)"

# Patterns per parameter, tried in order; group 1 is the number, `scale` converts it to the unit.
_PATTERNS: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "power_kw": [(re.compile(_NUM + r"\s*(?:kw|千瓦)(?![a-z])", re.I), 1.0)],
    "capacity_kva": [
        (re.compile(_NUM + r"\s*(?:kva|千伏安)", re.I), 1.0),
        (re.compile(r"(?<![a-z0-9])(?:scb|sc|sbh|sh|sz|s)\d{1,2}-(?:m-|mrl-)?(\d{2,5})(?!\d)", re.I), 1.0),
    ],
    "flow_m3h": [(re.compile(_NUM + r"\s*(?:m³/h|m3/h|立方米/小时|方/小时)", re.I), 1.0)],
    "airflow_m3h": [(re.compile(_NUM + r"\s*(?:m³/h|m3/h|立方米/小时|方/小时)", re.I), 1.0)],
    "flow_m3min": [(re.compile(_NUM + r"\s*(?:m³/min|m3/min|立方米/分钟?|方/分钟?)", re.I), 1.0)],
    "steam_th": [
        (re.compile(_NUM + r"\s*(?:t/h|吨/小时|蒸吨)", re.I), 1.0),
        (re.compile(r"(?<![a-z0-9])(?:wns|szs|dzl|szl|lsc|dzh)" + _NUM + r"-", re.I), 1.0),
    ],
    "travel_mm": [(re.compile(r"行程\s*" + _NUM + r"\s*mm", re.I), 1.0),
                  (re.compile(_NUM + r"\s*mm", re.I), 1.0)],
    "capacity_t": [
        (re.compile(r"(?<![a-z0-9])cp(?:c|d|q|cd|qd)(\d{2,3})(?!\d)", re.I), 0.1),
        (re.compile(_NUM + r"\s*(?:吨|t)(?![/a-z])", re.I), 1.0),
    ],
    "payload_kg": [(re.compile(_NUM + r"\s*(?:kg|公斤|千克)", re.I), 1.0)],
    "cpu_cores": [(re.compile(_NUM + r"\s*核"), 1.0)],
    "slices": [(re.compile(_NUM + r"\s*排"), 1.0)],
    "probes": [(re.compile(_NUM + r"\s*个?探头"), 1.0)],
}


def parse(text: str, param: str) -> float | None:
    """The first value of `param` written in `text`, in the parameter's unit, else None."""
    for pattern, scale in _PATTERNS.get(param, []):
        match = pattern.search(text)
        if match:
            return round(float(match.group(1)) * scale, 6)
    return None


def as_range(value: float) -> tuple[float, float]:
    """A single size written by a buyer, as the range it means (module docstring)."""
    return (value, round(value * SINGLE_SIZE_SPAN, 6))
