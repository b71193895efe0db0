"""Redemption (核销) by an admitted retailer, and car applications: validated input → the rules
engine's decision → automatic checks inside the claim's own transaction (one-time identifiers by
unique rows, per-person quotas, fraud signals) → approved, review, or a rejection with reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.db import add_row, insert_unless_taken
from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import pii
from huanxin.kit.clock import aware, now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling.scrapped import service as scrapped_service
from huanxin.tradein import money, outbox
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation, events
from huanxin.tradein.claims.purchase import PROOF_LABELS as PROOF_LABELS
from huanxin.tradein.claims.purchase import Purchase as Purchase
from huanxin.tradein.claims.purchase import validate_purchase as validate_purchase
from huanxin.tradein.fraud import assessment as fraud
from huanxin.tradein.models import Claim, ClaimEvent, Person, Programme, Qualification, UsedIdentifier
from huanxin.tradein.qualifications import lifecycle as qualification_service
from huanxin.tradein.qualifications import quotas
from huanxin.tradein.retailers import admission as retailers_service
from huanxin.tradein.rules.model import Decision

CAR_KINDS = ("car_scrap", "car_replace")
IDENTIFIER_LABELS = {
    "invoice": ("发票号码", "invoice_no"), "serial": ("产品序列号（SN/IMEI）", "serial"),
    "new_car_vin": ("新车车辆识别代号（VIN）", "new_vin"), "old_car_vin": ("旧车车辆识别代号（VIN）", "old_vin"),
    "scrap_cert": ("报废机动车回收证明编号", "proofs"), "recycling_cert": ("旧机回收证明编号", "proofs"),
    "deregistration": ("机动车注销证明编号", "proofs"),
}


def case_for(programme: Programme, data: Purchase, region_code: str, applied_on: dt.date) -> Any:
    return case_of(programme.rules_code, data, region_code, applied_on)


def case_of(rules_code: str, data: Purchase, region_code: str, applied_on: dt.date,
            extra: dict[str, Any] | None = None) -> Any:
    """The rules engine's case of a validated purchase (`extra`: a city programme's own fields)."""
    return evaluation.case({
        "programme": rules_code, "category": data.category, "price_fen": data.price_fen, "extra": extra,
        "efficiency_grade": data.efficiency_grade, "invoice_date": data.invoice_date, "applied_on": applied_on,
        "region_code": region_code, "old_vehicle_fuel": data.old_vehicle_fuel,
        "old_vehicle_registered_on": data.old_vehicle_registered_on,
        "old_vehicle_owned_since": data.old_vehicle_owned_since, "old_emission_standard": data.old_emission_standard,
        "new_vehicle_fuel": data.new_vehicle_fuel, "new_vehicle_displacement_l": data.new_vehicle_displacement_l,
        "old_proof_kinds": sorted(data.proofs),
    })


def check_required_proofs(programme: Programme, decision: Decision | None, data: Purchase) -> None:
    required = set(evaluation.programme_rules(programme.rules_code).required_proofs)
    if decision is not None:
        required |= set(decision.required_proofs)
    missing = [k for k in sorted(required) if k not in data.proofs]
    if missing:
        names = "、".join(PROOF_LABELS.get(k, k) for k in missing)
        raise InvalidInput(f"本活动须提供旧机（旧车）凭证：{names}（填写凭证编号）", field="proofs")


def identifier_values(decision: Decision, programme: Programme, data: Purchase) -> dict[str, str]:
    names = list(decision.exclusive_keys) or list(evaluation.programme_rules(programme.rules_code).exclusive_keys)
    values: dict[str, str] = {}
    for name in names:
        kind, _, given = str(name).partition(":")
        value = given or {
            "invoice": data.invoice_no, "serial": data.serial, "new_car_vin": data.new_vin,
            "old_car_vin": data.old_vin,
        }.get(kind) or data.proofs.get(kind)
        if not value:
            label, field_name = IDENTIFIER_LABELS.get(kind, (kind, kind))
            raise InvalidInput(f"本活动须填写{label}", field=field_name)
        values[kind[:20]] = value
    if "scrap_cert" in data.proofs:  # one scrap certificate, once, ever
        values.setdefault("scrap_cert", data.proofs["scrap_cert"])
    return values


def identifier_hashes(values: dict[str, str]) -> dict[tuple[str, str], str]:
    """(kind, keyed hash) → the value as keyed in: what a used identifier is stored and matched by."""
    return {(kind, pii.keyed_hash(f"used:{kind}", value)): value for kind, value in sorted(values.items())}


def identifier_taken(kind: str, value: str) -> Conflict:
    label, field_name = IDENTIFIER_LABELS.get(kind, (kind, kind))
    return Conflict(f"该{label}（{value}）已用于其他补贴申请，每个只能享受一次补贴", field=field_name)


def _use_identifiers(session: Session, claim: Claim, values: dict[str, str]) -> None:
    """One SN/IMEI, VIN, certificate or invoice, used once ever: the unique row decides, inside
    this transaction, so of two racing claims exactly one wins and the other gets a clear 409."""
    if "scrap_cert" in values:  # the scrapped-vehicle registry: the certificate exists, is this VIN's, and links
        scrapped_service.link_claim(session, city_code=claim.city_code, claim_id=claim.id,
                                    submitted_at=claim.submitted_at, certificate_no=values["scrap_cert"],
                                    old_vin=(claim.inputs or {}).get("old_vin"))
    for (kind, value_hash), value in identifier_hashes(values).items():
        if insert_unless_taken(session, UsedIdentifier, {"kind": kind, "value_hash": value_hash,
                                                          "claim_id": claim.id}) is None:
            raise identifier_taken(kind, value)


def _inputs(data: Purchase, decision_case: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict(decision_case.to_dict())
    out.update({"brand": data.brand, "model": data.model, "invoice_no": data.invoice_no,
                "proofs": dict(data.proofs)})
    if data.serial:
        out["serial"] = data.serial
    if data.device_id:
        out["device_id"] = data.device_id
    if data.new_vin:
        out["new_vin"] = data.new_vin
    if data.old_vin:
        out["old_vin"] = data.old_vin
    return out


def fill(claim: Claim, data: Purchase, decision_case: Any, decision: Decision) -> None:
    claim.category = data.category
    claim.brand = data.brand
    claim.model = data.model
    claim.price_fen = data.price_fen
    claim.efficiency_grade = data.efficiency_grade
    claim.serial_hash = pii.keyed_hash("used:serial", data.serial) if data.serial else None
    claim.vin = data.new_vin
    first_proof = next(iter(sorted(data.proofs.items())), None)
    claim.old_proof_kind, claim.old_proof_no = first_proof if first_proof else (None, None)
    claim.invoice_no = data.invoice_no
    claim.invoice_date = data.invoice_date
    claim.inputs = _inputs(data, decision_case)
    claim.decision = decision.to_dict()
    claim.amount_fen = decision.amount_fen if decision.eligible else 0
    claim.amounts_by_source = dict(decision.by_source) if decision.eligible else {}


def new_claim(*, programme: Programme, person_id: int, region_code: str, retailer_id: int | None,
              qualification_id: int | None, at: dt.datetime) -> Claim:
    """A claim as submitted, not yet in the session."""
    return Claim(city_code=programme.city_code, region_code=region_code, programme_id=programme.id,
                 qualification_id=qualification_id, person_id=person_id, retailer_id=retailer_id, category="",
                 price_fen=0, invoice_no="", invoice_date=at.date(), status="submitted", submitted_at=at,
                 version=1)


def add_submitted_event(session: Session, claim: Claim, actor: str) -> None:
    add_row(session, ClaimEvent, {"claim_id": claim.id, "from_status": None, "to_status": "submitted", "note": "",
                                  "actor": actor[:60], "at": claim.submitted_at})


def _new_claim(session: Session, *, programme: Programme, person: Person, region_code: str,
               retailer_id: int | None, qualification_id: int | None, actor: str, at: dt.datetime) -> Claim:
    claim = new_claim(programme=programme, person_id=person.id, region_code=region_code, retailer_id=retailer_id,
                      qualification_id=qualification_id, at=at)
    session.add(claim)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("该资格已被核销，不能重复核销", field="qualification_id") from None
    add_submitted_event(session, claim, actor)
    return claim


def _decide(session: Session, programme: Programme, claim: Claim, decision: Decision, values: dict[str, str],
            *, actor: str, label: str, at: dt.datetime) -> None:
    """The automatic checks and the first status: approved when clean, review on any flag or
    shortfall, rejected (with the rules' reasons) when ineligible."""
    _use_identifiers(session, claim, values)
    if not decision.eligible:
        reject_now(session, programme, claim, list(decision.reasons) or ["不符合补贴条件"], actor=actor)
        return
    quotas.take(session, claim.person_id, decision.quotas, decision.amount_fen, claim_id=claim.id,
                qualification_id=claim.qualification_id)
    route(session, programme, claim, fraud.assess(session, claim), actor=actor, label=label, at=at)


def route(session: Session, programme: Programme, claim: Claim, flags: list[Any], *, actor: str, label: str,
          at: dt.datetime, live: list[Any] | None = None) -> None:
    """An eligible claim's first status after its checks: review on any fraud flag or when the
    pool cannot cover it, approved otherwise; and the resident's message. `live`: the claim's
    pending reservations when the caller has read them already (a redemption batch)."""
    amount = outbox.yuan(claim.amount_fen)
    if flags:
        note = "；".join(f.explanation for f in flags)
        events.move(session, claim, "review", actor=actor, note=f"风险提示，转人工审核：{note}")
    elif not money.ensure_claim_reserved(session, programme, claim, live=live):
        events.move(session, claim, "review", actor=actor, note="资金池余额不足以预留本笔补贴，转人工审核")
    else:
        events.move(session, claim, "approved", actor=actor, note="自动审核通过")
        claim.decided_at = at
    outbox.notify(session, claim.person_id,
                  f"{label}补贴申请（编号 {claim.id}）已核销成功，补贴 {amount} 元，"
                  + ("审核通过，待发放。" if claim.status == "approved" else "正在审核。"), claim_id=claim.id)


def reject_now(session: Session, programme: Programme, claim: Claim, reasons: list[str], *, actor: str,
               audited: bool = False) -> None:
    """A rejection with reasons: the reservation is voided, the quota given back, the waiting list served."""
    text = "；".join(reasons)
    events.move(session, claim, "rejected", actor=actor, note=text, audited=audited, detail={"reasons": reasons})
    claim.decided_at = now()
    claim.decision = {**(claim.decision or {}), "rejection_reasons": reasons}
    released = money.void_claim(session, claim, actor=actor)
    quotas.release(session, claim_id=claim.id, qualification_id=claim.qualification_id)
    outbox.notify(session, claim.person_id, f"您的补贴申请（编号 {claim.id}）已驳回（原因：{text}）。"
                                            f"如有异议，可在平台提交申诉。", claim_id=claim.id)
    if released:
        qualification_service.serve_waiting_list(session, programme)


def check_usable(qualification: Qualification, moment: dt.datetime) -> None:
    messages = {"waiting": "该资格尚在候补队列中，资金到位后方可使用", "used": "该资格已核销，不能重复核销",
                "expired": "该资格已过期", "cancelled": "该资格已取消"}
    if qualification.status in messages:
        raise Conflict(messages[qualification.status], field="qualification_id")
    if qualification.expires_at is not None and aware(qualification.expires_at) < moment:
        raise Conflict("该资格已过期", field="qualification_id")


def _car_identifiers(programme: Programme, decision: Decision, data: Purchase) -> dict[str, str]:
    """What a car application holds once: with an eligible decision the proofs it names must be
    there and every exclusive key is taken; an ineligible one still holds its new car and invoice."""
    if not decision.eligible:
        return {k: v for k, v in (("new_car_vin", data.new_vin), ("invoice", data.invoice_no)) if v}
    check_required_proofs(programme, decision, data)
    return identifier_values(decision, programme, data)


def apply_car(session: Session, scope: Scope, programme: Programme, person: Person, data: Purchase,
              region_code: str | None = None, at: dt.datetime | None = None) -> Claim:
    """A car application (no qualification step): the resident online, or the dealer on their behalf.
    Budget is reserved on approval."""
    if programme.kind not in CAR_KINDS:
        raise InvalidInput(f"{programme.name}不是汽车补贴活动，请先申领资格再到商户核销", field="programme_id")
    retailer_id = None
    if scope.role == Role.RETAILER:
        retailer = repo.retailer_of_scope(session, scope)
        retailers_service.require_admitted(session, retailer.id, programme.kind)
        retailer_id = retailer.id
        region = retailer.region_code
    elif scope.role == Role.RESIDENT:
        region = region_code or programme.city_code
    else:
        raise Forbidden("汽车补贴由申请人本人或已准入的汽车经销商提交")
    moment = at or now()
    qualification_service.check_open(programme, moment.date())
    data = validate_purchase(Purchase(**{**asdict(data), "category": "car"}), car=True, on=moment.date())
    check_required_proofs(programme, None, data)
    decision_case = case_for(programme, data, region, moment.date())
    decision = evaluation.evaluate(decision_case)
    values = _car_identifiers(programme, decision, data)
    claim = _new_claim(session, programme=programme, person=person, region_code=region, retailer_id=retailer_id,
                       qualification_id=None, actor=scope.username, at=moment)
    fill(claim, data, decision_case, decision)
    _decide(session, programme, claim, decision, values, actor=scope.username, label=programme.name, at=moment)
    session.flush()
    return claim


def resubmit(session: Session, scope: Scope, claim: Claim, data: Purchase, at: dt.datetime | None = None,
             *, version: int | None = None) -> Claim:
    """补正: the submitter corrects what the reviewer asked for; a new version, evaluated again,
    goes back to review. A car claim is evaluated exactly as `apply_car` evaluates it (the same
    proofs and one-time identifiers); the claim's own identifiers and quota slots are handed to
    the new version, never counted against it. `version`, when given, is the version the
    corrected form was made from: a form of a version already resubmitted is refused."""
    if version is not None and version != claim.version:
        raise Conflict(f"该申请的第 {version} 版已经补正提交过（当前为第 {claim.version} 版），不能重复提交；"
                       "请刷新页面查看最新状态", field="version")
    if claim.status != "correction":
        label = events.STATUS_LABELS.get(claim.status, claim.status)
        raise Conflict("只有待补正的申请可以重新提交" + (
            f"：第 {claim.version} 版补正材料已提交（当前状态：{label}），不能重复提交" if claim.version > 1
            else f"（当前状态：{label}）"), field="claim_id")
    programme = session.get(Programme, claim.programme_id)
    assert programme is not None
    car = programme.kind in CAR_KINDS
    if scope.role == Role.RETAILER:
        repo.retailer_of_scope(session, scope)  # get_claim already limited it to the retailer's own
    elif scope.role != Role.RESIDENT:
        raise Forbidden("只有申请人或核销商户可以补正")
    elif not car:
        raise Forbidden("商品核销的补正由核销商户提交，请联系购买商品的商户")
    moment = at or now()
    data = validate_purchase(Purchase(**{**asdict(data), "category": "car" if car else data.category}), car=car,
                             on=moment.date())
    if not car and data.category != claim.category:
        raise InvalidInput("补正时不能更换商品品类", field="category")
    check_required_proofs(programme, None, data)
    decision_case = case_for(programme, data, claim.region_code, moment.date())
    decision = evaluation.evaluate(decision_case)
    if car:
        values = _car_identifiers(programme, decision, data)
    else:
        values = identifier_values(decision, programme, data) if decision.eligible else {"invoice": data.invoice_no}
    previous_amount = claim.amount_fen
    session.execute(delete(UsedIdentifier).where(UsedIdentifier.claim_id == claim.id))
    fill(claim, data, decision_case, decision)
    claim.version += 1
    _use_identifiers(session, claim, values)
    if decision.eligible:
        quotas.take(session, claim.person_id, decision.quotas, decision.amount_fen, claim_id=claim.id,
                    qualification_id=claim.qualification_id)
        fraud.assess(session, claim)
    elif car:  # as apply_car: an ineligible car application holds no quota
        quotas.release(session, claim_id=claim.id)
    note = f"第 {claim.version} 版补正材料已提交（上一版金额 {outbox.yuan(previous_amount)} 元）"
    if not decision.eligible:
        note += "；规则判定不符合条件：" + "；".join(decision.reasons)
    events.move(session, claim, "review", actor=scope.username, note=note)
    outbox.notify(session, claim.person_id, f"您的补贴申请（编号 {claim.id}）补正材料已提交，正在审核。",
                  claim_id=claim.id)
    session.flush()
    return claim
