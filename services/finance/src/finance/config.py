"""Settings of finance; every variable is read with the FINANCE_ prefix."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FINANCE_", extra="ignore")
    service_name: ClassVar[str] = "finance"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )
