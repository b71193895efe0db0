"""`huanxin plan parse --json` and `huanxin plan import`, the diff of a newer version, and the
all-or-nothing commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import SEEDS_DIR
from tests.plans.importer.documents import COUNTY_MEASURES
from typer.testing import CliRunner

from huanxin.errors import Conflict, InvalidInput
from huanxin.plans.import_cli import app
from huanxin.plans.importer import service
from huanxin.plans.models import Plan, Task

ANQIU = "370784"
ANQIU_SEED = SEEDS_DIR / "004_674a6e52ef9920f7.txt"


def test_parse_json_has_the_documented_fields(tmp_path: Path) -> None:
    path = tmp_path / "清河.txt"
    path.write_bytes(COUNTY_MEASURES.encode("gb18030"))
    result = CliRunner().invoke(app, ["parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "huanxin.plan-import/1"
    assert set(data) >= {"source", "plan", "units", "targets", "qualitative_targets", "tasks", "attachments",
                         "warnings"}
    assert set(data["targets"][0]) >= {"id", "include", "indicator", "proposed_indicator", "year", "kind", "value",
                                       "unit", "comparator", "aspirational", "baseline_year", "cumulative", "annual",
                                       "section", "text", "source"}
    assert set(data["tasks"][0]) >= {"id", "no", "title", "level", "action", "text", "responsibility", "mode", "lead",
                                     "co", "joint", "all_counties", "deadline", "source", "children"}
    assert data["plan"]["doc_number"] == "清政办发〔2024〕21号"


def test_parse_summary_and_bad_file(tmp_path: Path) -> None:
    good = CliRunner().invoke(app, ["parse", str(ANQIU_SEED)])
    assert good.exit_code == 0 and "安政发〔2024〕13号" in good.output and "目标" in good.output
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    bad = CliRunner().invoke(app, ["parse", str(empty)])
    assert bad.exit_code == 1 and "空文件" in bad.output


def _edited_anqiu() -> bytes:
    text = ANQIU_SEED.read_text(encoding="utf-8")
    text = text.replace("较2023年增长28%以上", "较2023年增长30%以上")  # altered target
    text = text.replace("到2025年,城市污水处理厂提标改造率达到60%。", "")  # removed target
    text = text.replace("五是推进医疗卫生设备升级", "五是推进医疗卫生装备升级")  # renamed task: removed + added
    text = text.replace("(牵头单位:市农业农村局;责任单位:市财政局)",
                        "(牵头单位:市农业农村局;责任单位:市财政局、市科技局)")
    return text.encode("utf-8")


def test_newer_version_shows_what_changed_before_commit(db: Session) -> None:
    plan, proposal, diff = service.import_file(db, ANQIU, "安丘-修订.txt", _edited_anqiu(), actor="test")
    assert plan.key == "anqiu-2024-v2"
    assert diff is not None and diff.against_key == "anqiu-2024"
    assert [c.label for c in diff.targets_altered] == ["equipment_investment 2027年（较2023年） 30%以上"]
    assert any("sewage_plant_upgrade_rate" in c.label for c in diff.targets_removed)
    assert [c.label for c in diff.tasks_added] == ["推进医疗卫生装备升级"]
    assert [c.label for c in diff.tasks_removed] == ["推进医疗卫生设备升级"]
    altered = {c.label: c for c in diff.tasks_altered}
    assert "推进农业机械升级迭代" in altered and "市科技局" in (altered["推进农业机械升级迭代"].after or "")
    old = db.scalar(select(Plan).where(Plan.key == "anqiu-2024"))
    assert old is not None  # the loaded version and its reports stay untouched


def test_commit_is_all_or_nothing(db: Session) -> None:
    tasks_before = db.scalar(select(func.count()).select_from(Task))
    with pytest.raises(Conflict):
        service.import_file(db, ANQIU, "安丘.txt", ANQIU_SEED.read_bytes(), key="anqiu-2024")  # key taken
    with pytest.raises(InvalidInput):
        service.import_file(db, ANQIU, "安丘.txt", ANQIU_SEED.read_bytes(), key="Not A Key!")
    assert db.scalar(select(func.count()).select_from(Task)) == tasks_before


def test_cli_import_commits_in_one_transaction(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import contextmanager

    import huanxin.db as db_module  # the domain CLIs take `transaction` from db

    @contextmanager
    def same_session():  # type: ignore[no-untyped-def]
        yield db
        db.flush()

    monkeypatch.setattr(db_module, "transaction", same_session)
    result = CliRunner().invoke(app, ["import", str(ANQIU_SEED), "--city", ANQIU, "--yes"])
    assert result.exit_code == 0, result.output
    assert "与已载入版本 anqiu-2024 相比" in result.output and "已导入方案 anqiu-2024-v2" in result.output
    assert db.scalar(select(Plan).where(Plan.key == "anqiu-2024-v2")) is not None
