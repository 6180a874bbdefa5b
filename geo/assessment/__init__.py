"""The Partnership Strategic Assessment's arithmetic: yearly tables, trend tests,
deprivation over the years, places that stayed hot and the priority matrix.

* :mod:`~geo.assessment.periods` — the assessed year and comparable previous years
* :mod:`~geo.assessment.trend` — quasi-Poisson trend test of yearly counts
* :mod:`~geo.assessment.tables` — counts, rates, change and trend per key and year;
  deprivation concentration per year
* :mod:`~geo.assessment.places` — places that stayed hot (emerging hot spots)
* :mod:`~geo.assessment.priority` — the priority matrix (criteria in
  ``geo/data/priority_criteria.json``)
* :mod:`~geo.assessment.wording` — the words for people
"""

from geo.assessment.periods import (
    MAX_PREVIOUS,
    AssessmentPeriod,
    assessment_periods,
    covered_until,
    period_index,
)
from geo.assessment.places import STAYED_HOT, HotPlace, stayed_hot
from geo.assessment.priority import (
    CRITERIA,
    DEFAULT_PATH,
    PriorityCriteria,
    PriorityScore,
    candidates,
    criteria_from_dict,
    load_criteria,
    priority_matrix,
)
from geo.assessment.tables import (
    KSI_CATEGORIES,
    DeprivationYear,
    YearRow,
    YearTable,
    deprivation_by_year,
    yearly_table,
)
from geo.assessment.trend import METHOD as TREND_METHOD
from geo.assessment.trend import MIN_YEARS, TrendResult, count_trend
from geo.assessment.wording import CRITERION_TEXT, priority_reason, trend_text

__all__ = [
    "CRITERIA",
    "CRITERION_TEXT",
    "DEFAULT_PATH",
    "KSI_CATEGORIES",
    "MAX_PREVIOUS",
    "MIN_YEARS",
    "STAYED_HOT",
    "TREND_METHOD",
    "AssessmentPeriod",
    "DeprivationYear",
    "HotPlace",
    "PriorityCriteria",
    "PriorityScore",
    "TrendResult",
    "YearRow",
    "YearTable",
    "assessment_periods",
    "candidates",
    "count_trend",
    "covered_until",
    "criteria_from_dict",
    "deprivation_by_year",
    "load_criteria",
    "period_index",
    "priority_matrix",
    "priority_reason",
    "stayed_hot",
    "trend_text",
    "yearly_table",
]
