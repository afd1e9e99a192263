"""People who sign in: users (hashed passwords and a role), their sessions and API tokens.

Secrets are never stored: a session cookie and an API token are kept as the
SHA-256 of their value, a password as its argon2 hash (made by the caller).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from gateway.adapters.db._sql import now
from gateway.adapters.db.tables import USER_ROLES, api_tokens, user_sessions, users
from gateway.errors import InputError, NotFound, StorageConflict


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class StoredUser:
    id: int
    username: str
    password_hash: str
    role: str
    active: bool
    created_at: datetime


@dataclass(slots=True)
class StoredSession:
    user: StoredUser
    csrf_token: str
    expires_at: datetime


@dataclass(slots=True)
class TokenOwner:
    label: str
    user: StoredUser | None
    partner_id: str | None


class UserRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # users ---------------------------------------------------------------
    def add(self, username: str, password_hash: str, role: str) -> int:
        if role not in USER_ROLES:
            raise InputError(f"role must be one of {', '.join(USER_ROLES)}", code="user.role")
        if self.get_by_name(username) is not None:
            raise StorageConflict(f"user {username} exists already", code="user.exists")
        stmt = (
            users.insert()
            .values(username=username, password_hash=password_hash, role=role, active=True, created_at=now())
            .returning(users.c.id)
        )
        return int(self._c.execute(stmt).scalar_one())

    def set_password(self, username: str, password_hash: str) -> None:
        result = self._c.execute(
            update(users).where(users.c.username == username).values(password_hash=password_hash)
        )
        if result.rowcount == 0:
            raise NotFound(f"no user {username}")

    def set_role(self, username: str, role: str) -> None:
        if role not in USER_ROLES:
            raise InputError(f"role must be one of {', '.join(USER_ROLES)}", code="user.role")
        result = self._c.execute(update(users).where(users.c.username == username).values(role=role))
        if result.rowcount == 0:
            raise NotFound(f"no user {username}")

    def set_active(self, username: str, active: bool) -> None:
        result = self._c.execute(update(users).where(users.c.username == username).values(active=active))
        if result.rowcount == 0:
            raise NotFound(f"no user {username}")
        if not active:
            ids = select(users.c.id).where(users.c.username == username)
            self._c.execute(delete(user_sessions).where(user_sessions.c.user_id.in_(ids)))

    def get_by_name(self, username: str) -> StoredUser | None:
        row = self._c.execute(select(users).where(users.c.username == username)).first()
        return StoredUser(*row) if row is not None else None

    def get(self, user_id: int) -> StoredUser | None:
        row = self._c.execute(select(users).where(users.c.id == user_id)).first()
        return StoredUser(*row) if row is not None else None

    def list(self) -> list[StoredUser]:
        return [StoredUser(*r) for r in self._c.execute(select(users).order_by(users.c.username))]

    def count(self) -> int:
        return len(self._c.execute(select(users.c.id)).all())

    # sessions ------------------------------------------------------------
    def open_session(self, user_id: int, token: str, csrf_token: str, expires_at: datetime) -> None:
        self._c.execute(
            user_sessions.insert().values(
                token_hash=digest(token),
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=now(),
                expires_at=expires_at,
            )
        )

    def session(self, token: str, at: datetime | None = None) -> StoredSession | None:
        """The live session of an active user with this cookie value."""
        stmt = (
            select(user_sessions.c.csrf_token, user_sessions.c.expires_at, *users.c)
            .join(users, users.c.id == user_sessions.c.user_id)
            .where(user_sessions.c.token_hash == digest(token))
        )
        row = self._c.execute(stmt).first()
        if row is None or not row.active or row.expires_at <= (at or now()):
            return None
        user = StoredUser(row.id, row.username, row.password_hash, row.role, row.active, row.created_at)
        return StoredSession(user, row.csrf_token, row.expires_at)

    def close_session(self, token: str) -> None:
        self._c.execute(delete(user_sessions).where(user_sessions.c.token_hash == digest(token)))

    def purge_sessions(self, at: datetime | None = None) -> int:
        result = self._c.execute(delete(user_sessions).where(user_sessions.c.expires_at <= (at or now())))
        return int(result.rowcount or 0)

    # API tokens ----------------------------------------------------------
    def add_token(
        self, token: str, label: str, *, user_id: int | None = None, partner_id: str | None = None
    ) -> int:
        stmt = (
            api_tokens.insert()
            .values(
                token_hash=digest(token),
                user_id=user_id,
                partner_id=partner_id,
                label=label,
                created_at=now(),
            )
            .returning(api_tokens.c.id)
        )
        return int(self._c.execute(stmt).scalar_one())

    def token_owner(self, token: str) -> TokenOwner | None:
        row = self._c.execute(select(api_tokens).where(api_tokens.c.token_hash == digest(token))).first()
        if row is None:
            return None
        if row.user_id is None:
            return TokenOwner(row.label, None, row.partner_id)
        user = self.get(row.user_id)
        if user is None or not user.active:
            return None
        return TokenOwner(row.label, user, None)
