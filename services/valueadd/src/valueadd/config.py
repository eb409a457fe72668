"""Settings of valueadd; every variable is read with the VALUEADD_ prefix."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VALUEADD_", extra="ignore")
    service_name: ClassVar[str] = "valueadd"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )

    #: The public scan page a plate's QR code opens (its token appended).
    plate_scan_url: str = "http://127.0.0.1:8000/m/plate/"
