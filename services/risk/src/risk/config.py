"""Settings of risk; every variable is read with the RISK_ prefix."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings, repo_var_dir


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RISK_", extra="ignore")
    service_name: ClassVar[str] = "risk"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )
    #: The scorecard family automatic assessment uses (its live version decides).
    scorecard_code: str = "VEHICLE"
    #: Where finished export files are kept.
    export_dir: Path = Field(default_factory=lambda: repo_var_dir() / "risk-exports")
    #: Assessments per export page (each page its own transaction, so progress moves).
    export_page_rows: int = Field(default=500, ge=1)
