"""Hotspot engine: density-cluster hotspots, police/fire overlap, co-location, GeoJSON.

One question per module: :mod:`.params` (parameter choice), :mod:`.density` (DBSCAN /
HDBSCAN), :mod:`.polygons` (hotspot polygons), :mod:`.summary` (per-cluster
properties), :mod:`.ranking` (id and rank score), :mod:`.overlap` (overlap rule and
co-location of overlap hotspots), :mod:`.colocation` (global / local CLQ with
permutation tests), :mod:`.find` (the :func:`find_hotspots` pipeline), :mod:`.geojson`
(output), :mod:`.results` (result objects).

:func:`find_hotspots` clusters the incidents of a window with DBSCAN or HDBSCAN and
turns every cluster into a hotspot polygon with the properties a tasking meeting needs;
:func:`overlap_hotspots` keeps the police/fire overlap hotspots and measures their
co-location; :func:`to_geojson` writes either as an RFC 7946 FeatureCollection (WGS84).
METHODS.md §4 gives the parameter rules and the duplicate-location argument.

Parameters and how defaults are chosen
--------------------------------------
``min_samples`` (DBSCAN; a point is core when at least this many incidents, itself
included, lie within ``eps``). Default ``max(4, ceil(N / 2500), ceil(2 N / U))`` for N
incidents at U distinct locations. 4 = 2·dim is the rule of Sander et al. (1998) kept
by Schubert et al. (2017), who advise raising it for large, noisy or heavily duplicated
data; the two other terms are our documented way to do so: one more per 2,500
incidents (so 40 at 100,000 and 400 at 1,000,000), and at least twice the mean number
of incidents per location, so that a single address of typical multiplicity is never a
core point on its own (street-snapped data such as data.police.uk's).

``eps_m`` (DBSCAN radius, metres). Default: the k-distance elbow of METHODS §4
(:func:`choose_eps`): each incident's distance to its (min_samples - 1)-th nearest other
incident, sorted; the elbow is the point farthest below the chord of the normalised
curve (first on ties), and eps = elbow value × (1 + 1e-9). If that gives less than 1 m
(e.g. almost every incident shares its location) the 1 m floor is used, with a warning.
Caveat: with a large share of thinly spread background incidents the elbow sits in the
background's distribution and can be hundreds of metres; pass ``eps_m`` for street-level
hotspots.

``min_cluster_size`` (HDBSCAN; smallest group that counts as a cluster). Default
``max(10, ceil(N / 1000))``: ten incidents, or 0.1 % of the window, whichever is larger.
HDBSCAN's ``min_samples`` defaults to scikit-learn's default (= min_cluster_size).
``eps_m``, if given with HDBSCAN, is passed as ``cluster_selection_epsilon`` (clusters
closer than that are not split). HDBSCAN labels a cluster's members down to the density
level at which the cluster is born, so over thin background noise each cluster carries a
halo of background incidents reaching hundreds of metres out, with membership
probabilities (``probabilities_``) near 0. Hotspots keep only members with probability
>= ``hdbscan_min_probability`` (default 0.5; the others count as noise). On planted test
data (geo.planted; 2,000 and 100,000 background incidents) this strips the halo, which
otherwise extends a planted fire-only cluster by up to 1.5 km and gives it enough
background police incidents to pass the overlap rule, while keeping every planted
incident.

Duplicate locations. DBSCAN runs on the unique locations in first-occurrence order with
``sample_weight`` = multiplicity, and the labels are mapped back; this equals a plain run
on every row, label numbers included (METHODS §4), so a million incidents with many
duplicates cost what their distinct locations cost; no dense distance matrix is built.
HDBSCAN has no ``sample_weight``, so it gets every row. It runs on the ``hdbscan``
library's Boruvka KD-tree (McInnes & Healy 2017): 4.7 s at 100,000 incidents on a
2-core machine, against 36 s for scikit-learn's ``HDBSCAN`` (Prim's algorithm, O(N²)
time) on the same points (bench/bench_hotspots.py). scikit-learn's is the fallback when
the library is missing; the two agree closely (adjusted Rand index > 0.9 in the tests)
but may split ties differently. HDBSCAN refuses windows above ``HDBSCAN_MAX_INCIDENTS``
(200,000) with :class:`~geo.errors.TooLargeError`; use DBSCAN for larger windows.

Hotspot scale: places
---------------------
With the default parameters (neither ``eps_m`` nor ``min_samples`` given) every DBSCAN
cluster is reduced to its *places* (:mod:`.place`): locations with more incidents within
``min(eps, 75 m)`` than the window's own background rate around them makes likely
(P <= 1/N), linked within that radius, border points dropped. ``labels`` stays
scikit-learn's DBSCAN labelling; ``hotspot_labels`` gives each row's place. Given
parameters keep the clusters as found.

Significance
------------
Each hotspot's densest spot (most incidents within the place radius of one location) is
compared with a Poisson background of the window's own intensity (~2 km scale): the
expected number of equally dense spots anywhere in the window bounds the p-value,
Benjamini-Hochberg across hotspots gives ``p_fdr``; ``significant`` is ``p_fdr <= 0.05``
(:mod:`.significance`).

Hotspot polygons
----------------
The convex (or concave) hull of the hotspot's locations buffered by ``max(r / 2, 25 m)``
with r the place radius (default parameters) or ``eps_m`` (given), 25 m for HDBSCAN
without eps_m (:mod:`.polygons`). GeoJSON is WGS84 [lon, lat] rounded to 1e-7 degrees.

Overlap rule
------------
A hotspot is a police/fire **overlap** hotspot when (1) it holds at least
``min_agency_count`` (default 3) incidents of EACH agency and each agency's share of the
hotspot is at least ``min(min_agency_share, 0.5 x that agency's share of the window)``
(``min_agency_share`` default 0.2; :func:`is_overlap`), AND (2) its police/fire
co-location is significant at 0.05 in a permutation test that repeats this selection in
every relabelling and adjusts for the number of hotspots (studentised max-T,
:mod:`.overlap_significance`; ``overlap_p``).

Properties, id and rank
-----------------------
``id`` is ``"H-"`` + the first 12 hex digits of the SHA-1 of the method parameters and
the sorted ``agency:source_id`` keys of the members. ``trend`` splits the period at its
midpoint. The rank score (:mod:`.ranking`) is::

    score = n × (1.5 if overlap else 1) × clip(sqrt((second_half + 1) / (first_half + 1)), 0.5, 2)
              × (1 if significant else 0.25)

Rank 1 is the highest score (ties: more incidents, then id).

References
----------
Ester, M., Kriegel, H.-P., Sander, J. & Xu, X. (1996). A density-based algorithm for
discovering clusters in large spatial databases with noise. *Proc. KDD-96*, 226-231.

Sander, J., Ester, M., Kriegel, H.-P. & Xu, X. (1998). Density-based clustering in spatial
databases: the algorithm GDBSCAN and its applications. *Data Mining and Knowledge
Discovery* 2(2), 169-194.

Schubert, E., Sander, J., Ester, M., Kriegel, H.-P. & Xu, X. (2017). DBSCAN revisited,
revisited: why and how you should (still) use DBSCAN. *ACM TODS* 42(3), 19.

Campello, R.J.G.B., Moulavi, D. & Sander, J. (2013). Density-based clustering based on
hierarchical density estimates. *PAKDD 2013*, LNCS 7819, 160-172.
"""

from __future__ import annotations

from geo.hotspots import colocation, density, params
from geo.hotspots.colocation import (
    LCLQ_K,
    PERMUTATIONS,
    ClqResult,
    MeanLocalClqResult,
    collapse_locations,
    global_clq,
    global_clq_pair,
    local_clq,
    mean_local_clq,
    mean_local_clq_sets,
)
from geo.hotspots.density import HDBSCAN_MAX_INCIDENTS, HDBSCAN_MIN_PROBABILITY
from geo.hotspots.find import METHODS, Method, find_hotspots
from geo.hotspots.geojson import to_geojson
from geo.hotspots.overlap import (
    DEFAULT_MIN_AGENCY_COUNT,
    DEFAULT_MIN_AGENCY_SHARE,
    is_overlap,
    overlap_hotspots,
)
from geo.hotspots.params import (
    DEFAULT_MAX_EPS_M,
    MIN_EPS_M,
    choose_eps,
    default_min_cluster_size,
    default_min_samples,
    elbow_index,
    k_distances,
)
from geo.hotspots.polygons import CONCAVE_RATIO, MIN_BUFFER_M
from geo.hotspots.results import (
    Hotspot,
    HotspotResult,
    OverlapHotspot,
    OverlapResult,
    Trend,
)

__all__ = [
    "CONCAVE_RATIO",
    "DEFAULT_MAX_EPS_M",
    "DEFAULT_MIN_AGENCY_COUNT",
    "DEFAULT_MIN_AGENCY_SHARE",
    "HDBSCAN_MAX_INCIDENTS",
    "HDBSCAN_MIN_PROBABILITY",
    "LCLQ_K",
    "METHODS",
    "MIN_BUFFER_M",
    "MIN_EPS_M",
    "PERMUTATIONS",
    "ClqResult",
    "Hotspot",
    "HotspotResult",
    "MeanLocalClqResult",
    "Method",
    "OverlapHotspot",
    "OverlapResult",
    "Trend",
    "choose_eps",
    "collapse_locations",
    "colocation",
    "default_min_cluster_size",
    "default_min_samples",
    "density",
    "elbow_index",
    "find_hotspots",
    "global_clq",
    "global_clq_pair",
    "is_overlap",
    "k_distances",
    "local_clq",
    "mean_local_clq",
    "mean_local_clq_sets",
    "overlap_hotspots",
    "params",
    "to_geojson",
]
