"""Settings of orders; every variable is read with the ORDERS_ prefix."""

from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings, repo_var_dir


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", extra="ignore")
    service_name: ClassVar[str] = "orders"
    production_required: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.production_required,
        "INTERNAL_JWKS_URL",
    )

    #: Rows per import chunk (one transaction each: the progress callers see).
    import_chunk_rows: int = Field(default=500, ge=1)
    #: Largest accepted import file.
    import_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    #: Where finished XLSX exports are kept (shared by every API replica in production).
    export_dir: Path = Field(default_factory=lambda: repo_var_dir() / "exports")
    #: Orders read per export page (one transaction each).
    export_page_rows: int = Field(default=1000, ge=1)
    #: Finished export files are removed this long after they finished (the job row stays).
    export_retention_hours: float = Field(default=72, gt=0)
    #: An unfinished import/export untouched this long was cut off (restart, crash): resumed.
    job_stale_seconds: float = Field(default=120, ge=0)
    #: How often each API process sweeps for cut-off jobs and expired export files.
    job_sweep_interval_seconds: float = Field(default=60, gt=0)
    #: How often the worker refreshes the analysis rollups of closed months.
    analysis_refresh_seconds: float = Field(default=60, gt=0)
