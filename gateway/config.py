"""Settings, read from the environment (prefix ``ORDERGATE_``) when first asked for.

``DATABASE_URL`` and ``REDIS_URL`` are read without the prefix too, as most
deployments name them.  Nothing is read at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SAMPLES = Path(__file__).resolve().parent / "samples"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERGATE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ORDERGATE_DATABASE_URL", "DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ORDERGATE_REDIS_URL", "REDIS_URL")
    )
    redis_namespace: str = "ordergate"  # prefix of the queue's keys in Redis
    # a step failing with a transient fault is retried with exponential back-off, then dead-lettered
    step_max_retries: int = 5
    step_min_backoff_ms: int = 500
    step_max_backoff_ms: int = 60_000
    # a document with more orders than this waiting has its confirmation shared out, this many a work item
    split_at: int = 400
    split_share: int = 200
    partners_dir: Path = SAMPLES / "partners"
    catalog_dir: Path = SAMPLES / "catalog"
    outbox_dir: Path | None = None
    # who we are on the wire
    isa_qualifier: str = "ZZ"
    isa_id: str = "ORDERGATE"
    gs_id: str = "ORDERGATE"
    duplicate_interchange_days: int = 30
    answer_unknown_senders: bool = False
    # an admin bearer token for the API (scripts, operations); none by default
    api_token: SecretStr | None = None

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ordergate.db').resolve()}"

    @property
    def outbox(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
