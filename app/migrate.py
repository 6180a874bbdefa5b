"""Schema state for several processes sharing one database.

Migrations are an explicit step (``hotspots db upgrade``, or ``hotspots serve --migrate``),
not something every process does as it starts: ``serve`` refuses to start on a database
whose schema is behind the code (:func:`state`), and the workers it starts never migrate.
:func:`app.db.upgrade` holds a PostgreSQL transaction-level advisory lock
(``pg_advisory_xact_lock``) while it runs, so two processes upgrading at once run the
migrations one after the other, and the second finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from app.db import MIGRATIONS


@dataclass(frozen=True)
class SchemaState:
    """The database's Alembic revision (None: never migrated) and the code's head."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """Whether the database is at the code's newest revision."""
        return self.current == self.head

    def describe(self) -> str:
        """One line for people."""
        if self.up_to_date:
            return f"database schema at {self.head} (up to date)"
        at = "empty (never migrated)" if self.current is None else f"at {self.current}"
        return f"database schema {at}; this version needs {self.head}"


def head_revision() -> str:
    """The newest migration's revision id."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def state(engine: Engine) -> SchemaState:
    """Where the database's schema is against the code's migrations."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return SchemaState(current=current, head=head_revision())
