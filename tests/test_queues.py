"""Contention mode (issue 12): cases queue for the staff of each role.

Checked against Erlang C written here (M/M/c, c = 1, 2, 5, loads up to 0.9), against
hand computations on deterministic cases, and against the no-queue engine: with
unlimited staff and ``work`` equal to ``duration`` the lead times have its distribution.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp.queues import replication_interval, t975
from tests.strategies import process_dicts


def one_step(mean_work: float, dist: str = "exponential") -> ps.Process:
    return ps.Process.model_validate({
        "levels": ["s"], "time_unit": "hour", "roles": [{"id": "r", "level": "s"}],
        "steps": [{"id": "a", "role": "r", "duration": 1,
                   "work": {"dist": dist, "mean": mean_work}}]})


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and mean queue wait of M/M/c, from the textbook formula (Kleinrock, vol. 1,
    eq. 3.40): C(c, a) = a^c/c! / (1 - rho) / (sum_{k<c} a^k/k! + a^c/c! / (1 - rho))."""
    a = lam / mu
    rho = a / c
    head = sum(a ** k / math.factorial(k) for k in range(c))
    tail = a ** c / math.factorial(c) / (1 - rho)
    p_wait = tail / (head + tail)
    return p_wait, p_wait / (c * mu - lam)


def test_erlang_c_oracle_matches_published_figures():
    # the oracle itself: M/M/1 lambda 0.5, mu 1 (Wq = 1.0) and the call-centre example of
    # the issue (100 calls per 30 min, 180 s, 14 agents: P(wait) 0.1741319, Wq 7.836 s)
    assert erlang_c(0.5, 1.0, 1) == pytest.approx((0.5, 1.0))
    pw, wq = erlang_c(100 / 1800, 1 / 180, 14)
    assert pw == pytest.approx(0.1741319, abs=1e-7)
    assert wq == pytest.approx(7.836, abs=5e-4)


@pytest.mark.parametrize("c", [1, 2, 5])
@pytest.mark.parametrize("rho", [0.5, 0.75, 0.9])
def test_mmc_mean_wait_within_its_own_interval(c, rho):
    mu = 1.0
    lam = rho * c * mu
    # one fixed seed for all nine: each check is a 95 % interval, so some seed fails one of
    # them by chance (seed 1 misses M/M/1 at 0.5 by 0.2 %); the coverage test below checks
    # that the intervals cover as often as they claim
    r = ps.simulate(one_step(1 / mu), 60_000, seed=0, queues=True,
                    arrivals={"rate": lam, "per": "hour"}, staff={"r": c}, warmup=3000)
    role = r.roles["r"]
    p_wait, wq = erlang_c(lam, mu, c)
    lo, hi = role.wait_ci
    assert lo <= wq <= hi, (role.wait, role.wait_ci, wq)
    assert role.utilisation_ci[0] <= rho <= role.utilisation_ci[1]
    assert role.p_wait_ci[0] <= p_wait <= role.p_wait_ci[1]
    # the lead time is the wait plus the service: 1/mu + Wq
    assert r.mean_ci[0] <= wq + 1 / mu <= r.mean_ci[1]
    assert role.offered == pytest.approx(rho)


def test_mm1_intervals_cover_as_often_as_they_claim():
    # 24 seeds of M/M/1 at utilisation 0.7: the 95 % interval of the mean wait should miss
    # the exact 7/3 about once; at least 20 hits (P(fewer | 95 %) < 0.01, binomial)
    hits = 0
    for seed in range(24):
        r = ps.simulate(one_step(1.0), 10_000, seed=seed, queues=True,
                        arrivals={"rate": 0.7, "per": "hour"})
        lo, hi = r.roles["r"].wait_ci
        hits += lo <= 0.7 / 0.3 <= hi
    assert hits >= 20


def parallel_pair(interarrival: float = 10.0) -> ps.Process:
    return ps.Process.model_validate({
        "levels": ["s"], "time_unit": "hour", "roles": [{"id": "r", "level": "s"},
                                                         {"id": "desk", "level": "s"}],
        "steps": [{"id": "in", "role": "desk", "duration": 0},
                  {"id": "a", "role": "r", "duration": 5, "work": 1, "after": ["in"]},
                  {"id": "b", "role": "r", "duration": 5, "work": 1, "after": ["in"]},
                  {"id": "out", "role": "desk", "duration": 0.5, "after": ["a", "b"]}]})


def test_two_parallel_steps_of_one_person_wait_for_each_other():
    # by hand: every 10 h a case splits into a and b for the one person of role r (1 h
    # each); one of them waits 1 h, so the lead time is 1 + 1 + 0.5 = 2.5 h, the wait per
    # visit 0.5 h, half the visits wait, and r is busy 2 h in every 10: 20 %
    r = ps.simulate(parallel_pair(), 500, seed=3, queues=True,
                    arrivals={"interarrival": 10.0}, replications=5)
    assert np.all(r.samples == 2.5)
    role = r.roles["r"]
    assert role.wait == 0.5 and role.p_wait == 0.5 and role.wait_per_case == 1.0
    assert role.utilisation == pytest.approx(0.2, rel=1e-12)
    assert role.visits == 2.0
    assert "desk" not in r.roles  # no queueing step: it occupies no one
    # two people: nobody waits
    r2 = ps.simulate(parallel_pair(), 500, seed=3, queues=True,
                     arrivals={"interarrival": 10.0}, staff={"r": 2}, replications=5)
    assert np.all(r2.samples == 1.5) and r2.roles["r"].wait == 0.0
    assert r2.roles["r"].utilisation == pytest.approx(0.1, rel=1e-12)


def test_availability_stretches_the_service():
    # a person giving half their time serves a 1 h job in 2 h
    r = ps.simulate(parallel_pair(), 200, seed=3, queues=True, arrivals={"interarrival": 10.0},
                    staff={"r": 2}, availability={"r": 0.5}, replications=2)
    assert np.all(r.samples == 2.5)
    assert r.roles["r"].utilisation == pytest.approx(0.2, rel=1e-12)
    assert r.roles["r"].offered == pytest.approx(0.2)


def test_deterministic_for_a_seed_and_different_across_seeds():
    p = one_step(0.8)
    a = ps.simulate(p, 3000, seed=5, queues=True, arrivals={"rate": 1, "per": "hour"})
    b = ps.simulate(p, 3000, seed=5, queues=True, arrivals={"rate": 1, "per": "hour"})
    c = ps.simulate(p, 3000, seed=6, queues=True, arrivals={"rate": 1, "per": "hour"})
    assert np.array_equal(a.samples, b.samples) and a.to_dict() == b.to_dict()
    assert not np.array_equal(a.samples, c.samples)


def test_unstable_role_is_flagged_never_a_finite_wait():
    p = one_step(1.0)
    with pytest.warns(UserWarning, match="grows without bound"):
        r = ps.simulate(p, 2000, seed=0, queues=True, arrivals={"rate": 1.2, "per": "hour"})
    assert r.unstable == ("r",)
    assert r.roles["r"].unstable and r.roles["r"].offered == pytest.approx(1.2)
    assert math.isinf(r.roles["r"].wait) and math.isinf(r.roles["r"].wait_per_case)
    assert "unbounded" in str(r) and "grows without bound" in str(r)
    assert r.to_dict()["roles"]["r"]["wait"] is None


def test_an_overloaded_office_with_send_backs_stops_with_a_clear_error_not_a_memory_kill():
    # one clerk offered 300 % of their time, and half the files are sent back: each
    # send-back queues behind every case that arrived meanwhile, so the measured cases
    # never catch up; before the bound this grew past 24 GB. The run stops at the bound
    # (queues.MAX_OVERRUN) and names the overloaded role with its offered load.
    p = ps.Process.model_validate({
        "levels": ["s"], "time_unit": "hour", "roles": [{"id": "clerk", "level": "s"}],
        "arrivals": {"rate": 1, "per": "hour"},
        "steps": [{"id": "a", "role": "clerk", "duration": 1, "work": 1.0},
                  {"id": "b", "role": "clerk", "duration": 1, "work": 2.0, "after": ["a"],
                   "rework": {"to": "a", "p": 0.5, "mode": "repeat"}}]})
    with warnings.catch_warnings(), pytest.raises(ps.SimulationError) as info:
        warnings.simplefilter("ignore")
        ps.simulate(p, 400, seed=0, queues=True)
    message = str(info.value)
    assert "'clerk' (600% of its staff's time)" in message
    assert "MAX_OVERRUN" in message and "ps.capacity" in message
    # the analytic side agrees it is unstable: 1 case an hour, 2 visits of a (1 h) and b (2 h)
    assert ps.capacity(p).roles["clerk"].utilisation == pytest.approx(6.0)


def test_result_keeps_the_simulation_result_shape():
    r = ps.simulate(one_step(0.5), 2000, seed=0, queues=True, arrivals={"rate": 1, "per": "hour"})
    assert isinstance(r, ps.SimulationResult)
    assert r.n == 2000 and len(r.samples) == 2000 and r.replications == 10
    assert r.mean == pytest.approx(float(r.samples.mean()))
    assert r.p90 == pytest.approx(r.quantile(0.9))
    text = str(r)
    assert "Workload by role" in text and "utilisation" in text
    assert [t.name for t in r.tables().tables][-1] == "roles"
    assert r.tables().tables[-1].rows[0][0] == "r"
    d = r.to_dict()
    assert d["replications"] == 10 and d["roles"]["r"]["visits"] == 1.0


def test_replication_interval_is_a_student_t_interval():
    x = np.array([2.0, 4.0, 9.0, 5.0])
    lo, hi = replication_interval(x)
    half = 3.182 * x.std(ddof=1) / 2.0  # t(0.975, 3) = 3.182 (tables)
    assert (lo, hi) == pytest.approx((x.mean() - half, x.mean() + half))
    assert t975(1) == 12.706 and t975(1000) == pytest.approx(1.9623, abs=1e-3)


def test_rates_per_calendar_period_use_working_time():
    base = {"levels": ["s"], "roles": [{"id": "c", "level": "s"}],
            "steps": [{"id": "a", "role": "c"}]}
    plain = ps.Process.model_validate({**base, "time_unit": "hour"})
    cal = ps.Process.model_validate({**base, "time_unit": "hour",
                                     "calendar": {"workweek": ["mon", "tue", "wed", "thu"],
                                                  "hours_per_day": 6}})
    from procsimp.queues import rate_per_unit
    assert rate_per_unit(24, "day", plain) == pytest.approx(1.0)  # calendar hours
    assert rate_per_unit(24, "week", cal) == pytest.approx(1.0)  # 4 days x 6 working hours
    # a year of 365.25/7 weeks of 4 working days of 6 hours
    assert rate_per_unit(1000, "year", cal) == pytest.approx(1000 / (365.25 / 7 * 4 * 6))
    assert rate_per_unit(1000, "month", cal) == pytest.approx(12000 / (365.25 / 7 * 4 * 6))


@pytest.mark.parametrize("kwargs, match", [
    ({}, "declares no arrivals"),
    ({"arrivals": {"rate": 0, "per": "hour"}}, "positive"),
    ({"arrivals": {"rate": 1, "per": "fortnight"}}, "per must be one of"),
    ({"arrivals": {"rate": 1, "interarrival": 2}}, "either rate"),
    ({"arrivals": {"rate": 1}, "replications": 0}, "replications"),
    ({"arrivals": {"rate": 1}, "warmup": -1}, "warmup"),
    ({"arrivals": {"rate": 1}, "staff": {"r": 0}}, "staff"),
    ({"arrivals": {"rate": 1}, "availability": {"r": 1.5}}, "availability"),
])
def test_bad_workload_options_are_clear(kwargs, match):
    with pytest.raises(ps.OptionError, match=match):
        ps.simulate(one_step(0.5), 100, seed=0, queues=True, **kwargs)


def test_workload_options_need_queues():
    with pytest.raises(ps.OptionError, match="only with queues=True"):
        ps.simulate(one_step(0.5), 100, seed=0, staff={"r": 2})


def _unlimited(raw: dict) -> ps.Process:
    for s in raw["steps"]:
        s["work"] = s.get("duration", 0.0)
    return ps.Process.model_validate(raw)


@settings(max_examples=12, deadline=None)
@given(process_dicts(choices=True, rework=True, max_steps=7), st.integers(0, 2 ** 16))
def test_unlimited_staff_reproduces_the_no_queue_lead_time(raw, seed):
    p = _unlimited(raw)
    staff = {r.id: math.inf for r in p.roles}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = ps.simulate(p, 3000, seed=seed, queues=True, arrivals={"rate": 1, "per": "day"},
                        staff=staff, replications=3, warmup=0)
        plain = ps.simulate(p, 3000, seed=seed)
    for role in q.roles.values():
        assert role.wait == 0.0 and role.p_wait == 0.0
    # cases do not interact: the two samples are independent draws of one distribution
    se = math.sqrt(q.std ** 2 / q.n + plain.std ** 2 / plain.n)
    assert abs(q.mean - plain.mean) <= 4.5 * se + 1e-9 * (1 + abs(plain.mean))
    if plain.std == 0:
        assert np.allclose(q.samples, plain.samples[0])


def test_unlimited_staff_distribution_matches_on_a_rich_process():
    # parallel split, exclusive choice, join any, nested rework with delay and revision
    raw = {"levels": ["s"], "time_unit": "day", "handoff_delay": {"dist": "uniform", "low": 0,
                                                                  "high": 0.4},
           "roles": [{"id": "a", "level": "s"}, {"id": "b", "level": "s"}],
           "steps": [
               {"id": "s", "role": "a", "duration": {"dist": "exponential", "mean": 1}},
               {"id": "x", "role": "b", "duration": {"dist": "gamma", "mean": 2, "sd": 1},
                "after": [{"step": "s", "p": 0.3}]},
               {"id": "y", "role": "a", "duration": 0.5, "after": [{"step": "s", "p": 0.7}]},
               {"id": "j", "role": "b", "join": "any", "duration": 1, "after": ["x", "y"]},
               {"id": "k", "role": "a", "duration": {"dist": "exponential", "mean": 0.7},
                "after": ["j"], "rework": {"to": "k", "p": 0.3, "mode": "once"}},
               {"id": "m", "role": "b", "duration": 1.5, "after": ["j"]},
               {"id": "e", "role": "a", "duration": 0.2, "after": ["k", "m"],
                "rework": {"to": "s", "p": 0.35, "delay": 0.5, "revision": 1}}]}
    p = _unlimited(raw)
    staff = {"a": math.inf, "b": math.inf}
    q = ps.simulate(p, 20_000, seed=2, queues=True, arrivals={"rate": 3, "per": "day"},
                    staff=staff, replications=4, warmup=0)
    plain = ps.simulate(p, 20_000, seed=9)
    for prob in (0.1, 0.25, 0.5, 0.75, 0.9, 0.97):
        lo, hi = plain.quantile_ci(prob, 0.999)
        assert lo <= q.quantile(prob) <= hi or abs(q.quantile(prob) - plain.quantile(prob)) < 0.05
    se = math.sqrt(q.std ** 2 / q.n + plain.std ** 2 / plain.n)
    assert abs(q.mean - plain.mean) <= 4 * se


def test_capacity_ggc_approximation_within_ten_percent_of_the_simulation():
    # issue 12: G/G/3, gamma inter-arrival mean 5 (sd 6), gamma work mean 12 (sd 15)
    p = ps.Process.model_validate({
        "levels": ["s"], "time_unit": "minute",
        "arrivals": {"interarrival": {"dist": "gamma", "mean": 5, "sd": 6}},
        "roles": [{"id": "r", "level": "s", "staff": 3}],
        "steps": [{"id": "a", "role": "r", "duration": 12,
                   "work": {"dist": "gamma", "mean": 12, "sd": 15}}]})
    approx = ps.capacity(p).roles["r"]
    sim = ps.simulate(p, 200_000, seed=0, queues=True, warmup=5000).roles["r"]
    assert approx.method != "erlang_c"
    assert sim.utilisation_ci[0] <= 0.8 <= sim.utilisation_ci[1]
    assert abs(approx.wait - sim.wait) <= 0.10 * sim.wait, (approx.wait, sim.wait, sim.wait_ci)


def test_model_fields_drive_the_contention_mode():
    # staff and availability from the roles, arrivals from the process (no overrides)
    p = ps.Process.model_validate({
        "levels": ["s"], "time_unit": "hour", "arrivals": {"rate": 8, "per": "day"},
        "roles": [{"id": "r", "level": "s", "staff": 2, "availability": 0.5}],
        "steps": [{"id": "a", "role": "r", "duration": 1, "work": 1}]})
    r = ps.simulate(p, 500, seed=0, queues=True, replications=2)
    # 8 a day = 1/3 an hour (continuous time); each job takes 2 h at half time, 2 staff
    assert r.arrival_rate == pytest.approx(1 / 3)
    assert r.roles["r"].offered == pytest.approx(1 / 3 * 2 / 2)
    assert r.roles["r"].staff == 2 and r.roles["r"].availability == 0.5
