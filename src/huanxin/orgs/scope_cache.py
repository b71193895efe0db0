"""A short-lived, per-process cache of signed-in scopes by token.

At peak load every API request would otherwise spend a trip to a worker thread and three queries
(session, user, unit) on its sign-in before doing any work. A scope found here was read from the
database at most TTL_SECONDS ago (2 s). Signing out (`revoke`) or resetting a password
(`revoke_user`) ends the token in this process at once: its entry goes, and a read that began
before the revocation (a background refresh in flight, another request's lookup) cannot put it
back. Another worker process has its own cache: there the token stops working once its entry is
read again, within REFRESH_AFTER_SECONDS (1 s) for a token in use, and within TTL_SECONDS at
most in any case. A token is never cached past its session's own expiry.

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
# When a token (or a user's every token, keyed by ("user", id)) was revoked, for TTL_SECONDS: a
# read that began before that may not be cached. An older read would have lapsed anyway.
_revoked: dict[object, float] = {}
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


def put(token: str, scope: Scope, seconds_left: float, read_at: float | None = None) -> None:
    """Remembers the scope for TTL_SECONDS from when it was read (`read_at`, time.monotonic();
    default now), or until the session ends if that is sooner; not if the token was revoked
    after the read began."""
    read_at = time.monotonic() if read_at is None else read_at
    lasts = min(TTL_SECONDS, max(seconds_left, 0.0))
    with _lock:
        if _revoked and max(_revoked.get(token, -1.0), _revoked.get(("user", scope.user_id), -1.0)) >= read_at:
            return
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token] = _Entry(scope, read_at + lasts, read_at + min(REFRESH_AFTER_SECONDS, lasts))


def revoke(token: str) -> None:
    """The token was signed out: forgotten, and not cached again from a read already under way."""
    with _lock:
        _entries.pop(token, None)
        _remember_revocation(token)


def revoke_user(user_id: int) -> None:
    """Every token of the user ended (a password reset)."""
    with _lock:
        for token in [t for t, entry in _entries.items() if entry.scope.user_id == user_id]:
            del _entries[token]
        _remember_revocation(("user", user_id))


def _remember_revocation(key: object) -> None:
    now = time.monotonic()
    for old in [k for k, at in _revoked.items() if at < now - TTL_SECONDS]:
        del _revoked[old]
    _revoked[key] = now


def forget(token: str) -> None:
    with _lock:
        _entries.pop(token, None)


def clear() -> None:
    with _lock:
        _entries.clear()
        _revoked.clear()
