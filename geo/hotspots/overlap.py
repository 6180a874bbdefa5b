"""The police/fire overlap count rule and the co-location of overlap hotspots.

The count rule (:func:`is_overlap`): at least ``min_agency_count`` (default 3)
incidents of EACH agency and each agency's share of the hotspot at least
``min(min_agency_share, 0.5 x that agency's share of the whole window)``
(``min_agency_share`` default 0.2). It is necessary, not sufficient: ``overlap`` also
needs significant co-location (:mod:`.overlap_significance`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import ParameterError
from geo.hotspots._common import OUTSIDE, FloatArray, IntArray, check_incidents
from geo.hotspots.colocation import LCLQ_K, MeanLocalClqResult, global_clq_pair
from geo.hotspots.overlap_significance import (
    OVERLAP_PERMUTATIONS,
    OverlapTest,
    assess_overlap,
)
from geo.hotspots.results import HotspotResult, OverlapHotspot, OverlapResult

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
    permutations: int = OVERLAP_PERMUTATIONS,
    seed: int | None = 0,
    k: int = LCLQ_K,
) -> OverlapResult:
    """The police/fire overlap hotspots of ``result`` with their co-location measures.

    A hotspot is kept when its ``overlap`` is true: it passes the count rule and its
    co-location survives the select-and-test permutation test
    (:mod:`.overlap_significance`). With the same ``permutations``, ``seed`` and ``k``
    as :func:`~geo.hotspots.find_hotspots` used, its test is reused; otherwise it is
    run again with these settings and decides ``overlap``. For each kept hotspot the
    mean local CLQ (Wang et al. 2017) of its fire incidents towards police and of its
    police incidents towards fire are reported, computed over all the window's
    incidents, with unadjusted p-values from the same relabellings of ALL incidents
    (agency counts kept, locations fixed); ``overlap_p`` is the adjusted one. The
    window's global CLQ in both directions (:func:`global_clq_pair`, ``permutations``
    relabellings) is reported once.

    Parameters
    ----------
    result
        From :func:`find_hotspots`.
    incidents
        The same frame that was passed to :func:`find_hotspots`.
    permutations
        R relabellings (default 199).
    seed
        Seed of the relabellings.
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
    g_fp = g_pf = None
    if (agency == "police").any() and (agency == "fire").any() and win.size >= 2:
        g_fp, g_pf = global_clq_pair(
            xy, agency, "fire", "police", permutations=permutations, seed=seed
        )
    ot = _overlap_test(result, xy, agency, win, permutations, seed, k)
    out = _kept(result, ot, agency)
    parameters = dict(result.parameters)
    parameters["colocation"] = {
        "measure": "mean local co-location quotient (Wang et al. 2017), Gaussian "
        "adaptive kernel; global CLQ (Leslie & Kronenfeld 2011)",
        "test": ot.method,
        "k": ot.k,
        "permutations": permutations,
        "seed": seed,
        "alpha": ot.alpha,
    }
    return OverlapResult(
        hotspots=tuple(out),
        global_fire_to_police=g_fp,
        global_police_to_fire=g_pf,
        parameters=parameters,
        warnings=result.warnings,
    )


def _overlap_test(
    result: HotspotResult,
    xy: FloatArray,
    agency: npt.NDArray[Any],
    win: IntArray,
    permutations: int,
    seed: int | None,
    k: int,
) -> OverlapTest:
    """The result's own test when the settings agree, else a new one."""
    k_used = max(1, min(k, win.size - 1))
    ot = result.overlap_test
    if ot is not None and (ot.permutations, ot.seed, ot.k) == (
        permutations,
        seed,
        k_used,
    ):
        return ot
    labels = (
        result.hotspot_labels if result.hotspot_labels is not None else result.labels
    )
    p = result.parameters
    return assess_overlap(
        xy,
        agency,
        labels[win],
        len(result.hotspots),
        min_agency_count=p["min_agency_count"],
        min_agency_share=p["min_agency_share"],
        min_relative_share=p["min_relative_share"],
        window_fire_share=p["window_fire_share"],
        permutations=permutations,
        seed=seed,
        k=k,
    )


def _kept(
    result: HotspotResult, ot: OverlapTest, agency: npt.NDArray[Any]
) -> list[OverlapHotspot]:
    """OverlapHotspot for every hotspot the test calls an overlap, in rank order."""
    n = int(agency.size)
    n_pol = int(np.count_nonzero(agency == "police"))
    n_fire = int(np.count_nonzero(agency == "fire"))
    out: list[OverlapHotspot] = []
    for h in result.hotspots:
        c = h.label
        if not ot.overlap[c]:
            continue
        hh = replace(h, overlap=True, overlap_p=float(ot.p_adjusted[c]))

        def measure(
            a: str, b: str, value: float, p: float, focal: int
        ) -> MeanLocalClqResult:
            n_a, n_b = (n_fire, n_pol) if a == "fire" else (n_pol, n_fire)
            return MeanLocalClqResult(
                a=a,
                b=b,
                k=ot.k,
                mean_lclq=float(value),
                p_attraction=None if np.isnan(p) else float(p),
                p_avoidance=None,
                n_focal=focal,
                n=n,
                n_a=n_a,
                n_b=n_b,
                permutations=ot.permutations,
            )

        fp = measure(
            "fire", "police", ot.fire_to_police[c], ot.p_fire_to_police[c], h.n_fire
        )
        pf = measure(
            "police", "fire", ot.police_to_fire[c], ot.p_police_to_fire[c], h.n_police
        )
        out.append(OverlapHotspot(hotspot=hh, fire_to_police=fp, police_to_fire=pf))
    return out
