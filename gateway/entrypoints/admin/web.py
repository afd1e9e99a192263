"""What every admin page shares: templates, rendering with the user and CSRF token, running queued steps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gateway.entrypoints.api.routers.review import run_queued

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _age(value: Any, now: datetime | None = None) -> str:
    seconds = ((now or datetime.now(UTC)) - value).total_seconds()
    if seconds < 3600:
        return f"{max(int(seconds // 60), 0)} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


templates.env.filters["age"] = _age
templates.env.filters["num"] = _num
templates.env.filters["when"] = _when


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    context.setdefault("message", request.query_params.get("msg"))
    context.setdefault("error", request.query_params.get("error"))
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": principal,
            "can_act": bool(principal and principal.role and principal.role >= 2),
            "csrf": getattr(request.state, "csrf", None),
            **context,
        },
        status_code=status_code,
    )


def back(path: str, **query: str) -> RedirectResponse:
    """A 303 to ``path`` after a form, with a message or an error in the query."""
    target = f"{path}?{urlencode(query)}" if query else path
    return RedirectResponse(target, status_code=303)


def drain(request: Request) -> None:
    """Run the steps an action queued (deliveries) when the runtime runs them in this process."""
    run_queued(request)


def now(request: Request) -> datetime:
    return request.app.state.runtime.context.clock()
