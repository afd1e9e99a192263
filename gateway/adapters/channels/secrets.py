"""Secret references (``env:NAME``, ``file:/path``) resolved when a channel connects, never earlier."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.errors import ConfigurationError


def resolve(reference: str | None, *, what: str = "secret") -> str | None:
    """The secret ``reference`` points at (``None`` for ``None``); trailing newlines of a file are
    dropped.  A missing variable or file is a ``ConfigurationError`` naming the reference only."""
    if reference is None:
        return None
    kind, _, target = reference.strip().partition(":")
    if kind == "env":
        value = os.environ.get(target)
        if value is None:
            raise ConfigurationError(
                f"the {what} refers to the environment variable {target}, which is not set"
            )
        return value
    if kind == "file":
        try:
            return Path(target).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigurationError(
                f"the {what} refers to {target}, which cannot be read: {exc.strerror}"
            ) from None
    raise ConfigurationError(f"the {what} must be a reference (env:NAME or file:/path)")
