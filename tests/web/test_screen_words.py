"""What the screen says (issue 11, items 5 and 6): residents and cadres read Chinese words, not
codes or Python values; figures are written as a cadre writes them; target sentences read as the
plans wrote them; quotes are cut at a clause end. Codes belong in the API and in elements marked
staff-only, shown to government roles only."""

from __future__ import annotations

import html as html_lib
import re
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.plans.support import plan_of
from tests.tradein.claims_support import City, bank_card, enrol, id_number, setup_city, user
from tests.tradein.test_pages import Browser, claim_qualification, redeem

from huanxin.kit import audit
from huanxin.kit.text import clause_cut
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.plans import ledger as ledger_mod
from huanxin.plans.briefing import EXCERPT_CHARS, _highlights
from huanxin.plans.demo_narratives import _short_title
from huanxin.plans.models import Report
from huanxin.web.labels import quantity, target_sentence

CODE = re.compile(r"[a-z_]{4,}")
STAFF_ONLY = (
    re.compile(r'(?s)<details\b[^>]*class="[^"]*\bstaff-only\b[^"]*"[^>]*>.*?</details>'),
    re.compile(r"(?s)<(\w+)\b[^>]*\bdata-staff-only\b[^>]*>.*?</\1>"),
)


def visible_text(page: str) -> str:
    """What a reader sees: without staff-only elements, scripts, styles, tags and attribute values."""
    for pattern in STAFF_ONLY:
        page = pattern.sub(" ", page)
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return html_lib.unescape(page)


def codes_in(page: str) -> list[str]:
    return sorted(set(CODE.findall(visible_text(page))))


def _named_resident(app: FastAPI, db: Session, city: City) -> tuple[Browser, str]:
    """A resident whose account carries their name, as the demo's do, registered through the page."""
    username = user(db, f"res-words-{city.tag}-{id_number()[-6:]}", Role.RESIDENT, city.code)
    db.execute(update(User).where(User.username == username).values(display_name="李小梅"))
    browser = Browser(app, username)
    number = id_number()
    enrol(db, number, "李小梅")
    browser.post("/tradein/me/identity", {"name": "李小梅", "id_number": number, "phone": "13800138000",
                                          "address": "东区人民路1号"})
    browser.post("/tradein/me/bank-card", {"card_number": bank_card(), "holder_name": "李小梅"})
    return browser, number


def _paid_claim(app: FastAPI, db: Session) -> tuple[Browser, Browser, int]:
    city = setup_city(db)
    me, number = _named_resident(app, db, city)
    claim_id = redeem(Browser(app, city.retailer_user), claim_qualification(me, city), number)
    return me, Browser(app, city.reviewer_user), claim_id


# ---- item 5: codes and Python values --------------------------------------------------------

def test_a_residents_decision_page_shows_no_code(app: FastAPI, db: Session) -> None:
    me, _, claim_id = _paid_claim(app, db)
    page = me.get(f"/tradein/me/claims/{claim_id}")
    assert "判定依据" in page and "单件补贴上限" in page
    assert codes_in(page) == []
    text = visible_text(page)
    assert "待核" not in text  # maintainers' notes on the rules files are not the resident's business
    assert "2,000 元" in text and "200000" not in text  # the cap in yuan, not in fen


def test_a_reviewer_still_finds_the_parameters_in_a_staff_only_detail(app: FastAPI, db: Session) -> None:
    _, reviewer, claim_id = _paid_claim(app, db)
    page = reviewer.get(f"/tradein/review/claims/{claim_id}")
    staff = re.search(r"<td[^>]*data-staff-only[^>]*>.*?appliance\.cap_per_item", page, re.S)
    assert staff, "the parameter path is shown to staff, inside a data-staff-only element"


def test_the_public_budget_page_shows_no_programme_code(client: TestClient, db: Session) -> None:
    setup_city(db)
    page = client.get("/budget/512000")
    assert page.status_code == 200 and "补贴资金余额" in page.text
    assert codes_in(page.text) == []


def test_the_plan_page_names_its_indicators(client: TestClient, db: Session) -> None:
    login_browser(client, "ziyang-office")
    page = client.get(f"/plans/{plan_of(db, 'ziyang-2024').id}").text
    text = visible_text(page)
    assert "设备投资" in text
    assert "equipment_investment" not in text and "pipeline_renewal_km" not in text


def test_the_audit_log_names_operators_and_actions_in_chinese(client: TestClient, db: Session) -> None:
    audit.record(db, actor="ziyang-office", action="compute_observation", entity="observation", entity_id=1,
                 city_code="512000", detail={"key": ["equipment_investment", "512000", 2026, 3], "value": 6572.0,
                                             "before": None})
    db.flush()
    login_browser(client, "ziyang-office")
    page = client.get("/cities/512000/logs").text
    row = re.search(r'data-testid="audit">.*?</tr>\s*<tr>(.*?)</tr>', page, re.S)
    assert row
    shown = visible_text(row.group(1))
    assert "计算指标数据" in shown and "数值 6,572" in shown and "专班办公室（" in shown
    assert "compute_observation" not in shown and "'before'" not in shown and "None" not in shown
    assert "ziyang-office" not in shown


# ---- item 6: figures, sentences, quotes, roll-ups -------------------------------------------

@pytest.mark.parametrize(("value", "unit", "shown"), [
    (3.0, "个", "3个"), (12.0, "公里", "12公里"), (500.0, "公里", "500公里"), (8752.4, "辆", "8,752辆"),
    (12.35, "公里", "12.35公里"), (0.8, ":1", "0.8:1"), (None, "个", "—"),
])
def test_figures_are_written_as_a_cadre_writes_them(value: float | None, unit: str, shown: str) -> None:
    assert quantity(value, unit) == shown


def _target(**fields: object) -> SimpleNamespace:
    base: dict[str, object] = {"year": 2027, "kind": "level", "value": 90.0, "unit": "%", "comparator": None,
                               "baseline_year": None, "aspirational": False}
    return SimpleNamespace(**{**base, **fields})


@pytest.mark.parametrize(("fields", "sentence"), [
    ({"comparator": "以上"}, "到2027年达到90%以上"),
    ({"comparator": "超过"}, "到2027年超过90%"),
    ({"kind": "multiple", "value": 1.0, "unit": "倍"}, "到2027年较基期翻一番"),
    ({"kind": "multiple", "value": 1.0, "unit": "倍", "baseline_year": 2023}, "到2027年较2023年翻一番"),
    ({"kind": "growth", "value": 25.0, "comparator": "以上", "baseline_year": 2023}, "到2027年较2023年增长25%以上"),
    ({"kind": "pp_increase", "value": 15.0, "unit": "个百分点", "comparator": "以上", "baseline_year": 2023},
     "到2027年较2023年提高15个百分点以上"),
    ({"value": 370.0, "unit": "公里", "comparator": "以上", "aspirational": True}, "力争到2027年达到370公里以上"),
])
def test_target_sentences_read_as_the_plans_wrote_them(fields: dict[str, object], sentence: str) -> None:
    assert target_sentence(_target(**fields)) == sentence


def test_the_plan_page_writes_its_targets_as_sentences(client: TestClient, db: Session) -> None:
    login_browser(client, "ziyang-office")
    text = visible_text(client.get(f"/plans/{plan_of(db, 'ziyang-2024').id}").text)
    assert "到2027年较2023年翻一番" in text
    assert "增加倍数" not in text and ".0公里" not in text and ".0个" not in text


LISTY = ("围绕“建立分年度供水、供气、供热、污水处理、老旧电梯、燃气管网更新改造项目清单并逐年推进实施”，"
         "已推动12个项目开工建设。下一步将加强要素保障，确保按期完成。")


def test_a_quote_is_cut_at_a_clause_end_never_inside_a_list() -> None:
    cut = clause_cut(LISTY, 30)
    assert cut.endswith("……") and not cut.rstrip("…").endswith("、")
    assert cut.count("“") == cut.count("”")
    assert _short_title("建立分年度供水、供气、供热、污水处理、老旧电梯、燃气管网更新改造项目清单") .endswith("清单")


def test_the_briefing_quotes_a_report_up_to_a_sentence_end(db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = next(t for t in plan_tasks(db, plan.id) if t.is_leaf)
    long_text = LISTY * 3
    report = Report(task_id=task.id, unit_id=None, progress_pct=60, narrative=long_text, status="submitted")
    [highlight] = _highlights(db, plan, [report])
    assert len(highlight.excerpt) <= EXCERPT_CHARS + 2 and highlight.excerpt.endswith("。……")


def plan_tasks(db: Session, plan_id: int) -> list:  # type: ignore[type-arg]
    from huanxin.plans import repository as repo
    return list(repo.tasks_of_plan(db, plan_id))


def test_a_parents_status_rolls_up_from_its_children() -> None:
    assert ledger_mod.status_of(["completed", "in_progress", "not_started"]) == "in_progress"
    assert ledger_mod.status_of(["completed", "not_started"]) == "in_progress"
    assert ledger_mod.status_of(["closed", "completed"]) == "completed"
    assert ledger_mod.status_of(["closed", "closed"]) == "closed"
    assert ledger_mod.status_of(["not_started", "not_started"]) == "not_started"


def test_a_demo_narrative_never_counts_a_part_larger_than_its_whole() -> None:
    import random

    from huanxin.plans.demo_narratives import _narrative
    rng = random.Random(7)
    for _ in range(400):
        text, _figures = _narrative("突出抓好技术改造", "equipment", 50, rng)
        found = re.search(r"项目(\d+)个，其中(\d+)个", text)
        if found:
            assert int(found.group(2)) <= int(found.group(1)), text


def test_demo_payout_batches_are_numbered_in_date_order() -> None:
    import datetime as dt

    from huanxin.tradein.demo.specs import BATCH_NOTE, Rows
    from huanxin.tradein.demo.writing import _number_batches_by_date
    rows = Rows()
    for bid, day in ((1, 20), (2, 5), (3, 12)):
        at = dt.datetime(2025, 5, day, 10)
        rows.batches[("512000", at.date(), True)] = {"id": bid, "city_code": "512000", "created_at": at}
        rows.lines.append({"batch_id": bid, "claim_id": bid})
        rows.events.append({"claim_id": bid, "note": f"{BATCH_NOTE}{bid}"})
    _number_batches_by_date(rows)
    by_date = sorted(rows.batches.values(), key=lambda b: b["created_at"])
    assert [b["id"] for b in by_date] == [1, 2, 3]
    line_of = {line["claim_id"]: line["batch_id"] for line in rows.lines}
    note_of = {e["claim_id"]: e["note"] for e in rows.events}
    assert line_of == {2: 1, 3: 2, 1: 3} and note_of[1] == f"{BATCH_NOTE}3"
