"""Benchmarks of procsimp's evidence layer (``python benchmarks/run.py --only evidence``, or
this file alone).

1. calibrating the receipt model (tests/test_evidence_real.py) on the shared WABO receipt
   log, card included (target: seconds, not minutes);
2. reading a generated 1,000,000-event CSV with ``ps.read_log`` against pandas reading the
   same file alone (``pd.read_csv``), and against pandas reading it and parsing its
   timestamps, all in the same run (target: within 2x of pandas alone);
3. peak memory (RSS of a fresh subprocess) of loading the 1,000,000-event log from CSV and
   from XES (streamed), next to a subprocess that only imports procsimp and pandas.

Nothing asserts on timings: the figures are for people to read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import procsimp as ps  # noqa: E402

RECEIPT = ROOT.parent / "shared" / "event-logs" / "wabo_receipt.csv.gz"


def generate_csv(path: Path, events: int, seed: int = 0) -> None:
    """A completion-only log of ``events`` events, five per case, ISO times with offsets."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    cases = events // 5
    start = np.datetime64("2024-01-01T00:00:00") + np.cumsum(
        rng.exponential(600, cases)).astype("timedelta64[s]")
    steps = np.cumsum(rng.exponential(3600, (cases, 5)), axis=1).astype("timedelta64[s]")
    times = (start[:, None] + steps).ravel()
    frame = pd.DataFrame({
        "case:concept:name": np.repeat([f"case-{i}" for i in range(cases)], 5),
        "concept:name": np.tile(["Register", "Check", "Review", "Decide", "Send"], cases),
        "time:timestamp": np.datetime_as_string(times, unit="s").astype(object) + "+07:00",
        "case:channel": np.repeat(np.where(rng.random(cases) < 0.7, "Internet", "Desk"), 5),
    })
    frame.to_csv(path, index=False)


def generate_xes(csv: Path, path: Path) -> None:
    import pandas as pd

    frame = pd.read_csv(csv)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016">\n')
        case = frame["case:concept:name"].to_numpy()
        act = frame["concept:name"].to_numpy()
        ts = frame["time:timestamp"].to_numpy()
        for i in range(len(frame)):
            if i == 0 or case[i] != case[i - 1]:
                if i:
                    out.write("</trace>\n")
                out.write(f'<trace><string key="concept:name" value="{case[i]}"/>\n')
            out.write(f'<event><string key="concept:name" value="{act[i]}"/>'
                      f'<date key="time:timestamp" value="{ts[i]}"/></event>\n')
        out.write("</trace>\n</log>\n")


def _best(fn: Any, repeats: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _rss_child(what: str, path: str) -> float:
    # VmHWM: this process's own peak RSS (ru_maxrss would carry the parent's over exec)
    code = ("import procsimp as ps, pandas as pd\n"
            f"what, path = {what!r}, {path!r}\n"
            "if what != 'import':\n"
            "    log = ps.read_log(path)\n"
            "print([r.split()[1] for r in open('/proc/self/status')\n"
            "       if r.startswith('VmHWM')][0])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # KiB -> MiB (Linux)


def _table(title: str, rows: list[tuple[str, str, str]]) -> None:
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"\n{title}")
    for a, b, c in rows:
        print(f"  {a:<{w0}}  {b:>{w1}}  {c}")


def bench_evidence(args: argparse.Namespace) -> None:
    import pandas as pd

    sys.path.insert(0, str(ROOT / "tests"))
    from test_evidence_real import RECEIPT_MODEL, receipt_mapping

    rows: list[tuple[str, str, str]] = []
    repeats = getattr(args, "repeats", 3) or 1
    if RECEIPT.exists():
        proc = ps.loads(RECEIPT_MODEL)
        t_read, log = _best(lambda: ps.read_log(RECEIPT), repeats)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ps.PrecisionWarning)
            t_cal, cal = _best(lambda: ps.calibrate(proc, log, receipt_mapping), repeats)
        rows += [("read receipt log (8,577 events)", f"{t_read:.3f} s", f"best of {repeats}"),
                 ("calibrate receipt model + card", f"{t_cal:.3f} s",
                  f"best of {repeats}; W {cal.card.wasserstein:.1f} d, floor "
                  f"{cal.card.noise_floor:.1f} d")]
    events = getattr(args, "log_events", 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "log.csv"
        generate_csv(csv, events)
        t_pd, _ = _best(lambda: pd.read_csv(csv), repeats)

        def pandas_with_times() -> Any:
            f = pd.read_csv(csv)
            f["time:timestamp"] = pd.to_datetime(f["time:timestamp"], utc=True,
                                                 format="ISO8601")
            return f

        t_pd_t, _ = _best(pandas_with_times, repeats)
        t_ps, log = _best(lambda: ps.read_log(csv), repeats)
        from procsimp.evidence.logs import from_frame

        frame = pd.read_csv(csv)
        t_frame, _ = _best(lambda: from_frame(frame), repeats)
        rows += [(f"pd.read_csv, {events:,} events", f"{t_pd:.2f} s", "baseline, same run"),
                 ("pd.read_csv + to_datetime", f"{t_pd_t:.2f} s", f"{t_pd_t / t_pd:.2f}x"),
                 ("ps.read_log", f"{t_ps:.2f} s",
                  f"{t_ps / t_pd:.2f}x pandas alone (target <= 2x); "
                  f"{t_ps / t_pd_t:.2f}x pandas with times"),
                 ("  of which: events and cases from the frame", f"{t_frame:.2f} s",
                  f"{t_frame / t_pd:.2f}x pandas alone (times, categoricals, attributes)")]
        frame_mb = log.events.memory_usage(deep=True).sum() / 2**20
        base = _rss_child("import", str(csv))
        rss_csv = _rss_child("csv", str(csv))
        xes = Path(tmp) / "log.xes"
        generate_xes(csv, xes)
        rss_xes = _rss_child("xes", str(xes))
        rows += [("RSS: import procsimp + pandas", f"{base:.0f} MB", "fresh subprocess"),
                 ("RSS: read_log CSV", f"{rss_csv:.0f} MB",
                  f"file {csv.stat().st_size / 2**20:.0f} MB; events frame {frame_mb:.0f} MB"),
                 ("RSS: read_log XES (streamed)", f"{rss_xes:.0f} MB",
                  f"file {xes.stat().st_size / 2**20:.0f} MB")]
    _table("6. evidence: calibrate, read_log vs pandas, memory", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--log-events", type=int, default=1_000_000)
    bench_evidence(parser.parse_args())


if __name__ == "__main__":
    main()
