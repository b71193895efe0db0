"""分别 lists: each value binds to its own indicator (or its own year), and the list ends where its clause does.

"普及率、数控化率分别达到88%、70%，设备投资规模较2023年增长30%" is two clauses: the list takes
88% and 70% only, has no baseline of its own, and leaves the 设备投资 clause, with its 较2023年, to
the ordinary reading. "力争2025年、2027年…较2023年分别增长12%、25%" binds each value to a year.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from huanxin.plans.importer.targets import SUBSIDY, Quantity, _clause_bounds, _clean_subject, _kind

if TYPE_CHECKING:
    from huanxin.plans.importer.targets import TargetFinder

YEARS = re.compile(r"((?:19|20)\d\d)年(?:底|末)?(?:[、和及至](?:19|20)\d\d年(?:底|末)?)+")
LEAD = re.compile(r"(?:超过|达到|增长|提高|提升|增加|下降|降低|减少|不低于|不少于|为|约)*")


def _list_values(sentence: str, qs: list[Quantity], at: int, end: int) -> list[Quantity]:
    """The values of the list: those after 分别 up to the end of its clause; "15个、13个百分点" takes
    the last item's unit for every item."""
    values = [q for q in qs if at < q.start < end]
    tail = re.match(LEAD.pattern + r"((?:\d+(?:\.\d+)?[^、，,。；和]*[、和])+)\d+(?:\.\d+)?", sentence[at + 2:end])
    if tail and values:
        items = re.findall(r"(\d+(?:\.\d+)?)", sentence[at + 2:at + 2 + tail.end()])
        last = values[-1]
        if len(items) >= 2:
            values = [Quantity(last.start, last.end, float(v), last.unit, pre=last.pre, post=last.post)
                      for v in items]
    return values


def _subjects(sentence: str, clause_start: int, at: int, n: int) -> tuple[list[str], int]:
    """One subject per value: the 、-list before 分别, or the n comma clauses before it; and where the
    subjects start, for the source span."""
    own = _clean_subject(sentence[clause_start:at])
    subjects = [s for s in re.split(r"[、和及]", own) if len(_clean_subject(s)) >= 2] if own else []
    if len(subjects) == n:
        return subjects, clause_start
    previous = [c for c in re.split(r"[，,；;]", sentence[:clause_start]) if c.strip()]
    if len(previous) >= n:
        first = sentence.find(previous[-n])
        return previous[-n:], max(first, 0)
    return [], clause_start


def respectively(finder: TargetFinder, sentence: str, qs: list[Quantity], block: int, section: str,
                 carried: int | None, at: int) -> list[Quantity]:
    """Adds the targets of the 分别 list at `at` and returns the quantities it took (none if it is not one)."""
    clause_start, end = _clause_bounds(sentence, at)
    values = _list_values(sentence, qs, at, end)
    if len(values) < 2 or SUBSIDY.search(sentence[max(0, at - 4):values[-1].end]):
        return []
    head = sentence[clause_start:at]
    years_list = YEARS.search(head)
    years = [int(y) for y in re.findall(r"((?:19|20)\d\d)年", years_list.group(0))] if years_list else []
    if len(years) == len(values):
        subject = _clean_subject(head.replace(years_list.group(0), "") if years_list else head)
        subjects, start = [subject] * len(values), clause_start
    else:
        years = []
        subjects, start = _subjects(sentence, clause_start, at, len(values))
    if len(subjects) != len(values):
        return []
    kind, baseline, last, unit = _kind(sentence, values[-1], clause_start)
    sign = -1.0 if last < 0 or re.match(r"(?:下降|降低|减少)", sentence[at + 2:]) else 1.0  # 分别下降5%、3%
    year, _ = finder._year(sentence, at, carried)
    comparator = values[-1].post or re.match(r"(超过|达到|不低于|不少于|约)?", sentence[at + 2:]).group(1)  # type: ignore[union-attr]
    for i, (subject, q) in enumerate(zip(subjects, values, strict=True)):
        finder._add(sentence, _clean_subject(subject), kind, baseline, sign * q.value, unit, comparator or None,
                    years[i] if years else year, block, section, (start, end), at)
    return [q for q in qs if at < q.start < end]
