"""Reproduce every figure in ``docs/img/`` from the example processes.

    python examples/make_figures.py            # writes docs/img/*.png

Each example is simplified with the ``all`` preset (delayering, duplicate
checks, one-stop window, merging, parallel reviews, digitalisation), then
drawn: the process as it is (swimlane and Gantt), before/after, the
simulated lead-time distributions and what each pass cut. Same seed, same
figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import procsimp as ps

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "img"
EXAMPLES = ("outgoing_letter", "building_approval", "business_licence")
PRESET = "all"
DPI = 120


def make(name: str, out: Path = OUT, n: int = 5_000) -> list[Path]:
    """Draw every figure of one example into ``out``; returns the files written."""
    proc = ps.load(HERE / f"{name}.yaml")
    result = ps.simplify(proc, PRESET)
    sims = [ps.simulate(p, n=n, seed=0) for p in (proc, result.process)]
    figures = {
        "before_after": ps.plot.before_after(proc, result.process, result=result),
        "process": ps.plot.process(proc),
        "gantt": ps.plot.gantt(proc),
        "distribution": ps.plot.distribution(*sims),
        "savings": ps.plot.savings(result),
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, fig in figures.items():
        path = out / f"{name}_{kind}.png"
        fig.savefig(path, dpi=DPI)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    for name in argv or EXAMPLES:
        for path in make(name):
            print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
