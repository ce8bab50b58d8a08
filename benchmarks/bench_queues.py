"""Benchmark of the contention mode (issue 12): ``ps.simulate(queues=True)`` against SimPy.

The model: 50 steps on 10 roles. A file runs through five stages of ten steps;
in each stage step 1 splits into two parallel branches of four steps that join
at step 10; each step's touch time is exponential or gamma; each role has the
staff that keeps it near 70 % utilisation at one case per hour. 10,000 measured
cases in 10 replications (1,000 warm-up cases each discarded).

The SimPy model is the one a competent analyst would write: one
``simpy.Resource`` per role (first come, first served, ``capacity`` = staff),
one SimPy process per case that requests the role's resource for every step,
and the parallel branches as two sub-processes joined with ``AllOf``. Draws
are taken from numpy arrays drawn up front (the cheapest way to feed SimPy).
Both run in the same process, one after the other; the ratio is SimPy's CPU
time over procsimp's (CPU time, not wall time: the machine may be shared).

Prosimos, when installed, runs the same model (``ps.save``'s BPMN and the JSON of
``benchmarks/prosimos_model.py``) in the same run; it has no replications, so
it simulates ``PROSIMOS_CASES`` cases once and the two are compared per
simulated case.

Run: ``python benchmarks/bench_queues.py`` (or ``python benchmarks/run.py --only queues``).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import procsimp as ps  # noqa: E402

STAGES, ROLES, RATE = 5, 10, 1.0
CASES, REPS, WARMUP = 10_000, 10, 1_000
SPEEDUP_TARGET = 10.0
#: Cases of the Prosimos run (about 4 ms each: 2,000 take some 9 s).
PROSIMOS_CASES = 2_000


def model(seed: int = 0) -> tuple[ps.Process, dict[str, int]]:
    """The 50-step, 10-role process and the staff of each role."""
    rng = np.random.default_rng(seed)
    roles = [f"r{i}" for i in range(ROLES)]
    steps: list[dict[str, Any]] = []
    load = dict.fromkeys(roles, 0.0)
    k = 0
    prev: str | None = None
    for s in range(STAGES):
        ids = [f"s{s}_{i}" for i in range(10)]
        for i, sid in enumerate(ids):
            role = roles[k % ROLES]
            k += 1
            mean = float(rng.uniform(0.3, 1.2))
            work = ({"dist": "exponential", "mean": mean} if i % 2 else
                    {"dist": "gamma", "mean": mean, "sd": mean * float(rng.uniform(0.5, 1.5))})
            if i == 0:
                after = [prev] if prev else []
            elif i in (1, 5):
                after = [ids[0]]
            elif i == 9:
                after = [ids[4], ids[8]]
            else:
                after = [ids[i - 1]]
            steps.append({"id": sid, "role": role, "duration": mean, "work": work,
                          "after": after})
            load[role] += RATE * mean
        prev = ids[9]
    staff = {r: max(1, math.ceil(load[r] / 0.7)) for r in roles}
    proc = ps.Process.model_validate({
        "name": "bench_queues", "time_unit": "hour", "levels": ["staff"],
        "roles": [{"id": r, "level": "staff"} for r in roles], "steps": steps})
    return proc, staff


def simpy_run(proc: ps.Process, staff: dict[str, int], seed: int) -> np.ndarray:
    """One replication in SimPy: the measured cases' lead times."""
    import simpy

    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    res = {r: simpy.Resource(env, capacity=c) for r, c in staff.items()}
    per = CASES // REPS
    total = WARMUP + per
    steps = proc.steps
    # draws up front: one array per step (an analyst's fastest option)
    draws = []
    for s in steps:
        w = s.work
        assert w is not None
        draws.append(ps.durations.sample(w, rng, total + total // 2).tolist())
    role = [s.role for s in steps]
    lead = np.full(per, np.nan)
    done = [0]
    stop = env.event()

    def serve(v: int, i: int):
        with res[role[v]].request() as req:
            yield req
            yield env.timeout(draws[v][i])

    def branch(first: int, i: int):
        for v in range(first, first + 4):
            yield from serve(v, i)

    def case(i: int):
        start = env.now
        for s in range(STAGES):
            base = 10 * s
            yield from serve(base, i)
            yield env.all_of([env.process(branch(base + 1, i)), env.process(branch(base + 5, i))])
            yield from serve(base + 9, i)
        if WARMUP <= i < total:
            lead[i - WARMUP] = env.now - start
            done[0] += 1
            if done[0] == per:
                stop.succeed()

    def source():
        i = 0
        gaps = rng.exponential(1 / RATE, total + total // 2).tolist()
        while i < len(gaps):
            yield env.timeout(gaps[i])
            env.process(case(i))
            i += 1

    env.process(source())
    env.run(until=stop)
    return lead


def main() -> dict[str, float]:
    proc, staff = model()

    def ours() -> ps.SimulationResult:
        return ps.simulate(proc, CASES, seed=0, queues=True, replications=REPS, warmup=WARMUP,
                           arrivals={"rate": RATE, "per": "hour"}, staff=staff)

    # the machine may be shared: procsimp runs before and after SimPy, and its mean time is
    # compared, so a change of load during the run shifts both sides alike
    t = time.process_time()
    res = ours()
    t_before = time.process_time() - t
    t = time.process_time()
    simpy_lead = np.concatenate([simpy_run(proc, staff, 100 + k) for k in range(REPS)])
    t_simpy = time.process_time() - t
    t = time.process_time()
    again = ours()
    t_after = time.process_time() - t
    assert np.array_equal(res.samples, again.samples)  # deterministic for a seed
    t_ours = (t_before + t_after) / 2
    ratio = t_simpy / t_ours
    print(f"contention mode, {len(proc.steps)} steps, {ROLES} roles, {CASES:,} cases "
          f"({REPS} replications, {WARMUP:,} warm-up each)")
    print(f"  procsimp   {t_ours:8.2f} s   (runs of {t_before:.2f} s and {t_after:.2f} s)")
    print(f"             {'':8}     mean lead time {res.mean:.2f} h "
          f"[{res.mean_ci[0]:.2f}, {res.mean_ci[1]:.2f}]")
    print(f"  SimPy      {t_simpy:8.2f} s   mean lead time {simpy_lead.mean():.2f} h")
    verdict = "met" if ratio >= SPEEDUP_TARGET else "NOT met"
    print(f"  speed-up   {ratio:8.1f}x  (target >= {SPEEDUP_TARGET:.0f}x: {verdict})")
    out = {"procsimp": t_ours, "simpy": t_simpy, "ratio": ratio}
    out.update(prosimos(proc, staff, t_ours))
    return out


def prosimos(proc: ps.Process, staff: dict[str, int], t_ours: float) -> dict[str, float]:
    """Prosimos on the same model (one run of PROSIMOS_CASES cases: it has no replications),
    compared per simulated case with procsimp's run above (20,000 simulated cases with
    the warm-ups). Skipped, saying so, when Prosimos is not installed."""
    try:
        from prosimos.simulation_engine import run_simulation
    except ImportError:
        print("  Prosimos   not installed: `pip install prosimos` in a separate environment "
              "(see benchmarks/prosimos_model.py) to compare")
        return {}
    import tempfile

    from benchmarks.prosimos_model import write

    with tempfile.TemporaryDirectory() as tmp:
        bpmn, params = write(proc, staff, RATE, Path(tmp))
        t = time.process_time()
        kpi, _ = run_simulation(str(bpmn), str(params), PROSIMOS_CASES,
                                starting_at="2025-01-06T00:00:00+00:00")
        t_pros = time.process_time() - t
    ours_cases = REPS * (WARMUP + CASES // REPS)
    per_ours, per_pros = t_ours / ours_cases, t_pros / PROSIMOS_CASES
    mean_h = kpi[0].cycle_time.avg / 3600.0
    print(f"  Prosimos   {t_pros:8.2f} s   for {PROSIMOS_CASES:,} cases (one run, no warm-up), "
          f"mean cycle time {mean_h:.2f} h")
    ratio = per_pros / per_ours
    print(f"  per simulated case: procsimp {per_ours * 1e6:,.0f} us, Prosimos "
          f"{per_pros * 1e6:,.0f} us: procsimp {ratio:,.0f}x faster "
          f"({'met' if ratio > 1 else 'NOT met'}: faster than Prosimos)")
    return {"prosimos": t_pros, "prosimos_cases": PROSIMOS_CASES, "prosimos_ratio": ratio}


if __name__ == "__main__":
    main()
