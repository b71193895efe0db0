"""Domain errors carry their HTTP status and a message in Chinese naming the field (and row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.field:
            body["field"] = self.field
        if self.errors:
            body["errors"] = self.errors
        return body


class InvalidInput(DomainError):
    status_code = 422


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class PasswordChangeRequired(Forbidden):
    """Signed in with a temporary password: every page but the change of it answers this
    (pages redirect to it)."""


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooManyAttempts(DomainError):
    """Sign-in refused for a while after too many wrong passwords (orgs.throttle)."""

    status_code = 429


def remembered(found: dict[Key, Value | DomainError], key: Key, find: Callable[[], Value]) -> Value:
    """`find()` once per key, its DomainError remembered as well as its value: what a batch looks
    up for many of its requests (a retailer, a programme's daily release) is read once, and each
    request that asks again gets the same value, or the same error raised."""
    if key not in found:
        try:
            found[key] = find()
        except DomainError as error:
            found[key] = error
    value = found[key]
    if isinstance(value, DomainError):
        raise value
    return value
