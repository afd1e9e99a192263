"""Logging setup: plain text or one JSON object per line, with the ids of the work at hand.

``configure("json")`` makes every record a JSON line with ``ts``, ``level``,
``logger``, ``message`` and whatever ids are bound for the current step
(``bind(step=..., document_id=..., purchase_order_id=...)`` in a ``with``
block; a context variable, so each worker thread has its own) or given as
``extra=``.  ``configure("text")`` is the usual one-line format with the same
ids appended.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

FIELDS = (
    "step",
    "document_id",
    "purchase_order_id",
    "sales_order_id",
    "outbound_ids",
    "message_id",
    "attempt",
)
_bound: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("ordergate_log", default=None)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every record logged in this block (in this thread or task)."""
    token = _bound.set({**(_bound.get() or {}), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out = dict(_bound.get() or {})
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            out[key] = value
    return out


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = _fields(record)
        return text + ("".join(f" {k}={v}" for k, v in extra.items()) if extra else "")


def configure(
    fmt: Literal["text", "json"] = "text", level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Send the root logger's records to ``stream`` (stderr) in ``fmt``; replaces earlier handlers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
