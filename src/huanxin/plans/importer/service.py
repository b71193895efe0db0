"""The import flow over the database: upload → proposal kept server-side → edits → one commit.

The commit builds a PlanDoc and loads it with `loader.load_plan` in the caller's transaction, so it
is all-or-nothing like every other write; this module never commits. A newer version of a plan
already loaded is committed as a new plan (key …-v2) after its diff has been shown: the loader has
no "replace", and replacing would destroy the reports and rounds of the old version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.indicators.catalogue import catalogue
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.plans import loader
from huanxin.plans import repository as repo
from huanxin.plans.importer import issuer, store
from huanxin.plans.importer.diff import PlanDiff, compare
from huanxin.plans.importer.parser import CityContext, parse
from huanxin.plans.importer.proposal import Proposal, TaskProposal, UnitProposal, to_plan_doc
from huanxin.plans.importer.store import ImportRecord
from huanxin.plans.importer.text import squeeze
from huanxin.plans.importer.units import fold_key, kind_of
from huanxin.plans.models import Plan
from huanxin.plans.plan_document import PlanDoc

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,58}$")


def city_context(session: Session, city_code: str) -> CityContext:
    units = {spelling: (u.name, u.kind, u.region_code)
             for spelling, u in orgs_service.unit_lookup(session, city_code).items()}
    counties = {r.name: r.code for r in orgs_service.child_regions(session, city_code)}
    return CityContext(code=city_code, units=units, counties=counties)


def _previous_version(session: Session, city_code: str, proposal: Proposal) -> Plan | None:
    """A loaded plan of the city with the same title is the version this document updates."""
    title = squeeze(proposal.plan.title)
    return next((p for p in reversed(repo.plans_of_city(session, city_code)) if squeeze(p.title) == title), None)


def suggest_key(session: Session, city_code: str, proposal: Proposal, previous: Plan | None) -> str:
    taken = {p.key for p in repo.plans_of_city(session, city_code)}
    if previous is not None:
        stem = re.sub(r"-v\d+$", "", previous.key)
        version = 2
        while f"{stem}-v{version}" in taken:
            version += 1
        return f"{stem}-v{version}"
    slugs = [p.key.split("-")[0] for p in repo.plans_of_city(session, city_code)]
    year = proposal.plan.issued_on.year if proposal.plan.issued_on else 2024
    key = f"{slugs[0] if slugs else city_code}-{year}"
    n = 2
    while key in taken:
        key = f"{slugs[0] if slugs else city_code}-{year}-{n}"
        n += 1
    return key


# ---- whose plan it is ------------------------------------------------------------------------

CONFIRM_LABEL = "我确认这是本市的方案"


@dataclass
class CityCheck:
    """What the issuer and the units say about the plan's region, against the uploading city."""

    origin: issuer.Origin | None
    refusal: str | None  # another region's plan: never imported
    foreign_units: list[str]  # units named for another region: created as new units once confirmed

    @property
    def needs_confirmation(self) -> bool:
        return self.refusal is None and (self.origin is None or bool(self.foreign_units))

    @property
    def warning(self) -> str | None:
        if not self.needs_confirmation:
            return None
        parts = []
        if self.origin is None:
            parts.append("未能从发文机关和标题识别方案所属地区，无法确认这是本市的方案")
        if self.foreign_units:
            listed = "、".join(self.foreign_units[:8]) + ("等" if len(self.foreign_units) > 8 else "")
            parts.append(f"{len(self.foreign_units)} 个单位冠有其他地区的名称（{listed}），"
                         "不会并入本市已有单位，确认导入后将作为新单位建立")
        return "；".join(parts) + f"。请核对原文，勾选“{CONFIRM_LABEL}”后再导入"


def city_check(city_code: str, proposal: Proposal) -> CityCheck:
    origin = issuer.origin_of(proposal.plan.issuer, proposal.plan.title)
    names = [s for u in proposal.units for s in (u.name, *u.aliases)]
    return CityCheck(origin=origin, refusal=issuer.refusal(origin, city_code),
                     foreign_units=issuer.foreign_units(names, city_code))


def _require_own_city(record: ImportRecord, field: str) -> None:
    """Another region's plan is refused; a plan whose region cannot be read, or that names another
    region's units, needs the office's explicit confirmation."""
    check = city_check(record.city, record.proposal)
    if check.refusal:
        raise InvalidInput(check.refusal, field=field)
    if check.needs_confirmation and not record.city_confirmed:
        raise InvalidInput(check.warning or "", field="confirm_city")


def start(session: Session, scope: Scope, city_code: str, filename: str, data: bytes) -> ImportRecord:
    """Parses an uploaded document for the city and keeps the proposal for review; another region's
    plan is refused here, before a draft (with this city's key and units) exists."""
    scope.require_city(city_code)
    scope.require_office()
    proposal = parse(filename, data, city_context(session, city_code))
    if (refused := city_check(city_code, proposal).refusal) is not None:
        raise InvalidInput(refused, field="file")
    proposal.plan.city = city_code
    previous = _previous_version(session, city_code, proposal)
    proposal.plan.key = suggest_key(session, city_code, proposal, previous)
    record = ImportRecord(id=store.new_id(), city=city_code, user_id=scope.user_id, created_at=now(),
                          proposal=proposal, replaces=previous.id if previous else None)
    store.prune()
    store.save(record)
    return record


def get(scope: Scope, city_code: str, import_id: str) -> ImportRecord:
    scope.require_city(city_code)
    scope.require_office()
    return store.load(import_id, city_code)


# ---- edits from the review screen ------------------------------------------------------------

def names_of(text: str) -> list[str]:
    return [n for n in re.split(r"[、，,；;\s]+", text or "") if n]


def apply_edits(record: ImportRecord, form: Mapping[str, str]) -> None:
    """Applies the review form (plan fields, each target's fields, each task's units) to the proposal."""
    p = record.proposal
    before = (p.plan.title, p.plan.issuer, p.plan.issued_on)
    for name in ("key", "title", "issuer", "doc_number", "status"):
        if f"plan-{name}" in form:
            value = form[f"plan-{name}"].strip()
            setattr(p.plan, name, value or (None if name == "doc_number" else getattr(p.plan, name)))
    if "plan-issued_on" in form:
        p.plan.issued_on = _date(form["plan-issued_on"])
    # A field the office has corrected is no longer a guess.
    corrected = {n for n, old in zip(("title", "issuer", "issued_on"), before, strict=True)
                 if getattr(p.plan, n) != old}
    p.plan.uncertain = [u for u in p.plan.uncertain if u not in corrected]
    if "replaces" in form:
        record.replaces = int(form["replaces"]) if form["replaces"].isdigit() else None
    if "confirm_city" in form or "confirm_city-present" in form:
        # An unticked checkbox is not sent: the hidden “present” field says the form showed it.
        record.city_confirmed = form.get("confirm_city") in ("on", "1", "true")
    for target in p.targets:
        _edit_target(target, form)
    for task in p.iter_tasks():
        _edit_task(task, form)
    _sync_units(p)


def _date(text: str):  # type: ignore[no-untyped-def]
    from huanxin.kit.clock import parse_date

    return parse_date(text, "印发日期") if text.strip() else None


def _edit_target(target, form: Mapping[str, str]) -> None:  # type: ignore[no-untyped-def]
    prefix = f"target-{target.id}-"
    if prefix + "present" not in form:
        return
    target.include = form.get(prefix + "include") in ("on", "1", "true")
    if (code := form.get(prefix + "indicator", "").strip()) != "":
        target.indicator = code if code != "-" else None
        target.indicator_name = catalogue()[code].name if code in catalogue() else None
    for field_, cast in (("year", int), ("value", float), ("baseline_year", int)):
        raw = form.get(prefix + field_, "").strip()
        if raw:
            try:
                setattr(target, field_, cast(raw))
            except ValueError as exc:
                message = f"目标“{target.text[:20]}”的{_LABELS[field_]}“{raw}”不是数字"
                raise InvalidInput(message, field=prefix + field_) from exc
    if (kind := form.get(prefix + "kind")) in ("level", "growth", "pp_increase", "ratio", "multiple"):
        target.kind = kind
    if (unit := form.get(prefix + "unit")) is not None and unit.strip():
        target.unit = unit.strip()


_LABELS = {"year": "年份", "value": "目标值", "baseline_year": "基期年份"}


def _edit_task(task: TaskProposal, form: Mapping[str, str]) -> None:
    prefix = f"task-{task.id}-"
    if prefix + "present" not in form:
        return
    if (title := form.get(prefix + "title", "").strip()):
        task.title = title
    task.lead = names_of(form.get(prefix + "lead", ""))
    task.co = names_of(form.get(prefix + "co", ""))
    task.joint = names_of(form.get(prefix + "joint", ""))
    task.all_counties = form.get(prefix + "all_counties") in ("on", "1", "true")
    if task.joint and not (task.lead or task.co):
        task.mode = "joint"
    elif task.lead and task.co:
        task.mode = "lead_co"
    elif task.lead:
        task.mode = "lead_only"
    elif not task.joint:
        task.mode = "none"


def _sync_units(p: Proposal) -> None:
    """A unit typed on the review screen joins the unit list (as an alias when it folds onto one)."""
    known = {s for u in p.units for s in (u.name, *u.aliases)}
    by_key = {fold_key(s): u for u in p.units for s in (u.name, *u.aliases)}
    for task in p.iter_tasks():
        for name in (*task.lead, *task.co, *task.joint):
            if name in known:
                continue
            unit = by_key.get(fold_key(name))
            if unit is not None:
                unit.aliases.append(name)
            else:
                unit = UnitProposal(name=name, kind=kind_of(name))
                p.units.append(unit)
                by_key[fold_key(name)] = unit
            known.add(name)


def save_edits(scope: Scope, city_code: str, import_id: str, form: Mapping[str, str]) -> ImportRecord:
    record = get(scope, city_code, import_id)
    apply_edits(record, form)
    record.error = None
    store.save(record)
    return record


# ---- commit ----------------------------------------------------------------------------------

def _check_targets(p: Proposal) -> None:
    known = catalogue()
    bad = [t for t in p.targets if t.include and (t.indicator is None or t.indicator not in known)]
    if bad:
        listed = "；".join(f"“{t.text[:24]}”" for t in bad[:5])
        raise InvalidInput(f"{len(bad)} 个勾选导入的目标没有指标目录中的指标：{listed}。请改选目录中的指标，"
                           "或取消勾选该目标（新增指标需先加入指标目录）", field="targets")


def _units_for_city(session: Session, city_code: str, p: Proposal) -> None:
    """Points every unit of the proposal at the city's existing unit where one folds onto it, so the
    loader adds aliases instead of duplicating departments."""
    lookup = orgs_service.unit_lookup(session, city_code)
    existing_by_key = {fold_key(s): u for s, u in lookup.items()}
    for unit in p.units:
        spellings = [unit.name, *unit.aliases]
        match = next((lookup[s] for s in spellings if s in lookup), None) or \
            next((existing_by_key[fold_key(s)] for s in spellings if fold_key(s) in existing_by_key), None)
        if match is not None:
            # Keep every spelling the document uses, except those the city gives to another unit.
            others = {s for s, u in lookup.items() if u.id != match.id}
            unit.aliases = sorted({s for s in spellings if s != match.name and s not in others})
            unit.name, unit.kind, unit.region, unit.known = match.name, match.kind, match.region_code, True  # type: ignore[assignment]
    merged: dict[str, UnitProposal] = {}
    for unit in p.units:
        if unit.name in merged:
            merged[unit.name].aliases = sorted(set(merged[unit.name].aliases) | set(unit.aliases))
        else:
            merged[unit.name] = unit
    p.units = list(merged.values())


def _check_has_targets(p: Proposal) -> None:
    if not any(t.include for t in p.targets):
        raise InvalidInput("方案中没有识别到（或没有勾选）任何量化目标，未导入。请确认上传的是推动设备更新和以旧换新的"
                           "实施方案正文；若方案确无量化目标，请在审核页补充后再导入", field="targets")


def build_doc(session: Session, record: ImportRecord) -> PlanDoc:
    p = record.proposal
    if not KEY_PATTERN.match(p.plan.key):
        raise InvalidInput(f"方案代码“{p.plan.key}”只能由小写字母、数字和连字符组成（3—60 位），如 ziyang-2024-v2",
                           field="plan-key")
    _check_targets(p)
    _sync_units(p)
    _units_for_city(session, record.city, p)
    try:
        return to_plan_doc(p, record.city)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise InvalidInput(f"方案数据不完整（{where}）：{first.get('msg', '')}", field=where or None) from exc


def diff_for(session: Session, record: ImportRecord) -> PlanDiff | None:
    """The changes against the version being replaced, or None when this is a new plan."""
    if record.replaces is None:
        return None
    plan = session.get(Plan, record.replaces)
    if plan is None or plan.city_code != record.city:
        return None
    import copy

    preview = copy.deepcopy(record)
    for target in preview.proposal.targets:
        if target.indicator is None:
            target.include = False
    doc = build_doc(session, preview)
    lookup = {s: u.name for u in doc.units for s in (u.name, *u.aliases)}
    return compare(session, plan, doc, lookup)


def commit(session: Session, scope: Scope, record: ImportRecord) -> Plan:
    """Creates the plan from the reviewed proposal in the caller's transaction (all or nothing)."""
    scope.require_city(record.city)
    scope.require_office()
    _check_has_targets(record.proposal)
    _require_own_city(record, field="plan-issuer")
    doc = build_doc(session, record)
    # A savepoint: if any row fails, nothing of this import stays in the caller's transaction,
    # even when the caller goes on to render the error and commit other work.
    with session.begin_nested():
        plan = loader.load_plan(session, doc, actor=scope.username)
        audit.record(session, actor=scope.username, action="import_plan", entity="plan", entity_id=plan.id,
                     city_code=plan.city_code, detail={"key": plan.key, "file": doc.source_file,
                                                       "replaces": record.replaces, "targets": len(doc.targets),
                                                       "city_confirmed": record.city_confirmed,
                                                       "tasks": len(doc.iter_tasks())})
    return plan


def mark_committed(record: ImportRecord, plan: Plan) -> None:
    """Remembers which plan the proposal became. The record is kept (pruned after a week) rather than
    deleted, so that if the transaction fails after this point the office can still commit again;
    the review page trusts the database, not this mark."""
    record.committed_plan = plan.id
    record.error = None
    store.save(record)


def committed_plan(session: Session, record: ImportRecord) -> Plan | None:
    if record.committed_plan is None:
        return None
    plan = session.get(Plan, record.committed_plan)
    return plan if plan is not None and plan.key == record.proposal.plan.key else None


def replaceable_plans(session: Session, city_code: str) -> list[Plan]:
    return repo.plans_of_city(session, city_code)


def import_file(session: Session, city_code: str, filename: str, data: bytes, *, key: str | None = None,
                actor: str = "cli", skip_unmapped: bool = False,
                confirm_city: bool = False) -> tuple[Plan, Proposal, PlanDiff | None]:
    """The CLI's one-shot import (no review screen): parse, show the diff, commit. The same rule on
    whose plan it is as the web flow; `confirm_city` is the CLI's confirmation."""
    proposal = parse(filename, data, city_context(session, city_code))
    if (refused := city_check(city_code, proposal).refusal) is not None:
        raise InvalidInput(refused, field="file")
    proposal.plan.city = city_code
    previous = _previous_version(session, city_code, proposal)
    proposal.plan.key = key or suggest_key(session, city_code, proposal, previous)
    if skip_unmapped:
        for target in proposal.targets:
            target.include = target.include and target.indicator is not None
    record = ImportRecord(id=store.new_id(), city=city_code, user_id=None, created_at=now(), proposal=proposal,
                          replaces=previous.id if previous else None, city_confirmed=confirm_city)
    diff = diff_for(session, record)
    _check_has_targets(proposal)
    _require_own_city(record, field="file")
    doc = build_doc(session, record)
    plan = loader.load_plan(session, doc, actor=actor)
    audit.record(session, actor=actor, action="import_plan", entity="plan", entity_id=plan.id,
                 city_code=plan.city_code, detail={"key": plan.key, "file": filename, "replaces": record.replaces})
    return plan, proposal, diff
