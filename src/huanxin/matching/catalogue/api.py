"""JSON API of supply–demand matching (/api/v1). A supplier (enterprise user) manages its own
products; a buyer reads its demand item's ranked suppliers, contacts one and records the deal; the
office reads the statistics. Another city's product or demand answers 404, a resident 403.

    GET  /matching/products?category=&status=      the caller's products (status on_sale | withdrawn)
    POST /matching/products                        ProductInput (adds, or changes the same 产品编号)
    POST /matching/products/{id}/withdraw          停售
    POST /matching/products/import                 multipart: file (.xlsx, 设备更新供给清单)
    GET  /matching/products/export.xlsx            the caller's products as the sheet
    GET  /matching/demands/{equipment_id}          ranked products with their breakdown, excluded with reason
    POST /matching/demands/{equipment_id}/contacts {product_id, note}
    POST /matching/contacts/{id}/deal              {amount_fen, signed_on}
    GET  /matching/orders[.xlsx]?category=          我为企业找订单 (a class name filters)
    GET  /matching/stats                           by county and field, with the local share
    GET  /matching/weights                         the city's score weights beside the defaults
    PUT  /matching/weights                         {"county": 30, "city": 20, …} (a weight not sent: the default)"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from huanxin.errors import InvalidInput
from huanxin.kit import uploads
from huanxin.matching.catalogue import deals, excel, matches, products, views, weights
from huanxin.matching.catalogue import repository as repo
from huanxin.orgs.scope import Scope
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["供需对接"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_FILE = ("attachment; filename*=UTF-8''"
              "%E8%AE%BE%E5%A4%87%E6%9B%B4%E6%96%B0%E4%BE%9B%E7%BB%99%E6%B8%85%E5%8D%95.xlsx")
ORDERS_FILE = "attachment; filename*=UTF-8''%E6%89%BE%E8%AE%A2%E5%8D%95.xlsx"
STATS_FILE = "attachment; filename*=UTF-8''%E4%BE%9B%E9%9C%80%E5%AF%B9%E6%8E%A5%E7%BB%9F%E8%AE%A1.xlsx"


def xlsx(data: bytes, disposition: str) -> Response:
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


@router.get("/matching/products")
def product_list(db: DbSession, scope: CurrentScope, category: str = "", status: str = "") -> dict[str, Any]:
    rows = repo.own_products(db, scope, views.category_filter(category), views.status_filter(status))
    return {"products": [views.product_out(p) for p in rows]}


@router.post("/matching/products", status_code=201)
def product_save(body: products.ProductInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.product_out(products.save(db, scope, body))


@router.post("/matching/products/{product_id}/withdraw")
def product_withdraw(product_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.product_out(products.withdraw(db, scope, product_id))


async def read_sheet(db: Session, scope: Scope, file: UploadFile | None) -> excel.ImportResult:
    await run_in_threadpool(repo.supplier, db, scope)  # 403 before the file is read
    if file is None or not file.filename:
        raise InvalidInput("请选择要导入的 .xlsx 文件", field="file")
    data = await uploads.read_upload(file)
    return await run_in_threadpool(excel.import_workbook, db, scope, data, file.filename)


@router.post("/matching/products/import")
async def product_import(db: DbSession, scope: CurrentScope,
                         file: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    result = await read_sheet(db, scope, file)
    return {"added": result.added, "changed": result.changed}


@router.get("/matching/products/export.xlsx")
def product_export(db: DbSession, scope: CurrentScope) -> Response:
    return xlsx(excel.export_workbook(db, scope), SHEET_FILE)


@router.get("/matching/demands/{equipment_id}")
def demand_get(equipment_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.demand_out(matches.for_demand(db, scope, equipment_id))


@router.post("/matching/demands/{equipment_id}/contacts", status_code=201)
def contact_add(equipment_id: int, body: deals.ContactInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    contact = deals.record_contact(db, scope, equipment_id, body)
    return views.contact_out(contact, None, repo.products_by_id(db, [contact.product_id]).get(contact.product_id))


@router.post("/matching/contacts/{contact_id}/deal", status_code=201)
def deal_add(contact_id: int, body: deals.DealInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return views.deal_out(deals.record_deal(db, scope, contact_id, body))


@router.get("/matching/orders")
def order_list(db: DbSession, scope: CurrentScope, category: str = "") -> dict[str, Any]:
    return {"orders": [o.as_dict() for o in matches.orders(db, scope, category)]}


@router.get("/matching/orders.xlsx")
def order_export(db: DbSession, scope: CurrentScope, category: str = "") -> Response:
    return xlsx(matches.orders_workbook(matches.orders(db, scope, category)), ORDERS_FILE)


@router.get("/matching/stats")
def stats(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    rows, total = deals.statistics(db, scope)
    return {"rows": [views.stat_out(r) for r in rows], "total": views.stat_out(total)}


@router.get("/matching/weights")
def weights_get(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return {"weights": weights.rows(weights.read(db, scope))}


@router.put("/matching/weights")
def weights_put(body: Annotated[dict[str, Any], Body()], db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    # A plain mapping, checked by weights.parse: its errors name the weight in Chinese.
    return {"weights": weights.rows(weights.save(db, scope, body))}
