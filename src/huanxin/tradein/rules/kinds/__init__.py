"""The small named rule functions, one module per kind of programme. Each module offers
`rules(ev)` (checks and amount, recorded in the evaluation's trace), `reserve(value, category)`
(the most one qualification can cost) and `PROOFS` (old-item proofs the kind always needs)."""

from __future__ import annotations

from types import ModuleType

from huanxin.tradein.rules.kinds import appliance, car_replace, car_scrap, digital, ebike, home_decor

KIND_RULES: dict[str, ModuleType] = {
    "appliance": appliance, "digital": digital, "car_scrap": car_scrap, "car_replace": car_replace,
    "ebike": ebike, "home_decor": home_decor,
}
