"""The trade-in part of the demo (`huanxin demo`): each city's programmes and budget pools,
admitted retailers and dealers with their accounts, residents with real-name identities, frozen
reference prices, and a few hundred thousand generated claims in every state of their life.

Rows are written with bulk inserts and explicit ids (the trade-in tables are empty when the demo
is built), so the whole generation takes seconds. Amounts are decided by the rules engine (one
evaluation per distinct purchase, cached); the ledger stays a true double-entry ledger:

- live money (active qualifications; claims in review, correction, approved or paying) is held by
  one pending reservation per qualification and fund source, with the keys and refs the claim
  services use (`reserve:qualification:<id>:<source>`), so a reviewer can approve, pay, reject or
  let them expire in the running demo exactly as with claims made through the API;
- settled history (paid claims, rejections, expired and cancelled qualifications) is written as
  aggregate transfers per pool and month that represent the batch honestly: one reservation of
  everything the month's qualifications held, then its post (what was paid) and its void (what
  came back), with refs `demo:<programme>:<month>` and memos that count the claims.

Everything is deterministic (the caller's seeded rng) and dated relative to `on` (today)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from huanxin.db import is_postgres
from huanxin.kit import pii
from huanxin.kit.clock import CHINA, now
from huanxin.kit.identifiers import credit_check_char, id_check_char, luhn_ok, vin_check_char
from huanxin.ledger.models import Account, Entry, Pool, Transfer
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.tradein import claim_keys, evaluation, money, programmes_service, realname
from huanxin.tradein.models import (
    Appeal,
    Claim,
    ClaimEvent,
    FraudFlag,
    IdentityRegisterEntry,
    OutboxMessage,
    PayoutBatch,
    PayoutLine,
    Person,
    Programme,
    Qualification,
    QuotaSlot,
    ReferencePrice,
    Retailer,
    RetailerStatusChange,
    UsedIdentifier,
)
from huanxin.tradein.rules.model import Decision

DEFAULT_CLAIMS = 100_000
ACTOR = "demo"
# The claim event of a claim put in a payout batch; the number is renumbered by date before writing.
BATCH_NOTE = "列入发放批次 "
# Programmes each city runs: the national 2024/2025 rules with their real periods (history) and
# the city's 2026 continuation (open today). Weight: share of all claims.
PROGRAMME_MIX: tuple[tuple[str, float], ...] = (
    ("car-scrap-2024", 1.0), ("appliance-2024", 8.0), ("ebike-city", 2.0),
    ("car-scrap-2025", 1.4), ("car-replace-2025", 1.2), ("appliance-2025", 22.0), ("digital-2025", 9.0),
    ("home-decor-city", 2.5),
    ("appliance-city-2026", 20.0), ("digital-city-2026", 8.0), ("home-decor-city-2026", 2.5),
)
# Open today with no claims generated (car claims are generated settled): a dealer of the demo
# files a car claim in it by hand, from a funded pool.
OPEN_CAR = "car-scrap-city-2026"
OPEN_CAR_BUDGET_FEN = 300_000_000  # 3,000,000 yuan: about 150 cars at 20,000 yuan
# The programme whose pool the demo leaves exhausted, so it has a waiting list (候补).
EXHAUSTED = "digital-city-2026"
WAITING_PER_CITY = 24
CATEGORY_WEIGHT = {
    "air_conditioner": 5, "refrigerator": 4, "washing_machine": 4, "tv": 4, "computer": 2.5, "water_heater": 2,
    "cooktop": 1, "range_hood": 1.5, "microwave": 0.8, "water_purifier": 1, "dishwasher": 0.6, "rice_cooker": 1,
    "mobile_phone": 6, "tablet": 2, "smart_watch": 2, "ebike": 1, "car": 1,
    "home_decor_kitchen_bath": 3, "home_decor_furniture": 3, "home_decor_building_materials": 2,
    "home_decor_smart_home": 1.5, "home_decor_ageing_friendly": 0.5,
}
# Product models and their typical price in yuan (the frozen reference price of the model).
MODELS: dict[str, list[tuple[str, str, int]]] = {
    "air_conditioner": [("格力", "KFR-35GW/NhGc1B", 3299), ("美的", "KFR-35GW/N8MXC1", 2699),
                        ("海尔", "KFR-72LW/81@U1", 6999), ("奥克斯", "KFR-26GW/BpR3", 1999)],
    "refrigerator": [("海尔", "BCD-470WGHTD", 3999), ("美的", "BCD-508WKPZM", 3299),
                     ("容声", "BCD-529WD18HP", 4299), ("西门子", "KA92NE220C", 6999)],
    "washing_machine": [("小天鹅", "TG100V88WMUIADY5", 2999), ("海尔", "EG100MATE35S", 2299),
                        ("美的", "MG100V33WY", 1599)],
    "tv": [("海信", "65E5K", 3999), ("TCL", "75T7H", 5499), ("创维", "55A33", 1999), ("小米", "L65MA-S", 2799)],
    "computer": [("联想", "小新Pro14", 5499), ("华为", "MateBook14", 5999), ("戴尔", "灵越16Plus", 6499)],
    "water_heater": [("A.O.史密斯", "E60VC6", 3599), ("海尔", "EC6002-MA3U1", 1499), ("万和", "JSQ30-12ET6", 2199)],
    "cooktop": [("方太", "JZT-TH28B", 2999), ("老板", "JZT-37B6X", 2399)],
    "range_hood": [("方太", "CXW-358-EMC2", 4999), ("老板", "CXW-260-27X6", 3999)],
    "microwave": [("格兰仕", "G80F23CN3XL", 599), ("美的", "M1-L213C", 459)],
    "water_purifier": [("沁园", "RO-185I", 2399), ("美的", "MRO1890B", 1999)],
    "dishwasher": [("方太", "02-V6", 6999), ("美的", "RX600", 3999)],
    "rice_cooker": [("苏泊尔", "SF40HC743", 499), ("美的", "MB-40LS10", 399)],
    "mobile_phone": [("华为", "Mate70", 5499), ("小米", "15", 4499), ("荣耀", "Magic7", 4499),
                     ("OPPO", "Reno13", 2699), ("vivo", "X200", 4299), ("苹果", "iPhone16ProMax", 9999)],
    "tablet": [("华为", "MatePadAir", 2999), ("小米", "Pad7", 1999), ("苹果", "iPadAir", 4799)],
    "smart_watch": [("华为", "WATCHGT5", 1488), ("小米", "手环9", 249), ("苹果", "WatchS10", 2999)],
    "ebike": [("雅迪", "冠能E10", 3599), ("爱玛", "Q7", 2999), ("台铃", "超能T1", 2599)],
    "home_decor_kitchen_bath": [("九牧", "厨卫焕新套餐A", 12800), ("箭牌", "卫浴套装", 8600)],
    "home_decor_furniture": [("顾家", "沙发组合", 15800), ("林氏", "卧室套装", 9900)],
    "home_decor_building_materials": [("东鹏", "瓷砖铺装", 11800), ("北新", "石膏板吊顶", 6800)],
    "home_decor_smart_home": [("小米", "全屋智能", 7800), ("欧瑞博", "智能面板", 5600)],
    "home_decor_ageing_friendly": [("九牧", "适老卫浴改造", 6600)],
    "car": [("比亚迪", "秦PLUS DM-i", 99800), ("吉利", "星瑞1.5T", 109800), ("长安", "逸动1.6L", 79900),
            ("特斯拉", "Model 3", 235500), ("五菱", "缤果", 59800)],
}
NEV_CARS = {"秦PLUS DM-i", "Model 3", "缤果"}
PRICE_FACTORS = (0.86, 0.9, 0.93, 0.95, 0.97, 0.99, 1.0, 1.0, 1.03, 1.06)
REFERENCE_WINDOW = ("2024-05-01..2024-07-31", dt.date(2024, 7, 31))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕春梅文斌俊鹏宇浩然子涵欣怡思雨梓轩雪"
STORE_KINDS = (  # (name pattern, programme kinds, share, brands)
    ("{brand}家电专卖店（{place}店）", ["appliance", "digital"], 0.55,
     ["苏宁易购", "国美", "五星电器", "京东家电", "海尔智家", "格力", "美的", "永辉"]),
    ("{brand}手机数码体验店（{place}店）", ["digital"], 0.12, ["迪信通", "爱施德", "华为授权", "小米之家"]),
    ("{brand}汽车销售服务有限公司", ["car_scrap", "car_replace"], 0.13, ["比亚迪", "吉利", "长安", "五菱", "一汽大众"]),
    ("{brand}电动车专营店（{place}店）", ["ebike"], 0.1, ["雅迪", "爱玛", "台铃", "新日"]),
    ("{brand}家居建材馆（{place}店）", ["home_decor"], 0.1, ["红星美凯龙", "居然之家", "九牧", "东鹏"]),
)
FLAG_RULES = {
    "shared_phone": (0.6, "30天内有{n}个不同申请人共用同一手机号（{masked}）提交申请，疑似借用他人身份集中申领"),
    "retailer_velocity": (0.5, "经营主体“{retailer}”近1小时核销{n}笔，为其近28天平均的{x}倍，疑似虚假交易或集中刷单"),
    "reused_invoice": (0.8, "发票号码与本商户24小时内另一笔申请的发票号码相同（忽略空格和横线），疑似一票多报"),
    "shared_device": (0.6, "同一收银设备在2天内为{n}个不同申请人核销了连号商品，疑似一人借多人身份批量购买"),
}
CORRECTION_NOTES = ["发票照片不清晰，请重新上传发票", "产品序列号与发票不一致，请核对后补正",
                    "旧机回收凭证缺少回收企业盖章，请补充", "能效标识照片缺失，请补充"]
REVIEW_REJECT_REASONS = ["经核查，成交价格明显高于同型号冻结参考价，存在先涨价后补贴情形",
                         "经核查，该笔交易为商户虚构交易，不予补贴", "发票经税务系统核验为作废发票"]
APPEAL_REASONS = ["发票已重新开具，申请重新审核", "价格包含安装费，并非涨价，请复核", "本人确实购买，可提供付款记录"]
BANK_FAILURES = ["户名与账号不符", "账户已销户", "账户状态异常（冻结）"]


# ---- inputs and results -------------------------------------------------------------------


@dataclass(frozen=True)
class CitySpec:
    code: str
    slug: str
    name: str
    claims: int
    counties: tuple[str, ...]


@dataclass
class Summary:
    claims: int = 0
    qualifications: int = 0
    retailers: int = 0
    persons: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    logins: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # city code → (username, label)


@dataclass
class Ids:
    """Explicit ids for the bulk rows (tables start empty; PostgreSQL sequences are set after)."""

    person: itertools.count[int]
    qualification: itertools.count[int]
    claim: itertools.count[int]
    batch: itertools.count[int]


@dataclass
class Rows:
    persons: list[dict[str, Any]] = field(default_factory=list)
    qualifications: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    slots: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    appeals: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    batches: dict[tuple[str, dt.date, bool], dict[str, Any]] = field(default_factory=dict)
    register: list[dict[str, Any]] = field(default_factory=list)  # the population register (realname)


@dataclass
class Resident:
    id: int
    name: str
    card: bool = True
    used: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # quota key → slots taken
    money: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # money-capped key → fen


@dataclass(frozen=True)
class Shop:
    id: int
    name: str
    region: str
    kinds: tuple[str, ...]
    until: dt.date  # no claims after this day (suspended or expelled)
    username: str


@dataclass
class Money:
    """Settled history per pool and month, and live reservations, before they are written."""

    settled: dict[tuple[int, str, str], dict[str, Any]] = field(default_factory=dict)  # (programme, source, month)
    live: list[tuple[int, str, int, int, dt.datetime]] = field(default_factory=list)  # prog, source, qual, fen, at


# ---- entry point ----------------------------------------------------------------------------


def generate(session: Session, cities: list[CitySpec], rng: random.Random, on: dt.date,
             password_hash: str) -> Summary:
    """Writes every city's trade-in data. `cities[i].claims` claims are generated for city i."""
    summary = Summary()
    _reference_prices(session, [city.code for city in cities], rng)
    ids = Ids(*(itertools.count(_next_id(session, m)) for m in (Person, Qualification, Claim, PayoutBatch)))
    rows = Rows()
    per_city_money: list[tuple[CitySpec, dict[str, Programme], Money, dict[int, dict[str, int]]]] = []
    for city in cities:
        programmes = _programmes(session, city)
        shops = _retailers(session, city, rng, on, password_hash, summary)
        residents = _residents(session, city, rng, ids, rows, password_hash, summary)
        gen = _Generator(city, programmes, shops, residents, rng, on, ids, rows)
        gen.scripted()
        gen.bulk(city.claims)
        gen.loose_qualifications()
        summary.claims += gen.claims
        summary.qualifications += gen.qualifications
        for status, count in gen.by_status.items():
            summary.by_status[status] += count
        per_city_money.append((city, programmes, gen.money, gen.waiting_reserve))
    _write(session, rows)
    for city, programmes, money_, waiting in per_city_money:
        _fund_and_post(session, city, programmes, money_, waiting, on, rng)
    _sync_sequences(session)
    return summary


def _next_id(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


# ---- reference prices, programmes, retailers, residents -------------------------------------


def _reference_prices(session: Session, city_codes: list[str], rng: random.Random) -> None:
    """Frozen by each city from the three months before the national appliance programme (先涨价后补贴
    control): one market's prices, so nearly the same in every city."""
    window, _ = REFERENCE_WINDOW
    rows = [
        {"city_code": city_code, "category": category, "brand": brand, "model": model.replace(" ", "").upper(),
         "price_fen": price * 100, "window": window, "samples": rng.randint(24, 180)}
        for city_code in city_codes
        for category, models in MODELS.items() if category != "car" and not category.startswith("home_decor")
        for brand, model, price in models
    ]
    session.execute(insert(ReferencePrice), rows)


def _programmes(session: Session, city: CitySpec) -> dict[str, Programme]:
    """The Programme rows (pools are created and funded once the generated usage is known)."""
    out = {}
    for code in [*(c for c, _ in PROGRAMME_MIX), OPEN_CAR]:
        programme = programmes_service.ensure_programme(
            session, city.code, code, settings={"daily_release_time": None, "qualification_days": 7}, actor=ACTOR)
        out[code] = programme
    return out


def _credit_code(rng: random.Random, region: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + region + "".join(rng.choice(chars) for _ in range(9))
    return body + credit_check_char(body)


def _retailers(session: Session, city: CitySpec, rng: random.Random, on: dt.date, password_hash: str,
               summary: Summary) -> list[Shop]:
    """20–60 admitted retailers and dealers, each with a unit of kind retailer and a login
    `<city>-retailerNN`; one is suspended and one expelled, with their history."""
    count = max(20, min(60, city.claims // 900))
    specs: list[tuple[str, list[str], str]] = []
    names: set[str] = set()
    order = [0, 2, 0, 1, 3, 4]  # retailer01 sells appliances and digital, 02 is a car dealer …
    for i in range(count):
        kind_no = order[i] if i < len(order) else _pick_index(rng, [s[2] for s in STORE_KINDS])
        pattern, kinds, _, brands = STORE_KINDS[kind_no]
        place = rng.choice(["城区", "新区", "南门", "北街", "万达", "东城", "西城", "高新区", "火车站", "滨江"])
        region = rng.choice(city.counties)
        name = ""
        for _attempt in range(50):
            name = f"{city.name}" + pattern.format(brand=rng.choice(brands), place=place)
            if name not in names:
                break
            place = place + str(rng.randint(2, 9))
        if name in names:  # a dealer's name has no place in it: number the branch
            name = f"{name}（{i + 1}号店）"
        names.add(name)
        specs.append((name, kinds, region))
    unit_ids = list(session.scalars(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), [
        {"city_code": city.code, "name": name, "kind": "retailer", "region_code": region}
        for name, _, region in specs]))
    user_rows = [
        {"username": f"{city.slug}-retailer{i + 1:02d}", "display_name": name[:80], "password_hash": password_hash,
         "role": Role.RETAILER.value, "city_code": city.code, "unit_id": unit_id, "active": True}
        for i, ((name, _, _), unit_id) in enumerate(zip(specs, unit_ids, strict=True))
    ]
    session.execute(insert(User), user_rows)
    admitted_on = dt.date(2024, 4, 20)
    statuses = ["admitted"] * count
    statuses[-1], statuses[-2] = "expelled", "suspended"
    retailer_ids = list(session.scalars(insert(Retailer).returning(Retailer.id, sort_by_parameter_order=True), [
        {"city_code": city.code, "unit_id": unit_id, "name": name, "credit_code": _credit_code(rng, region),
         "region_code": region, "kinds": kinds, "status": status,
         "admitted_on": admitted_on + dt.timedelta(days=rng.randint(0, 90))}
        for (name, kinds, region), unit_id, status in zip(specs, unit_ids, statuses, strict=True)]))
    history = []
    shops: list[Shop] = []
    changed_on = on - dt.timedelta(days=20)
    for rid, (name, kinds, region), status in zip(retailer_ids, specs, statuses, strict=True):
        history.append({"retailer_id": rid, "from_status": None, "to_status": "admitted", "reason": "准入",
                        "at": _at(admitted_on, 10), "actor": f"{city.slug}-commerce"})
        if status != "admitted":
            reason = ("核查发现多笔虚构交易，清退出以旧换新活动" if status == "expelled"
                      else "价格监测发现多个型号先涨价后补贴，暂停核销待整改")
            history.append({"retailer_id": rid, "from_status": "admitted", "to_status": status, "reason": reason,
                            "at": _at(changed_on, 15), "actor": f"{city.slug}-commerce"})
        shops.append(Shop(rid, name, region, tuple(kinds), changed_on if status != "admitted" else on,
                          f"{city.slug}-retailer{len(shops) + 1:02d}"))
    session.execute(insert(RetailerStatusChange), history)
    summary.retailers += count
    summary.logins.setdefault(city.code, []).extend(
        (str(row["username"]), str(row["display_name"])) for row in user_rows[:3])
    return shops


def _pick_index(rng: random.Random, weights: list[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]


def _id_number(rng: random.Random, region: str, seen: set[str]) -> str:
    while True:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 55))
        first17 = f"{region}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        number = first17 + id_check_char(first17)
        if number not in seen:
            seen.add(number)
            return number


def _bank_card(rng: random.Random) -> str:
    """A 19-digit debit card number whose last digit is the Luhn check digit."""
    body = "622202" + f"{rng.randrange(10**12):012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):  # the check digit will sit to the right: double even positions
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    card = body + str((10 - total % 10) % 10)
    assert luhn_ok(card)
    return card


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _residents(session: Session, city: CitySpec, rng: random.Random, ids: Ids, rows: Rows, password_hash: str,
               summary: Summary) -> list[Resident]:
    """A few residents with logins (`<city>-resident01`…) and many without; every one has a valid
    ID number (GB 11643), an encrypted name, and a bank card in their own name (Luhn)."""
    count = max(60, city.claims * 10 // 22)
    named = 5
    user_rows = [{"username": f"{city.slug}-resident{i + 1:02d}", "display_name": "居民",
                  "password_hash": password_hash,
                  "role": Role.RESIDENT.value, "city_code": city.code, "unit_id": None, "active": True}
                 for i in range(named)]
    user_ids = list(session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), user_rows))
    seen: set[str] = set()
    created = now()
    residents = []
    ring_phone = "139" + f"{rng.randint(0, 99_999_999):08d}"  # one phone shared by a bulk-buying ring
    for i in range(count):
        name = _name(rng)
        number = _id_number(rng, rng.choice(city.counties), seen)
        card = _bank_card(rng)
        pid = next(ids.person)
        phone = None
        if i < named:
            phone = "13" + f"{rng.randint(0, 999_999_999):09d}"
        elif i < named + 6:
            phone = ring_phone
        rows.persons.append({
            "id": pid, "id_hash": pii.keyed_hash("id", number), "id_enc": pii.encrypt(number),
            "id_masked": pii.mask_id(number), "name_enc": pii.encrypt(name), "name_masked": pii.mask_name(name),
            "phone_hash": pii.keyed_hash("phone", phone) if phone else None,
            "phone_enc": pii.encrypt(phone) if phone else None, "address_hash": None,
            "bank_card_hash": pii.keyed_hash("card", card), "bank_card_enc": pii.encrypt(card),
            "bank_card_masked": pii.mask_card(card), "user_id": user_ids[i] if i < named else None,
            "created_at": created - dt.timedelta(days=rng.randint(30, 900)),
        })
        # Every resident is on the population register the real-name check reads, with their
        # card and the phone the bank holds for it, so each passes 实名认证 and the card check.
        rows.register.append(realname.register_row(
            id_number=number, name=name, bank_card=card,
            phone=phone if phone and phone != ring_phone else f"137{pid % 10**8:08d}"))  # no draw: rng order kept
        residents.append(Resident(pid, name))
    summary.persons += count
    summary.logins.setdefault(city.code, []).extend(
        (str(row["username"]), f"居民 {residents[i].name}") for i, row in enumerate(user_rows[:3]))
    for uid, resident in zip(user_ids, residents, strict=False):
        session.execute(update(User).where(User.id == uid).values(display_name=resident.name))
    return residents


# ---- claims -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    category: str
    brand: str
    model: str
    price_fen: int
    grade: int | None
    car: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None


class _Generator:
    """Generates one city's qualifications, claims and everything that hangs off them."""

    def __init__(self, city: CitySpec, programmes: dict[str, Programme], shops: list[Shop],
                 residents: list[Resident], rng: random.Random, on: dt.date, ids: Ids, rows: Rows) -> None:
        self.city, self.programmes, self.shops, self.residents = city, programmes, shops, residents
        self.rng, self.on, self.ids, self.rows = rng, on, ids, rows
        self.money = Money()
        self.by_status: dict[str, int] = defaultdict(int)
        self.claims = 0
        self.qualifications = 0
        self.waiting_reserve: dict[int, dict[str, int]] = {}
        self.reviewer = f"{city.slug}-commerce"
        self.now = now()
        self.rules = {code: evaluation.programme_rules(code) for code in programmes}
        self.code_of_id = {p.id: code for code, p in programmes.items()}
        self.window = {code: self._window(code) for code in programmes}
        self.mix_codes = [c for c, _ in PROGRAMME_MIX]
        self.mix_weights = list(itertools.accumulate(w for _, w in PROGRAMME_MIX))
        self.shops_by_kind: dict[str, list[Shop]] = defaultdict(list)
        for shop in shops:
            for kind in shop.kinds:
                self.shops_by_kind[kind].append(shop)

    # -- what the city generates

    def _window(self, code: str) -> tuple[dt.date, dt.date]:
        rules = self.rules[code]
        return rules.starts_on, min(rules.ends_on, self.on - dt.timedelta(days=1))

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

    def _lifecycle(self, row: dict[str, Any], status: str, decision: Decision, flagged_price: bool,
                   product: Product, shop: Shop, person: Resident) -> None:
        """The claim's events, flags, payout line, appeal and the last message the resident got."""
        rng = self.rng
        cid, at = row["id"], row["submitted_at"]
        retailer_user = shop.username
        events: list[tuple[str | None, str, str, str, dt.datetime]] = [(None, "submitted", "", retailer_user, at)]
        label = evaluation.category_label(self.rules_code(row), row["category"])
        amount = _yuan(row["amount_fen"])
        t = at + dt.timedelta(seconds=1)
        if not decision.eligible:
            reasons = list(decision.reasons) or ["不符合补贴条件"]
            events.append(("submitted", "rejected", "；".join(reasons), retailer_user, t))
            row["decided_at"] = t
            row["decision"] = {**row["decision"], "rejection_reasons": reasons}
            self._notify(person.id, cid, t, f"您的补贴申请（编号 {cid}）已驳回（原因：{'；'.join(reasons)}）。"
                                            f"如有异议，可在平台提交申诉。")
            if status == "appealed":  # never for a rules rejection: kept simple
                pass
            self.rows.events.extend(_event_rows(cid, events))
            return
        reviewed = status in ("review", "correction", "rejected", "upheld", "appealed") or rng.random() < 0.01
        if reviewed:
            flags = self._flags(row, flagged_price, product, shop)
            note = "；".join(f["explanation"] for f in flags)
            events.append(("submitted", "review", f"风险提示，转人工审核：{note}", retailer_user, t))
            prev = "review"
        else:
            events.append(("submitted", "approved", "自动审核通过", retailer_user, t))
            row["decided_at"] = t
            prev = "approved"
        review_at = min(at + dt.timedelta(hours=rng.randint(2, 30)), self.now - dt.timedelta(minutes=30))
        if status == "correction":
            events.append(("review", "correction", rng.choice(CORRECTION_NOTES), self.reviewer, review_at))
            self._notify(person.id, cid, review_at, f"您的补贴申请（编号 {cid}）需补正：{events[-1][2]}。")
        elif status in ("rejected", "upheld", "appealed"):
            reason = rng.choice(REVIEW_REJECT_REASONS)
            events.append(("review", "rejected", reason, self.reviewer, review_at))
            row["decided_at"] = review_at
            row["decision"] = {**row["decision"], "rejection_reasons": [reason]}
            self._notify(person.id, cid, review_at, f"您的补贴申请（编号 {cid}）已驳回（原因：{reason}）。"
                                                    f"如有异议，可在平台提交申诉。")
            if status in ("upheld", "appealed"):
                filed = min(review_at + dt.timedelta(days=1), self.now - dt.timedelta(minutes=20))
                events.append(("rejected", "appealed", rng.choice(APPEAL_REASONS), "resident", filed))
                appeal = {"claim_id": cid, "reason": events[-1][2], "status": "open", "filed_at": filed,
                          "decided_at": None, "decision_note": None}
                if status == "upheld":
                    decided = filed + dt.timedelta(days=3)
                    events.append(("appealed", "rejected", "申诉复核：维持原驳回决定", self.reviewer, decided))
                    appeal.update(status="upheld", decided_at=decided, decision_note="经复核，维持原驳回决定")
                self.rows.appeals.append(appeal)
        elif status == "review":
            pass
        else:
            if prev == "review":
                events.append(("review", "approved", "人工审核通过", self.reviewer, review_at))
                row["decided_at"] = review_at
            approved_at = events[-1][4]
            if status != "paid" or person in self.residents[:5]:
                # settled history keeps the resident's last message (已发放); live claims all of them
                self._notify(person.id, cid, approved_at,
                             f"{label}补贴申请（编号 {cid}）已核销成功，补贴 {amount} 元，审核通过，待发放。")
            if status in ("paid", "paying") or (status == "approved" and rng.random() < 0.15
                                                and (self.on - row["invoice_date"]).days > 20):
                self._payout(row, events, status, approved_at, person)
        self.rows.events.extend(_event_rows(cid, events))

    def _payout(self, row: dict[str, Any], events: list[Any], status: str, approved_at: dt.datetime,
                person: Resident) -> None:
        """Weekly batches (reconciled) for paid claims and failed payments; this week's batch
        (sent to the bank, not yet reconciled) for those paying."""
        rng = self.rng
        cid = row["id"]
        if status == "paying":
            batch_day = self.on - dt.timedelta(days=2)
        else:
            day = approved_at.date()
            batch_day = day + dt.timedelta(days=7 - day.weekday())
            if batch_day + dt.timedelta(days=2) >= self.on:
                batch_day = day + dt.timedelta(days=1)
        batch = self._batch(batch_day, reconciled=status != "paying")
        created = batch["created_at"]
        if created <= approved_at:
            created = approved_at + dt.timedelta(minutes=5)
        events.append(("approved", "paying", f"{BATCH_NOTE}{batch['id']}", self.reviewer, created))
        line = {"batch_id": batch["id"], "claim_id": cid, "amount_fen": row["amount_fen"], "status": "sent",
                "bank_ref": None, "failure_reason": None}
        batch["count"] += 1
        batch["total_fen"] += row["amount_fen"]
        settled = min(created + dt.timedelta(days=2), self.now - dt.timedelta(minutes=10))
        if status == "paid":
            ref = f"B{settled:%Y%m%d}{cid:08d}"
            line.update(status="paid", bank_ref=ref)
            events.append(("paying", "paid", f"银行流水号 {ref}", self.reviewer, settled))
            row["paid_at"] = settled
            self._notify(person.id, cid, settled, f"您的以旧换新补贴（申请编号 {cid}）已发放 "
                                                  f"{_yuan(row['amount_fen'])} 元，请注意查收。")
        elif status == "approved":  # the bank refused it; it waits for the next batch
            reason = rng.choice(BANK_FAILURES)
            line.update(status="failed", failure_reason=reason)
            events.append(("paying", "approved", f"银行发放失败：{reason}", self.reviewer, settled))
            self._notify(person.id, cid, settled, f"您的补贴（申请编号 {cid}）发放失败（{reason}），"
                                                  "请核对本人银行卡信息，将在下一批次重新发放。")
        self.rows.lines.append(line)

    def _batch(self, day: dt.date, *, reconciled: bool) -> dict[str, Any]:
        key = (self.city.code, day, reconciled)
        batch = self.rows.batches.get(key)
        if batch is None:
            created = min(_at(day, 10), self.now - dt.timedelta(hours=2))
            batch = {"id": next(self.ids.batch), "city_code": self.city.code, "created_at": created,
                     "status": "reconciled" if reconciled else "created", "count": 0, "total_fen": 0,
                     "file_name": f"payout-{self.city.code}-{created:%Y%m%d%H%M%S}.csv", "created_by": self.reviewer}
            self.rows.batches[key] = batch
        return batch

    def _flags(self, row: dict[str, Any], flagged_price: bool, product: Product, shop: Shop) -> list[dict[str, Any]]:
        rng = self.rng
        found = []
        ref = _ref_price(product) if flagged_price else None
        if ref and product.price_fen > ref * 1.1:
            above = product.price_fen / ref - 1
            score = min(0.9, 0.5 + (above - 0.10))
            found.append(("price_above_band", score,
                          f"型号{product.model}冻结参考价{_yuan(ref)}元（{REFERENCE_WINDOW[0]}，价格样本的中位数），"
                          f"本次成交价{_yuan(product.price_fen)}元，高出{above * 100:.1f}%，超过允许浮动10%"))
        if not found:
            rule = rng.choice(sorted(FLAG_RULES))
            score, template = FLAG_RULES[rule]
            masked = "139****" + f"{rng.randint(0, 9999):04d}"
            found.append((rule, score, template.format(n=rng.randint(3, 7), masked=masked,
                                                       retailer=shop.name, x=rng.randint(5, 12))))
        out = []
        remaining = 1.0
        for rule, score, explanation in found:
            remaining *= 1 - score
            flag = {"claim_id": row["id"], "rule": rule, "score": round(score, 4), "explanation": explanation,
                    "at": row["submitted_at"] + dt.timedelta(seconds=1)}
            out.append(flag)
            self.rows.flags.append(flag)
        row["fraud_score"] = round(1 - remaining, 4)
        return out

    def _claim_money(self, programme: Programme, row: dict[str, Any], status: str, reserve: int,
                     shares: dict[str, float], decision: Decision, car: bool, day: dt.date) -> None:
        """Live: the qualification's pending reservation stays. Settled: aggregated per month."""
        amounts = dict(row["amounts_by_source"])
        final = row["status"]
        if final in ("approved", "paying", "review", "correction"):
            if car:  # never generated (no car programme is open in 2026); kept explicit
                raise AssertionError("car claims are generated settled")
            for source, amount in money.split(reserve, shares).items():
                self.money.live.append((programme.id, source, row["qualification_id"], amount,
                                        row["submitted_at"] - dt.timedelta(hours=1)))
            return
        if car:
            if final == "paid":
                self._settle(programme.id, day, amounts, amounts, count_key="paid")
            return  # a rejected car claim never reserved
        held = money.split(reserve, shares)
        self._settle(programme.id, day, held, amounts if final == "paid" else {},
                     count_key="paid" if final == "paid" else "voided")

    def _settle(self, programme_id: int, day: dt.date, held: dict[str, int], paid: dict[str, int], *,
                count_key: str) -> None:
        month = f"{day:%Y-%m}"
        for source, amount in held.items():
            agg = self.money.settled.setdefault((programme_id, source, month), {
                "reserved": 0, "paid": 0, "paid_count": 0, "voided": 0, "voided_count": 0, "voided_quals": 0,
                "day": day})
            agg["reserved"] += amount
            agg["paid"] += paid.get(source, 0)
            agg["day"] = max(agg["day"], day)
            agg[count_key if count_key != "paid" else "paid_count"] += 1

    # -- helpers

    def rules_code(self, row: dict[str, Any]) -> str:
        return self.code_of_id[row["programme_id"]]

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

    def _notify(self, person_id: int, claim_id: int | None, at: dt.datetime, body: str) -> None:
        self.rows.outbox.append({"person_id": person_id, "claim_id": claim_id, "channel": "sms", "body": body,
                                 "created_at": at})


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


def _at(day: dt.date, hour: int) -> dt.datetime:
    return min(dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=CHINA), now() - dt.timedelta(hours=1))


# ---- writing ------------------------------------------------------------------------------------


CHUNK = 20_000


def _sqlite_converter(column: Any) -> Any:
    """What SQLAlchemy would bind on SQLite for this column: datetimes as China-time text (as
    `clock.aware` reads them back), dates ISO, JSON as text (a dict shared by many rows, such as
    a cached decision, is serialised once)."""
    kind = type(column.type).__name__
    if kind == "DateTime":
        def moment(value: Any) -> Any:
            if value is None:
                return None
            if value.tzinfo is not CHINA:
                value = value.astimezone(CHINA)
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return moment
    if kind == "Date":
        return lambda value: None if value is None else value.isoformat()
    if kind == "JSON":
        memo: dict[int, tuple[Any, str]] = {}

        def as_json(value: Any) -> Any:
            if value is None:
                return None
            found = memo.get(id(value))
            if found is not None and found[0] is value:
                return found[1]
            dumped = json.dumps(value, ensure_ascii=False, default=str)
            if len(memo) < 50_000:
                memo[id(value)] = (value, dumped)
            return dumped
        return as_json
    return None


def _bulk(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Bulk insert. On SQLite straight to the driver's executemany (the ORM's per-row parameter
    processing costs more than the insert itself at this volume); elsewhere a Core insert."""
    if not rows:
        return
    table = model.__table__
    if is_postgres(session):
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(table), rows[start:start + CHUNK])
        return
    columns = list(rows[0])
    sql = f'INSERT INTO {table.name} ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
    converters = [(c, _sqlite_converter(table.c[c])) for c in columns]
    plain = [c for c, f in converters if f is None]
    typed = [(i, c, f) for i, (c, f) in enumerate(converters) if f is not None]
    connection = session.connection()
    for start in range(0, len(rows), CHUNK):
        chunk = []
        for row in rows[start:start + CHUNK]:
            values = [row[c] for c in columns]
            for i, _column, f in typed:
                values[i] = f(values[i])
            chunk.append(tuple(values))
        connection.exec_driver_sql(sql, chunk)
    del plain


def _number_batches_by_date(rows: Rows) -> None:
    """Batch numbers in the order the batches were made: claims are generated claim by claim, so a
    batch is first met in any order; a reviewer expects batch 12 to come after batch 11. The
    lines and the claims' "列入发放批次 N" events follow the new numbers."""
    batches = list(rows.batches.values())
    order = sorted(batches, key=lambda b: (b["created_at"], b["city_code"], b["id"]))
    renumber = {b["id"]: new for b, new in zip(order, sorted(b["id"] for b in batches), strict=True)}
    for batch in batches:
        batch["id"] = renumber[batch["id"]]
    for line in rows.lines:
        line["batch_id"] = renumber[line["batch_id"]]
    for event in rows.events:
        if event["note"].startswith(BATCH_NOTE):
            event["note"] = f"{BATCH_NOTE}{renumber[int(event['note'][len(BATCH_NOTE):])]}"


def _write(session: Session, rows: Rows) -> None:
    _number_batches_by_date(rows)
    _bulk(session, Person, rows.persons)
    _bulk(session, Qualification, rows.qualifications)
    _bulk(session, Claim, rows.claims)
    _bulk(session, ClaimEvent, rows.events)
    _bulk(session, UsedIdentifier, rows.identifiers)
    _bulk(session, QuotaSlot, rows.slots)
    _bulk(session, FraudFlag, rows.flags)
    _bulk(session, PayoutBatch, list(rows.batches.values()))
    _bulk(session, PayoutLine, rows.lines)
    _bulk(session, Appeal, rows.appeals)
    _bulk(session, OutboxMessage, rows.outbox)
    _bulk(session, IdentityRegisterEntry, rows.register)


def _nice(fen: float) -> int:
    """Rounded up to a budget figure a finance bureau would allocate (two significant digits, yuan)."""
    yuan = max(fen / 100, 10_000)
    step = 10 ** max(0, int(math.log10(yuan)) - 1)
    return int(math.ceil(yuan / step) * step) * 100


def _fund_and_post(session: Session, city: CitySpec, programmes: dict[str, Programme], money_: Money,
                   waiting: dict[int, dict[str, int]], on: dt.date, rng: random.Random) -> None:
    """Creates and funds the pools (through the ledger service), then writes the month
    aggregates and the live reservations as transfers and entries in bulk, and moves the
    cached balances by exactly what the entries say."""
    by_id = {p.id: p for p in programmes.values()}
    need: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: {"net": 0, "peak": 0, "live": 0})
    for (pid, source, _month), agg in money_.settled.items():
        n = need[(pid, source)]
        n["net"] += agg["paid"]
        n["peak"] = max(n["peak"], agg["reserved"])
    for pid, source, _qid, amount, _at in money_.live:
        need[(pid, source)]["live"] += amount
    budgets: dict[str, dict[str, int]] = {}
    second: dict[str, dict[str, int]] = {}
    for code, programme in programmes.items():
        shares = evaluation.fund_shares(code, programme.starts_on)
        per_source: dict[str, int] = {}
        for source in shares:
            n = need[(programme.id, source)]
            if code == OPEN_CAR:  # no claims yet: its first tranche is its whole budget
                per_source[source] = money.split(OPEN_CAR_BUDGET_FEN, shares).get(source, 0)
            elif code == EXHAUSTED:  # all but the last few yuan: the newest qualifications wait
                smallest = min((w.get(source, 0) for w in waiting.values()), default=0)
                per_source[source] = n["net"] + n["live"] + max(0, smallest - 1)
            elif programme.ends_on < on:  # closed: most of the money was used
                per_source[source] = _nice((n["net"] + n["peak"]) / rng.uniform(0.86, 0.97))
            else:  # open: the first tranche is nearly used; the second holds today's reservations
                per_source[source] = n["net"] + n["peak"]
                second.setdefault(code, {})[source] = _nice(n["live"] / rng.uniform(0.45, 0.7) + 1)
        budgets[code] = per_source
    programmes_service.setup_city_programmes(session, city.code, budgets, actor=ACTOR)
    for code, per_source in second.items():
        programmes_service.fund_programme(session, programmes[code], per_source,
                                          key=f"fund:{city.code}:{code}:tranche2", actor=ACTOR, tranche=2)
    session.flush()
    pools = {(p.programme_code, p.fund_source, p.tranche): p for p in session.scalars(
        select(Pool).where(Pool.city_code == city.code))}

    def pool(pid: int, source: str, live: bool) -> Pool:
        programme = by_id[pid]
        ledger_source = money.ledger_source(source)
        if live and (programme.code, ledger_source, 2) in pools:
            return pools[(programme.code, ledger_source, 2)]
        return pools[(programme.code, ledger_source, 1)]

    _write_transfers(session, money_, pool, by_id)
    _sync_sequences(session)  # the next city's funding goes through the ORM


def _write_transfers(session: Session, money_: Money, pool_of: Any, by_id: dict[int, Programme]) -> None:
    next_id = _next_id(session, Transfer)
    transfers: list[dict[str, Any]] = []
    created = now()

    def add(kind: str, pool: Pool, frm: int, to: int, amount: int, ref: str, key: str, at: dt.datetime,
            status: str = "final", pending: int | None = None, memo: str = "") -> int:
        nonlocal next_id
        tid = next_id
        next_id += 1
        transfers.append({"id": tid, "key": key, "kind": kind, "from_account_id": frm, "to_account_id": to,
                          "amount": amount, "status": status, "pending_id": pending, "ref": ref, "memo": memo[:200],
                          "actor": ACTOR, "created_at": min(at, created)})
        return tid

    for (pid, source, month), agg in sorted(money_.settled.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        if agg["reserved"] <= 0:
            continue
        programme = by_id[pid]
        p = pool_of(pid, source, False)
        ref = f"demo:{programme.code}:{month}"
        base = f"demo:{programme.city_code}:{programme.code}:{source}:{month}"
        at = _at(agg["day"], 18)
        paid = agg["paid"]
        status = "posted" if paid else "voided"
        rid = add("reserve", p, p.available_account_id, p.reserved_account_id, agg["reserved"], ref,
                  f"reserve:{base}", at, status=status,
                  memo=f"演示批量：{month} 资格与申请预留（已发放 {agg['paid_count']} 笔，驳回 {agg['voided']} 笔，"
                       f"作废资格 {agg['voided_quals']} 个）")
        if paid:
            add("post", p, p.reserved_account_id, p.paid_account_id, paid, ref, f"post:{base}", at, pending=rid,
                memo=f"演示批量：{month} 已发放 {agg['paid_count']} 笔")
        rest = agg["reserved"] - paid
        if rest:
            add("void", p, p.reserved_account_id, p.available_account_id, rest, ref,
                f"post:{base}:rest" if paid else f"void:reserve:{base}", at, pending=rid,
                memo=f"演示批量：{month} 释放未用预留（部分拨付余额、驳回与过期）")
    for pid, source, qid, amount, at in money_.live:
        p = pool_of(pid, source, True)
        add("reserve", p, p.available_account_id, p.reserved_account_id, amount, f"qualification:{qid}",
            f"reserve:qualification:{qid}:{source}", at, status="pending")
    _bulk(session, Transfer, transfers)
    entries = []
    deltas: dict[int, int] = defaultdict(int)
    for t in transfers:
        entries.append({"transfer_id": t["id"], "account_id": t["from_account_id"], "amount": -t["amount"],
                        "created_at": t["created_at"]})
        entries.append({"transfer_id": t["id"], "account_id": t["to_account_id"], "amount": t["amount"],
                        "created_at": t["created_at"]})
        deltas[t["from_account_id"]] -= t["amount"]
        deltas[t["to_account_id"]] += t["amount"]
    _bulk(session, Entry, entries)
    accounts = cast(Table, Account.__table__)
    for account_id in sorted(deltas):
        if deltas[account_id]:
            session.execute(update(accounts).where(accounts.c.id == account_id)
                            .values(balance=accounts.c.balance + deltas[account_id]))


def _sync_sequences(session: Session) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the rows written."""
    if not is_postgres(session):
        return
    for model in (Person, Qualification, Claim, PayoutBatch, Transfer):
        table = model.__tablename__
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def city_specs(session: Session, plans: list[tuple[str, str]], total: int, scale: dict[str, float]) -> list[CitySpec]:
    """(city code, slug) of each plan → the cities, with `total` claims shared by city size."""
    weights = {slug: scale.get(slug, 1.0) for _, slug in plans}
    whole = sum(weights.values()) or 1.0
    out = []
    for code, slug in plans:
        counties = tuple(r.code for r in orgs_service.child_regions(session, code)) or (code,)
        out.append(CitySpec(code=code, slug=slug, name=orgs_service.region_name(session, code),
                            claims=max(200, int(total * weights[slug] / whole)), counties=counties))
    return out


# ---- what the printed summary walks a visitor through -----------------------------------------


@dataclass(frozen=True)
class Walkthrough:
    """One city's flows to finish by hand: a resident's qualification ready to redeem and a retailer
    admitted for it; a dealer and the car programme open today, with a buyer's ID number and two
    VINs that pass their check digits (a VIN is claimed once: file them in one claim)."""

    resident: str | None
    qualification_id: int | None
    category: str
    retailer: str | None
    dealer: str | None
    car_programme: str | None
    buyer_id_number: str
    new_vin: str
    old_vin: str


def walkthroughs(session: Session, city_codes: list[str]) -> dict[str, Walkthrough]:
    """Read back from the database (a reused demo prints too): city code → its walkthrough."""
    return {code: _walkthrough(session, code) for code in city_codes}


def _walkthrough(session: Session, city_code: str) -> Walkthrough:
    moment = now()
    ready = session.execute(
        select(User.username, Qualification.id, Qualification.category, Programme.kind, Programme.rules_code)
        .join(Person, Person.user_id == User.id).join(Qualification, Qualification.person_id == Person.id)
        .join(Programme, Programme.id == Qualification.programme_id)
        .where(User.city_code == city_code, User.role == Role.RESIDENT.value, User.active.is_(True),
               Qualification.status == "active", Qualification.expires_at > moment)
        .order_by(User.username, Qualification.id).limit(1)).first()
    car = session.scalar(select(Programme).where(Programme.city_code == city_code, Programme.code == OPEN_CAR))
    kind = ready.kind if ready is not None else None
    n = int(city_code) % 1000
    first17 = f"{city_code}19991231{n % 1000:03d}"
    return Walkthrough(
        resident=ready.username if ready else None, qualification_id=ready.id if ready else None,
        category=evaluation.category_label(ready.rules_code, ready.category) if ready else "",
        retailer=_admitted_login(session, city_code, kind) if kind else None,
        dealer=_admitted_login(session, city_code, car.kind) if car is not None else None,
        car_programme=car.name if car is not None else None, buyer_id_number=first17 + id_check_char(first17),
        new_vin=_vin("LGX", 990_000 + n), old_vin=_vin("LFV", 990_000 + n))


def _admitted_login(session: Session, city_code: str, kind: str) -> str | None:
    """The first login of an admitted retailer of the city that may redeem this programme kind."""
    rows = session.execute(select(User.username, Retailer.kinds).join(Retailer, Retailer.unit_id == User.unit_id)
                           .where(Retailer.city_code == city_code, Retailer.status == "admitted",
                                  User.active.is_(True)).order_by(User.username)).all()
    return next((username for username, kinds in rows if kind in (kinds or [])), None)
