"""The demo's second-hand trade: each city's recyclers (and a few retailers) register used phones,
computers and storage over ten months; most get a verified wipe that passes GB 46864—2025 and are
listed and sold, some wait for theirs, a few records fail verification and a few are refused by
the rules (the dealers' credit scores then differ); recyclers also trade used cars with their
GB/T 30323-2013 grades, and the office has recorded a few complaints.

Records are built by the same rules as the service (wipe_rules.refusal decides each one, the
identifiers carry their check digits) and written in bulk with dates spread over the months, as
the rest of the demo is: a service call stamps "now", history needs its own dates."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.db import move_sequences_past, next_id
from huanxin.kit.clock import CHINA
from huanxin.kit.identifiers import luhn_complete, vin_check_char
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.secondhand import wipe_rules
from huanxin.secondhand.models import DealerComplaint, SecondhandDevice, UsedCar, WipeRecord, WipeRefusal

MONTHS = 10
DEVICES_PER_RECYCLER = 120
DEVICES_PER_RETAILER = 40
CARS_PER_RECYCLER = 40
# (device type, media, brands with models): what a recycler's counter takes in.
KINDS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("phone", "flash", (("华为", "Mate 40"), ("小米", "Redmi K50"), ("OPPO", "Reno8"), ("vivo", "X80"),
                        ("荣耀", "70"), ("苹果", "iPhone 12"))),
    ("tablet", "flash", (("华为", "MatePad 11"), ("苹果", "iPad Air 4"), ("小米", "Pad 5"))),
    ("computer", "magnetic", (("联想", "ThinkCentre M720"), ("戴尔", "OptiPlex 3070"), ("惠普", "ProDesk 400"))),
    ("computer", "flash", (("联想", "ThinkPad E14"), ("华为", "MateBook D14"), ("戴尔", "Latitude 5420"))),
    ("storage", "magnetic", (("希捷", "ST1000DM010"), ("西部数据", "WD10EZEX"))),
)
TOOLS = (("数据安全擦除系统", "3.2"), ("国密存储清除工具", "2.1.5"), ("移动终端信息清除平台", "1.8"))
VERIFICATION = "抽样读取全部扇区，确认无可恢复数据"
# The plate's province character and city letter of each demo city (by the first four code digits).
PLATES = {"5120": "川M", "5104": "川D", "4305": "湘E", "1403": "晋C", "3707": "鲁G"}
CAR_MAKERS = ("LFV", "LSV", "LGB", "LHG", "LVS", "LSG")  # world manufacturer identifiers of the demo's cars
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
GRADES = ("grade_1", "grade_2", "grade_2", "grade_2", "grade_3", "grade_3", "grade_4")
LOOKS = ("良好", "轻微划痕", "前保险杠修复")
COMPLAINTS = ("转售手机中仍有原机主照片", "二手电脑硬盘未见清除证明", "售出车辆里程与鉴定报告不符", "承诺质保未兑现")


@dataclass(frozen=True)
class Dealer:
    unit_id: int
    user_id: int
    is_recycler: bool


@dataclass
class Rows:
    devices: list[dict[str, Any]] = field(default_factory=list)
    wipes: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    cars: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Summary:
    devices: int = 0
    wiped: int = 0
    sold: int = 0
    refused: int = 0
    cars: int = 0
    cars_sold: int = 0


def _dealers(session: Session, code: str) -> list[Dealer]:
    """The city's recyclers, and its first three retailers, each with its first user."""
    found: list[Dealer] = []
    for role, limit in ((Role.RECYCLER, 20), (Role.RETAILER, 3)):
        units = session.execute(select(Unit.id).where(Unit.city_code == code, Unit.kind == role.value)
                                .order_by(Unit.id).limit(limit)).scalars().all()
        for unit_id in units:
            user_id = session.scalar(select(User.id).where(User.unit_id == unit_id).order_by(User.id).limit(1))
            if user_id is not None:
                found.append(Dealer(int(unit_id), int(user_id), role is Role.RECYCLER))
    return found


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, rng.randrange(9, 18), rng.randrange(60), tzinfo=CHINA)


def _imei(rng: random.Random) -> str:
    return luhn_complete(f"86{rng.randrange(10**12):012d}")


def _vin(rng: random.Random) -> str:
    body = rng.choice(CAR_MAKERS) + "".join(rng.choice(VIN_CHARS) for _ in range(14))
    return body[:8] + vin_check_char(body[:8] + "0" + body[9:]) + body[9:]


def _wipe(media: str, rng: random.Random) -> tuple[str, int, bool]:
    """Method, passes and whether a random pass was among them; one record in fifteen is one the
    rules refuse (a single pass on a hard disk, a cryptographic erase of flash), as dealers err."""
    if rng.random() < 1 / 15:
        return ("overwrite", 1, False) if media == "magnetic" else ("crypto_erase", 0, False)
    if media == "magnetic":
        return "overwrite", rng.choice((3, 3, 7)), True
    return rng.choice((("block_erase", 0, False), ("overwrite", 1, True), ("block_erase", 0, False)))


class CityTrade:
    def __init__(self, session: Session, code: str, rng: random.Random, on: dt.date) -> None:
        self.code, self.rng, self.on = code, rng, on
        self.rows = Rows()
        self.summary = Summary()
        self.device_id = next_id(session, SecondhandDevice)
        self.wipe_id = next_id(session, WipeRecord)
        self.car_id = next_id(session, UsedCar)

    def day(self) -> dt.date:
        return self.on - dt.timedelta(days=self.rng.randrange(3, MONTHS * 30))

    def device(self, dealer: Dealer) -> None:
        kind, media, models = self.rng.choice(KINDS)
        brand, model = self.rng.choice(models)
        registered = self.day()
        device_id, self.device_id = self.device_id, self.device_id + 1
        row = {"id": device_id, "city_code": self.code, "dealer_unit_id": dealer.unit_id, "device_type": kind,
               "brand": brand, "model": model, "imei": _imei(self.rng) if kind == "phone" else None,
               "serial_number": None if kind == "phone" else f"SN{self.rng.randrange(10**10):010d}",
               "media_type": media, "status": "registered", "registered_by_user_id": dealer.user_id,
               "registered_at": _at(registered, self.rng), "listed_at": None, "sold_at": None}
        self.rows.devices.append(row)
        self.summary.devices += 1
        if self.rng.random() < 0.1:  # still waiting for its wipe
            return
        self._wipe(row, dealer, registered)

    def _wipe(self, device: dict[str, Any], dealer: Dealer, registered: dt.date) -> None:
        method, passes, random_pass = _wipe(device["media_type"], self.rng)
        wiped_on = min(self.on, registered + dt.timedelta(days=self.rng.randrange(1, 4)))
        found = wipe_rules.refusal(wipe_rules.WipeFacts(method=method, passes=passes,
                                                        includes_random_pass=random_pass,
                                                        media_type=device["media_type"]))
        if found is not None:  # refused, nothing written but the reason (secondhand.wipes)
            self.rows.refusals.append({"city_code": self.code, "device_id": device["id"],
                                       "dealer_unit_id": dealer.unit_id, "field": found.field,
                                       "reason": found.reason, "refused_at": _at(wiped_on, self.rng)})
            self.summary.refused += 1
            return
        verified = self.rng.random() > 0.04
        wipe_id, self.wipe_id = self.wipe_id, self.wipe_id + 1
        tool, version = self.rng.choice(TOOLS)
        self.rows.wipes.append({
            "id": wipe_id, "city_code": self.code, "device_id": device["id"], "dealer_unit_id": dealer.unit_id,
            "method": method, "passes": passes, "includes_random_pass": random_pass,
            "media_type": device["media_type"], "tool_name": tool, "tool_version": version,
            "operator": self.rng.choice(("王师傅", "李工", "张技术员", "刘师傅")), "verified": verified,
            "verification_method": VERIFICATION, "evidence_name": None, "evidence_type": None, "evidence": None,
            "wiped_at": _at(wiped_on, self.rng), "keep_until": wipe_rules.keep_until(wiped_on),
            "certificate_number": f"QC{self.code}{wiped_on:%Y%m%d}{wipe_id:06d}" if verified else None,
            "recorded_by_user_id": dealer.user_id, "recorded_at": _at(wiped_on, self.rng)})
        if not verified:
            return
        self.summary.wiped += 1
        device["status"] = "wiped"
        if self.rng.random() < 0.85:
            listed = min(self.on, wiped_on + dt.timedelta(days=self.rng.randrange(0, 3)))
            device["status"], device["listed_at"] = "listed", _at(listed, self.rng)
            if self.rng.random() < 0.75 and listed < self.on:
                sold = min(self.on, listed + dt.timedelta(days=self.rng.randrange(1, 20)))
                device["status"], device["sold_at"] = "sold", _at(sold, self.rng)
                self.summary.sold += 1

    def car(self, dealer: Dealer) -> None:
        registered = self.day()
        first = dt.date(self.rng.randrange(2012, 2023), self.rng.randrange(1, 13), self.rng.randrange(1, 29))
        plate = PLATES.get(self.code[:4], "川A") + "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                                                            for _ in range(5))
        sold = self.rng.random() < 0.7
        sold_on = min(self.on, registered + dt.timedelta(days=self.rng.randrange(5, 60)))
        grade = self.rng.choice(GRADES)
        car_id, self.car_id = self.car_id, self.car_id + 1
        self.rows.cars.append({
            "id": car_id, "city_code": self.code, "dealer_unit_id": dealer.unit_id, "vin": _vin(self.rng),
            "plate": plate, "first_registered_on": first, "grade": grade,
            "inspection_summary": f"{first.year}年初次登记，外观{self.rng.choice(LOOKS)}，"
                                  "发动机及变速箱工作正常，无泡水、火烧痕迹",
            "status": "sold" if sold else "registered", "registered_by_user_id": dealer.user_id,
            "registered_at": _at(registered, self.rng), "sold_at": _at(sold_on, self.rng) if sold else None})
        self.summary.cars += 1
        self.summary.cars_sold += sold

    def complaint(self, dealer: Dealer, office_user_id: int) -> None:
        day = self.day()
        self.rows.complaints.append({"city_code": self.code, "dealer_unit_id": dealer.unit_id, "received_on": day,
                                     "summary": self.rng.choice(COMPLAINTS), "recorded_by_user_id": office_user_id,
                                     "recorded_at": _at(day, self.rng)})


def _write(session: Session, rows: Rows) -> None:
    for model, batch in ((SecondhandDevice, rows.devices), (WipeRecord, rows.wipes), (WipeRefusal, rows.refusals),
                         (UsedCar, rows.cars), (DealerComplaint, rows.complaints)):
        if batch:
            session.execute(insert(model), batch)


def generate_city(session: Session, code: str, rng: random.Random, on: dt.date) -> Summary:
    """One city's second-hand trade, written in bulk (see the module's docstring)."""
    dealers = _dealers(session, code)
    office = session.scalar(select(User.id).where(User.city_code == code, User.role == Role.OFFICE.value)
                            .order_by(User.id).limit(1))
    trade = CityTrade(session, code, rng, on)
    for dealer in dealers:
        for _ in range(DEVICES_PER_RECYCLER if dealer.is_recycler else DEVICES_PER_RETAILER):
            trade.device(dealer)
        if dealer.is_recycler:
            for _ in range(CARS_PER_RECYCLER):
                trade.car(dealer)
        if office is not None and rng.random() < 0.5:
            for _ in range(rng.randrange(1, 4)):
                trade.complaint(dealer, int(office))
    _write(session, trade.rows)
    return trade.summary


def generate(session: Session, city_codes: list[str], rng: random.Random, on: dt.date) -> Summary:
    total = Summary()
    for code in city_codes:
        city = generate_city(session, code, rng, on)
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(city, name))
    move_sequences_past(session, (SecondhandDevice, WipeRecord, UsedCar))
    session.flush()
    return total


def describe(summary: Summary) -> str:
    return (f"二手电子产品 {summary.devices} 台（经核验清除 {summary.wiped} 台、已售出 {summary.sold} 台，"
            f"清除记录被规则退回 {summary.refused} 次），二手车 {summary.cars} 辆（已售出 {summary.cars_sold} 辆）")
