"""What the browser tests share besides fixtures: the server handle, a JSON-API client, a
directory of department users, screenshots, and how to find a task with its lead and co units."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PASSWORD = "e2e-pass-2024"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
SCREENSHOT_MAX_BYTES = 300 * 1024
LEAD_ROLES = ("lead", "joint")


def china_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return (f"browser tests need Debian's Chromium at {CHROMIUM} "
                "(`bash scripts/setup.sh --test` installs it with apt)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (pip install -e '.[test]')"
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Api:
    """A bearer-token client of /api/v1 as one user."""

    def __init__(self, base_url: str, username: str) -> None:
        self.username = username
        self.client = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
        response = self.client.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, f"API login of {username}: {response.text}"
        body = response.json()
        self.unit: str | None = body["unit"]
        self.city_code: str = body["city_code"]
        self.client.headers["Authorization"] = f"Bearer {body['token']}"

    def get(self, path: str, **kw: Any) -> Any:
        response = self.client.get(path, **kw)
        assert response.status_code == 200, (
            f"GET {path} as {self.username}: {response.status_code} {response.text}")
        return response.json()

    def post(self, path: str, body: dict[str, Any], expect: int = 201) -> Any:
        response = self.client.post(path, json=body)
        assert response.status_code == expect, (
            f"POST {path} as {self.username}: {response.status_code} {response.text}")
        return response.json()

    def plan_id(self, city_code: str | None = None) -> int:
        plans = self.get(f"/cities/{city_code or self.city_code}/plans")
        assert plans, f"no plan for city {city_code or self.city_code}"
        return int(plans[0]["id"])


@dataclass
class Directory:
    """Who is who: the department users of a city and their units (found by logging in)."""

    base_url: str
    _apis: dict[str, Api] = field(default_factory=dict)
    _departments: dict[str, list[str]] = field(default_factory=dict)

    def api(self, username: str) -> Api:
        if username not in self._apis:
            self._apis[username] = Api(self.base_url, username)
        return self._apis[username]

    def departments(self, slug: str) -> list[str]:
        """Usernames `<slug>-deptNN`, in order, as far as they exist."""
        if slug not in self._departments:
            names = []
            for n in range(1, 100):
                username = f"{slug}-dept{n:02d}"
                try:
                    self.api(username)
                except AssertionError:
                    break
                names.append(username)
            assert names, f"no department users for {slug}"
            self._departments[slug] = names
        return self._departments[slug]

    def department_of_unit(self, slug: str, unit_name: str) -> str | None:
        return next((u for u in self.departments(slug) if self.api(u).unit == unit_name), None)


@dataclass(frozen=True)
class Assignment:
    plan_id: int
    task_id: int
    title: str
    lead: str  # username of the lead unit's department user
    co: str | None  # username of a co-unit's department user (not the office's own unit), if any


def leaves(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parents = {r["parent_id"] for r in rows}
    return [r for r in rows if r["task_id"] not in parents]


def pick_assignment(directory: Directory, slug: str, office: Api, plan_id: int, skip: int = 0) -> Assignment:
    """An open leaf task with exactly one lead unit that has a user, preferring one with a co-unit user.
    `skip` passes over that many suitable tasks, so tests of one city can take different tasks."""
    rows = office.get(f"/plans/{plan_id}/ledger")["rows"]
    candidates = [r for r in leaves(rows) if r["status"] in ("not_started", "in_progress")
                  and sum(u["role"] in LEAD_ROLES for u in r["units"]) == 1]
    found: list[Assignment] = []
    for row in candidates:
        lead_name = next(u["name"] for u in row["units"] if u["role"] in LEAD_ROLES)
        lead = directory.department_of_unit(slug, lead_name)
        if lead is None:
            continue
        co = None
        for unit in (u for u in row["units"] if u["role"] == "co" and u["name"] != office.unit):
            co = directory.department_of_unit(slug, unit["name"])
            if co is not None:
                break
        found.append(Assignment(plan_id, row["task_id"], row["title"], lead, co))
    found.sort(key=lambda a: a.co is None)  # stable: tasks with a co-unit user first
    assert len(found) > skip, f"no task of plan {plan_id} has a lead department with a user"
    return found[skip]


def other_department(directory: Directory, slug: str, *not_these: str) -> str:
    return next(u for u in directory.departments(slug) if u not in not_these)


def open_round_api(
    office: Api, plan_id: int, title: str, due_in_days: int, task_ids: list[int],
) -> dict[str, Any]:
    due = china_today() + dt.timedelta(days=due_in_days)
    body = {"title": title, "period": due.strftime("%Y-%m"), "due_on": due.isoformat(), "task_ids": task_ids}
    rnd: dict[str, Any] = office.post(f"/plans/{plan_id}/rounds", body)
    return rnd


def owed_item(api: Api, round_id: int, task_id: int) -> dict[str, Any]:
    owed = api.get("/my/items")
    item = next((o for o in owed if o["round_id"] == round_id and o["task_id"] == task_id), None)
    assert item is not None, f"{api.username} owes nothing for task {task_id} in round {round_id}: {owed}"
    return dict(item)


def screenshot(page: Page, name: str) -> None:
    """Writes docs/screenshots/<name>.png when HUANXIN_SCREENSHOTS=1 (the README links them)."""
    if os.environ.get("HUANXIN_SCREENSHOTS") != "1":
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    size = path.stat().st_size
    assert size <= SCREENSHOT_MAX_BYTES, f"{path} is {size} bytes (at most 300 KB for the docs)"


@dataclass(frozen=True)
class Applicant:
    """A resident of a browser test, as the population register knows them."""

    username: str
    name: str
    id_number: str
    bank_card: str
    phone: str


def server_db_url(server: Server) -> str:
    """The database the browser tests' server runs on (as tests/e2e/conftest.py made it)."""
    return os.environ.get("HUANXIN_E2E_DATABASE_URL") or f"sqlite:///{server.log_path.parent / 'e2e.sqlite3'}"


def open_appliance_programme(session: Session, city_code: str, applicant: Applicant) -> None:
    """What an operator does before a browser test's resident can apply: the city's appliance
    programme open until a year from today and funded, the resident's account, and the resident on
    the population register that the real-name check reads (hashed with the server's keys, which
    the server shares with this process)."""
    from huanxin.kit.passwords import hash_password
    from huanxin.orgs import service as orgs_service
    from huanxin.orgs.models import User
    from huanxin.orgs.roles import Role
    from huanxin.tradein.programmes import setup as programmes_service
    from huanxin.tradein.residents import realname

    programmes_service.setup_city_programmes(
        session, city_code, {"appliance-2025": 1_000_000_00},
        settings={"appliance-2025": {"starts_on": dt.date(2025, 1, 1),
                                     "ends_on": china_today() + dt.timedelta(days=365)}})
    if session.scalar(select(User.id).where(User.username == applicant.username)) is None:
        orgs_service.create_user(session, username=applicant.username, password=PASSWORD,
                                 display_name=applicant.name, role=Role.RESIDENT, city_code=city_code, unit_id=None,
                                 password_hash=hash_password(PASSWORD))
    realname.enrol(session, id_number=applicant.id_number, name=applicant.name, bank_card=applicant.bank_card,
                   phone=applicant.phone)
