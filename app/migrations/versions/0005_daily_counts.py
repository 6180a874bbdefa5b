"""Daily counts per (local day, ward, data zone, agency, category) for fast statistics.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("ward", sa.String(9), nullable=False),
        sa.Column("datazone", sa.String(9), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "ward", "datazone", "agency", "category", name="pk_daily_counts"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "daily_ward_counts",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("ward", sa.String(9), nullable=False),
        sa.Column("agency", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "ward", "agency", "category", name="pk_daily_ward_counts"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("daily_ward_counts")
    op.drop_table("daily_counts")
