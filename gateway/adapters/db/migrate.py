"""Run the Alembic migrations from code (``ordergate init``).

The migration scripts live in ``alembic/`` at the repository root, next to the
``gateway`` package; with an editable install (``pip install -e .``) that is
where this file's package points.  ``ORDERGATE_ALEMBIC_DIR`` overrides the
lookup (an image that copies ``alembic/`` elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import URL

from gateway.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "head"


def alembic_dir() -> Path:
    candidates = []
    override = os.environ.get("ORDERGATE_ALEMBIC_DIR")
    if override:
        candidates.append(Path(override))
    candidates.append(Path(__file__).resolve().parents[3] / "alembic")
    candidates.append(Path.cwd() / "alembic")
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    raise ConfigurationError(
        "cannot find the Alembic migrations (alembic/env.py); looked in "
        + ", ".join(str(c) for c in candidates)
        + ": set ORDERGATE_ALEMBIC_DIR"
    )


def _config(url: str | URL) -> Config:
    from alembic.config import Config

    directory = alembic_dir()
    ini = directory.parent / "alembic.ini"
    config = Config(str(ini)) if ini.is_file() else Config()
    config.set_main_option("script_location", str(directory))
    # handed over as an attribute, not through the ini option: a URL may hold '%' (configparser)
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str | URL, revision: str = HEAD) -> None:
    """Bring the database at ``url`` to ``revision`` (the newest by default)."""
    from alembic import command

    command.upgrade(_config(url), revision)


def downgrade(url: str | URL, revision: str) -> None:
    from alembic import command

    command.downgrade(_config(url), revision)


def current(url: str | URL) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    from gateway.adapters.db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
