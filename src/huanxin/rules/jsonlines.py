"""Reading JSON Lines for the `evaluate` commands: every line gets its own answer, so a line that
cannot be read (too long, not UTF-8, not JSON, nested too deep, not an object) is an InvalidInput
naming its line, and the run goes on with the next one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from huanxin.errors import InvalidInput

MAX_LINE_BYTES = 64 * 1024  # a case is a few hundred bytes (a project with its equipment a few KB)
MAX_DEPTH = 8


def read_lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """The lines of a byte stream, each at most MAX_LINE_BYTES; None stands for a longer line,
    whose rest is skipped without holding it in memory."""
    while chunk := stream.readline(MAX_LINE_BYTES + 1):
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield chunk


def parse_line(number: int, line: bytes | str | None, what: str) -> dict[str, Any]:
    """The JSON object of line `number`; `what` names one case in the error ("一个项目")."""
    if line is None:
        raise InvalidInput(f"第 {number} 行超过 {MAX_LINE_BYTES // 1024} KB，不是{what}")
    text = line if isinstance(line, str) else _decoded(number, line)
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"第 {number} 行不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）") from None
    except RecursionError:
        raise InvalidInput(f"第 {number} 行嵌套层数过深，不是{what}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"第 {number} 行应为 JSON 对象（{{\"字段\": 取值, …}}）")
    if depth(data) > MAX_DEPTH:
        raise InvalidInput(f"第 {number} 行嵌套超过 {MAX_DEPTH} 层，不是{what}")
    return data


def _decoded(number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"第 {number} 行不是 UTF-8 编码（可能是 GBK），请将文件另存为 UTF-8 后重试") from None


def depth(value: Any) -> int:
    """Nesting depth, without recursion (a line may be nested just below Python's own limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def plain(value: Any) -> bool:
    """A value that may be echoed back (an id), never a structure."""
    return value is None or isinstance(value, str | int | float | bool)
