"""compare's quantile-cut intervals on large runs: paired sectioning, checked against truth.

Before = X1 + X2 and after = X1 with X1, X2 independent Exp(1): the cases are paired
(after shares X1), and both quantile functions are known in closed form (Exp) or by
bisection on the Gamma(2, 1) distribution function 1 - exp(-x)(1 + x).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import procsimp as ps
from procsimp.comparison import BOOTSTRAP, BOOTSTRAP_BUDGET, SECTIONS, paired_sectioning


def gamma2_quantile(q: float) -> float:
    """Quantile of Gamma(shape 2, scale 1), by bisection of its distribution function."""
    lo, hi = 0.0, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 1 - math.exp(-mid) * (1 + mid) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


QS = (0.5, 0.9)
TRUE_CUT = tuple(gamma2_quantile(q) - (-math.log(1 - q)) for q in QS)


def test_t_point_is_students_for_the_sections() -> None:
    stats = pytest.importorskip("scipy.stats")
    from procsimp.comparison import _T_SECTIONS

    assert abs(_T_SECTIONS - stats.t.ppf(0.975, SECTIONS - 1)) < 1e-9


def test_sectioning_interval_covers_the_true_cut_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(20261202)
    reps, n = 300, SECTIONS * 500
    covered = np.zeros(len(QS))
    estimates, halves = [], []
    for _ in range(reps):
        x1, x2 = rng.exponential(size=n), rng.exponential(size=n)
        low, high = paired_sectioning(x1 + x2, x1, QS)
        covered += [lo <= t <= hi for lo, hi, t in zip(low, high, TRUE_CUT, strict=True)]
        estimates.append(np.quantile(x1 + x2, QS) - np.quantile(x1, QS))
        halves.append((np.array(high) - np.array(low)) / 2)
    coverage = covered / reps
    # 300 replications: the share's standard error is 1.3 points around 0.95
    assert np.all(coverage >= 0.91) and np.all(coverage <= 0.985), coverage
    # and the interval is as wide as the estimator really varies (not safe by being wide)
    spread = np.std(estimates, axis=0, ddof=1)
    ratio = np.mean(halves, axis=0) / (1.96 * spread)
    assert np.all((ratio > 0.85) & (ratio < 1.25)), ratio


def test_sectioning_is_exact_when_the_cut_is_fixed() -> None:
    x = np.random.default_rng(1).lognormal(size=SECTIONS * 600)
    low, high = paired_sectioning(x + 2.0, x, QS)
    assert low == pytest.approx((2.0, 2.0)) and high == pytest.approx((2.0, 2.0))


def test_sectioning_refuses_another_number_of_sections() -> None:
    x = np.ones(1000)
    with pytest.raises(ps.OptionError, match="40 sections"):
        paired_sectioning(x, x, QS, sections=10)


LOGN = {"dist": "lognormal", "median": 2, "p90": 6}


def chain(extra: bool) -> ps.Process:
    steps = [{"id": "a", "role": "c", "duration": LOGN},
             {"id": "b", "role": "c", "duration": LOGN, "after": ["a"]}]
    if extra:
        steps.append({"id": "x", "role": "c", "duration": LOGN, "after": ["b"]})
    return ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
                                      "steps": steps})


def test_compare_switches_to_sectioning_above_the_budget() -> None:
    before, after = chain(True), chain(False)
    n = BOOTSTRAP_BUDGET // BOOTSTRAP + 1
    rep = ps.compare(before, after, n=n, seed=5)
    sim = rep.simulation
    assert sim is not None and sim.p90_cut.method == "paired_sectioning"
    b = ps.simulate(before, n=n, seed=5).samples
    a = ps.simulate(after, n=n, seed=5).samples
    low, high = paired_sectioning(b, a, QS)
    assert sim.p50_cut.ci == pytest.approx((low[0], high[0]))
    assert sim.p90_cut.ci == pytest.approx((low[1], high[1]))
    assert sim.p90_cut.ci[0] < sim.p90_cut.value < sim.p90_cut.ci[1]
    assert "paired sectioning" in rep.to_text()
    small = ps.compare(before, after, n=2000, seed=5).simulation
    assert small is not None and small.p90_cut.method == "paired_bootstrap"
