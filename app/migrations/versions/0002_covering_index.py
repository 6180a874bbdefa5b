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
    # the covering index leads with occurred_at, so the plain one is redundant
    op.drop_index("ix_incidents_occurred_at", table_name="incidents")
    op.create_index(
        "ix_incidents_window_cover",
        "incidents",
        ["occurred_at", "agency", "category", "ward", "datazone", "tasking_group"],
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_window_cover", table_name="incidents")
    op.create_index("ix_incidents_occurred_at", "incidents", ["occurred_at"])
