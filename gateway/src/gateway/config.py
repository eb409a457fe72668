"""Settings of the gateway; every variable is read with the GATEWAY_ prefix."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    service_name: ClassVar[str] = "gateway"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "SSO_URL",
        "INSURANCE_URL",
        "RISK_URL",
        "VALUEADD_URL",
        "ORDERS_URL",
        "FINANCE_URL",
    )

    # The explicit allow-list of upstreams: nothing else is ever forwarded to.
    sso_url: str = "http://127.0.0.1:8101"
    insurance_url: str = "http://127.0.0.1:8102"
    risk_url: str = "http://127.0.0.1:8103"
    valueadd_url: str = "http://127.0.0.1:8104"
    orders_url: str = "http://127.0.0.1:8105"
    finance_url: str = "http://127.0.0.1:8106"
    upstream_timeout_seconds: float = 30.0

    def entry_upstreams(self) -> dict[str, str]:
        """Entry name → base URL of the service behind `/api/<entry>/`."""
        return {
            "insurance": self.insurance_url,
            "risk": self.risk_url,
            "valueadd": self.valueadd_url,
            "orders": self.orders_url,
            "finance": self.finance_url,
        }
