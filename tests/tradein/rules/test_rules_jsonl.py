"""`huanxin tradein evaluate FILE`: JSON Lines in, one decision per line out; bad lines yield an
error object naming the line and field, and the run goes on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from huanxin.kit.clock import today
from huanxin.tradein.claims.line_evaluation import answers

GOOD = {"id": "A1", "programme": "appliance-2025", "category": "refrigerator", "price_fen": 500000,
        "efficiency_grade": 1, "invoice_date": "2025-03-01", "applied_on": "2025-03-01", "region_code": "430500"}


def lines(*rows: object) -> list[dict[str, Any]]:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    return list(answers(io.StringIO(text), today()))


def test_one_decision_per_line() -> None:
    [out] = lines(GOOD)
    assert out["ok"] and out["line"] == 1 and out["id"] == "A1"
    assert out["eligible"] and out["amount_fen"] == 100000 and out["by_source"] == {"central": 90000, "local": 10000}
    assert out["trace"] and out["reasons"]


def test_bad_lines_name_line_and_field_and_do_not_stop_the_run() -> None:
    out = lines(
        GOOD,
        "{not json",
        {**GOOD, "id": "A3", "price_fen": "abc"},
        {**GOOD, "id": "A4", "category": "sofa"},
        {**GOOD, "id": "A5", "invoice_date": "2025-13-01"},
        {**GOOD, "id": "A6", "colour": "red"},
        "",
        {**GOOD, "id": "A8", "programme": "appliance-2099"},
        [1, 2],
        {**GOOD, "id": "A10", "efficiency_grade": 3},
    )
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 8, 9, 10]  # blank line 7 skipped
    by_line = {o["line"]: o for o in out}
    assert by_line[2]["ok"] is False and "第 2 行不是合法的 JSON" in by_line[2]["error"]
    assert (by_line[3]["field"], by_line[3]["id"]) == ("price_fen", "A3")
    assert by_line[4]["field"] == "category"
    assert by_line[5]["field"] == "invoice_date" and "第 5 行" in by_line[5]["error"]
    assert by_line[6]["field"] == "colour"
    assert by_line[8]["field"] == "programme"
    assert by_line[9]["ok"] is False
    assert by_line[10]["ok"] is True and by_line[10]["eligible"] is False  # a rejection, not an error
    assert "须达到2级及以上" in by_line[10]["reasons"][0]


def test_the_cli_command_prints_a_decision_per_line(tmp_path: Path) -> None:
    from huanxin.cli import app

    file = tmp_path / "claims.jsonl"
    file.write_text(json.dumps(GOOD) + "\nnot json\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["tradein", "evaluate", str(file)])
    assert result.exit_code == 1, result.output  # a line was refused
    first, second = (json.loads(x) for x in result.stdout.strip().splitlines())
    assert first["amount_fen"] == 100000 and second["ok"] is False and second["line"] == 2
