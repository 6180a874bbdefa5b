"""The incident frame read straight from the DBAPI cursor (app.service._read_rows) equals
the plain ``pandas.read_sql`` frame, column for column and dtype for dtype, on SQLite and
PostgreSQL; the hotspot request reads the window from the database once and asks for the
data version once.

Ground truth is independent of the fast path: planted records (times with and without
fractions of a second, a missing raw category, data-zone and month precision) read back
through ``pandas.read_sql`` on a SQLAlchemy connection, and the planted times themselves.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from app import analysis, hotspot_views
from app.db import incidents
from app.security import Principal
from app.service import FRAME_COLUMNS, Filters, Service
from geo.ingest import parse_native_records
from geo.periods import Window

ADMIN = Principal(name="t", role="admin")
TWINS = 6  # planted joint attendances (i = 9, 18, ..., 54)


def _plant(svc: Service) -> pd.DataFrame:
    pts = svc.boundaries.datazones.geometry.representative_point()
    rows = []
    for i in range(60):
        p = pts.iloc[i % len(pts)]
        t = pd.Timestamp("2024-03-01 09:00") + pd.Timedelta(minutes=37 * i, microseconds=(123_456 if i % 3 else 0))
        rows.append({"source_id": f"F{i}", "agency": ("police", "fire", "road")[i % 3], "easting": round(p.x + i, 1),
                     "northing": round(p.y - i, 1), "category": ("vandalism", "deliberate_fire", "collision")[i % 3],
                     "occurred_at": t.isoformat(), "raw_category": None if i % 4 == 0 else f"raw {i}",
                     "date_precision": "month" if i % 7 == 0 else "datetime"})
        if i % 9 == 0 and i:  # a police record's fire twin, 5 m east and 10 minutes later: one joint attendance
            rows.append(rows[-1] | {"source_id": f"T{i}", "agency": "fire", "category": "deliberate_fire",
                                    "easting": rows[-1]["easting"] + 5,
                                    "occurred_at": (t + pd.Timedelta(minutes=10)).isoformat()})
    rep = svc.store(svc.validate(parse_native_records(rows)), fmt="native", filename=None, key_name="t")
    assert rep["accepted"] == len(rows), rep["errors"][:3]
    nulls = [r["source_id"] for r in rows if r["raw_category"] is None]  # ingest fills a blank one: clear it here
    with svc.engine.begin() as conn:
        conn.execute(incidents.update().where(incidents.c.source_id.in_(nulls)).values(raw_category=None))
    return pd.DataFrame(rows)


def _read_sql(svc: Service, f: Filters, names: list[str]) -> pd.DataFrame:
    cols = [incidents.c[n] for n in dict.fromkeys([*names, "easting", "northing"])]
    q = sa.select(*cols).where(*f.clauses()).order_by(incidents.c.id)
    with svc.engine.connect() as conn:
        df = pd.read_sql(q, conn)
    df = df[names]
    if "occurred_at" in df.columns:
        df["occurred_at"] = pd.to_datetime(df["occurred_at"]).dt.tz_localize("UTC")
    return df


WINDOWS = {
    "all": Filters(),
    "fire": Filters(agency="fire"),
    "part": Filters(window=Window(pd.Timestamp("2024-03-01 12:00", tz="UTC"), pd.Timestamp("2024-03-01 20:00", tz="UTC"))),
    "empty": Filters(window=Window(pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("1990-02-01", tz="UTC"))),
}


@pytest.mark.parametrize("name", list(WINDOWS))
def test_frame_equals_read_sql(service: Service, name: str) -> None:
    planted = _plant(service)
    f = WINDOWS[name]
    for names in (FRAME_COLUMNS, list(analysis.ANALYSIS_COLUMNS), ["source_id", "occurred_at"], ["raw_category"]):
        got, want = service.frame(f, columns=names), _read_sql(service, f, names)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert list(got.dtypes) == list(want.dtypes)
    got = service.frame(f, columns=["source_id", "occurred_at", "raw_category"])
    if name == "empty":
        assert got.empty
        return
    # the planted values themselves, to the microsecond (local London time = UTC in March)
    exp = planted.set_index("source_id").loc[got["source_id"]]
    assert (got["occurred_at"].dt.tz_localize(None).to_numpy() == pd.to_datetime(exp["occurred_at"], format="ISO8601").to_numpy()).all()
    assert got["occurred_at"].dt.microsecond.isin([0, 123_456]).all()
    assert got["raw_category"].isna().to_numpy().tolist() == exp["raw_category"].isna().to_numpy().tolist()


def test_hotspot_request_reads_once(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    _plant(service)
    frames: list[list[str]] = []
    versions: list[str] = []
    real_frame, real_version = Service.frame, Service.data_version

    def frame(self: Service, *a: object, **k: object) -> pd.DataFrame:
        frames.append(list(k.get("columns", FRAME_COLUMNS)))  # type: ignore[call-overload]
        return real_frame(self, *a, **k)  # type: ignore[arg-type]

    def version(self: Service) -> str:
        versions.append(real_version(self))
        return versions[-1]

    monkeypatch.setattr(Service, "frame", frame)
    monkeypatch.setattr(Service, "data_version", version)
    f = Filters(window=Window(pd.Timestamp("2024-03-01", tz="UTC"), pd.Timestamp("2024-04-01", tz="UTC")))
    fc = hotspot_views.hotspot_collection(service, ADMIN, f)
    assert len(frames) == 1 and "date_precision" in frames[0]
    assert len(versions) == 1
    # the linked count equals geo.events on an independent read of the same window
    from geo.events import link_events

    s = service.settings
    fresh = _read_sql(service, f, [*analysis.ANALYSIS_COLUMNS, "date_precision"])
    n = link_events(fresh, metres=s.event_link_metres, minutes=s.event_link_minutes).n_pairs
    assert fc["excluded"]["linked_events"] == n == TWINS
    # outside the block every cached step asks again (a stored batch must change the key)
    versions.clear()
    analysis.incidents(service, f)
    analysis.incidents(service, f)
    assert len(versions) == 2
