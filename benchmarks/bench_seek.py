"""Target-seeking speed: ``ps.seek`` with 30 candidate moves on generated processes.

For each size (default 100, 200 and 1,000 steps; ``layered_process``), the
candidate moves of the built-in passes are completed to 30 with declared
moves (the longest steps shortened to half their mean), and ``ps.seek`` looks
for the cheapest set that brings the mean lead time halfway from today's to
the one every move reaches. Printed per size: the search's method, the sets
it judged, its wall time, the plan's cost, the lower bound and the gap, and
the time of one ``ps.measure`` on the same process as the baseline (the
search's time is also given as a multiple of it). Run from the project root::

    python benchmarks/bench_seek.py                 # 100, 200 and 1,000 steps
    python benchmarks/bench_seek.py --steps 200     # one size
    python benchmarks/run.py --only seek            # the same, inside the suite

Nothing asserts on timings; the figures are for people to read (target: under
a minute for 30 moves on 200 steps).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import procsimp as ps  # noqa: E402
from benchmarks.generate import layered_process  # noqa: E402
from procsimp.seeking import candidates  # noqa: E402

MOVES = 30
TARGET_SECONDS = 60.0


def thirty_moves(process: ps.Process) -> list[ps.Move]:
    """The built-in candidates, completed to 30 with 'shorten the longest steps' moves."""
    kept, _ = candidates(process)
    moves = list(kept)[:MOVES]
    longest = sorted(process.steps, key=lambda s: -ps.mean_of(s.duration))
    for step in longest[:MOVES - len(moves)]:
        moves.append(ps.Move.shorten(step.id, ps.mean_of(step.duration) / 2))
    return moves


def one(steps: int, seed: int) -> dict[str, float | int | str]:
    process = layered_process(steps, width=10, seed=seed)
    moves = thirty_moves(process)
    t0 = time.perf_counter()
    ps.measure(process)
    baseline = time.perf_counter() - t0
    none = ps.measure(process).lead_time
    current = process
    for move in moves:
        current = move.apply(current)[0]
    every = ps.measure(current).lead_time
    target = (none + every) / 2
    t0 = time.perf_counter()
    plan = ps.seek(process, {"mean": target}, passes=[], moves=moves, n=2000, seed=seed)
    seconds = time.perf_counter() - t0
    return {"steps": steps, "moves": len(plan.candidates), "method": plan.search.method,
            "sets": plan.search.evaluations, "seconds": seconds, "cost": plan.cost,
            "lower_bound": plan.search.lower_bound, "gap": plan.search.gap,
            "reachable": str(plan.reachable), "minimal": str(bool(plan.minimal)),
            "measure_seconds": baseline, "ratio": seconds / baseline,
            "figure": plan.figure, "target": target}


def bench_seek(args: argparse.Namespace) -> None:
    """Print one row per size (see the module docstring)."""
    sizes = getattr(args, "seek_steps", None) or [100, 200, 1000]
    print(f"\nps.seek, {MOVES} candidate moves, mean target halfway to every move's figure")
    print("-" * 78)
    print(f"  {'steps':>6} {'moves':>5} {'method':>9} {'sets':>5} {'time':>8} {'x measure':>10} "
          f"{'cost':>5} {'bound':>6} {'gap':>4} {'minimal':>7}")
    for steps in sizes:
        r = one(steps, getattr(args, "seed", 0))
        note = "" if steps != 200 else (" ok" if float(r["seconds"]) < TARGET_SECONDS
                                        else " MISSED (target: under a minute)")
        print(f"  {r['steps']:>6} {r['moves']:>5} {r['method']:>9} {r['sets']:>5} "
              f"{float(r['seconds']):>7.1f}s {float(r['ratio']):>10.0f} {float(r['cost']):>5g} "
              f"{float(r['lower_bound']):>6g} {float(r['gap']):>4g} {r['minimal']:>7}{note}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", dest="seek_steps", type=int, action="append",
                        help="process size (repeatable; default 100, 200 and 1000)")
    parser.add_argument("--seed", type=int, default=0)
    bench_seek(parser.parse_args(argv))


if __name__ == "__main__":
    main()
