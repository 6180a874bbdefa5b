"""geo.events.link_events against a brute-force O(n^2) oracle and hand-worked cases."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from geo.events import link_events

T0 = pd.Timestamp("2026-03-01 12:00", tz="UTC")


def frame(recs: list[tuple[str, float, float, float]], **extra: list[object]) -> pd.DataFrame:
    """(agency, easting, northing, minutes after T0) records."""
    df = pd.DataFrame(recs, columns=["agency", "easting", "northing", "minutes"])
    df["occurred_at"] = T0 + pd.to_timedelta(df.pop("minutes"), unit="min")
    for k, v in extra.items():
        df[k] = v
    return df


def oracle(df: pd.DataFrame, metres: float, minutes: float) -> set[tuple[int, int]]:
    """All pairs by plain loops, sorted by (|dt|, distance, police row, fire row), greedy."""
    if metres <= 0 or minutes <= 0:
        return set()
    recs = df.to_dict("records")
    ok = [
        r["agency"] in ("police", "fire")
        and r.get("location_precision") != "datazone"
        and r.get("date_precision") != "month"
        for r in recs
    ]
    cand = []
    for a, ra in enumerate(recs):
        for b, rb in enumerate(recs):
            if not (ok[a] and ok[b] and ra["agency"] == "police" and rb["agency"] == "fire"):
                continue
            dt = abs((ra["occurred_at"] - rb["occurred_at"]).value)  # ns
            d = math.dist((ra["easting"], ra["northing"]), (rb["easting"], rb["northing"]))
            if dt <= minutes * 60e9 and d <= metres:
                cand.append((dt, d, a, b))
    used: set[int] = set()
    out = set()
    for _, _, a, b in sorted(cand):
        if a not in used and b not in used:
            used |= {a, b}
            out.add((a, b))
    return out


def pairs(df: pd.DataFrame, metres: float, minutes: float) -> set[tuple[int, int]]:
    r = link_events(df, metres=metres, minutes=minutes)
    assert r.n_pairs == int(r.second.sum()) == len(np.flatnonzero(r.partner >= 0)) // 2
    return {(int(r.partner[f]), int(f)) for f in np.flatnonzero(r.second)}


def random_frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # a few dense spots so that chains and competing candidates occur; integer minutes
    # and metres on a grid so that exact ties and exact-limit distances happen too
    centre = rng.integers(0, 4, n) * 400.0
    return frame(
        [
            (str(rng.choice(["police", "fire", "fire", "road"])),
             float(c + rng.integers(-6, 7) * 10.0), float(rng.integers(-6, 7) * 10.0), float(rng.integers(0, 240)))
            for c in centre
        ],
        location_precision=list(rng.choice(["exact", "exact", "exact", "datazone"], n)),
        date_precision=list(rng.choice(["datetime"] * 5 + ["month"], n)),
    )


@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force_oracle(seed: int) -> None:
    df = random_frame(seed, 160)
    for metres, minutes in ((50, 30), (30, 10), (100, 60)):
        expect = oracle(df, metres, minutes)
        assert pairs(df, metres, minutes) == expect
    assert expect  # the data does produce links


@pytest.mark.parametrize("seed", range(4))
def test_links_are_stable_and_maximal(seed: int) -> None:
    """Independent property: no unlinked candidate pair whose two records are free or
    linked by a larger key (stability), so no candidate pair of two free records."""
    df = random_frame(100 + seed, 150)
    r = link_events(df, metres=50, minutes=30)
    recs = df.to_dict("records")

    def key(a: int, b: int) -> tuple[float, float, int, int]:
        ra, rb = recs[a], recs[b]
        return (abs((ra["occurred_at"] - rb["occurred_at"]).value),
                math.dist((ra["easting"], ra["northing"]), (rb["easting"], rb["northing"])), a, b)

    def own(x: int) -> tuple[float, float, int, int] | None:
        y = int(r.partner[x])
        if y < 0:
            return None
        return key(x, y) if recs[x]["agency"] == "police" else key(y, x)

    for a, b in oracle(df, 50, 30) | pairs(df, 50, 30):
        if r.partner[a] == b:
            continue
        k = key(a, b)
        ka, kb = own(a), own(b)
        assert (ka is not None and ka < k) or (kb is not None and kb < k)


def test_limits_are_inclusive() -> None:
    df = frame([("police", 0, 0, 0), ("fire", 30, 40, 30),  # exactly 50 m and 30 min
                ("police", 1000, 0, 0), ("fire", 1050.001, 0, 0),  # just over 50 m
                ("police", 2000, 0, 0), ("fire", 2000, 0, 30.001)])  # just over 30 min
    r = link_events(df, metres=50, minutes=30)
    assert r.second.tolist() == [False, True, False, False, False, False]
    assert r.event_id.tolist() == [0, 0, 2, 3, 4, 5]
    assert r.n_events == 5


def test_nearest_in_time_then_distance_then_id() -> None:
    df = frame([("police", 0, 0, 0), ("fire", 0, 0, 20), ("fire", 40, 0, 5),  # 5 min beats 20 min
                ("police", 500, 0, 0), ("fire", 510, 0, 10), ("fire", 505, 0, 10),  # same dt: nearer
                ("police", 900, 0, 0), ("police", 900, 0, 0), ("fire", 900, 0, 0)])  # full tie: lower id
    r = link_events(df, metres=50, minutes=30)
    assert pairs(df, 50, 30) == {(0, 2), (3, 5), (6, 8)}
    df["id"] = [1, 2, 3, 4, 5, 6, 90, 80, 7]  # the id column, not the row, breaks the tie
    assert pairs(df, 50, 30) == {(0, 2), (3, 5), (7, 8)}
    assert r.n_pairs == 3


def test_chain_is_greedy_not_maximum() -> None:
    """P1-F1 (dt 20), P2-F1 (dt 5), P2-F2 (dt 10), P1-F2 too far: greedy links P2-F1 only
    (a maximum matching would give P1-F1 and P2-F2)."""
    df = frame([("police", 0, 0, 0), ("fire", 40, 0, 20), ("police", 80, 0, 25), ("fire", 120, 0, 35)])
    assert pairs(df, 50, 30) == {(2, 1)}
    # one-to-one: a police record with two fire records within the limits links one
    df2 = frame([("police", 0, 0, 0), ("fire", 0, 0, 1), ("fire", 0, 0, 2)])
    assert pairs(df2, 50, 30) == {(0, 1)}


def test_never_linked_records_and_switch_off() -> None:
    df = frame([("police", 0, 0, 0), ("fire", 0, 0, 1), ("police", 500, 0, 0), ("fire", 500, 0, 1),
                ("police", 900, 0, 0), ("road", 900, 0, 1), ("fire", 1300, 0, 0), ("fire", 1300, 0, 1)],
               location_precision=["exact", "datazone", "exact", "exact", "exact", "exact", "exact", "exact"],
               date_precision=["datetime", "datetime", "month", "datetime", "datetime", "datetime", "datetime",
                               "datetime"])
    assert link_events(df, metres=50, minutes=30).n_pairs == 0
    ok = frame([("police", 0, 0, 0), ("fire", 0, 0, 1)])
    assert link_events(ok, metres=50, minutes=30).n_pairs == 1
    assert link_events(ok, metres=0, minutes=30).n_pairs == 0
    assert link_events(ok, metres=50, minutes=0).n_pairs == 0
    assert link_events(ok.iloc[:0], metres=50, minutes=30).n_pairs == 0


def test_many_rows_are_fast() -> None:
    """200k rows (a fifth of them joint attendances) link in a few seconds, and every police
    record with a planted fire twin is linked (one-to-one: once however many twins)."""
    rng = np.random.default_rng(7)
    n = 150_000
    x = rng.uniform(295_000, 310_000, n)
    y = rng.uniform(660_000, 675_000, n)
    m = rng.uniform(0, 365 * 24 * 60, n)
    ag = rng.choice(["police", "fire"], n, p=[0.8, 0.2])
    k = 50_000  # planted duplicates: a fire record 0-20 m and 0-15 min from a police one
    src = rng.integers(0, n, k)
    df = frame(list(zip(
        [*ag, *["fire"] * k],
        [*x, *(x[src] + rng.uniform(0, 14, k))], [*y, *(y[src] + rng.uniform(0, 14, k))],
        [*m, *(m[src] + rng.uniform(0, 15, k))], strict=True)))
    t = time.perf_counter()
    r = link_events(df, metres=50, minutes=30)
    assert time.perf_counter() - t < 10
    planted = np.unique(src[ag[src] == "police"]).size  # police records with a planted twin
    assert planted * 0.97 <= r.n_pairs <= planted * 1.03 + 50


def _colocation_world(seed: int) -> tuple[pd.DataFrame, int]:
    """Police uniform on a 2 km square; fire = 60 joint attendances (a police record's
    exact place, 5 minutes later) plus 60 fire incidents independent of police."""
    rng = np.random.default_rng(seed)
    n_pol, n_dup, n_ind = 200, 60, 60
    xy = rng.uniform(0, 2000, (n_pol, 2))
    m = rng.uniform(0, 90 * 24 * 60, n_pol)
    dup = rng.choice(n_pol, n_dup, replace=False)
    ind = rng.uniform(0, 2000, (n_ind, 2))
    recs = [("police", x, y, t) for (x, y), t in zip(xy, m, strict=True)]
    recs += [("fire", xy[i, 0], xy[i, 1], m[i] + 5) for i in dup]
    recs += [("fire", x, y, t) for (x, y), t in zip(ind, rng.uniform(0, 90 * 24 * 60, n_ind), strict=True)]
    return frame(recs), n_dup


def test_joint_attendances_do_not_make_fire_colocate_with_police() -> None:
    """Without linking, duplicates make fire -> police co-location look significant in
    every world; with the linked fire records dropped (the app's co-location input) the
    test rejects at about its nominal rate (independent fire: the null is true)."""
    from geo.hotspots.colocation import global_clq

    alpha, worlds = 0.1, 20
    raw = linked = 0
    for seed in range(worlds):
        df, n_dup = _colocation_world(seed)
        links = link_events(df, metres=50, minutes=30)
        assert links.n_pairs == n_dup and links.second[-2 * n_dup:-n_dup].all()
        xy, lab = df[["easting", "northing"]].to_numpy(), df["agency"].to_numpy()
        r0 = global_clq(xy, lab, "fire", "police", permutations=99, seed=seed)
        keep = ~links.second
        r1 = global_clq(xy[keep], lab[keep], "fire", "police", permutations=99, seed=seed)
        raw += r0.p_attraction is not None and r0.p_attraction <= alpha
        linked += r1.p_attraction is not None and r1.p_attraction <= alpha
    assert raw == worlds
    # Binomial(20, 0.1): P(X >= 7) < 0.003
    assert linked <= 6
