"""The cockpit's breakdown by action, read from each plan's own structure; titles without their
numbers; a plan's closing words are not a task; the ledger's number column does not wrap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.plans.support import plan_of, scope_named

from huanxin.indicators import service as indicators_service
from huanxin.plans.loader import load_plan
from huanxin.plans.models import Task
from huanxin.plans.plan_document import PLANS_DIR, TaskDoc, load_plan_document

STATIC = Path(__file__).resolve().parents[2] / "src" / "huanxin" / "web" / "static"
MECHANISM = {"mechanism", "guarantee"}  # 工作机制 / 保障措施: what each plan calls its working arrangements
# (city slug, city code, plan key): the plan's four actions, as each plan heads them
PLANS = [
    ("ziyang", "512000", "ziyang-2024", {"equipment", "consumer", "recycling", "standards"}),
    ("panzhihua", "510400", "panzhihua-2024", {"equipment", "consumer", "recycling", "standards"}),
    # 邵阳: the body holds 工作要求/工作保障; the actions are the rows of 附件2 (责任清单)
    ("shaoyang", "430500", "shaoyang-2024", {"equipment", "consumer", "recycling", "supply_demand"}),
    # 阳泉 and 安丘: the actions are the （一）…（四） headings under 三、重点任务
    ("yangquan", "140300", "yangquan-2024", {"equipment", "consumer", "recycling", "standards"}),
    ("anqiu", "370784", "anqiu-2024", {"equipment", "consumer", "recycling", "standards"}),
]
LEADING_NUMBER = re.compile(r"^\s*(\d|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)")


@pytest.mark.parametrize(("slug", "city", "key", "actions"), PLANS)
def test_cockpit_breaks_the_ledger_down_by_the_plans_own_actions(
    db: Session, slug: str, city: str, key: str, actions: set[str]
) -> None:
    view = indicators_service.cockpit(db, scope_named(db, f"{slug}-office"), city)
    (status,) = [p for p in view.plans if p.plan_id == plan_of(db, key).id]
    shown = set(status.by_action)
    assert actions <= shown, shown
    assert shown & MECHANISM, shown
    total = sum(a.tasks for a in status.actions)
    other = sum(a.tasks for a in status.actions if a.action == "other")
    assert total > 0 and other / total <= 0.10, [(a.action, a.tasks) for a in status.actions]
    assert all(a.tasks > 0 for a in status.actions) and {a.action for a in status.actions} == shown


@pytest.mark.parametrize("key", [p[2] for p in PLANS])
def test_no_task_title_starts_with_its_number(db: Session, key: str) -> None:
    titles = db.scalars(select(Task.title).where(Task.plan_id == plan_of(db, key).id)).all()
    assert titles and not [t for t in titles if LEADING_NUMBER.match(t)]


def _renumbered(node: TaskDoc) -> TaskDoc:
    """The node as a careless source writes it: the number inside the title, none of its own."""
    children = [_renumbered(c) for c in node.children]
    if node.no and node.no != "附件":
        return node.model_copy(update={"no": None, "title": f"{node.no}{node.title}", "children": children})
    return node.model_copy(update={"children": children})


def test_a_number_written_into_a_title_is_kept_as_the_tasks_number(db: Session) -> None:
    doc = load_plan_document(PLANS_DIR / "ziyang-2024.yaml")
    careless = doc.model_copy(update={"key": "ziyang-2024-renumbered", "attachments": [],
                                      "tasks": [_renumbered(t) for t in doc.tasks]})
    plan = load_plan(db, careless)
    tasks = db.scalars(select(Task).where(Task.plan_id == plan.id)).all()
    sixteenth = next(t for t in tasks if t.no == "（十六）")
    assert sixteenth.title == "加强要素保障"
    assert not [t.title for t in tasks if LEADING_NUMBER.match(t.title)]


def test_ziyangs_closing_paragraph_is_not_a_task(db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    titles = db.scalars(select(Task.title).where(Task.plan_id == plan.id)).all()
    assert not [t for t in titles if "深刻认识" in t]
    assert "突出重点领域，实施设备更新行动" in titles  # the numbered actions are all there


def test_the_ledgers_number_column_does_not_wrap(client: TestClient, db: Session) -> None:
    login_browser(client, "ziyang-office")
    page = client.get(f"/plans/{plan_of(db, 'ziyang-2024').id}/ledger")
    assert '<td class="task-no">（十六）</td>' in page.text
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    assert re.search(r"td\.task-no\s*\{[^}]*white-space:\s*nowrap", css)
