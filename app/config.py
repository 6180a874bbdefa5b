"""Service settings: one object, environment variables prefixed ``HOTSPOTS_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All configuration of the service (see README "Configuration")."""

    model_config = SettingsConfigDict(
        env_prefix="HOTSPOTS_", env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    data_dir: Path = Path("hotspots-data")
    database_url: str = ""
    boundaries_dir: Path | None = None
    # where `hotspots boundaries fetch` downloads the manifest files from (a mirror of the
    # OGL files named in geo/data/boundaries_manifest.json); no public default exists yet
    boundaries_base_url: str = ""
    admin_key: str | None = None
    auth: Literal["on", "off"] = "on"
    max_upload_bytes: int = 50 * 1024 * 1024
    max_batch_rows: int = 2_000_000
    default_page_size: int = 100
    max_page_size: int = 10_000
    default_permutations: int = 999
    max_permutations: int = 9_999
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "&copy; OpenStreetMap contributors"
    assets: Literal["local", "cdn"] = "local"
    demo_seed: int = 20261202
    rate_limit_per_minute: int = 600  # requests per API key per minute (token bucket); 0 = off
    rate_limit_burst: int | None = None  # bucket size; default = rate_limit_per_minute
    tasking_config: Path | None = None  # tasking groups, cadence, membership; default geo/data/tasking_config.json
    chromium: str = "chromium"  # headless Chromium for tasking-pack PDFs (name on PATH or full path)
    pdf_timeout_s: float = 90.0
    demo_end: str | None = None  # ISO date; default: first day of the current month
    vendor_dir: Path | None = None  # node_modules with the map JS/CSS (npm ci); default <project>/node_modules
    map_png_width: int = 1600  # tasking-map PNG snapshot size (pixels)
    map_png_height: int = 1000
    map_png_timeout_s: float = 60.0

    @field_validator("auth", mode="before")
    @classmethod
    def _lower(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.admin_key is not None and len(self.admin_key) < 8:
            msg = "HOTSPOTS_ADMIN_KEY must be at least 8 characters"
            raise ValueError(msg)
        return self

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotspots.db').resolve()}"

    @property
    def effective_boundaries_dir(self) -> Path:
        """Where boundary files are read from (the fetch cache by default)."""
        return self.boundaries_dir or (self.data_dir / "boundaries")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (replace via ``app.dependency_overrides`` in tests)."""
    return Settings()
