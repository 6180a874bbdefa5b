"""Repeat locations: places where incidents keep happening.

Rule
----
Two incidents are *linked* when they lie within ``radius_m`` of each other (straight
line, British National Grid; ``radius_m = 0`` links only identical coordinates). A
*place* is a connected group of linked incidents (single linkage: a chain of links
joins them, found as the connected components of the link graph from a KD-tree pair
search). A place is reported when it holds at least ``min_incidents`` incidents
(default 2). Its position is the mean of its members' coordinates and ``extent_m`` the
largest distance of a member from it (single linkage can chain along a street, so a
large extent says the "place" is a stretch rather than a point).

Disclosure (viewer)
-------------------
:func:`coarsen` turns places into what a viewer may see: only places of 5 or more
incidents; the position replaced by the centre of its ``cell_m`` grid cell (default
250 m; places in one cell merged); dates reduced to months, and a first/last month shown
only when the place had 5 or more incidents in it; breakdowns by agency and category
with counts 1–4 as ``"<5"`` and secondary suppression against the place's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.errors import ParameterError
from geo.patterns.disclosure import THRESHOLD, suppress_set

TZ = "Europe/London"
DEFAULT_RADIUS_M = 25.0
DEFAULT_CELL_M = 250.0


@dataclass(frozen=True)
class RepeatPlace:
    """One place with repeated incidents (exact, for partners and analysts)."""

    easting: float
    northing: float
    extent_m: float
    n: int
    by_agency: dict[str, int]
    by_category: dict[str, int]
    first_at: pd.Timestamp
    last_at: pd.Timestamp
    wards: list[str]
    datazones: list[str]
    members: np.ndarray


def place_labels(easting: np.ndarray, northing: np.ndarray, radius_m: float) -> np.ndarray:
    """Single-linkage place label of each incident (links within ``radius_m``)."""
    if not np.isfinite(radius_m) or radius_m < 0:
        raise ParameterError(f"`radius_m` must be >= 0, got {radius_m}", param="radius_m")
    n = len(easting)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    xy = np.column_stack([easting, northing]).astype(np.float64)
    pairs = cKDTree(xy).query_pairs(r=radius_m, output_type="ndarray")
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else coo_matrix((n, n))
    _, labels = connected_components(g, directed=False)
    return labels.astype(np.int64)


def _tally(values: np.ndarray) -> dict[str, int]:
    """Counts of the non-null values, most frequent first (ties by name)."""
    vals = [v for v in values.tolist() if v is not None and v == v]
    if not vals:
        return {}
    keys, counts = np.unique(np.asarray(vals, dtype=str), return_counts=True)
    pairs = sorted(zip(keys.tolist(), counts.tolist(), strict=True), key=lambda kv: (-kv[1], kv[0]))
    return {str(k): int(c) for k, c in pairs}


def _counts(s: pd.Series) -> dict[str, int]:
    vc = s.value_counts()
    return {str(k): int(v) for k, v in sorted(vc.items(), key=lambda kv: (-kv[1], str(kv[0])))}


def _codes(s: pd.Series | None) -> list[str]:
    if s is None:
        return []
    return [str(k) for k in s.dropna().value_counts().index]


def repeat_places(incidents: pd.DataFrame, *, radius_m: float = DEFAULT_RADIUS_M, min_incidents: int = 2) -> list[RepeatPlace]:
    """Places with at least ``min_incidents`` linked incidents, most incidents first.

    Parameters
    ----------
    incidents
        ``easting, northing, agency, category, occurred_at`` (+ ``ward``, ``datazone``).
    radius_m
        Linkage distance in metres (0: identical coordinates only).
    min_incidents
        Smallest place reported (>= 2).

    Returns
    -------
    list of RepeatPlace
        Ordered by ``n`` (descending), then the latest incident (most recent first).
    """
    if isinstance(min_incidents, bool) or int(min_incidents) < 2:
        raise ParameterError(f"`min_incidents` must be >= 2, got {min_incidents}", param="min_incidents")
    df = incidents.reset_index(drop=True)
    x = df["easting"].to_numpy(dtype=np.float64)
    y = df["northing"].to_numpy(dtype=np.float64)
    labels = place_labels(x, y, float(radius_m))
    sizes = np.bincount(labels) if len(labels) else np.zeros(0, dtype=np.int64)
    keep = np.flatnonzero(sizes[labels] >= int(min_incidents)) if len(labels) else np.zeros(0, dtype=np.int64)
    keep = keep[np.argsort(labels[keep], kind="stable")]
    groups = np.split(keep, np.flatnonzero(np.diff(labels[keep])) + 1) if len(keep) else []
    when = pd.to_datetime(df["occurred_at"], utc=True)
    t_ns = when.dt.tz_localize(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
    agency, category = df["agency"].astype(str).to_numpy(), df["category"].astype(str).to_numpy()
    ward = df["ward"].to_numpy(dtype=object) if "ward" in df else None
    zone = df["datazone"].to_numpy(dtype=object) if "datazone" in df else None
    out = []
    for idx in groups:
        cx, cy = float(x[idx].mean()), float(y[idx].mean())
        out.append(RepeatPlace(
            easting=cx, northing=cy, extent_m=float(np.hypot(x[idx] - cx, y[idx] - cy).max()), n=len(idx),
            by_agency=_tally(agency[idx]), by_category=_tally(category[idx]),
            first_at=pd.Timestamp(int(t_ns[idx].min()), tz="UTC"), last_at=pd.Timestamp(int(t_ns[idx].max()), tz="UTC"),
            wards=[] if ward is None else list(_tally(ward[idx])), datazones=[] if zone is None else list(_tally(zone[idx])),
            members=idx,
        ))
    out.sort(key=lambda p: (-p.n, -p.last_at.value))
    return out


def _month(ts: pd.Timestamp) -> str:
    return ts.tz_convert(TZ).strftime("%Y-%m")


def exact_row(p: RepeatPlace) -> dict[str, Any]:
    """The row a partner or analyst sees."""
    return {
        "easting": round(p.easting, 1), "northing": round(p.northing, 1), "extent_m": round(p.extent_m, 1),
        "n": p.n, "by_agency": p.by_agency, "by_category": p.by_category,
        "first_at": p.first_at.tz_convert(TZ).isoformat(), "last_at": p.last_at.tz_convert(TZ).isoformat(),
        "wards": p.wards, "datazones": p.datazones, "location": "exact (mean of the incidents)",
    }


def _suppressed(d: dict[str, int]) -> dict[str, int | str]:
    keys = list(d)
    return dict(zip(keys, suppress_set([d[k] for k in keys]), strict=True))


def coarsen(places: list[RepeatPlace], incidents: pd.DataFrame, *, cell_m: float = DEFAULT_CELL_M) -> list[dict[str, Any]]:
    """What a viewer may see (module notes): places of >= 5, cell centres, months."""
    df = incidents.reset_index(drop=True)
    when = pd.to_datetime(df["occurred_at"], utc=True).dt.tz_convert(TZ).dt.strftime("%Y-%m") if len(df) else None
    cells: dict[tuple[int, int], list[RepeatPlace]] = {}
    for p in places:
        key = (int(np.floor(p.easting / cell_m)), int(np.floor(p.northing / cell_m)))
        cells.setdefault(key, []).append(p)
    rows = []
    for (cx, cy), group in cells.items():
        members = np.concatenate([p.members for p in group])
        n = len(members)
        if n < THRESHOLD or when is None:
            continue
        part = df.iloc[members]
        months = when.iloc[members].value_counts().sort_index()
        rows.append({
            "easting": (cx + 0.5) * cell_m, "northing": (cy + 0.5) * cell_m, "cell_m": cell_m, "n": n,
            "by_agency": _suppressed(_counts(part["agency"])), "by_category": _suppressed(_counts(part["category"])),
            "first_month": str(months.index[0]) if months.iloc[0] >= THRESHOLD else None,
            "last_month": str(months.index[-1]) if months.iloc[-1] >= THRESHOLD else None,
            "months_with_incidents": len(months),
            "wards": _codes(part.get("ward")),
            "location": f"centre of the {cell_m:g} m grid cell (coarsened for the viewer role)",
        })
    rows.sort(key=lambda r: -int(str(r["n"])))
    return rows
