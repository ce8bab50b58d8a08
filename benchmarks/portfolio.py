"""Wall time of ``ps.portfolio`` serially, on a process pool and on a Dask LocalCluster.

A catalogue of generated processes (``layered_process``, 50-200 steps by
default) under three scenarios, run three ways on the same machine; the tables
are checked identical and the ratios printed. Run from the project root::

    python benchmarks/portfolio.py                  # 1,000 processes x 3 scenarios
    python benchmarks/portfolio.py --processes 100  # a quicker run
    python benchmarks/portfolio.py --help
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import procsimp as ps
from benchmarks.generate import layered_process

SCENARIOS = {
    "delayering": "delayering_2019",
    "one_stop": "ptsp",
    "everything": "all",
}


def catalogue(count: int, low: int, high: int, seed: int) -> list[ps.Process]:
    """``count`` processes of ``low``-``high`` steps, sizes spread evenly."""
    span = high - low + 1
    return [layered_process(low + (37 * i) % span, width=8, seed=seed + i) for i in range(count)]


def timed(label: str, run: object) -> tuple[float, ps.PortfolioResult]:
    start = time.perf_counter()
    result = run()  # type: ignore[operator]
    wall = time.perf_counter() - start
    print(f"  {label:<34} {wall:8.1f} s", flush=True)
    return wall, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1000, help="processes (default 1000)")
    parser.add_argument("--min-steps", type=int, default=50)
    parser.add_argument("--max-steps", type=int, default=200)
    parser.add_argument("-n", type=int, default=1000,
                        help="simulated cases per version (default 1000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="pool processes and Dask workers (default: the CPU count)")
    parser.add_argument("--chunk-size", type=int, default=None,
                        help="tasks per chunk (default: portfolio's own)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    procs = catalogue(args.processes, args.min_steps, args.max_steps, args.seed)
    tasks = len(procs) * len(SCENARIOS)
    print(f"{len(procs)} processes of {args.min_steps}-{args.max_steps} steps x "
          f"{len(SCENARIOS)} scenarios = {tasks} tasks, n={args.n}, {args.workers} workers "
          f"on {os.cpu_count()} CPUs (catalogue built in {time.perf_counter() - start:.1f} s)")
    common = {"n": args.n, "seed": args.seed, "chunk_size": args.chunk_size, "progress": False}

    serial_s, serial = timed("serial", lambda: ps.portfolio(procs, SCENARIOS, **common))
    with ProcessPoolExecutor(args.workers) as pool:
        pool_s, pooled = timed(f"ProcessPoolExecutor({args.workers})",
                               lambda: ps.portfolio(procs, SCENARIOS, executor=pool, **common))
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, host="127.0.0.1") as cluster, \
            Client(cluster) as client:
        startup = time.perf_counter() - start
        dask_s, on_dask = timed(f"Dask LocalCluster({args.workers} workers)",
                                lambda: ps.portfolio(procs, SCENARIOS, executor=client,
                                                     **common))
    print(f"  {'(Dask cluster start-up, not counted)':<34} {startup:8.1f} s")

    same = (pooled.table.equals(serial.table) and on_dask.table.equals(serial.table))
    print(f"tables identical: {same}; failures: {len(serial.failures)}")
    print(f"speed-up over serial: pool {serial_s / pool_s:.2f}x, Dask {serial_s / dask_s:.2f}x; "
          f"per task serial {1000 * serial_s / tasks:.1f} ms")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
