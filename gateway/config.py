"""Settings, read from the environment (prefix ``ORDERGATE_``) when first asked for.

``DATABASE_URL``, ``REDIS_URL`` and ``AMQP_URL`` are read without the prefix
too, as most deployments name them.  Nothing is read at import time.

The pipeline steps go to a broker when one is set: RabbitMQ by ``AMQP_URL``,
else Redis by ``REDIS_URL``; when both are set RabbitMQ wins (and the worker
says so in its log).  With neither, steps run in-process.
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
    amqp_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ORDERGATE_AMQP_URL", "AMQP_URL")
    )
    # put before the queue's name ("ordergate"): deployments sharing one RabbitMQ vhost keep apart by it
    # (RabbitMQ has no namespace of keys like Redis); applied on Redis too
    queue_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_.:-]*$")
    # workers starting within this many seconds of another's start-up sweep skip their own (0: each sweeps);
    # a worker restarted that soon after a crash counts on the broker giving its messages back
    startup_sweep_seconds: int = Field(default=30, ge=0)
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
    # fulfilment: our name on invoices (N1*RE) and the GS1 company prefix SSCC-18s are made under
    # (0614141 is GS1's own example prefix: set yours)
    company_name: str = "Ordergate Supply"
    gs1_company_prefix: str = Field(default="0614141", pattern=r"^[0-9]{7,10}$")
    sscc_extension_digit: int = Field(default=0, ge=0, le=9)
    # our AS2 identity: the id, our private key(s) and certificate(s) as a path, env:NAME or file:PATH
    # (a PEM bundle may hold several during a rollover), and where partners post asynchronous MDNs
    as2_id: str = "ORDERGATE"
    as2_key: str | None = None
    as2_certificate: str | None = None
    as2_mdn_url: str | None = None
    as2_max_bytes: int = 200 * 1024 * 1024  # a larger AS2 POST is refused (413) before it is read
    # an admin bearer token for the API (scripts, operations); none by default
    api_token: SecretStr | None = None
    # outbound: "outbox" writes everything to the outbox folder (the embedded default, the demo);
    # "channels" sends on each partner's deliver_via channel (SFTP, mail, HTTP, folder)
    delivery: Literal["outbox", "channels"] = "outbox"
    delivery_max_attempts: int = 6
    delivery_backoff_seconds: int = 30
    # our mail server, for documents and receipts we mail
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "ordergate@localhost"
    # the mailbox partners mail their orders to (polled by `ordergate poll` when imap_host is set)
    imap_host: str | None = None
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_mailbox: str = "INBOX"
    imap_processed: str = "Processed"
    imap_failed: str = "Failed"
    imap_poll_seconds: int = 60
    # the embedded SFTP server for partners who push (`ordergate sftp-server`)
    sftp_server_host: str = "127.0.0.1"
    sftp_server_port: int = 2222
    sftp_root_dir: Path | None = None  # partners' homes (default: <data dir>/sftp)
    sftp_host_key_file: Path | None = None  # default: <data dir>/sftp_host_key (made when missing)
    attachment_max_bytes: int = 50 * 1024 * 1024  # a mail attachment (read whole)
    upload_max_bytes: int = 8 * 1024**3  # an HTTP upload (spooled to disk, archived a chunk at a time)
    zip_max_files: int = 100
    # the admin UI's session cookie: Secure unless this says otherwise (plain HTTP on loopback in
    # development and tests); sessions last this long
    secure_cookies: bool | None = None
    session_hours: float = 12.0

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.environment == "production"

    @property
    def broker(self) -> Literal["rabbitmq", "redis"] | None:
        """Where the pipeline steps are queued: RabbitMQ wins when both URLs are set; None runs them here."""
        if self.amqp_url:
            return "rabbitmq"
        return "redis" if self.redis_url else None

    @property
    def queued(self) -> bool:
        """Steps go to a broker and ``ordergate worker`` processes run them."""
        return self.broker is not None

    @property
    def queue_name(self) -> str:
        return f"{self.queue_prefix}ordergate"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ordergate.db').resolve()}"

    @property
    def outbox(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @property
    def spool_dir(self) -> Path:
        """Where a document arriving by SFTP or HTTP is spooled on its way into the archive."""
        return self.data_dir / "spool"

    @property
    def sftp_root(self) -> Path:
        return self.sftp_root_dir or self.data_dir / "sftp"

    @property
    def sftp_host_key(self) -> Path:
        return self.sftp_host_key_file or self.data_dir / "sftp_host_key"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
