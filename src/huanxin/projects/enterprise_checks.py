"""The one check of an enterprise's data, shared by registration, changes and the Excel import:
the input, credit code, industry, a county of the city, flags, and that the credit code is the
city's only one (projects.enterprises uses it)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput
from huanxin.kit.identifiers import validate_phone
from huanxin.kit.limits import Schema, ShortText
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Region, Unit
from huanxin.projects import credit_code as credit
from huanxin.projects import industries, vocab
from huanxin.projects.models import Enterprise


class EnterpriseInput(Schema):
    """What a form, a JSON body or a sheet row says about an enterprise. Defaults everywhere, so a
    missing value gets the Chinese message naming it rather than a validation error."""

    name: ShortText = ""
    credit_code: ShortText = ""
    industry_code: ShortText = ""
    region_code: ShortText = ""
    above_scale: bool = False
    flags: list[ShortText] = Field(default_factory=list, max_length=len(vocab.ENTERPRISE_FLAGS) * 2)
    contact_name: ShortText = ""
    contact_phone: ShortText = ""  # "" keeps the stored phone on a change; see `remove_phone`
    address: ShortText = ""
    remove_phone: bool = False


def counties(session: Session, city_code: str) -> dict[str, str]:
    """The county-level regions of the city, code → name: the regions an enterprise may be in. A
    county-level city that runs its own plan (安丘) is its own only region."""
    city = session.get(Region, city_code)
    if city is not None and city.level == "county":
        return {city.code: city.name}
    return {r.code: r.name for r in orgs_service.child_regions(session, city_code) if r.level == "county"}


# ---- checking --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checked:
    name: str
    credit_code: str
    industry_code: str
    region_code: str
    flags: list[str]
    contact_name: str
    phone: str | None  # None: keep the stored one; "": remove it
    address: str


def check(session: Session, city_code: str, data: EnterpriseInput) -> Checked:
    """Every field checked before anything is written; the first problem names its field."""
    name = data.name.strip()
    if not name:
        raise InvalidInput("“企业名称”不能为空", field="name")
    if len(name) > 80:
        raise InvalidInput("“企业名称”不能超过 80 字", field="name")
    code = credit.validate(data.credit_code, field="credit_code")
    industry = industries.validate_industry(data.industry_code, field="industry_code")
    region = data.region_code.strip()
    regions = counties(session, city_code)
    if not region:
        raise InvalidInput("“所在县（市、区）”不能为空", field="region_code")
    if region not in regions:
        raise InvalidInput(f"“所在县（市、区）”“{region}”不是本市的县级行政区划", field="region_code")
    flags: list[str] = []
    for key in data.flags:
        if key not in vocab.ENTERPRISE_FLAGS:
            allowed = "、".join(vocab.ENTERPRISE_FLAGS.values())
            raise InvalidInput(f"企业称号“{key}”无效，应为 {allowed} 之一", field="flags")
        if key not in flags:
            flags.append(key)
    contact = data.contact_name.strip()
    if len(contact) > 40:
        raise InvalidInput("“联系人”不能超过 40 字", field="contact_name")
    phone: str | None = "" if data.remove_phone else None
    if data.contact_phone.strip():
        phone = validate_phone(data.contact_phone, field="contact_phone")
    address = data.address.strip()
    if len(address) > 200:
        raise InvalidInput("“地址”不能超过 200 字", field="address")
    return Checked(name, code, industry, region, flags, contact, phone, address)


def check_unique(session: Session, city_code: str, checked: Checked, own: Enterprise | None) -> None:
    """Conflict (409) when another enterprise of the city has the checked credit code or name, or the
    new name belongs to another unit; `own` is the enterprise being edited (None for a new one)."""
    own_id = own.id if own is not None else None
    same = session.scalar(select(Enterprise).where(Enterprise.city_code == city_code,
                                                   Enterprise.credit_code == checked.credit_code))
    if same is not None and same.id != own_id:
        raise Conflict(f"统一社会信用代码 {checked.credit_code} 已登记为企业“{same.name}”，不能重复登记",
                       field="credit_code")
    named = session.scalar(select(Enterprise).where(Enterprise.city_code == city_code, Enterprise.name == checked.name))
    if named is not None and named.id != own_id:
        raise Conflict(f"本市已登记名为“{checked.name}”的企业", field="name")
    if own is not None and own.unit_id is not None and checked.name != own.name:
        taken = session.scalar(select(Unit.id).where(Unit.city_code == city_code, Unit.name == checked.name,
                                                     Unit.id != own.unit_id))
        if taken is not None:
            raise Conflict(f"名称“{checked.name}”已是本市登记的其他单位，请核对企业名称", field="name")
