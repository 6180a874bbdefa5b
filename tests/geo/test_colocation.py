"""Tests of geo.hotspots.colocation against METHODS.md §3 and an independent brute force."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from geo.errors import ParameterError, TooFewIncidentsError
from geo.hotspots.colocation import (
    exact_global_clq,
    exact_local_clq,
    global_clq,
    global_clq_pair,
    local_clq,
    mean_local_clq,
    mean_local_clq_sets,
)

RTOL = 1e-5

# METHODS §3 worked example: ten points on a line
POS = (0, 1, 2, 4, 5, 6, 9, 10, 12, 14)
LABELS = list("ABABABACBA")
XY = np.array([[x, 0.0] for x in POS])


# ----------------------------------------------------------------- brute force (test-only)


def brute_global_clq(xy: np.ndarray, labels: list[str], a: str, b: str) -> Fraction:
    """Direct O(N^2) CLQ with exact fractions (tie tolerance rel 1e-9)."""
    n = len(labels)
    total = Fraction(0)
    for i in range(n):
        if labels[i] != a:
            continue
        d = [math.dist(xy[i], xy[j]) if j != i else math.inf for j in range(n)]
        dmin = min(d)
        tied = [j for j in range(n) if d[j] <= dmin * (1 + 1e-9)]
        total += Fraction(sum(labels[j] == b for j in tied), len(tied))
    n_a = labels.count(a)
    nb_prime = n_a - 1 if a == b else labels.count(b)
    return (total / n_a) / Fraction(nb_prime, n - 1)


def brute_local_weights(xy: np.ndarray, i: int, k: int) -> dict[int, float]:
    n = xy.shape[0]
    d = {j: math.dist(xy[i], xy[j]) for j in range(n) if j != i}
    bw = sorted(d.values())[k - 1]
    nbrs = [j for j in d if d[j] <= bw * (1 + 1e-9)]
    if bw == 0:
        return dict.fromkeys(nbrs, 1.0)
    return {j: math.exp(-0.5 * d[j] ** 2 / bw**2) for j in nbrs}


def brute_lclq(
    xy: np.ndarray, labels: list[str], i: int, a: str, b: str, k: int
) -> float:
    n = len(labels)
    w = brute_local_weights(xy, i, k)
    share = sum(w[j] * (labels[j] == b) for j in w) / sum(w.values())
    n_a = labels.count(a)
    nb_prime = n_a - 1 if a == b else labels.count(b)
    return share / (nb_prime / (n - 1))


def random_case(seed: int, n: int = 40) -> tuple[np.ndarray, list[str]]:
    """Integer grid points (ties and coincident points are common)."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 6, size=(n, 2)).astype(float)
    labels = list(rng.choice(["A", "B", "C"], size=n, p=[0.4, 0.4, 0.2]))
    labels[0], labels[1] = "A", "B"
    return xy, labels


# ----------------------------------------------------------------- global CLQ


class TestGlobalWorkedExample:
    @pytest.mark.parametrize(
        ("a", "b", "expected"), [("A", "B", 1.8), ("B", "A", 1.575), ("A", "A", 0.0)]
    )
    def test_values(self, a: str, b: str, expected: float) -> None:
        res = global_clq(XY, LABELS, a, b, permutations=0)
        np.testing.assert_allclose(res.clq, expected, rtol=RTOL, atol=1e-12)
        assert res.p_attraction is None and res.p_avoidance is None
        assert brute_global_clq(XY, LABELS, a, b) == Fraction(
            expected
        ).limit_denominator(1000)

    def test_counts(self) -> None:
        res = global_clq(XY, LABELS, "A", "B", permutations=0)
        assert (res.n, res.n_a, res.n_b, res.n_coincident, res.n_coincident_ab) == (
            10,
            5,
            4,
            0,
            0,
        )

    def test_exact_p_values(self) -> None:
        ab = exact_global_clq(XY, LABELS, "A", "B")
        ba = exact_global_clq(XY, LABELS, "B", "A")
        assert ab.n_arrangements == 1260 == ba.n_arrangements
        assert ab.p_attraction == Fraction(92, 1260)
        assert ba.p_attraction == Fraction(209, 1260)

    def test_exact_null_distribution(self) -> None:
        ab = exact_global_clq(XY, LABELS, "A", "B")
        expected = {
            0: 22,
            0.225: 62,
            0.45: 136,
            0.675: 204,
            0.9: 260,
            1.125: 184,
            1.35: 204,
            1.575: 96,
            1.8: 49,
            2.025: 24,
            2.25: 19,
        }
        assert list(ab.counts.values()) == list(expected.values())
        np.testing.assert_allclose(
            list(ab.counts), list(expected), rtol=RTOL, atol=1e-12
        )
        mean = sum(
            Fraction(v).limit_denominator(1000) * c for v, c in ab.counts.items()
        )
        assert mean / 1260 == 1  # E[CLQ] = 1 under random labelling

    def test_exact_null_matches_brute_force_enumeration(self) -> None:
        # enumerate the 1260 arrangements with the test's own brute force
        counts: dict[Fraction, int] = {}
        for a_pos in itertools.combinations(range(10), 5):
            rest = [p for p in range(10) if p not in a_pos]
            for b_pos in itertools.combinations(rest, 4):
                lab = ["C"] * 10
                for p in a_pos:
                    lab[p] = "A"
                for p in b_pos:
                    lab[p] = "B"
                v = brute_global_clq(XY, lab, "A", "B")
                counts[v] = counts.get(v, 0) + 1
        ab = exact_global_clq(XY, LABELS, "A", "B")
        assert [counts[v] for v in sorted(counts)] == list(ab.counts.values())

    @pytest.mark.parametrize(("a", "b", "exact"), [("A", "B", 92), ("B", "A", 209)])
    def test_permutation_p_close_to_exact(self, a: str, b: str, exact: int) -> None:
        res = global_clq(XY, LABELS, a, b, permutations=9999, seed=7)
        assert res.p_attraction is not None
        # binomial standard error at R = 9999 is about 0.003; allow ~4 SE
        assert abs(res.p_attraction - exact / 1260) < 0.012
        # the avoidance p counts <=, so the two overlap in the observed value's mass
        assert res.p_avoidance is not None
        assert res.p_attraction + res.p_avoidance > 1.0

    def test_pair_equals_single_direction(self) -> None:
        ab, ba = global_clq_pair(XY, LABELS, "A", "B", permutations=199, seed=3)
        single = global_clq(XY, LABELS, "A", "B", permutations=199, seed=3)
        assert ab == single
        np.testing.assert_allclose(ba.clq, 1.575, rtol=RTOL)
        assert (ba.a, ba.b, ba.n_a, ba.n_b) == ("B", "A", 4, 5)

    def test_deterministic_with_seed(self) -> None:
        r1 = global_clq(XY, LABELS, "A", "B", permutations=99, seed=11)
        r2 = global_clq(XY, LABELS, "A", "B", permutations=99, seed=11)
        assert r1 == r2


class TestGlobalAgainstBruteForce:
    @pytest.mark.parametrize("seed", range(6))
    @pytest.mark.parametrize(("a", "b"), [("A", "B"), ("B", "A"), ("A", "A")])
    def test_ties_and_coincident_points(self, seed: int, a: str, b: str) -> None:
        xy, labels = random_case(seed)
        res = global_clq(xy, labels, a, b, permutations=0)
        np.testing.assert_allclose(
            res.clq, float(brute_global_clq(xy, labels, a, b)), rtol=1e-12
        )

    def test_coincident_counts(self) -> None:
        xy = np.array([[0, 0], [0, 0], [0, 0], [5, 5], [9, 9], [9, 9]], dtype=float)
        labels = ["A", "B", "C", "A", "A", "A"]
        res = global_clq(xy, labels, "A", "B", permutations=0)
        assert res.n_coincident == 5
        assert res.n_coincident_ab == 2  # the A and the B at (0, 0)
        np.testing.assert_allclose(
            res.clq, float(brute_global_clq(xy, labels, "A", "B"))
        )

    def test_real_world_scale_with_duplicates(self) -> None:
        rng = np.random.default_rng(5)
        base = rng.uniform(0, 2000, size=(60, 2))
        xy = base[rng.integers(0, 60, 250)]  # heavy duplication
        labels = list(rng.choice(["fire", "police"], size=250, p=[0.3, 0.7]))
        for a, b in [("fire", "police"), ("police", "fire")]:
            res = global_clq(xy, labels, a, b, permutations=0)
            np.testing.assert_allclose(
                res.clq, float(brute_global_clq(xy, labels, a, b)), rtol=1e-12
            )

    def test_permutation_null_mean_is_one(self) -> None:
        xy, labels = random_case(2, n=60)
        res = exact_global_clq(xy[:14], labels[:14], "A", "B")
        mean = sum(v * c for v, c in res.counts.items()) / res.n_arrangements
        np.testing.assert_allclose(mean, 1.0, rtol=1e-9)


class TestGlobalErrors:
    def test_missing_category(self) -> None:
        with pytest.raises(TooFewIncidentsError, match="`b`"):
            global_clq(XY, LABELS, "A", "Z", permutations=0)

    def test_self_needs_two(self) -> None:
        with pytest.raises(TooFewIncidentsError, match="at least 2"):
            global_clq(XY, LABELS, "C", "C", permutations=0)

    def test_bad_shape(self) -> None:
        with pytest.raises(ParameterError, match="shape"):
            global_clq(np.zeros((3, 3)), ["A", "B", "A"], "A", "B")

    def test_label_length(self) -> None:
        with pytest.raises(ParameterError, match="one label per point"):
            global_clq(XY, LABELS[:-1], "A", "B")

    def test_negative_permutations(self) -> None:
        with pytest.raises(ParameterError) as err:
            global_clq(XY, LABELS, "A", "B", permutations=-1)
        assert err.value.param == "permutations"

    def test_pair_needs_distinct(self) -> None:
        with pytest.raises(ParameterError):
            global_clq_pair(XY, LABELS, "A", "A")


# ----------------------------------------------------------------- local CLQ

# METHODS §3 local table, k = 3
LOCAL_TABLE = [
    # pos, b_i, lclq, count >=, count <=
    (0, 4, 1.44227, 180, 525),
    (2, 2, 1.59877, 180, 600),
    (5, 3, 1.70378, 105, 600),
    (9, 3, 1.26418, 255, 450),
    (14, 5, 0.920744, 355, 375),
]
LOCAL_WEIGHTS = {
    0: {1: 0.969233, 2: 0.882497, 4: 0.606531},
    2: {1: 0.882497, 0: 0.606531, 4: 0.606531},
    5: {4: 0.945959, 6: 0.945959, 2: 0.606531},
    9: {10: 0.945959, 6: 0.606531, 12: 0.606531},
    14: {12: 0.923116, 10: 0.726149, 9: 0.606531},
}


class TestLocalWorkedExample:
    def test_values_and_bandwidths(self) -> None:
        res = local_clq(XY, LABELS, "A", "B", k=3, permutations=0)
        assert [POS[i] for i in res.index] == [row[0] for row in LOCAL_TABLE]
        np.testing.assert_allclose(
            res.bandwidth, [r[1] for r in LOCAL_TABLE], rtol=RTOL
        )
        np.testing.assert_allclose(res.lclq, [r[2] for r in LOCAL_TABLE], rtol=RTOL)
        assert res.n_neighbours.tolist() == [3, 3, 3, 3, 3]
        assert res.p_attraction is None

    def test_weights_match_table_and_brute_force(self) -> None:
        for i, label in enumerate(LABELS):
            if label != "A":
                continue
            w = brute_local_weights(XY, i, 3)
            got = {POS[j]: v for j, v in w.items()}
            assert set(got) == set(LOCAL_WEIGHTS[POS[i]])
            for p, v in LOCAL_WEIGHTS[POS[i]].items():
                np.testing.assert_allclose(got[p], v, rtol=RTOL)
            np.testing.assert_allclose(
                local_clq(XY, LABELS, "A", "B", k=3, permutations=0).lclq[
                    [POS[j] for j in np.flatnonzero(np.array(LABELS) == "A")].index(
                        POS[i]
                    )
                ],
                brute_lclq(XY, LABELS, i, "A", "B", 3),
                rtol=1e-12,
            )

    def test_exact_conditional_counts(self) -> None:
        ex = exact_local_clq(XY, LABELS, "A", "B", k=3)
        assert ex.n_arrangements == 630
        assert list(ex.count_ge) == [r[3] for r in LOCAL_TABLE]
        assert list(ex.count_le) == [r[4] for r in LOCAL_TABLE]
        assert ex.p_attraction[0] == Fraction(180, 630)
        assert ex.p_avoidance[4] == Fraction(375, 630)
        np.testing.assert_allclose(ex.lclq, [r[2] for r in LOCAL_TABLE], rtol=RTOL)

    def test_exact_counts_match_brute_force_enumeration(self) -> None:
        # the test's own enumeration of the 630 arrangements of the other labels
        for row, i in enumerate([POS.index(r[0]) for r in LOCAL_TABLE]):
            others = [j for j in range(10) if j != i]
            obs = brute_lclq(XY, LABELS, i, "A", "B", 3)
            ge = le = 0
            for a_pos in itertools.combinations(others, 4):
                rest = [j for j in others if j not in a_pos]
                for b_pos in itertools.combinations(rest, 4):
                    lab = ["C"] * 10
                    lab[i] = "A"
                    for p in a_pos:
                        lab[p] = "A"
                    for p in b_pos:
                        lab[p] = "B"
                    v = brute_lclq(XY, lab, i, "A", "B", 3)
                    ge += v >= obs - 1e-9
                    le += v <= obs + 1e-9
            assert (ge, le) == LOCAL_TABLE[row][3:]

    def test_permutation_p_close_to_exact(self) -> None:
        res = local_clq(XY, LABELS, "A", "B", k=3, permutations=9999, seed=1)
        assert res.p_attraction is not None and res.p_avoidance is not None
        np.testing.assert_allclose(
            res.p_attraction, [r[3] / 630 for r in LOCAL_TABLE], atol=0.02
        )
        np.testing.assert_allclose(
            res.p_avoidance, [r[4] / 630 for r in LOCAL_TABLE], atol=0.02
        )

    def test_tie_at_kth_distance_adds_neighbour(self) -> None:
        # the C point at 10: its 3rd and 4th nearest (6 and 14) are both at distance 4
        res = local_clq(XY, LABELS, "C", "A", k=3, permutations=0)
        assert res.index.tolist() == [POS.index(10)]
        assert res.n_neighbours.tolist() == [4]
        np.testing.assert_allclose(
            res.lclq[0], brute_lclq(XY, LABELS, POS.index(10), "C", "A", 3), rtol=1e-12
        )


class TestLocalAgainstBruteForce:
    @pytest.mark.parametrize("seed", range(5))
    @pytest.mark.parametrize("k", [1, 3, 6])
    def test_grid_points(self, seed: int, k: int) -> None:
        xy, labels = random_case(seed)
        res = local_clq(xy, labels, "A", "B", k=k, permutations=0)
        expected = [brute_lclq(xy, labels, int(i), "A", "B", k) for i in res.index]
        np.testing.assert_allclose(res.lclq, expected, rtol=1e-10)

    def test_zero_bandwidth_weights_coincident_points_by_one(self) -> None:
        xy = np.array([[0, 0]] * 4 + [[1, 0], [3, 0], [7, 0]], dtype=float)
        labels = ["A", "B", "B", "C", "B", "A", "A"]
        res = local_clq(xy, labels, "A", "B", k=3, permutations=0)
        assert res.bandwidth[0] == 0.0
        assert res.n_neighbours[0] == 3
        # point 0's neighbours are the three coincident points: B, B, C -> share 2/3
        n_b = 3
        np.testing.assert_allclose(res.lclq[0], (2 / 3) / (n_b / 6), rtol=1e-12)
        np.testing.assert_allclose(
            res.lclq, [brute_lclq(xy, labels, int(i), "A", "B", 3) for i in res.index]
        )

    def test_k_too_large(self) -> None:
        with pytest.raises(TooFewIncidentsError) as err:
            local_clq(XY, LABELS, "A", "B", k=10)
        assert err.value.param == "k"


class TestMeanLocal:
    def test_mean_equals_mean_of_local(self) -> None:
        members = [0, 1, 2, 3, 4, 5]  # positions 0..6 -> A points 0, 2, 5
        res = mean_local_clq(XY, LABELS, "A", "B", members=members, k=3, permutations=0)
        loc = local_clq(XY, LABELS, "A", "B", k=3, permutations=0)
        np.testing.assert_allclose(res.mean_lclq, loc.lclq[:3].mean(), rtol=1e-12)
        assert res.n_focal == 3

    def test_permutation_p_close_to_exact_enumeration(self) -> None:
        members = [0, 1, 2, 3, 4, 5]
        obs = np.mean([brute_lclq(XY, LABELS, i, "A", "B", 3) for i in (0, 2, 4)])
        # exact null: every labelling of all ten points, mean over members labelled A
        vals = []
        for a_pos in itertools.combinations(range(10), 5):
            rest = [p for p in range(10) if p not in a_pos]
            for b_pos in itertools.combinations(rest, 4):
                lab = ["C"] * 10
                for p in a_pos:
                    lab[p] = "A"
                for p in b_pos:
                    lab[p] = "B"
                focal = [i for i in members if lab[i] == "A"]
                if focal:
                    vals.append(
                        np.mean([brute_lclq(XY, lab, i, "A", "B", 3) for i in focal])
                    )
        v = np.asarray(vals)
        p_ge = np.mean(v >= obs - 1e-9)
        p_le = np.mean(v <= obs + 1e-9)
        res = mean_local_clq(
            XY, LABELS, "A", "B", members=members, k=3, permutations=9999, seed=2
        )
        np.testing.assert_allclose(res.mean_lclq, obs, rtol=1e-12)
        assert res.p_attraction is not None and res.p_avoidance is not None
        assert abs(res.p_attraction - p_ge) < 0.02
        assert abs(res.p_avoidance - p_le) < 0.02

    def test_sets_equal_single_calls(self) -> None:
        xy, labels = random_case(4, n=60)
        sets = [np.arange(0, 20), np.arange(15, 45), np.arange(60)]
        batch = mean_local_clq_sets(
            xy,
            labels,
            "A",
            "B",
            member_sets=sets,
            k=4,
            permutations=99,
            seeds=[1, 2, 3],
        )
        for members, seed, res in zip(sets, [1, 2, 3], batch, strict=True):
            single = mean_local_clq(
                xy, labels, "A", "B", members=members, k=4, permutations=99, seed=seed
            )
            assert res == single
        with pytest.raises(ParameterError):
            mean_local_clq_sets(xy, labels, "A", "B", member_sets=sets, seeds=[1])

    def test_no_focal_point(self) -> None:
        with pytest.raises(TooFewIncidentsError, match="members"):
            mean_local_clq(XY, LABELS, "A", "B", members=[1, 3], k=3)

    def test_members_out_of_range(self) -> None:
        with pytest.raises(ParameterError):
            mean_local_clq(XY, LABELS, "A", "B", members=[0, 99], k=3)
