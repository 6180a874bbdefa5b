"""Initial schema: incidents, batches, api_keys (+ PostGIS geometry on PostgreSQL).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("raw_category", sa.String(200)),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
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
    )
    op.create_index("ix_incidents_occurred_at", "incidents", ["occurred_at"])
    op.create_index("ix_incidents_ward_time", "incidents", ["ward", "occurred_at"])
    op.create_index("ix_incidents_datazone_time", "incidents", ["datazone", "occurred_at"])
    op.create_table(
        "batches",
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
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime()),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute(
            "ALTER TABLE incidents ADD COLUMN geom geometry(Point, 27700) "
            "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(easting, northing), 27700)) STORED"
        )
        op.execute("CREATE INDEX ix_incidents_geom ON incidents USING GIST (geom)")


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("batches")
    op.drop_table("incidents")
