"""Settings every service shares; each service subclasses with its own env prefix.

    class TicketSettings(ServiceSettings):
        model_config = service_settings_config("TICKET_")
        http_port: int = 8002

Defaults run the embedded mode (SQLite under ./var/, RabbitMQ on localhost). The JWT secret
has none: a service without one does not start (`ticketflow up` generates one and passes it
on). A bad value stops start-up naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key must be at least as long as the hash


def redacted(url: str) -> str:
    """`amqp://guest:guest@host/` -> `amqp://guest:***@host/`, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


Port = Annotated[int, Field(ge=1, le=65535)]
"""Subclasses give their default port with this type so the range check stays."""


def service_settings_config(env_prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=env_prefix, extra="ignore", frozen=True)


class ServiceSettings(BaseSettings):
    """`<PREFIX>_AMQP_URL`, `<PREFIX>_STORE_URL`, `<PREFIX>_HTTP_PORT`, `<PREFIX>_JWT_SECRET`..."""

    service_name: str = Field(min_length=1)
    amqp_url: str = DEFAULT_AMQP_URL
    store_url: str = Field(
        default="",
        description="sqlite:///path/file.sqlite3 or mongodb://...; empty: ./var/<service>.sqlite3",
    )
    mongo_database: str = Field(default="", description="empty means ticketflow_<service>")
    sqlite_synchronous: Literal["NORMAL", "FULL", "EXTRA"] = Field(
        default="FULL",
        description="FULL survives a power loss; NORMAL (faster) only a crash of the process",
    )
    sqlite_readers: int = Field(
        default=4, ge=1, le=32, description="connections for read-only transactions"
    )
    sqlite_cache_mib: int = Field(
        default=32, ge=2, le=4096, description="page cache of the writer's connection, MiB"
    )
    store_retry_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="how long a unit of work the store aborted (a failover, a write conflict)"
        " is run again, and a commit of unknown outcome repeated, before giving up",
    )
    var_dir: Path = Path("var")
    http_host: str = "127.0.0.1"
    http_port: Port
    # No default: a secret in the code would let anyone who read it sign tokens.
    jwt_secret: SecretStr = Field(description=f"at least {MIN_SECRET_BYTES} bytes, random")
    jwt_issuer: str = "ticketflow"
    delivery_limit: int = Field(default=5, ge=1, le=100)
    consumer_prefetch: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="unacknowledged messages per queue at once: how many are handled together",
    )
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1)
    outbox_max_attempts: int = Field(
        default=15, ge=1, description="failed publishes of one message before it is parked"
    )
    outbox_retry_max_seconds: float = Field(
        default=300.0, ge=1, description="longest wait between two publishes of one message"
    )
    inbox_retention_days: float = Field(
        default=7.0, gt=0, description="how long processed message ids are kept (dedup window)"
    )
    token_use_report_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="how often the API tokens this service accepted are reported (last used)",
    )
    log_level: str = "INFO"
    instance_id: str = Field(
        default="", description="set per child by `ticketflow up`, echoed by GET /healthz"
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="HTTP request bodies above this answer 413"
    )

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough_for_hs256(cls, secret: SecretStr) -> SecretStr:
        if len(secret.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"must be at least {MIN_SECRET_BYTES} bytes long; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return secret

    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.var_dir / (self.service_name + '.sqlite3')}"

    def resolved_mongo_database(self) -> str:
        return self.mongo_database or f"ticketflow_{self.service_name}"


S = TypeVar("S", bound=ServiceSettings)


# The process's exit status for a bad configuration (sysexits' EX_CONFIG): a supervisor
# gives up on it at once, since restarting cannot fix it.
EXIT_CONFIGURATION = 78


class ConfigurationError(SystemExit):
    """Start-up stops with this when an environment variable holds a bad value."""


def load_settings(cls: type[S]) -> S:
    """`load_settings(TicketSettings)`; a bad value stops start-up naming the variable."""
    try:
        return cls()
    except ValidationError as exc:
        prefix = str(cls.model_config.get("env_prefix", ""))
        problems = "; ".join(
            f"{prefix}{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
