"""Issue 11, item 10: /api/docs works offline. Swagger UI's script, style sheet and icon come from
the app itself (npm's swagger-ui-dist under /vendor/swagger-ui), never from a CDN, and the page's
Content-Security-Policy allows no other host."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_docs_page_loads_only_local_assets_and_they_are_served(client: TestClient) -> None:
    r = client.get("/api/docs")
    assert r.status_code == 200, r.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert assets and all(a.startswith("/") for a in assets), assets  # nothing from another host
    assert "http://" not in r.text and "https://" not in r.text
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and served.content, asset
    assert "/api/v1/openapi.json" in r.text and client.get("/api/v1/openapi.json").status_code == 200


def test_the_docs_policy_names_no_other_host(client: TestClient) -> None:
    policy = client.get("/api/docs").headers["Content-Security-Policy"]
    assert "http" not in policy and "frame-ancestors 'none'" in policy, policy
    assert client.get("/redoc").status_code == 404  # FastAPI's ReDoc page would load from a CDN
