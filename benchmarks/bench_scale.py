"""National scale (issue 18): start-up, validation, the pipeline and measure on 100,000 steps,
and loading a 1,000,000-step file (issue 20).

Run through ``python benchmarks/run.py --only scale`` (and ``--only load``); each figure
stands next to a baseline measured in the same run, and the targets of the issues are
printed with a verdict. Nothing here asserts on timings.

- import: ``python -c "import procsimp"`` in a fresh interpreter, best of five, next to
  ``python -c "pass"`` (target: under 0.4 s);
- validation: ``ps.Process.model_validate`` of the 100,000-step description (target: under
  1.5 s), next to ``json.loads`` of the same data as text;
- pipeline: the default pipeline plus ``measure`` of its result on 10,000 and 100,000
  steps of ``layered_process(width=50)`` (target: at most 5 s, growth at most 12x);
- measure: ``ps.measure`` of the 100,000-step process on its first call (the analysis
  built by validation) and on a copy that builds its analysis anew (target: under 1 s);
- load: ``ps.load`` of a 1,000,000-step JSON file in a fresh subprocess against
  ``json.load`` and pandas (``json_normalize`` of the steps) on the same file, each in its
  own subprocess, with the peak RSS of each (target: at most 2x, bounded memory);
- the floor under both: plain pydantic models of the same shape
  (``benchmarks/plain_models.py``: no check of procsimp's) validating the same data, in
  the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import procsimp as ps  # noqa: E402
from benchmarks.generate import layered_data  # noqa: E402
from benchmarks.plain_models import PlainProcess  # noqa: E402

IMPORT_TARGET = 0.4
VALIDATE_TARGET = 1.5
PIPELINE_TARGET = 5.0
GROWTH_TARGET = 12.0
MEASURE_TARGET = 1.0
LOAD_TARGET = 2.0
WIDTH = 50


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(max(1, repeats)):
        # the previous result is dropped first: each call runs with the heap a single call
        # sees (a second 100,000-step process alive would make every collection scan it)
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def _table(title: str, rows: list[tuple[str, str, str]]) -> None:
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"\n{title}\n{'-' * len(title)}")
    for name, value, note in rows:
        print(f"  {name:<{w0}}  {value:>{w1}}  {note}".rstrip())


def _startup(code: str, repeats: int = 5) -> float:
    """Best wall time of a fresh interpreter running ``code``."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - t0)
    return best


def _pipeline(proc: ps.Process) -> ps.Metrics:
    return ps.measure(ps.simplify(proc).process)


def bench_scale(args: argparse.Namespace) -> None:
    """Start-up, validation, pipeline + measure and measure at national scale."""
    big = args.measure_steps
    small = big // 10
    t_pass = _startup("pass")
    t_import = _startup("import procsimp")
    rows = [("python -c 'import procsimp'", f"{t_import:.3f} s",
             f"target < {IMPORT_TARGET} s: {_ok(t_import < IMPORT_TARGET)}; "
             f"bare interpreter {t_pass:.3f} s (best of 5)")]

    data = layered_data(big, WIDTH, args.seed, with_choices=args.choices)
    text = json.dumps(data)
    t_json, _ = _best(lambda text=text: json.loads(text), args.repeats)
    t_plain, _ = _best(lambda data=data: PlainProcess.model_validate(data), args.repeats)
    t_valid, proc = _best(lambda data=data: ps.Process.model_validate(data), args.repeats)
    rows += [(f"validate {big:,} steps", f"{t_valid:.2f} s",
              f"target < {VALIDATE_TARGET} s: {_ok(t_valid < VALIDATE_TARGET)}; "
              f"json.loads of the same data {t_json:.2f} s ({t_valid / t_json:.1f}x)"),
             ("  plain pydantic models, same shape", f"{t_plain:.2f} s",
              f"no check of procsimp's (benchmarks/plain_models.py): {t_plain / t_json:.1f}x "
              f"json.loads; procsimp adds {t_valid - t_plain:.2f} s")]
    del text

    fresh = ps.Process.model_validate(data)
    t0 = time.perf_counter()
    ps.measure(fresh)
    t_measure = time.perf_counter() - t0
    t_rebuilt, _ = _best(lambda: ps.measure(proc.model_copy()), args.repeats)
    rows += [(f"measure {big:,} steps, first call", f"{t_measure:.2f} s",
              f"target < {MEASURE_TARGET} s: {_ok(t_measure < MEASURE_TARGET)} "
              f"(analysis from validation)"),
             ("  on a copy (analysis built anew)", f"{t_rebuilt:.2f} s", "")]
    del fresh, data

    small_proc = ps.Process.model_validate(layered_data(small, WIDTH, args.seed,
                                                        with_choices=args.choices))
    t_small, _ = _best(lambda: _pipeline(small_proc), args.repeats)
    t_big, m = _best(lambda: _pipeline(proc), args.repeats)
    growth = t_big / t_small
    rows += [(f"pipeline + measure, {small:,} steps", f"{t_small:.2f} s", ""),
             (f"pipeline + measure, {big:,} steps", f"{t_big:.2f} s",
              f"target <= {PIPELINE_TARGET:.0f} s: {_ok(t_big <= PIPELINE_TARGET)}; "
              f"lead time after {m.lead_time:,.1f} {m.time_unit}s"),
             ("growth 10x steps", f"{growth:.1f}x",
              f"target <= {GROWTH_TARGET:.0f}x: {_ok(growth <= GROWTH_TARGET)}")]
    _table(f"9. national scale: layered_process(width={WIDTH}), best of {args.repeats} "
           f"(wall time; a shared machine adds noise)", rows)


# --- loading a 1,000,000-step file --------------------------------------------------------


def _child(mode: str, path: str) -> None:
    """Read ``path`` one way and print the seconds and the peak RSS (MB) as JSON."""
    t0 = time.perf_counter()
    if mode == "json":
        with open(path, encoding="utf-8") as f:
            json.load(f)
    elif mode == "pandas":
        import pandas as pd

        with open(path, encoding="utf-8") as f:
            pd.json_normalize(json.load(f)["steps"])
    elif mode == "pydantic":
        with open(path, encoding="utf-8") as f:
            PlainProcess.model_validate(json.load(f))
    else:
        ps.load(path)
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss}))


def _run_child(mode: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_load(args: argparse.Namespace) -> None:
    """``ps.load`` of a large JSON file against json and pandas on the same file."""
    n = args.load_steps
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"layered_{n}.json"
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as f:
            json.dump(layered_data(n, WIDTH, args.seed, with_choices=args.choices), f)
        t_write = time.perf_counter() - t0
        gc.collect()
        size = path.stat().st_size / 1e6
        got = {mode: _run_child(mode, path) for mode in ("json", "pandas", "pydantic",
                                                          "procsimp")}
    base = got["json"]
    pd_ = got["pandas"]
    mine = got["procsimp"]
    floor = got["pydantic"]
    ratio = mine["seconds"] / base["seconds"]
    _table(f"10. ps.load of a {n:,}-step JSON file ({size:,.0f} MB, written in "
           f"{t_write:.0f} s); each reader in a fresh subprocess", [
               ("json.load", f"{base['seconds']:.1f} s", f"peak RSS {base['rss_mb']:,.0f} MB"),
               ("pandas (json.load + json_normalize)", f"{pd_['seconds']:.1f} s",
                f"peak RSS {pd_['rss_mb']:,.0f} MB"),
               ("plain pydantic models (json.load + validate)", f"{floor['seconds']:.1f} s",
                f"peak RSS {floor['rss_mb']:,.0f} MB; {floor['seconds'] / base['seconds']:.1f}x "
                f"json.load: the floor for any pydantic Process"),
               ("ps.load (validated Process)", f"{mine['seconds']:.1f} s",
                f"peak RSS {mine['rss_mb']:,.0f} MB"),
               ("ps.load / json.load", f"{ratio:.1f}x",
                f"target <= {LOAD_TARGET:.0f}x: {_ok(ratio <= LOAD_TARGET)}; "
                f"/ pandas {mine['seconds'] / pd_['seconds']:.1f}x"),
               ("peak RSS ps.load / json.load", f"{mine['rss_mb'] / base['rss_mb']:.1f}x",
                f"{mine['rss_mb'] / size:.0f} MB per MB of file"),
           ])


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3])
