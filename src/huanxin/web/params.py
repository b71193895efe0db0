"""One check, on every route, of what FastAPI's own validation lets through and the database cannot
take: integers of the path, the query or a form beyond 64 bits (the driver raised OverflowError,
a 500), and form text longer than `kit.limits.LONG_TEXT`.

It is an app-wide dependency (`create_app` passes `BOUNDED_INPUTS` to FastAPI), so a new route
gets it without declaring anything. It reads which parameters are ints from the route's own
signature, so a digit string in a text parameter (a bank card, a search) is never judged as a
number. JSON bodies are held to the same limits by their models (`kit.limits.Schema`)."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from huanxin.errors import InvalidInput
from huanxin.kit import limits
from huanxin.web.errors import field_label

_INT_TEXT = re.compile(r"\s*([+-]?)0*(\d+)\s*")
_PLAN_ATTR = "_huanxin_bounded_inputs"


@dataclass(frozen=True)
class _Plan:
    """What to check on one route: the names of its int parameters, by where they come from."""

    path: tuple[str, ...] = ()
    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()
    has_form: bool = False
    # form fields that declare a shorter limit (kit.limits.ShortText): their own is the one named
    text_limits: dict[str, int] = field(default_factory=dict)


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset, typing.Sequence):
        return any(_is_int(arg) for arg in typing.get_args(annotation))
    return False


def _max_length(metadata: list[Any]) -> int | None:
    lengths = [m.max_length for m in metadata if isinstance(getattr(m, "max_length", None), int)]
    return min(lengths, default=None)


def _dependants(dependant: Dependant) -> list[Dependant]:
    found = [dependant]
    for sub in dependant.dependencies:
        found.extend(_dependants(sub))
    return found


def plan_of(route: APIRoute) -> _Plan:
    """The route's checks, worked out from its signature once and kept on the route."""
    plan: _Plan | None = getattr(route, _PLAN_ATTR, None)
    if plan is None:
        every = _dependants(route.dependant)
        forms = [f for d in every for f in d.body_params if isinstance(f.field_info, params.Form)]
        plan = _Plan(
            path=tuple(f.alias for d in every for f in d.path_params if _is_int(f.field_info.annotation)),
            query=tuple(f.alias for d in every for f in d.query_params if _is_int(f.field_info.annotation)),
            form=tuple(f.alias for f in forms if _is_int(f.field_info.annotation)),
            has_form=bool(forms),
            text_limits={f.alias: limit for f in forms if (limit := _max_length(f.field_info.metadata))},
        )
        setattr(route, _PLAN_ATTR, plan)
    return plan


def _check_int_text(raw: object, field: str) -> None:
    """Refuses a whole number written in `raw` that 64 bits cannot hold; anything else is left to
    FastAPI's validation, which words its own errors."""
    if not isinstance(raw, str):
        return
    match = _INT_TEXT.fullmatch(raw)
    if match is None:
        return
    sign, digits = match.groups()
    # More than 19 digits is out of range whatever they are (and int() of thousands of digits is
    # itself refused by Python).
    if len(digits) > 19 or not limits.in_int64(int(sign + digits)):
        raise InvalidInput(limits.out_of_range(field_label(field)), field=field)


async def bounded_inputs(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    plan = plan_of(route)
    for name in plan.path:
        _check_int_text(request.path_params.get(name), name)
    for name in plan.query:
        for raw in request.query_params.getlist(name):
            _check_int_text(raw, name)
    if plan.has_form:
        form = await request.form()  # parsed once already by FastAPI for the route: the same object
        for name, value in form.multi_items():
            if not isinstance(value, str):
                continue  # an uploaded file: held to the upload limits (kit.uploads)
            if name in plan.form:
                _check_int_text(value, name)
            limits.check_text(value, name, field_label(name), min(plan.text_limits.get(name, limits.LONG_TEXT),
                                                                  limits.LONG_TEXT))


BOUNDED_INPUTS = Depends(bounded_inputs)
