"""Monte Carlo simulation: exactness on fixed durations, convergence, reproducibility."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest
from hypothesis import given, settings

import procsimp as ps
from procsimp.simulation import CHUNK, MAX_RUNS_PER_CASE, runs_per_case
from tests.strategies import deep_processes, nested_rework_dict

LEVELS = {"levels": ["staff"], "roles": [{"id": "c", "level": "staff"},
                                          {"id": "d", "level": "staff"}]}
TRI = {"dist": "triangular", "low": 1, "mode": 2, "high": 6}  # mean 3
LOGN = {"dist": "lognormal", "median": 2, "p90": 5}


def proc(steps, **extra):
    return ps.Process.model_validate({**LEVELS, **extra, "steps": steps})


def assert_converges(sim, expected, z=5.0):
    """|mean - expected| within z standard errors of the simulated mean."""
    se = sim.std / np.sqrt(sim.n)
    assert abs(sim.mean - expected) <= z * se + 1e-12, (sim.mean, expected, se)


class TestConvergence:
    n = 200_000

    def test_sequence(self):
        p = proc([{"id": "a", "role": "c", "duration": TRI},
                  {"id": "b", "role": "d", "duration": LOGN, "after": ["a"]},
                  {"id": "e", "role": "c", "duration": {"dist": "pert", "low": 0, "mode": 1,
                                                         "high": 8}, "after": ["b"]}],
                 handoff_delay={"dist": "uniform", "low": 0, "high": 2})
        assert_converges(ps.simulate(p, n=self.n, seed=1), ps.measure(p).lead_time)

    def test_xor_block(self):
        p = proc([{"id": "a", "role": "c", "duration": TRI},
                  {"id": "b", "role": "c", "duration": LOGN, "after": [{"step": "a", "p": 0.3}]},
                  {"id": "x", "role": "c", "duration": {"dist": "empirical", "values": [1, 2, 9]},
                   "after": [{"step": "a", "p": 0.7}]},
                  {"id": "j", "role": "c", "join": "any", "duration": 1, "after": ["b", "x"]}])
        assert_converges(ps.simulate(p, n=self.n, seed=2), ps.measure(p).lead_time)

    @pytest.mark.parametrize("mode", ["repeat", "once"])
    def test_rework_block(self, mode):
        p = proc([{"id": "a", "role": "c", "duration": TRI},
                  {"id": "b", "role": "d", "duration": LOGN, "after": ["a"],
                   "rework": {"to": "a", "p": 0.4, "mode": mode,
                              "delay": {"dist": "uniform", "low": 0, "high": 1}}},
                  {"id": "z", "role": "c", "duration": 1, "after": ["b"]}], handoff_delay=0.5)
        assert_converges(ps.simulate(p, n=self.n, seed=3), ps.measure(p).lead_time)

    def test_and_join_exceeds_the_flow_figure(self):
        # E[max(U1, U2)] = 2/3 * 10 for two uniform(0, 10); flow analysis says max of means = 5
        u = {"dist": "uniform", "low": 0, "high": 10}
        p = proc([{"id": "a", "role": "c", "duration": u}, {"id": "b", "role": "c", "duration": u},
                  {"id": "j", "role": "c", "after": ["a", "b"]}])
        sim = ps.simulate(p, n=self.n, seed=4)
        assert ps.measure(p).lead_time == 5
        assert sim.mean > 5 + 10 * sim.std / np.sqrt(sim.n)
        assert_converges(sim, 20 / 3)


class TestReproducibility:
    def test_same_seed_same_numbers(self, letter_process):
        a = ps.simulate(letter_process, n=3000, seed=7)
        b = ps.simulate(letter_process, n=3000, seed=7)
        np.testing.assert_array_equal(a.samples, b.samples)
        assert ps.simulate(letter_process, n=3000, seed=8).mean != a.mean

    def test_a_step_keeps_its_draws_when_another_changes(self):
        base = [{"id": "a", "role": "c", "duration": TRI},
                {"id": "b", "role": "c", "duration": 2, "after": ["a"]},
                {"id": "e", "role": "c", "duration": LOGN, "after": ["b"]}]
        slower = [dict(s) for s in base]
        slower[1]["duration"] = 3
        x, y = ps.simulate(proc(base), n=5000, seed=1), ps.simulate(proc(slower), n=5000, seed=1)
        np.testing.assert_allclose(y.samples - x.samples, 1.0)

    def test_more_samples_than_one_chunk(self):
        p = proc([{"id": "a", "role": "c", "duration": TRI}])
        sim = ps.simulate(p, n=2 * CHUNK + 5, seed=0)
        assert sim.samples.shape == (2 * CHUNK + 5,)
        assert len(np.unique(sim.samples)) == sim.n  # chunks draw different numbers
        assert_converges(sim, 3)


class TestResult:
    def test_intervals_bracket_their_estimates(self, letter_process):
        sim = ps.simulate(letter_process, n=5000, seed=0)
        for value, (lo, hi) in ((sim.mean, sim.mean_ci), (sim.p50, sim.p50_ci),
                                (sim.p90, sim.p90_ci), (sim.p95, sim.p95_ci)):
            assert lo <= value <= hi
        assert sim.p50 <= sim.p90 <= sim.p95
        assert sim.quantile(0.9) == pytest.approx(sim.p90)
        lo, hi = sim.quantile_ci(0.9, level=0.99)
        assert lo <= sim.p90_ci[0] and sim.p90_ci[1] <= hi
        assert "p90" in str(sim) and sim.to_dict()["n"] == 5000

    def test_critical_shares_split_between_random_branches(self):
        # two identical independent branches: each is critical about half the time
        p = proc([{"id": "a", "role": "c", "duration": TRI},
                  {"id": "b", "role": "c", "duration": TRI},
                  {"id": "j", "role": "c", "duration": 1, "after": ["a", "b"]}])
        crit = ps.simulate(p, n=20_000, seed=0).critical
        assert crit["j"] == 1.0
        assert crit["a"] + crit["b"] == pytest.approx(1.0)
        assert 0.45 < crit["a"] < 0.55

    def test_critical_shares_follow_the_accepted_rework_pass(self):
        p = proc([{"id": "a", "role": "c", "duration": 1},
                  {"id": "b", "role": "c", "duration": 1, "after": ["a"],
                   "rework": {"to": "a", "p": 0.5}},
                  {"id": "side", "role": "c", "duration": 1.5}])
        crit = ps.simulate(p, n=10_000, seed=0).critical
        assert crit["b"] == crit["a"] == 1.0 and crit["side"] == 0.0

    def test_xor_steps_are_critical_only_when_taken(self):
        p = proc([{"id": "a", "role": "c", "duration": 1},
                  {"id": "b", "role": "c", "duration": 1, "after": [{"step": "a", "p": 0.25}]},
                  {"id": "x", "role": "c", "duration": 1, "after": [{"step": "a", "p": 0.75}]},
                  {"id": "j", "role": "c", "join": "any", "after": ["b", "x"]}])
        crit = ps.simulate(p, n=40_000, seed=0).critical
        assert crit["a"] == crit["j"] == 1.0
        assert crit["b"] + crit["x"] == pytest.approx(1.0)
        assert abs(crit["b"] - 0.25) < 0.02

    @pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True])
    def test_bad_sample_count(self, letter_process, bad):
        # a wrong type is refused by the argument check, a wrong value by the range check
        with pytest.raises(ps.OptionError, match=r"n must be (a positive integer|an integer)"):
            ps.simulate(letter_process, n=bad)

    def test_bad_seed_and_critical(self, letter_process):
        with pytest.raises(ps.OptionError, match="seed"):
            ps.simulate(letter_process, n=10, seed=-1)
        with pytest.raises(ps.OptionError, match="critical"):
            ps.simulate(letter_process, n=10, critical="yes")
        assert ps.simulate(letter_process, n=10, critical=False).critical == {}
        assert ps.simulate(letter_process, n=10, seed=None).seed is not None


def finishes_within(seconds, fn, *args, **kwargs):
    """``fn``'s result, run in a daemon thread; a failure if it hangs (a hang detector only,
    generous: the thread is left behind and dies with the test run)."""
    out = {}

    def run():
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller below
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{fn.__name__} did not finish within {seconds} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


class TestDeepRework:
    """Issue 19, case 3: nested rework took one pass of numpy calls per send-back per depth."""

    def test_send_backs_are_geometric(self):
        # one step of 1 day sent back to itself at p .5: the lead time is the number of runs
        p = proc([{"id": "a", "role": "c", "duration": 1, "rework": {"to": "a", "p": 0.5}}])
        sim = ps.simulate(p, n=40_000, seed=0)
        for k in (1, 2, 3, 4):
            share = float(np.mean(sim.samples == k))
            assert abs(share - 0.5**k) < 4 * np.sqrt(0.5**k * (1 - 0.5**k) / sim.n), (k, share)
        once = proc([{"id": "a", "role": "c", "duration": 1,
                      "rework": {"to": "a", "p": 0.3, "mode": "once", "delay": 2}}])
        runs = ps.simulate(once, n=40_000, seed=0).samples
        assert set(np.unique(runs)) == {1.0, 4.0}  # 1, or 1 + return 2 + 1
        assert abs(np.mean(runs == 4.0) - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 40_000)

    def test_nested_blocks_against_an_independent_simulation(self):
        # a plain-Python simulation of nested_rework_dict(3, p): each pass of block d takes
        # e (1) + max(a 2 or b 0 at .5, block d - 1), sent back with probability p
        p_back, depth, n = 0.5, 3, 20_000
        rng = random.Random(7)

        def block(d):
            total = 0.0
            while True:
                inner = block(d - 1) if d > 1 else 0.0
                total += 1 + max(2.0 if rng.random() < 0.5 else 0.0, inner)
                if rng.random() >= p_back:
                    return total

        ref = np.array([3 + block(depth) for _ in range(n)])  # after a chain of 3 days
        sim = ps.simulate(ps.Process.model_validate(nested_rework_dict(depth, p_back)), n=n,
                          seed=0)
        se = np.hypot(ref.std(ddof=1), sim.std) / np.sqrt(n)
        assert abs(sim.mean - ref.mean()) < 5 * se, (sim.mean, ref.mean(), se)
        assert abs(sim.p90 - np.quantile(ref, 0.9)) <= 2.0  # lead times are whole days

    def test_deep_nesting_finishes(self):
        # five nested blocks at p .7: the innermost steps run 3.3^5 = 412 times per case; the
        # old engine took minutes here (84 s for 10,000 cases), this takes seconds
        p = ps.Process.model_validate(nested_rework_dict(5, 0.7))
        assert max(runs_per_case(p.analysis)) == pytest.approx((1 / 0.3) ** 5)
        sim = finishes_within(30, ps.simulate, p, n=10_000, seed=0)
        assert np.all(np.isfinite(sim.samples)) and sim.samples.min() >= 3 + 5

    def test_refuses_work_that_explodes(self):
        # seven nested blocks at p .7: 3.3^7 = 4,572 runs of e1 per case, refused up front
        p = ps.Process.model_validate(nested_rework_dict(7, 0.7))
        with pytest.raises(ps.SimulationError, match=r"'e1' would run 4,572 times per case"):
            finishes_within(10, ps.simulate, p, n=10)

    @settings(max_examples=25)
    @given(process=deep_processes())
    def test_any_deep_process_finishes_or_is_refused(self, process):
        if max(runs_per_case(process.analysis)) > MAX_RUNS_PER_CASE:
            with pytest.raises(ps.SimulationError, match="nested rework"):
                ps.simulate(process, n=200, seed=0)
            return
        sim = finishes_within(60, ps.simulate, process, n=200, seed=0)
        assert np.all(np.isfinite(sim.samples)) and np.all(sim.samples >= 0)
