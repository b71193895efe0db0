"""Time is timezone-aware, in the city's zone (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(CHINA)


def today() -> dt.date:
    return now().date()


def midnight(day: dt.date) -> dt.datetime:
    """The start of a China day, for comparing dates with timestamps."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA)


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were stored in China time."""
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


def parse_date(text: str, field: str, *, name: str | None = None) -> dt.date:
    """`field` is the label the message names; `name` the form field the error is shown beside
    (web.form_pages), the label itself when not given."""
    from huanxin.errors import InvalidInput

    cleaned = text.strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"{field}“{text}”不是有效日期，请按 2024-06-30 格式填写", field=name or field) from None
