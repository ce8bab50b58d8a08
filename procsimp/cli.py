"""The ``procsimp`` command line.

::

    procsimp measure FILE [-n 10000] [--seed 0] [--json]   metrics and simulated lead time
    procsimp validate FILE...                              check files, list every problem
    procsimp convert FILE -o OUT                           between .yaml .json .bpmn, to .mmd .dot
    procsimp schema [-o FILE]                              JSON Schema of the file format
    procsimp simplify FILE [--preset NAME | --pass NAME...] [--option PASS.KEY=VALUE...]
                      -o OUT [--report [-n 10000] [--seed 0]]
                                                           run passes, write the result
    procsimp compare BEFORE AFTER [-n 10000] [--seed 0] [--json | --markdown]
                                                           before/after report with intervals
    procsimp passes                                        registered passes and presets
    procsimp render FILE -o OUT.(png|svg|pdf) [--gantt]    swimlane diagram (or Gantt chart)

``simplify ... --figure before_after.png`` also draws the before/after diagram.

Bad input prints one clear message on standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from procsimp.errors import OptionError, ProcsimpError


class UsageError(Exception):
    """A command line argparse rejects; :func:`main` prints it on one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


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


def _parse_options(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``PASS.KEY=VALUE`` strings to ``{pass: {key: value}}``, each VALUE read as YAML."""
    import yaml

    options: dict[str, dict[str, Any]] = {}
    for item in items:
        target, eq, text = item.partition("=")
        name, dot, key = target.partition(".")
        if not (eq and dot and name and key):
            raise OptionError(f"--option {item!r}: write PASS.KEY=VALUE, e.g. "
                              f"delayer.remove_levels=[echelon_3,echelon_4]")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or exc
            raise OptionError(f"--option {item!r}: the value is not valid YAML ({problem}); "
                              f"quote it for your shell, e.g. --option '{target}=[a, b]'") from None
        if key in options.setdefault(name, {}):
            raise OptionError(f"--option {target} is given twice; give it once")
        options[name][key] = value
    return options


def _simplify(args: argparse.Namespace) -> int:
    from procsimp import compare, load, save
    from procsimp.simplify import PRESETS, simplify

    if args.preset is not None and args.preset not in PRESETS:
        raise OptionError(f"unknown preset {args.preset!r}; presets: {', '.join(PRESETS)} "
                          f"(see `procsimp passes`)")
    options = _parse_options(args.option)
    proc = load(args.file)
    result = simplify(proc, args.preset if args.preset is not None else args.passes, options)
    save(result.process, args.output)
    print(result.summary())
    print(f"wrote {args.output}")
    if args.figure:
        from procsimp.plot import before_after

        _save_figure(before_after(proc, result.process, result=result), args.figure)
    if args.report:
        print()
        print(compare(proc, result, n=args.n, seed=args.seed))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from procsimp import compare, load

    report = compare(load(args.before), load(args.after), n=args.n, seed=args.seed)
    if args.json:
        print(report.to_json())
    elif args.markdown:
        sys.stdout.write(report.to_markdown())
    else:
        print(report)
    return 0


FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def _save_figure(fig: Any, output: str) -> None:
    """Save a figure; its suffix picks the format."""
    if Path(output).suffix.lower() not in FIGURE_SUFFIXES:
        raise OptionError(f"cannot draw to {output!r}: give a file ending in "
                          f"{', '.join(FIGURE_SUFFIXES)}")
    try:
        fig.savefig(output, dpi=150)
    except OSError as exc:
        raise OptionError(f"cannot write {output!r}: {exc.strerror or exc}") from None
    print(f"wrote {output}")


def _render(args: argparse.Namespace) -> int:
    from procsimp import load
    from procsimp.plot import gantt, process

    if Path(args.output).suffix.lower() not in FIGURE_SUFFIXES:
        raise OptionError(f"cannot draw to {args.output!r}: give a file ending in "
                          f"{', '.join(FIGURE_SUFFIXES)}")
    proc = load(args.file)
    _save_figure((gantt if args.gantt else process)(proc), args.output)
    return 0


def _passes(args: argparse.Namespace) -> int:
    from procsimp.passes.base import available_passes
    from procsimp.simplify import PRESETS

    passes = available_passes()
    width = max(map(len, [*passes, *PRESETS]), default=0)
    print("passes:")
    for name, summary in passes.items():
        print(f"  {name:<{width}}  {summary}")
    print("presets:")
    for preset in PRESETS.values():
        print(f"  {preset.name:<{width}}  {' -> '.join(preset.passes)}: {preset.description}")
    return 0


def _simulation_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-n", type=int, default=10_000,
                   help=f"simulated cases{what} (default 10000; 0 skips the simulation)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="procsimp",
        description="Model approval chains, simplify them, estimate the cut in layers and time.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("measure", help="metrics and the simulated lead time of a process file")
    p.add_argument("file", help="process file (.yaml, .yml or .json)")
    _simulation_args(p, "")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(run=_measure)

    p = sub.add_parser("validate", help="check process files and list every problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=_validate)

    p = sub.add_parser("convert", help="convert between .yaml, .json and .bpmn, or export to "
                                       ".mmd (Mermaid) or .dot (Graphviz), by suffix")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, help="output file; its suffix picks the format")
    p.set_defaults(run=_convert)

    p = sub.add_parser("schema", help="print the JSON Schema of the process file format")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.set_defaults(run=_schema)

    p = sub.add_parser("simplify", help="run simplification passes and write the result")
    p.add_argument("file", help="process file to simplify")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--preset", metavar="NAME",
                       help="a named reform programme (see `procsimp passes`)")
    which.add_argument("--pass", dest="passes", action="append", metavar="NAME",
                       help="a pass to run; repeat for several, run in the order given")
    p.add_argument("--option", action="append", default=[], metavar="PASS.KEY=VALUE",
                   help="a pass option, VALUE read as YAML (e.g. "
                        "delayer.remove_levels=[echelon_3,echelon_4]); repeatable")
    p.add_argument("-o", "--output", required=True,
                   help="where to write the simplified process; its suffix picks the format")
    p.add_argument("--report", action="store_true",
                   help="also print the before/after comparison")
    _simulation_args(p, " for --report")
    p.add_argument("--figure", metavar="OUT",
                   help="also draw the before/after diagram to OUT (.png, .svg or .pdf)")
    p.set_defaults(run=_simplify)

    p = sub.add_parser("compare", help="before/after report: metrics, simulated cut, intervals")
    p.add_argument("before", help="process file before the reform")
    p.add_argument("after", help="process file after the reform")
    _simulation_args(p, " per version")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.set_defaults(run=_compare)

    p = sub.add_parser("render", help="draw a process as a swimlane diagram (png, svg, pdf)")
    p.add_argument("file", help="process file")
    p.add_argument("-o", "--output", required=True,
                   help="figure file; its suffix picks the format (.png, .svg, .pdf)")
    p.add_argument("--gantt", action="store_true", help="draw a Gantt chart instead")
    p.set_defaults(run=_render)

    p = sub.add_parser("passes", help="list the registered passes and presets")
    p.set_defaults(run=_passes)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(f"procsimp: error: {exc}", file=sys.stderr)
        return 2
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
