"""The project page links each new-equipment line whose class the catalogue ranks to its matched
suppliers (「匹配供应商」); a retired line or a line of a class outside the taxonomy gets none."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.projects.support import declared, equipment_lines, setup_library

from huanxin.projects.models import ProjectEquipment


def test_the_project_page_links_matchable_new_lines_to_their_suppliers(db: Session, client: TestClient) -> None:
    lib = setup_library(db)
    line = {"side": "new", "category": "production_line", "name": "总装生产线", "model": "ZX-1", "quantity": 1,
            "unit_price_fen": 300_000_00}
    project = declared(db, lib, equipment=[*equipment_lines(), line])
    rows = {(e.side, e.category): e for e in db.query(ProjectEquipment).filter_by(project_id=project.id)}
    login_browser(client, lib.enterprise_user)
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    for key in (("new", "motor"), ("new", "machine_tool")):
        link = f'<a href="/matching/demands/{rows[key].id}" data-testid="match-{rows[key].id}">匹配供应商</a>'
        assert link in page.text, key
    assert page.text.count("匹配供应商") == 2  # not the retired motor, not the production line
    assert f"/matching/demands/{rows[('retired', 'motor')].id}" not in page.text
    assert f"/matching/demands/{rows[('new', 'production_line')].id}" not in page.text
    # the link leads to the ranked list of that line
    assert "匹配的供应商" in client.get(f"/matching/demands/{rows[('new', 'motor')].id}").text
