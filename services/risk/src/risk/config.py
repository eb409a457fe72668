"""Settings of risk; every variable is read with the RISK_ prefix."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RISK_", extra="ignore")
    service_name: ClassVar[str] = "risk"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )
