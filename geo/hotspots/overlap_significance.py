"""Is the police/fire overlap of a hotspot real co-location? (select-and-test permutation)

A hotspot is an overlap *candidate* when it passes the count rule of :mod:`.overlap`.
Its co-location statistic ``T`` is the mean local co-location quotient (Wang et al.
2017; k = 10 neighbours, Gaussian adaptive kernel) from the window's majority agency to
its minority agency (police→fire whenever fire is the smaller agency, as always in
practice): how much more often the hotspot's police incidents have fire incidents among
their nearest neighbours than the window's police/fire mix would give. The direction is
fixed by the window's counts before looking at any hotspot, so there is one test per
hotspot, not two. (With only two agencies both directions cannot exceed 1 in a place
that simply mixes them, so "both directions" is not a usable criterion; both are
reported, with unadjusted p-values.)

The hotspots are found from locations only, so they stay fixed when the agency labels
are shuffled; which of them pass the count rule, and their ``T``, do not. In each of R
random relabellings of ALL the window's incidents (agency counts kept, locations fixed)
the whole selection is repeated: the count rule is applied to every hotspot and the
largest standardised ``T`` (``z = (T - mean) / sd`` of that hotspot's ``T`` over the
relabellings, so that small hotspots' noisy values do not swamp large ones) among the
hotspots that pass it is recorded. A candidate's adjusted p-value is
``(1 + #{relabellings whose largest z >= its z}) / (R + 1)`` (studentised max-T,
Westfall & Young 1993): it accounts for the hotspot having been selected with the same
labels, for both directions, and for testing many hotspots at once (it controls the
family-wise error, so also the FDR). ``overlap`` is true when it is <= 0.05.

Only the labels of the hotspots' incidents and their neighbours matter, so each
relabelling draws just those: a multivariate hypergeometric sample of the labels in
random order, exactly the labels a full shuffle would put there.

Limits: the null is "labels at random over the locations", exact when police and fire
follow the same large-scale pattern (e.g. both follow population) and are independent at
street scale; where fire is more common for large-scale reasons (a whole estate), its
places can test positive although the agencies do not meet at street level. Joint attendances recorded by both agencies at one address are real
co-location in the data, whatever their cause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.hotspots._common import FloatArray, IntArray
from geo.hotspots._grid import near_label_sums
from geo.hotspots.colocation._base import CMP_RTOL, LCLQ_K, local_weights
from geo.hotspots.significance import ALPHA

__all__ = ["OVERLAP_PERMUTATIONS", "OverlapTest", "assess_overlap"]

OVERLAP_PERMUTATIONS = 199
_CHUNK = 32
_F32_RTOL = 1e-6  # ties between float32 relabellings and the float64 observed value
METHOD = (
    "max-T permutation test repeating the selection in every relabelling "
    "(Westfall & Young 1993) of the mean local CLQ from the window's majority agency "
    "to its minority agency (police→fire when fire is fewer)"
)


@dataclass(frozen=True, eq=False)
class OverlapTest:
    """Co-location test of every hotspot (indexed by hotspot label).

    Attributes
    ----------
    candidate
        Passes the count rule with the observed labels.
    fire_to_police, police_to_fire
        Mean local CLQ of the fire (police) incidents towards police (fire); NaN when
        the hotspot has no incident of that agency.
    p_fire_to_police, p_police_to_fire
        Unadjusted permutation p-values of attraction, per direction (NaN if untested).
    p_adjusted
        Max-T adjusted p-value of ``T`` (majority→minority; NaN for non-candidates).
    overlap
        ``candidate and p_adjusted <= alpha``.
    permutations, seed, k, alpha, method
        Settings of the test.
    """

    candidate: npt.NDArray[np.bool_]
    fire_to_police: FloatArray
    police_to_fire: FloatArray
    p_fire_to_police: FloatArray
    p_police_to_fire: FloatArray
    p_adjusted: FloatArray
    overlap: npt.NDArray[np.bool_]
    permutations: int
    seed: int | None
    k: int
    alpha: float
    method: str = METHOD


@dataclass(frozen=True)
class _Rule:
    min_count: int
    need_police: float
    need_fire: float

    def passes(
        self, n_pol: FloatArray, n_fire: FloatArray, n: FloatArray
    ) -> npt.NDArray[np.bool_]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (
                (n_pol >= self.min_count)
                & (n_fire >= self.min_count)
                & (n_pol / n >= self.need_police)
                & (n_fire / n >= self.need_fire)
            )


def _rule(
    min_count: int, min_share: float, rel: float, fire_share: float | None
) -> _Rule:
    need_p = need_f = min_share
    if fire_share is not None:
        need_f = min(min_share, rel * fire_share)
        need_p = min(min_share, rel * (1.0 - fire_share))
    return _Rule(min_count, need_p, need_f)


@dataclass(frozen=True, eq=False)
class _Design:
    w: sp.csr_matrix  # members x used, row-normalised kernel weights
    w32: sp.csr_matrix  # the same in float32 (relabellings)
    g: sp.csr_matrix  # clusters x members indicator
    mem_loc: IntArray  # members' positions among the used points
    used_codes: npt.NDArray[np.int8]  # observed codes of the used points
    share_p: float
    share_f: float
    n: FloatArray  # incidents per cluster
    fire_minority: bool  # the test direction: majority agency -> minority agency


def _stats(
    d: _Design, lab: npt.NDArray[np.int8], fast: bool = False
) -> tuple[FloatArray, ...]:
    """Per cluster (rows) and labelling (columns): n_pol, n_fire, fp, pf.

    ``fast`` (the relabellings) works in float32, half the memory traffic of the
    sparse products, at ~1e-7 relative error; the observed values use float64.
    """
    dtype = np.float32 if fast else np.float64
    if fast:  # police / fire share among each member's neighbours
        p_near, f_near = _near_shares(d.w32, np.ascontiguousarray(lab))
    else:
        p_near = d.w @ (lab == 1).astype(dtype)
        f_near = d.w @ (lab == 2).astype(dtype)
    m_lab = lab[d.mem_loc]
    m_pol, m_fire = (m_lab == 1).astype(dtype), (m_lab == 2).astype(dtype)
    n_pol = d.g @ m_pol
    n_fire = d.g @ m_fire
    with np.errstate(divide="ignore", invalid="ignore"):
        fp = (d.g @ (p_near * m_fire)) / n_fire / d.share_p
        pf = (d.g @ (f_near * m_pol)) / n_pol / d.share_f
    return n_pol, n_fire, fp, pf


def _near_shares(
    w: sp.csr_matrix, lab: npt.NDArray[np.int8]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``w @ (lab == 1)`` and ``w @ (lab == 2)`` in float32 without the 0/1 matrices:
    the same additions in the same order as scipy's ``csr_matvecs``, so the same bits."""
    shape = (w.shape[0], lab.shape[1])
    p_out = np.zeros(shape, dtype=np.float32)
    f_out = np.zeros(shape, dtype=np.float32)
    near_label_sums(w.indptr, w.indices, w.data, lab, p_out, f_out)
    return p_out, f_out


def _design(
    xy: FloatArray,
    codes: npt.NDArray[np.int8],
    labels: IntArray,
    n_clusters: int,
    k: int,
) -> _Design:
    n = xy.shape[0]
    members = np.flatnonzero(labels >= 0).astype(np.int64)
    w, _, _ = local_weights(xy, members, k, cKDTree(xy))
    is_used = np.zeros(n, dtype=bool)
    is_used[members] = True
    is_used[w.indices] = True
    used = np.flatnonzero(is_used)  # = np.union1d(members, w.indices)
    where = np.cumsum(is_used) - 1  # a used point's position among the used points
    w_loc = sp.csr_matrix(
        (w.data, where[w.indices], w.indptr),
        shape=(members.size, used.size),
    )
    g = sp.csr_matrix(
        (np.ones(members.size), (labels[members], np.arange(members.size))),
        shape=(n_clusters, members.size),
    )
    n_pol = int(np.count_nonzero(codes == 1))
    n_fire = int(np.count_nonzero(codes == 2))
    return _Design(
        w=w_loc,
        w32=w_loc.astype(np.float32),
        g=g,
        mem_loc=where[members],
        used_codes=codes[used],
        share_p=n_pol / (n - 1),
        share_f=n_fire / (n - 1),
        n=np.bincount(labels[members], minlength=n_clusters).astype(np.float64),
        fire_minority=n_fire <= n_pol,
    )


def _draw(
    rng: np.random.Generator, colors: IntArray, size: int, reps: int
) -> npt.NDArray[np.int8]:
    """``reps`` columns of the labels a full shuffle puts on ``size`` fixed points."""
    out = np.empty((size, reps), dtype=np.int8)
    for r in range(reps):
        cnt = rng.multivariate_hypergeometric(colors, size)
        col = np.repeat(np.arange(3, dtype=np.int8), cnt)
        rng.shuffle(col)
        out[:, r] = col
    return out


def _permute(
    d: _Design,
    rule: _Rule,
    colors: IntArray,
    obs: tuple[FloatArray, ...],
    permutations: int,
    seed: int | None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Studentised max-T p-values and per-direction p-values over the relabellings."""
    _, _, fp0, pf0 = obs
    rng = np.random.default_rng(seed)
    n_c = fp0.size
    fp_all = np.empty((n_c, permutations))
    pf_all = np.empty((n_c, permutations))
    cand_all = np.empty((n_c, permutations), dtype=bool)
    for s0 in range(0, permutations, _CHUNK):
        s1 = min(s0 + _CHUNK, permutations)
        lab = _draw(rng, colors, d.used_codes.size, s1 - s0)
        n_pol, n_fire, fp, pf = _stats(d, lab, fast=True)
        fp_all[:, s0:s1], pf_all[:, s0:s1] = fp, pf
        cand_all[:, s0:s1] = rule.passes(n_pol, n_fire, d.n[:, None])
    p_fp, p_pf = (_exceedance(sims, o) for sims, o in ((fp_all, fp0), (pf_all, pf0)))
    t_all, t0 = (pf_all, pf0) if d.fire_minority else (fp_all, fp0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.nanmean(np.where(np.isfinite(t_all), t_all, np.nan), axis=1)
        sd = np.nanstd(np.where(np.isfinite(t_all), t_all, np.nan), axis=1)
        sd = np.where(sd > 0, sd, np.inf)
        z0 = (t0 - mu) / sd
        z = (t_all - mu[:, None]) / sd[:, None]
    z = np.where(cand_all & np.isfinite(z), z, -np.inf)
    zmax = z.max(axis=0)
    ge = (zmax[None, :] >= z0[:, None] - CMP_RTOL * np.abs(z0[:, None])).sum(axis=1)
    return (ge + 1) / (permutations + 1), p_fp, p_pf


def _exceedance(sims: FloatArray, obs: FloatArray) -> FloatArray:
    """Per cluster, ``(#{finite sims >= obs} + 1) / (#finite + 1)`` (NaN if none)."""
    ok = np.isfinite(sims)
    valid = ok.sum(axis=1)
    ge = (ok & (sims >= obs[:, None] * (1 - _F32_RTOL))).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid > 0, (ge + 1) / (valid + 1), np.nan)


def assess_overlap(
    xy: FloatArray,
    agency: npt.NDArray[np.object_],
    labels: IntArray,
    n_clusters: int,
    *,
    min_agency_count: int,
    min_agency_share: float,
    min_relative_share: float,
    window_fire_share: float | None,
    permutations: int = OVERLAP_PERMUTATIONS,
    seed: int | None = 0,
    k: int = LCLQ_K,
    alpha: float = ALPHA,
) -> OverlapTest:
    """Select-and-test co-location of every hotspot (module notes).

    Parameters
    ----------
    xy, agency
        The window's incidents (n, 2) and their agencies.
    labels
        Hotspot label of every window incident (``-1`` none); ``n_clusters`` hotspots.
    min_agency_count, min_agency_share, min_relative_share, window_fire_share
        The count rule of :func:`geo.hotspots.overlap.is_overlap`.
    permutations, seed, k, alpha
        Relabellings R (0: no test, nothing is an overlap), seed, neighbours of the
        local CLQ, and the level.

    Returns
    -------
    OverlapTest
    """
    codes = np.zeros(xy.shape[0], dtype=np.int8)
    codes[agency == "police"] = 1
    codes[agency == "fire"] = 2
    nan = np.full(n_clusters, np.nan)
    none = np.zeros(n_clusters, dtype=bool)
    k_used = max(1, min(k, xy.shape[0] - 1))
    both = bool((codes == 1).any() and (codes == 2).any())
    if n_clusters == 0 or not both or xy.shape[0] < 3:
        return OverlapTest(
            none, nan, nan, nan, nan, nan, none, permutations, seed, k_used, alpha
        )
    d = _design(xy, codes, labels, n_clusters, k_used)
    rule = _rule(
        min_agency_count, min_agency_share, min_relative_share, window_fire_share
    )
    obs = tuple(a[:, 0] for a in _stats(d, d.used_codes[:, None]))
    cand = rule.passes(obs[0], obs[1], d.n) & np.isfinite(
        obs[3] if d.fire_minority else obs[2]
    )
    if not cand.any() or permutations == 0:
        return OverlapTest(
            cand, obs[2], obs[3], nan, nan, nan, none, permutations, seed, k_used, alpha
        )
    colors = np.bincount(codes, minlength=3).astype(np.int64)
    p_max, p_fp, p_pf = _permute(d, rule, colors, obs, permutations, seed)
    p_adj = np.where(cand, p_max, np.nan)
    return OverlapTest(
        candidate=cand,
        fire_to_police=obs[2],
        police_to_fire=obs[3],
        p_fire_to_police=p_fp,
        p_police_to_fire=p_pf,
        p_adjusted=p_adj,
        overlap=cand & (p_adj <= alpha),
        permutations=permutations,
        seed=seed,
        k=k_used,
        alpha=alpha,
    )
