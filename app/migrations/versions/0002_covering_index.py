"""Covering index for windowed counts (statistics endpoints).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_incidents_window_cover",
        "incidents",
        ["occurred_at", "agency", "category", "ward", "datazone", "tasking_group"],
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_window_cover", table_name="incidents")
