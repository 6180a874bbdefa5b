"""The priority matrix: each candidate problem scored on configured criteria.

A *candidate problem* is a named set of categories from the criteria file (which may
span agencies, e.g. deliberate fires and vandalism), or any other single category.
Candidates with fewer than ``min_count`` incidents in the assessed year are left out.
Each criterion scores 0-1:

* ``volume`` — the assessed year's count over the largest candidate's count;
* ``trend`` — 1 for a significant rise (:func:`~geo.assessment.trend.count_trend`, level
  ``trend_alpha``), 0 for a significant fall; otherwise ``0.5 + 0.5 clip(c / cap, -1, 1)``
  with ``c`` the change on last year in percent and ``cap = trend_cap_pct``;
* ``harm`` — the harm weight of the problem's categories (the file's ``harm`` table,
  ``default`` for others), weighted by their counts in the assessed year;
* ``deprivation`` — ``clip((r - 1) / (cap - 1), 0, 1)`` with ``r`` the concentration
  ratio in the ``deprivation_pct`` % most deprived data zones and
  ``cap = deprivation_ratio_cap`` (r = 1: no over-representation, 0);
* ``partnership`` — 1 when at least two agencies each record ``min_agency_share`` of the
  problem's incidents ("do we add value as a partnership?"), else 0 ("a single agency
  issue").

The total is ``sum(w_k s_k) / sum(w_k)``; candidates are ranked by total, then volume,
then name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.assessment.periods import AssessmentPeriod, period_index
from geo.assessment.trend import TrendResult, count_trend
from geo.deprivation import concentration
from geo.errors import ParameterError

CRITERIA = ("volume", "trend", "harm", "deprivation", "partnership")
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "priority_criteria.json"


@dataclass(frozen=True)
class PriorityCriteria:
    """The configurable criteria (see the module docstring for each field)."""

    weights: dict[str, float]
    harm: dict[str, float]
    problems: tuple[tuple[str, tuple[str, ...]], ...] = ()
    trend_cap_pct: float = 50.0
    trend_alpha: float = 0.05
    deprivation_pct: float = 15.0
    deprivation_ratio_cap: float = 3.0
    min_agency_share: float = 0.1
    min_count: int = 10
    top: int = 5

    def harm_of(self, category: str) -> float:
        """The harm weight of ``category`` (``default`` when not listed)."""
        return float(self.harm.get(category, self.harm.get("default", 0.0)))


def criteria_from_dict(doc: Mapping[str, Any]) -> PriorityCriteria:
    """Validate a criteria document (the JSON file's content)."""
    weights = {k: float(v) for k, v in dict(doc.get("weights", {})).items()}
    bad = sorted(set(weights) - set(CRITERIA))
    if bad or not weights or any(v < 0 for v in weights.values()) or sum(weights.values()) <= 0:
        msg = f"criteria weights must be non-negative numbers for {', '.join(CRITERIA)} with a positive sum"
        raise ParameterError(msg, param="weights")
    problems = tuple((str(p["name"]), tuple(str(c) for c in p["categories"])) for p in doc.get("problems", []))
    opts = {k: doc[k] for k in ("trend_cap_pct", "trend_alpha", "deprivation_pct", "deprivation_ratio_cap",
                                "min_agency_share", "min_count", "top") if k in doc}
    c = PriorityCriteria(weights=weights, harm={k: float(v) for k, v in dict(doc.get("harm", {})).items()},
                         problems=problems, **opts)
    if c.deprivation_ratio_cap <= 1 or c.trend_cap_pct <= 0:
        raise ParameterError("deprivation_ratio_cap must exceed 1 and trend_cap_pct be positive", param="criteria")
    return c


def load_criteria(path: str | Path | None = None) -> PriorityCriteria:
    """The criteria file (default ``geo/data/priority_criteria.json``)."""
    return criteria_from_dict(json.loads(Path(path or DEFAULT_PATH).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class PriorityScore:
    """One ranked candidate problem.

    Attributes
    ----------
    rank, name, categories
        Its place (1 = top), name and categories.
    counts
        Its count in each period (oldest first; the last is the assessed year).
    change_pct, trend
        Change on last year (percent) and the trend test over the years.
    harm, deprivation_ratio
        Its harm weight and its concentration ratio in the most deprived data zones.
    agencies
        Its assessed-year count by agency.
    multi_agency
        Whether the partnership criterion holds.
    scores, total
        Each criterion's score 0-1 and the weighted total.
    """

    rank: int
    name: str
    categories: tuple[str, ...]
    counts: tuple[int, ...]
    change_pct: float | None
    trend: TrendResult
    harm: float
    deprivation_ratio: float | None
    agencies: dict[str, int]
    multi_agency: bool
    scores: dict[str, float] = field(default_factory=dict)
    total: float = 0.0


def candidates(categories: list[str], criteria: PriorityCriteria) -> list[tuple[str, tuple[str, ...]]]:
    """The configured problems, then every other category on its own."""
    grouped = {c for _, cats in criteria.problems for c in cats}
    singles = [(c.replace("_", " ").capitalize(), (c,)) for c in sorted(set(categories) - grouped)]
    return [*criteria.problems, *singles]


def _trend_score(trend: TrendResult, change_pct: float | None, c: PriorityCriteria) -> float:
    if trend.tested and trend.direction == "increase":
        return 1.0
    if trend.tested and trend.direction == "decrease":
        return 0.0
    if change_pct is None:
        return 0.5
    return 0.5 + 0.5 * float(np.clip(change_pct / c.trend_cap_pct, -1.0, 1.0))


def _measure(inc: pd.DataFrame, last: np.ndarray, n_periods: int, cats: tuple[str, ...],
             datazones: pd.DataFrame, c: PriorityCriteria, index: object | None) -> dict[str, Any]:
    """The raw figures of one candidate."""
    mine = inc["category"].isin(cats).to_numpy()
    counts = tuple(int(v) for v in np.bincount(inc["p"].to_numpy()[mine & (inc["p"].to_numpy() >= 0)],
                                                minlength=n_periods)[:n_periods])
    now = inc[mine & last]
    change = None if len(counts) < 2 or counts[-2] == 0 else 100.0 * (counts[-1] - counts[-2]) / counts[-2]
    per_cat = now["category"].value_counts()
    harm = (float(sum(c.harm_of(k) * v for k, v in per_cat.items()) / per_cat.sum()) if per_cat.sum()
            else float(np.mean([c.harm_of(k) for k in cats])))
    agencies = {str(k): int(v) for k, v in now["agency"].value_counts().sort_index().items()}
    shares = [v / counts[-1] for v in agencies.values()] if counts[-1] else []
    multi = sum(1 for s in shares if s >= c.min_agency_share) >= 2
    ratio = concentration(now[["datazone"]], datazones, most_deprived_pct=c.deprivation_pct, n_boot=0,
                          index=index).concentration_ratio  # type: ignore[arg-type]
    return {"counts": counts, "change_pct": change, "trend": count_trend(counts, alpha=c.trend_alpha),
            "harm": harm, "deprivation_ratio": ratio, "agencies": agencies, "multi_agency": multi}


def priority_matrix(
    incidents: pd.DataFrame,
    periods: tuple[AssessmentPeriod, ...],
    datazones: pd.DataFrame,
    criteria: PriorityCriteria,
    *,
    index: object | None = None,
) -> tuple[PriorityScore, ...]:
    """Score and rank every candidate problem (see the module docstring).

    Parameters
    ----------
    incidents
        Needs ``occurred_at, category, agency, datazone``: the assessed area, all periods.
    periods
        The assessment periods (the last is the assessed year).
    datazones
        The assessed area's data zones (for the deprivation criterion).
    criteria
        From :func:`load_criteria`.
    index
        The area pack's deprivation index (default SIMD 2020v2).

    Returns
    -------
    tuple of PriorityScore
        Ranked, best first.
    """
    inc = incidents[["occurred_at", "category", "agency", "datazone"]].copy()
    inc["p"] = period_index(inc["occurred_at"], periods).to_numpy()
    last = (inc["p"] == len(periods) - 1).to_numpy()
    present = sorted(set(inc.loc[inc["p"] >= 0, "category"].astype(str)))
    figures = []
    for name, cats in candidates(present, criteria):
        m = _measure(inc, last, len(periods), cats, datazones, criteria, index)
        if m["counts"][-1] >= criteria.min_count:
            figures.append((name, cats, m))
    top = max((m["counts"][-1] for _, _, m in figures), default=0)
    cap = criteria.deprivation_ratio_cap
    w = criteria.weights
    scored = []
    for name, cats, m in figures:
        r = m["deprivation_ratio"]
        s = {"volume": m["counts"][-1] / top if top else 0.0,
             "trend": _trend_score(m["trend"], m["change_pct"], criteria),
             "harm": m["harm"],
             "deprivation": 0.0 if r is None else float(np.clip((r - 1) / (cap - 1), 0.0, 1.0)),
             "partnership": 1.0 if m["multi_agency"] else 0.0}
        total = sum(w.get(k, 0.0) * v for k, v in s.items()) / sum(w.values())
        scored.append(PriorityScore(0, name, cats, scores=s, total=total, **m))
    scored.sort(key=lambda p: (-round(p.total, 12), -p.counts[-1], p.name))
    return tuple(PriorityScore(i + 1, **{k: getattr(p, k) for k in PriorityScore.__dataclass_fields__ if k != "rank"})
                 for i, p in enumerate(scored))
