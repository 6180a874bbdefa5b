"""Tests of geo.evaluation: METHODS.md §6-§8, §10 worked examples, scipy/statsmodels
cross-checks and a planted synthetic operation."""

from __future__ import annotations

import json
import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from geo.errors import ParameterError
from geo.evaluation import (
    MIN_TOTAL,
    assign_zones,
    buffer_ring,
    did_rate_ratio,
    evaluate_operation,
    exact_change_test,
    wdd,
    wdq,
)

RTOL = 1e-5


def _json_roundtrip(d: dict) -> dict:
    return json.loads(json.dumps(d, allow_nan=False))


# --------------------------------------------------------------------------- §6
EXACT_ROWS = [
    # before, after, t_b, t_a, RR, p, pi CI, RR CI
    (10, 3, 1, 1, 0.3, 189 / 2048, (0.0503811, 0.538132), (0.0530540, 1.16512)),
    (20, 6, 1, 1, 0.3, 39239 / 4194304, (0.0897401, 0.436475), (0.0985874, 0.774544)),
    (8, 0, 1, 1, 0.0, 1 / 128, (0.0, 0.369417), (0.0, 0.585833)),
    (3, 10, 1, 1, 10 / 3, 189 / 2048, (0.461868, 0.949619), (0.858282, 18.8487)),
    (20, 6, 60, 30, 0.6, 0.305534, (0.0897401, 0.436475), (0.197175, 1.54909)),
]


class TestExactChangeTest:
    @pytest.mark.parametrize(
        ("b", "a", "tb", "ta", "rr", "p", "pi_ci", "rr_ci"), EXACT_ROWS
    )
    def test_worked_examples(self, b, a, tb, ta, rr, p, pi_ci, rr_ci) -> None:
        r = exact_change_test(b, a, t_before=tb, t_after=ta)
        assert r.n == a + b
        np.testing.assert_allclose(r.rate_ratio, rr, rtol=RTOL)
        np.testing.assert_allclose(r.p_value, p, rtol=RTOL)
        np.testing.assert_allclose(r.pi_ci, pi_ci, rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(r.rate_ratio_ci, rr_ci, rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(r.pct_change, 100 * (rr - 1), rtol=RTOL)

    def test_issue_cases(self) -> None:
        # "a 70% fall from 10 to 3 is not significant at 5%; from 20 to 6 it is"
        small, large = exact_change_test(10, 3), exact_change_test(20, 6)
        assert small.pct_change == pytest.approx(-70) and not small.significant
        assert large.pct_change == pytest.approx(-70) and large.significant

    def test_one_sided(self) -> None:
        np.testing.assert_allclose(
            exact_change_test(10, 3).p_decrease, 189 / 4096, rtol=RTOL
        )
        np.testing.assert_allclose(
            exact_change_test(20, 6).p_decrease, 39239 / 8388608, rtol=RTOL
        )
        np.testing.assert_allclose(
            exact_change_test(3, 10).p_increase, 189 / 4096, rtol=RTOL
        )

    def test_unequal_windows_do_not_double_the_tail(self) -> None:
        r = exact_change_test(20, 6, t_before=60, t_after=30)
        assert r.pi0 == pytest.approx(1 / 3)
        assert abs(r.p_value - 0.370021) > 0.05  # the doubled-tail bug value

    def test_reciprocal_limits(self) -> None:
        down, up = exact_change_test(10, 3), exact_change_test(3, 10)
        np.testing.assert_allclose(
            down.rate_ratio_ci,
            [1 / up.rate_ratio_ci[1], 1 / up.rate_ratio_ci[0]],
            rtol=1e-9,
        )

    @pytest.mark.parametrize("b", [0, 1, 4, 11, 37])
    @pytest.mark.parametrize("a", [0, 2, 9, 30])
    @pytest.mark.parametrize(("tb", "ta"), [(1, 1), (61, 30), (2, 7)])
    def test_matches_scipy_binomtest(self, b, a, tb, ta) -> None:
        r = exact_change_test(b, a, t_before=tb, t_after=ta)
        if a + b == 0:
            assert r.p_value == 1.0 and r.rate_ratio is None and r.rate_ratio_ci is None
            return
        ref = stats.binomtest(a, a + b, ta / (ta + tb))
        np.testing.assert_allclose(r.p_value, ref.pvalue, rtol=1e-9)
        ci = ref.proportion_ci(0.95, method="exact")
        np.testing.assert_allclose(r.pi_ci, (ci.low, ci.high), rtol=1e-7, atol=1e-12)
        less = stats.binomtest(a, a + b, ta / (ta + tb), alternative="less").pvalue
        np.testing.assert_allclose(r.p_decrease, less, rtol=1e-9)

    @pytest.mark.parametrize(
        ("b", "a", "tb", "ta"), [(10, 3, 1, 1), (20, 6, 60, 30), (7, 15, 3, 2)]
    )
    def test_matches_statsmodels_exact_cond(self, b, a, tb, ta) -> None:
        from statsmodels.stats.rates import test_poisson_2indep

        ref = test_poisson_2indep(a, ta, b, tb, method="exact-cond")
        np.testing.assert_allclose(
            exact_change_test(b, a, t_before=tb, t_after=ta).p_value,
            ref.pvalue,
            rtol=1e-7,
        )

    def test_edge_cases(self) -> None:
        none = exact_change_test(0, 0)
        assert none.p_value == 1.0 and none.pct_change is None
        d = _json_roundtrip(none.to_dict())
        assert d["rate_ratio"] is None and d["rate_ratio_ci"] is None
        rise = exact_change_test(0, 5)
        assert math.isinf(rise.rate_ratio) and math.isinf(rise.rate_ratio_ci[1])
        d = _json_roundtrip(rise.to_dict())
        assert d["rate_ratio"] is None and d["rate_ratio_unbounded"] is True
        assert d["rate_ratio_ci"][1] is None and d["rate_ratio_ci_upper_unbounded"]
        np.testing.assert_allclose(rise.p_value, 2 * 0.5**5, rtol=1e-12)
        gone = exact_change_test(8, 0)
        assert gone.rate_ratio == 0 and gone.rate_ratio_ci[0] == 0

    @pytest.mark.parametrize(
        ("kw", "param"),
        [
            ({"before": -1, "after": 2}, "before"),
            ({"before": 2.5, "after": 2}, "before"),
            ({"before": 1, "after": True}, "after"),
            ({"before": 1, "after": 2, "t_before": 0}, "t_before"),
            ({"before": 1, "after": 2, "t_after": math.nan}, "t_after"),
        ],
    )
    def test_bad_input(self, kw, param) -> None:
        with pytest.raises(ParameterError, match=param) as info:
            exact_change_test(**kw)
        assert info.value.param == param


# --------------------------------------------------------------------------- §7
class TestWDQ:
    RB, RA, DB, CB, CA = 120, 72, 90, 400, 380

    @pytest.mark.parametrize(
        ("da", "bm", "q", "tne", "reading"),
        [
            (
                81,
                Fraction(-9, 760),
                Fraction(3, 28),
                Fraction(93, 2),
                "diffusion of benefit, no larger",
            ),
            (
                99,
                Fraction(27, 760),
                Fraction(-9, 28),
                Fraction(57, 2),
                "net benefit remains",
            ),
            (
                144,
                Fraction(117, 760),
                Fraction(-39, 28),
                Fraction(-33, 2),
                "exceeds the direct effect",
            ),
        ],
    )
    def test_worked_examples(self, da, bm, q, tne, reading) -> None:
        r = wdq(self.RB, self.RA, self.DB, da, self.CB, self.CA)
        np.testing.assert_allclose(r.success_measure, -21 / 190, rtol=RTOL)
        np.testing.assert_allclose(r.success_measure, -0.110526, rtol=RTOL)
        np.testing.assert_allclose(r.buffer_measure, float(bm), rtol=RTOL)
        np.testing.assert_allclose(r.wdq, float(q), rtol=RTOL)
        np.testing.assert_allclose(r.total_net_effect, float(tne), rtol=RTOL)
        assert reading in r.interpretation and r.reason is None
        # the negated form (Db/Cb - Da/Ca)/(Rb/Cb - Ra/Ca), in exact fractions
        F = Fraction
        alt = (F(self.DB, self.CB) - F(da, self.CA)) / (
            F(self.RB, self.CB) - F(self.RA, self.CA)
        )
        assert alt == q
        np.testing.assert_allclose(r.wdq, float(alt), rtol=1e-12)

    def test_other_readings(self) -> None:
        # Da = 0: BM = -90/400, WDQ = 2.03571 > 1
        big = wdq(120, 72, 90, 0, 400, 380)
        np.testing.assert_allclose(
            big.wdq, float(Fraction(-90, 400) / Fraction(-21, 190))
        )
        assert "larger than the direct effect" in big.interpretation
        zero = wdq(120, 72, 90, 90, 400, 400)  # Da/Ca == Db/Cb exactly
        assert zero.wdq == 0 and "no displacement" in zero.interpretation

    def test_not_applicable_and_undefined(self) -> None:
        up = wdq(100, 120, 50, 60, 400, 400)  # target rose relative to control
        assert up.wdq is None and up.reason.startswith("not applicable")
        assert (
            up.success_measure == pytest.approx(0.05) and up.buffer_measure is not None
        )
        no_ctl = wdq(100, 50, 50, 60, 0, 10)
        assert no_ctl.wdq is None and no_ctl.success_measure is None
        assert no_ctl.reason.startswith("undefined")
        assert _json_roundtrip(no_ctl.to_dict())["wdq"] is None

    def test_bad_input(self) -> None:
        with pytest.raises(ParameterError, match="buffer_after"):
            wdq(1, 1, 1, -1, 1, 1)


# --------------------------------------------------------------------------- §8
class TestWDD:
    def test_paper_example(self) -> None:
        r = wdd(207, 110, 308, 318, 178, 157, 150, 140)
        assert r.wdd == -118 and r.variance == 1568 and not r.local_only
        np.testing.assert_allclose(r.se, 39.5980, rtol=RTOL)
        np.testing.assert_allclose(r.z, -2.97995, rtol=RTOL)
        np.testing.assert_allclose(r.p_value, 0.00288295, rtol=RTOL)
        np.testing.assert_allclose(r.p_reduction, 0.00144148, rtol=RTOL)
        np.testing.assert_allclose(r.ci, (-195.611, -40.3894), rtol=RTOL)
        # published rounding: -118, sqrt(1568), -2.98, (-196, -40)
        assert round(r.z, 2) == -2.98 and (round(r.ci[0]), round(r.ci[1])) == (
            -196,
            -40,
        )

    def test_local_only(self) -> None:
        r = wdd(207, 110, 308, 318)
        assert r.local_only and r.wdd == -107 and r.variance == 943
        np.testing.assert_allclose(r.se, 30.7083, rtol=RTOL)
        np.testing.assert_allclose(r.z, -3.48440, rtol=RTOL)
        np.testing.assert_allclose(r.p_value, 0.000493243, rtol=RTOL)
        np.testing.assert_allclose(r.ci, (-167.187, -46.8128), rtol=RTOL)

    def test_matches_scipy(self) -> None:
        counts = [(207, 110), (308, 318), (178, 157), (150, 140)]
        var = sum(stats.poisson(b).var() + stats.poisson(a).var() for b, a in counts)
        r = wdd(*counts[0], *counts[1], *counts[2], *counts[3])
        np.testing.assert_allclose(r.variance, var, rtol=1e-12)
        np.testing.assert_allclose(r.p_value, 2 * stats.norm.sf(abs(r.z)), rtol=1e-9)
        np.testing.assert_allclose(r.p_reduction, stats.norm.cdf(r.z), rtol=1e-9)

    def test_control_scale(self) -> None:
        # k*X has variance k^2 * X
        r = wdd(20, 10, 200, 190, control_scale=0.1)
        assert r.wdd == pytest.approx(-10 - 0.1 * -10)
        assert r.variance == pytest.approx(30 + 0.01 * 390)

    def test_all_zero(self) -> None:
        r = wdd(0, 0, 0, 0, 0, 0, 0, 0)
        assert r.variance == 0 and r.z is None and r.p_value is None and r.ci is None
        d = _json_roundtrip(r.to_dict())
        assert d["p_value"] is None and d["reason"]

    def test_partial_displacement_rejected(self) -> None:
        with pytest.raises(ParameterError, match="displacement"):
            wdd(1, 2, 3, 4, 5, 6)


# --------------------------------------------------------------------------- §10
class TestDiD:
    def test_equal_windows(self) -> None:
        r = did_rate_ratio(80, 52, 400, 380)
        np.testing.assert_allclose(r.rate_ratio, 13 / 19, rtol=RTOL)
        np.testing.assert_allclose(r.log_rate_ratio, -0.379490, rtol=RTOL)
        np.testing.assert_allclose(r.se_log, 0.191996, rtol=RTOL)
        np.testing.assert_allclose(r.ci, (0.469637, 0.996820), rtol=RTOL)
        np.testing.assert_allclose(r.z, -1.97655, rtol=RTOL)
        np.testing.assert_allclose(r.p_value, 0.0480922, rtol=RTOL)
        # scipy: the sample odds ratio of [[T1, T0], [C1, C0]] with the Woolf CI
        from scipy.stats.contingency import odds_ratio

        ref = odds_ratio([[52, 80], [380, 400]], kind="sample")
        np.testing.assert_allclose(r.rate_ratio, ref.statistic, rtol=1e-12)
        ci = ref.confidence_interval(0.95)
        np.testing.assert_allclose(r.ci, (ci.low, ci.high), rtol=1e-9)

    def test_unequal_windows(self) -> None:
        # T 80 in 12 months -> 30 in 6; C 400 in 12 -> 190 in 6: exposures cancel
        r = did_rate_ratio(80, 30, 400, 190)
        np.testing.assert_allclose(r.rate_ratio, 15 / 19, rtol=RTOL)
        np.testing.assert_allclose(r.log_rate_ratio, -0.236389, rtol=RTOL)
        np.testing.assert_allclose(r.se_log, 0.231509, rtol=RTOL)
        np.testing.assert_allclose(r.ci, (0.501507, 1.24279), rtol=RTOL)
        np.testing.assert_allclose(r.z, -1.02108, rtol=RTOL)
        np.testing.assert_allclose(r.p_value, 0.307218, rtol=RTOL)

    def test_matches_poisson_glm(self) -> None:
        import statsmodels.api as sm

        y = np.array([80, 30, 400, 190])
        expo = np.array([12, 6, 12, 6])
        tgt = np.array([1, 1, 0, 0])
        aft = np.array([0, 1, 0, 1])
        X = np.c_[np.ones(4), tgt, aft, tgt * aft]
        from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

        # the model is saturated (a perfect fit by construction): statsmodels divides
        # by df_resid = 0 and warns about perfect prediction; both are expected here
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(expo)).fit()
        r = did_rate_ratio(80, 30, 400, 190)
        np.testing.assert_allclose(r.log_rate_ratio, fit.params[3], rtol=1e-8)
        np.testing.assert_allclose(r.se_log, fit.bse[3], rtol=1e-6)

    def test_zero_count(self) -> None:
        r = did_rate_ratio(8, 0, 400, 380)
        assert r.rate_ratio is None and "not estimable" in r.reason
        assert _json_roundtrip(r.to_dict())["ci"] is None
        h = did_rate_ratio(8, 0, 400, 380, zero_correction=True)
        assert h.haldane_corrected
        np.testing.assert_allclose(
            h.rate_ratio, (0.5 * 400.5) / (8.5 * 380.5), rtol=1e-12
        )


# --------------------------------------------------------------------------- zones
class TestZones:
    def test_buffer_ring(self) -> None:
        sq = shapely.box(0, 0, 100, 100)
        ring = buffer_ring(sq, 10)
        # area = 4 * 100 * 10 + pi * 10^2 (GEOS approximates the corner arcs)
        np.testing.assert_allclose(ring.area, 4000 + math.pi * 100, rtol=2e-3)
        assert not ring.intersection(sq).area > 1e-9
        x = np.array([50, 105, 115, -5, 50])
        y = np.array([50, 50, 50, -5, 111])
        assert list(shapely.intersects_xy(ring, x, y)) == [
            False,
            True,
            False,
            True,
            False,
        ]
        assert buffer_ring(sq, 0).is_empty
        with pytest.raises(ParameterError, match="buffer_m"):
            buffer_ring(sq, -1)
        with pytest.raises(ParameterError, match="target"):
            buffer_ring(shapely.Point(0, 0), 10)

    def test_assignment_precedence_and_edges(self) -> None:
        target = shapely.box(0, 0, 10, 10)
        buffer = shapely.box(-5, -5, 15, 15)  # overlaps the target on purpose
        control = shapely.box(-100, -100, 100, 100)
        x = np.array([5, 10, 12, 15, 50, 500, np.nan])
        y = np.array([5, 5, 12, 0, 50, 0, 1])
        z = assign_zones(x, y, target=target, buffer=buffer, control=control)
        # (10, 5) is on the target edge -> target; (15, 0) on the buffer edge -> buffer
        assert list(z) == [0, 0, 1, 1, 2, -1, -1]

    def test_assignment_matches_brute_force(self) -> None:
        rng = np.random.default_rng(1)
        target = shapely.Point(0, 0).buffer(300)
        buffer = buffer_ring(target, 200)
        control = shapely.box(-2000, -2000, 2000, 2000).difference(target.buffer(200))
        x, y = rng.uniform(-2500, 2500, (2, 3000))
        z = assign_zones(x, y, target=target, buffer=buffer, control=control)
        ref = []
        for xi, yi in zip(x, y, strict=True):
            p = shapely.Point(xi, yi)
            ref.append(
                next(
                    (
                        k
                        for k, g in enumerate((target, buffer, control))
                        if g.intersects(p)
                    ),
                    -1,
                )
            )
        assert list(z) == ref
        assert {0, 1, 2, -1} <= set(z.tolist())


# --------------------------------------------------------------------------- operation
TARGET = shapely.box(0, 0, 1000, 1000)
BUFFER = buffer_ring(TARGET, 500)
CONTROL = shapely.box(-5000, -5000, 6000, 6000).difference(TARGET.buffer(500))
START, END = "2024-03-01", "2024-05-01"  # 61 days, across the BST change
TA = 61 - 1 / 24  # elapsed days of [START, END): the clocks go forward on 31 March
TB = 61.0  # elapsed days of the default before window [2023-12-31, 2024-03-01)


def _points_in(geom, n, rng) -> tuple[np.ndarray, np.ndarray]:
    """n uniform points strictly inside geom (rejection sampling, vectorised)."""
    minx, miny, maxx, maxy = geom.bounds
    xs, ys = [], []
    got = 0
    while got < n:
        x = rng.uniform(minx, maxx, 4 * n + 10)
        y = rng.uniform(miny, maxy, 4 * n + 10)
        ok = shapely.contains_xy(geom, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _times(lo: str, hi: str, n: int, rng) -> pd.DatetimeIndex:
    a = pd.Timestamp(lo, tz="Europe/London").value
    b = pd.Timestamp(hi, tz="Europe/London").value
    return pd.to_datetime(rng.integers(a, b, n), utc=True)


# windows strictly inside before [2023-12-31, 2024-03-01), after [2024-03-01, 2024-05-01)
# and last year [2023-03-01, 2023-05-01)
WINDOWS = {
    "before": ("2024-01-02", "2024-02-28"),
    "after": ("2024-03-02", "2024-04-29"),
    "last_year": ("2023-03-02", "2023-04-29"),
}
ZONES = {"target": TARGET, "buffer": BUFFER, "control": CONTROL}


def _planted(plan: dict, rng) -> pd.DataFrame:
    """plan[category][zone][window] = count -> an incident frame."""
    frames = []
    for cat, zones in plan.items():
        for zone, wins in zones.items():
            for win, n in wins.items():
                if n == 0:
                    continue
                x, y = _points_in(ZONES[zone], n, rng)
                frames.append(
                    pd.DataFrame(
                        {
                            "category": cat,
                            "occurred_at": _times(*WINDOWS[win], n, rng),
                            "easting": x,
                            "northing": y,
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)


PLAN = {
    "deliberate_fire": {
        "target": {"before": 200, "after": 60, "last_year": 180},
        "buffer": {"before": 100, "after": 130, "last_year": 90},
        "control": {"before": 1000, "after": 1000, "last_year": 950},
    },
    "vandalism": {
        "target": {"before": 100, "after": 70, "last_year": 100},
        "buffer": {"before": 50, "after": 50, "last_year": 50},
        "control": {"before": 500, "after": 450, "last_year": 500},
    },
}


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    rng = np.random.default_rng(2024)
    inc = _planted(PLAN, rng)
    noise = pd.DataFrame(
        {
            # not selected, outside every window, and outside every zone
            "category": ["theft"] * 5 + ["deliberate_fire"] * 3 + ["vandalism"] * 4,
            "occurred_at": pd.to_datetime(
                ["2024-03-10T12:00Z"] * 5
                + ["2023-08-01T12:00Z"] * 3
                + ["2024-03-10T12:00Z"] * 4,
                utc=True,
            ),
            "easting": [500.0] * 8 + [50_000.0] * 4,
            "northing": [500.0] * 8 + [50_000.0] * 4,
        }
    )
    return pd.concat([inc, noise], ignore_index=True)


@pytest.fixture(scope="module")
def evaluation(planted):
    return evaluate_operation(
        planted,
        target=TARGET,
        buffer=BUFFER,
        control=CONTROL,
        start=START,
        end=END,
        categories=["deliberate_fire", "vandalism", "drugs"],
    )


class TestPlantedOperation:
    def test_windows(self, evaluation) -> None:
        e = evaluation
        assert e.start.isoformat() == "2024-03-01T00:00:00+00:00"
        assert e.end.isoformat() == "2024-05-01T00:00:00+01:00"
        assert e.before_end == e.start
        # the before window has the same wall-clock length (midnight to midnight);
        # the after window loses the hour of the clock change, an exposure difference
        assert e.before_start.isoformat() == "2023-12-31T00:00:00+00:00"
        assert e.t_before_days == pytest.approx(61, rel=1e-12)
        assert e.t_after_days == pytest.approx(TA, rel=1e-12)
        assert e.t_last_year_days == pytest.approx(TA, rel=1e-12)
        assert e.last_year_start.isoformat() == "2023-03-01T00:00:00+00:00"
        assert e.last_year_end.isoformat() == "2023-05-01T00:00:00+01:00"

    def test_counts_recovered_exactly(self, evaluation) -> None:
        for cat, zones in PLAN.items():
            r = evaluation.category(cat)
            for zone, wins in zones.items():
                got = getattr(r, zone)
                assert (got.before, got.after, got.last_year) == (
                    wins["before"],
                    wins["after"],
                    wins["last_year"],
                ), (cat, zone)
        allsel = evaluation.all_selected
        assert allsel.target.before == 300 and allsel.target.after == 130
        assert allsel.control.after == 1450
        assert evaluation.incidents_outside == 4  # the far-away vandalism points

    def test_planted_effect(self, evaluation) -> None:
        r = evaluation.category("deliberate_fire")
        t = r.target_change
        # rates per day: the planted -70% in counts, adjusted for the lost hour
        assert t.pct_change == pytest.approx(100 * (0.3 * TB / TA - 1), rel=1e-9)
        assert t.pct_change == pytest.approx(-70, abs=0.05)
        assert r.buffer_change.pct_change == pytest.approx(100 * (1.3 * TB / TA - 1))
        assert r.control_change.pct_change == pytest.approx(100 * (TB / TA - 1))
        np.testing.assert_allclose(
            t.p_value, stats.binomtest(60, 260, TA / (TA + TB)).pvalue, rtol=1e-9
        )
        from scipy.stats.contingency import odds_ratio

        ref = odds_ratio([[60, 200], [1000, 1000]], kind="sample")
        np.testing.assert_allclose(r.did.rate_ratio, ref.statistic, rtol=1e-12)
        np.testing.assert_allclose(r.did.rate_ratio, 0.3, rtol=1e-12)
        # WDQ by hand, exact fractions: SM = 60/1000 - 200/1000, BM = 130/1000 - 100/1000
        q = Fraction(30, 1000) / Fraction(-140, 1000)
        np.testing.assert_allclose(r.wdq.wdq, float(q), rtol=1e-12)
        assert "displacement smaller" in r.wdq.interpretation
        # scaled WDD: k = (T0 + D0)/C0 = 0.3; WDD = S1 - S0*C1/C0 = 190 - 300 = -110
        # Var = T0+T1+D0+D1 + k^2 (C0+C1) = 490 + 0.09*2000; WDD = -TNE
        assert r.wdd.wdd == pytest.approx(-110)
        assert r.wdd.variance == pytest.approx(490 + 0.09 * 2000)
        assert r.wdd.wdd == pytest.approx(-r.wdq.total_net_effect)
        np.testing.assert_allclose(
            r.wdd.p_value, 2 * stats.norm.sf(110 / math.sqrt(670)), rtol=1e-9
        )
        assert r.wdd_local.wdd == pytest.approx(60 - 200 * 1000 / 1000)
        # last year: 60 after vs 180 in the same period last year
        ly = r.target_vs_last_year
        assert (ly.before, ly.after) == (180, 60)
        np.testing.assert_allclose(
            ly.p_value, stats.binomtest(60, 240, 0.5).pvalue, rtol=1e-9
        )
        assert r.enough_data
        v = r.verdict
        assert "fell 70%" in v and "statistically significant" in v
        assert (
            "larger fall than the background trend" in v and "Buffer: displacement" in v
        )

    def test_smaller_effect_and_control_trend(self, evaluation) -> None:
        r = evaluation.category("vandalism")
        assert r.target_change.pct_change == pytest.approx(100 * (0.7 * TB / TA - 1))
        assert r.control_change.pct_change == pytest.approx(100 * (0.9 * TB / TA - 1))
        np.testing.assert_allclose(
            r.did.rate_ratio, (70 / 100) / (450 / 500), rtol=1e-12
        )
        assert r.wdq.wdq == pytest.approx(
            float(
                (Fraction(50, 450) - Fraction(50, 500))
                / (Fraction(70, 450) - Fraction(100, 500))
            )
        )
        assert "Vandalism fell 30%" in r.verdict

    def test_empty_category(self, evaluation) -> None:
        r = evaluation.category("drugs")
        assert (r.target.before, r.target.after, r.control.before) == (0, 0, 0)
        assert not r.enough_data and "too few incidents to conclude" in r.verdict
        assert r.target_change.p_value == 1.0 and r.did.rate_ratio is None
        assert r.wdq.wdq is None and r.wdd is None
        d = _json_roundtrip(r.to_dict())
        assert d["pct_change"] is None and d["counts"]["target"]["after"] == 0

    def test_to_dict_plain_json(self, evaluation) -> None:
        d = evaluation.to_dict()
        assert _json_roundtrip(d) == d
        assert [r["category"] for r in d["results"]] == [
            "deliberate_fire",
            "vandalism",
            "drugs",
        ]
        assert d["all_selected"]["category"] == "all_selected"
        fire = d["results"][0]
        assert fire["counts"]["target"] == {
            "before": 200,
            "after": 60,
            "last_year": 180,
        }
        for key in (
            "pct_change",
            "p_value",
            "control_pct_change",
            "wdq",
            "verdict",
            "did",
            "wdd",
        ):
            assert key in fire
        assert d["windows"]["before"]["to"] == d["windows"]["after"]["from"]


class TestPoissonPlanted:
    def test_recovers_planted_rate_ratios(self) -> None:
        rng = np.random.default_rng(7)
        means = {"target": (400, 120), "buffer": (200, 260), "control": (3000, 3000)}
        plan = {
            "deliberate_fire": {
                z: {
                    "before": int(rng.poisson(b)),
                    "after": int(rng.poisson(a)),
                    "last_year": 0,
                }
                for z, (b, a) in means.items()
            }
        }
        inc = _planted(plan, rng)
        e = evaluate_operation(
            inc,
            target=TARGET,
            buffer=BUFFER,
            control=CONTROL,
            start=START,
            end=END,
            categories=["deliberate_fire"],
            last_year=False,
        )
        r = e.category("deliberate_fire")
        assert abs(r.target_change.pct_change - -70) < 10
        lo, hi = r.target_change.rate_ratio_ci
        assert lo < 0.3 < hi and hi < 1 and r.target_change.significant
        blo, bhi = r.buffer_change.rate_ratio_ci
        assert blo < 1.3 < bhi and blo > 1
        assert r.did.ci[0] < 0.3 < r.did.ci[1]
        assert r.wdq.wdq < 0  # displacement planted
        assert r.wdd.wdd < 0 and r.wdd.p_value < 0.05
        assert r.target_vs_last_year is None and r.target.last_year is None
        assert e.last_year_start is None


class TestOperationOptions:
    def test_before_start_unequal_windows(self, planted) -> None:
        e = evaluate_operation(
            planted,
            target=TARGET,
            buffer=BUFFER,
            control=CONTROL,
            start=START,
            end=END,
            before_start="2023-11-01",
            categories=["deliberate_fire"],
        )
        r = e.category("deliberate_fire")
        # before window now also holds nothing extra (planted before-times are in Jan/Feb)
        assert (r.target.before, r.target.after) == (200, 60)
        tb, ta = e.t_before_days, e.t_after_days
        assert tb == pytest.approx(121)
        ref = stats.binomtest(60, 260, ta / (ta + tb)).pvalue
        np.testing.assert_allclose(r.target_change.p_value, ref, rtol=1e-9)
        np.testing.assert_allclose(r.target_change.rate_ratio, (60 / ta) / (200 / tb))

    def test_no_buffer(self, planted) -> None:
        e = evaluate_operation(
            planted,
            target=TARGET,
            buffer=None,
            control=CONTROL,
            start=START,
            end=END,
            categories=["deliberate_fire"],
        )
        r = e.category("deliberate_fire")
        assert r.buffer is None and r.wdq is None and r.wdd.local_only
        assert r.target.before == 200
        assert _json_roundtrip(e.to_dict())["zone_areas_m2"]["buffer"] == 0.0

    def test_all_categories_and_aware_times(self, planted) -> None:
        e = evaluate_operation(
            planted,
            target=TARGET,
            buffer=BUFFER,
            control=CONTROL,
            start=pd.Timestamp("2024-03-01", tz="Europe/London"),
            end=pd.Timestamp("2024-04-30T23:00Z"),
            categories=None,
        )
        assert e.categories == ("deliberate_fire", "theft", "vandalism")
        assert e.category("theft").target.after == 5
        assert e.category("deliberate_fire").target.after == 60

    def test_empty_frame(self) -> None:
        empty = pd.DataFrame(
            {
                "category": pd.Series([], dtype=object),
                "occurred_at": pd.to_datetime(pd.Series([], dtype=object), utc=True),
                "easting": pd.Series([], dtype=float),
                "northing": pd.Series([], dtype=float),
            }
        )
        e = evaluate_operation(
            empty,
            target=TARGET,
            buffer=BUFFER,
            control=CONTROL,
            start=START,
            end=END,
            categories=["vandalism"],
        )
        r = e.category("vandalism")
        assert r.target.after == 0 and not r.enough_data
        assert "too few" in e.all_selected.verdict
        _json_roundtrip(e.to_dict())

    def test_too_few_rule(self) -> None:
        rng = np.random.default_rng(3)
        for before, after, enough in [
            (5, 4, False),
            (5, 5, True),
            (9, 0, False),
            (10, 1, True),
        ]:
            plan = {
                "assault": {
                    "target": {"before": before, "after": after},
                    "control": {"before": 50, "after": 50},
                }
            }
            e = evaluate_operation(
                _planted(plan, rng),
                target=TARGET,
                buffer=BUFFER,
                control=CONTROL,
                start=START,
                end=END,
                categories=["assault"],
            )
            r = e.category("assault")
            assert (r.target.before, r.target.after) == (before, after)
            assert r.enough_data is enough, (before, after)
            assert ("too few" in r.verdict) is not enough
        assert MIN_TOTAL == 10

    def test_too_few_expected_with_unequal_windows(self) -> None:
        # n = 12 >= 10, but with a 305-day before window only 12 * 61/366 = 2 are
        # expected after under no change: too few to conclude
        plan = {
            "assault": {
                "target": {"before": 10, "after": 2},
                "control": {"before": 50, "after": 50},
            }
        }
        e = evaluate_operation(
            _planted(plan, np.random.default_rng(4)),
            target=TARGET,
            buffer=BUFFER,
            control=CONTROL,
            start=START,
            end=END,
            before_start="2023-05-01",
            categories=["assault"],
        )
        r = e.category("assault")
        assert r.target_change.n == 12
        assert r.target_change.n * r.target_change.pi0 == pytest.approx(
            12 * TA / (TA + e.t_before_days)
        )
        assert not r.enough_data and "too few" in r.verdict

    @pytest.mark.parametrize(
        ("kw", "param"),
        [
            ({"start": "2024-05-01", "end": "2024-03-01"}, "start"),
            ({"start": "not a date"}, "start"),
            ({"before_start": "2024-04-01"}, "before_start"),
            ({"categories": []}, "categories"),
            ({"target": shapely.Point(0, 0)}, "target"),
            ({"control": "everywhere"}, "control"),
            ({"target": shapely.Polygon()}, "target"),
        ],
    )
    def test_bad_input(self, planted, kw, param) -> None:
        args = {
            "target": TARGET,
            "buffer": BUFFER,
            "control": CONTROL,
            "start": START,
            "end": END,
            "categories": ["vandalism"],
        }
        args.update(kw)
        with pytest.raises(ParameterError) as info:
            evaluate_operation(planted, **args)
        assert info.value.param == param

    def test_missing_columns(self) -> None:
        with pytest.raises(ParameterError, match="easting"):
            evaluate_operation(
                pd.DataFrame({"category": ["x"]}),
                target=TARGET,
                buffer=BUFFER,
                control=CONTROL,
                start=START,
                end=END,
                categories=["x"],
            )


class TestRealBoundaries:
    def test_operation_on_real_datazones(self, boundaries) -> None:
        b = boundaries
        dz = b.datazones
        target = shapely.union_all(dz.nsmallest(4, "simd_rank").geometry.to_numpy())
        ring = buffer_ring(target, 400)
        west = shapely.union_all(
            b.wards.loc[b.wards["tasking_group"] == "WEST"].geometry.to_numpy()
        )
        control = shapely.difference(west, shapely.union(target, ring))
        rng = np.random.default_rng(5)
        n = 4000
        x, y = _points_in(b.area, n, rng)
        inc = pd.DataFrame(
            {
                "category": rng.choice(["vandalism", "deliberate_fire"], n),
                "occurred_at": _times("2024-01-05", "2024-04-25", n, rng),
                "easting": x,
                "northing": y,
            }
        )
        e = evaluate_operation(
            inc,
            target=target,
            buffer=ring,
            control=control,
            start="2024-03-01",
            end="2024-05-01",
            categories=["vandalism", "deliberate_fire"],
        )
        # independent: shapely.contains on Point objects, with target-first precedence
        pts = shapely.points(x, y)
        in_t = shapely.intersects(target, pts)
        in_b = shapely.intersects(ring, pts) & ~in_t
        in_c = shapely.intersects(control, pts) & ~in_t & ~in_b
        after = (
            inc["occurred_at"] >= pd.Timestamp("2024-03-01", tz="Europe/London")
        ).to_numpy()
        before = ~after & (inc["occurred_at"] >= e.before_start).to_numpy()
        a = e.all_selected
        assert a.target.after == int((in_t & after).sum())
        assert a.target.before == int((in_t & before).sum())
        assert a.buffer.after == int((in_b & after).sum())
        assert a.control.before == int((in_c & before).sum())
        assert a.target.before + a.target.after > 0
        _json_roundtrip(e.to_dict())
