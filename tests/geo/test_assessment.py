"""geo.assessment: periods, yearly tables, trend test, deprivation per year, stayed-hot
places and the priority matrix, each against an independent computation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from geo import assessment as ga
from geo.errors import EmptyInputError, ParameterError

UTC = "UTC"


def _t(s: str) -> pd.Timestamp:
    return pd.Timestamp(s).tz_localize("Europe/London").tz_convert(UTC)


# --------------------------------------------------------------------------- periods
def test_calendar_years_keep_only_covered_previous_years() -> None:
    ps = ga.assessment_periods(2025, data_start=_t("2021-03-10"), data_end=_t("2025-12-31 22:00"))
    assert [p.label for p in ps] == ["2022", "2023", "2024", "2025"]  # 2021 starts before the data
    assert ps[-1].start == _t("2025-01-01") and ps[-1].end == _t("2026-01-01")
    assert not ps[-1].partial and ps[-1].months == 12


def test_partial_year_cuts_every_year_to_the_same_months() -> None:
    ps = ga.assessment_periods(2026, data_start=_t("2019-01-01"), data_end=_t("2026-11-30 23:00"))
    assert len(ps) == 5 and ps[0].label == "2022"
    assert all(p.months == 11 and p.partial for p in ps)
    assert ps[-1].end == _t("2026-12-01") and ps[0].end == _t("2022-12-01")
    # the latest incident mid-month: that month is not covered
    ps = ga.assessment_periods(2026, data_start=_t("2025-01-01"), data_end=_t("2026-11-15"))
    assert ps[-1].end == _t("2026-11-01") and ps[-1].months == 10


def test_fiscal_year_label_and_bounds() -> None:
    ps = ga.assessment_periods(2024, data_start=_t("2022-04-01"), data_end=_t("2025-03-31 20:00"), year_start_month=4)
    assert [p.label for p in ps] == ["2022/23", "2023/24", "2024/25"]
    assert ps[-1].start == _t("2024-04-01") and ps[-1].end == _t("2025-04-01")


def test_bad_periods_raise_geo_errors() -> None:
    with pytest.raises(ParameterError):
        ga.assessment_periods(2025, data_start=_t("2024-01-01"), data_end=_t("2025-06-30"), year_start_month=13)
    with pytest.raises(EmptyInputError):
        ga.assessment_periods(2030, data_start=_t("2024-01-01"), data_end=_t("2025-06-30"))


# --------------------------------------------------------------------------- trend
def _independent_trend(y: np.ndarray) -> tuple[float, float]:
    """Poisson MLE of log mu = a + b t by scipy, Fisher information by hand, Pearson scale."""
    t = np.arange(len(y), dtype=float)

    def nll(th: np.ndarray) -> float:
        mu = np.exp(th[0] + th[1] * t)
        return float(np.sum(mu - y * np.log(mu)))

    th = optimize.minimize(nll, x0=[np.log(y.mean()), 0.0], method="Nelder-Mead",
                           options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}).x
    mu = np.exp(th[0] + th[1] * t)
    x = np.column_stack([np.ones_like(t), t])
    cov = np.linalg.inv(x.T @ (mu[:, None] * x))
    phi = max(1.0, float(np.sum((y - mu) ** 2 / mu)) / (len(y) - 2))
    z = th[1] / np.sqrt(cov[1, 1] * phi)
    return float(np.exp(th[1])), float(2 * stats.norm.sf(abs(z)))


@pytest.mark.parametrize("y", [[100, 120, 150, 170, 210], [50, 48, 55, 51], [30, 10, 40, 12, 35], [5, 3, 0, 1]])
def test_trend_matches_an_independent_poisson_fit(y: list[int]) -> None:
    r = ga.count_trend(y)
    rr, p = _independent_trend(np.asarray(y, dtype=float))
    assert r.tested
    assert r.rate_ratio == pytest.approx(rr, rel=1e-4)
    assert r.p_value == pytest.approx(p, rel=1e-3, abs=1e-9)


def test_trend_direction_and_untested_cases() -> None:
    assert ga.count_trend([100, 130, 170, 220, 290]).direction == "increase"
    assert ga.count_trend([290, 220, 170, 130, 100]).direction == "decrease"
    assert ga.count_trend([100, 101, 99, 100]).direction == "none"
    for y in ([10, 20], [0, 0, 0], [0, 0, 7]):
        assert ga.count_trend(y).direction == "untested"


# --------------------------------------------------------------------------- tables
def _random_frame(seed: int = 3) -> tuple[pd.DataFrame, tuple[ga.AssessmentPeriod, ...]]:
    rng = np.random.default_rng(seed)
    periods = ga.assessment_periods(2025, data_start=_t("2022-01-01"), data_end=_t("2025-12-31 23:00"))
    n = 3000
    start = _t("2021-06-01").value
    end = _t("2026-02-01").value
    df = pd.DataFrame({
        "occurred_at": pd.to_datetime(rng.integers(start, end, n), utc=True),
        "category": rng.choice(["assault", "theft", "vandalism", "rare"], n, p=[0.3, 0.4, 0.29, 0.01]),
        "ward": rng.choice(["W1", "W2", "W3"], n),
    })
    return df, periods


def test_yearly_table_against_a_pandas_oracle() -> None:
    df, periods = _random_frame()
    pops = {"W1": 12_000.0, "W2": 8_000.0, "W3": 5_000.0}
    table = ga.yearly_table(df, periods, "ward", population=pops, keys=["W1", "W2", "W3", "W4"])
    local = df["occurred_at"].dt.tz_convert("Europe/London")
    oracle = df.assign(y=local.dt.year)[local.dt.year.between(2022, 2025)].groupby(["ward", "y"]).size().unstack(fill_value=0)
    assert table.years == ("2022", "2023", "2024", "2025")
    for w in ["W1", "W2", "W3"]:
        row = table.row(w)
        assert list(row.counts) == [int(oracle.loc[w, y]) for y in range(2022, 2026)]
        assert row.rates_per_1000[-1] == pytest.approx(1000 * oracle.loc[w, 2025] / pops[w])
        assert row.change == oracle.loc[w, 2025] - oracle.loc[w, 2024]
        assert row.change_pct == pytest.approx(100 * (oracle.loc[w, 2025] - oracle.loc[w, 2024]) / oracle.loc[w, 2024])
    assert table.row("W4").counts == (0, 0, 0, 0) and table.row("W4").change_pct is None
    assert list(table.totals) == [int(oracle[y].sum()) for y in range(2022, 2026)]
    cat = ga.yearly_table(df, periods, "category", population=25_000)
    assert next(r.key for r in cat.rows) == "theft"  # largest in 2025 first


# --------------------------------------------------------------------------- deprivation
def _zones() -> pd.DataFrame:
    return pd.DataFrame({"code": ["A", "B", "C", "D"], "name": list("ABCD"), "population": [1000, 1000, 2000, 6000],
                         "simd_rank": [10, 900, 3000, 6000], "simd_decile": [1, 2, 5, 9], "simd_quintile": [1, 1, 3, 5]})


def test_deprivation_by_year_against_hand_shares() -> None:
    periods = ga.assessment_periods(2025, data_start=_t("2024-01-01"), data_end=_t("2025-12-31 23:00"))
    rows = [("2024-03-01", "A")] * 30 + [("2024-05-01", "D")] * 70 + [("2025-02-01", "B")] * 10 + [("2025-07-01", "C")] * 40
    df = pd.DataFrame({"occurred_at": [_t(d) for d, _ in rows], "datazone": [z for _, z in rows]})
    out = ga.deprivation_by_year(df, _zones(), periods)
    assert [d.label for d in out] == ["2024", "2025"]
    # zones A and B (rank <= 1046) are the 15 % most deprived: 2,000 of 10,000 residents
    assert out[0].in_most_deprived == 30 and out[0].share_incidents == pytest.approx(0.3)
    assert out[1].in_most_deprived == 10 and out[1].share_incidents == pytest.approx(10 / 50)
    assert out[0].share_population == pytest.approx(0.2) and out[0].concentration_ratio == pytest.approx(1.5)


# --------------------------------------------------------------------------- stayed hot
def test_stayed_hot_keeps_the_listed_patterns() -> None:
    units = pd.DataFrame({"code": ["a", "b", "c", "d"], "name": list("abcd"),
                          "pattern": ["persistent_hot", "sporadic_hot", "consecutive_hot", "intensifying_hot"],
                          "n_hot_steps": [12, 5, 3, 11], "trend_p": [0.5, 0.1, np.nan, 0.01]})
    out = ga.stayed_hot(units, 12)
    assert [h.code for h in out] == ["a", "d", "c"] and out[2].trend_p is None


# --------------------------------------------------------------------------- priorities
CRIT = {"weights": {"volume": 1, "trend": 1, "harm": 1, "deprivation": 1, "partnership": 1},
        "harm": {"default": 0.2, "assault": 1.0, "deliberate_fire": 0.6},
        "problems": [{"name": "Fires", "categories": ["deliberate_fire", "vandalism"]}],
        "trend_cap_pct": 50, "deprivation_ratio_cap": 3.0, "min_agency_share": 0.1, "min_count": 5}


def _planted() -> tuple[pd.DataFrame, tuple[ga.AssessmentPeriod, ...]]:
    """Two years; per (category, agency, zone): (count 2024, count 2025)."""
    plan = [("assault", "police", "A", 10, 20), ("assault", "police", "D", 30, 20),          # 40 -> 40, half in A
            ("theft", "police", "D", 60, 90),                                                # 60 -> 90
            ("deliberate_fire", "fire", "B", 5, 12), ("vandalism", "police", "D", 20, 18),   # fires: 25 -> 30
            ("litter", "police", "C", 4, 3)]                                                  # below min_count
    rows = []
    for cat, ag, z, n24, n25 in plan:
        rows += [(cat, ag, z, "2024-06-01")] * n24 + [(cat, ag, z, "2025-06-01")] * n25
    df = pd.DataFrame(rows, columns=["category", "agency", "datazone", "d"])
    df["occurred_at"] = [_t(d) for d in df.pop("d")]
    periods = ga.assessment_periods(2025, data_start=_t("2024-01-01"), data_end=_t("2025-12-31 23:00"))
    return df, periods


def test_priority_matrix_against_the_criteria_by_hand() -> None:
    df, periods = _planted()
    crit = ga.criteria_from_dict(CRIT)
    out = ga.priority_matrix(df, periods, _zones(), crit)
    # by hand (most deprived: A, B; population share 0.2):
    #   assault: volume 40/90, trend 0.5 (0 %), harm 1.0, deprivation ratio (20/40)/0.2 = 2.5 -> 0.75, single agency
    #   theft:   volume 1, trend 0.5 + 0.5 * 50/50 = 1, harm 0.2, ratio 0 -> 0, single
    #   fires:   volume 30/90, trend 0.5 + 0.5 * 20/50 = 0.7, harm (12*0.6 + 18*0.2)/30 = 0.36,
    #            ratio (12/30)/0.2 = 2 -> 0.5, police 18 + fire 12: partnership 1
    hand = {"Assault": (40 / 90 + 0.5 + 1.0 + 0.75 + 0) / 5, "Theft": (1 + 1 + 0.2 + 0 + 0) / 5,
            "Fires": (30 / 90 + 0.7 + 0.36 + 0.5 + 1) / 5}
    assert [p.name for p in out] == sorted(hand, key=lambda k: -hand[k])
    for p in out:
        assert p.total == pytest.approx(hand[p.name])
    fires = next(p for p in out if p.name == "Fires")
    assert fires.multi_agency and fires.agencies == {"fire": 12, "police": 18}
    assert "partnership issue" in ga.priority_reason(fires, crit, len(out))
    assert all(p.name != "Litter" for p in out)  # below min_count


def test_weights_from_the_file_change_the_order() -> None:
    df, periods = _planted()
    only_volume = ga.criteria_from_dict(CRIT | {"weights": {"volume": 1}})
    assert [p.name for p in ga.priority_matrix(df, periods, _zones(), only_volume)] == ["Theft", "Assault", "Fires"]
    with pytest.raises(ParameterError):
        ga.criteria_from_dict(CRIT | {"weights": {"popularity": 1}})


def test_packaged_criteria_file_is_valid() -> None:
    crit = ga.load_criteria()
    doc = json.loads(ga.DEFAULT_PATH.read_text(encoding="utf-8"))
    assert set(crit.weights) == set(ga.CRITERIA) and crit.harm_of("collision_fatal") == 1.0
    assert crit.harm_of("no_such_category") == doc["harm"]["default"]
