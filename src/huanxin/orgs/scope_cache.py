"""A short-lived, per-process cache of signed-in scopes by token.

At peak load every API request would otherwise spend a trip to a worker thread and three queries
(session, user, unit) on its sign-in before doing any work. A scope found here is at most
TTL_SECONDS old: signing out or resetting a password clears this process's cache at once, and
another worker process stops honouring the token within TTL_SECONDS. A token is never cached past
its session's own expiry.

A busy client's scope is read again in the background once it is REFRESH_AFTER_SECONDS old
(`refresh_due`), while its requests go on with the cached one: letting it lapse instead sent every
request in flight on that token to the database at once, every TTL_SECONDS, and those requests
were the slowest of a peak-load run (a 100-200 ms stall on each worker)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from huanxin.orgs.scope import Scope

TTL_SECONDS = 2.0
REFRESH_AFTER_SECONDS = 1.0
MAX_ENTRIES = 100_000


@dataclass(slots=True)
class _Entry:
    scope: Scope
    valid_until: float
    refresh_at: float
    refreshing: bool = False


_entries: dict[str, _Entry] = {}
_lock = threading.Lock()


def get(token: str) -> Scope | None:
    found = _entries.get(token)
    if found is None:
        return None
    if time.monotonic() >= found.valid_until:
        _entries.pop(token, None)
        return None
    return found.scope


def refresh_due(token: str) -> bool:
    """True, once, when the token's cached scope is old enough to be read again: the caller reads
    it (in the background); everyone else goes on with the cached one meanwhile."""
    with _lock:
        found = _entries.get(token)
        if found is None or found.refreshing or time.monotonic() < found.refresh_at:
            return False
        found.refreshing = True
        return True


def put(token: str, scope: Scope, seconds_left: float) -> None:
    """Remembers the scope for TTL_SECONDS, or until the session ends if that is sooner."""
    now = time.monotonic()
    lasts = min(TTL_SECONDS, max(seconds_left, 0.0))
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token] = _Entry(scope, now + lasts, now + min(REFRESH_AFTER_SECONDS, lasts))


def forget(token: str) -> None:
    with _lock:
        _entries.pop(token, None)


def clear() -> None:
    with _lock:
        _entries.clear()
