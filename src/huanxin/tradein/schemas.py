"""Pydantic inputs of the claim API, and the JSON shapes of qualifications and claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from huanxin.kit.clock import aware
from huanxin.kit.limits import FenAmount, Schema, ShortText
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims import lifecycle as claims_service
from huanxin.tradein.claims.events import STATUS_LABELS
from huanxin.tradein.models import Claim, Person, Programme


class ApplicantIn(Schema):
    id_number: str = Field(description="居民身份证号（18位，GB 11643 校验）")
    name: ShortText
    phone: str | None = None
    address: str | None = None


class QualificationIn(Schema):
    programme_id: int
    category: str = Field(description="品类代码，如 refrigerator、mobile_phone")
    id_number: str | None = Field(None, description="首次申领时填写：本人身份证号")
    name: str | None = None
    phone: str | None = None
    address: str | None = None


class BankCardIn(Schema):
    card_number: str
    holder_name: ShortText = Field(description="持卡人姓名，须与申请人本人姓名一致")


class ReclaimIn(Schema):
    """身份找回: the real-name check plus the bank card check (四要素)."""

    id_number: ShortText = Field(description="本人身份证号")
    name: ShortText = Field(description="本人姓名")
    card_number: ShortText = Field(description="本人名下银行卡号")
    phone: ShortText = Field(description="该银行卡在银行预留的手机号")


# Fields of the requests that carry a purchase but are not part of it.
_NOT_PURCHASE = {"category", "qualification_id", "id_number", "redemption_code", "programme_id", "applicant",
                 "region_code", "version"}


class PurchaseFields(Schema):
    price_fen: FenAmount = Field(description="最终成交价（分），须大于0")
    invoice_no: str
    invoice_date: dt.date
    brand: str = ""
    model: str = ""
    efficiency_grade: int | None = Field(None, description="能效（水效）等级，1级最好")
    serial: str | None = Field(None, description="产品序列号 SN / IMEI")
    proofs: dict[str, str] = Field(default_factory=dict,
                                   description="旧机（旧车）凭证：scrap_cert、deregistration、recycling_cert → 编号")
    device_id: str | None = None
    new_vin: str | None = None
    new_vehicle_fuel: str | None = None
    new_vehicle_displacement_l: float | None = None
    old_vin: str | None = None
    old_vehicle_fuel: str | None = None
    old_vehicle_registered_on: dt.date | None = None
    old_vehicle_owned_since: dt.date | None = None
    old_emission_standard: str | None = None

    def purchase(self, category: str) -> claims_service.Purchase:
        return claims_service.Purchase(category=category, **self.model_dump(exclude=_NOT_PURCHASE))


_REDEMPTION_CODE = "居民页面显示的一次性核销码（8位数字，10分钟内有效）；填写核销码时可不填身份证号"


class RedemptionIn(PurchaseFields):
    qualification_id: int
    id_number: str | None = Field(None, description="资格持有人的身份证号：核销须同时提供资格编号和持有人身份证号"
                                                     "（或核销码）")
    redemption_code: str | None = Field(None, max_length=20, description=_REDEMPTION_CODE)
    category: str


class EarlierClaimIn(Schema):
    """A claim the person already had: what the per-person limits of the rules count against."""

    model_config = ConfigDict(extra="forbid")

    programme: str | None = Field(None, description="规则代码；不填则与本行相同")
    category: str = Field(description="品类代码")
    date: dt.date = Field(description="该笔申请的判定日期（商品为发票日期，汽车为申请日期）")
    amount_fen: FenAmount = Field(0, ge=0, description="该笔已享受的补贴（分）")


# What a line of `huanxin tradein evaluate` carries besides a purchase.
_EVALUATION_ONLY = {"id", "programme", "category", "applied_on", "region_code", "old_proof_kinds", "extra",
                    "id_number", "earlier_claims", "on", "known_on"}


class EvaluationIn(PurchaseFields):
    """One line of `huanxin tradein evaluate`: the purchase fields of a claim, with the claim API's
    names, types and checks (`claims.validate_purchase`), and what a question to the rules needs
    besides. Only the invoice number is optional here: a question is not a claim."""

    model_config = ConfigDict(extra="forbid")

    id: Any = Field(None, description="原样返回")
    programme: str = Field(description="规则代码，如 appliance-2025")
    category: str = Field(description="品类代码（汽车为 car）")
    applied_on: dt.date = Field(description="申请日期")
    invoice_no: str = ""
    region_code: str = ""
    old_proof_kinds: list[str] = Field(default_factory=list, max_length=10,
                                       description="旧机（旧车）凭证类型（不带编号）")
    extra: dict[str, Any] = Field(default_factory=dict, description="城市活动的附加条件字段")
    id_number: str | None = Field(None, description="申请人身份证号：只做 GB 11643 校验，不保存、不输出")
    earlier_claims: list[EarlierClaimIn] = Field(default_factory=list, max_length=200,
                                                 description="此人此前已享受的补贴")
    on: dt.date | None = Field(None, description="按此日期的规则判定（默认按活动的判定日期）")
    known_on: dt.date | None = Field(None, description="只采用此日前已公布的标准")

    def purchase(self, category: str | None = None) -> claims_service.Purchase:
        proofs = {**dict.fromkeys(self.old_proof_kinds, ""), **self.proofs}
        fields = self.model_dump(exclude=_EVALUATION_ONLY | {"proofs"})
        return claims_service.Purchase(category=category or self.category, proofs=proofs, **fields)


class PresentedQualificationIn(Schema):
    qualification_id: int
    id_number: str | None = Field(None, description="资格持有人的身份证号（或填写核销码）")
    redemption_code: str | None = Field(None, max_length=20, description=_REDEMPTION_CODE)


class CarClaimIn(PurchaseFields):
    programme_id: int
    applicant: ApplicantIn | None = Field(None, description="经销商代为申请时填写申请人信息")
    region_code: str | None = None


class ResubmitIn(PurchaseFields):
    category: str | None = None
    version: int | None = Field(None, description="补正所依据的申请版本；该版本已补正提交过则拒绝")


class ApproveIn(Schema):
    note: str = ""


class RejectIn(Schema):
    reasons: list[str] | str


class CorrectionIn(Schema):
    what: str = Field(description="需要补正的内容")


class AppealIn(Schema):
    reason: str


class AppealDecisionIn(Schema):
    overturn: bool
    note: str


class BatchIn(Schema):
    claim_ids: list[int] | None = None
    limit: int = 1000


def claim_out(session: Session, scope: Scope, claim: Claim, *, detail: bool = False) -> dict[str, Any]:
    programme = session.get(Programme, claim.programme_id)
    person = session.get(Person, claim.person_id)
    assert programme is not None and person is not None
    decision = claim.decision or {}
    out: dict[str, Any] = {
        "id": claim.id, "programme_id": programme.id, "programme": programme.name, "category": claim.category,
        "category_label": evaluation.category_label(programme.rules_code, claim.category) if claim.category else "",
        "status": claim.status, "status_label": STATUS_LABELS.get(claim.status, claim.status),
        "qualification_id": claim.qualification_id, "retailer_id": claim.retailer_id,
        "region_code": claim.region_code, "applicant": person.name_masked, "id_number": person.id_masked,
        "brand": claim.brand, "model": claim.model, "price_fen": claim.price_fen,
        "efficiency_grade": claim.efficiency_grade, "invoice_no": claim.invoice_no,
        "invoice_date": claim.invoice_date.isoformat(), "amount_fen": claim.amount_fen,
        "amounts_by_source": claim.amounts_by_source, "eligible": decision.get("eligible"),
        "reasons": decision.get("reasons", []), "rejection_reasons": decision.get("rejection_reasons", []),
        "version": claim.version, "submitted_at": aware(claim.submitted_at).isoformat(),
        "paid_at": aware(claim.paid_at).isoformat() if claim.paid_at else None,
    }
    if detail:
        out["trace"] = decision.get("trace", [])
        out["events"] = [{"from": e.from_status, "to": e.to_status, "label": STATUS_LABELS.get(e.to_status, ""),
                          "note": e.note, "actor": e.actor if scope.role != Role.RESIDENT else "",
                          "at": aware(e.at).isoformat()} for e in repo.events_of(session, claim.id)]
        out["appeals"] = [{"id": a.id, "reason": a.reason, "status": a.status, "decision_note": a.decision_note}
                          for a in repo.appeals_of(session, claim.id)]
        if scope.role in repo.CITY_READERS:
            out["fraud_score"] = claim.fraud_score
            out["flags"] = [{"rule": f.rule, "score": f.score, "explanation": f.explanation}
                            for f in repo.flags_of(session, claim.id)]
    return out
