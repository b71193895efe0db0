"""Units (departments, county governments, enterprises, banks ...), users and their sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huanxin.db import Base


class Region(Base):
    """GB/T 2260 division, loaded from the shipped reference data."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(6))


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("city_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The city whose programme the unit belongs to: the boundary no user ever crosses.
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(6))
    # Set by the office: the unit's own department users may then manage its staff accounts.
    manages_own_accounts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    aliases: Mapped[list[UnitAlias]] = relationship(back_populates="unit", cascade="all, delete-orphan")


class UnitAlias(Base):
    __tablename__ = "unit_alias"
    __table_args__ = (UniqueConstraint("city_code", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    city_code: Mapped[str] = mapped_column(String(6))
    alias: Mapped[str] = mapped_column(String(80))
    unit: Mapped[Unit] = relationship(back_populates="aliases")


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A temporary password (a new account, a reset): nothing but changing it works until it is.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_signin_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The phone encrypted (kit.pii): shown masked only.
    phone_encrypted: Mapped[str | None] = mapped_column(String(255))
    unit: Mapped[Unit | None] = relationship()


class UserSession(Base):
    """Server-side session: the cookie holds a random token, the table holds its hash."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class OperationLog(Base):
    """Who did what through the UI or API (logins, submissions, downloads)."""

    __tablename__ = "operation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")


class SigninFailure(Base):
    """A wrong password (or an unknown user name), kept for the throttling window only."""

    __tablename__ = "signin_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The name as typed (trimmed, cut to the longest user name): unknown names count as well.
    username: Mapped[str] = mapped_column(String(60), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class SigninLockout(Base):
    """An account (kind "account", key the user name) or an address (kind "address") that may not
    sign in until `until`, after too many wrong passwords."""

    __tablename__ = "signin_lockout"
    __table_args__ = (Index("ix_signin_lockout_kind_key_until", "kind", "key", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(64))
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer)
