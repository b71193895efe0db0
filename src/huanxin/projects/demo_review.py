"""The demo's review histories and batches: for each project, the steps that brought it to its state
(enterprise submits → county → department → office → batch → province), with the declaration's
snapshot at every submission, the returns with their comments, and for some projects a return and
a corrected resubmission (version 2), so the history shows what changed.

Dated relative to today: projects waiting at a level arrived there 0–16 days ago (green, yellow and
red lights); an earlier batch was sent to the province a month or two ago, the current one is open
with its deadline a few days ahead."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from huanxin.kit.clock import CHINA
from huanxin.projects.demo_projects import DemoProject

CHAIN = [("enterprise", "submit"), ("county", "approve"), ("department", "approve"), ("office", "approve")]
STEPS_OF = {"draft": 0, "county": 1, "department": 2, "office": 3, "approved": 4, "batched": 4, "reported": 4}
RETURN_COMMENTS = {
    "county": ("请补充项目立项备案文件，并核对建设地点是否在本县（市、区）",
               "淘汰设备清单缺少设备原值和投用年份，请按固定资产台账补填",
               "项目总投资与备案证明不一致，请核实后重新提交"),
    "department": ("新购电动机能效仅达准入水平，请选用能效2级及以上产品或说明理由",
                   "设备投资与设备清单合计不一致，请核对单价和数量",
                   "请补充节能审查意见，明确年节能量测算依据"),
    "office": ("拟申请超长期特别国债支持，请说明项目投资完成比例和资金到位情况",
               "意向银行超过3家，请按要求调整融资需求"),
}
APPROVE_COMMENTS = ("", "同意", "经审核，符合申报条件，同意上报", "材料齐全，同意")
FIRST_DAY = dt.date(2024, 3, 1)  # the library opened with the plans


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str


@dataclass
class Actors:
    """Who acts at each level in the city: the enterprise's own login, the county of the project's
    region, the department reviewing its field, the office."""

    enterprise: dict[int, Actor]  # enterprise id → its login
    county: dict[str, Actor]  # region code → a county login
    department: dict[str, Actor]  # field → a login of the reviewing department
    office: Actor
    county_default: Actor = field(default_factory=lambda: Actor(None, "县（市、区）审核人员"))
    department_default: Actor = field(default_factory=lambda: Actor(None, "行业主管部门审核人员"))

    def of(self, level: str, project: DemoProject) -> Actor:
        if level == "enterprise":
            return self.enterprise[project.enterprise.id]
        if level == "county":
            return self.county.get(project.row["region_code"], self.county_default)
        if level == "department":
            return self.department.get(project.row["field"], self.department_default)
        return self.office


@dataclass
class Batches:
    """The city's sent batch (its reported projects) and its open one (its batched projects)."""

    rows: list[dict[str, Any]]
    sent: dict[str, Any] | None
    open: dict[str, Any] | None


def moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=CHINA)


def make_batches(rng: random.Random, city_code: str, city_name: str, first_id: int, office: Actor,
                 on: dt.date) -> Batches:
    sent_created = on - dt.timedelta(days=rng.randint(40, 80))
    sent = {"id": first_id, "city_code": city_code,
            "name": f"{city_name}{sent_created.year}年第一批超长期特别国债设备更新项目",
            "instrument": "special_bond", "deadline": sent_created + dt.timedelta(days=14), "status": "sent",
            "created_by": office.user_id, "created_at": moment(sent_created, rng),
            "sent_at": moment(sent_created + dt.timedelta(days=10), rng)}
    opened = on - dt.timedelta(days=5)
    current = {"id": first_id + 1, "city_code": city_code,
               "name": f"{city_name}{on.year}年第二批超长期特别国债设备更新项目", "instrument": "special_bond",
               "deadline": on + dt.timedelta(days=rng.randint(4, 12)), "status": "open",
               "created_by": office.user_id, "created_at": moment(opened, rng), "sent_at": None}
    return Batches(rows=[sent, current], sent=sent, open=current)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _snapshot_fields() -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:  # the review chain's own definition of what a snapshot keeps (helper H4)
        from huanxin.projects.review import EQUIPMENT_FIELDS, SNAPSHOT_FIELDS
    except ImportError:
        from huanxin.projects.schemas import EQUIPMENT_LABELS, FIELD_LABELS

        return tuple(f for f in FIELD_LABELS if f != "equipment"), tuple(EQUIPMENT_LABELS)
    return tuple(SNAPSHOT_FIELDS), tuple(EQUIPMENT_FIELDS)


def snapshot(row: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """As projects.review.snapshot writes it: the declaration's fields, equipment lines in order."""
    project_fields, line_fields = _snapshot_fields()
    content: dict[str, Any] = {f: _plain(row[f]) for f in project_fields}
    content["equipment"] = [{f: _plain(line[f]) for f in line_fields} for line in lines]
    return content


def _first_version(rng: random.Random, current: dict[str, Any]) -> dict[str, Any]:
    """What the enterprise sent before the county returned it: higher figures, a document missing."""
    before = dict(current)
    grown = 1 + rng.choice((0.1, 0.15, 0.2))
    before["equipment_investment_fen"] = int(current["equipment_investment_fen"] * grown) // 1_000_000 * 1_000_000
    before["total_investment_fen"] = max(before["equipment_investment_fen"],
                                         int(current["total_investment_fen"] * grown) // 1_000_000 * 1_000_000)
    before["fixed_asset_fen"] = min(before["total_investment_fen"],
                                    max(before["equipment_investment_fen"], current["fixed_asset_fen"]))
    before["documents"] = [d for d in current["documents"] if d != "approval"] or ["eia"]
    return before


def _sequence(rng: random.Random, state: str) -> tuple[list[tuple[str, str]], bool]:
    """The (level, action) steps to the state, and whether a return and resubmission came first."""
    if state == "draft":
        return [], False
    if state == "returned":
        depth = rng.choice((1, 1, 2, 3))
        steps = [*CHAIN[:depth], (CHAIN[depth][0], "return")]
        twice = rng.random() < 0.25
    else:
        steps = list(CHAIN[:STEPS_OF[state]])
        steps += [("office", "batch")] if state in ("batched", "reported") else []
        steps += [("office", "report")] if state == "reported" else []
        twice = rng.random() < 0.2
    if twice:  # submitted, returned by the county, corrected and resubmitted
        steps = [("enterprise", "submit"), ("county", "return"), ("enterprise", "resubmit"), *steps[1:]]
    return steps, twice


def _last_moment(rng: random.Random, project: DemoProject, state: str, batches: Batches,
                 now: dt.datetime) -> dt.datetime:
    if state in ("county", "department", "office", "returned"):
        return moment(now.date() - dt.timedelta(days=rng.randint(1, 16)), rng)
    if state == "reported" and batches.sent is not None:
        return batches.sent["sent_at"]  # type: ignore[no-any-return]
    if state == "batched" and batches.open is not None:
        return moment(batches.open["created_at"].date() + dt.timedelta(days=rng.randint(0, 3)), rng)
    start: dt.date = project.row["start_on"]
    day = min(now.date() - dt.timedelta(days=1), start + dt.timedelta(days=rng.randint(-60, 20)))
    return moment(max(day, FIRST_DAY + dt.timedelta(days=40)), rng)


def _times(rng: random.Random, end: dt.datetime, count: int, batches: Batches, state: str) -> list[dt.datetime]:
    """`count` moments ascending, ending at `end`, a few days apart in office hours; a reported
    project's batch step is just after its batch was created."""
    days = [end.date()]
    for _ in range(count - 1):
        days.append(days[-1] - dt.timedelta(days=rng.randint(1, 9)))
    days.reverse()
    if state == "reported" and batches.sent is not None and count >= 2:
        days[-2] = min(days[-2], batches.sent["created_at"].date() + dt.timedelta(days=rng.randint(0, 2)))
        for i in range(count - 3, -1, -1):
            days[i] = min(days[i], days[i + 1] - dt.timedelta(days=rng.randint(1, 6)))
    return [moment(day, rng) for day in days[:-1]] + [end]


def review_history(rng: random.Random, project: DemoProject, actors: Actors, batches: Batches,
                   now: dt.datetime, *, snapshots: bool = True) -> list[dict[str, Any]]:
    """The project's steps (rows of ProjectStep without ids); fills its status fields and dates.
    Without `snapshots` the submissions carry none (the bench: what lists read is the same)."""
    row = project.row
    state = row["status"]
    steps, twice = _sequence(rng, state)
    enterprise = actors.of("enterprise", project)
    row["created_by"] = enterprise.user_id
    if not steps:
        row["created_at"] = moment(now.date() - dt.timedelta(days=rng.randint(1, 30)), rng)
        row["updated_at"] = row["stage_since"] = row["created_at"]
        return []
    times = _times(rng, _last_moment(rng, project, state, batches, now), len(steps), batches, state)
    current = snapshot(row, project.lines) if snapshots else None
    version = 1
    out = []
    for (level, action), at in zip(steps, times, strict=True):
        if action == "resubmit":
            version = 2
        content = None
        if action in ("submit", "resubmit") and current is not None:
            content = _first_version(rng, current) if twice and action == "submit" else current
        comment = ""
        if action == "return":
            comment = rng.choice(RETURN_COMMENTS[level])
        elif action == "approve":
            comment = rng.choice(APPROVE_COMMENTS)
        elif action == "batch":
            comment = "编入批次"
        actor = actors.of(level, project)
        out.append({"project_id": row["id"], "at": at, "level": level, "action": action, "actor_id": actor.user_id,
                    "actor_name": actor.name[:80], "comment": comment, "version": version, "snapshot": content})
    row["version"] = version
    row["created_at"] = moment(times[0].date() - dt.timedelta(days=rng.randint(1, 12)), rng)
    row["updated_at"] = row["stage_since"] = times[-1]
    if state == "returned":
        row["returned_from"] = steps[-1][0]
    if state == "batched" and batches.open is not None:
        row["batch_id"] = batches.open["id"]
    if state == "reported" and batches.sent is not None:
        row["batch_id"] = batches.sent["id"]
    return out


def number_projects(projects: list[DemoProject], city_code: str) -> None:
    """SB-<city>-<year>-NNNNN in order of creation, as projects.repository.next_code numbers them."""
    seq: dict[int, int] = {}
    for project in sorted(projects, key=lambda p: (p.row["created_at"], p.row["id"])):
        year = project.row["created_at"].year
        seq[year] = seq.get(year, 0) + 1
        project.row["code"] = f"SB-{city_code}-{year}-{seq[year]:05d}"
