"""The ``procsimp`` command line.

::

    procsimp measure FILE [-n 10000] [--seed 0] [--json]   metrics and simulated lead time
    procsimp validate FILE...                              check files, list every problem
    procsimp convert FILE -o OUT                           YAML <-> JSON by suffix
    procsimp schema [-o FILE]                              JSON Schema of the file format

Bad input prints one clear message on standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from procsimp.errors import ProcsimpError


def _measure(args: argparse.Namespace) -> int:
    from procsimp import load, measure, simulate

    proc = load(args.file)
    metrics = measure(proc)
    sim = simulate(proc, n=args.n, seed=args.seed) if args.n > 0 else None
    if args.json:
        out = {"metrics": metrics.model_dump(mode="json")}
        if sim is not None:
            out["simulation"] = sim.to_dict()
        print(json.dumps(out, indent=2))
        return 0
    print(metrics)
    if sim is not None:
        print()
        print(sim)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from procsimp import load

    failed = 0
    for f in args.files:
        try:
            proc = load(f)
        except ProcsimpError as exc:
            print(exc, file=sys.stderr)
            failed += 1
        else:
            print(f"{f}: ok ({len(proc.steps)} steps, {len(proc.roles)} roles)")
    return 2 if failed else 0


def _convert(args: argparse.Namespace) -> int:
    from procsimp import load, save

    save(load(args.file), args.output)
    print(f"wrote {args.output}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from procsimp.io.files import write_atomic
    from procsimp.model import Process

    text = json.dumps(Process.model_json_schema(), indent=2) + "\n"
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="procsimp",
        description="Model approval chains, simplify them, estimate the cut in layers and time.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("measure", help="metrics and the simulated lead time of a process file")
    p.add_argument("file", help="process file (.yaml, .yml or .json)")
    p.add_argument("-n", type=int, default=10_000,
                   help="simulated cases (default 10000; 0 skips the simulation)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(run=_measure)

    p = sub.add_parser("validate", help="check process files and list every problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=_validate)

    p = sub.add_parser("convert", help="convert between YAML and JSON (by suffix)")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, help="output file; its suffix picks the format")
    p.set_defaults(run=_convert)

    p = sub.add_parser("schema", help="print the JSON Schema of the process file format")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.set_defaults(run=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "n", 0) < 0:
        print("procsimp: error: -n must be 0 or more", file=sys.stderr)
        return 2
    try:
        return int(args.run(args))
    except ProcsimpError as exc:
        print(f"procsimp: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
