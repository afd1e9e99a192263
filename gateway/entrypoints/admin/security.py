"""Passwords (argon2id), random secrets, and the bearer-token authenticator for user and partner tokens."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.entrypoints.api.auth import Principal, Role

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# verified against when the user does not exist, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("not-a-password-anyone-has")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """A URL-safe random secret (256 bits)."""
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def role_of(name: str) -> Role:
    return Role[name.upper()]


def user_token(token: str, runtime: Any) -> Principal | None:
    """A user's API token (their role) or a partner's (its id)."""
    with runtime.context.uow() as uow:
        owner = uow.users.token_owner(token)
    if owner is None:
        return None
    if owner.user is not None:
        return Principal(name=owner.user.username, role=role_of(owner.user.role))
    return Principal(name=f"partner:{owner.partner_id}", partner_id=owner.partner_id)
