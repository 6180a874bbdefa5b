"""Near-repeat analysis: the Knox test over distance × time bands (Monte Carlo p-values).

What it counts
--------------
Every unordered pair of incidents ``(i, j)`` is classed by its distance ``d_ij`` (metres,
straight line in British National Grid) and its time gap ``Δ_ij = |day_i − day_j|`` in
whole days (calendar dates, so two incidents on the same day have ``Δ = 0``). A
distance band is the half-open interval ``[from, to)`` metres and a time band
``[from, to)`` days. ``observed`` is the number of pairs in a cell.

Expected and significance (as in the Near Repeat Calculator, Ratcliffe 2009)
---------------------------------------------------------------------------
Under the null hypothesis that when an incident happened is independent of where, the
times are exchangeable: permuting the time labels over the fixed locations gives the
null distribution. ``expected`` is the exact mean of a cell's count over all
permutations, ``S_d · T_k / P`` (``S_d`` pairs in distance band ``d``, ``T_k`` pairs in
time band ``k``, ``P = n(n−1)/2`` pairs in all), which the Monte Carlo mean estimates.
``ratio = observed / expected`` is the Knox ratio. ``p_value = (1 + #{permuted ≥
observed}) / (1 + permutations)`` is the one-sided Monte Carlo p-value of an excess of
close pairs (the calculator's rank test).

Speed
-----
Only pairs closer than the largest distance edge matter, so they are found once with a
KD-tree (``scipy.spatial.cKDTree.query_pairs``) rather than over all ``n(n−1)/2`` pairs;
each permutation then re-classifies those pairs' time gaps by a table look-up on
integer days, in a compiled loop (numba) that takes a block of permutations per pass
over the pairs and splits the pairs over threads. Each block's permutations come from
its own child of ``numpy.random.SeedSequence(seed)`` and the counts are exact integers,
so the result depends on ``seed`` only, not on the number of threads.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from geo.errors import ParameterError, TooFewIncidentsError, TooLargeError
from geo.patterns._jit import get_num_threads, njit, prange

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_DISTANCE_BANDS_M: tuple[float, ...] = (0.0, 100.0, 200.0, 300.0, 400.0)
DEFAULT_TIME_BANDS_DAYS: tuple[int, ...] = (0, 7, 14, 21, 28)
MAX_PAIRS = 20_000_000
CHUNK = 64


@dataclass(frozen=True)
class KnoxCell:
    """One distance × time cell of the Knox table."""

    distance_from_m: float
    distance_to_m: float
    days_from: int
    days_to: int
    observed: int
    expected: float
    ratio: float | None
    p_value: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the API row)."""
        return {
            "distance_from_m": self.distance_from_m,
            "distance_to_m": self.distance_to_m,
            "days_from": self.days_from,
            "days_to": self.days_to,
            "observed": self.observed,
            "expected": self.expected,
            "ratio": self.ratio,
            "p_value": self.p_value,
        }


@dataclass(frozen=True)
class KnoxResult:
    """Result of :func:`knox_test`.

    Attributes
    ----------
    cells
        Row-major cells: distance band by distance band, time bands within.
    distance_edges_m, time_edges_days
        The band edges used.
    n_incidents, n_pairs_total, n_pairs_close
        Incidents, all pairs ``n(n−1)/2``, and pairs closer than the last distance edge.
    permutations, seed
        Monte Carlo permutations (0: no p-values) and their seed.
    observed, expected, p_values
        The same numbers as arrays of shape ``(distance bands, time bands)``.
    """

    cells: tuple[KnoxCell, ...]
    distance_edges_m: tuple[float, ...]
    time_edges_days: tuple[int, ...]
    n_incidents: int
    n_pairs_total: int
    n_pairs_close: int
    permutations: int
    seed: int | None
    observed: IntArray = field(repr=False)
    expected: FloatArray = field(repr=False)
    p_values: FloatArray = field(repr=False)


def _edges(values: Sequence[float], name: str, *, integer: bool) -> tuple[float, ...]:
    if len(values) < 2:
        raise ParameterError(f"`{name}` needs at least two edges (one band), got {list(values)}", param=name)
    out: list[float] = []
    for v in values:
        f = float(v)
        if not math.isfinite(f) or f < 0:
            raise ParameterError(f"`{name}` edges must be finite and >= 0, got {v!r}", param=name)
        if integer and f != int(f):
            raise ParameterError(f"`{name}` edges must be whole days, got {v!r}", param=name)
        out.append(f)
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise ParameterError(f"`{name}` edges must increase strictly, got {list(values)}", param=name)
    return tuple(out)


def close_pairs(x: FloatArray, y: FloatArray, max_m: float) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs ``i < j`` with distance ``< max_m`` (KD-tree), and their distances."""
    xy = np.column_stack([x, y])
    tree = cKDTree(xy)
    pairs = tree.query_pairs(r=max_m, output_type="ndarray")
    if pairs.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    i, j = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    d = np.hypot(x[i] - x[j], y[i] - y[j])
    keep = d < max_m
    return i[keep], j[keep], d[keep]


def time_band_pairs(days: IntArray, edges: Sequence[float]) -> IntArray:
    """``T_k``: number of pairs of *all* incidents with time gap in each band."""
    t = np.sort(days)
    n = len(t)
    idx = np.arange(n)

    def below(c: float) -> int:  # pairs with gap < c
        if c <= 0:
            return 0
        return int((np.searchsorted(t, t + c, side="left") - idx - 1).sum())

    cum = [below(e) for e in edges]
    out: IntArray = np.diff(np.asarray(cum, dtype=np.int64)).astype(np.int64)
    return out


def _signed_lookup(edges: tuple[float, ...], span: int) -> npt.NDArray[np.int32]:
    """Band of each signed whole-day gap ``g`` at position ``g + span`` (``nt``: beyond)."""
    nt = len(edges) - 1
    gaps = np.abs(np.arange(-span, span + 1))
    band = np.searchsorted(np.asarray(edges), gaps, side="right") - 1
    band[(band < 0) | (gaps >= edges[-1])] = nt
    return band.astype(np.int32)


@njit(parallel=True, cache=True, nogil=True)  # type: ignore[misc]
def _block_counts(tp: Any, first: Any, second: Any, dband: Any, lut: Any, off: int, nt1: int, ncells: int,
                  nchunks: int) -> Any:  # pragma: no cover - compiled
    """Cell counts ``(perms in block, nd * (nt + 1))`` for the time columns of ``tp`` (n × block)."""
    n_pairs = first.shape[0]
    block = tp.shape[1]
    out = np.zeros((nchunks, block, ncells), np.int64)
    step = (n_pairs + nchunks - 1) // nchunks
    for c in prange(nchunks):
        lo = c * step
        hi = min(n_pairs, lo + step)
        for k in range(lo, hi):
            a = first[k]
            b = second[k]
            base = dband[k] * nt1
            for p in range(block):
                out[c, p, base + lut[tp[a, p] - tp[b, p] + off]] += 1
    return out.sum(axis=0)


class _Pairs:
    """Close pairs with their distance band, ready for counting."""

    def __init__(self, first: IntArray, second: IntArray, dband: IntArray, days: IntArray,
                 t_edges: tuple[float, ...], nd: int) -> None:
        order = np.lexsort((second, first))  # memory-friendly order of the look-ups
        self.first = first[order].astype(np.int32)
        self.second = second[order].astype(np.int32)
        self.dband = dband[order].astype(np.int32)
        self.days = (days - days.min()).astype(np.int32)
        self.span = int(self.days.max()) if len(days) else 0
        self.lut = _signed_lookup(t_edges, self.span)
        self.nd, self.nt = nd, len(t_edges) - 1
        self.nchunks = max(1, min(get_num_threads(), len(first) // 50_000 + 1))

    def counts(self, tp: npt.NDArray[np.integer[Any]]) -> IntArray:
        """Counts ``(columns of tp, nd * nt)`` (the beyond column dropped)."""
        nt1 = self.nt + 1
        raw = _block_counts(np.ascontiguousarray(tp), self.first, self.second, self.dband, self.lut,
                            self.span, nt1, self.nd * nt1, self.nchunks)
        return np.asarray(raw).reshape(tp.shape[1], self.nd, nt1)[:, :, : self.nt].reshape(tp.shape[1], -1)

    def simulate(self, perms: int, seed: int | None) -> IntArray:
        """Counts under ``perms`` random permutations of the days (seeded per block)."""
        sizes = [min(CHUNK, perms - s) for s in range(0, perms, CHUNK)]
        parts = []
        for seq, m in zip(np.random.SeedSequence(seed).spawn(len(sizes)), sizes, strict=True):
            rng = np.random.default_rng(seq)
            idx = np.stack([rng.permutation(len(self.days)) for _ in range(m)], axis=1)
            parts.append(self.counts(self.days[idx]))
        return np.concatenate(parts, axis=0) if parts else np.zeros((0, self.nd * self.nt), dtype=np.int64)


def _inputs(easting: npt.ArrayLike, northing: npt.ArrayLike, days: npt.ArrayLike) -> tuple[FloatArray, FloatArray, IntArray]:
    x = np.asarray(easting, dtype=np.float64)
    y = np.asarray(northing, dtype=np.float64)
    t = np.asarray(days, dtype=np.int64)
    if not (x.shape == y.shape == t.shape) or x.ndim != 1:
        raise ParameterError("easting, northing and days must be 1-D arrays of one length", param="days")
    if len(x) < 3:
        raise TooFewIncidentsError(f"the Knox test needs at least 3 incidents, got {len(x)}", param="from")
    if not np.isfinite(x).all() or not np.isfinite(y).all():
        raise ParameterError("coordinates must be finite", param="easting")
    return x, y, t


def knox_test(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    days: npt.ArrayLike,
    *,
    distance_bands_m: Sequence[float] = DEFAULT_DISTANCE_BANDS_M,
    time_bands_days: Sequence[float] = DEFAULT_TIME_BANDS_DAYS,
    permutations: int = 999,
    seed: int | None = 0,
) -> KnoxResult:
    """Knox test of space–time interaction (near repeats) with Monte Carlo p-values.

    Parameters
    ----------
    easting, northing
        Incident positions, EPSG:27700 metres.
    days
        Each incident's calendar day as an integer (e.g. days since 1970-01-01 of the
        local date).
    distance_bands_m
        Distance band edges in metres, increasing (bands ``[e0, e1), [e1, e2), …``).
    time_bands_days
        Time band edges in whole days, increasing.
    permutations
        Monte Carlo permutations of the time labels (0: no p-values).
    seed
        Seed of the permutations.

    Returns
    -------
    KnoxResult

    Raises
    ------
    ParameterError
        Bad band edges, negative permutations or mismatched inputs.
    TooFewIncidentsError
        Fewer than 3 incidents.
    TooLargeError
        More than ``MAX_PAIRS`` close pairs (narrow the window or the bands).
    """
    x, y, t = _inputs(easting, northing, days)
    if isinstance(permutations, bool) or int(permutations) < 0:
        raise ParameterError(f"`permutations` must be >= 0, got {permutations!r}", param="permutations")
    d_edges = _edges(distance_bands_m, "distance_bands_m", integer=False)
    t_edges = _edges(time_bands_days, "time_bands_days", integer=True)
    pairs, t, n_close = _band_pairs(x, y, t, d_edges, t_edges)
    nd, nt = len(d_edges) - 1, len(t_edges) - 1
    observed = pairs.counts(pairs.days[:, None])[0]
    s_d = np.bincount(pairs.dband, minlength=nd)[:nd]
    t_k = time_band_pairs(t, t_edges)
    n = len(x)
    total = n * (n - 1) // 2
    expected = (s_d[:, None] * t_k[None, :] / total).ravel()
    perms = int(permutations)
    p = np.full(nd * nt, np.nan)
    if perms:
        sims = pairs.simulate(perms, seed)
        p = (1 + (sims >= observed[None, :]).sum(axis=0)) / (1 + perms)
    cells = _cells(d_edges, t_edges, observed, expected, p if perms else None)
    return KnoxResult(
        cells=tuple(cells), distance_edges_m=d_edges, time_edges_days=tuple(int(v) for v in t_edges),
        n_incidents=n, n_pairs_total=total, n_pairs_close=n_close, permutations=perms, seed=seed,
        observed=observed.reshape(nd, nt), expected=expected.reshape(nd, nt), p_values=p.reshape(nd, nt),
    )


def _band_pairs(x: FloatArray, y: FloatArray, t: IntArray, d_edges: tuple[float, ...],
                t_edges: tuple[float, ...]) -> tuple[_Pairs, IntArray, int]:
    """The close pairs with their distance bands, on incidents sorted for memory locality."""
    # strips of the largest distance, west to east within each: neighbours sit close in
    # memory (a relabelling: it changes no count)
    order = np.lexsort((x, np.floor((y - y.min()) / max(d_edges[-1], 1.0))))
    x, y, t = x[order], y[order], t[order]
    i, j, dist = close_pairs(x, y, d_edges[-1])
    if len(i) > MAX_PAIRS:
        raise TooLargeError(f"{len(i):,} pairs closer than {d_edges[-1]:g} m: narrow the distance bands or the window",
                            param="distance_bands_m")
    dband = np.searchsorted(np.asarray(d_edges), dist, side="right") - 1
    keep = dband >= 0  # pairs closer than the first edge are in no band
    return _Pairs(i[keep], j[keep], dband[keep], t, t_edges, len(d_edges) - 1), t, int(keep.sum())


def _cells(d_edges: tuple[float, ...], t_edges: tuple[float, ...], observed: IntArray, expected: FloatArray,
           p: FloatArray | None) -> list[KnoxCell]:
    nd, nt = len(d_edges) - 1, len(t_edges) - 1
    cells = []
    for d in range(nd):
        for k in range(nt):
            c = d * nt + k
            e = float(expected[c])
            cells.append(KnoxCell(
                distance_from_m=d_edges[d], distance_to_m=d_edges[d + 1],
                days_from=int(t_edges[k]), days_to=int(t_edges[k + 1]),
                observed=int(observed[c]), expected=e,
                ratio=(float(observed[c]) / e) if e > 0 else None,
                p_value=None if p is None else float(p[c]),
            ))
    return cells
