"""The demo's fixed inputs (programme mix, products, names, store kinds, texts) and the small
records it passes around: city specs, the summary, id counters, rows to write, residents, shops, money."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from huanxin.orgs import service as orgs_service

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
