"""Chinese text cut for quoting: at a sentence or clause end, never inside a 、-list or a quotation."""

from __future__ import annotations

SENTENCE_ENDS = "。！？；"
CLAUSE_ENDS = "，："
ELLIPSIS = "……"


def _open_quote(text: str) -> bool:
    return text.count("“") > text.count("”") or text.count("（") > text.count("）")


def _cut_points(text: str, marks: str) -> list[int]:
    """Positions just after a mark, where the text before it closes every quotation and bracket."""
    return [i + 1 for i, ch in enumerate(text) if ch in marks and not _open_quote(text[:i + 1])]


def clause_cut(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """`text` shortened to about `limit` characters for a quote: whole if it fits, else up to the
    last sentence end within the limit, else the last clause end (，：) with the mark dropped;
    when even the first clause is longer, the whole first clause (a cut inside 建立供水、供气、
    … would misquote the list). The ellipsis marks that something follows."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit + 1]
    sentences = _cut_points(head, SENTENCE_ENDS)
    if sentences:
        return text[:sentences[-1]] + ellipsis
    clauses = _cut_points(head, CLAUSE_ENDS)
    if clauses:
        return text[:clauses[-1] - 1] + ellipsis
    ends = _cut_points(text, SENTENCE_ENDS + CLAUSE_ENDS)
    if not ends:
        return text
    first = ends[0]
    whole = text[:first] if text[first - 1] in SENTENCE_ENDS else text[:first - 1]
    return whole + (ellipsis if first < len(text) else "")
