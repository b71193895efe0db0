"""Settings, in one place: environment variables prefixed HUANXIN_ (or a .env file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path.cwd() / "var"
DEFAULT_SECRET_KEY = "dev-only-change-me"
MIN_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUANXIN_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR_DIR / 'huanxin.sqlite3'}"
    # production | demo | test. Unset: production on PostgreSQL, demo on SQLite (the embedded
    # database the demo runs on). Production refuses default keys and sets Secure cookies.
    env: Literal["production", "demo", "test"] | None = None
    # The application's own secret (HUANXIN_SECRET_KEY). It no longer keys personal data; until
    # the two PII keys below are set, it stands in for both (as it did for data written before).
    secret_key: str = DEFAULT_SECRET_KEY
    # Encrypts ID numbers, names, phones and bank cards at rest (HUANXIN_PII_KEY). New writes use
    # it; HUANXIN_PII_OLD_KEYS (comma-separated) still decrypt until `huanxin pii rotate` ran.
    pii_key: str | None = None
    pii_old_keys: str = ""
    # Keys the matching hashes (ID number, phone, card, used-goods identifiers). Changing it makes
    # every stored hash unfindable: it is not rotated by `huanxin pii rotate` (docs/deployment.md).
    pii_hash_key: str | None = None
    # The Secure flag of the session cookies. Unset: on in production (served over https), off
    # in the demo (http on 127.0.0.1, where a browser would drop a Secure cookie's use).
    cookie_secure: bool | None = None
    # Sign-in throttling: this many wrong passwords for one account (or from one address) within
    # the window lock it for the same number of minutes.
    signin_failures_per_account: int = 5
    signin_failures_per_address: int = 20
    signin_lockout_minutes: int = 15
    # Keys the audit chain's HMAC (huanxin.kit.audit), apart from every other key: whoever holds
    # it can rewrite history undetected, so production sets HUANXIN_AUDIT_KEY, keeps it off the
    # database server, and never changes it (records written under an old key no longer verify).
    audit_key: str = "dev-only-audit-key"
    # The real-name check before an ID number is bound to a resident's account (tradein.residents.realname):
    # `register` reads the local population register; a provider is named as module:factory.
    identity_verifier: str = "register"
    timezone: str = "Asia/Shanghai"
    session_hours: int = 12
    # A light turns yellow this many days before a due date (督查督办 practice: remind at 3 days).
    yellow_days_before_due: int = 3
    # ...or when reported progress lags the straight-line schedule by more than this many points.
    behind_schedule_points: int = 20
    max_upload_bytes: int = 10 * 1024 * 1024
    # Upload limits (huanxin.kit.uploads), checked before and while parsing. A ledger sheet has a
    # few hundred rows and 13 columns, a reference-price list a few thousand rows: 20,000 rows and
    # 64 columns leave room for every real sheet and bound a hostile one.
    max_upload_rows: int = 20_000
    max_upload_columns: int = 64
    # .xlsx/.docx are zip files: the sum of their members' inflated sizes (a full 20,000-row ledger
    # is about 34 MB of sheet XML; Excel's shared strings make it smaller), the number of members
    # (a real file has 10–200), and the ratio of a member over 1 MB (real sheet XML compresses
    # 5–30:1; a "zip bomb" about 1000:1).
    max_inflated_bytes: int = 50 * 1024 * 1024
    max_zip_members: int = 1000
    max_compression_ratio: int = 200
    # A whole multipart request (several attachments, the bank's 20 MB result file) is cut here at
    # the door, before it is spooled; each file is then held to its own limit.
    max_request_bytes: int = 32 * 1024 * 1024
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

    @property
    def mode(self) -> Literal["production", "demo", "test"]:
        if self.env is not None:
            return self.env
        return "demo" if self.database_url.startswith("sqlite") else "production"

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.mode == "production"

    @property
    def pii_encryption_keys(self) -> list[str]:
        """The current key first (it encrypts), then the old ones (they only decrypt)."""
        old = [key.strip() for key in self.pii_old_keys.split(",") if key.strip()]
        return [self.pii_key or self.secret_key, *old]

    @property
    def pii_matching_key(self) -> str:
        return self.pii_hash_key or self.secret_key


def key_problems(settings: Settings) -> list[str]:
    """What is wrong with the keys for a production server, one line per setting (empty: fine)."""
    given = {"HUANXIN_SECRET_KEY": settings.secret_key, "HUANXIN_PII_KEY": settings.pii_key,
             "HUANXIN_PII_HASH_KEY": settings.pii_hash_key, "HUANXIN_AUDIT_KEY": settings.audit_key}
    defaults = {DEFAULT_SECRET_KEY, Settings.model_fields["audit_key"].default}
    problems = []
    seen: dict[str, str] = {}
    for name, value in given.items():
        if not value:
            problems.append(f"{name}：未设置 / not set")
        elif value in defaults:
            problems.append(f"{name}：仍是默认值 / still the default value")
        elif len(value) < MIN_KEY_LENGTH:
            problems.append(f"{name}：少于 {MIN_KEY_LENGTH} 个字符 / shorter than {MIN_KEY_LENGTH} characters")
        elif value in seen:  # one leaked key must not open what the others protect
            problems.append(f"{name}：与 {seen[value]} 相同 / same as {seen[value]}")
        else:
            seen[value] = name
    return problems


def refusal_to_start(settings: Settings) -> str | None:
    """The message a production server refuses to start with, or None when it may start."""
    problems = key_problems(settings) if settings.mode == "production" else []
    if not problems:
        return None
    lines = "\n".join(f"  - {p}" for p in problems)
    return (
        "拒绝启动：生产环境（PostgreSQL）不能使用默认或缺失的密钥。请把下列设置设为各不相同的随机值"
        f"（至少 {MIN_KEY_LENGTH} 个字符），详见 docs/deployment.md：\n{lines}\n"
        "Refusing to start: a production server (PostgreSQL) needs its own keys. Set each setting above to a "
        f"different random value of at least {MIN_KEY_LENGTH} characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'` (see docs/deployment.md). "
        "A demo or test server sets HUANXIN_ENV=demo or HUANXIN_ENV=test."
    )


@cache
def get_settings() -> Settings:
    return Settings()
