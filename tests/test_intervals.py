"""Intervals that hold their coverage, and notes where they may not (issue 9, item 10).

The coverage test simulates a skewed lead time whose true mean and p90 are known in
closed form, at the smallest number of cases the library accepts without a note
(:data:`procsimp.intervals.MIN_CASES`), over 1,000 seeds.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import procsimp as ps
from procsimp.durations import Z90
from procsimp.intervals import (
    MIN_CASES,
    heavy_tailed_steps,
    lognormal_skewness,
    mean_interval,
    precision_notes,
    quantile_interval,
)


def _process(p90: float, fixed: float = 2.0) -> ps.Process:
    """A fixed step, then a lognormal step with median 1: lead time = fixed + lognormal."""
    return ps.Process.model_validate({
        "levels": ["staff"], "roles": [{"id": "clerk", "level": "staff"}],
        "steps": [{"id": "receive", "role": "clerk", "duration": fixed},
                  {"id": "decide", "role": "clerk", "after": ["receive"],
                   "duration": {"dist": "lognormal", "median": 1, "p90": p90}}]})


def _hall_by_bisection(x: np.ndarray, z: float = 1.959963984540054) -> tuple[float, float]:
    """Hall's interval found by solving his statistic for mu numerically (no closed form)."""
    n, mean, s = len(x), float(x.mean()), float(x.std(ddof=1))
    c = x - x.mean()
    g = float(np.mean(c ** 3)) / float(np.mean(c ** 2)) ** 1.5

    def statistic(mu: float) -> float:
        w = (mean - mu) / s
        return math.sqrt(n) * (w + g * w * w / 3 + g * g * w ** 3 / 27 + g / (6 * n))

    def solve(target: float) -> float:  # the statistic decreases in mu
        lo, hi = mean - 50 * s, mean + 50 * s
        for _ in range(200):
            mid = (lo + hi) / 2
            if statistic(mid) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    return solve(z), solve(-z)


class TestMeanInterval:
    def test_symmetric_samples_give_the_normal_interval(self) -> None:
        x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
        half = 1.959963984540054 * float(np.std(x, ddof=1)) / math.sqrt(5)
        assert mean_interval(x) == pytest.approx((3 - half, 3 + half))

    @pytest.mark.parametrize("sigma", [0.3, 1.0, 1.8])
    def test_equals_hall_solved_numerically(self, sigma: float) -> None:
        x = np.random.default_rng(7).lognormal(0, sigma, 500)
        assert mean_interval(x) == pytest.approx(_hall_by_bisection(x), rel=1e-9)

    def test_moves_towards_the_long_tail(self) -> None:
        x = np.random.default_rng(3).lognormal(0, 1.2, 2000)
        lo, hi = mean_interval(x)
        mean = float(x.mean())
        assert hi - mean > mean - lo > 0

    def test_no_interval_below_two_cases(self) -> None:
        assert all(math.isnan(v) for v in mean_interval(np.array([4.0])))
        assert all(math.isnan(v) for v in quantile_interval(np.array([4.0]), 0.9))

    def test_tiny_values(self) -> None:
        # found by the QBP fuzz test: the third moment of values near 1e-132 underflowed
        x = np.array([1e-132, 2e-132, 5e-132])
        lo, hi = mean_interval(x)
        assert 0 < lo < float(x.mean()) < hi

    def test_no_spread(self) -> None:
        assert mean_interval(np.full(10, 3.0)) == (3.0, 3.0)


class TestNotes:
    def test_one_case(self) -> None:
        with pytest.warns(ps.PrecisionWarning, match="no interval"):
            sim = ps.simulate(_process(3), n=1, seed=0)
        assert math.isnan(sim.mean_ci[0]) and "n/a" in str(sim)
        assert sim.to_dict()["mean_ci"] == [None, None]
        assert sim.notes

    def test_few_cases(self) -> None:
        with pytest.warns(ps.PrecisionWarning, match="only 50 cases"):
            sim = ps.simulate(_process(3), n=50, seed=0)
        assert "note: only 50 cases" in str(sim)

    def test_a_heavy_tailed_step_is_flagged_whatever_the_sample(self) -> None:
        # median 1, p90 10: skewness 134, Cochran's rule asks for ~450,000 cases
        proc = _process(10)
        sigma = math.log(10) / Z90
        assert heavy_tailed_steps(proc) == {"decide": pytest.approx(lognormal_skewness(sigma))}
        assert lognormal_skewness(sigma) == pytest.approx(134.07, abs=0.01)
        for seed in range(5):
            with pytest.warns(ps.PrecisionWarning, match="'decide' has a heavy-tailed"):
                ps.simulate(proc, n=10_000, seed=seed)

    def test_lognormal_skewness_by_moments(self) -> None:
        # independent check: skewness from the lognormal's raw moments E[X^k] = e^(k mu + k^2 s^2/2)
        s = 0.7
        m1, m2, m3 = (math.exp(k * k * s * s / 2) for k in (1, 2, 3))
        var = m2 - m1 ** 2
        assert lognormal_skewness(s) == pytest.approx((m3 - 3 * m1 * var - m1 ** 3) / var ** 1.5)

    def test_a_mild_process_has_no_note(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ps.PrecisionWarning)
            sim = ps.simulate(_process(3), n=10_000, seed=0)
        assert sim.notes == ()

    def test_sample_skewness_rule(self) -> None:
        x = np.concatenate([np.ones(1999), [1e4]])  # one enormous case in 2,000
        assert any("Cochran" in note for note in precision_notes(x))


class TestCoverage:
    def test_mean_and_p90_cover_95_percent_at_the_smallest_n_without_a_note(self) -> None:
        # lead time = 2 + lognormal(median 1, p90 3): skewness 4.3 (Cochran: ~460 cases)
        proc = _process(3)
        sigma = math.log(3) / Z90
        true_mean = 2 + math.exp(sigma * sigma / 2)
        true_p90 = 2 + 3.0
        seeds = 1000
        mean_hits = p90_hits = noted = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ps.PrecisionWarning)
            for seed in range(seeds):
                sim = ps.simulate(proc, n=MIN_CASES, seed=seed, critical=False)
                mean_hits += sim.mean_ci[0] <= true_mean <= sim.mean_ci[1]
                p90_hits += sim.p90_ci[0] <= true_p90 <= sim.p90_ci[1]
                noted += bool(sim.notes)
        assert noted < 0.1 * seeds  # this n is accepted without a note (nearly always)
        assert 0.93 <= mean_hits / seeds <= 0.97
        assert 0.93 <= p90_hits / seeds <= 0.97

    def test_the_paired_cut_interval_covers_too(self) -> None:
        # before decides in lognormal(median 1, p90 3), after in lognormal(median 1, p90 2):
        # the true mean cut is e^(sb^2/2) - e^(sa^2/2), whatever the pairing of the draws
        before, after = _process(3), _process(2)
        sb, sa = math.log(3) / Z90, math.log(2) / Z90
        true_cut = math.exp(sb * sb / 2) - math.exp(sa * sa / 2)
        hits, seeds = 0, 500
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ps.PrecisionWarning)
            for seed in range(seeds):
                cut = ps.compare(before, after, n=MIN_CASES, seed=seed, bootstrap=0) \
                    .simulation.mean_cut
                hits += cut.ci[0] <= true_cut <= cut.ci[1]
        assert 0.93 <= hits / seeds <= 0.97
