"""Stored evaluations and the hotspots the service has served (so ids can be cited).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("key_name", sa.String(100)),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
    )
    op.create_table(
        "hotspots",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("geometry_wkt", sa.Text, nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hotspots")
    op.drop_table("evaluations")
