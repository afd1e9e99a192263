"""What every command needs: settings from the options, and a database that exists."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


class NotInitialised(Exception):
    """The database has no schema yet (exit code 2 with the hint to run ``ordergate init``)."""


def data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="embedded data folder (default ./data, or ORDERGATE_DATA_DIR)")
    p.add_argument(
        "--database-url", help="database URL (default: SQLite in the data folder, or DATABASE_URL)"
    )


def settings_from(args: argparse.Namespace) -> Any:
    from gateway.config import Settings, get_settings

    settings = get_settings()
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return Settings(**{**settings.model_dump(), **overrides}) if overrides else settings


def ready(args: argparse.Namespace) -> Any:
    """Settings for a command that needs the database; refuses one that was never initialised."""
    from gateway.adapters.db.migrate import current

    settings = settings_from(args)
    if current(settings.db_url) is None:
        raise NotInitialised(f"the database {settings.db_url} is empty: run `ordergate init` first")
    return settings
