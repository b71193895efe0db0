"""GCJ-02 (the "Mars" coordinates of Chinese web maps) to and from WGS-84. Sites and bookings are
stored in WGS-84 (what the distances and the solver use); a point typed from a Chinese map app is in
GCJ-02, so the form says which one was entered and the entry is converted. The forward formula is the
published one; the inverse is found by iterating it (error well under a metre)."""

from __future__ import annotations

import math

_A = 6378245.0
_EE = 0.00669342162296594323


# Mainland China, roughly: a booking outside it is refused (no city of ours lies there).
CHINA_LAT = (3.86, 53.55)
CHINA_LON = (73.66, 135.05)


def in_china(lat: float, lon: float) -> bool:
    return CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LON[0] <= lon <= CHINA_LON[1]


def _in_china(lat: float, lon: float) -> bool:
    """Where the GCJ-02 offset is applied (a wider box than `in_china`)."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _dlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if not _in_china(lat, lon):
        return lat, lon
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = _dlat(lon - 105.0, lat - 35.0) * 180.0 / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = _dlon(lon - 105.0, lat - 35.0) * 180.0 / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        if abs(glat - lat) < 1e-9 and abs(glon - lon) < 1e-9:
            break
        wlat, wlon = wlat - (glat - lat), wlon - (glon - lon)
    return wlat, wlon


def to_wgs84(lat: float, lon: float, system: str) -> tuple[float, float]:
    return gcj02_to_wgs84(lat, lon) if system == "gcj02" else (lat, lon)


def as_entered(lat: float, lon: float, system: str) -> tuple[float, float]:
    """A stored (WGS-84) position in the system it was entered in, for the form and the export."""
    return wgs84_to_gcj02(lat, lon) if system == "gcj02" else (lat, lon)
