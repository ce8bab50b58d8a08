"""The contention mode against an independent simulation written with SimPy (issue 12).

The SimPy model below is written from the process's description, not from procsimp's
engine: each case is a SimPy process that requests its role's ``simpy.Resource``
(first come, first served) for every queueing step, follows the exclusive choice by
its probability and repeats the rework block while it draws a send-back. Both run 10
independent replications with a warm-up; their figures must agree within the two
intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import procsimp as ps

simpy = pytest.importorskip("simpy")

RATE = 0.8  # cases per hour
STAFF = {"clerk": 2, "expert": 1, "head": 1}
AVAILABILITY = {"clerk": 1.0, "expert": 1.0, "head": 0.5}
REPS, WARMUP, PER_REP = 10, 500, 3000

PROCESS = {
    "name": "permit", "time_unit": "hour", "levels": ["staff", "head"],
    "roles": [{"id": "clerk", "level": "staff"}, {"id": "expert", "level": "staff"},
              {"id": "head", "level": "head"}],
    "steps": [
        {"id": "intake", "role": "clerk", "duration": 1,
         "work": {"dist": "exponential", "mean": 0.5}},
        {"id": "expert_check", "role": "expert", "duration": 2,
         "work": {"dist": "gamma", "mean": 1.5, "sd": 1.0},
         "after": [{"step": "intake", "p": 0.3}]},
        {"id": "quick_check", "role": "clerk", "duration": 1,
         "work": {"dist": "exponential", "mean": 0.4}, "after": [{"step": "intake", "p": 0.7}]},
        {"id": "review", "role": "head", "join": "any", "duration": 1,
         "work": {"dist": "exponential", "mean": 0.2}, "after": ["expert_check", "quick_check"],
         "rework": {"to": "intake", "p": 0.2, "delay": 1.0}},
        {"id": "sign", "role": "head", "duration": 1, "work": {"dist": "exponential", "mean": 0.15},
         "after": [{"step": "review", "delay": 0.25}]},
    ]}


def simpy_replication(seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    res = {r: simpy.Resource(env, capacity=c) for r, c in STAFF.items()}
    total = WARMUP + PER_REP
    lead = np.full(PER_REP, np.nan)
    waits: dict[str, list[float]] = {r: [] for r in STAFF}
    busy = dict.fromkeys(STAFF, 0.0)
    arrivals = np.cumsum(rng.exponential(1 / RATE, total))
    t0, t1 = arrivals[WARMUP], arrivals[-1]
    done = [0]
    stop = env.event()

    def serve(role: str, work: float, measured: bool):
        asked = env.now
        with res[role].request() as req:
            yield req
            if measured:
                waits[role].append(env.now - asked)
            took = work / AVAILABILITY[role]
            busy[role] += max(0.0, min(env.now + took, t1) - max(env.now, t0))
            yield env.timeout(took)

    def case(i: int):
        measured = WARMUP <= i < total
        start = env.now
        while True:
            yield from serve("clerk", rng.exponential(0.5), measured)
            if rng.random() < 0.3:
                yield from serve("expert", rng.gamma((1.5 / 1.0) ** 2, 1.0 ** 2 / 1.5), measured)
            else:
                yield from serve("clerk", rng.exponential(0.4), measured)
            yield from serve("head", rng.exponential(0.2), measured)
            if rng.random() < 0.2:
                yield env.timeout(1.0)
                continue
            break
        yield env.timeout(0.25)
        yield from serve("head", rng.exponential(0.15), measured)
        if measured:
            lead[i - WARMUP] = env.now - start
            done[0] += 1
            if done[0] == PER_REP:
                stop.succeed()

    def source():
        i, t = 0, 0.0
        while True:  # arrivals go on until the measured cases are done
            nxt = arrivals[i] if i < total else t + rng.exponential(1 / RATE)
            yield env.timeout(nxt - t)
            t = nxt
            env.process(case(i))
            i += 1

    env.process(source())
    env.run(until=stop)
    return {"lead": lead, "wait": {r: float(np.mean(w)) for r, w in waits.items()},
            "util": {r: busy[r] / (STAFF[r] * (t1 - t0)) for r in STAFF}}


def interval(values: list[float]) -> tuple[float, float]:
    x = np.asarray(values)
    half = 2.262 * x.std(ddof=1) / math.sqrt(len(x))  # t(0.975, 9)
    return float(x.mean()), half


@pytest.fixture(scope="module")
def both():
    p = ps.Process.model_validate(PROCESS)
    ours = ps.simulate(p, REPS * PER_REP, seed=11, queues=True, replications=REPS, warmup=WARMUP,
                       arrivals={"rate": RATE, "per": "hour"}, staff=STAFF,
                       availability=AVAILABILITY)
    reps = [simpy_replication(1000 + k) for k in range(REPS)]
    return ours, reps


def agree(ours: float, ci: tuple[float, float], theirs: tuple[float, float]) -> bool:
    half = (ci[1] - ci[0]) / 2
    return abs(ours - theirs[0]) <= 1.5 * math.hypot(half, theirs[1])


def test_loads_are_those_of_the_hand_computation(both):
    ours, _ = both
    # visits per case: intake 1/(1-0.2) = 1.25, quick 0.7 x 1.25, expert 0.3 x 1.25
    assert ours.roles["clerk"].offered == pytest.approx(RATE * (1.25 * 0.5 + 0.875 * 0.4) / 2)
    assert ours.roles["expert"].offered == pytest.approx(RATE * 0.375 * 1.5)
    assert ours.roles["head"].offered == pytest.approx(RATE * (1.25 * 0.2 + 0.15) / 0.5)


def test_lead_time_agrees_with_simpy(both):
    ours, reps = both
    theirs = interval([float(np.mean(r["lead"])) for r in reps])
    assert agree(ours.mean, ours.mean_ci, theirs), (ours.mean, ours.mean_ci, theirs)
    theirs90 = interval([float(np.quantile(r["lead"], 0.9)) for r in reps])
    assert agree(ours.p90, ours.p90_ci, theirs90), (ours.p90, ours.p90_ci, theirs90)


@pytest.mark.parametrize("role", sorted(STAFF))
def test_waits_and_utilisation_agree_with_simpy(both, role):
    ours, reps = both
    r = ours.roles[role]
    theirs = interval([rep["wait"][role] for rep in reps])
    assert agree(r.wait, r.wait_ci, theirs), (role, r.wait, r.wait_ci, theirs)
    util = interval([rep["util"][role] for rep in reps])
    assert agree(r.utilisation, r.utilisation_ci, util), (role, r.utilisation, util)
    assert r.utilisation == pytest.approx(r.offered, rel=0.05)
