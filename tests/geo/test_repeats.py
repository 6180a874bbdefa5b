"""Repeat locations: hand-made places, single linkage, and the viewer's coarsening."""

import numpy as np
import pandas as pd

from geo.patterns.repeats import coarsen, place_labels, repeat_places


def records(points, *, start="2024-03-03T10:00:00Z"):
    t0 = pd.Timestamp(start)
    rows = []
    for k, (x, y, agency, cat, days) in enumerate(points):
        rows.append({"easting": x, "northing": y, "agency": agency, "category": cat,
                     "occurred_at": t0 + pd.Timedelta(days=days), "ward": "W1", "datazone": "D1", "source_id": str(k)})
    return pd.DataFrame(rows)


def test_places_by_hand() -> None:
    pts = [
        (1000, 1000, "police", "vandalism", 0), (1010, 1000, "fire", "deliberate_fire", 5),
        (1030, 1000, "police", "vandalism", 40),  # 20 m from the second: chained in
        (2000, 2000, "police", "theft", 1), (2000, 2000, "police", "theft", 2),  # same coordinates
        (3000, 3000, "police", "assault", 3),  # alone
        (5000, 5000, "police", "theft", 3), (5026, 5000, "police", "theft", 4),  # 26 m: not linked at 25
    ]
    df = records(pts)
    places = repeat_places(df, radius_m=25)
    assert [p.n for p in places] == [3, 2]
    a, b = places
    assert a.by_agency == {"police": 2, "fire": 1} and a.by_category == {"vandalism": 2, "deliberate_fire": 1}
    assert a.easting == np.mean([1000, 1010, 1030]) and a.extent_m == np.max(np.abs(np.array([1000, 1010, 1030]) - a.easting))
    assert a.first_at == df["occurred_at"][0] and a.last_at == df["occurred_at"][2]
    assert (b.easting, b.northing) == (2000, 2000)
    assert [p.n for p in repeat_places(df, radius_m=0)] == [2]
    assert [p.n for p in repeat_places(df, radius_m=26.5)] == [3, 2, 2]
    # oracle for the labels: a pure-Python union-find over all pairs
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    parent = list(range(len(x)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            if np.hypot(x[i] - x[j], y[i] - y[j]) <= 25:
                parent[find(i)] = find(j)
    lab = place_labels(x, y, 25)
    roots = [find(i) for i in range(len(x))]
    assert all((lab[i] == lab[j]) == (roots[i] == roots[j]) for i in range(len(x)) for j in range(len(x)))


def test_viewer_sees_no_small_place_no_exact_location_no_day() -> None:
    pts = [(1003.0 + k, 1007.0, "police" if k else "fire", "vandalism" if k < 6 else "theft", k) for k in range(7)]
    pts += [(4001.0, 4001.0, "police", "theft", k) for k in range(4)]  # 4 incidents: never shown
    df = records(pts)
    rows = coarsen(repeat_places(df, radius_m=25), df)
    assert len(rows) == 1
    r = rows[0]
    assert (r["easting"], r["northing"]) == (1125.0, 1125.0) and r["n"] == 7
    # fire 1 -> "<5", and police (6) withheld as "c" because n is shown
    assert r["by_agency"] == {"police": "c", "fire": "<5"}
    assert r["by_category"] == {"vandalism": "c", "theft": "<5"}
    assert r["first_month"] == "2024-03" and r["last_month"] == "2024-03"
    assert "first_at" not in r and all("T" not in str(v) for v in r.values())
