"""Joint attendances: one event, two records (police and fire at the same incident).

When police and fire both attend one incident, each agency records it: two rows, the same
place, minutes apart. Counted as two incidents they inflate all-agency totals and make a
joint attendance look like fire *beside* police (co-location). :func:`link_events` pairs
such records so that all-agency totals can count the *event* once.

The rule
--------
A police record ``p`` and a fire record ``f`` are *candidates* when both

- their distance ``hypot(dx, dy)`` (easting/northing, metres) is ``<= metres``, and
- their time difference ``|t_p - t_f|`` is ``<= minutes`` (both limits inclusive;
  compared exactly, in integer nanoseconds).

Links are one-to-one (a record is in at most one pair) and chosen greedily over ALL
candidate pairs in the order of the key ``(|dt|, distance, police id, fire id)``: the
closest-in-time pair is linked first, then the next pair whose two records are both still
free, and so on. The result is the *stable* matching for that key: no candidate pair that
is not linked has both records free or linked by a larger key. It is not the matching
with the most pairs: for police ``P1, P2`` and fire ``F1, F2`` with
``dt(P2, F1) < dt(P2, F2) < dt(P1, F1)`` and ``P1, F2`` too far apart, ``P2-F1`` is linked
and ``P1`` and ``F2`` stay single (one pair, not two): each record joins the record it is
closest to in time, a maximum matching would pair ``P2`` with its second choice.
Ties in ``|dt|`` go to the nearer pair, then to the lower police id, then the lower fire
id (``id`` column if present, else the row position), so the result is deterministic.

Never linked: records of other agencies (road collisions), records placed on a data
zone's point (``location_precision == "datazone"``), records dated to the month only
(``date_precision == "month"``: police.uk), and records without a time or coordinates.
``metres <= 0`` or ``minutes <= 0`` switches linking off.

The linked fire record is the *second* record of its event: the event is counted once, at
its police record (``event_id`` = the police record's row position).

Implementation: candidate pairs come from a KD-tree (:class:`scipy.spatial.cKDTree`) on
``(easting, northing, scaled time)`` with the time scaled so that ``minutes`` becomes
``metres``, queried with the Chebyshev radius ``metres`` (a superset of the candidates),
then filtered exactly; no all-pairs comparison, so a million rows take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

__all__ = ["EventLinks", "link_events", "linkable"]

NS_PER_MINUTE = 60_000_000_000


@dataclass(frozen=True)
class EventLinks:
    """Linked police/fire pairs of a frame (row positions, in the frame's order).

    Attributes
    ----------
    event_id : ndarray of int64
        Per row: the row position of the event's first record (the police record of a
        linked pair; the row itself otherwise).
    second : ndarray of bool
        Per row: the fire record of a linked pair (drop these to count events once).
    partner : ndarray of int64
        Per row: the row position of the other record of its pair, or -1.
    n_pairs : int
        Number of linked pairs (= ``second.sum()``).
    metres, minutes : float
        The thresholds used.
    """

    event_id: npt.NDArray[np.int64]
    second: npt.NDArray[np.bool_]
    partner: npt.NDArray[np.int64]
    n_pairs: int
    metres: float
    minutes: float

    @property
    def n_events(self) -> int:
        """Rows counted once: records minus linked pairs."""
        return int(self.second.size - self.n_pairs)


def linkable(df: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Rows that may link: police or fire, a point place, a time to the minute."""
    n = len(df)
    ok = np.array(df["agency"].isin(("police", "fire")), dtype=bool) if "agency" in df.columns else np.zeros(n, bool)
    if "location_precision" in df.columns:
        ok &= (df["location_precision"] != "datazone").to_numpy()
    if "date_precision" in df.columns:
        ok &= (df["date_precision"] != "month").to_numpy()
    for col in ("easting", "northing"):
        ok &= np.isfinite(pd.to_numeric(df[col], errors="coerce").to_numpy(np.float64))
    ok &= df["occurred_at"].notna().to_numpy()
    return np.asarray(ok, dtype=bool)


def _times_ns(s: pd.Series) -> npt.NDArray[np.int64]:
    t = pd.to_datetime(s, utc=True).dt.as_unit("ns")  # stored units vary (s, us, ns)
    return np.asarray(t.astype("int64").to_numpy(), dtype=np.int64)


def _candidates(xy_p: npt.NDArray[np.float64], t_p: npt.NDArray[np.int64], xy_f: npt.NDArray[np.float64],
                t_f: npt.NDArray[np.int64], metres: float, minutes: float) -> tuple[npt.NDArray[np.int64], ...]:
    """Candidate (police, fire) index pairs within both limits, with |dt| and distance."""
    t0 = min(int(t_p.min()), int(t_f.min()))
    scale = metres / (minutes * NS_PER_MINUTE)

    def pts(xy: npt.NDArray[np.float64], t: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        return np.column_stack([xy, (t - t0).astype(np.float64) * scale])

    r = metres * (1 + 1e-9) + 1e-6  # superset; the exact tests follow
    sdm = cKDTree(pts(xy_p, t_p)).sparse_distance_matrix(cKDTree(pts(xy_f, t_f)), r, p=np.inf, output_type="ndarray")
    i = sdm["i"].astype(np.int64)
    j = sdm["j"].astype(np.int64)
    dt = np.abs(t_p[i] - t_f[j])
    dist = np.hypot(xy_p[i, 0] - xy_f[j, 0], xy_p[i, 1] - xy_f[j, 1])
    keep = (dt <= round(minutes * NS_PER_MINUTE)) & (dist <= metres)
    return i[keep], j[keep], dt[keep], dist[keep]  # type: ignore[return-value]


def _greedy(i: npt.NDArray[np.int64], j: npt.NDArray[np.int64], order: npt.NDArray[np.int64],
            n_p: int, n_f: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """One-to-one links in ``order`` (edges whose two ends have no other edge are linked
    at once; the rest one by one)."""
    deg_p = np.bincount(i, minlength=n_p)
    deg_f = np.bincount(j, minlength=n_f)
    lone = (deg_p[i] == 1) & (deg_f[j] == 1)
    mp = np.full(n_p, -1, np.int64)
    mf = np.full(n_f, -1, np.int64)
    mp[i[lone]] = j[lone]
    mf[j[lone]] = i[lone]
    for e in order[~lone[order]].tolist():
        a, b = int(i[e]), int(j[e])
        if mp[a] < 0 and mf[b] < 0:
            mp[a], mf[b] = b, a
    return mp, mf


def link_events(df: pd.DataFrame, *, metres: float, minutes: float) -> EventLinks:
    """Link police and fire records of the same event (module notes give the rule).

    Parameters
    ----------
    df
        Records with ``agency, occurred_at, easting, northing`` (BNG metres); optional
        ``location_precision``, ``date_precision`` and ``id`` (tie-break; else the row
        position).
    metres, minutes
        Distance and time limits (inclusive); either ``<= 0`` disables linking.

    Returns
    -------
    EventLinks

    Examples
    --------
    >>> t = pd.to_datetime(["2026-01-01 10:00", "2026-01-01 10:20", "2026-01-01 12:00"], utc=True)
    >>> df = pd.DataFrame({"agency": ["police", "fire", "fire"], "occurred_at": t,
    ...                    "easting": [0.0, 30.0, 0.0], "northing": [0.0, 40.0, 0.0]})
    >>> r = link_events(df, metres=50, minutes=30)
    >>> r.n_pairs, r.second.tolist(), r.event_id.tolist()
    (1, [False, True, False], [0, 0, 2])
    """
    n = len(df)
    rows = np.arange(n, dtype=np.int64)
    partner = np.full(n, -1, np.int64)
    if n == 0 or metres <= 0 or minutes <= 0:
        return EventLinks(rows, np.zeros(n, bool), partner, 0, float(metres), float(minutes))
    ok = linkable(df)
    agency = df["agency"].to_numpy()
    pol = np.flatnonzero(ok & (agency == "police"))
    fir = np.flatnonzero(ok & (agency == "fire"))
    if pol.size == 0 or fir.size == 0:
        return EventLinks(rows, np.zeros(n, bool), partner, 0, float(metres), float(minutes))
    xy = df[["easting", "northing"]].to_numpy(np.float64)
    t = np.zeros(n, np.int64)
    t[ok] = _times_ns(df["occurred_at"][ok])
    ids = pd.to_numeric(df["id"], errors="coerce").to_numpy(np.float64) if "id" in df.columns else rows.astype(np.float64)
    i, j, dt, dist = _candidates(xy[pol], t[pol], xy[fir], t[fir], float(metres), float(minutes))
    order = np.lexsort((ids[fir[j]], ids[pol[i]], dist, dt)).astype(np.int64)
    mp, _ = _greedy(i, j, order, pol.size, fir.size)
    linked = np.flatnonzero(mp >= 0)
    p_rows, f_rows = pol[linked], fir[mp[linked]]
    partner[p_rows], partner[f_rows] = f_rows, p_rows
    second = np.zeros(n, bool)
    second[f_rows] = True
    event_id = rows.copy()
    event_id[f_rows] = p_rows
    return EventLinks(event_id, second, partner, int(linked.size), float(metres), float(minutes))
