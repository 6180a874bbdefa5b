"""Feeds: every file a watched folder ingested (or failed to), and every scheduled pull.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("format", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.String(36)),
        sa.Column("received", sa.Integer),
        sa.Column("accepted", sa.Integer),
        sa.Column("duplicates", sa.Integer),
        sa.Column("rejected", sa.Integer),
        sa.Column("message", sa.Text),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("kind", "sha256", name="uq_feeds_kind_sha256"),
    )
    op.create_index("ix_feeds_created", "feeds", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_feeds_created", table_name="feeds")
    op.drop_table("feeds")
