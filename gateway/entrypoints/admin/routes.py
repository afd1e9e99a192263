"""The admin UI's entry: sign-in and sign-out, and ``setup(app)`` (static files, sessions, tokens).

The pages themselves are in ``pages`` (queue, detail and actions), ``documents``
(page images of PDF orders) and ``views`` (ledger, dashboard, partners, stock);
this router includes them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from gateway.entrypoints.admin import documents, pages, views
from gateway.entrypoints.admin.security import new_secret, same, user_token, verify_password
from gateway.entrypoints.admin.session import (
    LOGIN_CSRF_COOKIE,
    CsrfChecked,
    Forbidden,
    LoginRequired,
    PageViewer,
    close_session,
    install,
    open_session,
)
from gateway.entrypoints.admin.web import HERE, render
from gateway.entrypoints.api.deps import RuntimeDep

router = APIRouter(prefix="/admin", include_in_schema=False)
MAX_FAILURES = 5  # failed sign-ins for one user name within LOCKOUT before it is refused for a while
LOCKOUT = timedelta(minutes=15)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


router.include_router(pages.router)
router.include_router(documents.router)
router.include_router(views.router)


@router.get("/")
def home(user: PageViewer) -> RedirectResponse:
    return RedirectResponse("/admin/queue", status_code=303)


def _login_page(request: Request, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret()
    response = render(request, "login.html", status_code=status_code, login_csrf=token, error=error)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookies_secure,
        path="/admin",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
def login(
    request: Request,
    runtime: RuntimeDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not same(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(request, "The sign-in form expired; please try again.", 403)
    name = username.strip()[:100]
    since = datetime.now(UTC) - LOCKOUT
    with runtime.context.uow() as uow:
        user = uow.users.get_by_name(name)
        failures = [e for e in uow.audit.list("sign_in", name) if e.action == "failed" and e.at > since]
    if len(failures) >= MAX_FAILURES:
        return _login_page(request, "Too many failed attempts; try again in a quarter of an hour.", 429)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.active:
        with runtime.context.uow() as uow:
            uow.audit.record(name or "(empty)", "sign_in", name, "failed", {"client": _client(request)})
            uow.commit()
        return _login_page(request, "Wrong user name or password.", 401)
    with runtime.context.uow() as uow:
        uow.audit.record(user.username, "user", user.id, "signed_in", None)
        uow.commit()
    response = RedirectResponse("/admin/queue", status_code=303)
    open_session(runtime, response, user.id)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, runtime: RuntimeDep, user: PageViewer) -> Response:
    response = RedirectResponse("/admin/login", status_code=303)
    close_session(runtime, request, response)
    return response


def setup(app: FastAPI) -> None:
    app.mount("/admin/static", StaticFiles(directory=str(HERE / "static")), name="admin-static")
    install(app)
    app.state.page_images = documents.PageCache()
    app.state.authenticators.append(user_token)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse("/admin/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return await run_in_threadpool(
            render, request, "error.html", 403, title="Not allowed", detail=exc.message
        )
