"""Drop the (ward, time) and (data zone, time) indexes.

Statistics read the daily count tables and analysis frames use the covering
(occurred_at, agency, category, ward, datazone, tasking_group) index, so these two only
slowed bulk ingest (measured: bench/bench_ingest.py).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_incidents_ward_time", table_name="incidents")
    op.drop_index("ix_incidents_datazone_time", table_name="incidents")


def downgrade() -> None:
    op.create_index("ix_incidents_ward_time", "incidents", ["ward", "occurred_at"])
    op.create_index("ix_incidents_datazone_time", "incidents", ["datazone", "occurred_at"])
