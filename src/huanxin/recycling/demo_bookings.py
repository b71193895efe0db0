"""The demo's door-to-door bookings of one city: a week back, today and two days ahead, per recycler,
with items priced from its list, the history of every status reached (and the resident's outbox),
weighings with explained re-quotes, settlements with receipts, cancellations and no-shows, and a
few 送新收旧 pickups of trade-in claims. Rows only (explicit ids); the caller writes them in bulk."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from huanxin.kit import pii
from huanxin.kit.clock import CHINA, now
from huanxin.recycling.bookings.status import MESSAGES
from huanxin.recycling.demo_network import CityNet, Community, NetRows, Recycler, at
from huanxin.recycling.prices import DEFAULT_CONDITION_SHARES
from huanxin.recycling.vocab import unit_of
from huanxin.recycling.weighing import requote
from huanxin.tradein.outbox import PREFIX, yuan

WINDOWS = ((9, 11), (11, 13), (14, 16), (16, 18))  # bookings.service.WINDOWS
PAST_DAYS, FUTURE_DAYS = 7, 2
# What residents book, by weight, and the quantity range (kg for kg categories, pieces otherwise).
CATEGORY_WEIGHTS: dict[str, tuple[float, tuple[int, int]]] = {
    "paper": (30, (5, 40)), "plastic": (15, (2, 12)), "metal": (12, (3, 30)), "glass": (4, (2, 10)),
    "textile": (8, (3, 15)), "small_appliance": (8, (2, 8)), "air_conditioner": (3, (1, 1)),
    "refrigerator": (4, (1, 1)), "washing_machine": (4, (1, 2)), "television": (4, (1, 2)), "computer": (2, (1, 2)),
    "phone": (3, (1, 3)), "furniture": (3, (1, 2)),
}
# Litres per kg or per piece (what the vehicle's volume capacity is checked against), and the
# typical weight of a piece (it counts in the tonnage when weighed).
LITRES = {"paper": 6, "plastic": 15, "metal": 2, "glass": 2, "textile": 8, "small_appliance": 5,
          "air_conditioner": 150, "refrigerator": 400, "washing_machine": 250, "television": 120, "computer": 60,
          "phone": 1, "furniture": 500}
PIECE_KG = {"air_conditioner": 45, "refrigerator": 55, "washing_machine": 40, "television": 15, "computer": 8,
            "phone": 0.2, "furniture": 30}
# Trade-in claim categories → the recycling category of the old item picked up.
CLAIM_CATEGORIES = {"air_conditioner": "air_conditioner", "refrigerator": "refrigerator",
                    "washing_machine": "washing_machine", "tv": "television", "computer": "computer"}
CANCEL_REASONS = ("临时有事，改天再约", "物品已自行送到社区回收点", "家人已处理掉旧物品",
                  "预约时间不方便，稍后重新预约")
REFUSED = "居民不接受称重后的最终价格，未交售"
COLLECTOR_NO_SHOW = "回收人员未在预约时段内上门（车辆当日线路超时），记为回收企业未履约"
RESIDENT_NO_SHOW = "回收人员上门时居民不在家，电话联系未接通"
PHONE_BOOKING = "电话预约，由调度员代为登记"
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class Resident:
    person_id: int | None
    user_id: int | None  # the resident's own login, if any (the five named residents)


@dataclass
class TradeInClaim:
    id: int
    person_id: int
    category: str  # the recycling category
    booked_by_user_id: int  # the retailer's user
    product: str


@dataclass
class BookingRows:
    bookings: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    weighings: list[dict[str, Any]] = field(default_factory=list)
    settlements: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    by_status: Counter[str] = field(default_factory=Counter)
    requoted: int = 0
    trade_in: int = 0


class PriceBook:
    """The price lists in memory: (recycler, category) → dated entries, read as prices.price_on."""

    def __init__(self, rows: NetRows) -> None:
        self._lists: dict[tuple[int, str], list[tuple[dt.date, int, str]]] = {}
        for row in rows.prices:
            self._lists.setdefault((row["recycler_unit_id"], row["category"]), []).append(
                (row["effective_from"], row["price_fen"], row["note"]))
        for entries in self._lists.values():
            entries.sort()

    def on(self, unit_id: int, category: str, day: dt.date) -> tuple[int, dt.date, str]:
        entries = self._lists[(unit_id, category)]
        i = bisect.bisect_right([e[0] for e in entries], day) - 1
        found = entries[max(i, 0)]
        return found[1], found[0], found[2]


def shares(note: str) -> dict[str, int]:
    out = dict(DEFAULT_CONDITION_SHARES)
    if "一般80%" in note:
        out.update(fair=80, poor=40)
    return out


class CityBookings:
    def __init__(self, net: CityNet, rows: NetRows, rng: random.Random, on: dt.date, ids: itertools.count[int],
                 residents: list[Resident], named: list[Resident], claims: list[TradeInClaim],
                 plates: dict[int, str]) -> None:
        self.net, self.rng, self.on, self.ids = net, rng, on, ids
        self.prices = PriceBook(rows)
        self.residents, self.named, self.claims = residents, named, claims
        self.out = BookingRows()
        self.current = now()
        self.receipts: set[str] = set()
        self.station_of = {r.unit_id: [s["id"] for s in rows.sites if s["operator_unit_id"] == r.unit_id
                                       and s["level"] == "station"] for r in net.recyclers}
        del plates

    # ---- the whole city ----

    def generate(self) -> BookingRows:
        for index, recycler in enumerate(self.net.recyclers):
            served = [c for c in self.net.communities if c.street_id in recycler.streets]
            if not served:
                continue
            weights = [c.households for c in served]
            for offset in range(-PAST_DAYS, FUTURE_DAYS + 1):
                day = self.on + dt.timedelta(days=offset)
                count = self.rng.randint(30, 60)
                count = count if offset <= 0 else int(count * (0.7 if offset == 1 else 0.4))  # booked so far
                for n in range(count):
                    community = self.rng.choices(served, weights=weights)[0]
                    who = self._scripted(index, offset, n) or self._resident()
                    self._booking(recycler, community, day, who, None)
        for k, claim in enumerate(self.claims):
            recycler = self.net.recyclers[k % len(self.net.recyclers)]
            served = [c for c in self.net.communities if c.street_id in recycler.streets]
            if served:
                day = self.on + dt.timedelta(days=self.rng.randint(-PAST_DAYS + 1, FUTURE_DAYS))
                self._booking(recycler, self.rng.choice(served), day, Resident(claim.person_id, None), claim)
        return self.out

    def _scripted(self, recycler_index: int, offset: int, n: int) -> Resident | None:
        """The named residents (who can sign in) each have a settled pickup of the past days, and
        the first of them one booked for tomorrow."""
        if recycler_index == 0 and n == 0 and self.named:
            if offset < 0 and -offset <= len(self.named):
                return self.named[-offset - 1]
            if offset == 1:
                return self.named[0]
        return None

    def _resident(self) -> Resident:
        if self.residents:
            return self.rng.choice(self.residents)
        return Resident(None, None)

    # ---- one booking ----

    def _booking(self, r: Recycler, community: Community, day: dt.date, who: Resident,
                 claim: TradeInClaim | None) -> None:
        rng = self.rng
        bid = next(self.ids)
        start_h, end_h = rng.choice(WINDOWS)
        ws, we = at(day, start_h), at(day, end_h)
        created_day = min(day - dt.timedelta(days=rng.randint(1, 3)), self.on - dt.timedelta(days=1))
        created = at(created_day, rng.randint(8, 21), rng.randint(0, 59))
        booked_by = claim.booked_by_user_id if claim else (who.user_id or r.dispatcher_id)
        items = self._items(r, claim, created.date(), bid)
        lat, lon = _near(rng, community.lat, community.lon, 350 if community.urban else 900)
        address, masked = self._address(community)
        phone = "1" + rng.choice("3578") + f"{rng.randrange(10**9):09d}"
        note = (f"送新收旧：送货时回收旧{claim.product}" if claim else
                "" if who.user_id else PHONE_BOOKING)
        row: dict[str, Any] = {
            "id": bid, "city_code": self.net.code, "region_code": community.region_code, "area_id": community.id,
            "recycler_unit_id": r.unit_id, "source": "trade_in" if claim else "resident",
            "person_id": who.person_id, "booked_by_user_id": booked_by, "claim_id": claim.id if claim else None,
            "address_enc": pii.encrypt(address), "address_masked": masked, "phone_enc": pii.encrypt(phone),
            "lat": lat, "lon": lon, "window_start": ws, "window_end": we,
            "service_minutes": 5 + 5 * sum(1 for i in items if i["unit"] == "piece"), "status": "booked",
            "no_show_party": None, "cancelled_by_user_id": None, "cancel_reason": "",
            "indicative_total_fen": sum(i["indicative_amount_fen"] for i in items), "final_total_fen": None,
            "accepted": None, "photo_upload_ids": [], "note": note, "idempotency_key": f"demo-booking-{bid}",
            "created_at": created, "updated_at": created, "version": 1}
        self.out.bookings.append(row)
        self.out.items.extend(items)
        if claim:
            self.out.trade_in += 1
        self._event(row, None, "booked", booked_by, created, "")
        self._life(r, row, items, day)
        self.out.by_status[row["status"]] += 1

    def _items(self, r: Recycler, claim: TradeInClaim | None, quoted_on: dt.date, bid: int) -> list[dict[str, Any]]:
        rng = self.rng
        if claim:
            chosen = [claim.category]
        else:
            names = list(CATEGORY_WEIGHTS)
            chosen = list(dict.fromkeys(rng.choices(names, weights=[CATEGORY_WEIGHTS[c][0] for c in names],
                                                    k=rng.choice((1, 1, 2, 2, 3)))))
        items = []
        for category in chosen:
            low, high = CATEGORY_WEIGHTS[category][1]
            unit = unit_of(category)
            quantity = rng.randint(low, high) * (1000 if unit == "kg" else 1) if not claim else 1
            price, _since, _note = self.prices.on(r.unit_id, category, quoted_on)
            amount = _amount(quantity, price, unit)
            litres = LITRES[category] * (quantity // 1000 if unit == "kg" else quantity)
            items.append({"booking_id": bid, "category": category, "unit": unit, "estimated_quantity": quantity,
                          "estimated_volume_l": litres, "indicative_unit_price_fen": price,
                          "indicative_amount_fen": amount})
        return items

    def _address(self, c: Community) -> tuple[str, str]:
        rng = self.rng
        if c.urban:
            detail = f"{rng.choice(('锦华', '阳光', '金色', '康居', '滨河', '和谐'))}小区{rng.randint(1, 24)}栋" \
                     f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        else:
            detail = f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
        return c.place + detail, f"{c.place}{'*' * 6}"

    # ---- what happened to it ----

    def _life(self, r: Recycler, row: dict[str, Any], items: list[dict[str, Any]], day: dt.date) -> None:
        rng = self.rng
        ws, we = row["window_start"], row["window_end"]
        shifts_today = r.driver_ids
        driver = rng.choice(shifts_today)
        assigned_at = max(at(day - dt.timedelta(days=1), 18, rng.randint(0, 59)),
                          row["created_at"] + dt.timedelta(minutes=20))
        if day > self.on:
            return  # booked; the dispatcher plans it on the eve of the day
        if day == self.on:
            roll = rng.random()
            if roll < 0.15:
                return
            self._event(row, "booked", "assigned", r.dispatcher_id, assigned_at, "")
            if roll > 0.55 and ws.hour == 9:
                self._event(row, "assigned", "on_the_way", driver,
                            min(ws - dt.timedelta(minutes=20), self.current - dt.timedelta(minutes=9)), "")
            if 0.55 < roll <= 0.85 and ws.hour == 9:  # at the door now; some weighed, awaiting the answer
                arrived = min(ws + dt.timedelta(minutes=10), self.current - dt.timedelta(minutes=6))
                self._event(row, "on_the_way", "arrived", driver, arrived, "")
                if roll > 0.70:
                    total, reasons = self._weigh(r, row, items, driver, arrived + dt.timedelta(minutes=3))
                    row["final_total_fen"] = total
                    self._event(row, "arrived", "weighed", driver, arrived + dt.timedelta(minutes=3),
                                "；".join(reasons)[:500])
            return
        roll = rng.random()
        if roll < 0.09:  # the resident cancelled before the day
            by = row["booked_by_user_id"]
            when = min(row["created_at"] + dt.timedelta(hours=rng.randint(1, 20)), ws - dt.timedelta(hours=1))
            reason = rng.choice(CANCEL_REASONS)
            row.update(cancelled_by_user_id=by, cancel_reason=reason)
            self._event(row, "booked", "cancelled", by, when, reason)
            return
        self._event(row, "booked", "assigned", r.dispatcher_id, assigned_at, "")
        if roll < 0.13:  # the collector did not come: recorded against the recycler
            row["no_show_party"] = "collector"
            self._event(row, "assigned", "no_show", r.dispatcher_id, we + dt.timedelta(minutes=30),
                        COLLECTOR_NO_SHOW)
            return
        left = ws - dt.timedelta(minutes=rng.randint(10, 40))
        arrived = ws + dt.timedelta(minutes=rng.randint(0, 100 if rng.random() < 0.9 else 150))
        self._event(row, "assigned", "on_the_way", driver, left, "")
        self._event(row, "on_the_way", "arrived", driver, arrived, "")
        if roll < 0.16:
            row["no_show_party"] = "resident"
            self._event(row, "arrived", "no_show", driver, arrived + dt.timedelta(minutes=10), RESIDENT_NO_SHOW)
            return
        weighed = arrived + dt.timedelta(minutes=rng.randint(5, 15))
        total, reasons = self._weigh(r, row, items, driver, weighed)
        row["final_total_fen"] = total
        self._event(row, "arrived", "weighed", driver, weighed, "；".join(reasons)[:500])
        if roll < 0.17:
            row.update(accepted=False, cancelled_by_user_id=row["booked_by_user_id"], cancel_reason=REFUSED)
            self._event(row, "weighed", "cancelled", row["booked_by_user_id"],
                        weighed + dt.timedelta(minutes=3), REFUSED)
            return
        row["accepted"] = True
        paid = weighed + dt.timedelta(minutes=rng.randint(2, 8))
        receipt = self._receipt(paid.astimezone(CHINA).date())
        self.out.settlements.append({
            "city_code": self.net.code, "booking_id": row["id"], "amount_fen": total,
            "method": "none" if total == 0 else rng.choice(("cash", "transfer", "transfer")),
            "receipt_no": receipt, "idempotency_key": f"free-{row['id']}" if total == 0 else f"demo-settle-{row['id']}",
            "paid_by_user_id": driver, "paid_at": paid})
        self._event(row, "weighed", "settled", driver, paid, f"凭证号{receipt}", receipt=receipt)

    def _weigh(self, r: Recycler, row: dict[str, Any], items: list[dict[str, Any]], driver: int,
               weighed_at: dt.datetime) -> tuple[int, list[str]]:
        """One weighing line per item: most as estimated, about a third re-quoted (weight, a
        category found different, condition); the price of the day (a change since booking shows)."""
        rng = self.rng
        differs = rng.random() < 0.35
        day = weighed_at.date()
        booked, weighed, lines = [], [], []
        at_station = rng.random() < 0.1 and self.station_of[r.unit_id]
        for item in items:
            category, unit, quantity = item["category"], item["unit"], item["estimated_quantity"]
            _, booked_from, _ = self.prices.on(r.unit_id, category, row["created_at"].date())
            booked.append(requote.Booked(category, unit, quantity, item["indicative_unit_price_fen"],
                                         item["indicative_amount_fen"], booked_from))
            condition = "good"
            if differs and unit == "kg" and rng.random() < 0.15:
                category = "plastic" if category != "plastic" else "paper"  # the bag held something else
            if differs and unit == "kg":
                quantity = max(500, round(quantity * rng.uniform(0.7, 1.3), -1))
            elif differs:
                condition = rng.choice(("fair", "fair", "poor"))
            price, since, note = self.prices.on(r.unit_id, category, day)
            share = shares(note)[condition] if unit == "piece" else 100
            unit_price = (price * share + 50) // 100
            amount = _amount(quantity, unit_price, unit)
            weighed.append(requote.Weighed(category, unit, quantity, price, since, condition, share, unit_price,
                                           amount))
            net = quantity if unit == "kg" else round(PIECE_KG[category] * quantity * 1000)
            tare = rng.randint(200, 800) if unit == "kg" else 0
            lines.append({"city_code": self.net.code, "booking_id": row["id"],
                          "site_id": self.station_of[r.unit_id][0] if at_station else None, "category": category,
                          "unit": unit, "gross_g": net + tare, "tare_g": tare, "net_g": net,
                          "pieces": quantity if unit == "piece" else 0, "condition": condition,
                          "unit_price_fen": unit_price, "amount_fen": amount,
                          "place": "station" if at_station else "door",
                          "device_id": f"SCALE-{r.unit_id}-{rng.randint(1, 3)}" if rng.random() < 0.3 else None,
                          "weighed_by_user_id": driver, "weighed_at": weighed_at, "requote_reason": ""})
        explained = requote.explain(booked, weighed)
        for line, text in zip(lines, explained.lines, strict=True):
            line["requote_reason"] = text
        self.out.weighings.extend(lines)
        if explained.changed:
            self.out.requoted += 1
        return sum(int(line["amount_fen"]) for line in lines), [t for t in explained.lines if t]

    def _receipt(self, day: dt.date) -> str:
        while True:
            receipt = f"HX{self.net.code}{day:%y%m%d}" + "".join(self.rng.choice(_ALPHABET) for _ in range(8))
            if receipt not in self.receipts:
                self.receipts.add(receipt)
                return receipt

    def _event(self, row: dict[str, Any], previous: str | None, status: str, actor: int | None, when: dt.datetime,
               note: str, receipt: str = "") -> None:
        row["status"], row["updated_at"] = status, when
        row["version"] += 0 if previous is None else 1
        self.out.events.append({"booking_id": row["id"], "from_status": previous, "to_status": status,
                                "actor_user_id": actor, "note": note[:500], "at": when})
        if row["person_id"] is not None:
            amount = row["final_total_fen"] if row["final_total_fen"] is not None else row["indicative_total_fen"]
            start, end = row["window_start"], row["window_end"]
            body = MESSAGES[status].format(no=f"HS{row['city_code']}{row['id']:07d}",
                                           window=f"{start:%m月%d日 %H:%M}—{end:%H:%M}", amount=yuan(amount),
                                           receipt=receipt, note=note or "—")
            self.out.outbox.append({"person_id": row["person_id"], "claim_id": row["claim_id"], "channel": "sms",
                                    "body": PREFIX + body, "created_at": when})


def _amount(quantity: int, unit_price: int, unit: str) -> int:
    return quantity * unit_price if unit == "piece" else (quantity * unit_price + 500) // 1000


def _near(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    from huanxin.recycling.demo_network import near

    return near(rng, lat, lon, metres)
