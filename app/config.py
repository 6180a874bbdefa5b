"""Service settings: one object, environment variables prefixed ``HOTSPOTS_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All configuration of the service (see README "Configuration")."""

    model_config = SettingsConfigDict(
        env_prefix="HOTSPOTS_", env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    data_dir: Path = Path("hotspots-data")
    database_url: str = ""
    # the boundary files: unset = a copy fetched into <data_dir>/boundaries if complete,
    # else the copy shipped with the package (data/boundaries of the source tree)
    boundaries_dir: Path | None = None
    # the area pack (geo/data/areas/<name>/area.json): west-lothian or lincolnshire
    area: str = "west-lothian"
    # where `hotspots boundaries fetch` downloads the manifest files from (a mirror of the
    # OGL files named in geo/data/boundaries_manifest.json); no public default exists yet
    boundaries_base_url: str = ""
    police_uk_url: str = "https://data.police.uk/api"  # `hotspots pull police-uk` API base
    admin_key: str | None = None
    auth: Literal["on", "off"] = "on"
    max_upload_bytes: int = 50 * 1024 * 1024
    max_json_bytes: int = 50 * 1024 * 1024  # body of POST /incidents (and any JSON body); 413 beyond
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
    auth_failures_per_minute: int = 10  # wrong API keys per client address a minute before 429; 0 = off
    max_renders: int = 2  # concurrent headless-Chromium renders (PNG maps, PDF packs) per process
    render_wait_s: float = 5.0  # how long a render waits for a free slot before a 429
    tasking_config: Path | None = None  # tasking groups, cadence, membership; default geo/data/tasking_config.json
    chromium: str = "chromium"  # headless Chromium for tasking-pack PDFs (name on PATH or full path)
    pdf_timeout_s: float = 90.0
    demo_end: str | None = None  # ISO date; default: first day of the current month
    vendor_dir: Path | None = None  # node_modules with the map JS/CSS (npm ci); default <project>/node_modules
    map_png_width: int = 1600  # tasking-map PNG snapshot size (pixels)
    map_png_height: int = 1000
    map_png_timeout_s: float = 60.0
    # joint attendances (geo/events.py): a police and a fire record this close in space and
    # time are one event in all-agency totals and co-location; 0 (either) = no linking
    event_link_metres: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 50.0  # 0 = no linking
    event_link_minutes: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 30.0

    @field_validator("auth", mode="before")
    @classmethod
    def _lower(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.admin_key is not None and len(self.admin_key) < 8:
            msg = "HOTSPOTS_ADMIN_KEY must be at least 8 characters"
            raise ValueError(msg)
        from geo.areas import area_names

        if self.area not in area_names():
            msg = f"HOTSPOTS_AREA must be one of {', '.join(area_names())}, got {self.area!r}"
            raise ValueError(msg)
        return self

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotspots.db').resolve()}"

    @property
    def boundaries_cache_dir(self) -> Path:
        """Where ``hotspots boundaries fetch`` puts the files when no override is set."""
        return self.data_dir / "boundaries"

    @property
    def boundaries_origin(self) -> str:
        """Which boundary files are used: ``override``, ``fetched`` or ``packaged``."""
        if self.boundaries_dir is not None:
            return "override"
        if self.area != "west-lothian":  # `boundaries fetch` mirrors the West Lothian files only
            return "packaged"
        from geo.fetch import read_manifest

        cache = self.boundaries_cache_dir
        required = [str(f["name"]) for f in read_manifest() if f.get("required", True)]
        if all((cache / name).is_file() for name in required):
            return "fetched"
        return "packaged"

    @property
    def effective_boundaries_dir(self) -> Path:
        """Where boundary files are read from.

        ``HOTSPOTS_BOUNDARIES_DIR`` if set; else the files ``hotspots boundaries fetch``
        put in ``<data_dir>/boundaries`` when all required ones are there; else the copy
        shipped with the package (any working directory, editable or wheel install).
        """
        origin = self.boundaries_origin
        if origin == "override":
            assert self.boundaries_dir is not None
            return self.boundaries_dir
        if origin == "fetched":
            return self.boundaries_cache_dir
        from geo.areas import load_pack

        return load_pack(self.area).files_dir()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (replace via ``app.dependency_overrides`` in tests)."""
    return Settings()


def settings_problem(exc: Exception) -> str:
    """One line for people from a settings error: the variable and what is wrong with it
    (``HOTSPOTS_EVENT_LINK_METRES: Input should be greater than or equal to 0``)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            parts = [f"{'HOTSPOTS_' + '_'.join(str(p) for p in e.get('loc', ())).upper()}: {e.get('msg', '')}"
                     if e.get("loc") else str(e.get("msg", "")) for e in errors()]
        except Exception:  # pragma: no cover - not a pydantic error after all
            parts = []
        if parts:
            return "; ".join(parts)
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
