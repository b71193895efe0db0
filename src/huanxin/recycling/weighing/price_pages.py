"""The price list page (/recycling/prices): a recycler's list in force with the price each line
replaced and the date it changed, a dated change already entered, the history of one category, and
the form adding a dated change (errors beside the field). The city's supervisors pick a recycler and
read its list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.errors import InvalidInput
from huanxin.kit.clock import today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import prices
from huanxin.recycling import repository as repo
from huanxin.recycling.vocab import CATEGORIES, UNITS, unit_of
from huanxin.recycling.weighing import forms
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
PRICES = "/recycling/prices"
Text = Annotated[str, Form()]


def _page(request: Request, db: DbSession, scope: Scope, recycler: str = "", category: str = "",
          done: str = "") -> Response:
    request.state.scope = scope
    recyclers = repo.recyclers_of_city(db, scope.city_code) if repo.is_supervisor(scope) else []
    chosen = int(recycler) if recycler.isdigit() else (recyclers[0].id if recyclers else None)
    owner = prices.list_owner(db, scope, chosen) if scope.role == Role.RECYCLER or chosen else None
    day = today()
    return render(request, "recycling/prices/list.html", current=prices.current_list(db, owner, day) if owner else [],
                  history=prices.history(db, owner, category) if owner and category in CATEGORIES else [],
                  category=category if category in CATEGORIES else "", recyclers=recyclers, chosen=chosen,
                  may_edit=scope.role == Role.RECYCLER, categories=CATEGORIES, units=UNITS, unit_of=unit_of,
                  today=day.isoformat(), condition_shares=prices.condition_shares,
                  flash="已登记价格。" if done == "saved" else None)


@router.get(PRICES, response_class=HTMLResponse)
def prices_page(request: Request, db: DbSession, scope: CurrentScope, recycler: str = "", category: str = "",
                done: str = "") -> Response:
    return _page(request, db, scope, recycler, category, done)


def _on_add(call: FormCall) -> Response:
    return _page(call.request, call.db, call.scope)


@router.post(PRICES, response_class=HTMLResponse)
@form_page(_on_add, form="price-new")
def add_submit(db: DbSession, scope: CurrentScope, category: Text = "", price: Text = "", effective_from: Text = "",
               note: Text = "", replace: Text = "") -> Response:
    try:
        day = dt.date.fromisoformat(effective_from.strip())
    except ValueError:
        raise InvalidInput("请填写生效日期（年-月-日）", field="effective_from") from None
    if category not in CATEGORIES:
        raise InvalidInput("请选择回收品类", field="category")
    amount = forms.fen(price, "price", "价格")
    if not price.strip():
        raise InvalidInput("请填写价格", field="price")
    if len(note) > 200:
        raise InvalidInput("备注不能超过200个字", field="note")
    prices.add_price(db, scope, prices.PriceInput(category=category, price_fen=amount, effective_from=day,
                                                  note=note.strip(), replace=replace in ("1", "on")))
    return RedirectResponse(f"{PRICES}?done=saved&category={category}", status_code=303)
