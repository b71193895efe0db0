"""Cuts a plan document into its zones and rebuilds the paragraphs that page layout broke.

A plan as issued is: the notice (文号, 关于印发《…》的通知, addressees, signature, date), the plan title,
its body, a list of attachments (附件：1.… 2.…) and the attachments themselves. Every extracted item
points back to a block of this layout, which is what the review screen shows beside the proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from huanxin.plans.importer.text import squeeze, tidy_numbers

HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)]|[一二三四五六七八九十]{1,2}是)"
)
TERMINAL = "。；;！？!?：:）)〕】"
ATTACHMENT_LIST = re.compile(r"^\s*附\s*件\s*\d*\s*[:：]\s*(.*)$")
ATTACHMENT_MARK = re.compile(r"^\s*附\s*件\s*(\d*)\s*[:：]?\s*$")
PLAN_SUFFIX = r"(?:实施方案|工作方案|行动方案|任务分工方案|分工方案|若干举措|若干措施|行动计划|实施意见|工作措施)"
UNIT_CLAUSE_LINE = re.compile(r"^\s*[（(〔].{2,}[）)〕]\s*$")


@dataclass
class Block:
    """A paragraph (body) or a line (notice, attachments) as shown on the review screen."""

    id: int
    text: str
    zone: str  # header | body | attachment


@dataclass
class AttachmentZone:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Layout:
    blocks: list[Block]
    header: list[Block]
    body: list[Block]
    attachments: list[AttachmentZone]
    title_hint: str | None  # the title inside 关于印发《…》的通知, if any


def _notice_title(lines: list[str]) -> str | None:
    """The plan's title as the notice names it: 关于印发《…》的通知, 关于印发…方案的通知 (no brackets), or
    现将《…》印发. Read only above the preamble: the preamble cites other documents the same way
    (为贯彻落实《国务院关于印发<…行动方案>的通知》), and their titles are not this plan's."""
    head = []
    for line in lines[:40]:
        if re.match(r"^\s*(?:为|根据|按照)", line):
            break
        head.append(line)
    joined = squeeze("".join(head))
    for pattern in (r"关于印发[《<](.+?)[》>]的?通知", r"关于印发(.+?" + PLAN_SUFFIX + r")的?通知",
                    r"现将《(.+?)》(?:印发|转发)"):
        match = re.search(pattern, joined)
        if match:
            return match.group(1)
    return None


def _standalone_title_end(lines: list[str], title: str | None) -> int | None:
    """Index of the line after the plan title printed above the body (the last such occurrence
    before the body, since the notice cites it first)."""
    limit = min(len(lines), 80)
    if title:
        target = squeeze(title)
        best = None
        for start in range(limit):
            acc = ""
            for end in range(start, min(start + 4, len(lines))):
                acc += squeeze(lines[end])
                if acc == target:
                    best = end + 1
                    break
                if not target.startswith(acc):
                    break
        if best is not None:
            return best
    for start in range(limit):
        acc = ""
        for end in range(start, min(start + 3, len(lines))):
            part = squeeze(lines[end])
            if not part or part.startswith("关于印发") or "通知" in part:
                break
            acc += part
            if re.search(PLAN_SUFFIX + r"$", acc) and len(acc) <= 60:
                return end + 1
    return None


def _body_start(lines: list[str], title: str | None) -> int:
    end = _standalone_title_end(lines, title)
    if end is not None:
        return end
    # No printed title: the body starts at the preamble (为贯彻落实…) or the first heading.
    for i, line in enumerate(lines):
        if re.match(r"^\s*(为|根据)", line) or re.match(r"^\s*一[、.．]", line):
            return i
    return 0


def _attachment_listing(lines: list[str], start: int) -> tuple[int | None, list[str]]:
    """Where the 附件：… listing at the end of the body starts, and the titles it lists."""
    for i in range(start, len(lines)):
        match = ATTACHMENT_LIST.match(lines[i])
        if not match:
            continue
        titles = []
        first = match.group(1).strip()
        if first:
            titles.append(first)
        j = i + 1
        while j < len(lines) and re.match(r"^\s*\d{1,2}\s*[.．、]", lines[j]) and len(lines[j]) < 80:
            titles.append(lines[j].strip())
            j += 1
        cleaned = [re.sub(r"^\d{1,2}\s*[.．、]\s*", "", t).strip() for t in titles]
        return i, [t for t in cleaned if t]
    return None, []


def _find_title(lines: list[str], title: str, start: int) -> tuple[int, int] | None:
    """Finds a title printed over up to three lines (spaces and breaks anywhere)."""
    target = squeeze(title)
    for i in range(start, len(lines)):
        acc = ""
        for j in range(i, min(i + 3, len(lines))):
            acc += squeeze(lines[j])
            if target and (acc == target or (acc.endswith(target) and len(acc) - len(target) <= 6)):
                return i, j + 1
            if not acc or target.find(acc[-min(len(acc), 4):]) < 0:
                break
    return None


def _attachment_zones(lines: list[str], start: int, titles: list[str]) -> list[tuple[str, int, int]]:
    """(title, first line, end line) of each attachment after the listing."""
    starts: list[tuple[str, int, int]] = []
    cursor = start
    for title in titles:
        found = _find_title(lines, title, cursor)
        if found:
            starts.append((title, found[0], found[1]))
            cursor = found[1]
    if not starts:  # no listing: fall back to 附件 / 附件2 marker lines followed by a title line
        for i in range(start, len(lines)):
            if ATTACHMENT_MARK.match(lines[i]):
                j = i + 1
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines):
                    starts.append((squeeze(lines[j]), j, j + 1))
    zones = []
    for k, (title, _first, content_start) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else len(lines)
        # The 附件 / 附件2 marker just before the next title belongs to that attachment, not this one.
        while end > content_start and (ATTACHMENT_MARK.match(lines[end - 1]) or not lines[end - 1].strip()):
            end -= 1
        zones.append((title, content_start, end))
    return zones


def _is_heading_only(line: str) -> bool:
    stripped = line.strip()
    return bool(HEADING.match(stripped)) and "。" not in stripped and len(stripped) <= 45


def _joins_next(line: str, following: str) -> bool:
    """Page layout breaks a paragraph mid-sentence; a line that stops without closing punctuation
    continues on the next non-empty line, unless it is a short heading or the next line starts a
    new heading or table row."""
    stripped = line.rstrip()
    if not stripped or "\t" in stripped or "\t" in following:
        return False
    if stripped[-1] in TERMINAL or _is_heading_only(stripped) or len(stripped) < 18:
        return False
    return not HEADING.match(following.strip())


def body_paragraphs(lines: list[str]) -> list[str]:
    """Rebuilds paragraphs: joins broken lines, and puts a unit clause printed on its own line
    (（市商务局，市财政局）) back at the end of the paragraph it belongs to."""
    paragraphs: list[str] = []
    pending = ""
    nonblank = [ln for ln in lines if ln.strip()]
    for index, line in enumerate(nonblank):
        text = line.strip() if "\t" not in line else line.rstrip()
        if pending:
            pending += text
        elif UNIT_CLAUSE_LINE.match(text) and paragraphs and not HEADING.match(text) and \
                paragraphs[-1].rstrip()[-1:] in "。；;":
            paragraphs[-1] += text
            continue
        else:
            pending = text
        following = nonblank[index + 1] if index + 1 < len(nonblank) else ""
        if not _joins_next(pending, following):
            paragraphs.append(pending)
            pending = ""
    if pending:
        paragraphs.append(pending)
    return [tidy_numbers(p) for p in paragraphs]


def split(text: str) -> Layout:
    lines = text.split("\n")
    title_hint = _notice_title(lines)
    start = _body_start(lines, title_hint)
    listing, titles = _attachment_listing(lines, start)
    body_end = listing if listing is not None else len(lines)
    zones = _attachment_zones(lines, body_end + 1 + max(len(titles) - 1, 0), titles) if listing is not None else []
    if listing is None:
        marker = next((i for i in range(start, len(lines)) if ATTACHMENT_MARK.match(lines[i])), None)
        if marker is not None:
            body_end = marker
            zones = _attachment_zones(lines, marker, [])
    blocks: list[Block] = []

    def add(text_: str, zone: str) -> Block:
        block = Block(len(blocks) + 1, text_, zone)
        blocks.append(block)
        return block

    header = [add(ln.strip(), "header") for ln in lines[:start] if ln.strip()]
    body = [add(p, "body") for p in body_paragraphs(lines[start:body_end])]
    if listing is not None:
        add(" ".join(ln.strip() for ln in lines[listing:listing + max(len(titles), 1)]), "body")
    attachments = []
    for title, first, end in zones:
        zone = AttachmentZone(title=squeeze(title))
        zone.blocks = [add(tidy_numbers(ln.rstrip()), "attachment") for ln in lines[first:end] if ln.strip()]
        attachments.append(zone)
    return Layout(blocks=blocks, header=header, body=body, attachments=attachments, title_hint=title_hint)
