"""Benchmarks of procsimp: simulation speed against SimPy, simulation memory, measure scaling.

Run from the repository root::

    python benchmarks/run.py            # the full suite (about a minute)
    python benchmarks/run.py --quick    # a smoke run (a few seconds of SimPy, smaller graphs)

Sections, each printed as a compact table (see benchmarks/README.md):

1. speed: ``ps.simulate`` on a layered process (default 1,000 steps, 10,000 samples)
   against a hand-written SimPy model of the same graph run in the same process,
   per sample, with the speed-up ratio and both means (target: >= 300x, means
   within 3 %);
2. memory: peak RSS of a fresh subprocess that builds a 10,000-step process and
   simulates 10,000 samples, next to a subprocess that only builds it, and the
   simulation's own peak allocation by tracemalloc (target: < 600 MB);
3. measure: ``ps.measure`` on 100,000 steps and on 10,000 steps, with the ratio
   (linear scaling gives about 10x; target: a few seconds on 100,000);
5. time: ``ps.simulate`` with a working calendar, start dates and four deadlines
   against the plain simulation of the same process in the same run (target: <= 2x);
6. capacity: ``ps.capacity`` on a 10,000-step process with arrivals, staff and work,
   next to ``ps.measure`` on it in the same run (target: < 1 s).
7. evidence: calibrating the receipt model, ``ps.read_log`` on 1,000,000 events against
   pandas alone in the same run (target: <= 2x), peak memory (benchmarks/bench_evidence.py).
9. scale: ``import procsimp``, validation, the default pipeline plus measure and measure
   on 100,000 steps (width 50), growth from 10,000 (benchmarks/bench_scale.py);
10. load: ``ps.load`` of a 1,000,000-step JSON file against json and pandas, peak RSS.
8. seek: ``ps.seek`` with 30 candidate moves on 100, 200 and 1,000 steps, its time as a
   multiple of one ``ps.measure`` and the gap it reports (target: under a minute on 200).
11. cli: ``procsimp --help`` and ``procsimp validate`` start-up against a bare interpreter,
    and whether they import matplotlib (target: --help < 0.5 s, no matplotlib).
12. compare: ``ps.compare`` at n = 1,000,000 against its two ``ps.simulate`` calls
    (target: <= 3x; benchmarks/bench_cli.py).

Timings use ``time.perf_counter``; "best" is the best of ``--repeats`` runs.
Nothing here asserts on timings: the figures are for people to read.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make procsimp and benchmarks importable
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import procsimp as ps  # noqa: E402
from benchmarks.generate import layered_process  # noqa: E402

SPEEDUP_TARGET = 300.0
MEAN_TOLERANCE = 0.03
MEMORY_TARGET_MB = 600.0


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best wall time of ``repeats`` calls, and the last result."""
    best, out = math.inf, None
    for _ in range(max(1, repeats)):
        t, out = _timed(fn)
        best = min(best, t)
    return best, out


def _fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _table(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Print rows of (figure, value, note) under a title."""
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"\n{title}\n{'-' * len(title)}")
    for name, value, note in rows:
        print(f"  {name:<{w0}}  {value:>{w1}}  {note}".rstrip())


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# --- 1. speed against SimPy ---------------------------------------------------------------


def bench_speed(args: argparse.Namespace) -> None:
    from benchmarks.simpy_baseline import SimpyModel

    t_build, proc = _timed(lambda: layered_process(args.steps, args.width, args.seed,
                                                   with_choices=args.choices))
    n_edges = sum(len(s.after) for s in proc.steps)
    t_cold, _ = _timed(lambda: ps.simulate(proc, n=args.samples, seed=0))
    t_best, res = _best(lambda: ps.simulate(proc, n=args.samples, seed=0), args.repeats)
    t_best = min(t_best, t_cold)
    model = SimpyModel(proc, seed=args.seed + 1)
    t_simpy, simpy_samples = _timed(lambda: model.run(args.simpy_reps))

    per_ps, per_ps_cold = t_best / args.samples, t_cold / args.samples
    per_simpy = t_simpy / args.simpy_reps
    ratio, ratio_cold = per_simpy / per_ps, per_simpy / per_ps_cold
    se_ps = res.std / math.sqrt(res.n)
    mean_simpy = float(simpy_samples.mean())
    se_simpy = float(simpy_samples.std(ddof=1) / math.sqrt(len(simpy_samples)))
    rel = (mean_simpy - res.mean) / res.mean
    z = (mean_simpy - res.mean) / math.hypot(se_ps, se_simpy)
    lead_time = ps.measure(proc).lead_time
    u = proc.time_unit

    _table(
        f"1. ps.simulate vs SimPy: {args.steps:,} steps, {n_edges:,} edges"
        f"{', with choices' if args.choices else ''} (built in {_fmt_time(t_build)})",
        [
            ("ps.simulate, n", f"{args.samples:,}", ""),
            ("  wall, first call", _fmt_time(t_cold), "first call on a freshly built process"),
            ("  wall, best", _fmt_time(t_best), f"best of {args.repeats + 1} calls"),
            ("  per sample", _fmt_time(per_ps), f"first call: {_fmt_time(per_ps_cold)}"),
            ("SimPy baseline, replications", f"{args.simpy_reps:,}", ""),
            ("  wall", _fmt_time(t_simpy), ""),
            ("  per sample", _fmt_time(per_simpy), ""),
            ("speed-up per sample", f"{ratio:,.0f}x",
             f"target >= {SPEEDUP_TARGET:.0f}x: {_verdict(ratio >= SPEEDUP_TARGET)}; "
             f"first call: {ratio_cold:,.0f}x"),
            ("mean, ps.simulate", f"{res.mean:.2f} {u}s",
             f"95% CI [{res.mean_ci[0]:.2f}, {res.mean_ci[1]:.2f}]"),
            ("mean, SimPy", f"{mean_simpy:.2f} {u}s",
             f"95% CI [{mean_simpy - 1.96 * se_simpy:.2f}, {mean_simpy + 1.96 * se_simpy:.2f}]"),
            ("relative difference", f"{rel:+.2%}",
             f"target within {MEAN_TOLERANCE:.0%}: {_verdict(abs(rel) <= MEAN_TOLERANCE)}; "
             f"z = {z:+.2f}"),
            ("p90, ps.simulate / SimPy", f"{res.p90:.2f} / {np.quantile(simpy_samples, 0.9):.2f}",
             ""),
            ("lead_time (measure, on means)", f"{lead_time:.2f} {u}s",
             "below the simulated mean: E[max] >= max of means"),
        ],
    )


# --- 1b. against a bare numpy loop ---------------------------------------------------------

LOOP_TARGETS = {1_000: 3.0, 10_000: 2.0}


def numpy_loop(proc: ps.Process, n: int, seed: int = 0) -> np.ndarray:
    """The floor for ``ps.simulate``: one numpy pass per step over all samples, one stream.

    Steps in topological order, each start the latest of its predecessors' finishes plus
    the edge's delay, each finish the start plus the step's duration, drawn with the
    library's samplers (no choices, rework, criticality or per-step streams).
    """
    from procsimp.durations import sample

    a = proc.analysis
    rng = np.random.default_rng(seed)
    finish: dict[int, np.ndarray] = {}
    end = np.zeros(n)
    for v in a.order:
        start = np.zeros(n)
        for k, u in enumerate(a.preds[v]):
            d = a.edge_delay[v][k]
            delay = d if isinstance(d, (int, float)) else sample(d, rng, n)
            np.maximum(start, finish[u] + delay, out=start)
        d = a.steps[v].duration
        finish[v] = start + (d if isinstance(d, (int, float)) else sample(d, rng, n))
        np.maximum(end, finish[v], out=end)
    return end


def bench_loop(args: argparse.Namespace) -> None:
    """``ps.simulate`` against :func:`numpy_loop` on the same process, alternating, medians."""
    proc = layered_process(args.steps, args.width, args.seed)
    rows: list[tuple[str, str, str]] = []
    reps = max(5, 2 * args.repeats + 1)
    for n, target in LOOP_TARGETS.items():
        ps.simulate(proc, n=n, seed=0)
        numpy_loop(proc, n)
        t_sim, t_loop = [], []
        for _ in range(reps):  # alternate, so both see the same machine load
            t_sim.append(_timed(lambda n=n: ps.simulate(proc, n=n, seed=0))[0])
            t_loop.append(_timed(lambda n=n: numpy_loop(proc, n))[0])
        sim, loop = float(np.median(t_sim)), float(np.median(t_loop))
        rows += [(f"n = {n:,}: ps.simulate / numpy loop",
                  f"{_fmt_time(sim)} / {_fmt_time(loop)}", f"medians of {reps}, alternated"),
                 (f"n = {n:,}: ratio", f"{sim / loop:.2f}x",
                  f"target <= {target:.0f}x: {_verdict(sim / loop <= target)}")]
    _table(f"1b. ps.simulate vs a bare numpy loop: {args.steps:,} steps", rows)


# --- 2. memory, in fresh subprocesses -----------------------------------------------------


def _maxrss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS


def _current_rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return None
    return pages * resource.getpagesize() / 2**20


def child_memory(mode: str, args: argparse.Namespace) -> None:
    """Body of a memory subprocess: print one JSON line with what it measured."""
    proc = layered_process(args.memory_steps, args.width, args.seed, with_choices=args.choices)
    gc.collect()
    out: dict[str, Any] = {"mode": mode, "peak_build_mb": _maxrss_mb(),
                           "rss_before_mb": _current_rss_mb()}
    if mode == "simulate":
        t, res = _timed(lambda: ps.simulate(proc, n=args.samples, seed=0))
        out.update(seconds=t, mean=res.mean)
    elif mode == "tracemalloc":
        tracemalloc.start()
        ps.simulate(proc, n=args.samples, seed=0)
        out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["peak_mb"] = _maxrss_mb()
    print(json.dumps(out))


def _run_child(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode,
           "--memory-steps", str(args.memory_steps), "--samples", str(args.samples),
           "--width", str(args.width), "--seed", str(args.seed)]
    if args.choices:
        cmd.append("--choices")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"memory subprocess {mode!r} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_memory(args: argparse.Namespace) -> None:
    build = _run_child("build", args)
    sim = _run_child("simulate", args)
    traced = _run_child("tracemalloc", args)
    share = sim["peak_mb"] - build["peak_mb"]
    before = sim["rss_before_mb"]
    above_before = f"{sim['peak_mb'] - before:.0f} MB" if before is not None else "n/a"
    _table(
        f"2. Memory: ps.simulate on {args.memory_steps:,} steps, n={args.samples:,} "
        f"(fresh subprocesses)",
        [
            ("peak RSS, build + simulate", f"{sim['peak_mb']:.0f} MB",
             f"target < {MEMORY_TARGET_MB:.0f} MB: "
             f"{_verdict(sim['peak_mb'] < MEMORY_TARGET_MB)}"),
            ("peak RSS, build only", f"{build['peak_mb']:.0f} MB",
             "generating and validating the process"),
            ("difference", f"{share:.0f} MB", "what simulating adds to the peak"),
            ("peak above RSS before simulate", above_before,
             "the process held in memory, transient build memory freed"),
            ("tracemalloc peak in simulate", f"{traced['traced_peak_mb']:.0f} MB",
             "Python and numpy allocations made by ps.simulate"),
            ("simulate wall", _fmt_time(sim["seconds"]), ""),
        ],
    )


# --- 3. measure scaling -------------------------------------------------------------------


def bench_measure(args: argparse.Namespace) -> None:
    rows: list[tuple[str, str, str]] = []
    cold: dict[int, float] = {}
    warm: dict[int, float] = {}
    for n in (args.measure_steps // 10, args.measure_steps):
        t_build, proc = _timed(lambda n=n: layered_process(n, args.width, args.seed,
                                                           with_choices=args.choices))
        cold[n], m = _timed(lambda proc=proc: ps.measure(proc))
        warm[n], _ = _best(lambda proc=proc: ps.measure(proc), args.repeats)
        warm[n] = min(warm[n], cold[n])
        rows += [
            (f"{n:,} steps: build + validate", _fmt_time(t_build),
             "layered_process, mostly Process.model_validate"),
            (f"{n:,} steps: measure, first call", _fmt_time(cold[n]),
             f"fresh process; lead_time {m.lead_time:,.1f}, layers {m.layers}"),
            (f"{n:,} steps: measure, best", _fmt_time(warm[n]),
             f"best of {args.repeats + 1} calls"),
        ]
        del proc, m
        gc.collect()
    small, big = args.measure_steps // 10, args.measure_steps
    rows += [
        ("ratio 10x steps, first call", f"{cold[big] / cold[small]:.1f}x", "linear: about 10x"),
        ("ratio 10x steps, best", f"{warm[big] / warm[small]:.1f}x", ""),
    ]
    _table(f"3. ps.measure scaling (target: a few seconds on {big:,} steps)", rows)


# --- 4. simplification pipeline scaling ---------------------------------------------------


def bench_pipeline(args: argparse.Namespace) -> None:
    """The default pipeline (procsimp.pipeline.DEFAULT_PIPELINE) at two sizes, 10x apart."""
    from procsimp.pipeline import DEFAULT_PIPELINE

    rows: list[tuple[str, str, str]] = []
    took: dict[int, float] = {}
    for n in (args.measure_steps // 10, args.measure_steps):
        proc = layered_process(n, args.width, args.seed, with_choices=args.choices)
        gc.collect()
        took[n], res = _timed(lambda proc=proc: ps.simplify(proc))
        before, after = ps.measure(proc), ps.measure(res.process)
        by_pass = ", ".join(f"{r.name} {sum(c.kind != 'skipped' for c in r.changes):,}"
                            for r in res.runs)
        rows += [
            (f"{n:,} steps: default pipeline", _fmt_time(took[n]),
             f"{len(res.changes):,} changes ({by_pass})"),
            (f"{n:,} steps: lead time", f"{after.lead_time / before.lead_time:.2f}x",
             f"{before.lead_time:,.1f} -> {after.lead_time:,.1f} {before.time_unit}s "
             f"(flow analysis)"),
        ]
        del proc, res
        gc.collect()
    small, big = args.measure_steps // 10, args.measure_steps
    rows.append(("ratio 10x steps", f"{took[big] / took[small]:.1f}x",
                 "linear: about 10x (10-20x with cache effects); quadratic: about 100x"))
    _table(f"4. ps.simplify {list(DEFAULT_PIPELINE)} scaling (target: a few seconds on "
           f"{big:,} steps)", rows)


# --- 5. calendars and deadlines ----------------------------------------------------------

TIME_TARGET = 2.0


def bench_time(args: argparse.Namespace) -> None:
    """``ps.simulate`` with a working calendar, start dates and deadlines, against plain."""
    plain = layered_process(args.steps, args.width, args.seed, with_choices=args.choices)
    ids = [s.id for s in plain.steps]
    holidays: Any = {"country": "ID", "categories": ["public", "government"]}
    try:
        import holidays as _  # noqa: F401
    except ImportError:  # the package is optional: a listed date stands in
        holidays = ["2025-03-31", "2025-04-01"]
    timed = ps.Process.model_validate({
        **plain.model_dump(), "calendar": {"holidays": holidays},
        "deadlines": [
            {"id": "service", "within": round(ps.measure(plain).lead_time),
             "unit": "working_day"},
            {"id": "middle", "within": 20, "unit": "working_day", "from": ids[len(ids) // 3],
             "to": ids[2 * len(ids) // 3], "on_miss": "deemed_granted"},
            {"id": "calendar", "within": 90, "unit": "day"},
            {"id": "hours", "within": 400, "unit": "working_hour"}]})
    start = ("2025-01-01", "2025-12-31")
    ps.simulate(timed, n=args.samples, seed=0, start=start)  # warm: holidays resolved once
    t_plain, res = _best(lambda: ps.simulate(plain, n=args.samples, seed=0), args.repeats)
    t_time, res_t = _best(lambda: ps.simulate(timed, n=args.samples, seed=0, start=start),
                          args.repeats)
    ratio = t_time / t_plain
    same = bool(np.array_equal(res.samples, res_t.samples))
    o = res_t.on_time["service"]
    _table(f"5. calendars and deadlines: {args.steps:,} steps, n = {args.samples:,}", [
        ("ps.simulate, plain", _fmt_time(t_plain), f"best of {args.repeats}; baseline, same run"),
        ("with calendar, start dates, 4 deadlines", _fmt_time(t_time),
         f"best of {args.repeats}"),
        ("ratio", f"{ratio:.2f}x",
         f"target <= {TIME_TARGET:.0f}x: {_verdict(ratio <= TIME_TARGET)}"),
        ("working-time samples unchanged", str(same), "a calendar only adds figures"),
        ("calendar days, mean", f"{res_t.calendar_days.mean:.1f}",
         f"working days {res_t.mean:.1f}"),
        (f"on time within {o.deadline.within:g} working days", f"{o.share:.1%}",
         f"95% CI [{o.ci[0]:.1%}, {o.ci[1]:.1%}]"),
    ])


def bench_capacity(args: argparse.Namespace) -> None:
    """6. ps.capacity on a 10,000-step process with workload, next to ps.measure on it."""
    n = 10_000
    plain = layered_process(n, args.width, args.seed, with_choices=args.choices)
    roles = tuple(r.model_copy(update={"staff": 20, "availability": 0.8}) for r in plain.roles)
    steps = tuple(s.model_copy(update={"work": ps.durations.Exponential(mean=0.01)})
                  for s in plain.steps)
    proc = plain.model_copy(update={"roles": roles, "steps": steps,
                                    "arrivals": ps.model.Arrivals(rate=1, per="day")})
    t_measure, _ = _best(lambda: ps.measure(proc), args.repeats)
    t_cap, cap = _best(lambda: ps.capacity(proc), args.repeats)
    t_lead, _ = _best(lambda: ps.capacity(proc).lead_time, args.repeats)
    _table(f"6. ps.capacity: {n:,} steps, {len(roles)} roles", [
        ("ps.measure (baseline, same run)", _fmt_time(t_measure), f"best of {args.repeats}"),
        ("ps.capacity (per-role figures)", _fmt_time(t_cap),
         f"{t_cap / t_measure:.2f}x measure; {_verdict(t_cap < 1.0)} (target < 1 s)"),
        ("  and its lead time with waiting", _fmt_time(t_lead),
         f"{t_lead / t_measure:.2f}x measure (one more measure, on first use)"),
        ("bottleneck", str(cap.bottleneck), f"utilisation "
         f"{cap.roles[cap.bottleneck].utilisation:.1%}" if cap.bottleneck else ""),
    ])


# --- command line -------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark procsimp: simulate vs SimPy, simulate memory, measure and "
                    "simplify scaling.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 50 SimPy replications, 1 repeat, measure on 20,000 "
                             "steps (explicit options below still apply)")
    parser.add_argument("--only", choices=("speed", "loop", "memory", "measure", "pipeline",
                                           "time", "capacity", "queues", "evidence",
                                           "seek", "scale", "load", "cli", "compare"),
                        action="append",
                        help="run only this section (repeatable)")
    parser.add_argument("--steps", type=int, default=1000,
                        help="steps of the process for the speed comparison (default %(default)s)")
    parser.add_argument("--samples", type=int, default=10_000,
                        help="samples per ps.simulate call, speed and memory (default %(default)s)")
    parser.add_argument("--simpy-reps", type=int, default=None,
                        help="SimPy replications (default 200, 50 with --quick)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats of the cheap timings, best kept (default 3, 1 with --quick)")
    parser.add_argument("--memory-steps", type=int, default=10_000,
                        help="steps of the process for the memory section (default %(default)s)")
    parser.add_argument("--measure-steps", type=int, default=None,
                        help="steps of the large process for measure; a tenth of it is the "
                             "small one (default 100,000, 20,000 with --quick)")
    parser.add_argument("--width", type=int, default=10,
                        help="typical steps per layer (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the generated processes (default %(default)s)")
    parser.add_argument("--choices", action="store_true",
                        help="generate processes with exclusive choices (join: any)")
    parser.add_argument("--load-steps", type=int, default=None,
                        help="steps of the file the load section writes and reads (default "
                             "1,000,000, 100,000 with --quick)")
    parser.add_argument("--child", choices=("build", "simulate", "tracemalloc"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.simpy_reps is None:
        args.simpy_reps = 50 if args.quick else 200
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.measure_steps is None:
        args.measure_steps = 20_000 if args.quick else 100_000
    if args.load_steps is None:
        args.load_steps = 100_000 if args.quick else 1_000_000
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child_memory(args.child, args)
        return
    sections = args.only or ["speed", "loop", "memory", "measure", "pipeline", "time",
                             "capacity", "queues", "evidence", "seek", "scale", "load", "cli",
                             "compare"]
    print(f"procsimp {ps.__version__}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, {platform.machine()} ({platform.system()})")
    if "speed" in sections:
        bench_speed(args)
    if "loop" in sections:
        bench_loop(args)
    if "memory" in sections:
        bench_memory(args)
    if "measure" in sections:
        bench_measure(args)
    if "pipeline" in sections:
        bench_pipeline(args)
    if "time" in sections:
        bench_time(args)
    if "capacity" in sections:
        bench_capacity(args)
    if "queues" in sections:
        from benchmarks.bench_queues import main as bench_queues

        bench_queues()
    if "evidence" in sections:
        from benchmarks.bench_evidence import bench_evidence

        args.log_events = 200_000 if args.quick else 1_000_000
        bench_evidence(args)
    if "seek" in sections:
        from benchmarks.bench_seek import bench_seek

        bench_seek(args)  # 30 candidate moves on 100, 200 and 1,000 steps
    if "scale" in sections:
        from benchmarks.bench_scale import bench_scale

        bench_scale(args)  # import, validation, pipeline + measure on 100,000 steps
    if "load" in sections:
        from benchmarks.bench_scale import bench_load

        bench_load(args)  # ps.load of a 1,000,000-step file against json and pandas
    if "cli" in sections:
        from benchmarks.bench_cli import bench_cli

        bench_cli(max(3, args.repeats))
    if "compare" in sections:
        from benchmarks.bench_cli import bench_compare

        bench_compare(100_000 if args.quick else 1_000_000)


if __name__ == "__main__":
    main()
