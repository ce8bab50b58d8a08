"""Monte Carlo simulation: exactness on fixed durations, convergence, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import procsimp as ps
from procsimp.simulate import CHUNK

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
        with pytest.raises(ps.OptionError, match="n must be a positive integer"):
            ps.simulate(letter_process, n=bad)

    def test_bad_seed_and_critical(self, letter_process):
        with pytest.raises(ps.OptionError, match="seed"):
            ps.simulate(letter_process, n=10, seed=-1)
        with pytest.raises(ps.OptionError, match="critical"):
            ps.simulate(letter_process, n=10, critical="yes")
        assert ps.simulate(letter_process, n=10, critical=False).critical == {}
        assert ps.simulate(letter_process, n=10, seed=None).seed is not None
