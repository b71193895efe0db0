"""The round's 工作信息简报 as a Word document: what the task force sends the city government.

Sections: 总体情况 (round counts and overall progress), 主要指标进展 (headline targets with a
chart), 各行动推进情况 (weighted progress by action), 逾期事项 (red tasks by lead unit) and
工作亮点 (the most advanced reports of the round). Gathering and rendering are separate so
the figures can be tested without opening Word.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass, field
from functools import cache

import docx
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, NotFound
from huanxin.indicators import service as indicators_service
from huanxin.indicators.progress import TargetSpec
from huanxin.kit import audit
from huanxin.kit.clock import today
from huanxin.kit.text import clause_cut
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.plans import ledger as ledger_mod
from huanxin.plans import repository as repo
from huanxin.plans.models import Plan, Report, Round
from huanxin.web import labels

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECTIONS = (
    "一、总体情况", "二、主要指标进展", "三、各行动推进情况", "四、逾期事项（按责任单位）", "五、工作亮点",
)
HIGHLIGHTS = 5
EXCERPT_CHARS = 120
HEADLINE_TARGETS = 8
OVERDUE_LISTED = 8
# Fonts that carry Chinese glyphs, in order of preference; whichever matplotlib finds first is used.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN",
)


# ---- the figures ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorLine:
    code: str
    name: str
    year: int
    target_text: str
    actual: float | None
    unit: str
    percent: float | None  # share of the way from the base value to the target, in %
    note: str = ""
    at_risk: bool = False  # the indicators' judgement (the table's 有风险): the chart's red bars follow it


@dataclass(frozen=True)
class OverdueTask:
    title: str
    due_on: dt.date | None


@dataclass(frozen=True)
class Highlight:
    unit: str
    task: str
    progress_pct: int
    excerpt: str


@dataclass
class BriefingData:
    city: str
    plan: Plan
    round: Round
    on: dt.date
    counts: dict[str, int]
    overall: float
    indicators: list[IndicatorLine]
    by_action: dict[str, float]
    overdue: dict[str, list[OverdueTask]] = field(default_factory=dict)
    overdue_tasks: int = 0  # distinct red tasks: a task led by two units is listed under both
    highlights: list[Highlight] = field(default_factory=list)
    # The audit chain's head when the briefing was made, printed at its foot: a copy of it held
    # outside the database is what `huanxin audit verify --anchor` checks the chain against.
    audit_anchor: str = ""


def _round_counts(session: Session, rnd: Round) -> dict[str, int]:
    by_status = repo.round_item_counts(session, [rnd.id]).get(rnd.id, {})
    counts = {s: by_status.get(s, 0) for s in ("pending", "submitted", "returned", "accepted")}
    counts["owed"] = sum(by_status.values())
    return counts


def _overdue_by_unit(session: Session, ledger: ledger_mod.Ledger) -> dict[str, list[OverdueTask]]:
    """Red leaves (a due date passed, or a report owed past its round's due date) under each lead unit."""
    owed = repo.owed_due_by_task(session, ledger.plan.id)
    out: dict[str, list[OverdueTask]] = {}
    for row in ledger.rows:
        if not row.task.is_leaf or row.light != "red":
            continue
        due = min((d for d in (row.task.due_on, owed.get(row.task.id)) if d), default=None)
        for unit in row.lead_names or ["未明确牵头单位"]:
            out.setdefault(unit, []).append(OverdueTask(title=row.task.title, due_on=due))
    # The units with most overdue items first: that is what the city government asks about.
    return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _highlights(session: Session, plan: Plan, reports: list[Report]) -> list[Highlight]:
    """The most advanced reports, the longest narratives breaking ties; one per task."""
    names = repo.unit_names(session, plan.city_code)
    titles = {t.id: t.title for t in repo.tasks_of_plan(session, plan.id)}
    chosen: list[Highlight] = []
    seen: set[int] = set()
    for report in sorted(reports, key=lambda r: (-r.progress_pct, -len(r.narrative), r.id)):
        if report.task_id in seen or not report.narrative.strip():
            continue
        seen.add(report.task_id)
        text = report.narrative.strip()
        excerpt = clause_cut(text, EXCERPT_CHARS)  # at a sentence or clause end, never inside a 、-list
        chosen.append(Highlight(unit=names.get(report.unit_id, "?"), task=titles.get(report.task_id, ""),
                                progress_pct=report.progress_pct, excerpt=excerpt))
        if len(chosen) == HIGHLIGHTS:
            break
    return chosen


def gather(
    session: Session, scope: Scope, plan: Plan, rnd: Round, *, on: dt.date | None = None,
) -> BriefingData:
    """Everything the briefing says, for the office and the city leaders only."""
    if not scope.city_wide:
        raise Forbidden("只有专班办公室和市政府领导可以生成工作信息简报")
    scope.require_city(plan.city_code)
    if rnd.plan_id != plan.id:
        raise NotFound("未找到该调度轮次")
    on = on or today()
    ledger = ledger_mod.build(session, scope, plan, on=on)
    return BriefingData(
        city=orgs_service.region_name(session, plan.city_code), plan=plan, round=rnd, on=on,
        counts=_round_counts(session, rnd), overall=ledger.progress,
        indicators=headline_indicators(session, scope, plan),
        by_action={labels.ACTION.get(a, a): p for a, p in ledger_mod.progress_by_action(ledger).items()},
        overdue=_overdue_by_unit(session, ledger),
        overdue_tasks=sum(1 for row in ledger.rows if row.task.is_leaf and row.light == "red"),
        highlights=_highlights(session, plan, repo.submitted_reports_of_round(session, rnd.id)),
        audit_anchor=str(audit.head(session)),
    )


# ---- headline indicators -------------------------------------------------------------------

def headline_indicators(session: Session, scope: Scope, plan: Plan) -> list[IndicatorLine]:
    """The plan's headline targets as the cockpit computes them (indicators' own rules: base
    values, annualised year-to-date figures, cumulative sums), so briefing and cockpit agree."""
    progress = indicators_service.city_progress(session, scope, plan.city_code)
    targets = next((p.targets for p in progress.plans if p.plan_id == plan.id), [])
    headline = [t for t in targets if indicators_service.is_headline(t)] or targets
    return [
        IndicatorLine(
            code=t.spec.indicator_code, name=t.indicator.name, year=t.spec.year,
            target_text=_target_text(t.spec), actual=t.actual, unit=t.indicator.unit, percent=t.percent,
            note=t.status_label, at_risk=bool(t.at_risk),
        )
        for t in headline[:HEADLINE_TARGETS]
    ]


def _target_text(target: TargetSpec) -> str:
    return labels.target_sentence(target)  # the plan's own wording, as on the pages


# ---- the chart -----------------------------------------------------------------------------

@cache
def cjk_font() -> str | None:
    """A font family with Chinese glyphs that matplotlib can use, if one is installed
    (CI installs fonts-noto-cjk); without one the chart falls back to indicator codes."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def indicator_chart(lines: list[IndicatorLine]) -> bytes:
    """Horizontal bars of each headline target's % of the way, with the 100% line."""
    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    names = [line.name if font else line.code for line in lines] or ["-"]
    values = [max(0.0, min(line.percent or 0.0, 150.0)) for line in lines] or [0.0]
    fig = Figure(figsize=(7.5, 0.5 * len(names) + 1.4), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    # Red is the indicators' judgement (有风险), the same as the table's 说明 column, not a threshold of its own.
    colors = ["#c0392b" if line.at_risk else "#2e86c1" for line in lines] or ["#2e86c1"]
    bars = ax.barh(range(len(names)), values, color=colors)
    ax.set_yticks(range(len(names)), names, fontfamily=family, fontsize=9)
    ax.invert_yaxis()
    ax.axvline(100, color="#555555", linestyle="--", linewidth=1)
    ax.set_xlim(0, 150)
    ax.set_xlabel("完成进度（%）" if font else "progress to target (%)", fontfamily=family)
    for bar, line in zip(bars, lines, strict=False):
        shown = f"{line.percent:.0f}%" if line.percent is not None else ("暂无数据" if font else "n/a")
        ax.text(bar.get_width() + 2, bar.get_y() + bar.get_height() / 2, shown, va="center", fontsize=8,
                fontfamily=family)
    fig.tight_layout()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing-glyph warnings when no CJK font is installed
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


# ---- the document --------------------------------------------------------------------------

def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _set_fonts(doc: Document) -> None:
    # Word picks East Asian glyphs from w:eastAsia, which python-docx does not set by itself.
    for style_name, face, size in (("Normal", "宋体", 12), ("Title", "黑体", 20), ("Heading 1", "黑体", 15)):
        style = doc.styles[style_name]
        style.font.name = face
        style.font.size = Pt(size)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)


def _table(doc: Document, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


def _number(value: float | None, unit: str) -> str:
    return labels.quantity(value, unit, digits=1)  # counts whole: 8,752辆, not 8,752.4辆


def render_docx(data: BriefingData) -> bytes:
    doc = docx.Document()
    _set_fonts(doc)
    title = doc.add_heading(f"{data.city}推动大规模设备更新和消费品以旧换新工作信息简报", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(f"{data.round.title}（{data.round.period}）　{_cn_date(data.on)}")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{data.city}设备更新和以旧换新工作专班办公室　　依据：{data.plan.title}")
    _overview(doc, data)
    _indicators(doc, data)
    _actions(doc, data)
    _overdue(doc, data)
    _highlight_section(doc, data)
    _anchor_line(doc, data)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _overview(doc: Document, data: BriefingData) -> None:
    c = data.counts
    doc.add_heading(SECTIONS[0], level=1)
    doc.add_paragraph(
        f"本轮调度（截止{_cn_date(data.round.due_on)}）应报送 {c['owed']} 项，"
        f"已报送 {c['submitted'] + c['accepted']} 项"
        f"（其中已采纳 {c['accepted']} 项），退回修改 {c['returned']} 项，尚未报送 {c['pending']} 项。"
        f"全市方案任务加权完成进度 {data.overall:.1f}%。"
    )
    _table(doc, ["应报送", "已报送", "退回修改", "已采纳", "未报送"],
           [[str(c["owed"]), str(c["submitted"] + c["accepted"]), str(c["returned"]), str(c["accepted"]),
             str(c["pending"])]])


def _indicators(doc: Document, data: BriefingData) -> None:
    doc.add_heading(SECTIONS[1], level=1)
    if not data.indicators:
        doc.add_paragraph("本方案未设定量化目标。")
        return
    doc.add_picture(io.BytesIO(indicator_chart(data.indicators)), width=Cm(15))
    _table(doc, ["指标", "目标", "最新值", "完成进度", "说明"], [
        [line.name, line.target_text, _number(line.actual, line.unit),
         "—" if line.percent is None else f"{line.percent:.0f}%", line.note]
        for line in data.indicators
    ])


def _actions(doc: Document, data: BriefingData) -> None:
    doc.add_heading(SECTIONS[2], level=1)
    _table(doc, ["行动", "加权完成进度"], [[name, f"{pct:.1f}%"] for name, pct in data.by_action.items()])


def _overdue(doc: Document, data: BriefingData) -> None:
    doc.add_heading(SECTIONS[3], level=1)
    if not data.overdue:
        doc.add_paragraph("本轮无逾期事项。")
        return
    doc.add_paragraph(
        f"截至{_cn_date(data.on)}，共有 {data.overdue_tasks} 项任务亮红灯（已过时间节点或逾期未报送）："
    )
    for unit, tasks in data.overdue.items():
        items = "；".join(f"{t.title}（{t.due_on.isoformat() if t.due_on else '未定时间节点'}）"
                         for t in tasks[:OVERDUE_LISTED])
        if len(tasks) > OVERDUE_LISTED:
            items += f"等{len(tasks)}项"  # a briefing names the first few; the ledger has them all
        paragraph = doc.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{unit}（{len(tasks)}项）：").bold = True
        paragraph.add_run(items)


def _highlight_section(doc: Document, data: BriefingData) -> None:
    doc.add_heading(SECTIONS[4], level=1)
    if not data.highlights:
        doc.add_paragraph("本轮尚无已报送的进展。")
        return
    for item in data.highlights:
        paragraph = doc.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{item.unit}").bold = True
        paragraph.add_run(f"（{item.task}，完成{item.progress_pct}%）：{item.excerpt}")


def _anchor_line(doc: Document, data: BriefingData) -> None:
    if not data.audit_anchor:
        return
    run = doc.add_paragraph().add_run(f"审计链锚点（生成本简报时的链头，序号:哈希）：{data.audit_anchor}")
    run.font.size = Pt(8)


def build_briefing(
    session: Session, scope: Scope, plan: Plan, rnd: Round, *, on: dt.date | None = None,
) -> bytes:
    return render_docx(gather(session, scope, plan, rnd, on=on))
