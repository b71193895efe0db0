"""A short-lived, per-process cache of signed-in scopes by token.

At peak load every API request would otherwise spend a trip to a worker thread and three queries
(session, user, unit) on its sign-in before doing any work. A scope found here is at most
TTL_SECONDS old: signing out or resetting a password clears this process's cache at once, and
another worker process stops honouring the token within TTL_SECONDS. A token is never cached past
its session's own expiry."""

from __future__ import annotations

import threading
import time

from huanxin.orgs.scope import Scope

TTL_SECONDS = 2.0
MAX_ENTRIES = 100_000

_entries: dict[str, tuple[float, Scope]] = {}
_lock = threading.Lock()


def get(token: str) -> Scope | None:
    found = _entries.get(token)
    if found is None:
        return None
    valid_until, scope = found
    if time.monotonic() >= valid_until:
        _entries.pop(token, None)
        return None
    return scope


def put(token: str, scope: Scope, seconds_left: float) -> None:
    """Remembers the scope for TTL_SECONDS, or until the session ends if that is sooner."""
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token] = (time.monotonic() + min(TTL_SECONDS, max(seconds_left, 0.0)), scope)


def clear() -> None:
    with _lock:
        _entries.clear()
