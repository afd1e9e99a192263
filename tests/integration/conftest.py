"""Database fixtures: every ``db_url`` test runs on SQLite and on PostgreSQL.

- SQLite: a fresh file under the test's ``tmp_path``.
- PostgreSQL: the server at ``ORDERGATE_TEST_POSTGRES_URL`` (default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets a
  schema of its own (``og_test_<random>``, reached through ``search_path`` in
  the URL), dropped afterwards.  When the server cannot be reached the
  PostgreSQL variants are skipped with the reason; nothing else is.

Both are brought to the newest migration with ``gateway.adapters.db.migrate.upgrade``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from gateway.adapters.db.engine import make_engine
from gateway.adapters.db.migrate import upgrade
from gateway.adapters.db.uow import SqlUnitOfWork

POSTGRES_URL = os.environ.get(
    "ORDERGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@cache
def _postgres_unreachable() -> str | None:
    """Why the PostgreSQL server cannot be used (None when it can)."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - the test extras install it
        return f"psycopg is not installed: {exc}"
    url = make_url(POSTGRES_URL)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {exc}"


def _libpq(url: URL) -> str:
    parts = {
        "host": url.host or "127.0.0.1",
        "port": str(url.port or 5432),
        "user": url.username or "postgres",
        "dbname": url.database or "postgres",
    }
    if url.password:
        parts["password"] = url.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def _postgres_schema_url() -> Iterator[str]:
    import psycopg

    reason = _postgres_unreachable()
    if reason:
        pytest.skip(reason)
    base = make_url(POSTGRES_URL)
    schema = f"og_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(base), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (no tables, no Alembic version)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ordergate.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A database at the newest migration."""
    upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def new_uow(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(engine)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # every test that asks for a database runs once per backend
    if "empty_db_url" in metafunc.fixturenames:
        metafunc.parametrize("empty_db_url", ["sqlite", "postgresql"], indirect=True)
