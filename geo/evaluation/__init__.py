"""Before/after evaluation of an operation: change tests, displacement and verdicts.

Implements METHODS.md §6 (exact conditional test of a change in a count), §7 (weighted
displacement quotient, WDQ), §8 (weighted displacement difference test, WDD) and §10
(difference-in-differences rate ratio), and :func:`evaluate_operation`, which applies
them to the incidents of a target area, its displacement buffer and a control area.

Modules, one question each:

* :mod:`~geo.evaluation.change` — did a count change? (§6, the "too few" rule)
* :mod:`~geo.evaluation.did` — did the target change more than the control? (§10)
* :mod:`~geo.evaluation.background` — the same, exactly, and against last year and
  against the target's usual level (regression to the mean)
* :mod:`~geo.evaluation.power` — could counts this size show a change this size?
* :mod:`~geo.evaluation.conclusion` — ``reduction`` / ``increase`` / ``no_evidence``,
  corrected for several categories (Holm)
* :mod:`~geo.evaluation.displacement` — did the problem move next door? (§7, §8)
* :mod:`~geo.evaluation.zones` and :mod:`~geo.evaluation.windows` — where and when
* :mod:`~geo.evaluation.operation` — the whole evaluation of one operation
* :mod:`~geo.evaluation.results` — its result objects and JSON form
* :mod:`~geo.evaluation.verdict` — the sentences for people (no arithmetic)

Zones
-----
The caller builds the geometries (EPSG:27700): the *target* (a ward, data zones, a
hotspot polygon or a drawn polygon), the *buffer* (normally :func:`buffer_ring`, a ring
of ``buffer_m`` metres around the target) and the *control* (normally the rest of the
tasking group outside target and buffer). A point is assigned with the vectorised
shapely 2 predicate ``intersects_xy`` (so a point exactly on an edge is not lost) in the
order target, buffer, control: each point is counted in at most one zone, the first
that holds it, even if the geometries overlap.

Windows
-------
All windows are half-open ``[start, end)``; naive datetimes are Europe/London. The
*after* window is the operation period; the *before* window has the same wall-clock
length in Europe/London and ends at ``start`` (or is ``[before_start, start)``), so a
window starting at midnight is matched by one starting at midnight; *last year* is the
operation period shifted back one calendar year (local time). Window lengths are
measured in elapsed days and used as exposures in the exact test, so unequal windows
(including the hour a clock change adds or removes) are handled correctly.

Too few to conclude
-------------------
The verdict refuses to interpret a change in the target when the target's
``before + after < 10`` **or** the count expected under "no change" in either window,
``n * t_after / (t_before + t_after)`` or ``n * t_before / (t_before + t_after)``
(rounded to one decimal), is below 5. All figures are still returned (never NaN).

WDD with one shared control
---------------------------
The control's counts are scaled to the target and buffer before the subtraction
(see :mod:`geo.evaluation.operation`); this scaled WDD equals minus the WDQ's total
net effect.

Conclusion
----------
Every category and all selected categories together carry a machine-readable
``conclusion`` (``reduction``, ``increase`` or ``no_evidence``), judged against the
background: the target's change against the control's over the same weeks (exact
conditional test of the ratio of rate ratios, one-sided 5%), with a
regression-to-the-mean guard when the target was unusually high at selection, and
Holm's correction over the categories tested (:mod:`geo.evaluation.conclusion`). The
target's own before/after test (§6) is supporting detail only.

Caveats
-------
Every test treats incidents as independent Poisson counts. Repeat incidents
(overdispersion) make p-values too small and CIs too narrow. The control comparison
allows for season and trend only as far as the control shares them with the target;
the seasonal check against last year shows when it does not.

References
----------
Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing samples from
Poisson series. *Biometrika* 31(3/4), 313-323.

Clopper, C.J. & Pearson, E.S. (1934). The use of confidence or fiducial limits
illustrated in the case of the binomial. *Biometrika* 26(4), 404-413.

Bowers, K.J. & Johnson, S.D. (2003). Measuring the geographical displacement and
diffusion of benefit effects of crime prevention activity. *Journal of Quantitative
Criminology* 19(3), 275-301.

Wheeler, A.P. & Ratcliffe, J.H. (2018). A simple weighted displacement difference test
to evaluate place based crime interventions. *Crime Science* 7, Article 11.

Altman, D.G. & Bland, J.M. (2003). Interaction revisited: the difference between two
estimates. *BMJ* 326, 219.
"""

from geo.evaluation._common import Z975
from geo.evaluation.background import (
    RatioComparison,
    RegressionToMean,
    compare_rate_ratios,
    regression_to_mean,
)
from geo.evaluation.change import (
    MIN_EXPECTED,
    MIN_TOTAL,
    ChangeTestResult,
    enough_counts,
    exact_change_test,
)
from geo.evaluation.conclusion import (
    INCREASE,
    NO_EVIDENCE,
    REDUCTION,
    DirectionalTest,
    MultipleTesting,
    directional_test,
    holm,
)
from geo.evaluation.did import DiDResult, did_rate_ratio
from geo.evaluation.displacement import WDDResult, WDQResult, wdd, wdq
from geo.evaluation.operation import evaluate_operation, evaluate_table
from geo.evaluation.power import PowerResult, comparison_power, power_of_ratio
from geo.evaluation.results import (
    ALL_SELECTED,
    CategoryEvaluation,
    EvaluationResult,
    ZoneCounts,
)
from geo.evaluation.windows import (
    LOCAL_TZ,
    EvaluationWindows,
    Timeish,
    evaluation_windows,
)
from geo.evaluation.zones import assign_zones, buffer_ring

__all__ = [
    "ALL_SELECTED",
    "INCREASE",
    "LOCAL_TZ",
    "MIN_EXPECTED",
    "MIN_TOTAL",
    "NO_EVIDENCE",
    "REDUCTION",
    "Z975",
    "CategoryEvaluation",
    "ChangeTestResult",
    "DiDResult",
    "DirectionalTest",
    "EvaluationResult",
    "EvaluationWindows",
    "MultipleTesting",
    "PowerResult",
    "RatioComparison",
    "RegressionToMean",
    "Timeish",
    "WDDResult",
    "WDQResult",
    "ZoneCounts",
    "assign_zones",
    "buffer_ring",
    "compare_rate_ratios",
    "comparison_power",
    "did_rate_ratio",
    "directional_test",
    "enough_counts",
    "evaluate_operation",
    "evaluate_table",
    "evaluation_windows",
    "exact_change_test",
    "holm",
    "power_of_ratio",
    "regression_to_mean",
    "wdd",
    "wdq",
]
