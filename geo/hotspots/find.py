"""Density-cluster hotspots of a window of incidents: the pipeline of :func:`find_hotspots`.

validate → window → parameters (:mod:`.params`) → clustering (:mod:`.density`) →
per-cluster properties (:mod:`.summary`), polygons (:mod:`.polygons`), overlap rule
(:mod:`.overlap`) → id and rank (:mod:`.ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely

from geo.boundaries import Boundaries
from geo.errors import TooFewIncidentsError
from geo.hotspots import density, params
from geo.hotspots._common import (
    NOISE,
    OUTSIDE,
    IntArray,
    check_incidents,
    check_int,
    iso,
)
from geo.hotspots.background import background
from geo.hotspots.judge import (
    PLACE_RULE,
    SIGNIFICANCE_NOTE,
    cluster_peaks,
    judge,
    overlap_parameters,
)
from geo.hotspots.overlap import (
    DEFAULT_MIN_AGENCY_COUNT,
    DEFAULT_MIN_AGENCY_SHARE,
    DEFAULT_MIN_RELATIVE_SHARE,
)
from geo.hotspots.overlap_significance import (
    OVERLAP_PERMUTATIONS,
)
from geo.hotspots.place import PLACE_RADIUS_M, find_places
from geo.hotspots.polygons import MIN_BUFFER_M, hull_polygons
from geo.hotspots.ranking import hotspot_id
from geo.hotspots.results import Hotspot, HotspotResult, Trend
from geo.hotspots.summary import area_codes, counted, member_keys, simd_deciles
from geo.hotspots.window import METHODS, Window, check_args, select_window
from geo.precision import window_mask

__all__ = ["METHODS", "Method", "find_hotspots"]

Method = Literal["dbscan", "hdbscan"]


@dataclass
class _Clustering:
    """Labels of the window's incidents and the parameters that produced them."""

    labels: IntArray  # stored in HotspotResult.labels (window rows)
    win_labels: IntArray  # 0..n_clusters-1, NOISE
    eps_m: float | None
    min_samples: int | None
    min_cluster_size: int | None
    buffer_m: float
    chosen_by: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    places: bool = False  # reduce the clusters to places (default DBSCAN parameters)
    radius_m: float = PLACE_RADIUS_M
    peak: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _dbscan(
    w: Window, eps_m: float | None, min_samples: int | None, max_eps: float | None
) -> _Clustering:
    n = w.xy.shape[0]
    places = eps_m is None and min_samples is None
    chosen_by: dict[str, str] = {}
    warnings: list[str] = []
    if min_samples is None:
        min_samples = params.default_min_samples(n, w.uniq.shape[0])
        chosen_by["min_samples"] = "default max(4, ceil(N/2500), ceil(2N/U))"
    else:
        chosen_by["min_samples"] = "given"
    if n < min_samples:
        msg = (
            f"{n} incidents in the window are too few for DBSCAN with "
            f"min_samples = {min_samples}"
        )
        raise TooFewIncidentsError(msg, param="min_samples")
    if eps_m is None:
        eps_m, chosen_by["eps_m"], floor_warnings = params.choose_dbscan_eps(
            w.uniq, w.mult, min_samples, max_default_eps_m=max_eps
        )
        warnings.extend(floor_warnings)
    else:
        chosen_by["eps_m"] = "given"
    warnings.extend(params.precision_warnings(eps_m, w.uniq, w.mult, n))
    labels = density.dbscan_labels(
        w.uniq, w.inv, w.mult, eps_m=eps_m, min_samples=min_samples
    )
    chosen_by["min_cluster_size"] = "not used by DBSCAN"
    return _Clustering(
        labels=labels,
        win_labels=labels,
        eps_m=eps_m,
        min_samples=min_samples,
        min_cluster_size=None,
        buffer_m=max(
            (min(eps_m, PLACE_RADIUS_M) if places else eps_m) / 2.0, MIN_BUFFER_M
        ),
        chosen_by=chosen_by,
        warnings=warnings,
        places=places,
    )


def _hdbscan(
    w: Window,
    eps_m: float | None,
    min_samples: int | None,
    min_cluster_size: int | None,
    min_probability: float,
) -> _Clustering:
    n = w.xy.shape[0]
    chosen_by: dict[str, str] = {}
    warnings: list[str] = []
    if min_cluster_size is None:
        min_cluster_size = params.default_min_cluster_size(n)
        chosen_by["min_cluster_size"] = "default max(10, ceil(N/1000))"
    else:
        chosen_by["min_cluster_size"] = "given"
    chosen_by["min_samples"] = (
        "scikit-learn default (= min_cluster_size)" if min_samples is None else "given"
    )
    density.check_hdbscan_size(n, min_cluster_size, min_samples)
    selection_eps = 0.0 if eps_m is None else eps_m
    chosen_by["eps_m"] = (
        "not used (cluster_selection_epsilon = 0)"
        if eps_m is None
        else "given, as cluster_selection_epsilon"
    )
    if eps_m is not None:
        warnings.extend(params.precision_warnings(eps_m, w.uniq, w.mult, n))
    trimmed, renumbered, impl = density.hdbscan_labels(
        w.xy,
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        selection_eps=selection_eps,
        min_probability=min_probability,
    )
    chosen_by["hdbscan_implementation"] = impl
    chosen_by["hdbscan_min_probability"] = (
        "default" if min_probability == density.HDBSCAN_MIN_PROBABILITY else "given"
    )
    return _Clustering(
        labels=trimmed,
        win_labels=renumbered,
        eps_m=eps_m,
        min_samples=min_samples if min_samples is not None else min_cluster_size,
        min_cluster_size=min_cluster_size,
        buffer_m=max(selection_eps / 2.0, MIN_BUFFER_M),
        chosen_by=chosen_by,
        warnings=warnings,
    )


def _parameters(
    method: str,
    w: Window,
    cl: _Clustering,
    hull: str,
    rule: dict[str, Any],
    min_probability: float,
    n_clusters: int,
) -> dict[str, Any]:
    return {
        "method": method,
        "eps_m": cl.eps_m,
        "min_samples": cl.min_samples,
        "min_cluster_size": cl.min_cluster_size,
        "chosen_by": cl.chosen_by,
        "hull": hull,
        "buffer_m": cl.buffer_m,
        "min_agency_count": rule["min_agency_count"],
        "min_agency_share": rule["min_agency_share"],
        "min_relative_share": DEFAULT_MIN_RELATIVE_SHARE,
        "window_fire_share": w.fire_share,
        "hdbscan_min_probability": min_probability if method == "hdbscan" else None,
        "n_incidents": int(w.xy.shape[0]),
        "n_unique_locations": int(w.uniq.shape[0]),
        "n_clusters": n_clusters,
        "n_noise": int(np.count_nonzero(cl.win_labels == NOISE)),
        "period": {
            "start": None if w.start is None else iso(w.start),
            "end": None if w.end is None else iso(w.end),
        },
    }


def _coarse_warning(win_labels: IntArray, n: int) -> list[str]:
    biggest = int(np.bincount(win_labels[win_labels >= 0]).max())
    if biggest > n / 2:
        return [
            f"one cluster holds {biggest} of the {n} incidents "
            f"({100 * biggest / n:.0f}%): the parameters are too coarse for "
            "street-level hotspots; try a smaller eps_m or a larger min_samples"
        ]
    return []


def _trend_counts(
    w: Window, mem_pos: IntArray, lab: IntArray, n_per: IntArray, precision: Any = None
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """First and last time (ns) and first/second-half counts per cluster; a record
    dated only to a month counts in a half only if the half holds its whole month."""
    n_clusters = n_per.size
    m_times = w.times.iloc[mem_pos]
    t_ns = m_times.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    t_first = pd.Series(t_ns).groupby(lab).min().to_numpy()
    t_last = pd.Series(t_ns).groupby(lab).max().to_numpy()
    w_times = w.times.iloc[w.win]
    p_start = w.start if w.start is not None else w_times.min()
    p_end = w.end if w.end is not None else w_times.max() + pd.Timedelta(1, "ns")
    mid = p_start + (p_end - p_start) / 2
    mem = pd.DataFrame({"occurred_at": m_times.array})  # tz-aware, not object Timestamps
    if precision is not None:
        mem["date_precision"] = np.asarray(precision, dtype=object)
    first = np.bincount(lab[window_mask(mem, p_start, mid).keep], minlength=n_clusters)
    second = np.bincount(lab[window_mask(mem, mid, p_end).keep], minlength=n_clusters)
    return t_first, t_last, first, second


def _drafts(
    incidents: pd.DataFrame,
    boundaries: Boundaries | None,
    w: Window,
    cl: _Clustering,
    params_key: str,
    hull: str,
) -> list[dict[str, Any]]:
    """Properties of every cluster, vectorised over members (before ranking)."""
    n_clusters = int(cl.win_labels.max()) + 1
    in_cluster = cl.win_labels >= 0
    mem_pos = w.win[in_cluster]  # positions in the input frame
    lab = cl.win_labels[in_cluster]
    mem = incidents.iloc[mem_pos]
    m_xy = w.xy[in_cluster]
    agency = mem["agency"].astype(str).to_numpy()
    n_per = np.bincount(lab, minlength=n_clusters)
    n_pol = np.bincount(lab[agency == "police"], minlength=n_clusters)
    n_fire = np.bincount(lab[agency == "fire"], minlength=n_clusters)
    categories = counted(lab, mem["category"].astype(str).to_numpy(), n_clusters)
    wards, dzs = area_codes(mem, lab, n_clusters)
    worst = simd_deciles(mem, lab, boundaries)
    t_first, t_last, first, second = _trend_counts(w, mem_pos, lab, n_per, mem.get("date_precision"))
    cx = np.bincount(lab, weights=m_xy[:, 0], minlength=n_clusters) / n_per
    cy = np.bincount(lab, weights=m_xy[:, 1], minlength=n_clusters) / n_per
    polys = hull_polygons(m_xy, lab, n_clusters, hull, cl.buffer_m)
    areas = shapely.area(polys)
    key_lists = member_keys(mem, lab, n_clusters)
    by_label = np.argsort(lab, kind="stable")  # mem_pos ascending within each label
    member_lists = np.split(mem_pos[by_label], np.cumsum(n_per)[:-1])
    drafts: list[dict[str, Any]] = []
    for c in range(n_clusters):
        f, s = int(first[c]), int(second[c])
        wc = worst.get(c, np.nan)
        drafts.append(
            {
                "id": hotspot_id(params_key, key_lists[c]),
                "label": c,
                "n": int(n_per[c]),
                "n_police": int(n_pol[c]),
                "n_fire": int(n_fire[c]),
                "categories": categories[c],
                "wards": wards[c],
                "datazones": dzs[c],
                "worst_simd_decile": None if pd.isna(wc) else int(wc),
                "first_occurred_at": iso(pd.Timestamp(int(t_first[c]), tz="UTC")),
                "last_occurred_at": iso(pd.Timestamp(int(t_last[c]), tz="UTC")),
                "trend": Trend(
                    first_half=f,
                    second_half=s,
                    change_pct=None if f == 0 else round(100.0 * (s - f) / f, 6),
                ),
                "centroid_easting": round(float(cx[c]), 2),
                "centroid_northing": round(float(cy[c]), 2),
                "area_m2": round(float(areas[c]), 1),
                "area_km2": round(float(areas[c]) / 1e6, 4),
                "geometry": polys[c],
                "members": member_lists[c],
            }
        )
    return drafts


def _result(
    incidents: pd.DataFrame,
    boundaries: Boundaries | None,
    w: Window,
    cl: _Clustering,
    method: str,
    hull: str,
    min_probability: float,
    rule: dict[str, Any],
    test: tuple[int, int | None],
) -> HotspotResult:
    labels = np.full(len(incidents), OUTSIDE, dtype=np.int64)
    labels[w.win] = cl.labels
    bg = background(w.xy, boundaries)
    n_dbscan = int(cl.win_labels.max()) + 1 if cl.win_labels.size else 0
    if cl.places:
        pl = find_places(
            w.uniq, w.inv, w.mult, cl.win_labels, eps_m=float(cl.eps_m or 0), bg=bg
        )
        cl.win_labels, cl.radius_m, cl.peak = pl.labels, pl.radius_m, pl.peak
        cl.chosen_by["hotspot_scale"] = PLACE_RULE
        cl.chosen_by["min_samples_local"] = "min {}, median {}, max {}".format(
            *pl.min_samples_range
        )
    else:
        cl.radius_m = min(cl.eps_m or PLACE_RADIUS_M, PLACE_RADIUS_M)
        cl.peak = cluster_peaks(w.uniq, w.inv, w.mult, cl.win_labels, cl.radius_m)
        cl.chosen_by["hotspot_scale"] = "the clusters as found (parameters given)"
    hot_labels = np.full(len(incidents), OUTSIDE, dtype=np.int64)
    hot_labels[w.win] = cl.win_labels
    n = int(w.xy.shape[0])
    n_clusters = int(cl.win_labels.max()) + 1 if cl.win_labels.size else 0
    parameters = _parameters(method, w, cl, hull, rule, min_probability, n_clusters)
    parameters["n_dbscan_clusters" if method == "dbscan" else "n_hdbscan_clusters"] = (
        n_dbscan
    )
    parameters["place_radius_m"] = cl.radius_m
    parameters["significance"] = SIGNIFICANCE_NOTE
    warnings = list(cl.warnings)
    if n_clusters == 0:
        warnings.append("no cluster was found with these parameters")
        return HotspotResult(
            hotspots=(),
            labels=labels,
            parameters=parameters,
            warnings=tuple(warnings),
            hotspot_labels=hot_labels,
        )
    warnings.extend(_coarse_warning(cl.win_labels, n))
    params_key = (
        f"{method}|eps={cl.eps_m!r}|min_samples={cl.min_samples}|"
        f"min_cluster_size={cl.min_cluster_size}"
    )
    drafts = _drafts(incidents, boundaries, w, cl, params_key, hull)
    agency = incidents["agency"].astype(str).to_numpy(dtype=object)[w.win]
    judged = {**rule, "window_fire_share": w.fire_share}
    ot = judge(
        drafts, w.xy, agency, cl.win_labels, cl.peak, cl.radius_m, bg, judged, test
    )
    parameters["overlap_test"] = overlap_parameters(ot)
    drafts.sort(key=lambda d: (-d["score"], -d["n"], d["id"]))
    hotspots = tuple(Hotspot(rank=r + 1, **d) for r, d in enumerate(drafts))
    return HotspotResult(
        hotspots=hotspots,
        labels=labels,
        parameters=parameters,
        warnings=tuple(warnings),
        hotspot_labels=hot_labels,
        overlap_test=ot,
    )


def find_hotspots(
    incidents: pd.DataFrame,
    boundaries: Boundaries | None,
    *,
    method: Method = "dbscan",
    eps_m: float | None = None,
    min_samples: int | None = None,
    min_cluster_size: int | None = None,
    period: tuple[Any, Any] | None = None,
    hull: Literal["convex", "concave"] = "convex",
    min_agency_count: int = DEFAULT_MIN_AGENCY_COUNT,
    min_agency_share: float = DEFAULT_MIN_AGENCY_SHARE,
    max_default_eps_m: float | None = params.DEFAULT_MAX_EPS_M,
    hdbscan_min_probability: float = density.HDBSCAN_MIN_PROBABILITY,
    overlap_permutations: int = OVERLAP_PERMUTATIONS,
    seed: int | None = 0,
) -> HotspotResult:
    """Density-cluster hotspots of a window of incidents.

    Parameters
    ----------
    incidents
        Incidents (``source_id, agency, category, occurred_at, easting, northing``;
        optional ``datazone, ward, simd_decile``).
    boundaries
        Study area of the background and the SIMD deciles (else ``simd_decile``).
    method
        ``"dbscan"`` (default; reduced to places unless parameters are given) or
        ``"hdbscan"``.
    eps_m, min_samples, min_cluster_size
        DBSCAN radius (m; HDBSCAN's ``cluster_selection_epsilon``), ``min_samples``,
        HDBSCAN's smallest cluster; defaults in :mod:`.params`.
    period
        ``(start, end)``: start <= occurred_at < end (naive: Europe/London).
    hull
        ``"convex"`` (default) or ``"concave"``.
    min_agency_count, min_agency_share
        The overlap count rule (:mod:`.overlap`).
    max_default_eps_m
        Cap on the *default* DBSCAN eps (150 m, street scale); ``None`` disables it.
    hdbscan_min_probability
        HDBSCAN: members of lower membership probability are noise (default 0.5).
    overlap_permutations, seed
        Relabellings (default 199) and seed of the test behind ``overlap`` (:mod:`.judge`).

    Returns
    -------
    HotspotResult
        Ranked by score, which discounts non-significant hotspots (:mod:`.ranking`).

    Raises
    ------
    EmptyInputError
        No incident in the window.
    TooFewIncidentsError
        Fewer incidents than ``min_samples`` / ``min_cluster_size`` (named in ``param``).
    TooLargeError
        HDBSCAN above ``HDBSCAN_MAX_INCIDENTS`` incidents (``param="method"``).
    ParameterError
        For invalid parameters or incident columns.
    """
    check_incidents(incidents)
    args = (method, hull, eps_m, min_samples, min_cluster_size, min_agency_count)
    checked = check_args(*args, min_agency_share, hdbscan_min_probability)
    eps_m, min_samples, min_cluster_size, min_agency_count = checked
    w = select_window(incidents, period)
    cl = (
        _dbscan(w, eps_m, min_samples, max_default_eps_m)
        if method == "dbscan"
        else _hdbscan(w, eps_m, min_samples, min_cluster_size, hdbscan_min_probability)
    )
    rule = {"min_agency_count": min_agency_count, "min_agency_share": min_agency_share}
    opts = (method, hull, hdbscan_min_probability)
    test = (check_int(overlap_permutations, "overlap_permutations", 0), seed)
    return _result(incidents, boundaries, w, cl, *opts, rule, test)
