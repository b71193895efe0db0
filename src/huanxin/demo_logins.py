"""What `huanxin demo` prints: where to open the demo and every account, grouped by city and
role, read back from the database so a reused demo prints too.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.bootstrap import DEMO_PASSWORD, Login
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import ROLE_LABELS, Role
from huanxin.plans.models import Plan
from huanxin.projects import vocab
from huanxin.tradein import demo as tradein_demo


def print_logins(logins: dict[str, list[Login]], host: str, port: int,
                 walkthroughs: dict[str, tradein_demo.Walkthrough] | None = None) -> None:
    """Prints where to open the demo and every account, grouped by city and role; with
    `walkthroughs` (plan key → `demo_walkthroughs`), how to finish the trade-in flows by hand."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"\n焕新演示：http://{shown_host}:{port}/   所有账号的密码：{DEMO_PASSWORD}")
    for key, city_logins in logins.items():
        if not city_logins:
            continue
        print(f"\n{city_logins[0].city}（{len(city_logins)} 个账号）")
        for role in (Role.OFFICE, Role.LEADER, Role.REVIEWER, Role.DEPARTMENT, Role.COUNTY, Role.BANK):
            members = [lg for lg in city_logins if lg.role == role]
            if members:
                _print_role(role, members)
        _print_tradein(city_logins)
        _print_projects(city_logins)
        _print_recycling(city_logins)
        if walkthroughs and key in walkthroughs:
            _print_walkthrough(walkthroughs[key])


def _print_walkthrough(w: tradein_demo.Walkthrough) -> None:
    if w.resident and w.retailer:
        print(f"  {_pad('核销演示', 18)}居民 {w.resident} 的资格 {w.qualification_id}（{w.category}）"
              f" → 商户 {w.retailer}")
        print(f"  {_pad('', 18)}居民页面显示核销码，收银员输入资格编号和核销码即可核销")
    if w.dealer and w.car_programme:
        print(f"  {_pad('汽车补贴演示', 18)}经销商 {w.dealer} 代购车人申请“{w.car_programme}”")
        print(f"  {_pad('', 18)}可用 购车人身份证号 {w.buyer_id_number}（姓名任填）、"
              f"新车VIN {w.new_vin}、旧车VIN {w.old_vin}")
        if w.scrap_certificate:
            print(f"  {_pad('', 18)}报废机动车回收证明编号 {w.scrap_certificate}（已登记，对应该旧车VIN）")


def _print_tradein(city_logins: list[Login]) -> None:
    """Trade-in accounts, one line per role: the first few retailers and residents of many."""
    for role, label in ((Role.RETAILER, "以旧换新经营主体"), (Role.RESIDENT, "以旧换新居民")):
        members = [lg for lg in city_logins if lg.role == role]
        if members:
            names = "  ".join(f"{lg.username}（{lg.unit}）" if lg.unit else lg.username for lg in members)
            print(f"  {_pad(label, 18)}{names}")


def _print_projects(city_logins: list[Login]) -> None:
    """The key project library: the demo's first enterprises (ent001 has a returned project to
    correct, a draft and an approved one) and who reviews: a county with a region of its own,
    the department that reviews industry (the keywords projects.reviewers matches), the office."""
    enterprises = [lg for lg in city_logins if lg.role == Role.ENTERPRISE]
    if not enterprises:
        return
    names = "  ".join(f"{lg.username}（{lg.unit}）" if lg.unit else lg.username for lg in enterprises)
    print(f"  {_pad('重点项目库企业', 18)}{names}")
    print(f"  {_pad('', 18)}{enterprises[0].username} 有被退回待修改的项目、草稿和已入库项目")
    counties = [lg for lg in city_logins if lg.role == Role.COUNTY and lg.username[-6:].isdigit()]
    departments = [lg for lg in city_logins if lg.role == Role.DEPARTMENT]
    industry = next((lg for word in vocab.FIELD_REVIEWER_KEYWORDS["industry"] for lg in departments
                     if word in (lg.unit or "")), None)
    office = next((lg for lg in city_logins if lg.role == Role.OFFICE), None)
    chain = [f"县区 {counties[0].username}（{counties[0].unit}）" if counties else "",
             f"行业部门 {industry.username}（{industry.unit}，审核工业项目）" if industry else "",
             f"专班办公室 {office.username}" if office else ""]
    print(f"  {_pad('重点项目审核', 18)}{' → '.join(c for c in chain if c)}")


def _print_recycling(city_logins: list[Login]) -> None:
    """The first recycler's dispatcher, driver and station attendant (recycling.demo)."""
    staff = [lg for lg in city_logins if lg.role == Role.RECYCLER]
    if not staff:
        return
    functions = {"-dispatcher": "调度员", "-driver1": "司机", "-station1": "站点人员"}
    names = "  ".join(f"{lg.username}（{label}）" for lg in staff for end, label in functions.items()
                      if lg.username.endswith(end))
    print(f"  {_pad('再生资源回收企业', 18)}{staff[0].unit or ''}：{names}")


def _print_role(role: Role, members: list[Login]) -> None:
    # A reporting account may be a department or an enterprise, bank or agency the plan names
    # as responsible: the group says so rather than calling 中车资阳机车 a 市直部门.
    label = "市直部门及责任单位" if role == Role.DEPARTMENT else ROLE_LABELS[role]
    if role in (Role.OFFICE, Role.LEADER, Role.REVIEWER):
        for lg in members:
            print(f"  {_pad(label, 14)}{_pad(lg.username, 26)}{lg.unit or ''}")
        return
    # Departments and counties are many: two per line keeps a city on one screen.
    print(f"  {label}（{len(members)}）")
    name_width = min(34, max(_width(lg.unit or "") for lg in members) + 2)
    cells = [f"{_pad(lg.username, 24)}{_pad(lg.unit or '', name_width)}" for lg in members]
    for i in range(0, len(cells), 2):
        print("    " + "".join(cells[i : i + 2]).rstrip())


def _width(value: str) -> int:
    """Display width: a Chinese character takes two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def _pad(value: str, width: int) -> str:
    return value + " " * max(1, width - _width(value))


def logins_from_db(session: Session) -> dict[str, list[Login]]:
    """The accounts of each plan's city, office first, read back so a reused database prints too."""
    order = {Role.OFFICE: 0, Role.LEADER: 1, Role.REVIEWER: 2, Role.DEPARTMENT: 3, Role.COUNTY: 4,
             Role.RETAILER: 5, Role.RESIDENT: 6, Role.ENTERPRISE: 7, Role.RECYCLER: 8, Role.BANK: 9}
    plans = list(session.scalars(select(Plan).order_by(Plan.key)))
    many = (Role.RETAILER.value, Role.RESIDENT.value)
    rows = session.execute(
        select(User.username, User.role, User.city_code, Unit.name)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.role.in_([r.value for r in order]))
    ).all()
    # Of the many retailers and residents, the first three of each city are listed.
    rows = [r for r in rows if r.role not in many or r.username[-2:] in ("01", "02", "03")]
    # Of the project library's enterprises (projects.demo: <city>-entNNN), the first two.
    rows = [r for r in rows if r.role != Role.ENTERPRISE.value or r.username.endswith(("-ent001", "-ent002"))]
    # Of the recyclers' staff (recycling.demo: <city>-recyclerN-<function>), the first recycler's
    # dispatcher, first driver and first station attendant.
    rows = [r for r in rows if r.role != Role.RECYCLER.value or "-recycler1-" in r.username
            and r.username.endswith(("-dispatcher", "-driver1", "-station1"))]
    # Of the financing demo's bank accounts (financing.demo: bank-<city>-N), the first two.
    rows = [r for r in rows if r.role != Role.BANK.value or r.username.endswith(("-1", "-2"))]
    out: dict[str, list[Login]] = {}
    for plan in plans:
        if any(p.city_code == plan.city_code for p in plans if p.key in out):
            continue  # a city with two plans lists its accounts once
        city = orgs_service.region_name(session, plan.city_code)
        mine = [
            Login(city=city, username=u, role=Role(r), unit=n) for u, r, c, n in rows if c == plan.city_code
        ]
        out[plan.key] = sorted(mine, key=lambda lg: (order[lg.role], lg.username))
    return out
