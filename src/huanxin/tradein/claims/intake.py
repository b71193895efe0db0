"""Claim submissions at peak load: the API's redemptions, gathered into batches.

Each worker process keeps up to two batches in flight. While they are being written (in worker
threads), the submissions that arrive wait in line; when one commits, everything waiting becomes
the next batch. So under light load a batch is one submission and costs what it always did, and under
heavy load the batches grow by themselves, each one transaction and one commit for all of them
(group commit), with the checks read once per batch (tradein.claims.redemption). At low load nothing
waits for a timer; under load a batch that would start with only a handful waits up to a few
milliseconds for the requests of the clients just answered (Batcher.gather_seconds).

Every submission is answered exactly as if it had been sent alone: its Idempotency-Key is claimed
in the batch's transaction (a replay gets the stored response, the same key with another body a
409); a refusal (a DomainError) is not stored, so a corrected retry runs again; an acknowledged
(201) claim is committed before its answer is sent. When a batch meets a conflict it could not
foresee, or the database refuses the transaction, it is rolled back and its submissions are
written one by one, so one bad submission never costs the others theirs."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from huanxin.config import get_settings
from huanxin.errors import DomainError
from huanxin.kit import idempotency
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import redemption
from huanxin.tradein.qualifications import issuing
from huanxin.tradein.qualifications import lifecycle as qualification
from huanxin.tradein.residents import identity
from huanxin.tradein.schemas import claim_out
from huanxin.web.deps import UnitOfWork

MAX_BATCH = 200

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Answer:
    status: int
    payload: dict[str, Any]
    replayed: bool = False


class Busy(DomainError):
    status_code = 503


def busy(exc: Exception) -> Busy:
    """The answer when the database refused the transaction: retry with the same key."""
    if isinstance(exc, OperationalError):
        return Busy("系统繁忙，请稍后使用同一幂等键重试")
    return Busy("提交冲突，请稍后使用同一幂等键重试")


def replayed(session: Session, owner: str, key: str, body: Any) -> Answer:
    """The stored answer of a key already used (a Conflict when the body differs, Busy when the
    key's first request is still being written)."""
    previous = idempotency.lookup(session, owner, key, body)
    if previous is None:
        raise Busy("系统繁忙，请稍后使用同一幂等键重试")
    return Answer(previous.status_code, previous.response, replayed=True)


@dataclass(frozen=True)
class Qualify:
    """A resident asks for a qualification (the first time with their real-name identity)."""

    programme_id: int
    category: str
    id_number: str | None = None
    name: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Submission:
    scope: Scope
    key: str  # the Idempotency-Key, checked
    body: dict[str, Any]  # the request as JSON, for the key's request hash
    request: Any  # redemption.Redemption for write_redemptions, Qualify for write_qualifications
    # Where the batch's transaction is opened (web.deps.write_units): a batch uses its first
    # submission's. An app has one, and each app (each test client) has its own event loop, so
    # its own batches.
    units: UnitOfWork

    @property
    def owner(self) -> str:
        return idempotency.user_owner(self.scope.user_id)


Outcome = Answer | DomainError


@dataclass
class _Line(Generic[Item, Result]):
    """What waits and what is being written, on one event loop."""

    limiter: CapacityLimiter
    concurrency: int
    waiting: list[tuple[Item, asyncio.Future[Result]]] = field(default_factory=list)
    active: int = 0
    last_size: int = 0  # the size of the batch started last
    timer: asyncio.TimerHandle | None = None  # a short wait for the rest of a busy line


@dataclass
class Batcher(Generic[Item, Result]):
    """Runs `write` on batches of what `submit` is given, at most `concurrency` batches at a time
    per event loop (a server has one per worker process; tests start several). Two, so that one
    batch is being written while the next gathers and starts: with one, the batch that follows a
    big one would hold only what arrived while it was written (a few), and the clients just
    answered would wait behind it."""

    write: Callable[[list[Item]], list[Result]]
    max_batch: int = MAX_BATCH
    concurrency: int | None = None  # None: 2 on PostgreSQL, 1 on SQLite (see _default_concurrency)
    # A second batch starts beside a running one only with at least this many waiting: a batch
    # costs about the same few dozen statements whatever its size, so the few that arrive just
    # after a batch has started do better to wait for it and join the many that follow.
    min_beside: int = 24
    # Under load, when a batch has just been answered, its clients' next requests are a few
    # milliseconds away: with fewer than half the last batch's size waiting, the next batch waits
    # up to this long for them rather than go with a handful. (At low load the last batch was one
    # request, and nothing ever waits.)
    gather_seconds: float = 0.008
    _lines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Line[Item, Result]] = field(
        default_factory=weakref.WeakKeyDictionary)

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        line = self._lines.get(loop)
        if line is None:
            concurrency = self.concurrency or _default_concurrency()
            line = self._lines[loop] = _Line(CapacityLimiter(concurrency), concurrency)
        future: asyncio.Future[Result] = loop.create_future()
        line.waiting.append((item, future))
        self._start(loop, line)
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop, line: _Line[Item, Result], *, waited: bool = False) -> None:
        while line.waiting and line.active < line.concurrency:
            if line.active and len(line.waiting) < self.min_beside:
                return
            if not line.active and not waited and len(line.waiting) < line.last_size // 2:
                if line.timer is None:
                    line.timer = loop.call_later(self.gather_seconds, self._gathered, loop, line)
                return
            if line.timer is not None:
                line.timer.cancel()
                line.timer = None
            batch, line.waiting = line.waiting[:self.max_batch], line.waiting[self.max_batch:]
            line.active += 1
            # remembered with a slow decay, so one small batch does not end the waiting
            line.last_size = max(len(batch), line.last_size * 3 // 4)
            loop.create_task(self._run(loop, line, batch))

    def _gathered(self, loop: asyncio.AbstractEventLoop, line: _Line[Item, Result]) -> None:
        line.timer = None
        self._start(loop, line, waited=True)

    async def _run(self, loop: asyncio.AbstractEventLoop, line: _Line[Item, Result],
                   batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            results = await anyio.to_thread.run_sync(self.write, [item for item, _ in batch], limiter=line.limiter)
        except Exception as exc:  # noqa: BLE001 - handed to every waiting request
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        else:
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # a client that went away: its claim stands, replayable
                    future.set_result(result)
        finally:
            line.active -= 1
            self._start(loop, line)


def _default_concurrency() -> int:
    # SQLite lets one writer in at a time: a second batch would only wait for the lock, and its
    # busy handler waits by sleeping, so the wait would be longer than the batch ahead.
    return 1 if get_settings().database_url.startswith("sqlite") else 2


# ---- writing a batch -----------------------------------------------------------------------------

# The work of a batch: each fresh submission's result, or the DomainError that refused it.
Work = Callable[[Session, list[Submission]], list[Any]]
# A result as the answer the client gets: (status, JSON payload).
Respond = Callable[[Session, Submission, Any], tuple[int, dict[str, Any]]]


def write_batch(submissions: list[Submission], work: Work, respond: Respond) -> list[Outcome]:
    """Each submission's answer, all of them committed in one transaction when possible."""
    firsts: list[int] = []
    again: list[int] = []  # the same key twice in one batch: answered as a replay afterwards
    seen: set[tuple[str, str]] = set()
    for index, submission in enumerate(submissions):
        (again if (submission.owner, submission.key) in seen else firsts).append(index)
        seen.add((submission.owner, submission.key))
    answers: dict[int, Outcome] = {}
    chosen = [submissions[i] for i in firsts]
    try:
        answers.update(zip(firsts, _in_one_transaction(chosen, work, respond), strict=True))
    except (redemption.RetryAlone, IntegrityError, OperationalError) as exc:
        if len(chosen) == 1:
            answers[firsts[0]] = busy(exc)
        else:
            answers.update({i: write_batch([submissions[i]], work, respond)[0] for i in firsts})
    answers.update({i: write_batch([submissions[i]], work, respond)[0] for i in again})
    return [answers[i] for i in range(len(submissions))]


def _in_one_transaction(submissions: list[Submission], work: Work, respond: Respond) -> list[Outcome]:
    with submissions[0].units() as session:
        return _write(session, submissions, work, respond)


def _write(session: Session, submissions: list[Submission], work: Work, respond: Respond) -> list[Outcome]:
    records = idempotency.try_claim_many(session, [(s.owner, s.key, s.body) for s in submissions])
    answers: list[Outcome | None] = [None] * len(submissions)
    fresh = []
    for index, (submission, record_id) in enumerate(zip(submissions, records, strict=True)):
        if record_id is None:
            answers[index] = _replay(session, submission)
        else:
            fresh.append((index, submission, record_id))
    results = work(session, [s for _, s, _ in fresh])
    refused, saved = [], []
    for (index, submission, record_id), result in zip(fresh, results, strict=True):
        if isinstance(result, DomainError):
            answers[index] = result
            refused.append(record_id)
        else:
            status, payload = respond(session, submission, result)
            answers[index] = Answer(status, payload)
            saved.append((record_id, status, payload))
    idempotency.forget(session, refused)
    idempotency.save_many(session, saved)
    return [a for a in answers if a is not None]


def _replay(session: Session, submission: Submission) -> Outcome:
    try:
        return replayed(session, submission.owner, submission.key, submission.body)
    except DomainError as error:  # the same key with another body (409), or still being written
        return error


# ---- the two kinds of submission -------------------------------------------------------------------

def _redeem(session: Session, submissions: list[Submission]) -> list[Any]:
    return redemption.redeem_many(session, [s.request for s in submissions])


def _claim_answer(session: Session, submission: Submission, claim: Any) -> tuple[int, dict[str, Any]]:
    return 201, claim_out(session, submission.scope, claim)  # JSON values already


def _issue(session: Session, submissions: list[Submission]) -> list[Any]:
    """The residents' persons (one query for those already registered), then the batch. A first
    request with a real-name identity registers the person and is issued alone, both or neither."""
    known = identity.persons_of_users(session, [s.scope.user_id for s in submissions])
    results: list[Any] = [None] * len(submissions)
    requests: list[tuple[int, issuing.Request]] = []
    for index, submission in enumerate(submissions):
        ask: Qualify = submission.request
        if ask.id_number:
            results[index] = _register_and_issue(session, submission, ask)
            continue
        try:
            person = identity.resident_person(session, submission.scope, known.get(submission.scope.user_id))
            programme = repo.get_programme(session, submission.scope, ask.programme_id)
        except DomainError as error:
            results[index] = error
            continue
        requests.append((index, issuing.Request(programme, person, ask.category, submission.scope.username)))
    for (index, _), outcome in zip(requests, issuing.issue_many(session, [r for _, r in requests]), strict=True):
        results[index] = outcome
    return results


def _register_and_issue(session: Session, submission: Submission, ask: Qualify) -> Any:
    nested = session.begin_nested()
    try:
        person = identity.resident_person(session, submission.scope, None, id_number=ask.id_number, name=ask.name,
                                          phone=ask.phone, address=ask.address)
        programme = repo.get_programme(session, submission.scope, ask.programme_id)
        issued = issuing.issue_many(session, [issuing.Request(programme, person, ask.category,
                                                              submission.scope.username)])[0]
        if isinstance(issued, DomainError):
            raise issued
    except DomainError as error:
        nested.rollback()  # the registration goes with the refused request
        return error
    nested.commit()
    return issued


def _qualification_answer(session: Session, submission: Submission, issued: Any) -> tuple[int, dict[str, Any]]:
    return (201 if issued.status == "active" else 202), qualification.qualification_out(session, issued)


def write_redemptions(submissions: list[Submission]) -> list[Outcome]:
    return write_batch(submissions, _redeem, _claim_answer)


def write_qualifications(submissions: list[Submission]) -> list[Outcome]:
    return write_batch(submissions, _issue, _qualification_answer)


redemptions: Batcher[Submission, Outcome] = Batcher(write_redemptions)
qualifications: Batcher[Submission, Outcome] = Batcher(write_qualifications)
