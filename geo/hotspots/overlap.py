"""The police/fire overlap rule and the co-location of overlap hotspots.

A hotspot is a police/fire **overlap** hotspot when it holds at least
``min_agency_count`` (default 3) incidents of EACH agency and each agency's share of the
hotspot's incidents is at least ``min(min_agency_share, 0.5 x that agency's share of the
whole window)`` (``min_agency_share`` default 0.2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from geo.errors import ParameterError
from geo.hotspots._common import OUTSIDE, FloatArray, IntArray, check_incidents
from geo.hotspots.colocation import (
    LCLQ_K,
    PERMUTATIONS,
    global_clq_pair,
    mean_local_clq_sets,
)
from geo.hotspots.results import Hotspot, HotspotResult, OverlapHotspot, OverlapResult

__all__ = [
    "DEFAULT_MIN_AGENCY_COUNT",
    "DEFAULT_MIN_AGENCY_SHARE",
    "DEFAULT_MIN_RELATIVE_SHARE",
    "is_overlap",
    "overlap_hotspots",
]

DEFAULT_MIN_AGENCY_COUNT = 3
DEFAULT_MIN_AGENCY_SHARE = 0.2
DEFAULT_MIN_RELATIVE_SHARE = 0.5


def is_overlap(
    n_police: int,
    n_fire: int,
    n: int,
    *,
    min_agency_count: int = DEFAULT_MIN_AGENCY_COUNT,
    min_agency_share: float = DEFAULT_MIN_AGENCY_SHARE,
    window_fire_share: float | None = None,
    min_relative_share: float = DEFAULT_MIN_RELATIVE_SHARE,
) -> bool:
    """Whether a cluster is a police/fire overlap hotspot (module notes).

    Examples
    --------
    >>> is_overlap(10, 3, 13), is_overlap(20, 3, 23), is_overlap(40, 0, 40)
    (True, False, False)
    >>> is_overlap(159, 26, 185, window_fire_share=0.107)  # fire is 11% of the window
    True
    """
    if n <= 0:
        return False
    need_police = need_fire = min_agency_share
    if window_fire_share is not None:
        need_fire = min(min_agency_share, min_relative_share * window_fire_share)
        need_police = min(
            min_agency_share, min_relative_share * (1.0 - window_fire_share)
        )
    return (
        n_police >= min_agency_count
        and n_fire >= min_agency_count
        and n_police / n >= need_police
        and n_fire / n >= need_fire
    )


def overlap_hotspots(
    result: HotspotResult,
    incidents: pd.DataFrame,
    *,
    permutations: int = PERMUTATIONS,
    seed: int | None = 0,
    k: int = LCLQ_K,
) -> OverlapResult:
    """The police/fire overlap hotspots of ``result`` with co-location measures.

    For each overlap hotspot: the mean local CLQ (Wang et al. 2017) of its fire
    incidents towards police and of its police incidents towards fire, computed over all
    the window's incidents, each with permutation p-values in which the hotspot's focal
    incidents keep their labels and all other labels are shuffled
    (:func:`geo.hotspots.colocation.mean_local_clq`). The window's global CLQ in both directions
    (:func:`geo.hotspots.colocation.global_clq_pair`) is reported once for the whole result.

    Parameters
    ----------
    result
        From :func:`find_hotspots`.
    incidents
        The same frame that was passed to :func:`find_hotspots`.
    permutations
        R for every test (default 999).
    seed
        Seed; each hotspot's tests get a seed derived from ``seed`` and the hotspot id,
        so a hotspot's p-values do not depend on which other hotspots exist.
    k
        Neighbours of the local CLQ (default 10; lowered to N - 1 for tiny windows).

    Returns
    -------
    OverlapResult

    Raises
    ------
    ParameterError
        When ``incidents`` is not the frame the result was computed from.
    """
    check_incidents(incidents)
    if len(incidents) != result.labels.shape[0]:
        msg = (
            f"`incidents` has {len(incidents)} rows but the hotspot result was "
            f"computed from {result.labels.shape[0]}: pass the same frame"
        )
        raise ParameterError(msg, param="incidents")
    win = np.flatnonzero(result.labels != OUTSIDE)
    xy = incidents[["easting", "northing"]].to_numpy(np.float64)[win]
    agency = incidents["agency"].astype(str).to_numpy(dtype=object)[win]
    n_w = win.size
    has_both = bool((agency == "police").any() and (agency == "fire").any())
    g_fp = g_pf = None
    if has_both and n_w >= 2:
        g_fp, g_pf = global_clq_pair(
            xy, agency, "fire", "police", permutations=permutations, seed=seed
        )
    k_used = max(1, min(k, n_w - 1))
    out = _local_measures(result, win, xy, agency, k_used, permutations, seed)
    parameters = dict(result.parameters)
    parameters["colocation"] = {
        "measure": "mean local co-location quotient (Wang et al. 2017), Gaussian "
        "adaptive kernel; global CLQ (Leslie & Kronenfeld 2011)",
        "k": k_used,
        "permutations": permutations,
        "seed": seed,
    }
    return OverlapResult(
        hotspots=tuple(out),
        global_fire_to_police=g_fp,
        global_police_to_fire=g_pf,
        parameters=parameters,
        warnings=result.warnings,
    )


def _hotspot_seeds(
    overlaps: list[Hotspot], seed: int | None
) -> tuple[list[int | None], list[int | None]]:
    """Per hotspot, the seeds of the two directions (from ``seed`` and the id)."""
    seeds_fp: list[int | None] = []
    seeds_pf: list[int | None] = []
    for h in overlaps:
        ss = np.random.SeedSequence(None if seed is None else [seed, int(h.id[2:], 16)])
        s1, s2 = (int(x) for x in ss.generate_state(2))
        seeds_fp.append(s1)
        seeds_pf.append(s2)
    return seeds_fp, seeds_pf


def _local_measures(
    result: HotspotResult,
    win: IntArray,
    xy: FloatArray,
    agency: npt.NDArray[Any],
    k_used: int,
    permutations: int,
    seed: int | None,
) -> list[OverlapHotspot]:
    """Mean local CLQ in both directions of every overlap hotspot of ``result``."""
    n_w = win.size
    pos_in_window = np.full(result.labels.shape[0], -1, dtype=np.int64)
    pos_in_window[win] = np.arange(n_w)
    tree = cKDTree(xy) if n_w else None
    overlaps = [h for h in result.hotspots if h.overlap]
    if not overlaps:
        return []
    member_sets = [pos_in_window[h.members] for h in overlaps]
    seeds_fp, seeds_pf = _hotspot_seeds(overlaps, seed)
    fps, pfs = (
        mean_local_clq_sets(
            xy,
            agency,
            a,
            b,
            member_sets=member_sets,
            k=k_used,
            permutations=permutations,
            seeds=s,
            tree=tree,
        )
        for a, b, s in (("fire", "police", seeds_fp), ("police", "fire", seeds_pf))
    )
    return [
        OverlapHotspot(hotspot=h, fire_to_police=fp, police_to_fire=pf)
        for h, fp, pf in zip(overlaps, fps, pfs, strict=True)
    ]
