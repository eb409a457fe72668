"""Settings of insurance; every variable is read with the INSURANCE_ prefix."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INSURANCE_", extra="ignore")
    service_name: ClassVar[str] = "insurance"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )
    #: The daily push run starts after this hour, Beijing time (-1: no scheduled runs).
    push_hour: int = 6
    push_check_seconds: float = 300.0
