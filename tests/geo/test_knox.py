"""Knox test: brute-force oracle, planted near repeats, nominal rate under the null."""

import time

import numpy as np
import pytest

from geo.errors import ParameterError, TooFewIncidentsError
from geo.patterns.knox import knox_test

D_EDGES = (0.0, 100.0, 200.0, 400.0)
T_EDGES = (0, 7, 14, 28)


def brute(x, y, t, d_edges, t_edges):
    """All pairs, plain loops over the bands (independent of the KD-tree code)."""
    n = len(x)
    obs = np.zeros((len(d_edges) - 1, len(t_edges) - 1), dtype=int)
    s_d = np.zeros(len(d_edges) - 1)
    t_k = np.zeros(len(t_edges) - 1)
    for i in range(n):
        for j in range(i + 1, n):
            d = np.hypot(x[i] - x[j], y[i] - y[j])
            g = abs(int(t[i]) - int(t[j]))
            di = [k for k in range(len(d_edges) - 1) if d_edges[k] <= d < d_edges[k + 1]]
            ti = [k for k in range(len(t_edges) - 1) if t_edges[k] <= g < t_edges[k + 1]]
            if di:
                s_d[di[0]] += 1
            if ti:
                t_k[ti[0]] += 1
            if di and ti:
                obs[di[0], ti[0]] += 1
    return obs, np.outer(s_d, t_k) / (n * (n - 1) / 2)


def test_observed_and_expected_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1500, 220).round()  # whole metres: distances can sit on an edge
    y = rng.uniform(0, 1500, 220).round()
    x[:10], y[:10] = 500.0, 500.0
    x[10], y[10] = 600.0, 500.0  # exactly 100 m from the first ten
    t = rng.integers(0, 120, 220)
    res = knox_test(x, y, t, distance_bands_m=D_EDGES, time_bands_days=T_EDGES, permutations=49, seed=3)
    obs, exp = brute(x, y, t, D_EDGES, T_EDGES)
    np.testing.assert_array_equal(res.observed, obs)
    np.testing.assert_allclose(res.expected, exp, rtol=1e-12)
    assert res.n_pairs_total == 220 * 219 // 2
    assert len(res.cells) == 9 and res.cells[0].to_dict()["observed"] == obs[0, 0]
    assert all(0 < c.p_value <= 1 for c in res.cells)


def test_monte_carlo_mean_estimates_expected_and_seed_is_reproducible() -> None:
    rng = np.random.default_rng(2)
    x, y, t = rng.uniform(0, 800, 300), rng.uniform(0, 800, 300), rng.integers(0, 60, 300)
    a = knox_test(x, y, t, distance_bands_m=D_EDGES, time_bands_days=T_EDGES, permutations=199, seed=7)
    b = knox_test(x, y, t, distance_bands_m=D_EDGES, time_bands_days=T_EDGES, permutations=199, seed=7)
    np.testing.assert_array_equal(a.p_values, b.p_values)
    # the permutation mean (by simulation here, with numpy only) is the exact expectation
    iu = np.triu_indices(len(x), 1)
    dband = np.digitize(np.hypot(x[:, None] - x, y[:, None] - y)[iu], D_EDGES) - 1
    sims = []
    for _ in range(300):
        tp = t[rng.permutation(len(t))]
        gap = np.abs(tp[:, None] - tp)[iu]
        tband = np.digitize(gap, T_EDGES) - 1
        ok = (dband < 3) & (tband < 3)
        sims.append(np.bincount(dband[ok] * 3 + tband[ok], minlength=9).reshape(3, 3))
    mc = np.mean(sims, axis=0)
    se = np.std(sims, axis=0) / np.sqrt(len(sims))
    assert (np.abs(mc - a.expected) < 4 * se + 1e-9).all()


def planted(rng, n_seeds=60, n_background=300):
    """Background uniform in space and time; each seed event followed by 2 repeats within
    50 m and 1-5 days (a burglary-like near-repeat series)."""
    x = list(rng.uniform(0, 3000, n_background))
    y = list(rng.uniform(0, 3000, n_background))
    t = list(rng.integers(0, 365, n_background))
    for _ in range(n_seeds):
        sx, sy, st = rng.uniform(0, 3000), rng.uniform(0, 3000), int(rng.integers(0, 360))
        x.append(sx)
        y.append(sy)
        t.append(st)
        for _ in range(2):
            r, a = rng.uniform(0, 50), rng.uniform(0, 2 * np.pi)
            x.append(sx + r * np.cos(a))
            y.append(sy + r * np.sin(a))
            t.append(st + int(rng.integers(1, 6)))
    return np.array(x), np.array(y), np.array(t)


def test_planted_near_repeat_is_detected() -> None:
    x, y, t = planted(np.random.default_rng(4))
    res = knox_test(x, y, t, distance_bands_m=(0, 100, 200, 400), time_bands_days=(0, 7, 14, 28), permutations=199)
    first = res.cells[0]
    assert first.ratio > 3 and first.p_value <= 0.01
    # and the near-repeat signal is confined to the near cell: far/late cells are not significant
    assert res.cells[-1].p_value > 0.01


def test_time_independent_process_rejected_at_nominal_rate() -> None:
    rng = np.random.default_rng(5)
    runs, hits = 100, 0
    t0 = time.perf_counter()
    for _ in range(runs):
        x, y, t = rng.uniform(0, 2000, 150), rng.uniform(0, 2000, 150), rng.integers(0, 180, 150)
        res = knox_test(x, y, t, distance_bands_m=(0, 200), time_bands_days=(0, 14), permutations=99,
                        seed=int(rng.integers(1 << 31)))
        hits += res.cells[0].p_value <= 0.05
    assert time.perf_counter() - t0 < 60
    # Binomial(100, 0.05): P(X >= 13) < 0.002; P(X == 0) < 0.006
    assert 1 <= hits <= 12


def test_bad_input() -> None:
    with pytest.raises(ParameterError):
        knox_test([0, 1, 2], [0, 1, 2], [0, 1, 2], distance_bands_m=(100, 50))
    with pytest.raises(ParameterError):
        knox_test([0, 1, 2], [0, 1, 2], [0, 1, 2], time_bands_days=(0, 1.5))
    with pytest.raises(TooFewIncidentsError):
        knox_test([0, 1], [0, 1], [0, 1])
