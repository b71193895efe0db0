"""The peak-load submissions served straight from ASGI, ahead of FastAPI's routing.

At the national peak every claim at the till is a POST to one of two routes (tradein.api's
PEAK_ROUTES), and what FastAPI does around them (its middleware, matching the path against a few
hundred routes, solving the dependencies, validating the body from a parsed dict, encoding the
answer) cost about 0.15 ms of the worker's CPU per request, a tenth of the whole claim. Here the
body is validated by the same pydantic model straight from its JSON, the sender is the one the
sign-in cache already holds (orgs.scope_cache), and the submission goes to the same batch with
the same answer (tradein.api.submit): only the transport differs.

Anything else goes on to FastAPI as it came, the body replayed: a sender not in the cache (FastAPI
signs them in, and caches them for the next request), a browser's cookie (which needs the CSRF
check), a body that is not JSON or does not validate (FastAPI words the error), an oversized one.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huanxin.tradein.api import PEAK_ROUTES, PeakSubmission, answered, submit
from huanxin.web.deps import UnitOfWork, bearer_token, cached_scope, read_units, write_units

API_PREFIX = "/api/v1"
MAX_BODY = 64 * 1024  # a claim is well under 2 KB; anything larger goes the long way


class PeakRoutes:
    def __init__(self, app: ASGIApp, *, api: FastAPI) -> None:
        self.app = app
        self.api = api  # for its dependency_overrides (tests point the units at theirs)
        self.routes: dict[str, PeakSubmission] = {API_PREFIX + path: peak for path, peak in PEAK_ROUTES.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peak = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if peak is None:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        token = bearer_token(headers.get("authorization", ""))
        sender = cached_scope(await self._provided(read_units), token) if token else None
        # A sender who must first change a temporary password is refused the long way (web.deps).
        if sender is None or sender.must_change_password or not headers.get("content-type", "").startswith(
                "application/json"):
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        if not complete:
            await self.app(scope, _replaying(body, receive, more=True), send)
            return
        try:
            parsed = peak.body.model_validate_json(body)
        except ValidationError:
            await self.app(scope, _replaying(body, receive, more=False), send)
            return
        units = await self._provided(write_units)
        outcome = await submit(peak, parsed, sender, units, headers.get("idempotency-key"))
        await answered(outcome)(scope, receive, send)

    async def _provided(self, dependency: Callable[[], Awaitable[UnitOfWork]]) -> UnitOfWork:
        """What the dependency gives, or what a test overrode it with."""
        provider: Any = self.api.dependency_overrides.get(dependency, dependency)
        units = provider()
        return await units if inspect.isawaitable(units) else units  # type: ignore[no-any-return]


_WANTED = {b"authorization", b"content-type", b"idempotency-key"}


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode(): value.decode("latin-1") for name, value in scope["headers"] if name in _WANTED}


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The body, and whether it is all there (False: too large, or the client went away)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_BODY:
            return b"".join(chunks), False


def _replaying(body: bytes, receive: Receive, *, more: bool) -> Receive:
    """`receive` with what was read of the body given back first."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
