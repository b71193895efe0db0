"""The three survey sheets that are not projects (调查摸底表, 设备更新供给清单, 消费品生产供给清单):
their rows checked against each other and the rows already held, then written, and read back for
the export.

A row is keyed by its natural key (an enterprise's credit code with the resource, or with the
product and model), so sending a sheet again updates its rows, and an unchanged row is left alone.
An enterprise registered in the city's 企业库 is linked by its credit code, and its name must be the
registered one (a differing name is usually a row shifted by one); suppliers not yet registered
are kept by name and code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from huanxin.kit.clock import now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import industries
from huanxin.projects.lists import queries
from huanxin.projects.lists.cells import Kind
from huanxin.projects.lists.layouts import CONSUMER, SUPPLY, SURVEY, Layout
from huanxin.projects.lists.queries import SurveyModel
from huanxin.projects.lists.rows import Problems, Row
from huanxin.projects.survey_models import ConsumerSupply, EnterpriseSurvey, ListUpload, SupplyOffering


@dataclass(frozen=True)
class Spec:
    layout: Layout
    model: SurveyModel
    name_key: str  # the column naming the enterprise
    key: tuple[str, ...]  # the natural key after city and credit code
    duplicate_hint: str

    @property
    def stored(self) -> tuple[str, ...]:
        """The columns written to the table (all imported columns)."""
        return tuple(c.key for c in self.layout.columns if c.imported)


SAME_PRODUCT = "同一企业的同一产品型号只能填一行"
SPECS: dict[str, Spec] = {
    "survey": Spec(SURVEY, EnterpriseSurvey, "enterprise_name", ("resource",), "同一企业的同一资源类别只能填一行"),
    "supply": Spec(SUPPLY, SupplyOffering, "supplier_name", ("product", "model"), SAME_PRODUCT),
    "consumer": Spec(CONSUMER, ConsumerSupply, "producer_name", ("product", "model"), SAME_PRODUCT),
}


def _plain(name: str) -> str:
    return re.sub(r"\s", "", name.replace("(", "（").replace(")", "）"))


def row_key(spec: Spec, values: dict[str, Any]) -> tuple[Any, ...]:
    return (values.get("credit_code"), *((values.get(k) or "") for k in spec.key))


@dataclass
class Pending:
    """What an upload will write to one survey table, once every row of every sheet has passed."""

    spec: Spec
    create: list[tuple[Row, int | None]] = field(default_factory=list)  # (row, enterprise id)
    update: list[tuple[Row, Any, int | None]] = field(default_factory=list)  # (row, stored row, enterprise id)
    unchanged: int = 0


def check(session: Session, scope: Scope, spec: Spec, rows: list[Row], problems: Problems) -> Pending:
    pending = Pending(spec)
    codes = [r.values["credit_code"] for r in rows if r.values.get("credit_code")]
    enterprises = queries.enterprises_by_credit_code(session, scope.city_code, codes)
    held = {row_key(spec, {k: getattr(item, k) for k in spec.stored}): item
            for item in queries.survey_rows_of(session, scope.city_code, spec.model, codes)}
    seen: dict[tuple[Any, ...], int] = {}
    name_column = spec.layout.column(spec.name_key)
    for row in rows:
        values = row.values
        if values.get("credit_code") is None or row.bad:
            continue  # its cell errors are reported already
        key = row_key(spec, values)
        if key in seen:
            problems.cell(row.sheet, row.number, spec.layout.column("credit_code"),
                          f"与第{seen[key]}行重复（{spec.duplicate_hint}）")
            continue
        seen[key] = row.number
        enterprise = enterprises.get(values["credit_code"])
        if enterprise is not None and values.get(spec.name_key) and _plain(enterprise.name) != _plain(
                values[spec.name_key]):
            problems.cell(row.sheet, row.number, name_column,
                          f"“{values[spec.name_key]}”与企业库中该信用代码的企业“{enterprise.name}”不一致")
            continue
        enterprise_id = enterprise.id if enterprise else None
        stored = held.get(key)
        if stored is None:
            pending.create.append((row, enterprise_id))
            continue
        if scope.role == Role.COUNTY and stored.region_code != scope.region_code:
            problems.cell(row.sheet, row.number, spec.layout.column("credit_code"),
                          "：该记录已由其他县（市、区）填报，不能由本辖区修改")
            continue
        if stored_values(spec, values) == {k: getattr(stored, k) for k in spec.stored} \
                and stored.enterprise_id == enterprise_id:
            pending.unchanged += 1
        else:
            pending.update.append((row, stored, enterprise_id))
    return pending


def write(session: Session, pending: Pending, upload: ListUpload) -> None:
    at = now()
    spec = pending.spec
    for row, enterprise_id in pending.create:
        session.add(spec.model(city_code=upload.city_code, upload_id=upload.id, enterprise_id=enterprise_id,
                               created_at=at, updated_at=at, **stored_values(spec, row.values)))
    for row, stored, enterprise_id in pending.update:
        for k, v in stored_values(spec, row.values).items():
            setattr(stored, k, v)
        stored.enterprise_id = enterprise_id
        stored.upload_id = upload.id
        stored.updated_at = at
    session.flush()


def stored_values(spec: Spec, values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as the table holds them: an empty text cell is "", an empty yes/no cell 否
    (those columns are not nullable)."""
    out = {}
    for column in spec.layout.columns:
        if not column.imported:
            continue
        value = values.get(column.key)
        if value is None and column.kind in (Kind.TEXT, Kind.BOOL):
            value = False if column.kind == Kind.BOOL else ""
        out[column.key] = value
    return out


# ---- the export's rows ---------------------------------------------------------------------------

def export_rows(session: Session, scope: Scope, spec: Spec) -> list[dict[str, Any]]:
    out = []
    for seq, item in enumerate(queries.survey_rows(session, scope, spec.model), start=1):
        values: dict[str, Any] = {k: getattr(item, k) for k in spec.stored}
        values["seq"] = seq
        if spec.layout is SURVEY:
            values["industry_name"] = industries.industry_name(item.industry_code)
            values["utilisation_pct"] = _share(item.utilised_t, item.generated_t)
        out.append(values)
    return out


def _share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole * 100, 1)
