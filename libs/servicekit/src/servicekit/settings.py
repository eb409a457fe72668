"""Typed settings base every service extends.

Each service declares `class Settings(ServiceSettings)` with its own env prefix (ORDERS_, …).
Outside development and test, a secret still carrying a development default is refused at
start-up, so a forgotten variable cannot silently ship a known key to production.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Placeholder secrets (development defaults, .env.example values) refused in production.
PLACEHOLDER_SECRET_PREFIXES = ("dev-", "change-me")


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


def repo_var_dir() -> Path:
    """`var/` at the repository root in a checkout; the working directory elsewhere."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "uv.lock").exists() or (parent / ".git").exists():
            return parent / "var"
    return Path.cwd() / "var"


class ServiceSettings(BaseSettings):
    """Settings shared by every service; subclasses set `model_config` with their env prefix."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    #: Name of the service (the producer name in event envelopes; the default consumer group).
    service_name: ClassVar[str] = "service"
    #: Variables (without prefix) that must be given explicitly in production.
    production_required: ClassVar[tuple[str, ...]] = (
        "ENVIRONMENT",
        "DATABASE_URL",
        "KAFKA_BOOTSTRAP_SERVERS",
    )

    environment: Environment = Environment.development
    database_url: str = ""
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    #: Apache Kafka supports the idempotent producer; the local broker refuses InitProducerId.
    kafka_enable_idempotence: bool = False
    #: The Kafka consumer group of this service's replicas (they share its partitions and its
    #: offsets); empty means the service's name. Another name only where two deployments share
    #: one cluster (staging beside production, a test platform beside another): the inbox is
    #: kept per group, so renaming a running deployment's group handles past events again.
    kafka_consumer_group: str = ""
    #: Relay and consumer inside the API process (default run) or in `python -m <svc>.worker`.
    run_workers_inline: bool = True
    #: The gateway's JWKS for internal tokens (http(s):// or file://).
    internal_jwks_url: str = "http://127.0.0.1:8000/.well-known/internal-jwks.json"
    internal_jwt_algorithms: tuple[str, ...] = ("RS256", "ES256")
    log_level: str = "INFO"
    log_json: bool = True
    #: Consumer: attempts of one event before it goes to `<topic>.dlq`.
    consumer_max_attempts: int = 3
    consumer_retry_backoff_seconds: float = 0.2
    #: Group membership timing; tests and the local broker use shorter values (faster joins).
    consumer_session_timeout_ms: int = 10_000
    consumer_heartbeat_interval_ms: int = 3_000
    relay_batch_size: int = 500
    relay_poll_interval_seconds: float = 0.2
    #: PostgreSQL connection pool of the API process (SQLite ignores these).
    db_pool_size: int = 20
    db_max_overflow: int = 10
    #: A round trip per checkout that survives a database restart without a failed request;
    #: turn off where the database never restarts under the service (then pool_recycle alone).
    db_pool_pre_ping: bool = True
    db_pool_recycle_seconds: int = 1800

    def engine_options(self) -> dict[str, Any]:
        return {
            "pool_size": self.db_pool_size,
            "max_overflow": self.db_max_overflow,
            "pool_pre_ping": self.db_pool_pre_ping,
            "pool_recycle": self.db_pool_recycle_seconds,
        }

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.environment in (Environment.development, Environment.test):
            return self
        missing = [
            self.env_name(name.lower())
            for name in self.production_required
            if name.lower() not in self.model_fields_set
        ]
        if missing:
            raise ValueError(
                f"environment={self.environment.value} needs these set explicitly: "
                + ", ".join(missing)
            )
        for name, value in self:
            if isinstance(value, SecretStr) and (
                not value.get_secret_value()
                or value.get_secret_value().startswith(PLACEHOLDER_SECRET_PREFIXES)
            ):
                raise ValueError(
                    f"{self.env_name(name)} still has a placeholder value; "
                    f"set a real secret for environment={self.environment.value}"
                )
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Self:
        # Runs after `_refuse_default_secrets` (after-validators run in definition order): the
        # assignment below marks the field as set, which must not count as "given explicitly".
        if not self.database_url:
            var = repo_var_dir()
            var.mkdir(parents=True, exist_ok=True)
            self.database_url = f"sqlite+aiosqlite:///{var / (self.service_name + '.db')}"
        return self

    @classmethod
    def env_prefix(cls) -> str:
        return str(cls.model_config.get("env_prefix", ""))

    @classmethod
    def env_name(cls, field: str) -> str:
        return f"{cls.env_prefix()}{field.upper()}"

    @classmethod
    def required_env(cls) -> list[str]:
        """Environment variables a production deployment must provide."""
        return [f"{cls.env_prefix()}{name}" for name in cls.production_required]

    @property
    def consumer_group(self) -> str:
        return self.kafka_consumer_group or self.service_name

    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def public_dict(self) -> dict[str, Any]:
        """Settings with secrets masked, for start-up logs."""
        return {k: ("***" if isinstance(v, SecretStr) else v) for k, v in self}
