"""Typed settings: development defaults work out of the box, production refuses them."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from servicekit.settings import Environment, ServiceSettings, repo_var_dir

PREFIX = "SKUNIT_"


class UnitSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")
    service_name: ClassVar[str] = "skunit"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )
    signing_key: SecretStr = SecretStr("dev-signing-key")


PRODUCTION_ENV = {
    "ENVIRONMENT": "production",
    "DATABASE_URL": "postgresql://svc@db:5432/svc",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
    "INTERNAL_JWKS_URL": "http://gateway:8000/.well-known/internal-jwks.json",
    "SIGNING_KEY": "s3cr3t-from-the-vault",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(PREFIX + name, value)


def test_development_accepts_dev_defaults_and_defaults_to_sqlite_under_var() -> None:
    settings = UnitSettings()
    assert settings.environment is Environment.development
    assert settings.signing_key.get_secret_value() == "dev-signing-key"
    var = repo_var_dir()
    assert settings.database_url == f"sqlite+aiosqlite:///{var / 'skunit.db'}"
    assert var.name == "var" and var.is_dir()
    # In a checkout, var/ sits at the repository root (beside uv.lock).
    assert (var.parent / "uv.lock").exists() or (var.parent / ".git").exists()
    assert settings.is_sqlite()


def test_the_consumer_group_is_the_service_name_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert UnitSettings().consumer_group == "skunit"
    set_env(monkeypatch, {"KAFKA_CONSUMER_GROUP": "skunit-staging"})
    assert UnitSettings().consumer_group == "skunit-staging"


def test_test_environment_accepts_dev_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {"ENVIRONMENT": "test"})
    assert UnitSettings().signing_key.get_secret_value().startswith("dev-")


def test_production_with_everything_set_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, PRODUCTION_ENV)
    settings = UnitSettings()
    assert settings.environment is Environment.production
    assert settings.database_url == "postgresql://svc@db:5432/svc"
    assert not settings.is_sqlite()
    public = settings.public_dict()
    assert public["signing_key"] == "***"
    assert "s3cr3t" not in repr(public)


def test_production_refuses_a_dev_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {k: v for k, v in PRODUCTION_ENV.items() if k != "SIGNING_KEY"})
    with pytest.raises(ValidationError, match=f"{PREFIX}SIGNING_KEY"):
        UnitSettings()


@pytest.mark.parametrize("value", ["dev-looks-real-but-is-not", "change-me", ""])
def test_production_refuses_placeholder_or_empty_secret(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    set_env(monkeypatch, {**PRODUCTION_ENV, "SIGNING_KEY": value})
    with pytest.raises(ValidationError, match=f"{PREFIX}SIGNING_KEY"):
        UnitSettings()


@pytest.mark.parametrize(
    "missing", ["DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "INTERNAL_JWKS_URL"]
)
def test_production_requires_explicit_settings(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    """The SQLite default must not count as 'set' for production (it did: the default
    database validator marked database_url as explicitly set)."""
    set_env(monkeypatch, {k: v for k, v in PRODUCTION_ENV.items() if k != missing})
    with pytest.raises(ValidationError) as info:
        UnitSettings()
    message = str(info.value)
    assert f"{PREFIX}{missing}" in message
    assert "environment=production" in message


def test_production_missing_database_url_creates_no_sqlite_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, {k: v for k, v in PRODUCTION_ENV.items() if k != "DATABASE_URL"})
    with pytest.raises(ValidationError):
        UnitSettings()
    assert not (repo_var_dir() / "skunit.db").exists()


def test_required_env_lists_prefixed_names() -> None:
    assert UnitSettings.required_env() == [
        f"{PREFIX}ENVIRONMENT",
        f"{PREFIX}DATABASE_URL",
        f"{PREFIX}KAFKA_BOOTSTRAP_SERVERS",
        f"{PREFIX}INTERNAL_JWKS_URL",
    ]
    assert UnitSettings.env_name("database_url") == f"{PREFIX}DATABASE_URL"


def test_values_come_from_prefixed_env_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSUMER_MAX_ATTEMPTS", "9")  # no prefix: ignored
    set_env(monkeypatch, {"CONSUMER_MAX_ATTEMPTS": "7", "RELAY_BATCH_SIZE": "12"})
    settings = UnitSettings()
    assert settings.consumer_max_attempts == 7
    assert settings.relay_batch_size == 12


def test_repo_var_dir_is_beside_the_lock_file() -> None:
    assert repo_var_dir() == Path(__file__).resolve().parents[4] / "var"
