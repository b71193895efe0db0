"""`huanxin projects evaluate`: projects as JSON Lines in, one funding decision per line out; every
bad line gets its own answer naming its line and field, and the good lines are still decided."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from huanxin import cli as root_cli

PROJECT: dict[str, Any] = {
    "id": "P1", "on": "2025-03-01", "field": "industry", "construction": "under_construction",
    "total_investment_fen": 5_000_000_000, "fixed_asset_fen": 3_000_000_000,
    "equipment_investment_fen": 2_000_000_000, "retired_original_value_fen": 200_000_000, "invested_permille": 500,
    "loan_need_fen": 1_000_000_000, "loan_term_months": 24, "intended_banks": ["中国工商银行"],
    "loan_signed_on": "2024-07-30", "loan_disbursed_on": "2024-08-01", "instruments": ["special_bond", "relending"],
}


def run(tmp_path: Path, *rows: dict[str, Any] | bytes) -> tuple[Result, list[dict[str, Any]]]:
    file = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    file.write_bytes(b"\n".join(r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()
                                for r in rows) + b"\n")
    result = CliRunner().invoke(root_cli.app, ["projects", "evaluate", str(file)])
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_each_project_gets_its_decision_for_every_instrument(tmp_path: Path) -> None:
    result, [answer] = run(tmp_path, PROJECT)
    assert result.exit_code == 0 and answer["ok"] and answer["id"] == "P1" and answer["line"] == 1
    bond = answer["instruments"]["special_bond"]
    assert bond["eligible"] and bond["estimated_fen"] == 450_000_000 and bond["label"] == "超长期特别国债"
    assert bond["requested"] and "预计支持不超过450万元" in bond["reasons"][0]
    assert bond["trace"][0]["source"]  # each step names the notice it applied
    subsidy = answer["instruments"]["interest_subsidy"]
    # 2024-08-01 + 24 months = 730 days at 1.5 points on 1000万元, ÷ 360, floored to the fen
    assert subsidy["eligible"] and subsidy["estimated_fen"] == 1_000_000_000 * 150 * 730 // 3_600_000
    assert subsidy["decided_on"] == "2024-08-01" and not subsidy["requested"]


def test_bad_lines_get_their_own_answer_and_the_good_lines_are_decided(tmp_path: Path) -> None:
    gbk = json.dumps({**PROJECT, "id": "旧编码"}, ensure_ascii=False).encode("gbk")
    result, out = run(
        tmp_path, PROJECT, {**PROJECT, "id": "P2", "invested_permille": 1200}, b"{not json", gbk,
        {**PROJECT, "id": "P5", "equipment_investment_fen": 6_000_000_000}, [1, 2],  # type: ignore[arg-type]
        b"", {**PROJECT, "id": "P8", "fixed_asset_fen": 1_999_999_999})
    assert "Traceback" not in result.output
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 8]  # the blank line 7 gets no answer
    assert out[0]["ok"] and out[6]["ok"] and out[6]["id"] == "P8"
    assert not out[6]["instruments"]["special_bond"]["eligible"]  # not eligible is an answer, not an error
    assert out[1] == {"line": 2, "id": "P2", "ok": False, "field": "invested_permille",
                      "error": out[1]["error"]} and "第 2 行" in out[1]["error"] and "不能超过100%" in out[1]["error"]
    assert not out[2]["ok"] and "第 3 行不是合法的 JSON" in out[2]["error"]
    assert not out[3]["ok"] and "第 4 行不是 UTF-8 编码" in out[3]["error"]
    assert out[4]["field"] == "equipment_investment_fen" and "设备购置投资不能超过项目总投资" in out[4]["error"]
    assert not out[5]["ok"] and "第 6 行应为 JSON 对象" in out[5]["error"]
    assert result.exit_code == 1 and "共 5 行输入有误" in result.stderr


def test_an_unknown_or_misspelt_field_is_named(tmp_path: Path) -> None:
    _result, [answer] = run(tmp_path, {**PROJECT, "fixed_assets_fen": 1})
    assert not answer["ok"] and answer["field"] == "fixed_assets_fen" and "docs/projects.md" in answer["error"]
    _result, [answer] = run(tmp_path, {**PROJECT, "on": "下周"})
    assert not answer["ok"] and answer["field"] == "on"


def test_a_knowledge_date_in_the_future_is_refused(tmp_path: Path) -> None:
    _result, [answer] = run(tmp_path, {**PROJECT, "known_on": "2999-01-01"})
    assert not answer["ok"] and answer["field"] == "known_on" and "晚于今天" in answer["error"]


def test_standard_input_is_read() -> None:
    text = json.dumps(PROJECT, ensure_ascii=False).encode() + b"\n" + b'{"field": "industry"}\n'
    result = CliRunner().invoke(root_cli.app, ["projects", "evaluate", "-"], input=text)
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first["ok"] and first["instruments"]["relending"]["estimated_fen"] == 600_000_000
    assert not second["ok"] and second["field"] == "construction" and result.exit_code == 1


def test_a_missing_file_is_one_line_in_chinese(tmp_path: Path) -> None:
    result = CliRunner().invoke(root_cli.app, ["projects", "evaluate", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "找不到文件" in result.stderr and "Traceback" not in result.output
