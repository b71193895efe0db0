"""Travel models: how far and how long between two points, as integers the solver can use.

`Haversine` is for city days: great-circle metres times a detour factor (road against straight line,
1.3 by default) at an urban speed (25 km/h by default). `Euclidean` is for benchmark instances such as
Solomon's, where travel time equals distance; both are scaled by `scale` and rounded so the integer
solver keeps the precision the best-known results use. `Matrix` takes given integer matrices over the
problem's points in order: depots first, then stops."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from huanxin.recycling.geo import EARTH_RADIUS_M, haversine_m

Point = tuple[float, float]  # (x, y): (longitude, latitude) for haversine
IntMatrix = NDArray[np.int64]


@dataclass(frozen=True)
class Haversine:
    detour: float = 1.3
    speed_kmh: float = 25.0

    def leg(self, a: Point, b: Point, i: int = 0, j: int = 0) -> tuple[int, int]:
        dist = round(haversine_m(a[1], a[0], b[1], b[0]) * self.detour)
        return dist, round(dist / (self.speed_kmh / 3.6))

    def matrices(self, points: Sequence[Point]) -> tuple[IntMatrix, IntMatrix]:
        lon = np.radians(np.array([p[0] for p in points]))
        lat = np.radians(np.array([p[1] for p in points]))
        dphi = lat[None, :] - lat[:, None]
        dlam = lon[None, :] - lon[:, None]
        h = np.sin(dphi / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlam / 2) ** 2
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h))) * self.detour
        dist = np.rint(metres).astype(np.int64)
        return dist, np.rint(dist / (self.speed_kmh / 3.6)).astype(np.int64)


@dataclass(frozen=True)
class Euclidean:
    scale: int = 1000

    def leg(self, a: Point, b: Point, i: int = 0, j: int = 0) -> tuple[int, int]:
        dist = round(math.hypot(a[0] - b[0], a[1] - b[1]) * self.scale)
        return dist, dist

    def matrices(self, points: Sequence[Point]) -> tuple[IntMatrix, IntMatrix]:
        xy = np.array(points, dtype=float)
        diff = xy[:, None, :] - xy[None, :, :]
        dist = np.rint(np.sqrt((diff**2).sum(axis=2)) * self.scale).astype(np.int64)
        return dist, dist.copy()


@dataclass(frozen=True)
class Matrix:
    distance: tuple[tuple[int, ...], ...]
    duration: tuple[tuple[int, ...], ...]

    def leg(self, a: Point, b: Point, i: int = 0, j: int = 0) -> tuple[int, int]:
        return self.distance[i][j], self.duration[i][j]

    def matrices(self, points: Sequence[Point]) -> tuple[IntMatrix, IntMatrix]:
        return np.array(self.distance, dtype=np.int64), np.array(self.duration, dtype=np.int64)


TravelModel = Haversine | Euclidean | Matrix
