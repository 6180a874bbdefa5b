"""Co-location quotients (CLQ): global nearest-neighbour CLQ and local CLQ.

Modules: :mod:`.global_clq` (global CLQ), :mod:`.local_clq` (local and mean local CLQ),
:mod:`.exact` (exact enumeration for tiny N), :mod:`.results` (result objects).

The co-location quotient measures whether points of category A (e.g. fire incidents)
have points of category B (e.g. police incidents) nearby more often than a random
labelling of the same locations would give. CLQ > 1 means attraction, CLQ < 1
avoidance; it is asymmetric (A→B ≠ B→A). Formulas, choices and worked examples are in
METHODS.md §3.

Global CLQ (Leslie & Kronenfeld 2011)::

    CLQ_A→B = (C_A→B / N_A) / (N'_B / (N - 1)),  N'_B = N_B if A != B else N_A - 1
    C_A→B   = sum_{i in A} sum_j f_ij / nn_i

where ``nn_i`` is the number of points tied at i's nearest-neighbour distance (j != i)
and ``f_ij = 1`` if tied neighbour j is in B: tied neighbours share i's single vote.

Local CLQ (Wang et al. 2017)::

    LCLQ_Ai→B = N_Ai→B / (N'_B / (N - 1)),  N_Ai→B = sum_{j!=i} w_ij f_j / sum_{j!=i} w_ij
    w_ij = exp(-0.5 d_ij^2 / b_i^2) for j among i's neighbours, else 0

The neighbours of i are its ``k`` nearest OTHER points plus every point tied at the k-th
distance; the adaptive bandwidth ``b_i`` is the k-th nearest distance; the point itself
is excluded. If ``b_i = 0`` (k or more coincident points) every neighbour (all at
distance 0) gets weight 1.

Choices
-------
- Distance ties use a relative tolerance of ``1e-9`` (``d <= d_ref * (1 + 1e-9)``).
  Coincident points (distance 0) are ordinary ties. Police and fire records at one
  address inflate the CLQ, so results report how many points are coincident.
- Only the labels ``a`` and ``b`` matter; every other label is "other" but still counts
  in N and in the neighbourhoods, so fix the category set per request.
- Significance is by permutation, conditional on the locations. Global: shuffle all
  labels over the fixed locations (category counts kept). Local: fix point i and its
  label and shuffle the other N - 1 labels (conditional randomisation; as in esda the
  same random draws are reused for every focal point, which keeps each point's test
  exact but correlates the p-values of different points). Attraction
  ``p = (#{CLQ* >= obs} + 1) / (R + 1)``, avoidance counts ``<=``; comparisons allow a
  relative 1e-9 so float round-off never decides a tie.
- :func:`mean_local_clq` summarises a set of points (a hotspot) by the mean LCLQ of its
  A points; its null relabels ALL points at random (as for the global CLQ), so the
  dependence between overlapping neighbourhoods stays in the null and the mean has
  expectation 1 under it.
- The default ``k = 10`` for the local CLQ is our choice (a neighbourhood of about ten
  incidents, local at the scale of a street-level hotspot); it is a request parameter.
- Exact enumeration (:func:`exact_global_clq`, :func:`exact_local_clq`) runs over the
  distinct arrangements of the labels A / B / other, for tiny N (tests).

Implementation: :class:`scipy.spatial.cKDTree`. The global statistic works on unique
locations (duplicates collapsed with multiplicities), so thousands of records at one
address cost nothing extra; permutations are vectorised in chunks.

References
----------
Leslie, T.F. & Kronenfeld, B.J. (2011). The colocation quotient: a new measure of
spatial association between categorical subsets of points. *Geographical Analysis*
43(3), 306-326.

Cromley, R.G., Hanink, D.M. & Bentlage, G.C. (2014). Geographically weighted colocation
quotients: specification and application. *The Professional Geographer* 66(1), 138-148.

Wang, F., Hu, Y., Wang, S. & Li, X. (2017). Local indicator of colocation quotient with
a statistical significance test: examining spatial association of crime and facilities.
*The Professional Geographer* 69(1), 22-31.
"""

from geo.hotspots._common import collapse_locations
from geo.hotspots.colocation._base import LCLQ_K, PERMUTATIONS, TIE_RTOL
from geo.hotspots.colocation.exact import exact_global_clq, exact_local_clq
from geo.hotspots.colocation.global_clq import global_clq, global_clq_pair
from geo.hotspots.colocation.local_clq import (
    local_clq,
    mean_local_clq,
    mean_local_clq_sets,
)
from geo.hotspots.colocation.results import (
    ClqResult,
    ExactGlobalClq,
    ExactLocalClq,
    LocalClqResult,
    MeanLocalClqResult,
)

__all__ = [
    "LCLQ_K",
    "PERMUTATIONS",
    "TIE_RTOL",
    "ClqResult",
    "ExactGlobalClq",
    "ExactLocalClq",
    "LocalClqResult",
    "MeanLocalClqResult",
    "collapse_locations",
    "exact_global_clq",
    "exact_local_clq",
    "global_clq",
    "global_clq_pair",
    "local_clq",
    "mean_local_clq",
    "mean_local_clq_sets",
]
