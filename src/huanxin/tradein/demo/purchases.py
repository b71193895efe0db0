"""What a generated claim buys and what the rules engine decides for it (cached), with the small
helpers the claim generator shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from huanxin.kit.identifiers import vin_check_char
from huanxin.tradein.claims import evaluation
from huanxin.tradein.demo.specs import (
    MODELS,
    NEV_CARS,
    PRICE_FACTORS,
    Shop,
)
from huanxin.tradein.demo.state import _State
from huanxin.tradein.rules.model import Decision


@dataclass(frozen=True)
class Product:
    category: str
    brand: str
    model: str
    price_fen: int
    grade: int | None
    car: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None



class _Purchases(_State):
    """The claim generator's products, evidence and rules decisions."""

    def _product(self, code: str, category: str, grade: int | None, factor: float | None) -> Product:
        rng = self.rng
        kind = self.rules[code].kind
        brand, model, price = rng.choice(MODELS[category])
        # Prices from a small set around the model's reference price (promotions, bundles): real
        # tills show the same few prices again and again, and the decision cache relies on it.
        factor = factor or rng.choice(PRICE_FACTORS)
        price_fen = int(round(price * factor)) * 100 - (100 if rng.random() < 0.5 else 0)
        if kind == "appliance":
            grade = grade or (1 if rng.random() < 0.62 else (2 if rng.random() < 0.97 else 3))
        elif kind == "digital" and model == "iPhone16ProMax":
            price_fen = 999900 if rng.random() < 0.3 else 599900  # over the 6,000 limit, or sold at the limit
        car_inputs = None
        extra = None
        if kind in ("car_scrap", "car_replace"):
            nev = model in NEV_CARS
            old_fuel = rng.choice(["petrol", "petrol", "petrol", "diesel", "nev"])
            latest = {"petrol": dt.date(2011, 6, 30), "diesel": dt.date(2013, 6, 30), "nev": dt.date(2018, 4, 30)}
            registered = latest[old_fuel] - dt.timedelta(days=rng.choice([30, 200, 400, 900, 1500]))
            car_inputs = {"new_vehicle_fuel": "nev" if nev else "fuel", "new_vehicle_displacement_l": None if nev
                          else 1.5, "old_vehicle_fuel": old_fuel, "old_vehicle_registered_on": registered,
                          "old_vehicle_owned_since": registered + dt.timedelta(days=10),
                          "old_emission_standard": None if old_fuel == "nev" else "国三"}
        if kind == "ebike":
            extra = {"old_ebike_registered_to_applicant": True, "new_ebike_compliant": True}
        return Product(category, brand, model.replace(" ", "").upper() if kind != "home_decor" else model,
                       price_fen, grade if kind == "appliance" else None, car_inputs, extra)

    def _proof_kinds(self, code: str, product: Product) -> tuple[str, ...]:
        kind = self.rules[code].kind
        if kind == "car_scrap":
            return ("deregistration", "scrap_cert")
        if kind == "car_replace":
            return ("sale_record",)
        if kind == "ebike":
            return ("recycling_cert",)
        if kind == "appliance" and _stable_fraction(product.model, product.price_fen) < 0.45:
            return ("recycling_cert",)
        return ()

    def _decide(self, code: str, product: Product, day: dt.date) -> Decision:
        key = (code, product.category, product.grade, product.price_fen, self._proof_kinds(code, product),
               tuple(sorted((product.car or {}).items())), day.year, day >= dt.date(2025, 1, 20))
        found = _DECISIONS.get(key)
        if found is None:
            found = evaluation.evaluate(self._case(code, product, day))
            _DECISIONS[key] = found
        return found

    def _case(self, code: str, product: Product, day: dt.date) -> Any:
        data: dict[str, Any] = {"programme": code, "category": product.category, "price_fen": product.price_fen,
                                "efficiency_grade": product.grade, "invoice_date": day, "applied_on": day,
                                "region_code": self.city.counties[0],
                                "old_proof_kinds": list(self._proof_kinds(code, product)),
                                **(product.car or {})}
        if product.extra:
            data["extra"] = product.extra
        return evaluation.case(data)

    def _decision_dict(self, decision: Decision, code: str, product: Product, day: dt.date, *,
                       full: bool) -> dict[str, Any]:
        """Live claims and the named residents' keep the whole decision with its trace, evaluated on
        their own day; settled history keeps the outcome and reasons (the trace is the same
        rules run again on `inputs`, so the database stays small)."""
        if full:
            return evaluation.evaluate(self._case(code, product, day)).to_dict()
        shared = _COMPACT.get(id(decision))
        if shared is not None:
            return shared
        shared = {"programme": code, "eligible": decision.eligible,
                "amount_fen": decision.amount_fen, "by_source": dict(decision.by_source),
                "reasons": list(decision.reasons), "exclusive_keys": list(decision.exclusive_keys),
                "required_proofs": list(decision.required_proofs), "reserve_fen": decision.reserve_fen,
                "quotas": [], "trace": [], "trace_note": "演示批量数据：完整判定依据可按 inputs 由规则引擎重算"}
        _COMPACT[id(decision)] = shared  # one dict per cached decision (kept alive by _DECISIONS)
        return shared

    def _identifiers(self, code: str, product: Product, cid: int, day: dt.date) -> dict[str, str]:
        city = self.city.code
        out = {"invoice": f"{day:%y}{city}{cid:012d}"}
        kind = self.rules[code].kind
        if kind in ("appliance", "digital", "ebike"):
            out["serial"] = f"SN{city[:4]}{cid:010d}"
        proofs = self._proof_kinds(code, product)
        for proof in proofs:
            out[proof] = {"recycling_cert": "HS", "scrap_cert": "BF", "deregistration": "ZX",
                          "sale_record": "JY"}[proof] + f"{city}{cid:010d}"
        if kind in ("car_scrap", "car_replace"):
            out["new_car_vin"] = _vin("LGX", cid)
            out["old_car_vin"] = _vin("LFV", cid)
        return out

    def _inputs(self, code: str, product: Product, day: dt.date, shop: Shop, invoice_no: str, serial: str | None,
                proofs: dict[str, str], identifiers: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {"programme": code, "category": product.category, "price_fen": product.price_fen,
                               "invoice_date": day.isoformat(), "applied_on": day.isoformat(),
                               "region_code": shop.region, "old_proof_kinds": sorted(proofs), "brand": product.brand,
                               "model": product.model, "invoice_no": invoice_no, "proofs": proofs}
        if product.grade is not None:
            out["efficiency_grade"] = product.grade
        if serial:
            out["serial"] = serial
        for key, value in (product.car or {}).items():
            if value is not None:
                out[key] = value.isoformat() if isinstance(value, dt.date) else value
        if "new_car_vin" in identifiers:
            out["new_vin"], out["old_vin"] = identifiers["new_car_vin"], identifiers["old_car_vin"]
        if product.extra:
            out["extra"] = product.extra
        return out



_DECISIONS: dict[tuple[Any, ...], Decision] = {}
_QUOTAS: dict[tuple[str, str, int], list[Any]] = {}
_CACHE: dict[tuple[Any, ...], Any] = {}
_COMPACT: dict[int, dict[str, Any]] = {}


def _by_source(decision: Decision) -> dict[str, int]:
    key = ("by_source", id(decision))
    if key not in _CACHE:
        _CACHE[key] = dict(decision.by_source) if decision.eligible else {}
    return _CACHE[key]  # type: ignore[no-any-return]


def _reserve_cached(code: str, category: str, day: dt.date) -> int:
    """The most one item can get: constant within a programme year (cached, it runs the rules)."""
    key = (code, category, day.year, "reserve")
    if key not in _CACHE:
        _CACHE[key] = evaluation.qualification_reserve(code, category, day)
    return int(_CACHE[key])


def _quotas_cached(code: str, category: str, year: int, day: dt.date) -> list[Any]:
    key = (code, category, year)
    if key not in _QUOTAS:
        _QUOTAS[key] = evaluation.qualification_quotas(code, category, day)
    return _QUOTAS[key]


def _bisect(cumulative: list[float], x: float) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _stable_fraction(model: str, price: int) -> float:
    """A deterministic share in [0, 1) (Python's str hash is salted per process)."""
    return ((sum(map(ord, model)) * 31 + price // 100) % 100) / 100


def _ref_price(product: Product) -> int | None:
    for brand, model, price in MODELS.get(product.category, []):
        if brand == product.brand and model.replace(" ", "").upper() == product.model:
            return price * 100
    return None


def _vin(wmi: str, n: int) -> str:
    body = f"{wmi}A1B2C" + "0" + "R" + "A" + f"{n:06d}"[-6:]
    body = body[:8] + "0" + body[9:]
    serial_extra = "ABCDEFGHJKLMNPRSTUVWXYZ"[(n // 1_000_000) % 23]
    body = body[:10] + serial_extra + body[11:]
    vin = body[:8] + vin_check_char(body) + body[9:]
    return vin


def _event_rows(cid: int, events: list[tuple[str | None, str, str, str, dt.datetime]]) -> list[dict[str, Any]]:
    return [{"claim_id": cid, "from_status": f, "to_status": t, "note": note[:2000], "actor": actor[:60], "at": at}
            for f, t, note, actor, at in events]


def _yuan(fen: int) -> str:
    whole, cents = divmod(int(fen), 100)
    return f"{whole}" if not cents else f"{whole}.{cents:02d}".rstrip("0")
