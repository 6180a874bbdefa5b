"""Alembic environment: runs on the connection handed over by ``app.db.upgrade``."""

from alembic import context

from app.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - alembic CLI use
    from sqlalchemy import create_engine

    connection = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()
hooks = [h for h in [context.config.attributes.get("on_version_apply")] if h is not None]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, on_version_apply=hooks)
with context.begin_transaction():
    context.run_migrations()
