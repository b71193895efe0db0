"""The library's text search through the pieces of the names (projects.search): it finds exactly
what LIKE finds, a rename moves the project's pieces, codes and one-character texts still match,
and the demo's bulk-written projects are searchable too."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.projects.support import Library, declared, project_input, setup_library

from huanxin.projects import repository, search, service
from huanxin.projects.models import Project, ProjectNameGram
from huanxin.projects.repository import ProjectFilters


@pytest.fixture()
def lib(db: Session) -> Library:
    return setup_library(db)


def _found(db: Session, lib: Library, q: str) -> set[str]:
    scope = lib.scope(db, lib.enterprise_user)
    page = repository.list_page(db, scope, ProjectFilters(q=q, per_page=100))
    return {p.name for p in page.items}


def test_a_chinese_text_finds_the_names_holding_it_and_nothing_else(db: Session, lib: Library) -> None:
    for name in ("恒达电机智能化改造", "达恒电机更新", "恒星达标改造", "华东恒达5G基站更新"):
        declared(db, lib, name=name)
    assert _found(db, lib, "恒达") == {"恒达电机智能化改造", "华东恒达5G基站更新"}  # not 达恒, not 恒…达
    assert _found(db, lib, "恒达电机") == {"恒达电机智能化改造"}
    assert _found(db, lib, "5g基站") == {"华东恒达5G基站更新"}  # a letter's case is ignored
    assert _found(db, lib, "恒") == {"恒达电机智能化改造", "达恒电机更新", "恒星达标改造", "华东恒达5G基站更新"}
    assert _found(db, lib, "达电机智") == {"恒达电机智能化改造"}
    assert _found(db, lib, "电机改造") == set()  # every piece present, but not in a row: LIKE decides


def test_a_code_or_an_ascii_text_is_still_found_and_wildcards_are_plain(db: Session, lib: Library) -> None:
    project = declared(db, lib, name="数控机床更新100%达标_一期")
    assert _found(db, lib, project.code[-9:]) == {project.name}
    assert _found(db, lib, "100%达标_") == {project.name}
    assert _found(db, lib, "%达") == {project.name}
    assert _found(db, lib, "0%x") == set()


def test_a_rename_moves_the_pieces_in_the_same_transaction(db: Session, lib: Library) -> None:
    project = declared(db, lib, name="锅炉节能改造")
    scope = lib.scope(db, lib.enterprise_user)
    service.update_project(db, scope, project.id, project_input(lib.region_code, name="空压机更新"))
    db.flush()
    assert _found(db, lib, "锅炉") == set() and _found(db, lib, "空压") == {"空压机更新"}
    pieces = set(db.scalars(select(ProjectNameGram.gram).where(ProjectNameGram.project_id == project.id)))
    assert pieces == search.grams("空压机更新")


def test_projects_written_in_bulk_are_indexed_by_index_rows(db: Session, lib: Library) -> None:
    project = declared(db, lib, name="批量写入的窑炉项目")
    db.execute(ProjectNameGram.__table__.delete().where(ProjectNameGram.project_id == project.id))
    assert _found(db, lib, "窑炉") == set()  # the search reads the pieces only: none, nothing found
    search.index_rows(db, [(project.id, project.name)])
    assert _found(db, lib, "窑炉") == {"批量写入的窑炉项目"}
    assert db.get(Project, project.id) is not None
