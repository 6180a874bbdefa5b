"""Judging the hotspots: significance against the background, co-location, score."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from geo.hotspots._common import NOISE, FloatArray, IntArray
from geo.hotspots.background import Background
from geo.hotspots.overlap import DEFAULT_MIN_RELATIVE_SHARE
from geo.hotspots.overlap_significance import OverlapTest, assess_overlap
from geo.hotspots.place import local_counts
from geo.hotspots.ranking import score
from geo.hotspots.significance import ALPHA, hotspot_significance

__all__ = [
    "PLACE_RULE",
    "SIGNIFICANCE_NOTE",
    "cluster_peaks",
    "judge",
    "overlap_parameters",
]


PLACE_RULE = (
    "DBSCAN clusters reduced to places: locations with more incidents within "
    "min(eps, 75 m) than the local background makes likely (P <= 1/N), linked "
    "within that radius (geo.hotspots.place)"
)
SIGNIFICANCE_NOTE = {
    "method": "scan bound against the window's own background intensity (250 m grid, "
    "~2.25 km box): expected number of equally dense spots anywhere in the window "
    "under a Poisson background; Benjamini-Hochberg across hotspots",
    "alpha": ALPHA,
    "rank": "by score; a hotspot that is not significant counts a quarter",
}


def cluster_peaks(
    uniq: FloatArray,
    inv: IntArray,
    mult: IntArray,
    win_labels: IntArray,
    radius_m: float,
) -> IntArray:
    """Per cluster, the most incidents within ``radius_m`` of one of its locations."""
    n_clusters = int(win_labels.max()) + 1 if win_labels.size else 0
    lab_u = np.full(uniq.shape[0], NOISE, dtype=np.int64)
    lab_u[inv] = win_labels
    rows = np.flatnonzero(lab_u >= 0)
    peak = np.zeros(n_clusters, dtype=np.int64)
    if rows.size:
        counts = local_counts(uniq, mult, rows, radius_m)
        np.maximum.at(peak, lab_u[rows], counts)
    return peak


def judge(
    drafts: list[dict[str, Any]],
    xy: FloatArray,
    agency: npt.NDArray[np.object_],
    win_labels: IntArray,
    peak: IntArray,
    radius_m: float,
    bg: Background,
    rule: dict[str, Any],
    test: tuple[int, int | None],
) -> OverlapTest:
    """Significance, co-location test, overlap flag and score of every draft."""
    areas = np.array([d["area_m2"] for d in drafts], dtype=np.float64)
    cents = np.array([[d["centroid_easting"], d["centroid_northing"]] for d in drafts])
    sig = hotspot_significance(peak, areas, cents, bg, radius_m=radius_m)
    ot = assess_overlap(
        xy,
        agency,
        win_labels,
        len(drafts),
        min_relative_share=DEFAULT_MIN_RELATIVE_SHARE,
        window_fire_share=rule["window_fire_share"],
        permutations=test[0],
        seed=test[1],
        min_agency_count=rule["min_agency_count"],
        min_agency_share=rule["min_agency_share"],
    )
    for d in drafts:
        c = d["label"]
        ov = bool(ot.overlap[c])
        d["overlap"] = ov
        d["overlap_p"] = None if np.isnan(ot.p_adjusted[c]) else float(ot.p_adjusted[c])
        d["peak_count"] = int(sig.peak[c])
        d["expected_n"] = round(float(sig.expected[c]), 3)
        d["p_value"] = float(sig.p_value[c])
        d["p_fdr"] = float(sig.p_fdr[c])
        d["significant"] = bool(sig.significant[c])
        d["score"] = score(
            d["n"], ov, d["trend"].first_half, d["trend"].second_half, d["significant"]
        )
    return ot


def overlap_parameters(ot: OverlapTest) -> dict[str, Any]:
    return {
        "method": ot.method,
        "permutations": ot.permutations,
        "seed": ot.seed,
        "k": ot.k,
        "alpha": ot.alpha,
        "candidates": int(ot.candidate.sum()),
    }
