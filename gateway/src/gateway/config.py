"""Settings of the gateway; every variable is read with the GATEWAY_ prefix."""

from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import Environment, ServiceSettings

#: The demo's secret of the `platform-gateway` client (sso/README.md); refused in production.
DEMO_CLIENT_SECRET = "demo-gateway-bff-secret"
_REPO_ROOT = Path(__file__).resolve().parents[3]


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
        "PUBLIC_URL",
        "OIDC_ISSUER",
        "OIDC_CLIENT_SECRET",
        "SECRET_KEY",
    )

    # -- the explicit allow-list of upstreams: nothing else is ever forwarded to ------------------
    sso_url: str = "http://127.0.0.1:8101"
    insurance_url: str = "http://127.0.0.1:8102"
    risk_url: str = "http://127.0.0.1:8103"
    valueadd_url: str = "http://127.0.0.1:8104"
    orders_url: str = "http://127.0.0.1:8105"
    finance_url: str = "http://127.0.0.1:8106"
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=3.0, gt=0)

    # -- the browser door (backend-for-frontend) -------------------------------------------------
    #: The gateway as browsers see it (redirects, the OIDC redirect URI, cookies).
    public_url: str = "http://127.0.0.1:8000"
    #: sso's issuer as browsers see it (sso sits behind this gateway at /auth).
    oidc_issuer: str = "http://127.0.0.1:8000/auth"
    oidc_client_id: str = "platform-gateway"
    oidc_client_secret: SecretStr = SecretStr(DEMO_CLIENT_SECRET)
    #: Encrypts the internal signing keys and the sessions' sso tokens at rest.
    secret_key: SecretStr = SecretStr("dev-gateway-secret-key-change-me")
    #: `__Host-` cookie with Secure. Only development on plain http://127.0.0.1 may turn it off
    #: (browsers and HTTP clients do not send Secure cookies over http).
    session_cookie_secure: bool = False
    session_hours: float = Field(default=10, gt=0, le=24 * 7)
    session_idle_minutes: float = Field(default=60, gt=0)
    #: How long a replica trusts its in-memory copy of a session before re-reading the database
    #: (the bound for a logout on another replica to take effect here).
    session_recheck_seconds: float = Field(default=5.0, ge=0)

    # -- entitlements and internal tokens ---------------------------------------------------------
    #: How long a caller's entries and functions, as read from sso, are used without re-reading.
    access_ttl_seconds: float = Field(default=60.0, ge=0)
    #: How often the recorded sso.entitlement.changed events are polled to drop stale access.
    entitlement_poll_seconds: float = Field(default=1.0, gt=0)
    internal_token_seconds: int = Field(default=300, ge=30, le=3600)
    #: A minted internal token is reused until this close to its expiry.
    internal_token_margin_seconds: int = Field(default=60, ge=5)

    # -- rate limits (token buckets per replica) --------------------------------------------------
    rate_limit_ip_per_second: float = Field(default=200.0, gt=0)
    rate_limit_ip_burst: int = Field(default=400, ge=1)
    rate_limit_principal_per_second: float = Field(default=100.0, gt=0)
    rate_limit_principal_burst: int = Field(default=200, ge=1)
    #: Password logins (POST /auth/login) per IP.
    rate_limit_login_per_minute: float = Field(default=20.0, gt=0)
    rate_limit_login_burst: int = Field(default=10, ge=1)

    #: The web console's built files (web/dist); absent: `/` answers a JSON index.
    console_dir: Path = _REPO_ROOT / "web" / "dist"

    @model_validator(mode="after")
    def _browser_door_safe_outside_development(self) -> Self:
        if self.environment is Environment.production:
            if not self.session_cookie_secure:
                raise ValueError("GATEWAY_SESSION_COOKIE_SECURE must be true in production")
            if self.oidc_client_secret.get_secret_value() == DEMO_CLIENT_SECRET:
                raise ValueError("GATEWAY_OIDC_CLIENT_SECRET is the demo's secret")
        return self

    def entry_upstreams(self) -> dict[str, str]:
        """Entry name → base URL of the service behind `/api/<entry>/` (sso's admin and portal
        APIs are the `sso` entry)."""
        return {
            "insurance": self.insurance_url,
            "risk": self.risk_url,
            "valueadd": self.valueadd_url,
            "orders": self.orders_url,
            "finance": self.finance_url,
            "sso": self.sso_url,
        }

    @property
    def session_cookie_name(self) -> str:
        return "__Host-platform_session" if self.session_cookie_secure else "platform_session"
