"""Hotspot polygons: buffered convex or concave hull of each cluster's locations.

The convex hull of the cluster's incidents (``hull="convex"``, default) or a concave
hull (``hull="concave"``: :func:`shapely.concave_hull` with ``ratio=0.5``, no holes),
buffered by ``max(eps_m / 2, 25 m)`` (25 m for HDBSCAN without eps_m). A buffer of a
hull is always a single valid polygon, so one or two distinct locations still give a
polygon. Polygons are in EPSG:27700.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.hotspots._common import FloatArray, IntArray

__all__ = ["CONCAVE_RATIO", "HULLS", "MIN_BUFFER_M", "hull_polygons"]

HULLS = ("convex", "concave")
CONCAVE_RATIO = 0.5
MIN_BUFFER_M = 25.0


def hull_polygons(
    xy: FloatArray, label: IntArray, n_labels: int, hull: str, buffer_m: float
) -> npt.NDArray[np.object_]:
    """Buffered hull polygon per label, from the distinct member locations."""
    frame = pd.DataFrame({"label": label, "x": xy[:, 0], "y": xy[:, 1]})
    frame = frame.drop_duplicates().sort_values(["label", "x", "y"], kind="stable")
    mp = shapely.multipoints(
        frame[["x", "y"]].to_numpy(),
        indices=frame["label"].to_numpy(),
    )
    if hull == "concave":
        base = shapely.concave_hull(mp, ratio=CONCAVE_RATIO, allow_holes=False)
    else:
        base = shapely.convex_hull(mp)
    polys = shapely.buffer(base, buffer_m)
    bad = ~shapely.is_valid(polys)
    if bad.any():  # pragma: no cover - a positive buffer of a hull is valid
        polys[bad] = shapely.make_valid(polys[bad])
    assert polys.shape[0] == n_labels
    return np.asarray(polys, dtype=object)
