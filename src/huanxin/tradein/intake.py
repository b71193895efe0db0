"""Claim submissions at peak load: the API's redemptions, gathered into batches.

Each worker process keeps up to two batches in flight. While they are being written (in worker
threads), the submissions that arrive wait in line; when one commits, everything waiting becomes
the next batch. So under light load a batch is one submission and costs what it always did, and under
heavy load the batches grow by themselves, each one transaction and one commit for all of them
(group commit), with the checks read once per batch (tradein.redemption). No submission waits
for a timer: the latency is at most the time to write the batch ahead and its own.

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

from huanxin.errors import DomainError
from huanxin.kit import idempotency
from huanxin.orgs.scope import Scope
from huanxin.tradein import redemption
from huanxin.tradein.schemas import claim_out
from huanxin.web.deps import UnitOfWork

MAX_BATCH = 200

Item = TypeVar("Item")
Result = TypeVar("Result")


class Busy(DomainError):
    status_code = 503


@dataclass(frozen=True)
class Answer:
    status: int
    payload: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True)
class Submission:
    scope: Scope
    key: str  # the Idempotency-Key, checked
    body: dict[str, Any]  # the request as JSON, for the key's request hash
    redemption: redemption.Redemption
    # Where the batch's transaction is opened (web.deps.write_units): a batch uses its first
    # submission's. An app has one, and each app (each test client) has its own event loop, so
    # its own batches.
    units: UnitOfWork

    @property
    def owner(self) -> str:
        return f"user:{self.scope.user_id}"


Outcome = Answer | DomainError


@dataclass
class _Line(Generic[Item, Result]):
    """What waits and what is being written, on one event loop."""

    limiter: CapacityLimiter
    waiting: list[tuple[Item, asyncio.Future[Result]]] = field(default_factory=list)
    active: int = 0


@dataclass
class Batcher(Generic[Item, Result]):
    """Runs `write` on batches of what `submit` is given, at most `concurrency` batches at a time
    per event loop (a server has one per worker process; tests start several). Two, so that one
    batch is being written while the next gathers and starts: with one, the batch that follows a
    big one would hold only what arrived while it was written (a few), and the clients just
    answered would wait behind it."""

    write: Callable[[list[Item]], list[Result]]
    max_batch: int = MAX_BATCH
    concurrency: int = 2
    # A second batch starts beside a running one only with at least this many waiting: a batch
    # costs about the same few dozen statements whatever its size, so the few that arrive just
    # after a batch has started do better to wait for it and join the many that follow.
    min_beside: int = 16
    _lines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Line[Item, Result]] = field(
        default_factory=weakref.WeakKeyDictionary)

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        line = self._lines.get(loop)
        if line is None:
            line = self._lines[loop] = _Line(CapacityLimiter(self.concurrency))
        future: asyncio.Future[Result] = loop.create_future()
        line.waiting.append((item, future))
        self._start(loop, line)
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop, line: _Line[Item, Result]) -> None:
        while line.waiting and line.active < self.concurrency and (
                line.active == 0 or len(line.waiting) >= self.min_beside):
            batch, line.waiting = line.waiting[:self.max_batch], line.waiting[self.max_batch:]
            line.active += 1
            loop.create_task(self._run(loop, line, batch))

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


# ---- writing a batch of redemptions ------------------------------------------------------------

def write_redemptions(submissions: list[Submission]) -> list[Outcome]:
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
        answers.update(zip(firsts, _in_one_transaction(chosen), strict=True))
    except (redemption.RetryAlone, IntegrityError, OperationalError) as exc:
        if len(chosen) == 1:
            busy: Outcome = Busy("系统繁忙，请稍后使用同一幂等键重试" if isinstance(exc, OperationalError)
                                 else "提交冲突，请稍后使用同一幂等键重试")
            answers[firsts[0]] = busy
        else:
            answers.update({i: write_redemptions([submissions[i]])[0] for i in firsts})
    answers.update({i: write_redemptions([submissions[i]])[0] for i in again})
    return [answers[i] for i in range(len(submissions))]


def _in_one_transaction(submissions: list[Submission]) -> list[Outcome]:
    with submissions[0].units() as session:
        return _write(session, submissions)


def _write(session: Session, submissions: list[Submission]) -> list[Outcome]:
    records = idempotency.try_claim_many(session, [(s.owner, s.key, s.body) for s in submissions])
    answers: list[Outcome | None] = [None] * len(submissions)
    fresh = []
    for index, (submission, record_id) in enumerate(zip(submissions, records, strict=True)):
        if record_id is None:
            answers[index] = _replay(session, submission)
        else:
            fresh.append((index, submission, record_id))
    outcomes = redemption.redeem_many(session, [s.redemption for _, s, _ in fresh])
    refused, saved = [], []
    for (index, submission, record_id), outcome in zip(fresh, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            answers[index] = outcome
            refused.append(record_id)
        else:
            payload = claim_out(session, submission.scope, outcome)  # JSON values already
            answers[index] = Answer(201, payload)
            saved.append((record_id, 201, payload))
    idempotency.forget(session, refused)
    idempotency.save_many(session, saved)
    return [a for a in answers if a is not None]


def _replay(session: Session, submission: Submission) -> Outcome:
    try:
        previous = idempotency.lookup(session, submission.owner, submission.key, submission.body)
    except DomainError as error:  # the same key with another body: 409
        return error
    if previous is None:
        return Busy("系统繁忙，请稍后使用同一幂等键重试")
    return Answer(previous.status_code, previous.response, replayed=True)


redemptions: Batcher[Submission, Outcome] = Batcher(write_redemptions)
