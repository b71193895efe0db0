"""`huanxin match rank`: ranked product ids with scores and breakdowns per demand; a bad line is
refused with its line number and field, the good ones are still ranked, and the exit code says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from huanxin.matching.cli import app

PRODUCTS: list[dict[str, Any]] = [
    {"id": "LOCAL", "category": "三相异步电动机", "name": "YE4超高效三相异步电动机 55kW", "region": "512021",
     "efficiency_level": "saving", "price_min_fen": 1_000_000},
    {"id": "FAR", "category": "motor_induction", "name": "YE4超高效三相异步电动机 55kW", "region": "440304",
     "efficiency_level": "saving", "price_min_fen": 900_000},
    {"id": "CTRL", "category": "motor_controller", "name": "三相异步电动机控制器 55kW", "region": "512002"},
    {"id": "OLD", "category": "motor_induction", "name": "三相异步电动机 55kW", "region": "512002",
     "efficiency_level": "below"},
]
DEMAND = {"id": "D1", "category": "电动机", "name": "更新三相异步电动机 55千瓦", "region": "512002",
          "budget_fen": 1_200_000}


def lines(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n"
                            for row in rows), encoding="utf-8")
    return path


def run(tmp_path: Path, demands: list[Any], products: list[Any], *extra: str) -> Any:
    return CliRunner().invoke(app, ["rank", "--demands", str(lines(tmp_path / "demands.jsonl", demands)),
                                    "--products", str(lines(tmp_path / "products.jsonl", products)),
                                    "--top", "5", "--on", "2026-12-01", *extra])


def test_prints_the_ranked_ids_with_scores_and_breakdown(tmp_path: Path) -> None:
    result = run(tmp_path, [DEMAND], PRODUCTS)
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert out[0] == "需求 D1 更新三相异步电动机 55千瓦：2 个产品（另有 1 个同类产品因硬性条件排除）"
    assert out[1].startswith("   1. LOCAL ") and "本市企业 +20" in out[1]
    assert out[2].startswith("   2. FAR ") and "本市企业" not in out[2]


def test_json_output_has_one_line_per_demand(tmp_path: Path) -> None:
    result = run(tmp_path, [DEMAND, {**DEMAND, "id": "D2", "category": "电机控制器"}], PRODUCTS, "--json")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert [m["product"] for m in first["matches"]] == ["LOCAL", "FAR"]
    assert [m["product"] for m in second["matches"]] == ["CTRL"]


def test_bad_lines_are_refused_by_line_and_field_and_the_rest_ranked(tmp_path: Path) -> None:
    products = [PRODUCTS[0], {**PRODUCTS[1], "price_min_fen": "九千元"}, "{not json", PRODUCTS[0],
                {**PRODUCTS[2], "region": "深圳"}]
    result = run(tmp_path, [DEMAND, {**DEMAND, "id": "D3", "category": "洗衣机"}], products)
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith("demands.jsonl 第 2 行：字段 category（设备类别）“洗衣机”不在设备分类中")
    assert errors[1] == "products.jsonl 第 2 行：字段 price_min_fen（最低价（分））应为不小于 0 的整数"
    assert errors[2].startswith("products.jsonl 第 3 行不是合法的 JSON")
    assert errors[3] == "products.jsonl 第 4 行：编号 LOCAL 重复（第 1 行已有）"
    assert errors[4].startswith("products.jsonl 第 5 行：字段 region（所在地区）应为 6 位行政区划代码")
    assert errors[-1] == "共有 5 行未能读取，未参与匹配"
    assert "   1. LOCAL " in result.stdout


def test_a_missing_file_or_bad_weights_stop_the_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["rank", "--demands", str(tmp_path / "none.jsonl"),
                                      "--products", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "无法读取文件" in result.stderr
    weights = tmp_path / "weights.json"
    weights.write_text('{"village": 5}', encoding="utf-8")
    result = run(tmp_path, [DEMAND], PRODUCTS, "--weights", str(weights))
    assert result.exit_code == 2 and "权重 village 不是已知的评分项" in result.stderr


def test_city_weights_change_the_order(tmp_path: Path) -> None:
    weights = tmp_path / "weights.json"
    weights.write_text('{"county": 0, "city": 0, "province": 0, "price_in": 0}', encoding="utf-8")
    result = run(tmp_path, [DEMAND], [PRODUCTS[1], PRODUCTS[0]], "--weights", str(weights), "--json")
    assert [m["product"] for m in json.loads(result.stdout)["matches"]] == ["FAR", "LOCAL"]
