"""Residents as the claim process knows them: a validated ID number (GB 11643 check digit),
encrypted at rest and matched by keyed hash; a bank card in the applicant's own name (Luhn)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, Forbidden, InvalidInput
from huanxin.kit import pii
from huanxin.kit.clock import now
from huanxin.kit.identifiers import validate_bank_card, validate_id_number, validate_phone
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import Claim, Person
from huanxin.tradein.residents import realname


def clean_name(raw: str, field: str = "name") -> str:
    value = "".join(raw.split())
    if not 2 <= len(value) <= 40:
        raise InvalidInput("姓名应为2至40个字符", field=field)
    return value


def id_hash(id_number: str) -> str:
    return pii.keyed_hash("id", id_number)


def holder_id_hash(id_number: str | None) -> str:
    """The keyed hash of the ID number a resident shows at the till, checked (GB 11643) first."""
    if not (id_number or "").strip():
        raise InvalidInput("请填写资格持有人的身份证号", field="id_number")
    return id_hash(validate_id_number((id_number or "").strip()))


def person_name(person: Person) -> str:
    return pii.decrypt(person.name_enc)


def person_id_number(person: Person) -> str:
    return pii.decrypt(person.id_enc)


def person_for_user(session: Session, user_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.user_id == user_id))


def persons_of_users(session: Session, user_ids: list[int]) -> dict[int, Person]:
    """user id → the person registered for that user (one query for many)."""
    return {p.user_id: p for p in session.scalars(select(Person).where(Person.user_id.in_(user_ids)))
            if p.user_id is not None}


def resident_person(session: Session, scope: Scope, registered: Person | None, *, id_number: str | None = None,
                    name: str | None = None, phone: str | None = None, address: str | None = None) -> Person:
    """The signed-in resident's person: `registered` (the one already on record, if any), or the
    identity given with a first request (real-name registration)."""
    if scope.role != Role.RESIDENT:
        raise Forbidden("只有居民本人可以申领资格")
    if id_number:
        if not name:
            raise InvalidInput("请填写姓名", field="name")
        return register_person(session, id_number=id_number, name=name, phone=phone, address=address,
                               user_id=scope.user_id)
    if registered is None:
        raise InvalidInput("首次申领请填写本人身份证号和姓名（实名认证）", field="id_number")
    return registered


RECLAIM_HINT = "如您是本人，请通过“找回身份”（实名认证＋本人银行卡核验）找回。"


def require_real_name(session: Session, id_number: str, name: str) -> None:
    """实名认证: the ID number exists and belongs to a person of this name (tradein.residents.realname)."""
    if not realname.verifier().name_matches(session, id_number=id_number, name=name):
        raise InvalidInput("实名认证未通过：姓名与身份证号不一致或查无此身份证号，请核对本人姓名和身份证号",
                           field="id_number")


def find_person(session: Session, id_number: str) -> Person | None:
    return session.scalar(select(Person).where(Person.id_hash == id_hash(validate_id_number(id_number))))


def register_person(
    session: Session, *, id_number: str, name: str, phone: str | None = None, address: str | None = None,
    user_id: int | None = None,
) -> Person:
    """The person with this ID number, created on first sight. The name must match the one on
    record (a borrowed ID with another name is refused); a second account may not take it over.
    Binding to a resident's account (`user_id`) first passes the real-name check (实名认证), so
    nobody can bind an ID number that is not theirs and lock its owner out."""
    number = validate_id_number(id_number)
    clean = clean_name(name)
    phone_value = validate_phone(phone) if phone else None
    if user_id is not None:
        require_real_name(session, number, clean)
    key = id_hash(number)
    person = session.scalar(select(Person).where(Person.id_hash == key))
    if person is None:
        person = Person(
            id_hash=key, id_enc=pii.encrypt(number), id_masked=pii.mask_id(number),
            name_enc=pii.encrypt(clean), name_masked=pii.mask_name(clean), created_at=now(),
        )
        try:
            with session.begin_nested():  # two first requests of one person race on id_hash
                session.add(person)
                session.flush()
        except IntegrityError:
            person = session.scalar(select(Person).where(Person.id_hash == key))
            if person is None:  # pragma: no cover - the twin rolled back
                raise Conflict("系统繁忙，请稍后重试") from None
    if person_name(person) != clean:
        if user_id is not None:  # the real-name check passed: the name on record is the wrong one
            raise Forbidden("该身份证号已以其他姓名登记。" + RECLAIM_HINT, field="id_number")
        raise InvalidInput("姓名与身份证号不一致，请核对", field="name")
    if user_id is not None:
        linked = person_for_user(session, user_id)
        if linked is not None and linked.id != person.id:
            raise Forbidden("该账号已实名认证为其他身份证号，不能再绑定", field="id_number")
        if person.user_id is None:
            person.user_id = user_id
        elif person.user_id != user_id:
            raise Forbidden("该身份证号已绑定其他账号。" + RECLAIM_HINT, field="id_number")
    if phone_value:
        person.phone_hash = pii.keyed_hash("phone", phone_value)
        person.phone_enc = pii.encrypt(phone_value)
    if address and address.strip():
        person.address_hash = pii.keyed_hash("address", "".join(address.split()))
    session.flush()
    return person


def set_bank_card(session: Session, person: Person, *, card_number: str, holder_name: str) -> None:
    """Payment goes only to a card in the applicant's own name."""
    card = validate_bank_card(card_number, field="bank_card")
    if clean_name(holder_name, field="card_holder") != person_name(person):
        raise InvalidInput("银行卡须为申请人本人名下：持卡人姓名与申请人姓名不一致", field="card_holder")
    card_hash = pii.keyed_hash("card", card)
    if person.bank_card_hash == card_hash:
        return
    if person.bank_card_hash is not None and session.scalar(
        select(Claim.id).where(Claim.person_id == person.id, Claim.status == "paying").limit(1)
    ) is not None:
        raise Conflict("补贴正在发放中，暂不能更换收款银行卡", field="bank_card")
    person.bank_card_hash = card_hash
    person.bank_card_enc = pii.encrypt(card)
    person.bank_card_masked = pii.mask_card(card)
    session.flush()


def person_out(person: Person) -> dict[str, object]:
    return {"id": person.id, "name": person.name_masked, "id_number": person.id_masked,
            "bank_card": person.bank_card_masked}


def reencrypt_people(session: Session, batch: int = 1000) -> int:
    """Every encrypted field of every person (each `*_enc` column, so a field added later is not
    forgotten) encrypted again under the current PII key. Returns how many persons were read."""
    columns = [column for column in Person.__table__.columns if column.name.endswith("_enc")]
    done, last = 0, 0
    while rows := session.execute(
        select(Person.__table__.c.id, *columns).where(Person.id > last).order_by(Person.id).limit(batch)
    ).all():
        session.execute(update(Person), [
            {"id": row.id, **{c.name: pii.reencrypt(row._mapping[c]) for c in columns if row._mapping[c] is not None}}
            for row in rows
        ])
        done, last = done + len(rows), rows[-1].id
    return done
