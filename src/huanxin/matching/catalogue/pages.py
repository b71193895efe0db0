"""Pages of supply–demand matching (/matching):

- 供给清单 (/matching/products): a supplier's products, the form to add or change one, 停售, import and
  export of the 设备更新供给清单 sheet (errors beside the field, the sheet's by row and column);
- 需求设备 (/matching/demands, /matching/demands/{id}): a buyer's demand items; one item's ranked
  products with their breakdown, the excluded ones with the reason (collapsed), 联系供应商 and 登记成交;
- 我为企业找订单 (/matching/orders): the demands a supplier's products fit;
- 供需对接统计 (/matching/stats): the office's statistics by county and field, exportable;
- 评分权重 (/matching/weights): the city's score weights beside the defaults, changed or reset by the office."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.errors import InvalidInput
from huanxin.matching.catalogue import deals, excel, forms, matches, products, views, weights
from huanxin.matching.catalogue import repository as repo
from huanxin.matching.catalogue.api import ORDERS_FILE, SHEET_FILE, STATS_FILE, read_sheet, xlsx
from huanxin.matching.records import CREDENTIALS, EFFICIENCY_LABELS
from huanxin.matching.taxonomy import PARAMETERS
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/matching"
Text = Annotated[str, Form()]
DONE = {"saved": "已保存产品。", "withdrawn": "已停售。", "contact": "已记录联系，供应商将与您联系。",
        "deal": "已登记成交。", "weights": "已保存评分权重，排序即按新权重计算。", "reset": "已恢复默认权重。"}
# The service's field names → the form's
FORM_FIELD = {"price_min_fen": "price_min", "price_max_fen": "price_max", "params": "param_value"}


def _classes() -> list[tuple[str, str, str]]:
    """(key, name, key parameter with unit) of every equipment class, for the form's list."""
    tax = matches.taxonomy()
    found = []
    for node in tax.nodes.values():
        if node.level == 3:
            param = tax.param_of(node.key)
            found.append((node.key, node.name, f"{PARAMETERS[param][0]}（{PARAMETERS[param][1]}）" if param else ""))
    return found


def _products_page(request: Request, db: DbSession, scope: Scope, done: str = "", added: int = 0, changed: int = 0,
                   category: str = "", status: str = "") -> Response:
    request.state.scope = scope
    rows = repo.own_products(db, scope, views.category_filter(category), views.status_filter(status))
    flash = f"导入完成：新增 {added} 个产品，更新 {changed} 个。" if done == "imported" else DONE.get(done)
    return render(request, "matching/products.html", products=[views.product_out(p) for p in rows],
                  classes=_classes(), levels=EFFICIENCY_LABELS, credentials=CREDENTIALS, flash=flash,
                  category=category, status=status, statuses=views.STATUS_LABELS)


@router.get(f"{HOME}/products", response_class=HTMLResponse)
def products_page(request: Request, db: DbSession, scope: CurrentScope, done: str = "", added: int = 0,
                  changed: int = 0, category: str = "", status: str = "") -> Response:
    return _products_page(request, db, scope, done, added, changed, category, status)


def _on_products(call: FormCall) -> Response:
    return _products_page(call.request, call.db, call.scope)


@router.post(f"{HOME}/products", response_class=HTMLResponse)
@form_page(_on_products, form="product-new")
def product_submit(db: DbSession, scope: CurrentScope, code: Text = "", category: Text = "", name: Text = "",
                   spec: Text = "", param_value: Text = "", efficiency_level: Text = "", efficiency_grade: Text = "",
                   price_min: Text = "", price_max: Text = "", region_code: Text = "", delivery_days: Text = "",
                   credentials_text: Text = "", on_sale: Text = "1") -> Response:
    repo.supplier(db, scope)
    data = forms.product_input(code=code, category=category, name=name, spec=spec, param_value=param_value,
                               efficiency_level=efficiency_level, efficiency_grade=efficiency_grade,
                               price_min=price_min, price_max=price_max, region_code=region_code,
                               delivery_days=delivery_days, credentials_text=credentials_text, on_sale=on_sale)
    try:
        products.save(db, scope, data)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=FORM_FIELD.get(exc.field or "", exc.field)) from None
    return RedirectResponse(f"{HOME}/products?done=saved", status_code=303)


@router.post(HOME + "/products/{product_id}/withdraw", response_class=HTMLResponse)
@form_page(_on_products, form="product-{product_id}")
def withdraw_submit(product_id: int, db: DbSession, scope: CurrentScope) -> Response:
    products.withdraw(db, scope, product_id)
    return RedirectResponse(f"{HOME}/products?done=withdrawn", status_code=303)


@router.post(f"{HOME}/products/import", response_class=HTMLResponse)
@form_page(_on_products, form="product-import")
async def import_submit(db: DbSession, scope: CurrentScope,
                        file: Annotated[UploadFile | None, File()] = None) -> Response:
    result = await read_sheet(db, scope, file)
    query = urlencode({"done": "imported", "added": result.added, "changed": result.changed})
    return RedirectResponse(f"{HOME}/products?{query}", status_code=303)


@router.get(f"{HOME}/products/export.xlsx")
def export(db: DbSession, scope: CurrentScope) -> Response:
    return xlsx(excel.export_workbook(db, scope), SHEET_FILE)


@router.get(f"{HOME}/demands", response_class=HTMLResponse)
def demands_page(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    request.state.scope = scope
    lines = repo.visible_demand_lines(db, scope)
    return render(request, "matching/demands.html", lines=[
        {"id": row.id, "name": row.name, "model": row.model, "quantity": row.quantity, "project": project.name,
         "classified": matches.demand_of(row, project) is not None} for row, project in lines])


def _demand_page(request: Request, db: DbSession, scope: Scope, equipment_id: int, done: str = "") -> Response:
    request.state.scope = scope
    view = matches.for_demand(db, scope, equipment_id)
    contacts = repo.contacts_of_item(db, equipment_id)
    found = repo.deals_of(db, [c.id for c in contacts])
    rows = repo.products_by_id(db, [c.product_id for c in contacts])
    names = repo.enterprise_names(db, {c.supplier_enterprise_id for c in contacts})
    return render(request, "matching/demand.html", view=view, demand=views.demand_out(view),
                  contacts=[views.contact_out(c, found.get(c.id), rows.get(c.product_id),
                                              names.get(c.supplier_enterprise_id, "")) for c in contacts],
                  is_buyer=scope.role == Role.ENTERPRISE, flash=DONE.get(done))


@router.get(HOME + "/demands/{equipment_id}", response_class=HTMLResponse)
def demand_page(request: Request, equipment_id: int, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    return _demand_page(request, db, scope, equipment_id, done)


def _on_demand(call: FormCall) -> Response:
    return _demand_page(call.request, call.db, call.scope, int(call.args["equipment_id"]))


@router.post(HOME + "/demands/{equipment_id}/contacts", response_class=HTMLResponse)
@form_page(_on_demand, form="contact-{product_id}")
def contact_submit(equipment_id: int, db: DbSession, scope: CurrentScope, product_id: Text = "",
                   note: Text = "") -> Response:
    if not product_id.isdigit() or len(product_id) > 12:
        raise InvalidInput("请选择要联系的产品", field="product_id")
    deals.record_contact(db, scope, equipment_id, deals.ContactInput(product_id=int(product_id), note=note[:500]))
    return RedirectResponse(f"{HOME}/demands/{equipment_id}?done=contact", status_code=303)


def _on_deal(call: FormCall) -> Response:
    contact = repo.buyer_contact(call.db, call.scope, int(call.args["contact_id"]))
    return _demand_page(call.request, call.db, call.scope, contact.equipment_id)


@router.post(HOME + "/contacts/{contact_id}/deal", response_class=HTMLResponse)
@form_page(_on_deal, form="deal-{contact_id}")
def deal_submit(contact_id: int, db: DbSession, scope: CurrentScope, amount: Text = "",
                signed_on: Text = "") -> Response:
    contact = repo.buyer_contact(db, scope, contact_id)
    deals.record_deal(db, scope, contact_id, forms.deal_input(amount, signed_on))
    return RedirectResponse(f"{HOME}/demands/{contact.equipment_id}?done=deal", status_code=303)


@router.get(f"{HOME}/orders", response_class=HTMLResponse)
def orders_page(request: Request, db: DbSession, scope: CurrentScope, category: str = "") -> Response:
    request.state.scope = scope
    found = matches.orders(db, scope)
    shown = [o for o in found if o.category_name == category] if category else found
    return render(request, "matching/orders.html", orders=shown, category=category,
                  categories=sorted({o.category_name for o in found}))


@router.get(f"{HOME}/orders.xlsx")
def orders_export(db: DbSession, scope: CurrentScope, category: str = "") -> Response:
    return xlsx(matches.orders_workbook(matches.orders(db, scope, category)), ORDERS_FILE)


@router.get(f"{HOME}/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: DbSession, scope: CurrentScope) -> Response:
    request.state.scope = scope
    rows, total = deals.statistics(db, scope)
    return render(request, "matching/stats.html", rows=[views.stat_out(r) for r in rows], total=views.stat_out(total))


@router.get(f"{HOME}/stats.xlsx")
def stats_export(db: DbSession, scope: CurrentScope) -> Response:
    return xlsx(deals.stats_workbook(db, scope), STATS_FILE)


def _weights_page(request: Request, db: DbSession, scope: Scope, done: str = "") -> Response:
    request.state.scope = scope
    current = weights.read(db, scope)
    return render(request, "matching/weights.html", rows=weights.rows(current), flash=DONE.get(done),
                  can_edit=scope.role == Role.OFFICE, limit=weights.MAX)


@router.get(f"{HOME}/weights", response_class=HTMLResponse)
def weights_page(request: Request, db: DbSession, scope: CurrentScope, done: str = "") -> Response:
    return _weights_page(request, db, scope, done)


def _on_weights(call: FormCall) -> Response:
    return _weights_page(call.request, call.db, call.scope)


@router.post(f"{HOME}/weights", response_class=HTMLResponse)
@form_page(_on_weights, form="weights")
def weights_submit(db: DbSession, scope: CurrentScope, exact: Text = "", parent: Text = "", sibling: Text = "",
                   param_in: Text = "", param_out: Text = "", text: Text = "", county: Text = "", city: Text = "",
                   province: Text = "", advanced: Text = "", saving: Text = "", credential: Text = "",
                   credential_cap: Text = "", price_in: Text = "", price_over: Text = "", delivery_in: Text = "",
                   delivery_late: Text = "") -> Response:
    """One box per weight (weights.LABELS); an emptied box is the default."""
    weights.save(db, scope, {
        "exact": exact, "parent": parent, "sibling": sibling, "param_in": param_in, "param_out": param_out,
        "text": text, "county": county, "city": city, "province": province, "advanced": advanced,
        "saving": saving, "credential": credential, "credential_cap": credential_cap, "price_in": price_in,
        "price_over": price_over, "delivery_in": delivery_in, "delivery_late": delivery_late})
    return RedirectResponse(f"{HOME}/weights?done=weights", status_code=303)


@router.post(f"{HOME}/weights/reset", response_class=HTMLResponse)
@form_page(_on_weights, form="weights-reset")
def weights_reset(db: DbSession, scope: CurrentScope) -> Response:
    weights.reset(db, scope)
    return RedirectResponse(f"{HOME}/weights?done=reset", status_code=303)
