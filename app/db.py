"""Database schema (SQLAlchemy 2 Core) and engine helpers; migrations run with Alembic."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("agency", sa.String(16), nullable=False),
    sa.Column("source_id", sa.String(64), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("raw_category", sa.String(200)),
    sa.Column("occurred_at", sa.DateTime(), nullable=False),  # naive UTC
    sa.Column("easting", sa.Float, nullable=False),
    sa.Column("northing", sa.Float, nullable=False),
    sa.Column("datazone", sa.String(9), nullable=False),
    sa.Column("ward", sa.String(9), nullable=False),
    sa.Column("tasking_group", sa.String(4), nullable=False),
    sa.Column("simd_rank", sa.Integer, nullable=False),
    sa.Column("simd_decile", sa.Integer, nullable=False),
    sa.Column("location_precision", sa.String(16), nullable=False),
    sa.Column("date_precision", sa.String(16), nullable=False),
    sa.Column("batch_id", sa.String(36), nullable=False),
    sa.UniqueConstraint("agency", "source_id", name="uq_incidents_agency_source"),
    sa.Index("ix_incidents_window_cover", "occurred_at", "agency", "category", "ward", "datazone", "tasking_group"),
    sa.Index("ix_incidents_ward_time", "ward", "occurred_at"),
    sa.Index("ix_incidents_datazone_time", "datazone", "occurred_at"),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("key_name", sa.String(100)),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("filename", sa.String(255)),
    sa.Column("received", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("duplicates", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("revoked_at", sa.DateTime()),
)

evaluations = sa.Table(
    "evaluations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("key_name", sa.String(100)),
    sa.Column("request", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
)

hotspots = sa.Table(
    "hotspots",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("geometry_wkt", sa.Text, nullable=False),
    sa.Column("properties", sa.Text, nullable=False),
)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL and foreign keys, its folder is created."""
    if url.startswith("sqlite:///") and url != "sqlite:///" and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragma(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA cache_size=-262144")  # 256 MB page cache: bulk index inserts
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
