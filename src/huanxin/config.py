"""Settings, in one place: environment variables prefixed HUANXIN_ (or a .env file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path.cwd() / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUANXIN_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR_DIR / 'huanxin.sqlite3'}"
    # Signs nothing secret by itself; it keys the PII hash and the session tokens' hash.
    secret_key: str = "dev-only-change-me"
    timezone: str = "Asia/Shanghai"
    session_hours: int = 12
    # A light turns yellow this many days before a due date (督查督办 practice: remind at 3 days).
    yellow_days_before_due: int = 3
    # ...or when reported progress lags the straight-line schedule by more than this many points.
    behind_schedule_points: int = 20
    max_upload_bytes: int = 10 * 1024 * 1024
    # Threads that run the sync endpoints, per server process (AnyIO's default is 40). The work is
    # Python on one GIL: more threads than a few per core only lengthen the wait of a thread that
    # holds a row lock for the GIL it needs to commit. The database pool is sized to match.
    worker_threads: int = 16
    # The GIL hand-over interval in seconds (Python's default 0.005): a thread back from the
    # database with a row lock held waits up to this long for the GIL. 0 keeps Python's default.
    gil_switch_interval: float = 0.0
    # The cyclic garbage collector's youngest-generation threshold in the web server (Python's
    # default is 700 allocations; see web.app). 0 keeps Python's defaults.
    gc_gen0_threshold: int = 50_000


@cache
def get_settings() -> Settings:
    return Settings()
