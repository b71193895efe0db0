"""Errors shown on the form that caused them, for every page route that declares its form.

A page's POST route is decorated with `form_page(page, form=...)`: `page` rebuilds the page the form
sits on (usually by calling that page's own GET route), `form` names the form on it (formatted
with the route's arguments, e.g. "review-{report_id}" when a page has one form per row). When the
route raises a DomainError, the request's writes are rolled back and the page is rendered again,
with the error's status (422 for input), the message beside the field named by `error.field`, a
summary at the top of the page, and what was typed refilled. Templates use the helpers at the
end of this module (registered as Jinja globals by `web.templating`).

Sign-in errors and errors that make the page itself unreadable (404, or the page raising in turn)
still answer the error page: there is no form the user could correct."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from fastapi import Request
from fastapi.responses import Response
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huanxin.errors import DomainError, NotAuthenticated, NotFound

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_STATE_ATTR = "form_error"


@dataclass(frozen=True)
class FormCall:
    """What a page builder gets: the request, and the POST route's own arguments (db, scope,
    path parameters, form fields) by name."""

    request: Request
    args: Mapping[str, Any]

    @property
    def db(self) -> Session:
        return cast(Session, self.args["db"])

    @property
    def scope(self) -> Any:
        return self.args.get("scope")


PageBuilder = Callable[[FormCall], Response]


@dataclass(frozen=True)
class FormError:
    """A domain error as the re-rendered form shows it."""

    form: str
    message: str
    status_code: int
    field: str | None = None
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    errors: tuple[Mapping[str, Any], ...] = ()

    def on(self, form: str, name: str | None = None) -> bool:
        """Whether this error belongs to `form` (and, given a name, to that field of it)."""
        if form != self.form:
            return False
        return name is None or name == self.field or any(e.get("field") == name for e in self.errors)

    def message_for(self, name: str) -> str:
        own = [str(e["message"]) for e in self.errors if e.get("field") == name and e.get("message")]
        return "；".join(own) if own else self.message


def _submitted(args: Mapping[str, Any]) -> dict[str, str]:
    """The typed values among the route's arguments: text fields (form fields are declared as str),
    never a password or the CSRF token."""
    return {name: value for name, value in args.items()
            if isinstance(value, str) and name not in ("password", "csrf_token")}


def _shown(exc: DomainError) -> bool:
    """Errors a user can correct on the form; the others keep the error page."""
    return not isinstance(exc, NotAuthenticated | NotFound)


def _rerender(page: PageBuilder, form: str, exc: DomainError, call: FormCall) -> Response:
    db = call.args.get("db")
    if isinstance(db, Session):
        db.rollback()  # nothing the failed attempt wrote is kept; the page then reads afresh
    call.request.state.form_error = FormError(
        form=form.format(**call.args), message=exc.message, status_code=exc.status_code, field=exc.field,
        values=_submitted(call.args), errors=tuple(exc.errors),
    )
    try:
        return page(call)
    except DomainError:
        # The page cannot be shown to this user (or no longer exists): the error page says why.
        call.request.state.form_error = None  # (a nested form route may have cleared it already)
        raise exc from None


def form_page(page: PageBuilder, *, form: str = "") -> Callable[[Endpoint], Endpoint]:
    """Declares the page a POST route's form sits on; see the module's docstring."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        signature = inspect.signature(endpoint, eval_str=True)
        takes_request = "request" in signature.parameters
        if not takes_request:
            signature = signature.replace(parameters=[
                inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
                *signature.parameters.values(),
            ])

        def split(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Request, dict[str, Any]]:
            # FastAPI passes keywords; a page builder may call another form route positionally.
            named = dict(signature.bind(*args, **kwargs).arguments)
            request = named["request"] if takes_request else named.pop("request")
            return request, named

        if inspect.iscoroutinefunction(endpoint):
            @functools.wraps(endpoint)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                request, named = split(args, kwargs)
                try:
                    return await endpoint(**named)
                except DomainError as exc:
                    if not _shown(exc):
                        raise
                    # The page reads the database: in a worker thread, never on the event loop.
                    return await run_in_threadpool(_rerender, page, form, exc, FormCall(request, named))
        else:
            @functools.wraps(endpoint)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                request, named = split(args, kwargs)
                try:
                    return endpoint(**named)
                except DomainError as exc:
                    if not _shown(exc):
                        raise
                    return _rerender(page, form, exc, FormCall(request, named))

        # FastAPI reads the parameters from here (not from __wrapped__ once a signature is set).
        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        return cast(Endpoint, wrapper)

    return decorate


def form_error_of(request: Request) -> FormError | None:
    """The error being shown on the page that `request` renders, if any (read by web.templating)."""
    found = getattr(request.state, _STATE_ATTR, None)
    return found if isinstance(found, FormError) else None


# Helpers for templates. Each takes the form's name as the decorator gave it.

def _error(context: Context) -> FormError | None:
    found = context.get("form_error")
    return found if isinstance(found, FormError) else None


@pass_context
def form_value(context: Context, form: str, name: str, default: Any = "") -> Any:
    """What the user typed in `name` when `form` is shown again after an error, else `default`."""
    error = _error(context)
    if error is not None and error.form == form and name in error.values:
        return error.values[name]
    return "" if default is None else default


@pass_context
def field_error(context: Context, form: str, name: str) -> Markup:
    """The message beside the field it names."""
    error = _error(context)
    if error is None or not error.on(form, name):
        return Markup("")
    return Markup('<span class="field-error" data-testid="field-error" data-field="{}" role="alert">{}</span>').format(
        name, error.message_for(name))


@pass_context
def field_invalid(context: Context, form: str, name: str) -> Markup:
    """Attributes for the input in error: marked for assistive technology, and focused (which also
    scrolls the page to it, without a script)."""
    error = _error(context)
    return Markup(' aria-invalid="true" autofocus') if error is not None and error.on(form, name) else Markup("")


@pass_context
def summary(context: Context) -> Markup:
    """The summary at the top of the page (base.html), linking to the form."""
    error = _error(context)
    if error is None:
        return Markup("")
    return Markup('<p class="error form-summary" data-testid="form-error" role="alert">未能提交：{} '
                  '<a href="#{}">修改后重新提交</a></p>').format(error.message, escape(error.form or "main"))


TEMPLATE_GLOBALS: dict[str, Any] = {
    "form_value": form_value, "field_error": field_error, "field_invalid": field_invalid,
    "form_summary": summary,
}
