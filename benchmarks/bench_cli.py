"""Command-line start-up and the cost of a large ``compare``.

``cli``: wall time of ``procsimp --help`` and ``procsimp validate FILE`` in fresh
subprocesses (best of ``--repeats``), next to a bare ``python -c pass`` in the same
run, and whether each imported matplotlib, pandas or scipy (target: ``--help``
under 0.5 s, neither imports matplotlib).

``compare``: ``ps.compare(before, after, n=1_000_000)`` on the building-approval
example simplified with the ``all`` preset, against the two ``ps.simulate`` calls it
makes, in the same run (target: at most 3x the two simulations). Run from the
project root::

    python benchmarks/bench_cli.py               # both
    python benchmarks/run.py --only cli --only compare

Nothing asserts on timings; the figures are for people to read.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HELP_TARGET_SECONDS = 0.5
COMPARE_TARGET_RATIO = 3.0
HEAVY = ("matplotlib", "pandas", "scipy")

_CHILD = """
import sys, json
from procsimp.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout.flush()
print(json.dumps([m for m in {heavy!r} if m in sys.modules]), file=sys.stderr)
"""


def _run(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=False, capture_output=True)
    return time.perf_counter() - t0


def _best(argv: list[str], repeats: int) -> float:
    return min(_run(argv) for _ in range(max(1, repeats)))


def _imports(args: list[str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _CHILD.format(heavy=HEAVY), *args], cwd=ROOT,
                         check=False, capture_output=True, text=True)
    return json.loads(out.stderr.strip().splitlines()[-1])


def bench_cli(repeats: int = 5) -> None:
    """Print start-up times of the command line against a bare interpreter."""
    example = str(ROOT / "examples" / "building_approval.yaml")
    bare = _best([sys.executable, "-c", "pass"], repeats)
    script = Path(sys.executable).parent / "procsimp"  # the installed console script
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "procsimp.cli"]
    rows = [("python -c pass", bare, "", "")]
    for label, args in (("procsimp --help", ["--help"]),
                        ("procsimp validate FILE", ["validate", example])):
        t = _best(entry + args, repeats)
        heavy = _imports(args)
        rows.append((label, t, f"{t / bare:.1f}x bare python",
                     "imports " + ", ".join(heavy) if heavy else "no matplotlib/pandas/scipy"))
    print(f"\n== cli start-up (best of {repeats} fresh processes; target --help < "
          f"{HELP_TARGET_SECONDS} s, no matplotlib)")
    for label, t, ratio, heavy in rows:
        print(f"  {label:<24} {t:7.3f} s  {ratio:<18} {heavy}")


def bench_compare(n: int = 1_000_000) -> None:
    """Print compare(n) against the two simulations it runs, measured in the same run."""
    import procsimp as ps

    proc = ps.load(ROOT / "examples" / "building_approval.yaml")
    result = ps.simplify(proc, "all")
    ps.simulate(proc, n=1000, seed=0)  # warm caches (analysis, block plan) for both sides
    ps.simulate(result.process, n=1000, seed=0)
    best_sim, best_cmp = math.inf, math.inf
    for _ in range(2):
        t0 = time.perf_counter()
        ps.simulate(proc, n=n, seed=0)
        ps.simulate(result.process, n=n, seed=0)
        best_sim = min(best_sim, time.perf_counter() - t0)
        t0 = time.perf_counter()
        rep = ps.compare(proc, result, n=n, seed=0)
        best_cmp = min(best_cmp, time.perf_counter() - t0)
    sim = rep.simulation
    assert sim is not None
    print(f"\n== compare at n = {n:,} (building approval, preset all; target <= "
          f"{COMPARE_TARGET_RATIO:g}x two simulate calls)")
    print(f"  two simulate calls   {best_sim:7.2f} s")
    print(f"  compare              {best_cmp:7.2f} s  {best_cmp / best_sim:.2f}x the two "
          f"simulations; quantile cuts by {sim.p90_cut.method}")
    print(f"  p90 cut {sim.p90_cut.value:.3f} (95% CI {sim.p90_cut.ci[0]:.3f} to "
          f"{sim.p90_cut.ci[1]:.3f}) days")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("-n", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    bench_cli(args.repeats)
    bench_compare(args.n)


if __name__ == "__main__":
    main()
