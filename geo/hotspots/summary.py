"""Per-cluster properties: counts by agency and category, areas, times, trend."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.boundaries import Boundaries
from geo.hotspots._common import IntArray

__all__ = ["area_codes", "counted", "member_keys", "ranked_codes", "simd_deciles"]


def ranked_codes(
    label: IntArray, values: npt.NDArray[Any], n_labels: int
) -> list[list[str]]:
    """Per label, the distinct values ordered by count (desc), then value."""
    out: list[list[str]] = [[] for _ in range(n_labels)]
    frame = pd.DataFrame({"label": label, "value": values})
    frame = frame[frame["value"].notna()]
    counts = frame.groupby(["label", "value"], sort=True).size().reset_index(name="c")
    counts = counts.sort_values(["label", "c", "value"], ascending=[True, False, True])
    for lab, vals in counts.groupby("label", sort=True)["value"]:
        out[int(lab)] = [str(v) for v in vals]  # type: ignore[call-overload]
    return out


def counted(
    label: IntArray, values: npt.NDArray[Any], n_labels: int
) -> list[dict[str, int]]:
    out: list[dict[str, int]] = [{} for _ in range(n_labels)]
    frame = pd.DataFrame({"label": label, "value": values})
    counts = frame.groupby(["label", "value"], sort=True).size().reset_index(name="c")
    counts = counts.sort_values(["label", "c", "value"], ascending=[True, False, True])
    for lab, sub in counts.groupby("label", sort=True):
        out[int(lab)] = {  # type: ignore[call-overload]
            str(v): int(c) for v, c in zip(sub["value"], sub["c"], strict=True)
        }
    return out


def simd_deciles(
    mem: pd.DataFrame, lab: IntArray, boundaries: Boundaries | None
) -> pd.Series:
    """Lowest (most deprived) SIMD decile per label among the members' data zones."""
    decile = pd.Series(np.nan, index=mem.index, dtype=float)
    if boundaries is not None and "datazone" in mem.columns:
        table = boundaries.datazones.set_index("code")["simd_decile"]
        decile = mem["datazone"].map(table).astype(float)
    if "simd_decile" in mem.columns:
        decile = decile.fillna(pd.to_numeric(mem["simd_decile"], errors="coerce"))
    return pd.Series(decile.to_numpy(), index=lab).groupby(level=0).min()


def member_keys(mem: pd.DataFrame, lab: IntArray, n_labels: int) -> list[list[str]]:
    """Per label, the ``agency:source_id`` keys of its members."""
    keys = (mem["agency"].astype(str) + ":" + mem["source_id"].astype(str)).to_numpy()
    key_lists: list[list[str]] = [[] for _ in range(n_labels)]
    for c, grp in pd.Series(keys).groupby(lab, sort=True):
        key_lists[int(c)] = grp.tolist()  # type: ignore[call-overload]
    return key_lists


def area_codes(
    mem: pd.DataFrame, lab: IntArray, n_labels: int
) -> tuple[list[list[str]], list[list[str]]]:
    """Per label, the ward and data zone codes, most incidents first."""
    empty: list[list[str]] = [[] for _ in range(n_labels)]
    wards = (
        ranked_codes(lab, mem["ward"].to_numpy(dtype=object), n_labels)
        if "ward" in mem.columns
        else empty
    )
    dzs = (
        ranked_codes(lab, mem["datazone"].to_numpy(dtype=object), n_labels)
        if "datazone" in mem.columns
        else empty
    )
    return wards, dzs
