"""Distances on the earth's surface, for coverage and for the fleet's travel model.

Coordinates are WGS-84 degrees. The haversine distance is the great-circle distance on a sphere of
the mean earth radius (IUGG 6,371,008.8 m): within a city its error against the ellipsoid is under
0.5%, far below the detour between a straight line and the road."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
