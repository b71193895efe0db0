"""Car scrapping and replacement applications (汽车报废更新、置换更新) as forms: a dealer files one on
the buyer's behalf (/tradein/retailer/car), a resident files their own (/tradein/me/car). Both go
through `claims.apply_car`, the service the API's POST /car-claims uses, so every rule and check
(VIN check digits, proofs, one scrapped VIN and one new car ever, quotas, fraud, budget) is the
service's; this module only turns the form into its inputs and shows the decision at once.

A car claim sent back for correction (补正) is corrected on the same form, pre-filled from the claim
(/tradein/retailer/claims/{id}/car-correction for the dealer that filed it,
/tradein/me/claims/{id}/car-correction for the applicant), through `claims.resubmit` like the API's
POST /claims/{id}/resubmit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit import pii
from huanxin.kit.clock import aware, now
from huanxin.kit.identifiers import validate_id_number
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims import lifecycle as claims_service
from huanxin.tradein.claims.events import STATUS_LABELS
from huanxin.tradein.models import Claim, Person, Programme, Retailer
from huanxin.tradein.pages.support import (
    PROOF_LABELS,
    RESIDENT_STATUS,
    claim_context,
    form_date,
    new_key,
    once,
    require_role,
    see_other,
    yuan_to_fen,
)
from huanxin.tradein.residents import identity
from huanxin.tradein.retailers import admission as retailers
from huanxin.tradein.rules.kinds import KIND_RULES
from huanxin.tradein.rules.model import EMISSION_STANDARDS
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)

OLD_FUELS = {"petrol": "汽油车", "diesel": "柴油车", "nev": "新能源车", "other": "其他燃料车"}
NEW_FUELS = {"nev": "新能源乘用车", "fuel": "燃油乘用车"}
CAR_PROOFS = ("scrap_cert", "deregistration", "sale_record")
FLASH = {"filed": "汽车补贴申请已提交，审核结果见下方。", "resubmitted": "补正材料已提交，申请已回到审核队列。"}
_DECIMAL = re.compile(r"\d{1,2}(\.\d{1,2})?")


# ---- the form ---------------------------------------------------------------------------------

@dataclasses.dataclass
class CarForm:
    """The fields of the car application form, as typed."""

    programme_id: str = ""
    price: str = ""
    invoice_no: str = ""
    invoice_date: str = ""
    brand: str = ""
    model: str = ""
    new_vin: str = ""
    new_vehicle_fuel: str = ""
    new_vehicle_displacement_l: str = ""
    old_vin: str = ""
    old_vehicle_fuel: str = ""
    old_vehicle_registered_on: str = ""
    old_vehicle_owned_since: str = ""
    old_emission_standard: str = ""
    scrap_cert: str = ""
    deregistration: str = ""
    sale_record: str = ""


def car_form(
    programme_id: Annotated[str, Form()] = "", price: Annotated[str, Form()] = "",
    invoice_no: Annotated[str, Form()] = "", invoice_date: Annotated[str, Form()] = "",
    brand: Annotated[str, Form()] = "", model: Annotated[str, Form()] = "", new_vin: Annotated[str, Form()] = "",
    new_vehicle_fuel: Annotated[str, Form()] = "", new_vehicle_displacement_l: Annotated[str, Form()] = "",
    old_vin: Annotated[str, Form()] = "", old_vehicle_fuel: Annotated[str, Form()] = "",
    old_vehicle_registered_on: Annotated[str, Form()] = "", old_vehicle_owned_since: Annotated[str, Form()] = "",
    old_emission_standard: Annotated[str, Form()] = "", scrap_cert: Annotated[str, Form()] = "",
    deregistration: Annotated[str, Form()] = "", sale_record: Annotated[str, Form()] = "",
) -> CarForm:
    return CarForm(**locals())


CarFormDep = Annotated[CarForm, Depends(car_form)]


def _optional_date(text: str, field: str, label: str) -> dt.date | None:
    return form_date(text, field, label) if text.strip() else None


def _choice(text: str, options: dict[str, str] | tuple[str, ...], field: str, label: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if value not in options:
        raise InvalidInput(f"请从列表中选择{label}", field=field)
    return value


def _displacement(text: str) -> float | None:
    value = text.strip().removesuffix("L").removesuffix("升").strip()
    if not value:
        return None
    if not _DECIMAL.fullmatch(value):
        raise InvalidInput(f"新车排量“{text}”应为升数，如 1.5", field="new_vehicle_displacement_l")
    return float(value)


def programme_proofs(programme: Programme) -> tuple[str, ...]:
    """The old-car proofs this programme asks for (the kind's own, plus any the programme adds)."""
    kind = KIND_RULES.get(programme.kind)
    rules = evaluation.programme_rules(programme.rules_code)
    return tuple(dict.fromkeys([*(kind.PROOFS if kind else ()), *rules.required_proofs]))


def _proofs(form: CarForm, programme: Programme) -> dict[str, str]:
    wanted = programme_proofs(programme)
    proofs: dict[str, str] = {}
    for kind in CAR_PROOFS:
        number = str(getattr(form, kind)).strip()
        if not number:
            continue
        if kind not in wanted:
            raise InvalidInput(f"{programme.name}不需要{PROOF_LABELS[kind]}，请清空该项"
                               "（报废更新填写回收证明和注销证明，置换更新填写旧车交易登记凭证）", field=kind)
        proofs[kind] = number
    return proofs


def _programme(db: Session, scope: Scope, form: CarForm) -> Programme:
    if not form.programme_id.strip().isdigit():
        raise InvalidInput("请选择补贴活动（汽车报废更新或置换更新）", field="programme_id")
    return repo.get_programme(db, scope, int(form.programme_id))  # another city's: 404


def purchase_of(form: CarForm, programme: Programme) -> claims_service.Purchase:
    """The form as the service's input; the checks (VIN check digits, dates, proofs) are the service's."""
    return claims_service.Purchase(
        category="car", price_fen=yuan_to_fen(form.price, "price", "新车成交价格"), invoice_no=form.invoice_no,
        invoice_date=form_date(form.invoice_date, "invoice_date", "购车发票日期"), brand=form.brand, model=form.model,
        proofs=_proofs(form, programme), new_vin=form.new_vin.strip() or None,
        new_vehicle_fuel=_choice(form.new_vehicle_fuel, NEW_FUELS, "new_vehicle_fuel", "新车类型（新能源或燃油）"),
        new_vehicle_displacement_l=_displacement(form.new_vehicle_displacement_l),
        old_vin=form.old_vin.strip() or None,
        old_vehicle_fuel=_choice(form.old_vehicle_fuel, OLD_FUELS, "old_vehicle_fuel", "旧车燃料类型"),
        old_vehicle_registered_on=_optional_date(form.old_vehicle_registered_on, "old_vehicle_registered_on",
                                                 "旧车注册登记日期"),
        old_vehicle_owned_since=_optional_date(form.old_vehicle_owned_since, "old_vehicle_owned_since",
                                               "旧车登记在本人名下的日期"),
        old_emission_standard=_choice(form.old_emission_standard, EMISSION_STANDARDS, "old_emission_standard",
                                      "旧车排放标准"),
    )


def _body(programme: Programme, purchase: claims_service.Purchase, **extra: Any) -> dict[str, Any]:
    return {"programme_id": programme.id, **dataclasses.asdict(purchase), **extra}


def _open_car_programmes(db: Session, scope: Scope, kinds: list[str] | None = None) -> list[Programme]:
    """The city's car programmes open today (for a dealer: those it was admitted for)."""
    day = now().date()
    return [p for p in repo.programmes_of_city(db, scope.city_code)
            if p.kind in claims_service.CAR_KINDS and p.active and p.starts_on <= day <= p.ends_on
            and (kinds is None or p.kind in kinds)]


def _form_context(db: Session, scope: Scope, programmes: list[Programme], *, action: str,
                  prev: CarForm | None = None, correction: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"action": action, "prev": prev or CarForm(), "correction": correction,
            "programmes": programmes, "proofs_of": {p.id: programme_proofs(p) for p in programmes},
            "proof_labels": PROOF_LABELS, "old_fuels": OLD_FUELS, "new_fuels": NEW_FUELS,
            "emission_standards": EMISSION_STANDARDS, "key": new_key(), "today": now().date(),
            "regions": [(scope.city_code, orgs_service.region_name(db, scope.city_code) + "（市本级）")]
            + [(r.code, r.name) for r in orgs_service.child_regions(db, scope.city_code)]}


def _vehicle(claim: Claim) -> dict[str, Any]:
    """What was filed about the two cars, from the claim's recorded inputs."""
    inputs = claim.inputs or {}
    return {
        "new_vin": inputs.get("new_vin") or claim.vin or "", "old_vin": inputs.get("old_vin", ""),
        "new_fuel": NEW_FUELS.get(inputs.get("new_vehicle_fuel") or "", ""),
        "displacement": inputs.get("new_vehicle_displacement_l"),
        "old_fuel": OLD_FUELS.get(inputs.get("old_vehicle_fuel") or "", ""),
        "registered_on": inputs.get("old_vehicle_registered_on") or "",
        "owned_since": inputs.get("old_vehicle_owned_since") or "",
        "emission": inputs.get("old_emission_standard") or "",
        "proofs": [(PROOF_LABELS.get(k, k), v) for k, v in sorted((inputs.get("proofs") or {}).items())],
    }


def _claim_page(request: Request, db: Session, claim: Claim, *, view: str, labels: dict[str, str],
                done: str | None) -> Response:
    programme = db.get(Programme, claim.programme_id)
    assert programme is not None
    back = "/tradein/retailer/claims" if view == "retailer" else "/tradein/me/claims"
    if programme.kind not in claims_service.CAR_KINDS:
        return see_other(f"{back}/{claim.id}")
    ctx = claim_context(db, claim)
    applicant = db.get(Person, claim.person_id)
    return render(request, "tradein/car_claim.html", view=view, labels=labels, flash=FLASH.get(done or ""),
                  vehicle=_vehicle(claim), applicant=applicant, detail_url=f"{back}/{claim.id}", **ctx)


# ---- the dealer -------------------------------------------------------------------------------

def _dealer(db: Session, scope: Scope) -> Retailer:
    require_role(scope, Role.RETAILER, message="此页面供已准入的汽车经销商使用")
    return retailers.retailer_for_user(db, scope)


def _dealer_stop(db: Session, retailer: Retailer) -> str | None:
    """Why this dealer may not file car applications now (suspended, expelled, not admitted for cars)."""
    if retailer.status != retailers.ADMITTED:
        history = retailers.retailer_history(db, retailer.id)
        reason = history[-1].reason if history else ""
        label = retailers.STATUS_LABELS.get(retailer.status, retailer.status)
        return f"本经营主体已被{label}，暂不能提交汽车补贴申请" + (f"。原因：{reason}" if reason else "")
    if not set(retailer.kinds or []) & set(claims_service.CAR_KINDS):
        return "本经营主体未准入汽车报废更新或置换更新，不能代为申请汽车补贴；如需办理请联系商务局"
    return None


@router.get("/tradein/retailer/car", response_class=HTMLResponse)
def dealer_form(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    retailer = _dealer(db, scope)
    stop = _dealer_stop(db, retailer)
    programmes = [] if stop else _open_car_programmes(db, scope, list(retailer.kinds or []))
    recent = [c for c in repo.claims_for(db, scope, limit=200) if c.category == "car"][:20]
    return render(request, "tradein/car_form.html", view="retailer", retailer=retailer, stop_reason=stop,
                  person=None, recent=recent, labels=STATUS_LABELS, aware=aware,
                  **_form_context(db, scope, programmes, action="/tradein/retailer/car"))


@router.post("/tradein/retailer/car")
def dealer_apply(
    db: DbSession, scope: CurrentScope, form: CarFormDep, buyer_name: Annotated[str, Form()] = "",
    buyer_id_number: Annotated[str, Form()] = "", buyer_phone: Annotated[str, Form()] = "",
    buyer_address: Annotated[str, Form()] = "", idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """The dealer files on the buyer's behalf: the buyer's real name and ID number, as the API's
    `applicant`; the service checks the dealer's admission for this programme."""
    _dealer(db, scope)
    programme = _programme(db, scope, form)
    purchase = purchase_of(form, programme)
    if not buyer_id_number.strip():
        raise InvalidInput("请填写购车人身份证号", field="id_number")
    if not buyer_name.strip():
        raise InvalidInput("请填写购车人姓名", field="name")
    number = validate_id_number(buyer_id_number.strip(), field="id_number")
    # The ID number and name are not part of the remembered request: only their keyed hashes are.
    body = _body(programme, purchase, buyer=pii.keyed_hash("id", number),
                 buyer_name=pii.keyed_hash("name", "".join(buyer_name.split())))

    def work() -> str:
        person = identity.register_person(db, id_number=number, name=buyer_name, phone=buyer_phone.strip() or None,
                                          address=buyer_address.strip() or None)
        claim = claims_service.apply_car(db, scope, programme, person, purchase)
        return f"/tradein/retailer/car/claims/{claim.id}?done=filed"

    return once(db, scope, idempotency_key, body, work)


@router.get("/tradein/retailer/car/claims/{claim_id}", response_class=HTMLResponse)
def dealer_claim(claim_id: int, request: Request, db: DbSession, scope: CurrentScope,
                 done: str | None = None) -> Response:
    _dealer(db, scope)
    claim = repo.get_claim(db, scope, claim_id)  # another dealer's claim: 404
    return _claim_page(request, db, claim, view="retailer", labels=STATUS_LABELS, done=done)


# ---- the resident -----------------------------------------------------------------------------

def _resident(scope: Scope) -> None:
    require_role(scope, Role.RESIDENT, message="此页面供居民本人使用")


@router.get("/tradein/me/car", response_class=HTMLResponse)
def resident_form(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    _resident(scope)
    person = repo.person_of_scope(db, scope)
    recent = [c for c in repo.claims_for(db, scope, limit=200) if c.category == "car"][:20] if person else []
    return render(request, "tradein/car_form.html", view="resident", retailer=None, stop_reason=None,
                  person=person, recent=recent, labels=RESIDENT_STATUS, aware=aware,
                  **_form_context(db, scope, _open_car_programmes(db, scope), action="/tradein/me/car"))


@router.post("/tradein/me/car")
def resident_apply(db: DbSession, scope: CurrentScope, form: CarFormDep, region_code: Annotated[str, Form()] = "",
                   idempotency_key: Annotated[str, Form()] = "") -> Response:
    """The resident files for themselves, under the identity they registered on /tradein/me."""
    _resident(scope)
    person = repo.person_of_scope(db, scope)
    if person is None:
        raise InvalidInput("请先在“我的以旧换新”完成实名认证（本人姓名和身份证号），再申请汽车补贴", field="id_number")
    programme = _programme(db, scope, form)
    purchase = purchase_of(form, programme)
    region = region_code.strip() or None
    if region is not None and region != scope.city_code and region not in {
            r.code for r in orgs_service.child_regions(db, scope.city_code)}:
        raise InvalidInput(f"所在区县“{region}”不属于本市", field="region_code")

    def work() -> str:
        claim = claims_service.apply_car(db, scope, programme, person, purchase, region_code=region)
        return f"/tradein/me/car/claims/{claim.id}?done=filed"

    return once(db, scope, idempotency_key, _body(programme, purchase, region_code=region), work)


@router.get("/tradein/me/car/claims/{claim_id}", response_class=HTMLResponse)
def resident_claim(claim_id: int, request: Request, db: DbSession, scope: CurrentScope,
                   done: str | None = None) -> Response:
    _resident(scope)
    claim = repo.get_claim(db, scope, claim_id)  # another resident's claim: 404
    return _claim_page(request, db, claim, view="resident", labels=RESIDENT_STATUS, done=done)
