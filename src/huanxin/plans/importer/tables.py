"""Attachment lists (重点举措清单, 任务分工清单, 责任清单) as task trees.

Tables reach us as text: one row per line with tab-separated cells, or (when copied cell by cell)
one cell per line, each starting with a tab, rows separated by a blank line. Merged cells lose
their content in both forms, so an empty or missing cell means "same as the row above". Cells are
placed by what they contain rather than by position alone, because page breaks shift columns:

- the units cell is the last one that reads as a list of units (or says 按职责分工负责);
- the measure is the cell just before it; a 序号 cell is a bare number;
- of the cells before the measure, one numbered 一、 (or seen before as an action) is the action,
  the one next to the measure is the key task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from huanxin.plans.importer.layout import AttachmentZone, Block
from huanxin.plans.importer.responsibility import (
    JOINT_PHRASE,
    Assignment,
    is_unit_clause,
    parse_clause,
    split_names,
)
from huanxin.plans.importer.tasks import Node, action_kind
from huanxin.plans.importer.text import squeeze
from huanxin.plans.importer.units import UnitBook

HEADER_WORDS = re.compile(r"^(?:序号|重点任务|主要任务|重要行动|重点举措|具体工作内容|工作内容|工作任务|任务|举措|"
                          r"牵头责任单位|"
                          r"牵头单位|责任单位|配合单位|完成时限|时间节点|时限|备注|重点工作|工作措施|主要内容|行动)$")
DEADLINE = re.compile(r"(?:20\d\d年|持续推进|长期坚持|年底前|月底前|季度)")


@dataclass
class Row:
    cells: list[str]
    block: int


@dataclass
class Columns:
    lead: int | None = None
    co: int | None = None
    responsible: int | None = None
    deadline: int | None = None
    width: int = 0


@dataclass
class TableResult:
    tasks: list[Node]
    rows: int
    columns: Columns = field(default_factory=Columns)


def _rows(blocks: list[Block]) -> list[Row]:
    """Rows from either text form of a table; blocks without tabs are not table rows."""
    rows: list[Row] = []
    cell_lines: list[tuple[str, int]] = []

    def flush() -> None:
        if cell_lines:
            rows.append(Row([c for c, _ in cell_lines], cell_lines[0][1]))
            cell_lines.clear()

    for block in blocks:
        raw = block.text
        if raw.startswith("\t") and raw.count("\t") == 1 or raw.startswith(" \t"):
            # One cell per line: a leading space-tab starts a new row after a page break.
            if raw.startswith(" \t"):
                flush()
            cell_lines.append((raw.split("\t", 1)[1].strip(), block.id))
        elif "\t" in raw:
            flush()
            rows.append(Row([c.strip() for c in raw.split("\t")], block.id))
        elif cell_lines:
            cell_lines[-1] = (cell_lines[-1][0] + raw.strip(), cell_lines[-1][1])  # a cell's wrapped line
        else:
            flush()
    flush()
    return rows


def _split_rows_on_blank(blocks: list[Block]) -> list[list[Block]]:
    """Cell-per-line tables separate rows by blank lines, which layout dropped; a 序号 cell (a bare
    number) therefore also starts a row."""
    groups: list[list[Block]] = [[]]
    for block in blocks:
        if re.fullmatch(r"\t\d{1,3}", block.text) and groups[-1]:
            groups.append([])
        groups[-1].append(block)
    return groups


def _is_header(cells: list[str]) -> bool:
    filled = [squeeze(c) for c in cells if c.strip()]
    return bool(filled) and sum(1 for c in filled if HEADER_WORDS.match(c)) >= max(2, len(filled) - 1)


def _columns(header: list[str]) -> Columns:
    cols = Columns(width=len([c for c in header]))
    for i, cell in enumerate(squeeze(c) for c in header):
        if re.search(r"配合|协同|参与", cell):
            cols.co = i
        elif "牵头" in cell:
            cols.lead = i
        elif "责任" in cell:
            cols.responsible = i
        elif re.search(r"时限|时间|节点", cell):
            cols.deadline = i
    return cols


def _units_like(cell: str) -> bool:
    if not cell or len(cell) > 200:
        return False
    return is_unit_clause(cell) or bool(JOINT_PHRASE.search(cell) and len(cell) < 80)


@dataclass
class Placed:
    action: str | None = None
    key_task: str | None = None
    measure: str | None = None
    units: str | None = None
    co_units: str | None = None
    deadline: str | None = None
    number: str | None = None


def _place(cells: list[str], cols: Columns, known_actions: set[str]) -> Placed:
    cells = [c.strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    placed = Placed()
    filled = [(i, c) for i, c in enumerate(cells) if c]
    if filled and re.fullmatch(r"\d{1,3}", filled[0][1]):
        placed.number = filled[0][1]
        filled = filled[1:]
    if cols.deadline is not None and filled and DEADLINE.search(filled[-1][1]) and not _units_like(filled[-1][1]):
        placed.deadline = filled.pop()[1]
    if cols.co is not None and cols.lead is not None and len(filled) >= 2 and _units_like(filled[-1][1]) \
            and _units_like(filled[-2][1]):
        placed.co_units = filled.pop()[1]
    if filled and _units_like(filled[-1][1]):
        placed.units = filled.pop()[1]
    if filled:
        placed.measure = filled.pop()[1]
    rest = [c for _, c in filled]
    if len(rest) >= 2:
        placed.action, placed.key_task = rest[-2], rest[-1]
    elif rest:
        numbered = re.match(r"^[一二三四五六七八九十]{1,3}[、.．]", rest[0])
        if numbered or squeeze(rest[0]) in known_actions:
            placed.action = rest[0]
        else:
            placed.key_task = rest[0]
    return placed


class TableBuilder:
    def __init__(self, units: UnitBook, comma_rule: bool):
        self.units = units
        self.comma_rule = comma_rule

    def build(self, zone: AttachmentZone) -> TableResult:
        first = next((i for i, b in enumerate(zone.blocks) if "\t" in b.text), len(zone.blocks))
        blocks = zone.blocks[first:]
        rows: list[Row] = []
        for group in _split_rows_on_blank(blocks):
            rows.extend(_rows(group))
        cols = Columns()
        roots: list[Node] = []
        action: Node | None = None
        key_task: Node | None = None
        known_actions: set[str] = set()
        count = 0
        for row in rows:
            if _is_header(row.cells):
                cols = _columns(row.cells)
                continue
            placed = _place(row.cells, cols, known_actions)
            if not placed.measure:
                continue
            count += 1
            if placed.action:
                title = re.sub(r"^[一二三四五六七八九十]{1,3}[、.．]\s*", "", squeeze(placed.action))
                if action is None or squeeze(action.title) != title:
                    no = re.match(r"^[一二三四五六七八九十]{1,3}[、.．]", squeeze(placed.action))
                    action = Node(no=no.group(0) if no else None, title=title, level="action", text=None,
                                  block=row.block, action=action_kind(title) or "other")
                    roots.append(action)
                    key_task = None
                known_actions.add(squeeze(placed.action))
                known_actions.add(title)
            if placed.key_task and (key_task is None or squeeze(key_task.title) != squeeze(placed.key_task)):
                key_task = Node(no=None, title=squeeze(placed.key_task), level="key_task", text=None, block=row.block)
                (action.children if action else roots).append(key_task)
            parent = key_task or action
            measure = self._measure(placed, row, parent)
            (parent.children if parent else roots).append(measure)
        return TableResult(tasks=roots, rows=count, columns=cols)

    def _measure(self, placed: Placed, row: Row, parent: Node | None) -> Node:
        text = placed.measure or ""
        first = re.split(r"[。；;]", text, maxsplit=1)[0]
        has_heading = "。" in text and len(first) <= 30 and not re.search(r"[，,]", first)
        if "。" not in text or has_heading:
            title = first if has_heading else text.rstrip("。")
        else:
            # A cell without a heading sentence is titled by its key task (主要任务).
            title = parent.title if parent is not None and parent.level == "key_task" else first[:40]
        node = Node(no=placed.number, title=title.strip(), level="measure", text=text if "。" in text else None,
                    block=row.block, deadline=placed.deadline)
        if placed.units or placed.co_units:
            node.responsibility = "；".join(filter(None, [placed.units, placed.co_units]))
            node.assignment = self._assignment(placed)
            for name in node.assignment.named:
                self.units.add(name, row.block)
        return node

    def _assignment(self, placed: Placed) -> Assignment:
        if placed.co_units and placed.units:
            lead, c1, _ = split_names(placed.units)
            co, c2, _ = split_names(placed.co_units)
            return Assignment(mode="lead_co" if co else "lead_only", lead=lead, co=[u for u in co if u not in lead],
                              all_counties=c1 or c2)
        return parse_clause(placed.units or "", comma_rule=self.comma_rule)
