"""Tests of geo.deprivation against METHODS.md §9 worked examples and independent paths."""

from __future__ import annotations

import io
import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from geo.deprivation import (
    DEFAULT_N_BOOT,
    concentration,
    concentration_by_period,
    concentration_chart_png,
    gini_coefficients,
    most_deprived_threshold,
)
from geo.errors import ParameterError

RTOL = 1e-5

# METHODS §9 worked example: five zones, most to least deprived. Ranks chosen so that
# 5% (rank <= 348) holds zone 1 only, 10% and 15% (<= 697, <= 1046) zones 1-2 and
# 20% (<= 1395) zones 1-3.
EX_POP = [800, 1200, 1000, 1500, 1500]
EX_INC = [60, 50, 30, 25, 15]
EX_RANK = [300, 600, 1200, 3000, 6000]
EX_DECILE = [1, 1, 2, 5, 9]
EX_QUINTILE = [1, 1, 1, 3, 5]


def _frame(codes, pop, rank, decile, quintile) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": codes,
            "population": pop,
            "simd_rank": rank,
            "simd_decile": decile,
            "simd_quintile": quintile,
        }
    )


def _incidents(codes, counts) -> pd.DataFrame:
    return pd.DataFrame(
        {"datazone": np.repeat(np.asarray(codes, dtype=object), counts)}
    )


@pytest.fixture
def example_dz() -> pd.DataFrame:
    return _frame(list("ABCDE"), EX_POP, EX_RANK, EX_DECILE, EX_QUINTILE)


@pytest.fixture
def example_inc() -> pd.DataFrame:
    return _incidents(list("ABCDE"), EX_INC)


@pytest.fixture(scope="module")
def real_incidents(boundaries) -> pd.DataFrame:
    """Synthetic incidents over real data zones, more frequent in deprived zones."""
    dz = boundaries.datazones
    rng = np.random.default_rng(42)
    lam = dz["population"].to_numpy() / 1000 * (40 - 3 * dz["simd_decile"].to_numpy())
    counts = rng.poisson(lam)
    return _incidents(dz["code"].to_numpy(), counts)


def _json_roundtrip(d: dict) -> dict:
    return json.loads(json.dumps(d, allow_nan=False))


# --------------------------------------------------------------------------- threshold
class TestThreshold:
    def test_design_examples(self) -> None:
        assert most_deprived_threshold(15) == 1046
        assert most_deprived_threshold(20) == 1395

    @pytest.mark.parametrize("pct", range(1, 101))
    def test_integer_pcts_match_integer_floor(self, pct: int) -> None:
        assert most_deprived_threshold(pct) == pct * 6976 // 100
        assert most_deprived_threshold(np.int64(pct)) == pct * 6976 // 100

    def test_fractional_pct_is_exact(self) -> None:
        # 12.5% of 6976 is exactly 872; 0.1% is 6.976 -> 6
        assert most_deprived_threshold(12.5) == 872
        assert most_deprived_threshold(0.1) == 6

    @pytest.mark.parametrize(
        "bad", [0, -5, 100.5, math.nan, math.inf, "15", True, None]
    )
    def test_bad_pct(self, bad) -> None:
        with pytest.raises(ParameterError, match="most_deprived_pct") as info:
            most_deprived_threshold(bad)
        assert info.value.param == "most_deprived_pct"


# --------------------------------------------------------------------------- worked example
class TestWorkedExample:
    @pytest.mark.parametrize(
        ("pct", "share_inc", "share_pop", "ratio", "n_zones"),
        [
            (5, 1 / 3, 800 / 6000, 2.5, 1),
            (10, 0.611111, 1 / 3, 1.83333, 2),
            (15, 0.611111, 1 / 3, 1.83333, 2),
            (20, 0.777778, 0.5, 0.777778 / 0.5, 3),
        ],
    )
    def test_shares(
        self, example_inc, example_dz, pct, share_inc, share_pop, ratio, n_zones
    ):
        r = concentration(example_inc, example_dz, most_deprived_pct=pct, n_boot=0)
        assert r.incidents_total == 180
        assert r.n_datazones_most_deprived == n_zones
        assert r.incidents_in_most_deprived == sum(EX_INC[:n_zones])
        assert r.population_in_most_deprived == sum(EX_POP[:n_zones])
        np.testing.assert_allclose(r.share_incidents, share_inc, rtol=RTOL)
        np.testing.assert_allclose(r.share_population, share_pop, rtol=RTOL)
        np.testing.assert_allclose(r.concentration_ratio, ratio, rtol=RTOL)
        # the ratio is also the rate in those zones over the overall rate (30 per 1000)
        rate_md = 1000 * r.incidents_in_most_deprived / r.population_in_most_deprived
        np.testing.assert_allclose(r.concentration_ratio, rate_md / 30, rtol=1e-12)
        assert r.share_ci is None and r.ratio_ci is None

    def test_overall_rate_and_decile_rates(self, example_inc, example_dz) -> None:
        r = concentration(example_inc, example_dz, n_boot=0)
        assert r.overall_rate_per_1000 == pytest.approx(30.0, rel=1e-12)
        by = {g.group: g for g in r.by_decile}
        assert list(by) == list(range(1, 11))
        np.testing.assert_allclose(by[1].rate_per_1000, 1000 * 110 / 2000, rtol=1e-12)
        np.testing.assert_allclose(by[5].rate_per_1000, 16.6667, rtol=RTOL)
        np.testing.assert_allclose(by[9].rate_per_1000, 10, rtol=RTOL)
        assert (by[1].incidents, by[1].population, by[1].n_datazones) == (110, 2000, 2)
        for d in (3, 4, 6, 7, 8, 10):  # deciles without a data zone
            assert by[d].population == 0 and by[d].n_datazones == 0
            assert by[d].incidents == 0 and by[d].rate_per_1000 is None
        q = {g.group: g for g in r.by_quintile}
        assert list(q) == [1, 2, 3, 4, 5]
        assert (q[1].incidents, q[1].population) == (140, 3000)
        assert q[2].rate_per_1000 is None

    def test_curve_points(self, example_inc, example_dz) -> None:
        r = concentration(example_inc, example_dz, n_boot=0)
        ranks = [p[0] for p in r.curve]
        P = [p[1] for p in r.curve]
        L = [p[2] for p in r.curve]
        assert ranks == [None, *EX_RANK]
        np.testing.assert_allclose(
            P, [0, 0.133333, 0.333333, 0.5, 0.75, 1], rtol=RTOL, atol=1e-12
        )
        np.testing.assert_allclose(
            L, [0, 0.333333, 0.611111, 0.777778, 0.916667, 1], rtol=RTOL, atol=1e-12
        )
        # trapezoid terms from METHODS: 0.0444444, 0.188889, 0.231481, 0.423611, 0.479167
        terms = np.diff(P) * (np.asarray(L[1:]) + np.asarray(L[:-1]))
        np.testing.assert_allclose(
            terms, [0.0444444, 0.188889, 0.231481, 0.423611, 0.479167], rtol=RTOL
        )

    def test_concentration_index(self, example_inc, example_dz) -> None:
        r = concentration(example_inc, example_dz, n_boot=0)
        np.testing.assert_allclose(r.concentration_index, -397 / 1080, rtol=RTOL)
        # independent: 1 - 2 * area under the curve (scipy trapezoid)
        P = [p[1] for p in r.curve]
        L = [p[2] for p in r.curve]
        np.testing.assert_allclose(
            r.concentration_index, 1 - 2 * integrate.trapezoid(L, P), rtol=1e-12
        )

    def test_reversed_order_flips_sign(self, example_inc, example_dz) -> None:
        rev = example_dz.assign(simd_rank=6977 - example_dz["simd_rank"])
        r = concentration(example_inc, rev, n_boot=0)
        np.testing.assert_allclose(r.concentration_index, 397 / 1080, rtol=RTOL)

    def test_by_population_share(self, example_inc, example_dz) -> None:
        r = concentration(example_inc, example_dz, most_deprived_pct=20, n_boot=0)
        t20 = next(t for t in r.by_threshold if t.pct == 20)
        np.testing.assert_allclose(
            t20.share_incidents_by_population, 23 / 54, rtol=RTOL
        )
        np.testing.assert_allclose(t20.ratio_by_population, 2.12963, rtol=RTOL)

    def test_thresholds_always_reported(self, example_inc, example_dz) -> None:
        r = concentration(example_inc, example_dz, most_deprived_pct=12.5, n_boot=0)
        assert [t.pct for t in r.by_threshold] == [5, 10, 12.5, 15, 20]
        assert [t.rank_threshold for t in r.by_threshold] == [348, 697, 872, 1046, 1395]
        assert r.rank_threshold == 872

    def test_bootstrap_limit(self, example_inc, example_dz) -> None:
        # zone 1's share with M = 180: limit CI = binom.ppf([.025, .975], 180, 1/3)/180
        # = (48/180, 73/180), ratio CI (2, 3.04167); allow +-1/M (METHODS §9)
        r = concentration(example_inc, example_dz, most_deprived_pct=5, n_boot=20000)
        m = 180
        lim = stats.binom.ppf([0.025, 0.975], m, 1 / 3) / m
        np.testing.assert_allclose(lim, [48 / 180, 73 / 180], rtol=1e-12)
        assert r.share_ci is not None and r.ratio_ci is not None
        assert abs(r.share_ci[0] - lim[0]) <= 1 / m + 1e-12
        assert abs(r.share_ci[1] - lim[1]) <= 1 / m + 1e-12
        share_pop = 800 / 6000
        assert abs(r.ratio_ci[0] - 2.0) <= 1 / m / share_pop + 1e-9
        assert abs(r.ratio_ci[1] - 3.04167) <= 1 / m / share_pop + 1e-9
        np.testing.assert_allclose(
            np.asarray(r.ratio_ci), np.asarray(r.share_ci) / share_pop, rtol=1e-12
        )
        # the same draws give every threshold's CI: top two zones share 110/180
        t10 = next(t for t in r.by_threshold if t.pct == 10)
        lim10 = stats.binom.ppf([0.025, 0.975], m, 110 / 180) / m
        assert t10.share_ci is not None
        np.testing.assert_allclose(t10.share_ci, lim10, atol=1 / m + 1e-12)

    def test_bootstrap_deterministic(self, example_inc, example_dz) -> None:
        a = concentration(example_inc, example_dz, n_boot=500, seed=7)
        b = concentration(example_inc, example_dz, n_boot=500, seed=7)
        assert a.share_ci == b.share_ci
        assert a.concentration_index_ci == b.concentration_index_ci
        assert a.n_boot == 500 and a.seed == 7
        assert DEFAULT_N_BOOT >= 2000  # METHODS §9: B >= 2000
        ci = a.concentration_index_ci
        assert ci is not None and -1 < ci[0] <= a.concentration_index <= ci[1] < 1

    def test_ci_of_index_is_bootstrap_of_index(self, example_inc, example_dz) -> None:
        # independent re-implementation: resample incidents by index, recompute C
        n_boot = 3000
        r = concentration(example_inc, example_dz, n_boot=n_boot, seed=3)
        rng = np.random.default_rng(11)
        zone_of = np.repeat(np.arange(5), EX_INC)
        cs = []
        P = np.r_[0, np.cumsum(EX_POP)] / 6000
        for _ in range(400):
            c = np.bincount(rng.choice(zone_of, size=180, replace=True), minlength=5)
            L = np.r_[0, np.cumsum(c)] / 180
            cs.append(1 - np.sum(np.diff(P) * (L[1:] + L[:-1])))
        lo, hi = np.percentile(cs, [2.5, 97.5])
        assert r.concentration_index_ci is not None
        # different random streams: agree to within Monte Carlo error
        assert abs(r.concentration_index_ci[0] - lo) < 0.03
        assert abs(r.concentration_index_ci[1] - hi) < 0.03


# --------------------------------------------------------------------------- Gini
def _gini_mean_difference(x: list[int]) -> float:
    """Independent path: mean absolute difference / (2 * mean), exact fractions."""
    n = len(x)
    total = sum(x)
    mad = Fraction(sum(abs(a - b) for a in x for b in x), n * n)
    return float(mad / (2 * Fraction(total, n)))


class TestGini:
    @pytest.mark.parametrize(
        ("counts", "g", "g_prime"),
        [
            ([5, 2, 1] + [0] * 7, 0.8, 0.75),
            ([2, 1, 1, 1] + [0] * 8, 43 / 60, 8 / 25),
            ([10, 8, 2] + [0] * 7, 0.78, 0.78),
            ([1, 1, 1, 1, 1] + [0] * 5, 0.5, 0.0),
        ],
    )
    def test_worked_examples(self, counts, g, g_prime) -> None:
        r = gini_coefficients(counts)
        assert r.n_units == len(counts) and r.n_incidents == sum(counts)
        np.testing.assert_allclose(r.gini, g, rtol=RTOL)
        np.testing.assert_allclose(r.gini, _gini_mean_difference(counts), rtol=1e-12)
        np.testing.assert_allclose(r.gini_generalised, g_prime, rtol=RTOL, atol=1e-12)
        # the same through concentration() over ten or twelve data zones
        n = len(counts)
        dz = _frame(
            [f"Z{i:02d}" for i in range(n)],
            [100] * n,
            list(range(1, n + 1)),
            [1 + i * 10 // n for i in range(n)],
            [1 + i * 5 // n for i in range(n)],
        )
        c = concentration(_incidents(dz["code"], counts), dz, n_boot=0)
        np.testing.assert_allclose(c.gini_generalised, g_prime, rtol=RTOL, atol=1e-12)

    def test_order_does_not_matter(self) -> None:
        rng = np.random.default_rng(0)
        x = rng.poisson(0.7, 50)
        a = gini_coefficients(x)
        b = gini_coefficients(rng.permutation(x))
        assert a.gini == pytest.approx(b.gini, rel=1e-12)

    def test_empty_and_zero(self) -> None:
        assert gini_coefficients([]).gini is None
        z = gini_coefficients([0, 0, 0])
        assert z.gini is None and z.gini_generalised is None

    def test_negative_rejected(self) -> None:
        with pytest.raises(ParameterError, match="counts"):
            gini_coefficients([1, -1])


# --------------------------------------------------------------------------- edge cases
class TestEdgeCases:
    def test_empty_incidents(self, example_dz) -> None:
        empty = pd.DataFrame({"datazone": pd.Series([], dtype=object)})
        r = concentration(empty, example_dz)
        assert r.incidents_total == 0 and r.incidents_in_most_deprived == 0
        assert r.share_incidents is None and r.concentration_ratio is None
        np.testing.assert_allclose(r.share_population, 2000 / 6000, rtol=1e-12)
        assert r.share_ci is None and r.ratio_ci is None
        assert r.curve == () and r.concentration_index is None
        assert r.gini is None and r.gini_generalised is None
        assert all(g.incidents == 0 for g in r.by_decile)
        assert next(g for g in r.by_decile if g.group == 1).rate_per_1000 == 0.0
        d = _json_roundtrip(r.to_dict())
        assert d["share_incidents"] is None and len(d["by_decile"]) == 10

    def test_unmatched_incidents_are_excluded(self, example_inc, example_dz) -> None:
        extra = pd.concat(
            [example_inc, pd.DataFrame({"datazone": ["S01999999", None, "X"]})],
            ignore_index=True,
        )
        r = concentration(extra, example_dz, n_boot=0)
        assert r.incidents_total == 180 and r.incidents_unmatched == 3
        np.testing.assert_allclose(r.share_incidents, 110 / 180, rtol=1e-12)

    def test_zero_population_zone_is_merged(self, example_inc, example_dz) -> None:
        # a zone with no population but 12 incidents, ranked between zones 2 and 3,
        # is merged into zone 2 (the adjacent more deprived one): no vertical segment
        dz = pd.concat(
            [example_dz, _frame(["F"], [0], [700], [1], [1])], ignore_index=True
        )
        inc = pd.concat([example_inc, _incidents(["F"], [12])], ignore_index=True)
        r = concentration(inc, dz, n_boot=0)
        P = np.array([p[1] for p in r.curve])
        assert len(r.curve) == 6 and np.all(np.diff(P) > 0)
        merged = _frame(list("ABCDE"), EX_POP, EX_RANK, EX_DECILE, EX_QUINTILE)
        counts = EX_INC.copy()
        counts[1] += 12
        ref = concentration(_incidents(list("ABCDE"), counts), merged, n_boot=0)
        np.testing.assert_allclose(r.concentration_index, ref.concentration_index)
        assert r.curve[2][0] == 700  # the merged point carries the larger rank
        # rate of the decile is still defined from its populated zones
        assert r.incidents_total == 192

    def test_bad_frames(self, example_inc, example_dz) -> None:
        with pytest.raises(ParameterError, match="simd_rank"):
            concentration(example_inc, example_dz.drop(columns="simd_rank"))
        with pytest.raises(ParameterError, match="datazone"):
            concentration(pd.DataFrame({"x": [1]}), example_dz)
        with pytest.raises(ParameterError, match="n_boot"):
            concentration(example_inc, example_dz, n_boot=-1)
        with pytest.raises(ParameterError, match="simd_decile"):
            concentration(example_inc, example_dz.assign(simd_decile=11))
        with pytest.raises(ParameterError, match="most_deprived_pct"):
            concentration(example_inc, example_dz, most_deprived_pct=0)

    def test_to_dict_is_plain_json(self, example_inc, example_dz) -> None:
        r = concentration(example_inc, example_dz, n_boot=200)
        d = r.to_dict()
        assert _json_roundtrip(d) == d
        for key in (
            "incidents_total",
            "incidents_in_most_deprived",
            "share_incidents",
            "share_population",
            "concentration_ratio",
            "by_decile",
        ):
            assert key in d
        assert isinstance(d["incidents_total"], int)
        assert set(d["by_decile"][0]) >= {
            "decile",
            "incidents",
            "population",
            "rate_per_1000",
            "n_datazones",
        }
        assert d["curve"][0] == {
            "simd_rank": None,
            "cum_population_share": 0.0,
            "cum_incident_share": 0.0,
        }
        assert d["most_deprived_pct"] == 15 and d["rank_threshold"] == 1046


# --------------------------------------------------------------------------- real data
class TestRealBoundaries:
    def test_shares_match_pandas(self, boundaries, real_incidents) -> None:
        dz = boundaries.datazones
        r = concentration(real_incidents, dz, n_boot=0)
        merged = real_incidents.merge(
            dz[["code", "simd_rank"]], left_on="datazone", right_on="code"
        )
        md = dz["simd_rank"] <= 1046
        assert r.incidents_total == len(real_incidents)
        assert r.incidents_in_most_deprived == int((merged["simd_rank"] <= 1046).sum())
        assert r.population_total == int(dz["population"].sum()) == 181310
        np.testing.assert_allclose(
            r.share_population, dz.loc[md, "population"].sum() / 181310, rtol=1e-12
        )
        assert r.n_datazones == 239 and r.n_datazones_most_deprived == int(md.sum())

    def test_by_decile_matches_groupby(self, boundaries, real_incidents) -> None:
        dz = boundaries.datazones
        r = concentration(real_incidents, dz, n_boot=0)
        cnt = real_incidents["datazone"].value_counts()
        tab = dz.assign(inc=dz["code"].map(cnt).fillna(0)).groupby("simd_decile")
        ref = tab.agg(inc=("inc", "sum"), pop=("population", "sum"), n=("code", "size"))
        for g in r.by_decile:
            row = ref.loc[g.group]
            assert g.incidents == row["inc"] and g.population == row["pop"]
            assert g.n_datazones == row["n"]
            np.testing.assert_allclose(g.rate_per_1000, 1000 * row["inc"] / row["pop"])
        assert sum(g.incidents for g in r.by_quintile) == len(real_incidents)

    def test_index_matches_weighted_covariance(
        self, boundaries, real_incidents
    ) -> None:
        from statsmodels.stats.weightstats import DescrStatsW

        dz = boundaries.datazones.sort_values("simd_rank")
        r = concentration(real_incidents, boundaries.datazones, n_boot=0)
        cnt = real_incidents["datazone"].value_counts()
        x = dz["code"].map(cnt).fillna(0).to_numpy()
        pop = dz["population"].to_numpy(dtype=float)
        f = pop / pop.sum()
        h = x / pop
        mu = np.sum(f * h)
        R = np.cumsum(f) - f / 2
        cov = DescrStatsW(np.c_[h, R], weights=f, ddof=0).cov[0, 1]
        np.testing.assert_allclose(r.concentration_index, 2 * cov / mu, rtol=1e-9)
        assert r.concentration_index < 0  # planted: more incidents in deprived zones
        assert r.concentration_ratio is not None and r.concentration_ratio > 1

    def test_default_bootstrap_is_fast_and_sane(
        self, boundaries, real_incidents
    ) -> None:
        r = concentration(real_incidents, boundaries.datazones)
        assert r.n_boot == DEFAULT_N_BOOT
        assert r.share_ci is not None and r.share_incidents is not None
        assert r.share_ci[0] <= r.share_incidents <= r.share_ci[1]
        m = r.incidents_total
        lim = stats.binom.ppf([0.025, 0.975], m, r.share_incidents) / m
        np.testing.assert_allclose(r.share_ci, lim, atol=2 / m)


# --------------------------------------------------------------------------- periods
class TestByPeriod:
    @pytest.fixture
    def timed(self, example_dz) -> pd.DataFrame:
        rows = [
            ("A", "2023-01-15T10:00Z"),
            ("B", "2023-02-01T10:00Z"),
            ("E", "2023-03-31T22:30Z"),  # 23:30 GMT: still Q1 in London
            ("A", "2023-03-31T23:30Z"),  # 00:30 BST on 1 April: Q2 in London
            ("C", "2023-05-05T10:00Z"),
            ("A", "2023-12-31T23:59Z"),  # Q4 (GMT in winter)
        ]
        return pd.DataFrame(
            {
                "datazone": [r[0] for r in rows],
                "occurred_at": pd.to_datetime([r[1] for r in rows], utc=True),
            }
        )

    def test_quarters_and_london_time(self, timed, example_dz) -> None:
        out = concentration_by_period(timed, example_dz, n_boot=100, seed=5)
        assert [p.period for p in out] == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
        assert [p.result.incidents_total for p in out] == [3, 2, 0, 1]
        assert out[1].start.isoformat() == "2023-04-01T00:00:00+01:00"
        assert out[3].end.isoformat() == "2024-01-01T00:00:00+00:00"
        assert out[2].result.share_incidents is None
        # each period equals concentration() on its incidents alone (same seed)
        q2 = timed.iloc[[3, 4]]
        ref = concentration(q2, example_dz, n_boot=100, seed=5)
        assert out[1].result == ref
        d = [_json_roundtrip(p.to_dict()) for p in out]
        assert d[0]["period"] == "2023-Q1" and d[2]["share_incidents"] is None
        np.testing.assert_allclose(d[0]["share_incidents"], 2 / 3)

    def test_months_with_range(self, timed, example_dz) -> None:
        out = concentration_by_period(
            timed,
            example_dz,
            freq="month",
            start="2023-02-15",
            end="2023-05-01",
            n_boot=0,
        )
        assert [p.period for p in out] == ["2023-02", "2023-03", "2023-04"]
        assert out[0].start.isoformat() == "2023-02-15T00:00:00+00:00"
        assert [p.result.incidents_total for p in out] == [0, 1, 1]

    def test_years_and_empty(self, timed, example_dz) -> None:
        out = concentration_by_period(timed, example_dz, freq="year", n_boot=0)
        assert [p.period for p in out] == ["2023"]
        assert out[0].result.incidents_total == 6
        assert concentration_by_period(timed.iloc[:0], example_dz) == []

    def test_bad_freq(self, timed, example_dz) -> None:
        with pytest.raises(ParameterError, match="freq"):
            concentration_by_period(timed, example_dz, freq="week")
        with pytest.raises(ParameterError, match="start"):
            concentration_by_period(
                timed, example_dz, start="2023-05-01", end="2023-01-01"
            )


# --------------------------------------------------------------------------- chart
class TestChart:
    def test_png(self, example_inc, example_dz) -> None:
        import matplotlib.image as mpimg

        r = concentration(example_inc, example_dz, n_boot=0)
        png = concentration_chart_png(r, dpi=50)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        img = mpimg.imread(io.BytesIO(png), format="png")
        assert img.shape[:2] == (225, 550)  # 11 x 4.5 inches at 50 dpi
        assert img.std() > 0.01  # something was drawn

    def test_png_without_incidents(self, example_dz) -> None:
        empty = pd.DataFrame({"datazone": pd.Series([], dtype=object)})
        png = concentration_chart_png(concentration(empty, example_dz), dpi=30)
        assert png[:4] == b"\x89PNG"
