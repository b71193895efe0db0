"""The size of a request body, limited per route before anything parses it (issue 10: a 20 MB body
was parsed on the sign-in route, which anyone may call).

- a route that needs no sign-in (the login form, the API login): `ANONYMOUS_BODY` (16 KB), worked
  out from the route's dependencies, so a new public route is held to it without declaring it;
- every other JSON or form body: `DEFAULT_BODY` (1 MB; a report's narrative of 5,000 characters
  is 15 KB);
- a multipart body on a route that takes files: the configured `max_request_bytes` (read at each
  request), refused in the uploads' own words (`kit.uploads.too_large_request`, field "file");
  each file is then held to `max_upload_bytes` by `kit.uploads.read_upload`.

A declared Content-Length over the limit is refused at once, without reading a byte; a chunked
body is counted as it arrives and cut one chunk past the limit. The answer is 413, in Chinese,
as JSON for the API and as the error page for browsers. Safe methods (GET, HEAD, OPTIONS) are
not looked at: no route of ours reads their body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import params
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huanxin.config import get_settings
from huanxin.errors import DomainError
from huanxin.kit import uploads
from huanxin.web import errors
from huanxin.web.deps import current_scope

KB = 1024
ANONYMOUS_BODY = 16 * KB
DEFAULT_BODY = 1024 * KB
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(DomainError):
    status_code = 413


class _Cut(Exception):
    """Raised to the app from `receive` once the body passed its limit."""


@dataclass(frozen=True)
class _Rule:
    path_regex: re.Pattern[str]
    methods: frozenset[str]
    limit: int
    takes_files: bool


def _size(limit: int) -> str:
    return f"{limit // (1024 * KB)} MB" if limit >= 1024 * KB else f"{limit // KB} KB"


def _needs_sign_in(route: APIRoute) -> bool:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if dependant.call is current_scope:
            return True
        pending.extend(dependant.dependencies)
    return False


def _takes_files(route: APIRoute) -> bool:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if any(isinstance(f.field_info, params.File) for f in dependant.body_params):
            return True
        pending.extend(dependant.dependencies)
    return False


def rules_of(routes: Sequence[BaseRoute]) -> list[_Rule]:
    """One rule per route that takes a body, in the order the app matches them."""
    rules = []
    for context in iter_route_contexts(routes):
        route = context.original_route
        methods = frozenset(context.methods or ()) - SAFE_METHODS
        if not isinstance(route, APIRoute) or not methods:
            continue
        limit = DEFAULT_BODY if _needs_sign_in(route) else ANONYMOUS_BODY
        rules.append(_Rule(context.path_regex, methods, limit, _takes_files(route)))
    return rules


class BodyLimit:
    """`app.add_middleware(BodyLimit, routes=app.routes)`: the rules are read from the routes when
    the middleware stack is built (at the first request), after every router was included."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.rules = rules_of(routes)

    def _rule(self, method: str, path: str) -> _Rule | None:
        for rule in self.rules:
            if method in rule.methods and rule.path_regex.match(path):
                return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        rule = self._rule(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)  # no such route: the app answers 404
            return
        headers = Headers(scope=scope)
        upload = rule.takes_files and headers.get("content-type", "").startswith("multipart/form-data")
        limit = get_settings().max_request_bytes if upload else rule.limit
        refusal = uploads.too_large_request(limit) if upload else _too_large(limit)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, refusal)
            return
        await self._counted(scope, receive, send, limit, refusal)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int, refusal: DomainError) -> None:
        received = 0
        cut = False
        started = False

        async def counted() -> Message:
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    raise _Cut
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if cut and not started:
                return  # what the app made of the cut body (FastAPI words it as a 400) is replaced
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not cut or started:
                raise
        if cut and not started:
            await _refuse(scope, receive, send, refusal)


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"提交的内容超过 {_size(limit)} 的上限，请删减后重试")


async def _refuse(scope: Scope, receive: Receive, send: Send, error: DomainError) -> None:
    await errors.answer(Request(scope, receive), error)(scope, receive, send)
