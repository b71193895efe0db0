"""身份找回: the real owner of an ID number that another account bound (or that was recorded
under another name) claims it back. They pass the real-name check and the bank card check
(四要素: name, ID number, a card in their name and the phone the bank holds for it); the other
account is unbound, the identity's name, phone and card become the verified ones, and every claim
made under the identity is flagged and, where still undecided, put back to manual review:
nothing is deleted, and the whole step is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit import audit, pii
from huanxin.kit.clock import now
from huanxin.kit.identifiers import validate_bank_card, validate_id_number, validate_phone
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import outbox
from huanxin.tradein.claims import events
from huanxin.tradein.models import Claim, FraudFlag, Person
from huanxin.tradein.residents import identity, realname

RULE = "identity_reclaimed"
# An approved claim not yet sent to the bank goes back to review; later ones are flagged only
# (a payment in flight is the bank's to settle, a paid or rejected claim the auditor's to follow).
BACK_TO_REVIEW = ("approved",)


@dataclass(frozen=True)
class ReclaimInput:
    id_number: str
    name: str
    card_number: str
    phone: str


def reclaim(session: Session, scope: Scope, data: ReclaimInput) -> Person:
    """The signed-in resident becomes the holder of the identity they proved is theirs."""
    if scope.role != Role.RESIDENT:
        raise Forbidden("只有居民本人可以找回身份")
    number = validate_id_number(data.id_number)
    name = identity.clean_name(data.name)
    card = validate_bank_card("".join(data.card_number.split()), field="bank_card")
    phone = validate_phone(data.phone)
    identity.require_real_name(session, number, name)
    if not realname.verifier().bank_card_matches(session, id_number=number, name=name, card_number=card, phone=phone):
        raise InvalidInput("银行卡核验未通过：银行卡须为本人名下，预留手机号须与银行登记的一致", field="bank_card")
    person = identity.find_person(session, number)
    if person is None:  # nobody holds it: this is a first registration
        person = identity.register_person(session, id_number=number, name=name, phone=phone, user_id=scope.user_id)
        _set_card(person, card)
        return person
    linked = identity.person_for_user(session, scope.user_id)
    if linked is not None and linked.id != person.id:
        raise Forbidden("该账号已实名认证为其他身份证号，不能再找回另一身份", field="id_number")
    session.refresh(person, with_for_update=True)
    previous_user, name_corrected = person.user_id, identity.person_name(person) != name
    if previous_user == scope.user_id and not name_corrected:
        return person  # already theirs: nothing to take back
    _take_over(person, scope.user_id, name, phone, card)
    flagged = _flag_claims(session, person, actor=scope.username)
    audit.record(session, actor=scope.username, action="identity_reclaimed", entity="tradein_person",
                 entity_id=person.id, city_code=scope.city_code,
                 detail={"unbound_user_id": previous_user, "user_id": scope.user_id,
                         "name_corrected": name_corrected, "claims_flagged": flagged})
    outbox.notify(session, person.id, "您已通过实名认证和本人银行卡核验找回身份，原绑定的账号已解除绑定；"
                                      f"以该身份办理的 {flagged} 笔补贴申请已转人工复核。")
    session.flush()
    return person


def _take_over(person: Person, user_id: int, name: str, phone: str, card: str) -> None:
    # Session.flush orders the new binding after the old one is gone: Person.user_id is unique,
    # and the account that held the identity is simply left without one.
    person.user_id = user_id
    person.name_enc, person.name_masked = pii.encrypt(name), pii.mask_name(name)
    person.phone_hash, person.phone_enc = pii.keyed_hash("phone", phone), pii.encrypt(phone)
    person.address_hash = None  # the address was the other account's word
    _set_card(person, card)


def _set_card(person: Person, card: str) -> None:
    """The card the bank just confirmed is the owner's: payouts go nowhere else."""
    person.bank_card_hash = pii.keyed_hash("card", card)
    person.bank_card_enc = pii.encrypt(card)
    person.bank_card_masked = pii.mask_card(card)


def _flag_claims(session: Session, person: Person, *, actor: str) -> int:
    claims = list(session.scalars(select(Claim).where(Claim.person_id == person.id).order_by(Claim.id)))
    explanation = (f"身份证号 {person.id_masked} 已由本人通过实名认证和银行卡核验找回，原绑定账号疑为冒用："
                   "请复核本申请是否为本人办理")
    at = now()
    for claim in claims:
        session.add(FraudFlag(claim_id=claim.id, rule=RULE, score=0.9, explanation=explanation, at=at))
        if claim.status in BACK_TO_REVIEW:
            events.move(session, claim, "review", actor=actor, note=f"身份找回，转人工复核：{explanation}",
                        audited=True)
    return len(claims)
