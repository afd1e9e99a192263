"""Who is calling: bearer tokens turned into a ``Principal`` with a role or a partner.

Authenticators are tried in order (``app.state.authenticators``); each takes the
token and the runtime and returns a ``Principal`` or ``None``.  The settings token
(``ORDERGATE_API_TOKEN``) is an admin token for scripts and operations.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class Role(IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user (with a role) or a trading partner (with its id, no role)."""

    name: str
    role: Role | None = None
    partner_id: str | None = None

    def may(self, role: Role) -> bool:
        return self.role is not None and self.role >= role


Authenticator = Callable[[str, Any], "Principal | None"]


def settings_token(token: str, runtime: Any) -> Principal | None:
    expected = runtime.settings.api_token
    if expected is None:
        return None
    if hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
        return Principal(name="api-token", role=Role.ADMIN)
    return None
