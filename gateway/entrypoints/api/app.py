"""The FastAPI application: ``create_app(settings)``.

Routers are listed in ``ROUTERS`` (module paths, each with a ``router``); errors
from the ``GatewayError`` tree become JSON answers with their HTTP status and code.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.bootstrap import Runtime, build
from gateway.config import Settings, get_settings
from gateway.entrypoints.api.auth import settings_token
from gateway.errors import GatewayError

ROUTERS: tuple[str, ...] = (
    "gateway.entrypoints.api.routers.health",
    "gateway.entrypoints.api.routers.documents",
    "gateway.entrypoints.api.routers.fulfilment",
    "gateway.entrypoints.api.routers.orders",
    "gateway.entrypoints.api.routers.as2",
    "gateway.entrypoints.api.routers.review",
    "gateway.entrypoints.api.routers.catalog",
    "gateway.entrypoints.admin.routes",
    "gateway.entrypoints.api.routers.metrics",
)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """The application over ``runtime`` (built from ``settings`` when not given)."""
    settings = settings or (runtime.settings if runtime else get_settings())
    own_runtime = runtime is None
    rt = runtime or build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if own_runtime:
                rt.engine.dispose()

    app = FastAPI(title="Ordergate", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.runtime = rt
    app.state.authenticators = [settings_token]

    @app.exception_handler(GatewayError)
    async def gateway_error(_request: Request, exc: GatewayError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content={"error": exc.code, "detail": exc.message})

    for name in ROUTERS:
        module = importlib.import_module(name)
        app.include_router(module.router)
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(app)
    return app
