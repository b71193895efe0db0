"""The claim generator: one city's qualifications, claims and everything that hangs off them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from huanxin.kit import pii
from huanxin.kit.clock import CHINA
from huanxin.tradein import money
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims import keys as claim_keys
from huanxin.tradein.demo.lifecycle import _Lifecycle
from huanxin.tradein.demo.purchases import (
    _CACHE,
    _bisect,
    _by_source,
    _Purchases,
    _quotas_cached,
    _reserve_cached,
)
from huanxin.tradein.demo.specs import (
    CATEGORY_WEIGHT,
    EXHAUSTED,
    PROGRAMME_MIX,
    WAITING_PER_CITY,
    Resident,
    Shop,
)


class _Generator(_Lifecycle, _Purchases):
    """Generates one city's qualifications, claims and everything that hangs off them."""

    # -- what the city generates

    def scripted(self) -> None:
        """The named residents' stories, so each login has something to show."""
        r = self.residents
        shop = self.shops[0]
        dealer = self.shops[1]
        on = self.on
        self.claim("appliance-2025", dt.date(2025, 5, 10), "paid", r[0], shop, category="tv")
        self.claim("appliance-city-2026", on - dt.timedelta(days=60), "paid", r[0], shop, category="refrigerator")
        self.claim("appliance-city-2026", on - dt.timedelta(days=3), "approved", r[0], shop, category="air_conditioner")
        self.qualification("digital-city-2026", on - dt.timedelta(days=1), "active", r[0], "mobile_phone")
        self.claim("digital-2025", dt.date(2025, 3, 8), "paid", r[1], shop, category="mobile_phone")
        self.claim("appliance-city-2026", on - dt.timedelta(days=4), "correction", r[1], shop,
                   category="washing_machine")
        self.claim("appliance-city-2026", on - dt.timedelta(days=6), "rejected", r[2], shop, category="tv", grade=3)
        self.qualification("digital-city-2026", on - dt.timedelta(days=2), "waiting", r[2], "tablet")
        self.claim("car-scrap-2025", dt.date(2025, 6, 15), "paid", r[3], dealer)
        self.claim("appliance-city-2026", on - dt.timedelta(days=2), "review", r[3], shop, category="refrigerator",
                   price_factor=1.3)
        self.claim("appliance-city-2026", on - dt.timedelta(days=8), "appealed", r[4], shop, category="computer")
        self.qualification("appliance-city-2026", on - dt.timedelta(days=30), "expired", r[4], "microwave")

    def bulk(self, count: int) -> None:
        rng = self.rng
        for _ in range(count):
            code = self.mix_codes[_bisect(self.mix_weights, rng.random() * self.mix_weights[-1])]
            start, end = self.window[code]
            if end < start:
                continue
            day = start + dt.timedelta(days=int((end - start).days * rng.random() ** 0.85))
            shops = [s for s in self.shops_by_kind[self.rules[code].kind] if s.until > day] or self.shops[:1]
            self.claim(code, day, self._status(code, day), None, rng.choice(shops))

    def loose_qualifications(self) -> None:
        """Qualifications without a claim: active (unused, still valid), expired, cancelled, and
        the waiting list of the exhausted programme."""
        rng, on = self.rng, self.on
        n = max(10, self.city.claims // 60)
        codes_2026 = ["appliance-city-2026", "digital-city-2026", "home-decor-city-2026"]
        for _ in range(n):
            code = rng.choice(codes_2026)
            self.qualification(code, on - dt.timedelta(days=rng.randint(0, 6)), "active", None, None)
        for _ in range(n * 2):
            code = rng.choice([c for c, _ in PROGRAMME_MIX if not c.startswith("car")])
            start, end = self.window[code]
            end = min(end, on - dt.timedelta(days=8))
            day = start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))
            self.qualification(code, day, "expired" if rng.random() < 0.9 else "cancelled", None, None)
        for i in range(WAITING_PER_CITY):
            self.qualification(EXHAUSTED, on - dt.timedelta(days=2 - i * 2 // WAITING_PER_CITY), "waiting", None, None)

    def _status(self, code: str, day: dt.date) -> str:
        """Where a claim of that day stands today."""
        r = self.rng.random()
        age = (self.on - day).days
        table: tuple[tuple[str, float], ...]
        if day.year < 2026:
            return "paid" if r < 0.95 else ("rejected" if r < 0.995 else "upheld")
        if age <= 5:
            table = (("approved", 0.62), ("review", 0.87), ("correction", 0.93), ("rejected", 0.98), ("appealed", 1))
        elif age <= 20:
            table = (("paying", 0.3), ("approved", 0.5), ("paid", 0.7), ("review", 0.82), ("correction", 0.87),
                     ("rejected", 0.95), ("appealed", 1))
        else:
            table = (("paid", 0.9), ("rejected", 0.95), ("approved", 0.97), ("appealed", 0.98),
                     ("correction", 0.99), ("review", 1))
        return next(s for s, p in table if r < p)

    # -- one qualification

    def qualification(self, code: str, day: dt.date, status: str, resident: Resident | None,
                      category: str | None) -> int | None:
        programme = self.programmes[code]
        rules = self.rules[code]
        if rules.kind in ("car_scrap", "car_replace"):
            return None
        category = category or self._category(code, day)
        reserve = _reserve_cached(code, category, day)
        quotas = self._quotas(code, category, day)
        person = resident or self._person(quotas, reserve if status in ("active", "waiting") else 0)
        if person is None:
            return None
        qid = next(self.ids.qualification)
        issued = self._moment(day)
        shares = self._shares(code, day)
        row = {"id": qid, "city_code": self.city.code, "programme_id": programme.id, "person_id": person.id,
               "category": category, "status": status, "reserved_fen": reserve if status != "waiting" else 0,
               "queue_no": qid if status == "waiting" else None, "issued_at": issued,
               "expires_at": issued + dt.timedelta(days=7) if status != "waiting" else None, "release_batch": None}
        self.rows.qualifications.append(row)
        self.qualifications += 1
        label = evaluation.category_label(code, category)
        if status in ("active", "waiting"):
            self._take(person, quotas, reserve, qualification_id=qid)
        if status == "active":
            for source, amount in money.split(reserve, shares).items():
                self.money.live.append((programme.id, source, qid, amount, issued))
            self._notify(person.id, None, issued, f"资格已发放：{programme.name}“{label}”，资格编号 {qid}，"
                         f"有效期至 {row['expires_at']:%Y-%m-%d %H:%M}，请在有效期内到已准入商户购买核销。")
        elif status == "waiting":
            self.waiting_reserve[qid] = money.split(reserve, shares)
            self._notify(person.id, None, issued,
                         f"{programme.name}资金已暂时用完，您申领的“{label}”资格已进入候补队列，"
                                                  f"候补号 {qid}，资金回流后按顺序发放。")
        else:  # expired or cancelled: reserved, then voided (settled history)
            self._settle(programme.id, day, money.split(reserve, shares), {}, count_key="voided_quals")
            self._notify(person.id, None, issued + dt.timedelta(days=7),
                         f"您的资格（编号 {qid}）已过期未使用，已自动作废，可重新申领。" if status == "expired"
                         else f"您的资格（编号 {qid}）已取消。")
        return qid

    # -- one claim

    def claim(self, code: str, day: dt.date, status: str, resident: Resident | None, shop: Shop, *,
              category: str | None = None, grade: int | None = None, price_factor: float | None = None) -> None:
        rng = self.rng
        programme = self.programmes[code]
        rules = self.rules[code]
        car = rules.kind in ("car_scrap", "car_replace")
        if car and status not in ("paid", "rejected", "upheld"):
            status = "paid"
        category = category or self._category(code, day)
        flagged_price = price_factor is not None or (status in ("review", "rejected", "upheld", "appealed")
                                                     and rng.random() < 0.4)
        product = self._product(code, category, grade, price_factor or (rng.choice((1.2, 1.28, 1.35, 1.45))
                                                                        if flagged_price else None))
        decision = self._decide(code, product, day)
        if not decision.eligible:
            status = "rejected"
        elif status == "rejected" and not flagged_price and rng.random() < 0.5:
            status = "rejected"  # reviewer rejection on other evidence (a flag below)
        reserve = 0 if car else _reserve_cached(code, category, day)
        quotas = list(decision.quotas) if decision.eligible else []
        keeps_quota = status not in ("rejected", "upheld", "appealed")
        person = resident or self._person(quotas if keeps_quota else [], decision.amount_fen if keeps_quota else 0)
        if person is None:
            return
        cid = next(self.ids.claim)
        submitted = self._moment(day)
        qid = None
        shares = self._shares(code, day)
        if not car:
            qid = next(self.ids.qualification)
            issued = submitted - dt.timedelta(hours=rng.randint(1, 96))
            self.rows.qualifications.append({
                "id": qid, "city_code": self.city.code, "programme_id": programme.id, "person_id": person.id,
                "category": category, "status": "used", "reserved_fen": reserve, "queue_no": None, "issued_at": issued,
                "expires_at": issued + dt.timedelta(days=7), "release_batch": None})
            self.qualifications += 1
        if keeps_quota:
            self._take(person, quotas, decision.amount_fen, qualification_id=qid, claim_id=cid)
        identifiers = self._identifiers(code, product, cid, day)
        invoice_no = identifiers["invoice"]
        serial = identifiers.get("serial")
        proofs = {k: v for k, v in identifiers.items() if k in ("recycling_cert", "scrap_cert", "deregistration",
                                                                 "sale_record")}
        exclusive = set(decision.exclusive_keys) | {"scrap_cert"}
        for kind, value in sorted(identifiers.items()):
            if kind not in exclusive:
                continue  # as the claim service: the rules' one-time keys, and a scrap certificate
            self.rows.identifiers.append({"kind": kind[:20], "value_hash": pii.keyed_hash(f"used:{kind}", value),
                                          "claim_id": cid})
        live = status in ("approved", "paying", "review", "correction") and day.year >= 2026
        inputs = self._inputs(code, product, day, shop, invoice_no, serial, proofs, identifiers)
        first_proof = next(iter(sorted(proofs.items())), None)
        row = {
            "id": cid, "city_code": self.city.code, "region_code": shop.region, "programme_id": programme.id,
            "qualification_id": qid, "person_id": person.id, "retailer_id": shop.id, "category": category,
            "brand": product.brand, "model": product.model, "price_fen": product.price_fen,
            "efficiency_grade": product.grade, "serial_hash": pii.keyed_hash("used:serial", serial) if serial else None,
            "vin": identifiers.get("new_car_vin"), "old_proof_kind": first_proof[0] if first_proof else None,
            "old_proof_no": first_proof[1] if first_proof else None, "invoice_no": invoice_no, "invoice_date": day,
            "inputs": inputs, "status": status if status != "upheld" else "rejected",
            "amount_fen": decision.amount_fen if decision.eligible else 0,
            "amounts_by_source": _by_source(decision),
            "decision": self._decision_dict(decision, code, product, day, full=live or resident is not None),
            "fraud_score": 0.0, "submitted_at": submitted, "decided_at": None, "paid_at": None, "version": 1,
            # the bulk insert bypasses the model's validators: the fraud lookup keys, as they derive them
            "invoice_norm": claim_keys.normalise_invoice(invoice_no),
            "invoice_prefix": claim_keys.invoice_prefix(invoice_no), "serial_prefix": claim_keys.serial_prefix(inputs),
        }
        self.rows.claims.append(row)
        self.claims += 1
        self.by_status[str(row["status"])] += 1
        self._lifecycle(row, status, decision, flagged_price, product, shop, person)
        self._claim_money(programme, row, status, reserve, shares, decision, car, day)

    # -- helpers

    def _moment(self, day: dt.date) -> dt.datetime:
        moment = dt.datetime(day.year, day.month, day.day, self.rng.randint(9, 20), self.rng.randint(0, 59),
                             tzinfo=CHINA)
        return min(moment, self.now - dt.timedelta(hours=self.rng.randint(1, 6)))

    def _shares(self, code: str, day: dt.date) -> dict[str, float]:
        key = (code, day.year, "shares")
        if key not in _CACHE:
            rules = self.rules[code]
            _CACHE[key] = evaluation.fund_shares(code, min(max(day, rules.starts_on), rules.ends_on))
        return _CACHE[key]  # type: ignore[no-any-return]

    def _category(self, code: str, day: dt.date) -> str:
        key = (code, day.year, "categories")
        if key not in _CACHE:
            _CACHE[key] = evaluation.categories(code, day)
        cats = _CACHE[key]
        return str(self.rng.choices(cats, weights=[CATEGORY_WEIGHT.get(c, 1) for c in cats])[0])

    def _quotas(self, code: str, category: str, day: dt.date) -> list[Any]:
        return _quotas_cached(code, category, day.year, day)

    def _person(self, quotas: list[Any], amount: int) -> Resident | None:
        """A resident with a free slot in every quota (and room under any money cap)."""
        for _attempt in range(8):
            person = self.residents[5 + int(self.rng.random() * (len(self.residents) - 5))]
            if all(person.used[q.key] < (q.limit or 10**6) and
                   (not q.money_cap_fen or person.money[q.key] + amount <= q.money_cap_fen) for q in quotas):
                return person
        return None

    def _take(self, person: Resident, quotas: Iterable[Any], amount: int, *, qualification_id: int | None = None,
              claim_id: int | None = None) -> None:
        for q in quotas:
            person.used[q.key] += 1
            if q.money_cap_fen:
                person.money[q.key] += amount
            self.rows.slots.append({"person_id": person.id, "quota_key": q.key, "slot": person.used[q.key],
                                    "claim_id": claim_id, "qualification_id": qualification_id, "amount_fen": amount})
