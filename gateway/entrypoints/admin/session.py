"""Signed-in sessions: the cookie, the middleware that finds its user, CSRF checks, page guards.

The session cookie holds a random value; the database keeps only its SHA-256,
the user and the session's CSRF token.  Every form carries that token in the
``csrf_token`` field and every POST checks it.  The sign-in form, before any
session, uses a double-submit token (a cookie and the same value in the form).
The middleware puts the signed-in ``Principal`` on ``request.state.principal``
(read by ``gateway.entrypoints.api.deps``) for pages and for the JSON API's safe
methods; the API's writes take bearer tokens only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from gateway.entrypoints.admin.security import new_secret, role_of, same
from gateway.entrypoints.api.auth import Principal, Role

SESSION_COOKIE = "og_session"
LOGIN_CSRF_COOKIE = "og_login_csrf"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# the pages load nothing from elsewhere, run no inline script and are never framed
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """A page asked for without a session: answered with a redirect to the sign-in page."""


class Forbidden(Exception):
    """A signed-in user without the role for this (or a form without its CSRF token): 403."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _lookup(runtime: Any, token: str) -> tuple[Principal, str] | None:
    with runtime.context.uow() as uow:
        found = uow.users.session(token)
    if found is None:
        return None
    return Principal(name=found.user.username, role=role_of(found.user.role)), found.csrf_token


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def session_principal(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        request.state.csrf = None
        token = request.cookies.get(SESSION_COOKIE)
        path = request.url.path
        api_write = path.startswith("/api") and request.method not in SAFE_METHODS
        wanted = (path.startswith("/admin") and not path.startswith("/admin/static")) or path.startswith(
            "/api"
        )
        if token and not api_write and wanted:
            found = await run_in_threadpool(_lookup, request.app.state.runtime, token)
            if found is not None:
                request.state.principal, request.state.csrf = found
        response = await call_next(request)
        if path.startswith("/admin"):
            response.headers.update(SECURITY_HEADERS)
        return response


def open_session(runtime: Any, response: Response, user_id: int) -> None:
    settings = runtime.settings
    token, csrf = new_secret(), new_secret()
    expires = datetime.now(UTC) + timedelta(hours=settings.session_hours)
    with runtime.context.uow() as uow:
        uow.users.purge_sessions()
        uow.users.open_session(user_id, token, csrf, expires)
        uow.commit()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookies_secure,
        samesite="lax",
        path="/",
    )


def close_session(runtime: Any, request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with runtime.context.uow() as uow:
            uow.users.close_session(token)
            uow.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


def page_user(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal) or principal.role is None:
        raise LoginRequired()
    return principal


def _needs(role: Role) -> Callable[..., Principal]:
    def check(request: Request, user: Annotated[Principal, Depends(page_user)]) -> Principal:
        if not user.may(role):
            raise Forbidden(f"This needs the {role.name.lower()} role; you are {user.role.name.lower()}.")
        return user

    return check


async def csrf_checked(request: Request) -> None:
    """Refuses a form whose ``csrf_token`` is not the session's."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not same(request.state.csrf, sent if isinstance(sent, str) else None):
        raise Forbidden("The form's security token is missing or out of date; reload the page and try again.")


PageViewer = Annotated[Principal, Depends(_needs(Role.VIEWER))]
PageOperator = Annotated[Principal, Depends(_needs(Role.OPERATOR))]
CsrfChecked = Depends(csrf_checked)
