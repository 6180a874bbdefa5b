"""How well do the maps predict? A rolling backtest of hotspot methods.

For each test month ``t`` every method builds its hotspots from the incidents of months
``t−k … t−1`` (``k = train_months``; "last month" uses ``t−1`` only) and is scored on the
incidents of month ``t``.

Comparable areas. Each method ranks areas and its hotspots are its top-ranked areas
taken in order, skipping any that would take the total over ``area_share`` of the study
area (default 5 %), until no more fit; the share actually used is reported. The areas are
data zones for Gi* (by ``gi_z``) and "last month" (by incidents per km² in month
``t−1``; zones with none are never chosen), 100 m grid cells for KDE (by density) and
the hotspot polygons for DBSCAN / HDBSCAN (by rank, added while the union stays within
the share; if all of them cover less, the method's whole hotspot area is used).

Scores (Chainey, Tompson & Uhlig 2008; Levine 2008)
---------------------------------------------------
- hit rate ``n / N``: share of month ``t``'s ``N`` incidents inside the hotspots.
- area share ``a / A``: hotspot area over the study area.
- Predictive Accuracy Index ``PAI = (n / N) / (a / A)``: 1 is what hotspots drawn at
  random would get; higher predicts better. ``pai_low, pai_high``: the exact
  (Clopper–Pearson) 95 % interval of the hit rate divided by the area share.
- Recapture Rate Index ``RRI = (n / N) / (n₀ / N₀)``, with ``n₀`` of the ``N₀`` training
  incidents inside the same hotspots: how much of its own hit rate a map keeps a month
  later (1 = all of it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.stats import binomtest

from geo.boundaries import Boundaries
from geo.errors import GeoError, ParameterError

TZ = "Europe/London"
METHODS = ("dbscan", "hdbscan", "gistar", "kde", "last_month")
DEFAULT_AREA_SHARE = 0.05
KDE_CELL_M = 100.0


@dataclass(frozen=True)
class MonthScore:
    """One method's score for one test month."""

    method: str
    month: str
    n: int
    N: int
    n_train: int
    N_train: int
    area_share: float
    hit_rate: float | None
    pai: float | None
    pai_low: float | None
    pai_high: float | None
    rri: float | None
    note: str | None = None


@dataclass(frozen=True)
class Selection:
    """A method's hotspot area: a test ``hits(x, y, datazone) -> bool array`` and its area."""

    hits: Callable[[pd.DataFrame], np.ndarray]
    area_m2: float


def prefix_mask(scores: np.ndarray, areas: np.ndarray, target_m2: float, *, positive_only: bool = False) -> np.ndarray:
    """Units in score order (ties: input order), skipping any that would take the total
    area over ``target_m2``, until no more fit."""
    order = np.argsort(-scores, kind="stable")
    if positive_only:
        order = order[scores[order] > 0]
    mask = np.zeros(len(scores), dtype=bool)
    total = 0.0
    smallest = float(areas[order].min()) if len(order) else 0.0
    for k in order:
        if total + areas[k] <= target_m2 * (1 + 1e-9):
            mask[k] = True
            total += float(areas[k])
            if target_m2 - total < smallest:
                break
    return mask


def _zones(codes: np.ndarray, mask: np.ndarray, areas: np.ndarray) -> Selection:
    chosen = set(codes[mask].tolist())
    return Selection(hits=lambda df: df["datazone"].isin(chosen).to_numpy(), area_m2=float(areas[mask].sum()))


def _select_gistar(train: pd.DataFrame, last: pd.DataFrame, b: Boundaries, target: float) -> Selection:
    from geo.gistar import gistar_datazones

    g = gistar_datazones(train, b)
    areas = g.geometry.area.to_numpy()
    return _zones(g["code"].to_numpy(), prefix_mask(g["gi_z"].to_numpy(dtype=float), areas, target), areas)


def _select_last_month(train: pd.DataFrame, last: pd.DataFrame, b: Boundaries, target: float) -> Selection:
    dz = b.datazones
    areas = dz.geometry.area.to_numpy()
    counts = last["datazone"].value_counts().reindex(dz["code"], fill_value=0).to_numpy(dtype=float)
    return _zones(dz["code"].to_numpy(), prefix_mask(counts / areas, areas, target, positive_only=True), areas)


def _select_kde(train: pd.DataFrame, last: pd.DataFrame, b: Boundaries, target: float) -> Selection:
    from geo.kde import kde_surface

    x0, y0, x1, y1 = b.area.bounds
    r = kde_surface(train["easting"].to_numpy(), train["northing"].to_numpy(), cell_m=KDE_CELL_M, bounds=(x0, y0, x1, y1))
    xs, ys = r.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(b.area, gx.ravel(), gy.ravel())
    vals = np.where(inside, r.values.ravel(), -np.inf)
    cell_area = r.cell_m**2
    mask = prefix_mask(vals, np.where(inside, cell_area, 0.0), target, positive_only=True)
    mask &= inside
    nrows, ncols = r.shape

    def hits(df: pd.DataFrame) -> np.ndarray:
        c = np.floor((df["easting"].to_numpy() - r.x0) / r.cell_m).astype(int)
        w = np.floor((df["northing"].to_numpy() - r.y0) / r.cell_m).astype(int)
        ok = (c >= 0) & (c < ncols) & (w >= 0) & (w < nrows)
        out = np.zeros(len(df), dtype=bool)
        out[ok] = mask[w[ok] * ncols + c[ok]]
        return out

    return Selection(hits=hits, area_m2=float(mask.sum() * cell_area))


def _select_clusters(method: str) -> Callable[[pd.DataFrame, pd.DataFrame, Boundaries, float], Selection]:
    def select(train: pd.DataFrame, last: pd.DataFrame, b: Boundaries, target: float) -> Selection:
        from geo.hotspots import find_hotspots

        res = find_hotspots(train, b, method=method)  # type: ignore[arg-type]
        geoms: list[Any] = []
        for h in res.hotspots:
            g = shapely.intersection(h.geometry, b.area)
            if float(shapely.union_all([*geoms, g]).area) <= target * (1 + 1e-9):
                geoms.append(g)
        union = shapely.union_all(geoms) if geoms else shapely.Polygon()
        shapely.prepare(union)
        return Selection(hits=lambda df: shapely.contains_xy(union, df["easting"].to_numpy(), df["northing"].to_numpy()),
                         area_m2=float(union.area))

    return select


SELECTORS: dict[str, Callable[[pd.DataFrame, pd.DataFrame, Boundaries, float], Selection]] = {
    "dbscan": _select_clusters("dbscan"), "hdbscan": _select_clusters("hdbscan"),
    "gistar": _select_gistar, "kde": _select_kde, "last_month": _select_last_month,
}


def month_starts(end_month: pd.Period, months: int) -> list[pd.Period]:
    """The ``months`` test months ending with the month before ``end_month``."""
    return [end_month - k for k in range(months, 0, -1)]


def _score(method: str, month: pd.Period, sel: Selection, test: pd.DataFrame, train: pd.DataFrame, area_m2: float) -> MonthScore:
    n, big_n = int(sel.hits(test).sum()), len(test)
    n0, big_n0 = int(sel.hits(train).sum()), len(train)
    share = sel.area_m2 / area_m2
    hit = n / big_n if big_n else None
    pai = lo = hi = rri = None
    if hit is not None and share > 0:
        pai = hit / share
        ci = binomtest(n, big_n).proportion_ci(0.95, method="exact")
        lo, hi = ci.low / share, ci.high / share
    if hit is not None and n0 and big_n0:
        rri = hit / (n0 / big_n0)
    return MonthScore(method=method, month=str(month), n=n, N=big_n, n_train=n0, N_train=big_n0, area_share=share,
                      hit_rate=hit, pai=pai, pai_low=lo, pai_high=hi, rri=rri)


def backtest(
    incidents: pd.DataFrame,
    boundaries: Boundaries,
    *,
    end_month: pd.Period,
    months: int = 6,
    train_months: int = 3,
    methods: Sequence[str] = METHODS,
    area_share: float = DEFAULT_AREA_SHARE,
) -> list[MonthScore]:
    """Rolling month-by-month backtest (module notes) of ``methods``.

    Parameters
    ----------
    incidents
        Incident frame covering ``train_months`` before the first test month to the end
        of the last (``occurred_at`` UTC; ``easting, northing, datazone`` …).
    boundaries
        The geography (study area: the whole service area).
    end_month
        The month after the last test month (local months).
    months, train_months
        Test months and training months per test.
    methods
        Any of :data:`METHODS`.
    area_share
        Share of the study area each method's hotspots cover (0 < share < 1).

    Returns
    -------
    list of MonthScore
        Method by method, months in time order. A method that cannot run on a month
        (e.g. too few incidents to cluster) gets a score with ``note`` and no PAI.
    """
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ParameterError(f"unknown `method` {', '.join(bad)}; expected {', '.join(METHODS)}", param="method")
    if not 0 < area_share < 1:
        raise ParameterError(f"`area_share` must be between 0 and 1, got {area_share}", param="area_share")
    if months < 1 or train_months < 1:
        raise ParameterError("`months` and `train_months` must be >= 1", param="months")
    local = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert(TZ).dt.tz_localize(None).dt.to_period("M")
    area_m2 = float(boundaries.area.area)
    target = area_share * area_m2
    out: list[MonthScore] = []
    for method in methods:
        for month in month_starts(end_month, months):
            test = incidents[(local == month).to_numpy()]
            train = incidents[((local >= month - train_months) & (local < month)).to_numpy()]
            last = incidents[(local == month - 1).to_numpy()]
            try:
                sel = SELECTORS[method](train, last, boundaries, target)
            except GeoError as exc:
                out.append(MonthScore(method=method, month=str(month), n=0, N=len(test), n_train=0, N_train=len(train),
                                      area_share=0.0, hit_rate=None, pai=None, pai_low=None, pai_high=None, rri=None,
                                      note=str(exc)))
                continue
            out.append(_score(method, month, sel, test, train, area_m2))
    return out


def summarise(scores: Sequence[MonthScore], *, area_share: float = DEFAULT_AREA_SHARE) -> list[dict[str, Any]]:
    """Per method: mean PAI and RRI over the months it could be scored.

    PAI favours small areas, so methods are ranked on equal terms only: ``comparable``
    is true when the method's hotspots covered at least 90 % of the target share on
    average; comparable methods come first (highest mean PAI first), then the others.
    """
    rows: list[dict[str, Any]] = []
    for m in dict.fromkeys(s.method for s in scores):
        mine = [s for s in scores if s.method == m]
        pais = [s.pai for s in mine if s.pai is not None]
        rris = [s.rri for s in mine if s.rri is not None]
        mean_share = float(np.mean([s.area_share for s in mine])) if mine else 0.0
        rows.append({"method": m, "months_scored": len(pais), "mean_pai": float(np.mean(pais)) if pais else None,
                     "mean_rri": float(np.mean(rris)) if rris else None, "mean_area_share": mean_share,
                     "comparable": bool(pais) and mean_share >= 0.9 * area_share})
    rows.sort(key=lambda r: (not r["comparable"], -float(r["mean_pai"] if r["mean_pai"] is not None else -1.0)))
    return rows
