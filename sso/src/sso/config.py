"""Settings of sso; every variable is read with the SSO_ prefix."""

import os
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import Environment, ServiceSettings

#: OWASP Password Storage Cheat Sheet, argon2id minimum: m=19 MiB, t=2, p=1.
OWASP_ARGON2_MEMORY_KIB = 19_456
OWASP_ARGON2_TIME_COST = 2
OWASP_ARGON2_PARALLELISM = 1


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SSO_", extra="ignore")
    service_name: ClassVar[str] = "sso"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
        "ISSUER",
        "SECRET_KEY",
    )

    # -- OpenID Connect provider ------------------------------------------------------------------
    #: The issuer as browsers and clients see it (sso sits behind the gateway at /auth); the
    #: discovery document advertises `{issuer}/authorize` etc. sso's own routes have no prefix.
    issuer: str = "http://127.0.0.1:8000/auth"
    #: Encrypts the signing keys' private halves in the database (Fernet, key = SHA-256 of this)
    #: and signs login requests and CSRF tokens. A `dev-` value is refused in production.
    secret_key: SecretStr = SecretStr("dev-sso-secret-key-change-me")
    access_token_seconds: int = Field(default=600, ge=30, le=86_400)
    id_token_seconds: int = Field(default=600, ge=30, le=86_400)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    authorization_code_seconds: int = Field(default=60, ge=10, le=600)
    #: The browser SSO session (cookie `sso_session`), absolute lifetime.
    session_hours: int = Field(default=10, ge=1, le=24 * 30)
    #: Path of the session and CSRF cookies (as the browser sees sso: `/auth` behind the gateway).
    session_cookie_path: str = "/"

    #: Demo data only: where `make run`'s tenant entry system (tenantentry/, port 8108) answers;
    #: 华成's and 云鹰's insurance entries open `<this>/huacheng/` and `<this>/yunying/`.
    demo_tenant_entry_url: str = "http://127.0.0.1:8108"

    # -- password hashing (argon2id) --------------------------------------------------------------
    #: Memory per hash in KiB (19456 = 19 MiB, the OWASP minimum; more is stronger and slower).
    argon2_memory_kib: int = Field(default=OWASP_ARGON2_MEMORY_KIB, ge=8)
    #: Iterations.
    argon2_time_cost: int = Field(default=OWASP_ARGON2_TIME_COST, ge=1)
    #: Lanes (threads) per hash.
    argon2_parallelism: int = Field(default=OWASP_ARGON2_PARALLELISM, ge=1)
    #: Hashes computed at once per process, in threads of their own (further logins wait for
    #: one). Default: the CPUs this process may run on but one, left to the event loop; at
    #: least 1. More than the cores at once costs CPU per hash (each evicts the others' memory).
    password_hash_threads: int = Field(
        default_factory=lambda: max(1, len(os.sched_getaffinity(0)) - 1), ge=1
    )

    # -- password policy --------------------------------------------------------------------------
    password_min_length: int = Field(default=10, ge=8)
    password_max_length: int = Field(default=128, le=1024)
    #: How many of the four classes (lower case, upper case, digit, other) a password must mix.
    password_min_classes: int = Field(default=3, ge=1, le=4)

    # -- lockout ----------------------------------------------------------------------------------
    #: Consecutive wrong passwords that lock an account.
    lockout_threshold: int = Field(default=5, ge=1)
    #: How long a lock lasts; 0 = until an administrator unlocks the account.
    lockout_minutes: int = Field(default=15, ge=0)

    # -- portal and imports -----------------------------------------------------------------------
    #: Where an entry opens when its institution has no target URL of its own: `<base>/<entry>`.
    console_base_path: str = "/console"
    import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=20_000, ge=1)

    @model_validator(mode="after")
    def _argon2_at_least_owasp(self) -> Self:
        # Cheaper hashing exists only to keep the test suite fast; it is refused everywhere else.
        weaker = (
            self.argon2_memory_kib < OWASP_ARGON2_MEMORY_KIB
            or self.argon2_time_cost < OWASP_ARGON2_TIME_COST
        )
        if weaker and self.environment is not Environment.test:
            raise ValueError(
                "argon2id parameters below the OWASP minimum (m=19456 KiB, t=2, p=1) are "
                f"allowed only with environment=test, not {self.environment.value}"
            )
        if self.password_max_length < self.password_min_length:
            raise ValueError("SSO_PASSWORD_MAX_LENGTH must not be below SSO_PASSWORD_MIN_LENGTH")
        return self
