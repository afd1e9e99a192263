"""``ordergate serve``: the HTTP API (and, as channels arrive, the AS2 endpoint)."""

from __future__ import annotations

import argparse
from typing import Any

from gateway.entrypoints.commands.common import data_options, ready


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.bootstrap import build_queued
    from gateway.entrypoints.api.app import create_app

    settings = ready(args)
    _first_admin(settings)
    # with a broker (RabbitMQ or Redis) the pipeline steps (of AS2 receipts, say) go to the workers;
    # else they run here
    app = create_app(settings, build_queued(settings)[0] if settings.queued else None)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _first_admin(settings: Any) -> None:
    """In development only, a first admin with a random password (printed once) when there is no user."""
    if settings.environment != "development":
        return
    from gateway.adapters.db.engine import make_engine
    from gateway.adapters.db.uow import SqlUnitOfWork
    from gateway.entrypoints.admin.security import hash_password, new_secret

    engine = make_engine(settings.db_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            if uow.users.count():
                return
            password = new_secret()[:20]
            user_id = uow.users.add("admin", hash_password(password), "admin")
            uow.audit.record("system", "user", user_id, "created", {"username": "admin", "first": True})
            uow.commit()
    finally:
        engine.dispose()
    print(f"development: signed-in pages at /admin; user admin, password {password} (shown once)", flush=True)


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP API (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--log-level", default="info", help="uvicorn log level")
    data_options(p)
    p.set_defaults(func=_cmd_serve)
