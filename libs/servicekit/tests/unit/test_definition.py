"""ServiceDefinition.standard: the usual package layout."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from servicekit.db import NAMING_CONVENTION, new_metadata
from servicekit.definition import ServiceDefinition
from servicekit.messaging import Subscriptions
from servicekit.settings import ServiceSettings


class S(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SKDEF_", extra="ignore")
    service_name: ClassVar[str] = "billing"


def test_standard_layout(tmp_path: Path) -> None:
    package = tmp_path / "src" / "billing"
    package.mkdir(parents=True)
    metadata = new_metadata()
    definition = ServiceDefinition.standard(
        str(package / "__init__.py"), title="Billing", settings_factory=S, metadata=metadata
    )
    assert definition.name == "billing"
    assert definition.migrations_dir == package / "migrations"
    # The outbox and inbox tables join the service's own metadata (its own database).
    assert {"outbox_messages", "inbox_messages"} <= set(metadata.tables)
    assert definition.messaging_tables.outbox is metadata.tables["outbox_messages"]
    assert definition.subscriptions.topics == []
    assert isinstance(definition.subscriptions, Subscriptions)


def test_new_metadata_names_constraints_stably() -> None:
    assert new_metadata().naming_convention == NAMING_CONVENTION
    assert new_metadata() is not new_metadata()
