"""Real-name qualifications (资格): quota slots held by unique rows, budget reserved from the pools
split by fund source, a validity period, daily release batches, a waiting list served in order
when money returns, and expiry that gives the money and the quota back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.errors import Conflict
from huanxin.kit.clock import aware, now
from huanxin.ledger import service as ledger_service
from huanxin.tradein import money, outbox
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation
from huanxin.tradein.models import Person, Programme, Qualification
from huanxin.tradein.qualifications import quotas


def _fmt(moment: dt.datetime) -> str:
    return aware(moment).strftime("%Y-%m-%d %H:%M")


def check_open(programme: Programme, on: dt.date) -> None:
    if not programme.active:
        raise Conflict(f"{programme.name}已暂停，暂不发放资格", field="programme_id")
    if on < programme.starts_on:
        raise Conflict(f"{programme.name}将于 {programme.starts_on} 开始", field="programme_id")
    if on > programme.ends_on:
        raise Conflict(f"{programme.name}已于 {programme.ends_on} 结束", field="programme_id")


@dataclass(frozen=True)
class Release:
    """A programme's daily release that a moment falls in: its label, how many of the day's count
    are left, and the answer for those who come once none are."""

    batch: str
    left: int
    sold_out: Conflict


def open_release(session: Session, programme: Programme, moment: dt.datetime) -> Release | None:
    """The day's release this moment falls in (None for a programme without daily releases); a
    Conflict with the time of the release before it opens. The programme row is locked while the
    day's count is read, until the transaction ends, so a release never hands out more than its
    count, whether to one request or to a batch of them."""
    if not programme.daily_release_time or not programme.daily_release_count:
        return None
    hh, mm = (int(x) for x in programme.daily_release_time.split(":"))
    release_at = moment.replace(hour=hh, minute=mm, second=0, microsecond=0)
    if moment < release_at:
        raise Conflict(f"今日资格将于 {programme.daily_release_time} 开始发放，请届时再来"
                       f"（下一批：{_fmt(release_at)}）", field="programme_id")
    batch = f"{moment.date().isoformat()} {programme.daily_release_time}"
    repo.lock_programme(session, programme.id)
    left = programme.daily_release_count - repo.released_in_batch(session, programme.id, batch)
    nxt = release_at + dt.timedelta(days=1)
    return Release(batch, left, Conflict(f"今日 {programme.daily_release_count} 个资格已发放完毕，"
                                         f"下一批将于 {_fmt(nxt)} 发放", field="programme_id"))


def release_batch(session: Session, programme: Programme, moment: dt.datetime) -> str | None:
    """The day's batch this request falls in; a clear message with the next release otherwise."""
    release = open_release(session, programme, moment)
    if release is None:
        return None
    if release.left <= 0:
        raise release.sold_out
    return release.batch


def claim_qualification(
    session: Session, *, programme: Programme, person: Person, category: str, actor: str,
    at: dt.datetime | None = None,
) -> Qualification:
    moment = at or now()
    on = moment.date()
    check_open(programme, on)
    category = evaluation.check_category(programme.rules_code, category, on)
    batch = release_batch(session, programme, moment)
    reserve_fen = evaluation.qualification_reserve(programme.rules_code, category, on)
    qualification = Qualification(
        city_code=programme.city_code, programme_id=programme.id, person_id=person.id, category=category,
        status="waiting", reserved_fen=0, issued_at=moment, release_batch=batch,
    )
    session.add(qualification)
    session.flush()
    quotas.take(session, person.id, evaluation.qualification_quotas(programme.rules_code, category, on),
                reserve_fen, qualification_id=qualification.id)
    label = evaluation.category_label(programme.rules_code, category)
    # Those already waiting are served first: a newcomer never overtakes the queue.
    if repo.has_waiting(session, programme.id, before=qualification.id) or not _activate_and_reserve(
            session, programme, qualification, reserve_fen, on, moment, label):
        qualification.queue_no = qualification.id  # the id sequence: unique and in arrival order
        ahead = repo.waiting_ahead(session, qualification)
        outbox.notify(session, person.id,
                      f"{programme.name}资金已暂时用完，您申领的“{label}”资格已进入候补队列，"
                      f"候补号 {qualification.queue_no}（前面还有 {ahead} 人），资金回流后按顺序发放。")
    session.flush()
    return qualification


def _activate_and_reserve(session: Session, programme: Programme, qualification: Qualification, reserve_fen: int,
                          on: dt.date, moment: dt.datetime, label: str) -> bool:
    """Activates the qualification and reserves its budget, all or nothing (False: the pool is
    short and nothing of it was written). The reservation comes last: the pool's available
    account is one row shared by every qualification of the programme, locked from its UPDATE
    until the commit, so everything else (the activation, the message) is written before it."""
    amounts = money.split(reserve_fen, evaluation.fund_shares(programme.rules_code, on))
    try:
        with session.begin_nested():
            qualification.reserved_fen = reserve_fen
            _activate(session, programme, qualification, moment, label)
            session.flush()
            money.reserve_qualification_or_raise(session, programme, qualification, amounts)
    except ledger_service.InsufficientFunds:
        return False
    return True


def _reserve(session: Session, programme: Programme, qualification: Qualification, reserve_fen: int,
             on: dt.date) -> bool:
    amounts = money.split(reserve_fen, evaluation.fund_shares(programme.rules_code, on))
    if not money.reserve_qualification(session, programme, qualification, amounts):
        return False
    qualification.reserved_fen = reserve_fen
    return True


def _activate(session: Session, programme: Programme, qualification: Qualification, moment: dt.datetime,
              label: str) -> None:
    set_active(programme, qualification, moment)
    notify_issued(session, programme, qualification, label)


def set_active(programme: Programme, qualification: Qualification, moment: dt.datetime) -> None:
    qualification.status = "active"
    qualification.issued_at = moment
    qualification.expires_at = moment + dt.timedelta(days=programme.qualification_days or 7)


def notify_issued(session: Session, programme: Programme, qualification: Qualification, label: str) -> None:
    assert qualification.expires_at is not None
    outbox.notify(session, qualification.person_id,
                  f"资格已发放：{programme.name}“{label}”，资格编号 {qualification.id}，"
                  f"有效期至 {_fmt(qualification.expires_at)}，请在有效期内到已准入商户购买核销。")


def serve_waiting_list(session: Session, programme: Programme, at: dt.datetime | None = None) -> int:
    """Activates waiting qualifications in queue order while the pool can cover them; stops at the
    first it cannot, so nobody is overtaken. Runs after every void and every expiry."""
    moment = at or now()
    served = 0
    for qualification in repo.waiting_list(session, programme.id):
        reserve_fen = evaluation.qualification_reserve(programme.rules_code, qualification.category, moment.date())
        if not _reserve(session, programme, qualification, reserve_fen, moment.date()):
            break
        qualification.queue_no = None
        _activate(session, programme, qualification, moment,
                  evaluation.category_label(programme.rules_code, qualification.category))
        served += 1
    session.flush()
    return served


def cancel(session: Session, qualification: Qualification, *, actor: str) -> None:
    """The resident gives a qualification back (waiting or unused)."""
    if qualification.status not in ("waiting", "active"):
        raise Conflict("只有候补中或未使用的资格可以取消", field="qualification_id")
    _release(session, qualification, "cancelled", actor=actor)
    programme = session.get(Programme, qualification.programme_id)
    assert programme is not None
    outbox.notify(session, qualification.person_id, f"您的资格（编号 {qualification.id}）已取消。")
    serve_waiting_list(session, programme)


def _release(session: Session, qualification: Qualification, status: str, *, actor: str) -> None:
    money.void_qualification(session, qualification, actor=actor)
    quotas.release(session, qualification_id=qualification.id)
    qualification.status = status
    qualification.queue_no = None


def expire_qualifications(session: Session, at: dt.datetime | None = None, *,
                          city_code: str | None) -> dict[str, int]:
    """Lapsed qualifications give their reservation and quota back; those expiring within a day
    get a reminder (once); then the waiting lists are served. Used by `huanxin tradein expire`
    (every city, or one) and by a city office's API call (its own city only)."""
    moment = at or now()
    reminded = 0
    for qualification in repo.expiring_qualifications(session, moment, moment + dt.timedelta(days=1), city_code):
        marker = f"资格编号 {qualification.id} 即将过期"
        if not repo.outbox_has(session, qualification.person_id, marker):
            outbox.notify(session, qualification.person_id,
                          f"{marker}（{_fmt(qualification.expires_at or moment)}），请尽快购买核销，逾期作废。")
            reminded += 1
    programmes: set[int] = set()
    expired = 0
    for qualification in repo.lapsed_qualifications(session, moment, city_code):
        _release(session, qualification, "expired", actor="system")
        outbox.notify(session, qualification.person_id,
                      f"您的资格（编号 {qualification.id}）已过期未使用，已自动作废，可重新申领。")
        programmes.add(qualification.programme_id)
        expired += 1
    session.flush()
    served = 0
    for programme_id in sorted(programmes):
        programme = session.get(Programme, programme_id)
        assert programme is not None
        served += serve_waiting_list(session, programme, moment)
    return {"expired": expired, "reminded": reminded, "served": served}


def qualification_out(session: Session, qualification: Qualification) -> dict[str, object]:
    programme = session.get(Programme, qualification.programme_id)
    assert programme is not None
    return {
        "id": qualification.id, "programme_id": programme.id, "programme": programme.name,
        "category": qualification.category,
        "category_label": evaluation.category_label(programme.rules_code, qualification.category),
        "status": qualification.status, "reserved_fen": qualification.reserved_fen,
        "queue_no": qualification.queue_no,
        "waiting_ahead": repo.waiting_ahead(session, qualification) if qualification.status == "waiting" else None,
        "issued_at": aware(qualification.issued_at).isoformat(),
        "expires_at": aware(qualification.expires_at).isoformat() if qualification.expires_at else None,
        "release_batch": qualification.release_batch,
    }
