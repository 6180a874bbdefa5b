"""Pre-aggregated daily counts, maintained in the same transaction as each ingest batch.

``daily_counts`` holds, per Europe/London calendar day, ward, data zone, agency and
category, the number of stored incidents. A windowed count over whole local days is a
sum over at most a few thousand rows instead of a scan of every incident in the window;
partial days at either end of a window are counted from the incidents table, so the
result is always exactly the count of incidents with ``from <= occurred_at < to``
(tests compare both paths and an independent pandas count).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from app.db import incidents, metadata

TZ = "Europe/London"
KEYS = ("ward", "datazone", "agency", "category")

daily_counts = sa.Table(
    "daily_counts",
    metadata,
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("ward", sa.String(9), nullable=False),
    sa.Column("datazone", sa.String(9), nullable=False),
    sa.Column("agency", sa.String(16), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("day", "ward", "datazone", "agency", "category", name="pk_daily_counts"),
    sqlite_with_rowid=False,
)

# the same at ward level (about 1/25 of the rows): the ward statistics read this one
daily_ward_counts = sa.Table(
    "daily_ward_counts",
    metadata,
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("ward", sa.String(9), nullable=False),
    sa.Column("agency", sa.String(16), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("day", "ward", "agency", "category", name="pk_daily_ward_counts"),
    sqlite_with_rowid=False,
)
WARD_KEYS = ("ward", "agency", "category")


def table_for(by: list[str], *, datazone_filter: bool) -> sa.Table:
    """The smallest daily table that can answer a grouping by ``by``."""
    return daily_ward_counts if set(by) <= set(WARD_KEYS) and not datazone_filter else daily_counts


def local_days(occurred_at: pd.Series) -> pd.Series:
    """Europe/London calendar day of UTC timestamps."""
    return occurred_at.dt.tz_convert(TZ).dt.date


def add_counts(conn: sa.Connection, df: pd.DataFrame) -> None:
    """Add the incidents of ``df`` (an accepted incident frame) to the daily counts."""
    if df.empty:
        return
    with_day = df.assign(day=local_days(df["occurred_at"]))
    raw = conn.connection.dbapi_connection
    assert raw is not None
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    for table, keys in ((daily_counts, KEYS), (daily_ward_counts, WARD_KEYS)):
        g = with_day.groupby(["day", *keys]).size().rename("n").reset_index()
        cols = ["day", *keys, "n"]
        sql = (
            f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))}) "
            f"ON CONFLICT ({', '.join(cols[:-1])}) DO UPDATE SET n = {table.name}.n + excluded.n"
        )
        values = [g["day"].tolist(), *[g[k].tolist() for k in keys], g["n"].astype(int).tolist()]
        if conn.dialect.name != "postgresql":
            values[0] = [d.isoformat() for d in values[0]]
        rows = list(zip(*values, strict=True))
        cur = raw.cursor()
        try:
            for i in range(0, len(rows), 50_000):
                cur.executemany(sql, rows[i : i + 50_000])
        finally:
            cur.close()


def rebuild(conn: sa.Connection) -> int:
    """Recompute the daily counts from the incidents table (used once after upgrade)."""
    conn.execute(daily_counts.delete())
    conn.execute(daily_ward_counts.delete())
    q = sa.select(incidents.c.occurred_at, *[incidents.c[k] for k in KEYS])
    total = 0
    for chunk in pd.read_sql(q, conn, chunksize=200_000):
        chunk["occurred_at"] = pd.to_datetime(chunk["occurred_at"]).dt.tz_localize("UTC")
        add_counts(conn, chunk)
        total += len(chunk)
    return total


def whole_days(start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The largest ``[a, b)`` of whole local days inside ``[start, end)`` (UTC), or None."""
    s = start.tz_convert(TZ)
    e = end.tz_convert(TZ)
    a = s.normalize()
    if a < s:
        a = (a + pd.Timedelta(days=1)).normalize()
    b = e.normalize()
    if b <= a:
        return None
    # normalize() keeps the local date at midnight; re-localise to be exact across DST
    a = pd.Timestamp(a.date()).tz_localize(TZ)
    b = pd.Timestamp(b.date()).tz_localize(TZ)
    return a.tz_convert("UTC"), b.tz_convert("UTC")


def day_range_clause(table: sa.Table, a: pd.Timestamp, b: pd.Timestamp) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses selecting the local days in ``[a, b)``."""
    da: date = a.tz_convert(TZ).date()
    db: date = b.tz_convert(TZ).date()
    return [table.c.day >= da, table.c.day < db]
