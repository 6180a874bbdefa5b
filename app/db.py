"""Database schema (SQLAlchemy 2 Core) and engine helpers; migrations run with Alembic."""

from __future__ import annotations

from collections.abc import Callable
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
    sa.Column("agency", sa.String(16)),  # partner keys: the agency whose records they may read
    sa.Column("expires_at", sa.DateTime()),  # naive UTC; NULL = no expiry
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

tasking_meetings = sa.Table(
    "tasking_meetings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_code", sa.String(16), nullable=False),  # east, west, tactical, strategic
    sa.Column("meeting_date", sa.Date, nullable=False),  # local (Europe/London) date
    sa.Column("period_start", sa.DateTime(), nullable=False),  # analysed period, naive UTC [start, end)
    sa.Column("period_end", sa.DateTime(), nullable=False),
    sa.Column("title", sa.String(200)),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("created_by", sa.String(100)),
    sa.UniqueConstraint("group_code", "meeting_date", name="uq_tasking_meetings_group_date"),
)

tasking_actions = sa.Table(
    "tasking_actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("meeting_id", sa.Integer, sa.ForeignKey("tasking_meetings.id"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("area_kind", sa.String(16), nullable=False),  # hotspot, ward, datazones
    sa.Column("area_ref", sa.Text, nullable=False),  # hotspot id, ward code or JSON list of data zones
    sa.Column("categories", sa.Text),  # JSON list; NULL = all categories
    sa.Column("owner_name", sa.String(100), nullable=False),
    sa.Column("owner_org", sa.String(100), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open, in_progress, done, dropped
    sa.Column("status_changed_at", sa.DateTime(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("created_by", sa.String(100)),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Index("ix_tasking_actions_meeting", "meeting_id"),
)

tasking_updates = sa.Table(
    "tasking_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("tasking_actions.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("created_by", sa.String(100)),
    sa.Column("note", sa.Text),
    sa.Column("status_from", sa.String(16)),
    sa.Column("status_to", sa.String(16)),
    sa.Column("changes", sa.Text),  # JSON {field: [old, new]}
    sa.Index("ix_tasking_updates_action", "action_id"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,  # append-only: triggers (migration 0004) reject UPDATE and DELETE
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False),  # naive UTC
    sa.Column("actor", sa.String(100), nullable=False),  # key name
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(200)),
    sa.Column("params", sa.Text, nullable=False),  # JSON
    sa.Column("result_size", sa.Integer),
    sa.Column("outcome", sa.String(16), nullable=False),  # ok, denied
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_actor", "actor", "at"),
    sa.Index("ix_audit_log_action", "action", "at"),
)

rate_buckets = sa.Table(
    "rate_buckets",
    metadata,  # token buckets of the rate limiter, shared by worker processes (app.ratelimit)
    sa.Column("bucket", sa.String(120), primary_key=True),  # key:<id> or fail:<client address>
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),  # Unix seconds
)

feeds = sa.Table(
    "feeds",
    metadata,  # every file a watched folder took in (app.feeds) and every scheduled pull
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # file | pull
    sa.Column("name", sa.String(255), nullable=False),  # file name, or the pull's label
    sa.Column("sha256", sa.String(64)),  # of the file's bytes: the same file is never stored twice
    sa.Column("format", sa.String(16)),
    sa.Column("status", sa.String(16), nullable=False),  # done | failed
    sa.Column("batch_id", sa.String(36)),
    sa.Column("received", sa.Integer),
    sa.Column("accepted", sa.Integer),
    sa.Column("duplicates", sa.Integer),
    sa.Column("rejected", sa.Integer),
    sa.Column("message", sa.Text),  # why a file failed, in one line
    sa.Column("created_at", sa.DateTime(), nullable=False),  # naive UTC
    sa.UniqueConstraint("kind", "sha256", name="uq_feeds_kind_sha256"),
    sa.Index("ix_feeds_created", "created_at"),
)

# On PostgreSQL the incidents table also has a generated PostGIS point (EPSG:27700) with a
# GiST index (migration 0001), used for area filters there (Service.frame ``area=``). They
# are not SQLAlchemy columns (SQLite has no geometry); the schema test allows exactly these.
POSTGIS_ONLY = {("incidents", "geom"), ("incidents", "ix_incidents_geom")}

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x686F7473706F7473  # pg advisory lock key held while migrating ("hotspots")


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


def upgrade(engine: Engine, *, after_step: Callable[..., None] | None = None) -> None:
    """Bring the schema to the newest Alembic revision, all or nothing.

    The whole upgrade is one transaction on both databases, so a process killed half-way
    (a watcher stopped by SIGKILL, a container restarted) leaves the schema as it was and the
    next start migrates from there. PostgreSQL has transactional DDL and an advisory lock keeps
    two upgrading processes apart. Python's sqlite3 driver would run each ``CREATE TABLE`` in
    autocommit, so SQLite migrates on a connection where the driver leaves transactions to us
    and the upgrade starts with ``BEGIN IMMEDIATE`` (which also serialises two processes).
    ``after_step`` is called after each migration step (tests use it to fail on purpose).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    if after_step is not None:
        cfg.attributes["on_version_apply"] = after_step
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            dbapi = conn.connection.driver_connection
            assert dbapi is not None
            before = dbapi.isolation_level
            conn.commit()  # nothing is open: hand the transaction over to us
            dbapi.isolation_level = None
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                cfg.attributes["connection"] = conn
                try:
                    command.upgrade(cfg, "head")
                except BaseException:
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
            finally:
                conn.rollback()
                dbapi.isolation_level = before
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # one migrating process at a time (app.migrate)
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
