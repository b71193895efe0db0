"""Reference prices frozen per product model (先涨价后补贴 control).

Before a programme starts, the commerce bureau collects the prices each model sold at over the
preceding months (price monitoring, retailer sales records). The median per model over that window
is frozen here; during the programme a claim priced above the frozen price plus a band is flagged
(`fraud.price_above_band`). The median, not the mean, so a few promotional or mistyped prices do
not move the reference.

Import format (.xlsx, first sheet, header in one of the first five rows):
    品类 | 品牌 | 型号 | 价格（元） | 日期
All-or-nothing: every row is checked first; any error refuses the whole file, naming row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import chain, islice
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit import audit, uploads
from huanxin.kit.excel import RowError
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.models import ReferencePrice

Observation = tuple[str, str, str, int, dt.date]

COLUMNS = {"category": "品类", "brand": "品牌", "model": "型号", "price": "价格（元）", "date": "日期"}
# Half-width parentheses and a few spellings people type are accepted for the price column.
HEADER_ALIASES = {"价格（元）": "price", "价格(元)": "price", "价格": "price", "单价（元）": "price",
                  "单价(元)": "price", "品类": "category", "品牌": "brand", "型号": "model", "日期": "date"}
REQUIRED = ("category", "model", "price", "date")
MAX_ERRORS_SHOWN = 200
_SPACES = re.compile(r"\s+")


# Names departments write in price lists that are not the rules' own labels.
CATEGORY_SYNONYMS = {
    "冰箱": "refrigerator", "电视机": "tv", "智能手表": "smart_watch", "手环": "smart_watch",
    "平板电脑": "tablet", "油烟机": "range_hood", "燃气灶": "cooktop", "笔记本电脑": "computer",
}


@cache
def category_codes() -> dict[str, str]:
    """Category label or code → the code claims carry (air_conditioner), from the rules' labels."""
    try:
        from huanxin.tradein.rules.registry import CATEGORY_LABELS
    except ImportError:  # the rules package is optional for freezing prices
        return dict(CATEGORY_SYNONYMS)
    labels: dict[str, str] = dict(CATEGORY_LABELS)
    return {**CATEGORY_SYNONYMS, **{label: code for code, label in labels.items()}, **{c: c for c in labels}}


def category_code(category: str) -> str:
    value = _SPACES.sub(" ", category or "").strip()
    return category_codes().get(value, value)


def normalise_key(category: str, brand: str, model: str) -> tuple[str, str, str]:
    """The same model written with different spacing or case is the same model; a category written
    as its Chinese label (空调) is stored as the code the claims carry (air_conditioner)."""
    return (category_code(category), _SPACES.sub(" ", brand or "").strip(), _SPACES.sub("", model or "").upper())


def window_label(window_start: dt.date, window_end: dt.date) -> str:
    return f"{window_start.isoformat()}..{window_end.isoformat()}"


@dataclass
class FreezeResult:
    models: int = 0
    created: int = 0
    updated: int = 0
    observations: int = 0
    outside_window: int = 0
    window: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"models": self.models, "created": self.created, "updated": self.updated,
                "observations": self.observations, "outside_window": self.outside_window, "window": self.window}


def freeze_reference_prices(
    session: Session, city_code: str, observations: Iterable[Observation], window_start: dt.date,
    window_end: dt.date, *, actor: str = "system",
) -> FreezeResult:
    """Freezes, for one city, the median price (fen) per (category, brand, model) of the
    observations dated inside [window_start, window_end]; observations outside the window are
    counted and ignored. A model frozen before in this city is re-frozen (its old and new price
    go to the audit log); other cities' prices are theirs and never touched."""
    if window_end < window_start:
        raise InvalidInput("冻结窗口的结束日期不能早于开始日期", field="window_end")
    label = window_label(window_start, window_end)
    result = FreezeResult(window=label)
    keys: list[tuple[str, str, str]] = []
    prices: list[int] = []
    for category, brand, model, price_fen, observed_on in observations:
        if not window_start <= observed_on <= window_end:
            result.outside_window += 1
            continue
        if int(price_fen) <= 0:
            raise InvalidInput(f"型号“{model}”的价格须大于0", field="price_fen")
        keys.append(normalise_key(category, brand, model))
        prices.append(int(price_fen))
    result.observations = len(prices)
    medians = _medians(keys, prices)
    result.models = len(medians)
    if not medians:
        return result
    existing = {key[1:]: row for key, row in _existing(session, [(city_code, *k) for k in medians]).items()}
    changes: list[dict[str, Any]] = []
    for key, (median, samples) in medians.items():
        row = existing.get(key)
        if row is None:
            session.add(ReferencePrice(city_code=city_code, category=key[0], brand=key[1], model=key[2],
                                       price_fen=median, window=label, samples=samples))
            result.created += 1
        else:
            if row.price_fen != median:
                changes.append({"model": key[2], "from_fen": row.price_fen, "to_fen": median,
                                "from_window": row.window})
            row.price_fen, row.window, row.samples = median, label, samples
            result.updated += 1
    session.flush()
    audit.record(session, actor=actor, action="freeze_reference_prices", entity="tradein_reference_price",
                 entity_id=f"{city_code}:{label}", detail={**result.as_dict(), "changed": changes[:100]})
    return result


def _medians(keys: list[tuple[str, str, str]], prices: list[int]) -> dict[tuple[str, str, str], tuple[int, int]]:
    """Median and sample count per key, vectorised: sort once by (key, price), then each group's
    median is the middle of its slice."""
    if not keys:
        return {}
    uniques = sorted(set(keys))
    index = {k: i for i, k in enumerate(uniques)}
    codes = np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(keys))
    values = np.asarray(prices, dtype=np.int64)
    order = np.lexsort((values, codes))
    codes, values = codes[order], values[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    counts = np.diff(np.r_[starts, len(codes)])
    low = values[starts + (counts - 1) // 2]
    high = values[starts + counts // 2]
    # Half-fen rounds half up, so a median of two prices is never below both.
    medians = (low + high + 1) // 2
    return {uniques[int(codes[s])]: (int(m), int(c)) for s, m, c in zip(starts, medians, counts, strict=True)}


_PRICES_OF_KEYS = select(ReferencePrice).where(  # built once: a redemption batch reads it at peak load
    tuple_(ReferencePrice.city_code, ReferencePrice.category, ReferencePrice.brand, ReferencePrice.model)
    .in_(bindparam("keys", expanding=True)))

CityKey = tuple[str, str, str, str]  # (city_code, category, brand, model)


def _existing(session: Session, keys: list[CityKey]) -> dict[CityKey, ReferencePrice]:
    found: dict[CityKey, ReferencePrice] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        rows = session.scalars(_PRICES_OF_KEYS, {"keys": chunk})
        for row in rows:
            found[(row.city_code, row.category, row.brand, row.model)] = row
    return found


def lookup(session: Session, city_code: str, category: str, brand: str, model: str) -> ReferencePrice | None:
    """One unique-index lookup (city, category, brand, model), used inside the claim transaction."""
    key = (city_code, category, brand, model)
    return lookup_many(session, [key]).get(key)


def lookup_many(session: Session, keys: list[CityKey]) -> dict[CityKey, ReferencePrice]:
    """The frozen prices of these (city, category, brand, model) keys, as given, in one query (a
    redemption batch's claims are of many models, and may be of several cities)."""
    wanted: dict[CityKey, list[CityKey]] = {}
    for key in keys:
        normal = (key[0], *normalise_key(*key[1:]))
        if normal[3]:
            wanted.setdefault(normal, []).append(key)
    return {given: price for normal, price in _existing(session, list(wanted)).items() for given in wanted[normal]}


def list_prices(session: Session, city_code: str, *, category: str | None = None, brand: str | None = None,
                model: str | None = None, limit: int = 200) -> list[ReferencePrice]:
    query = select(ReferencePrice).where(ReferencePrice.city_code == city_code)
    if category:
        query = query.where(ReferencePrice.category == category_code(category))
    if brand:
        query = query.where(ReferencePrice.brand == brand.strip())
    if model:
        query = query.where(ReferencePrice.model == normalise_key("", "", model)[2])
    return list(session.scalars(query.order_by(ReferencePrice.category, ReferencePrice.brand,
                                               ReferencePrice.model).limit(max(1, min(limit, 1000)))))


# ---- Excel import ----------------------------------------------------------------------------

class ImportRejected(InvalidInput):
    """The whole file was refused; `errors` lists every row-level problem found."""


def _reject(errors: list[RowError]) -> ImportRejected:
    first = errors[0]
    where = f"第{first.row}行“{first.column}”列：" if first.row else ""
    more = f"（共 {len(errors)} 处错误）" if len(errors) > 1 else ""
    return ImportRejected(f"导入失败，未写入任何数据：{where}{first.message}{more}",
                          errors=[e.as_dict() for e in errors[:MAX_ERRORS_SHOWN]])


def require_price_manager(scope: Scope) -> None:
    if scope.role not in (Role.OFFICE, Role.REVIEWER):
        raise Forbidden("只有专班办公室或商务局审核员可以导入冻结参考价")


def import_xlsx(session: Session, scope: Scope, data: bytes, filename: str | None,
                window_start: dt.date, window_end: dt.date) -> FreezeResult:
    """Reads the price observations from an .xlsx file and freezes them; refuses the whole file on
    any row error, so nothing is half-written."""
    require_price_manager(scope)
    if window_end < window_start:
        raise InvalidInput("冻结窗口的结束日期（window_end）不能早于开始日期（window_start）", field="window_end")
    observations = read_observations(data, filename)
    result = freeze_reference_prices(session, scope.city_code, observations, window_start, window_end,
                                     actor=scope.username)
    if result.observations == 0:
        window = window_label(window_start, window_end)
        raise _reject([RowError(0, "日期", f"文件中没有日期在冻结窗口 {window} 内的价格记录")])
    return result


def read_observations(data: bytes, filename: str | None) -> list[Observation]:
    if filename and not filename.lower().endswith(".xlsx"):
        raise _reject([RowError(0, "", f"文件“{filename}”不是 .xlsx 格式，请使用 Excel 2007 及以上格式")])
    try:
        # Read in the parse process within the upload limits (kit.uploads), which raise
        # UploadTooLarge (413); the rows are checked here.
        sheet = uploads.read_rows(data, filename=filename)
    except uploads.UnreadableUpload:
        raise _reject([RowError(0, "", "文件不是有效的 .xlsx 文件")]) from None
    return _observations(sheet)


def _observations(sheet: uploads.SheetRows) -> list[Observation]:
    stream = sheet.rows()
    head = list(islice(stream, 5))  # the header is in one of the first five rows
    header_row, columns = _find_header([values for _, values in head])
    missing = [COLUMNS[k] for k in REQUIRED if k not in columns]
    if missing:
        raise _reject([RowError(header_row or 1, "表头", f"缺少列：{'、'.join(missing)}"
                                f"（应有 {'、'.join(COLUMNS.values())}）")])
    errors: list[RowError] = []
    observations: list[Observation] = []
    for number, values in chain(head[header_row:], stream):
        cells = {key: values[i] if i < len(values) else None for key, i in columns.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        item = _parse_row(number, cells, errors)
        if item is not None:
            observations.append(item)
    if errors:
        raise _reject(errors)
    if not observations:
        raise _reject([RowError(0, "", "文件中没有价格记录")])
    return observations


def _find_header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] = (0, {})
    for r, values in enumerate(rows[:5], start=1):
        found: dict[str, int] = {}
        for i, value in enumerate(values):
            key = HEADER_ALIASES.get(_SPACES.sub("", str(value))) if value is not None else None
            if key and key not in found:
                found[key] = i
        if len(found) > len(best[1]):
            best = (r, found)
    return best


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a model number typed as a number
    return str(value).strip()


def _parse_row(number: int, cells: dict[str, Any], errors: list[RowError]) -> Observation | None:
    before = len(errors)
    category, brand, model = _text(cells.get("category")), _text(cells.get("brand")), _text(cells.get("model"))
    if not category:
        errors.append(RowError(number, COLUMNS["category"], "不能为空"))
    if not model:
        errors.append(RowError(number, COLUMNS["model"], "不能为空"))
    price = _parse_price(number, cells.get("price"), errors)
    observed = _parse_date(number, cells.get("date"), errors)
    if len(errors) > before or price is None or observed is None:
        return None
    return category, brand, model, price, observed


def _parse_price(number: int, raw: Any, errors: list[RowError]) -> int | None:
    column = COLUMNS["price"]
    text = _text(raw).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace("元", "")
    if not text:
        errors.append(RowError(number, column, "不能为空"))
        return None
    try:
        yuan = Decimal(str(raw)) if isinstance(raw, int | float) else Decimal(text)
    except InvalidOperation:
        errors.append(RowError(number, column, f"“{_text(raw)}”不是数字，请填写以元为单位的价格，如 3999 或 3999.50"))
        return None
    if not yuan.is_finite() or yuan <= 0:
        errors.append(RowError(number, column, f"“{_text(raw)}”无效，价格须大于0"))
        return None
    fen = yuan * 100
    if fen != fen.to_integral_value():
        errors.append(RowError(number, column, f"“{_text(raw)}”最多保留两位小数（精确到分）"))
        return None
    if fen > 10**11:
        errors.append(RowError(number, column, f"“{_text(raw)}”超出合理范围"))
        return None
    return int(fen)


def _parse_date(number: int, raw: Any, errors: list[RowError]) -> dt.date | None:
    column = COLUMNS["date"]
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _text(raw)
    if not text:
        errors.append(RowError(number, column, "不能为空"))
        return None
    cleaned = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in cleaned.split("-")))
    except ValueError:
        errors.append(RowError(number, column, f"“{text}”不是有效日期，请按 2024-06-30 格式填写"))
        return None
