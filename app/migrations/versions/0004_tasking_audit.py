"""Tasking meetings, actions and updates; the append-only audit log; key agency and expiry.

The audit log is append-only in the database itself: UPDATE and DELETE are rejected by
triggers (PostgreSQL: a PL/pgSQL function raising an exception; SQLite: RAISE(ABORT)).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_log is append-only"

PG_UP = [
    f"""
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY}: % is not allowed', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]
SQLITE_UP = [
    f"""
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: UPDATE is not allowed'); END
    """,
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: DELETE is not allowed'); END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("agency", sa.String(16)))
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime()))
    op.create_table(
        "tasking_meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("group_code", sa.String(16), nullable=False),
        sa.Column("meeting_date", sa.Date, nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("notes", sa.Text),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.UniqueConstraint("group_code", "meeting_date", name="uq_tasking_meetings_group_date"),
    )
    op.create_table(
        "tasking_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("tasking_meetings.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("area_kind", sa.String(16), nullable=False),
        sa.Column("area_ref", sa.Text, nullable=False),
        sa.Column("categories", sa.Text),
        sa.Column("owner_name", sa.String(100), nullable=False),
        sa.Column("owner_org", sa.String(100), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_tasking_actions_meeting", "tasking_actions", ["meeting_id"])
    op.create_table(
        "tasking_updates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("tasking_actions.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("note", sa.Text),
        sa.Column("status_from", sa.String(16)),
        sa.Column("status_to", sa.String(16)),
        sa.Column("changes", sa.Text),
    )
    op.create_index("ix_tasking_updates_action", "tasking_updates", ["action_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("result_size", sa.Integer),
        sa.Column("outcome", sa.String(16), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action", "at"])
    dialect = op.get_bind().dialect.name
    for stmt in PG_UP if dialect == "postgresql" else SQLITE_UP if dialect == "sqlite" else []:
        op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for stmt in PG_DOWN if dialect == "postgresql" else SQLITE_DOWN if dialect == "sqlite" else []:
        op.execute(stmt)
    op.drop_table("audit_log")
    op.drop_table("tasking_updates")
    op.drop_table("tasking_actions")
    op.drop_table("tasking_meetings")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("agency")
