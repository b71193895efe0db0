"""Vectorised evaluation of many cases at once (NumPy), for what-if runs over a season of claims
and for load figures. It reads the same programme files and dated parameters as the one-claim
path, and looks parameters up through the same step function (`Parameter.timeline`), so the two
agree (a Hypothesis test compares them on random cases).

Columns in (one array per field, all of the same length):

    programme, category                   str arrays
    price_fen                             int64
    efficiency_grade                      int64, 0 = not given
    invoice_date, applied_on              datetime64[D]
    region_code                           str (optional)
    old_vehicle_fuel, old_emission_standard, new_vehicle_fuel   str, "" = not given (optional)
    old_vehicle_registered_on, old_vehicle_owned_since          datetime64[D], NaT = not given
    new_vehicle_displacement_l            float64, NaN = not given
    proof.<kind>                          bool, e.g. proof.scrap_cert (optional, default False)
    on                                    datetime64[D], NaT = the programme's decision date (optional)

Columns out: valid (False where the one-claim path raises InvalidInput), eligible, amount_fen,
by_source.<source> (e.g. by_source.central). Kinds supported: appliance, digital, car_scrap,
car_replace, home_decor; a programme with city `conditions` on `extra` fields is evaluated one
claim at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from huanxin.errors import InvalidInput
from huanxin.rules.amounts import rate_bp
from huanxin.rules.parameters import ParameterSet
from huanxin.tradein.rules.kinds.car_scrap import cutoff_name
from huanxin.tradein.rules.model import EMISSION_STANDARDS
from huanxin.tradein.rules.registry import ProgrammeRules, Rulebook, default_rulebook

BATCH_KINDS = ("appliance", "digital", "car_scrap", "car_replace", "home_decor")
EPOCH = dt.date(1970, 1, 1)
ALWAYS = np.int64(-(10**9))  # an override applies on every date
NAT = np.iinfo(np.int64).min

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


def evaluate_batch(columns: Mapping[str, np.ndarray], *, rulebook: Rulebook | None = None) -> dict[str, np.ndarray]:
    book = rulebook or default_rulebook()
    programme = np.asarray(columns["programme"])
    n = len(programme)
    out: dict[str, np.ndarray] = {
        "valid": np.zeros(n, dtype=bool), "eligible": np.zeros(n, dtype=bool),
        "amount_fen": np.zeros(n, dtype=np.int64),
    }
    for code in np.unique(programme) if n < 4096 else _distinct(programme):
        rules = book.programme(str(code))
        if rules.kind not in BATCH_KINDS or rules.conditions:
            raise InvalidInput(f"批量评估不支持活动 {rules.code}，请逐笔评估", field="programme")
        rows = np.flatnonzero(programme == code)
        sub = {name: np.asarray(col)[rows] for name, col in columns.items() if name != "programme"}
        result = _ProgrammeBatch(book, rules, sub).run()
        for name, values in result.items():
            if name not in out:
                out[name] = np.zeros(n, dtype=values.dtype)
            out[name][rows] = values
    return out


def _distinct(values: np.ndarray) -> list[Any]:
    """Distinct values of a large, low-cardinality array without sorting all of it."""
    seen: list[Any] = []
    remaining = np.ones(len(values), dtype=bool)
    while remaining.any():
        value = values[np.argmax(remaining)]
        seen.append(value)
        remaining &= values != value
    return seen


def days(values: Any) -> Ints:
    """datetime64[D] (or dates, or ISO strings) → int64 days since 1970-01-01; NaT stays NAT."""
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _day(value: dt.date) -> int:
    return (value - EPOCH).days


class _ProgrammeBatch:
    def __init__(self, book: Rulebook, rules: ProgrammeRules, cols: dict[str, np.ndarray]):
        self.book, self.rules, self.cols = book, rules, cols
        self.params: ParameterSet = book.parameters
        self.n = len(cols["category"])
        self.category = np.asarray(cols["category"])
        self.price = np.asarray(cols["price_fen"], dtype=np.int64)
        self.grade = np.asarray(cols.get("efficiency_grade", np.zeros(self.n)), dtype=np.int64)
        self.invoice = days(cols["invoice_date"])
        self.applied = days(cols["applied_on"])
        basis = np.minimum(self.invoice if rules.date_basis == "invoice_date" else self.applied, _day(rules.ends_on))
        on = days(cols["on"]) if "on" in cols else None
        self.on = basis if on is None else np.where(on == NAT, basis, on)

    # ---- parameter lookup through the shared step function ----

    def steps(self, name: str) -> tuple[Ints, list[Any]]:
        path = self.rules.path(name) if not name.startswith("/") else name[1:]
        if path in self.params.overrides:
            return np.array([ALWAYS], dtype=np.int64), [self.params.overrides[path]]
        if path not in self.params.parameters:
            return np.array([], dtype=np.int64), []
        timeline = self.params.parameters[path].timeline
        return np.array([_day(d) for d, _ in timeline], dtype=np.int64), [v.value for _, v in timeline]

    def index(self, name: str) -> tuple[Ints, list[Any]]:
        """Per row, the index of the value in force on its decision date (-1 = none)."""
        starts, values = self.steps(name)
        return np.searchsorted(starts, self.on, side="right").astype(np.int64) - 1, values

    def number(self, name: str, convert: Any = None) -> tuple[np.ndarray, Bools]:
        idx, values = self.index(name)
        present = idx >= 0
        if not values:
            return np.zeros(self.n, dtype=np.int64), present
        table = np.array([convert(v) if convert else v for v in values])
        return table[np.maximum(idx, 0)], present

    def date(self, name: str) -> tuple[Ints, Bools]:
        values, present = self.number(name, _day)
        return values.astype(np.int64), present

    def member(self, name: str, prefix: str = "") -> Bools:
        """Is the row's category in the list parameter on its date?"""
        idx, values = self.index(name)
        inside = np.zeros(self.n, dtype=bool)
        for i, listed in enumerate(values):
            rows = idx == i
            inside[rows] = np.isin(self.category[rows], [prefix + c for c in listed])
        return inside

    def text(self, name: str) -> np.ndarray:
        value = self.cols.get(name)
        return np.full(self.n, "", dtype="<U1") if value is None else np.asarray(value).astype(str)

    def optional_days(self, name: str) -> Ints:
        value = self.cols.get(name)
        return np.full(self.n, NAT, dtype=np.int64) if value is None else days(value)

    def proof(self, kind: str) -> Bools:
        value = self.cols.get(f"proof.{kind}")
        return np.zeros(self.n, dtype=bool) if value is None else np.asarray(value, dtype=bool)

    # ---- the run ----

    def run(self) -> dict[str, np.ndarray]:
        valid = self.valid()
        ok = valid & self.gates()
        amount = np.zeros(self.n, dtype=np.int64)
        ok, amount = getattr(self, f"kind_{self.rules.kind}")(ok, amount)
        amount = np.minimum(amount, self.price)  # engine.not_above_price
        ok &= self.proofs_present()
        ok &= self.quota_rules_in_force()
        amount = np.where(ok, amount, 0)
        split, funded = self.split(amount)
        ok &= funded | (amount == 0)
        amount = np.where(ok, amount, 0)
        out = {"valid": valid, "eligible": ok, "amount_fen": amount}
        for source, values in split.items():
            out[f"by_source.{source}"] = np.where(ok, values, 0)
        return out

    def valid(self) -> Bools:
        known = np.isin(self.category, sorted(self.book.known_categories))
        grade_ok = (self.grade == 0) | ((self.grade >= 1) & (self.grade <= 5))
        ok = known & (self.price > 0) & grade_ok & (self.invoice <= self.applied)
        if "new_vehicle_displacement_l" in self.cols:
            disp = np.asarray(self.cols["new_vehicle_displacement_l"], dtype=np.float64)
            ok &= np.isnan(disp) | (disp > 0)
        return np.asarray(ok, dtype=bool)

    def gates(self) -> Bools:
        r = self.rules
        start = _day(r.starts_on)
        ok = (self.invoice >= start) & (self.invoice <= _day(r.ends_on)) & (self.applied >= start)
        if r.apply_until is not None:
            ok &= self.applied <= _day(r.apply_until)
        if r.regions:
            region = self.text("region_code")
            ok &= np.logical_or.reduce([np.char.startswith(region, p) for p in r.regions])
        spec = r.category_spec
        if isinstance(spec, dict):
            ok &= self.member(spec["parameter"], spec.get("prefix", ""))
        else:
            ok &= np.isin(self.category, list(spec))
        return ok

    def rate_amount(self, name: str, rows: Bools) -> tuple[Ints, Bools]:
        idx, values = self.index(name)
        bp = np.array([rate_bp(v) for v in values] or [0], dtype=np.int64)[np.maximum(idx, 0)]
        return np.where(rows, self.price * bp // 10000, 0), idx >= 0

    def capped(self, amount: Ints, name: str) -> tuple[Ints, Bools]:
        cap, present = self.number(name)
        return np.minimum(amount, cap.astype(np.int64)), present

    def kind_appliance(self, ok: Bools, amount: Ints) -> tuple[Bools, Ints]:
        max_grade, present = self.number("max_grade")
        ok = ok & (self.grade > 0) & present & (self.grade <= max_grade)
        for grade in range(1, 6):
            rows = ok & (self.grade == grade)
            if not rows.any():
                continue
            by_rate, has_rate = self.rate_amount(f"rate.grade{grade}", rows)
            ok &= ~rows | has_rate
            amount = np.where(rows, by_rate, amount)
        amount, has_cap = self.capped(amount, "cap_per_item")
        return ok & has_cap, amount

    def kind_digital(self, ok: Bools, amount: Ints) -> tuple[Bools, Ints]:
        limit, present = self.number("max_unit_price")
        ok = ok & present & (self.price <= limit)
        amount, has_rate = self.rate_amount("rate", ok)
        amount, has_cap = self.capped(amount, "cap_per_item")
        return ok & has_rate & has_cap, amount

    def kind_home_decor(self, ok: Bools, amount: Ints) -> tuple[Bools, Ints]:
        amount, has_rate = self.rate_amount("rate", ok)
        amount, has_cap = self.capped(amount, "cap_per_claim")
        return ok & has_rate & has_cap, amount

    def owned_by_cutoff(self, ok: Bools) -> Bools:
        if self.rules.path("old_car.owned_by") not in self.params:
            return ok
        cutoff, present = self.date("old_car.owned_by")
        since = self.optional_days("old_vehicle_owned_since")
        return np.asarray(ok & (~present | ((since != NAT) & (since <= cutoff))), dtype=bool)

    def kind_car_scrap(self, ok: Bools, amount: Ints) -> tuple[Bools, Ints]:
        fuel = self.text("old_vehicle_fuel")
        registered = self.optional_days("old_vehicle_registered_on")
        ok = ok & (fuel != "")
        for old in ("petrol", "diesel", "other", "nev"):
            rows = fuel == old
            if not rows.any():
                continue
            cutoff, present = self.date(f"old_car.registered_by.{cutoff_name(old)}")
            ok &= ~rows | (present & (registered != NAT) & (registered <= cutoff))
        standard = self.text("old_emission_standard")
        rated = (fuel != "nev") & (standard != "")
        if rated.any():
            limit_idx, limits = self.index("old_car.max_emission_standard")
            rank = {s: i for i, s in enumerate(EMISSION_STANDARDS)}
            limit_rank = np.array([rank[v] for v in limits] or [0])[np.maximum(limit_idx, 0)]
            row_rank = np.full(self.n, -1, dtype=np.int64)
            for s, i in rank.items():
                row_rank[standard == s] = i
            ok &= ~rated | ((limit_idx >= 0) & (row_rank <= limit_rank))
        ok = self.owned_by_cutoff(ok)
        new = self.text("new_vehicle_fuel")
        nev_amount, nev_present = self.number("amount.nev")
        fuel_amount, fuel_present = self.number("amount.fuel")
        max_disp, disp_present = self.number("new_fuel_max_displacement_l")
        disp = self._displacement()
        buys_nev = new == "nev"
        buys_fuel = (new == "fuel") & (fuel != "nev") & ~np.isnan(disp) & disp_present & (disp <= max_disp)
        ok &= (buys_nev & nev_present) | (buys_fuel & fuel_present)
        amount = np.where(buys_nev, nev_amount, fuel_amount).astype(np.int64)
        return ok, amount

    def kind_car_replace(self, ok: Bools, amount: Ints) -> tuple[Bools, Ints]:
        ok = self.owned_by_cutoff(ok)
        new = self.text("new_vehicle_fuel")
        nev_amount, nev_present = self.number("amount.nev")
        fuel_amount, fuel_present = self.number("amount.fuel")
        ok &= ((new == "nev") & nev_present) | ((new == "fuel") & fuel_present)
        return ok, np.where(new == "nev", nev_amount, fuel_amount).astype(np.int64)

    def _displacement(self) -> npt.NDArray[np.float64]:
        value = self.cols.get("new_vehicle_displacement_l")
        return np.full(self.n, np.nan) if value is None else np.asarray(value, dtype=np.float64)

    def proofs_present(self) -> Bools:
        from huanxin.tradein.rules.kinds import KIND_RULES

        ok = np.ones(self.n, dtype=bool)
        for kind in dict.fromkeys([*KIND_RULES[self.rules.kind].PROOFS, *self.rules.required_proofs]):
            ok &= self.proof(kind)
        return ok

    def quota_rules_in_force(self) -> Bools:
        ok = np.ones(self.n, dtype=bool)
        for rule in self.rules.quotas:
            if isinstance(rule.limit, str):
                ok &= self.index(rule.limit)[0] >= 0
            elif isinstance(rule.limit, dict):
                specific = np.isin(self.category, [c for c in rule.limit if c != "per_category"])
                for category, name in rule.limit.items():
                    rows = ~specific if category == "per_category" else self.category == category
                    ok &= ~rows | (self.index(name)[0] >= 0)
            if rule.money_cap:
                ok &= self.index(rule.money_cap)[0] >= 0
        return ok

    def split(self, amount: Ints) -> tuple[dict[str, Ints], Bools]:
        idx, values = self.index("/" + self.rules.funding)
        names = list(dict.fromkeys(name for parts in values for name in parts))
        out = {name: np.zeros(self.n, dtype=np.int64) for name in names}
        for i, parts in enumerate(values):
            rows = idx == i
            for name, share in _split_vector(amount[rows], parts).items():
                out[name][rows] = share
        return out, idx >= 0


def _split_vector(amount: Ints, parts: Mapping[str, int]) -> dict[str, Ints]:
    """engine.split_amount on arrays: floors, then the leftover fen to the largest remainders,
    ties to the source listed first."""
    names = list(parts)
    total = sum(parts.values())
    floors = [amount * parts[n] // total for n in names]
    remainders = [amount * parts[n] % total for n in names]
    leftover = amount - sum(floors)
    out = {}
    for i, name in enumerate(names):
        rank = np.zeros(len(amount), dtype=np.int64)
        for j in range(len(names)):
            if j != i:
                rank += (remainders[j] > remainders[i]) | ((remainders[j] == remainders[i]) & (j < i))
        out[name] = floors[i] + (rank < leftover)
    return out


def columns_from_cases(cases: list[Any]) -> dict[str, np.ndarray]:
    """Columns for `evaluate_batch` from ClaimCase objects (for tests, what-if and benches)."""
    def opt_day(value: dt.date | None) -> Any:
        return np.datetime64(value, "D") if value is not None else np.datetime64("NaT", "D")

    cols: dict[str, np.ndarray] = {
        "programme": np.array([c.programme for c in cases]),
        "category": np.array([c.category for c in cases]),
        "price_fen": np.array([c.price_fen for c in cases], dtype=np.int64),
        "efficiency_grade": np.array([c.efficiency_grade or 0 for c in cases], dtype=np.int64),
        "invoice_date": np.array([c.invoice_date for c in cases], dtype="datetime64[D]"),
        "applied_on": np.array([c.applied_on for c in cases], dtype="datetime64[D]"),
        "region_code": np.array([c.region_code for c in cases]),
        "old_vehicle_fuel": np.array([c.old_vehicle_fuel or "" for c in cases]),
        "old_vehicle_registered_on": np.array([opt_day(c.old_vehicle_registered_on) for c in cases], "datetime64[D]"),
        "old_vehicle_owned_since": np.array([opt_day(c.old_vehicle_owned_since) for c in cases], "datetime64[D]"),
        "old_emission_standard": np.array([c.old_emission_standard or "" for c in cases]),
        "new_vehicle_fuel": np.array([c.new_vehicle_fuel or "" for c in cases]),
        "new_vehicle_displacement_l": np.array(
            [np.nan if c.new_vehicle_displacement_l is None else c.new_vehicle_displacement_l for c in cases],
            dtype=np.float64),
    }
    for kind in ("scrap_cert", "deregistration", "recycling_cert", "sale_record"):
        cols[f"proof.{kind}"] = np.array([kind in c.old_proof_kinds for c in cases], dtype=bool)
    return cols
