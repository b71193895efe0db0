"""The data scope of the signed-in user: which city, which unit, which region."""

from __future__ import annotations

from dataclasses import dataclass

from huanxin.errors import Forbidden, NotFound
from huanxin.orgs.roles import CITY_WIDE_READERS, LEDGER_ROLES, REPORTING_ROLES, Role


@dataclass(frozen=True)
class Scope:
    user_id: int
    username: str
    display_name: str
    role: Role
    city_code: str
    unit_id: int | None
    unit_name: str | None
    region_code: str | None
    unit_kind: str | None = None  # orgs.models.Unit.kind: what the badge calls a reporting unit
    csrf_token: str = ""
    # Signed in with a temporary password: only changing it (and signing out) is allowed.
    must_change_password: bool = False

    @property
    def city_wide(self) -> bool:
        return self.role in CITY_WIDE_READERS

    @property
    def is_office(self) -> bool:
        return self.role == Role.OFFICE

    @property
    def reports(self) -> bool:
        return self.role in REPORTING_ROLES and self.unit_id is not None

    def require_ledger(self) -> None:
        if self.role not in LEDGER_ROLES:
            raise Forbidden("您的角色无权查看工作台账")

    def require_office(self) -> None:
        if not self.is_office:
            raise Forbidden("只有专班办公室可以执行此操作")

    def require_city(self, city_code: str) -> None:
        # Another city's object answers 404, not 403: its existence is not ours to reveal.
        if city_code != self.city_code:
            raise NotFound("未找到该记录")
