"""Alembic environment for Ordergate.

The URL is, in this order: ``config.attributes["url"]`` (set by
``gateway.adapters.db.migrate``), the ``DATABASE_URL`` environment variable,
the ini file's ``sqlalchemy.url``.  SQLite runs in batch mode (``ALTER TABLE``
by copy) and, through ``make_engine``, in one transaction.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from gateway.adapters.db.engine import make_engine, normalize_url
from gateway.adapters.db.tables import metadata

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name)

target_metadata = metadata


def _url() -> str:
    url = (
        config.attributes.get("url")
        or os.environ.get("DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError("no database URL: set DATABASE_URL or sqlalchemy.url in alembic.ini")
    return str(url) if isinstance(url, str) else url.render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    url = normalize_url(_url())
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                # make_engine hands transactions to SQLite itself (BEGIN IMMEDIATE), so DDL is
                # transactional there too: a failed migration leaves nothing half-done
                transactional_ddl=True if sqlite else None,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
