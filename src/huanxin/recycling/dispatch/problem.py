"""What the planner is given and what it answers: plain frozen dataclasses, no database.

Times are integer seconds from the day's origin (or the instance's own time unit for benchmark
instances, scaled like distances); demand and capacity are (weight in grams, volume in litres), so
both dimensions bind independently. A stop is a booking: the collector picks the goods up, so the
load grows along the route and falls back to zero at a reload depot."""

from __future__ import annotations

from dataclasses import dataclass, field

from huanxin.recycling.dispatch.travel import TravelModel


@dataclass(frozen=True)
class Depot:
    id: str
    x: float  # longitude for the haversine model
    y: float  # latitude for the haversine model
    opens: int = 0
    closes: int = 24 * 3600


@dataclass(frozen=True)
class Stop:
    id: str  # the booking id
    x: float
    y: float
    window_start: int
    window_end: int  # latest start of service
    service: int
    weight_g: int
    volume_l: int
    required: bool = True
    prize: int = 0  # for optional stops, in distance units (metres), what serving it is worth


@dataclass(frozen=True)
class Vehicle:
    id: str
    depot_id: str
    capacity_weight_g: int
    capacity_volume_l: int
    shift_start: int
    shift_end: int
    reload_depot_ids: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()  # stop ids already visited or under way, in order: kept at the head


@dataclass(frozen=True)
class DispatchProblem:
    depots: tuple[Depot, ...]
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    travel: TravelModel


@dataclass(frozen=True)
class Visit:
    kind: str  # "stop" or "reload"
    ref: str  # stop id or depot id
    arrival: int
    start: int
    departure: int
    load_weight_g: int  # on board after the visit
    load_volume_l: int


@dataclass(frozen=True)
class VehicleRoute:
    vehicle_id: str
    start: int
    end: int
    visits: tuple[Visit, ...]
    distance: int
    duration: int


@dataclass(frozen=True)
class Unserved:
    stop_id: str
    reason: str


@dataclass(frozen=True)
class DispatchPlan:
    routes: tuple[VehicleRoute, ...]
    unserved: tuple[Unserved, ...]
    total_distance: int
    total_duration: int
    lateness: int
    notes: tuple[str, ...] = field(default=())
