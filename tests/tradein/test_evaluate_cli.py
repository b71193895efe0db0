"""`huanxin tradein evaluate` is as strict as the claim API (issue 10, finding 7): every line gets
its own answer naming its line and field, good lines are still decided, the exit code says whether
a line was refused; it asks what a policy officer needs (earlier claims, VINs, a knowledge date);
and the API refuses the same bad inputs with the same field names."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import bad_id_number, id_number, setup_city, vin
from typer.testing import CliRunner, Result

from huanxin import cli as root_cli
from huanxin.kit.clock import today

FRIDGE = {"id": "F1", "programme": "appliance-2025", "category": "refrigerator", "price_fen": 5000_00,
          "efficiency_grade": 1, "invoice_date": "2025-03-01", "applied_on": "2025-03-01"}
# A car purchase with the claim API's own field names (POST /api/v1/tradein/car-claims).
CAR_PURCHASE: dict[str, Any] = {
    "price_fen": 100_000_00, "invoice_no": "C-1", "invoice_date": "2025-06-01", "new_vehicle_fuel": "fuel",
    "new_vehicle_displacement_l": 1.5, "old_vehicle_fuel": "petrol", "old_vehicle_registered_on": "2010-01-01",
    "old_vehicle_owned_since": "2020-01-01", "old_emission_standard": "国三",
    "proofs": {"scrap_cert": "S-1", "deregistration": "D-1"}}
CAR_LINE = {"id": "C1", "programme": "car-scrap-2025", "category": "car", "applied_on": "2025-06-02", **CAR_PURCHASE}
CAR_2024 = {"id": "C24", "programme": "car-scrap-2024", "category": "car", "price_fen": 150_000_00,
            "invoice_date": "2024-05-10", "applied_on": "2024-05-12", "old_vehicle_fuel": "nev",
            "old_vehicle_registered_on": "2017-01-01", "new_vehicle_fuel": "nev",
            "old_proof_kinds": ["scrap_cert", "deregistration"]}


def run(tmp_path: Path, *rows: dict[str, Any] | bytes) -> tuple[Result, list[dict[str, Any]]]:
    file = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    file.write_bytes(b"\n".join(r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()
                                for r in rows) + b"\n")
    result = CliRunner().invoke(root_cli.app, ["tradein", "evaluate", str(file)])
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def one(tmp_path: Path, row: dict[str, Any]) -> dict[str, Any]:
    _result, [answer] = run(tmp_path, row)
    return answer


def bad_vin() -> str:
    good = vin()
    return good[:8] + ("0" if good[8] != "0" else "1") + good[9:]


def future() -> str:
    return (today() + dt.timedelta(days=30)).isoformat()


def test_unreadable_lines_get_their_own_answer_and_the_good_lines_are_decided(tmp_path: Path) -> None:
    gbk = json.dumps({**FRIDGE, "id": "旧编码"}, ensure_ascii=False).encode("gbk")
    nested = b"[" * 20_000 + b"]" * 20_000  # RecursionError in the JSON parser
    result, out = run(tmp_path, FRIDGE, gbk, nested, b'{"extra": ' + b'{"a": ' * 50 + b"1" + b"}" * 51,
                      {**FRIDGE, "id": "F5"})
    assert "Traceback" not in result.output
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5]
    assert out[0]["ok"] and out[0]["amount_fen"] == 1000_00 and out[4]["ok"] and out[4]["id"] == "F5"
    assert not out[1]["ok"] and "第 2 行不是 UTF-8 编码" in out[1]["error"]
    assert not out[2]["ok"] and "第 3 行嵌套" in out[2]["error"]
    assert not out[3]["ok"] and "第 4 行嵌套" in out[3]["error"]
    assert result.exit_code == 1 and "3 行输入有误" in result.stderr


def test_standard_input_is_read_as_bytes_too() -> None:
    text = json.dumps(FRIDGE).encode() + b"\n" + "{\"programme\": \"冰箱\"}".encode("gbk") + b"\n"
    result = CliRunner().invoke(root_cli.app, ["tradein", "evaluate", "-"], input=text)
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first["eligible"] and not second["ok"] and "UTF-8" in second["error"] and result.exit_code == 1


def test_a_missing_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(root_cli.app, ["tradein", "evaluate", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "找不到文件" in result.stderr
    assert not isinstance(result.exception, OSError) and "Traceback" not in result.output


def test_every_line_decided_exits_zero_even_when_ineligible(tmp_path: Path) -> None:
    result, out = run(tmp_path, FRIDGE, {**FRIDGE, "efficiency_grade": 3})
    assert result.exit_code == 0 and out[1]["ok"] and out[1]["eligible"] is False


# (what is wrong, the change to a car line / API body, the field both name, text in the message)
BAD_INPUTS = [
    ("future invoice", lambda: {"invoice_date": future()}, "invoice_date", "晚于今天"),
    ("invoice before any rule", lambda: {"invoice_date": "2024-04-01"}, "invoice_date", "2024-04-24"),
    ("NaN displacement", lambda: {"new_vehicle_displacement_l": float("nan")}, "new_vehicle_displacement_l",
     "NaN"),
    ("Infinity displacement", lambda: {"new_vehicle_displacement_l": float("inf")}, "new_vehicle_displacement_l",
     "Infinity"),
    ("unknown proof", lambda: {"proofs": {"scrap_cert": "S-1", "deregistration": "D-1", "photo": "P-1"}}, "proofs",
     "scrap_cert、deregistration、recycling_cert、sale_record"),
    ("bad new VIN", lambda: {"new_vin": bad_vin()}, "new_vin", "校验位"),
    ("bad old VIN", lambda: {"new_vin": vin(), "old_vin": bad_vin()}, "old_vin", "校验位"),
]


@pytest.mark.parametrize(("what", "change", "field", "text"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_the_cli_refuses_what_the_api_refuses(tmp_path: Path, what: str, change: Any, field: str, text: str) -> None:
    result, [good, bad] = run(tmp_path, CAR_LINE, {**CAR_LINE, "id": "bad", **change()})
    assert good["ok"] and good["eligible"], good
    assert bad["ok"] is False and bad["field"] == field and bad["id"] == "bad", bad
    assert "第 2 行" in bad["error"] and text in bad["error"]
    assert result.exit_code == 1


@pytest.mark.parametrize(("what", "change", "field", "text"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_the_api_refuses_the_same_inputs_with_the_same_fields(client: TestClient, db: Session, what: str,
                                                             change: Any, field: str, text: str) -> None:
    city = setup_city(db)
    token = {**api_token(client, city.retailer_user), "Content-Type": "application/json"}
    body = {"programme_id": city.programmes["car-scrap-2025"].id, **CAR_PURCHASE,
            "applicant": {"id_number": id_number(), "name": "王五"}}  # a dealer applies for the resident

    def post(extra: dict[str, Any]) -> Any:
        content = json.dumps({**body, "new_vin": vin(), "old_vin": vin(), **extra})  # NaN written as NaN
        return client.post("/api/v1/tradein/car-claims", headers={**token, "Idempotency-Key": uuid.uuid4().hex},
                           content=content)

    r = post(change())
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and text in r.json()["error"]


def test_unknown_proof_kinds_without_numbers_name_their_field(tmp_path: Path) -> None:
    answer = one(tmp_path, {**FRIDGE, "old_proof_kinds": ["photo"]})
    assert answer["field"] == "old_proof_kinds" and "recycling_cert" in answer["error"]


def test_id_number_is_checked_by_gb_11643_in_both(tmp_path: Path, client: TestClient, db: Session) -> None:
    bad = one(tmp_path, {**FRIDGE, "id_number": bad_id_number()})
    assert bad["ok"] is False and bad["field"] == "id_number" and "校验位" in bad["error"]
    city = setup_city(db)
    r = client.post("/api/v1/tradein/car-claims", headers={**api_token(client, city.retailer_user),
                                                          "Idempotency-Key": uuid.uuid4().hex},
                    json={"programme_id": city.programmes["car-scrap-2025"].id, **CAR_PURCHASE, "new_vin": vin(),
                          "applicant": {"id_number": bad_id_number(), "name": "王五"}})
    assert r.status_code == 422 and r.json()["field"] == "id_number" and "校验位" in r.json()["error"]


def test_a_valid_id_number_is_accepted_and_never_printed(tmp_path: Path) -> None:
    number = id_number()
    result, [answer] = run(tmp_path, {**FRIDGE, "id_number": number})
    assert answer["ok"] and answer["eligible"] and answer["amount_fen"] == 1000_00
    assert number not in result.output and result.exit_code == 0


def test_earlier_claims_make_a_person_ineligible_by_the_claims_services_rule(tmp_path: Path) -> None:
    fridge = {"category": "refrigerator", "date": "2025-02-01", "amount_fen": 800_00}
    _result, out = run(
        tmp_path,
        {**FRIDGE, "earlier_claims": [fridge]},
        {**FRIDGE, "earlier_claims": [{**fridge, "category": "tv"}]},  # another category: its own limit
        {**FRIDGE, "earlier_claims": [{**fridge, "programme": "appliance-2024", "date": "2024-09-01"}]},
        {**FRIDGE, "category": "air_conditioner", "earlier_claims": [{**fridge, "category": "air_conditioner"}] * 2},
        {**FRIDGE, "category": "air_conditioner", "earlier_claims": [{**fridge, "category": "air_conditioner"}] * 3},
    )
    assert out[0]["eligible"] is False and out[0]["amount_fen"] == 0 and "名额已用完" in out[0]["reasons"][0]
    assert out[1]["eligible"] and out[2]["eligible"]  # 2024 programme's quota is its own
    assert out[3]["eligible"] and out[4]["eligible"] is False  # air conditioners ×3 in 2025


def test_earlier_claims_count_against_a_money_cap(tmp_path: Path) -> None:
    line = {"programme": "home-decor-city", "category": "home_decor_kitchen_bath", "price_fen": 10_000_00,
            "invoice_date": "2025-05-01", "applied_on": "2025-05-01"}  # 15 %: 1,500 yuan asked

    def had(yuan: int) -> list[dict[str, Any]]:  # earlier claims of 3,000 yuan, then the rest: fewer than 15
        whole, rest = divmod(yuan, 3000)
        amounts = [3000] * whole + ([rest] if rest else [])
        return [{"category": "home_decor_furniture", "date": "2025-03-01", "amount_fen": a * 100} for a in amounts]

    _result, out = run(tmp_path, {**line, "earlier_claims": had(28_500)}, {**line, "earlier_claims": had(28_600)})
    assert out[0]["eligible"] and out[0]["amount_fen"] == 1500_00  # 28,500 + 1,500 = the 30,000 cap
    assert out[1]["eligible"] is False and "累计不超过 30000 元，已享受 28600 元" in out[1]["reasons"][0]


def test_earlier_claims_are_checked_like_any_field(tmp_path: Path) -> None:
    _result, out = run(tmp_path, {**FRIDGE, "earlier_claims": [{"category": "sofa", "date": "2025-01-02"}]},
                       {**FRIDGE, "earlier_claims": [{"category": "tv", "date": future()}]},
                       {**FRIDGE, "earlier_claims": [{"category": "tv", "date": "2025-01-02", "amount_fen": -1}]})
    assert [o["field"] for o in out] == ["earlier_claims"] * 3 and not any(o["ok"] for o in out)


def test_car_lines_take_the_old_and_new_vin(tmp_path: Path) -> None:
    same = vin()
    _result, out = run(tmp_path, {**CAR_LINE, "new_vin": vin(), "old_vin": vin()},
                       {**CAR_LINE, "new_vin": same, "old_vin": same})
    assert out[0]["ok"] and out[0]["eligible"] and out[0]["amount_fen"] == 15_000_00
    assert out[1]["ok"] is False and out[1]["field"] == "new_vin" and "不能相同" in out[1]["error"]


def test_known_on_gives_what_was_owed_as_known_that_day(tmp_path: Path) -> None:
    """商消费函〔2024〕392号, published 2024-08-16, raised the NEV scrapping subsidy from 10,000 to
    20,000 yuan for applications from 2024-04-24 (../shared/reference/tradein-facts.md)."""
    _result, out = run(tmp_path, {**CAR_2024, "known_on": "2024-08-15"}, {**CAR_2024, "known_on": "2024-08-16"},
                       CAR_2024, {**CAR_2024, "known_on": future()})
    assert [o.get("amount_fen") for o in out[:3]] == [10_000_00, 20_000_00, 20_000_00]
    assert out[3]["ok"] is False and out[3]["field"] == "known_on"
