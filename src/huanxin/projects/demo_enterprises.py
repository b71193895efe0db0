"""The demo's enterprises (企业库) of one city: names, valid unified social credit codes (GB 32100,
through projects.credit_code), industries (GB/T 4754-2017), counties, size and flags, an encrypted
contact phone, a unit of kind "enterprise" and a login `<city>-entNNN` for each.

Hospitals and schools declare projects too (医疗卫生, 教育 fields): their codes start with 12
(机构编制 · 事业单位) and their names are an institution's, not a company's."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.kit import pii
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.projects.models import Enterprise

CODE_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# field → (GB/T 4754-2017 codes its declarants belong to, name stems, suffixes)
DECLARANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "industry": (("C3011", "C3120", "C3130", "C2614", "C3311", "C3670", "C3391", "C3489", "C3511", "C2651",
                  "C3240", "C3812", "C3821", "C3831", "C1761", "C3140", "C2710"),
                 ("水泥", "钢铁", "特钢", "化工", "钢结构", "汽车零部件", "铸造", "机械", "矿山机械", "新材料",
                  "有色金属", "电机", "电气", "线缆", "纺织", "铁合金", "制药")),
    "energy_using": (("C3011", "C3130", "C2614", "C3391", "C2211"), ("建材", "冶金", "化工", "铸造", "纸业")),
    "energy_power": (("D4411", "D4412"), ("发电", "热电", "能源")),
    "construction_municipal": (("D4610", "D4620", "E4812"), ("自来水", "水务", "市政工程")),
    "transport": (("G5411",), ("公交", "城市客运")),
    "logistics": (("G5431", "G5990"), ("物流", "仓储")),
    "agriculture": (("A0141", "A0511"), ("农业科技", "现代农业")),
    "grain_oil": (("C1311", "C1312", "C1331", "G5951"), ("粮油", "米业", "面业", "油脂")),
    "culture_tourism": (("N7861", "R8810"), ("旅游开发", "文化旅游")),
    "elevator": (("K7020",), ("物业服务",)),
    "environment": (("D4620", "N7820"), ("环境", "环保科技")),
    "work_safety": (("B0610", "C2614"), ("煤业", "化工")),
    "recycling": (("C4210", "C4220"), ("再生资源", "资源循环")),
    "electronic_info": (("C3982", "C3976", "C3922"), ("电子科技", "光电", "通信设备")),
}
INSTITUTIONS = {
    "healthcare": ("Q8411", ("第一人民医院", "第二人民医院", "中医医院", "妇幼保健院", "中心医院", "人民医院")),
    "education": ("P8336", ("职业技术学校", "第一中学", "实验中学", "中等职业学校", "技师学院", "第二中学")),
}
STEMS = ("恒达", "宏远", "金鑫", "华信", "鼎盛", "瑞丰", "天成", "永兴", "宏图", "中联", "华拓", "博源", "兴隆", "长城",
         "泰和", "卓越", "众诚", "鑫源", "佳盛", "润泽", "同创", "正邦", "安泰", "汇通", "晨光", "东方", "新兴", "国瑞")
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
FLAGS = ("specialised", "high_tech", "first_set", "standards")


@dataclass(frozen=True)
class DemoEnterprise:
    id: int
    unit_id: int
    name: str
    region_code: str
    field: str  # the field its projects are mostly in
    username: str


def credit_code(rng: random.Random, prefix: str, region_code: str) -> str:
    """A valid 18-character code: authority and category, the registering division, a GB 11714
    organisation code with its own check character, and the GB 32100 check character."""
    try:
        from huanxin.projects import credit_code as credit
    except ImportError:  # helper H3's module; the kit holds the same check character
        from huanxin.kit.identifiers import credit_check_char

        org8 = "".join(rng.choice(CODE_SET[:10]) for _ in range(8))
        first17 = prefix + region_code + org8 + rng.choice(CODE_SET[:10])
        return first17 + credit_check_char(first17)
    org8 = "".join(rng.choice(CODE_SET) for _ in range(8))
    first17 = prefix + region_code + org8 + credit.organisation_check_char(org8)
    return credit.complete(first17)


def _name(rng: random.Random, city: str, field: str, county: str, taken: set[str]) -> tuple[str, str, str]:
    """(name, industry code, credit-code prefix), a name not yet used in the city."""
    for attempt in range(200):
        if field in INSTITUTIONS:
            industry, kinds = INSTITUTIONS[field]
            place = county if attempt % 2 else city
            name, prefix = f"{place}{rng.choice(kinds)}", "12"
            if attempt >= len(kinds) * 2:
                name = f"{place}{rng.choice(STEMS)}{rng.choice(STEMS) if attempt >= 60 else ''}{rng.choice(kinds)}"
        else:
            codes, words = DECLARANTS[field]
            pick = rng.randrange(len(codes))
            word = words[min(pick, len(words) - 1)]
            stem = rng.choice(STEMS) + (rng.choice(STEMS) if attempt >= 40 else "")  # a big city needs more names
            name = f"{city[:-1]}{stem}{word}{rng.choice(('有限公司', '股份有限公司', '有限责任公司'))}"
            industry, prefix = codes[pick], "91"
        if name not in taken:
            taken.add(name)
            return name, industry, prefix
    raise RuntimeError("demo enterprise names exhausted")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def generate_enterprises(session: Session, *, city_code: str, city_name: str, slug: str, counties: dict[str, str],
                         fields: list[str], rng: random.Random, password_hash: str, at: dt.datetime,
                         first_id: int) -> list[DemoEnterprise]:
    """One enterprise per entry of `fields` (the field its projects are in), with unit and login."""
    taken = set(session.scalars(select(Unit.name).where(Unit.city_code == city_code)))
    specs: list[dict[str, Any]] = []
    for number, field in enumerate(fields, start=1):
        region = rng.choice(list(counties))
        name, industry, prefix = _name(rng, city_name, field, counties[region], taken)
        phone = "13" + f"{rng.randrange(10**9):09d}"
        specs.append({"name": name, "industry": industry, "prefix": prefix, "region": region, "field": field,
                      "phone": phone, "username": f"{slug}-ent{number:03d}"})
    unit_ids = list(session.scalars(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), [
        {"city_code": city_code, "name": s["name"][:80], "kind": "enterprise", "region_code": s["region"]}
        for s in specs]))
    session.execute(insert(User), [
        {"username": s["username"], "display_name": s["name"][:80], "password_hash": password_hash,
         "role": Role.ENTERPRISE.value, "city_code": city_code, "unit_id": unit_id, "active": True}
        for s, unit_id in zip(specs, unit_ids, strict=True)])
    rows, out = [], []
    for offset, (s, unit_id) in enumerate(zip(specs, unit_ids, strict=True)):
        flags = [f for f in FLAGS if rng.random() < {"specialised": 0.18, "high_tech": 0.25}.get(f, 0.06)]
        rows.append({
            "id": first_id + offset, "city_code": city_code, "unit_id": unit_id,
            "credit_code": credit_code(rng, s["prefix"], s["region"]), "name": s["name"],
            "industry_code": s["industry"], "region_code": s["region"],
            "above_scale": s["prefix"] == "91" and rng.random() < 0.7, "flags": flags if s["prefix"] == "91" else [],
            "contact_name": _person(rng), "contact_phone_encrypted": pii.encrypt(s["phone"]),
            "address": f"{counties[s['region']]}{rng.choice(STEMS)}路{rng.randint(1, 300)}号",
            "created_at": at - dt.timedelta(days=rng.randint(0, 60)), "updated_at": at,
        })
        out.append(DemoEnterprise(first_id + offset, unit_id, s["name"], s["region"], s["field"], s["username"]))
    session.execute(insert(Enterprise), rows)
    return out
