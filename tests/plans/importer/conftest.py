"""Import records go to a temporary directory, never to the developer's var/imports."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def import_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "imports"
    monkeypatch.setenv("HUANXIN_IMPORT_DIR", str(path))
    return path
