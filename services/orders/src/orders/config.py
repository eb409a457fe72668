"""Settings of orders; every variable is read with the ORDERS_ prefix."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")
    service_name: ClassVar[str] = "orders"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )
