"""The ``procsimp`` command line.

::

    procsimp measure FILE [-n 10000] [--seed 0] [--json]   metrics and simulated lead time
    procsimp validate FILE...                              check files, list every problem
    procsimp convert FILE -o OUT                           between .yaml .json .bpmn, to .mmd .dot
    procsimp schema [-o FILE]                              JSON Schema of the file format
    procsimp simplify FILE [--preset NAME | --pass NAME...] [--option PASS.KEY=VALUE...]
                      -o OUT [--report [-n 10000] [--seed 0]] [--json]
                                                           run passes, write the result
    procsimp compare BEFORE AFTER [-n 10000] [--seed 0] [--json | --markdown]
                                                           before/after report with intervals
    procsimp passes [--json]                               registered passes and presets
    procsimp render FILE -o OUT.(png|svg|pdf) [--gantt]    swimlane diagram (or Gantt chart)
    procsimp portfolio PATH... [--scenario NAME=SPEC...] [--workers K | --dask ADDRESS]
                      [-o table.csv] [--figure OUT] [--json]
                                                           many processes x scenarios
    procsimp report FILE [--preset NAME | --pass NAME... | --after FILE] -o OUT.(html|pdf)
                    [--lang en|id] [--currency Rp] [-n 10000] [--seed 0]
                                                           the one-file report for a head
                                                           of agency

``simplify ... --figure before_after.png`` also draws the before/after diagram.
Every command that reads one process reads standard input when FILE is ``-``
(``--format yaml|json|bpmn``, default yaml); ``--help`` shows examples.

Bad input prints one clear message on standard error and exits with status 2
(``--debug`` adds the traceback); an unexpected internal error exits with 1. On a
console that cannot show some characters of the output, they are printed as escapes
and the run ends with one such message and status 2.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from procsimp.errors import OptionError, ProcsimpError


class UsageError(Exception):
    """A command line argparse rejects; :func:`main` prints it on one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


STDIN = "-"


def _load(file: str, fmt: str) -> Any:
    """The process in ``file``, or on standard input when ``file`` is ``-``."""
    from procsimp import load, loads

    if file == STDIN:
        return loads(sys.stdin.buffer.read(), fmt, source="<stdin>")
    return load(file)


def _measure(args: argparse.Namespace) -> int:
    from procsimp import measure, simulate

    proc = _load(args.file, args.format)
    metrics = measure(proc)
    sim = simulate(proc, n=args.n, seed=args.seed, start=args.start) if args.n > 0 else None
    if args.json:
        # one object keyed by the metric names of DESIGN.md, plus the simulation summary
        out: dict[str, Any] = metrics.model_dump(mode="json")
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
    failed = 0
    for f in args.files:
        try:
            proc = _load(f, args.format)
        except ProcsimpError as exc:
            print(f"procsimp: error: {exc}", file=sys.stderr)
            failed += 1
        else:
            print(f"{f}: ok ({len(proc.steps)} steps, {len(proc.roles)} roles)")
    return 2 if failed else 0


def _convert(args: argparse.Namespace) -> int:
    from procsimp import save

    _check_output(args.output)
    save(_load(args.file, args.format), args.output)
    print(f"wrote {args.output}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from procsimp.io.base import write_atomic
    from procsimp.model import Process

    if args.output and Path(args.output).suffix.lower() != ".json":
        raise OptionError(f"cannot write the JSON Schema to {args.output!r}: give a file "
                          f"ending in .json")
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
        except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
            # PyYAML raises ValueError for dates like 2020-13-45, RecursionError when deep
            problem = getattr(exc, "problem", None) or exc.__class__.__name__
            raise OptionError(f"--option {item!r}: the value is not valid YAML ({problem}); "
                              f"quote it for your shell, e.g. --option '{target}=[a, b]'") from None
        if key in options.setdefault(name, {}):
            raise OptionError(f"--option {target} is given twice; give it once")
        options[name][key] = value
    return options


def _simplify(args: argparse.Namespace) -> int:
    from procsimp import compare, save
    from procsimp.pipeline import PRESETS, resolve, simplify

    if args.preset is not None and args.preset not in PRESETS:
        raise OptionError(f"unknown preset {args.preset!r}; presets: {', '.join(PRESETS)} "
                          f"(see `procsimp passes`)")
    options = _parse_options(args.option)
    _check_output(args.output)
    if args.figure:
        _check_figure(args.figure)
    # unknown passes and options fail here, before the file is read
    resolve(args.preset if args.preset is not None else args.passes, options)
    proc = _load(args.file, args.format)
    result = simplify(proc, args.preset if args.preset is not None else args.passes, options)
    save(result.process, args.output)
    report = (compare(proc, result, n=args.n, seed=args.seed, start=args.start)
              if args.report else None)
    if args.json:
        print(json.dumps({"output": args.output, "passes": list(result.passes),
                          "changes": [c.model_dump(mode="json") for c in result.changes],
                          "report": report.to_dict() if report else None}, indent=2))
    else:
        print(result.summary())
        print(f"wrote {args.output}")
    if args.figure:
        from procsimp.plot import before_after

        _save_figure(before_after(proc, result.process, result=result), args.figure,
                     quiet=args.json)
    if report is not None and not args.json:
        print()
        print(report)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from procsimp import compare

    if args.before == args.after == STDIN:
        raise OptionError("compare: only one of BEFORE and AFTER can be read from standard "
                          "input (-)")
    report = compare(_load(args.before, args.format), _load(args.after, args.format),
                     n=args.n, seed=args.seed, start=args.start)
    if args.json:
        print(report.to_json())
    elif args.markdown:
        sys.stdout.write(report.to_markdown())
    else:
        print(report)
    return 0


FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
#: Local worker processes ``portfolio --workers`` starts at most.
MAX_WORKERS = 256
#: Simulated cases a command runs at most (memory grows with them).
MAX_CASES = 10_000_000


def _check_figure(output: str) -> None:
    """A figure file name procsimp can draw to (checked before any work)."""
    if Path(output).suffix.lower() not in FIGURE_SUFFIXES:
        raise OptionError(f"cannot draw to {output!r}: give a file ending in "
                          f"{', '.join(FIGURE_SUFFIXES)}")


def _check_output(output: str) -> None:
    """A process file name procsimp can write (checked before any work)."""
    from procsimp.io.files import FORMATS

    if Path(output).suffix.lower() not in FORMATS:
        raise OptionError(f"cannot write a process to {output!r}: give a file ending in "
                          f"{', '.join(FORMATS)}")


def _save_figure(fig: Any, output: str, quiet: bool = False) -> None:
    """Save a figure; its suffix picks the format."""
    _check_figure(output)
    try:
        fig.savefig(output, dpi=150)
    except OSError as exc:
        raise OptionError(f"cannot write {output!r}: {exc.strerror or exc}") from None
    if not quiet:
        print(f"wrote {output}")


def _render(args: argparse.Namespace) -> int:
    from procsimp.plot import gantt, process

    _check_figure(args.output)
    proc = _load(args.file, args.format)
    _save_figure((gantt if args.gantt else process)(proc), args.output)
    return 0


def _passes(args: argparse.Namespace) -> int:
    from procsimp.passes.base import pass_table
    from procsimp.pipeline import DEFAULT_PIPELINE, PRESETS

    table = pass_table()
    default = list(DEFAULT_PIPELINE)
    if args.json:
        print(json.dumps({"passes": {row.name: row.summary for row in table},
                          "default_pipeline": default, "presets": {
            p.name: {"description": p.description, "passes": list(p.passes),
                     "options": {k: dict(v) for k, v in p.options.items()}}
            for p in PRESETS.values()}}, indent=2))
        return 0
    width = max(map(len, [*(row.name for row in table), *PRESETS]), default=0)
    print("passes (* in the default pipeline):")
    for row in table:
        print(f"{'*' if row.name in default else ' '} {row.name:<{width}}  {row.summary}")
    print("presets:")
    for preset in PRESETS.values():
        print(f"  {preset.name:<{width}}  {' -> '.join(preset.passes)}: {preset.description}")
    return 0


def _scenario(text: str) -> tuple[str, str | list[str]]:
    """``NAME=PRESET`` or ``NAME=PASS,PASS`` to ``(name, preset, pass or pass list)``."""
    name, eq, spec = text.partition("=")
    if not (eq and name and spec):
        raise OptionError(f"--scenario {text!r}: write NAME=PRESET or NAME=PASS,PASS, e.g. "
                          f"--scenario flat=delayering_2019")
    # one name is a preset or a pass (resolved, with a helpful error, by the library)
    return name, spec if "," not in spec else [p.strip() for p in spec.split(",")]


def _portfolio(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor
    from contextlib import ExitStack

    from procsimp.batch import portfolio
    from procsimp.pipeline import PRESETS

    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise OptionError(f"--workers must be between 1 and {MAX_WORKERS}, got {args.workers}")
    if args.figure:
        _check_figure(args.figure)
    if args.unit is not None and not args.figure:
        raise OptionError("--unit chooses the time unit of the --figure; give --figure too")
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in (".csv", ".json"):
        raise OptionError(f"cannot write the table to {args.output!r}: give a file ending in "
                          f".csv or .json")
    scenarios: dict[str, Any] = {}
    for text in args.scenario:
        name, spec = _scenario(text)
        if name in scenarios:
            raise OptionError(f"--scenario {name!r} is given twice; give each name once")
        scenarios[name] = spec
    scenarios = scenarios or {name: name for name in PRESETS}
    with ExitStack() as stack:
        executor: Any = None
        if args.dask:
            try:
                from distributed import Client
            except ImportError:
                from procsimp.errors import MissingDependencyError

                raise MissingDependencyError(
                    "--dask needs dask.distributed, which is not installed; run `pip install "
                    "procsimp[dask]`") from None
            try:
                if not 0 < args.dask_timeout <= 3600:
                    raise OptionError(f"--dask-timeout must be from 0 to 3600 seconds, got "
                                      f"{args.dask_timeout:g}")
                executor = stack.enter_context(Client(args.dask, timeout=args.dask_timeout))
            except OptionError:
                raise
            except Exception as exc:  # a bad address, no scheduler there, a timeout
                raise OptionError(f"--dask {args.dask!r}: cannot connect to a Dask scheduler "
                                  f"there ({type(exc).__name__}: {exc}); give its address, "
                                  f"e.g. tcp://scheduler:8786") from None
        elif args.workers and args.workers > 1:
            executor = stack.enter_context(ProcessPoolExecutor(args.workers))
        result = portfolio(args.paths, scenarios, n=args.n, seed=args.seed, executor=executor,
                           progress=False if args.no_progress else None, start=args.start)
    if output is not None:
        from procsimp.io.base import write_atomic

        text = (json.dumps(result.to_dict(), indent=2) + "\n" if output.suffix.lower() == ".json"
                else result.to_frame().to_csv(index=False))
        write_atomic(output, text)
    if args.figure:
        if not result.rows:
            raise OptionError("no figure: every process failed (see the messages above)")
        from procsimp.plot import portfolio as portfolio_figure

        _save_figure(portfolio_figure(result, unit=args.unit), args.figure, quiet=args.json)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.summary())
        if output is not None:
            print(f"wrote {output}")
    for f in result.failures:
        print(f"procsimp: failed: {f.source or f.process}"
              f"{f' (scenario {f.scenario})' if f.scenario else ''}: {f.error}", file=sys.stderr)
    return 1 if result.failures else 0


def _simulation_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-n", type=int, default=10_000,
                   help=f"simulated cases{what} (default 10000; 0 skips the simulation)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--start", type=_start, default=None, metavar="DATE|FIRST..LAST",
                   help="start dates of the cases (e.g. 2025-01-01..2025-12-31), for calendar "
                        "days and deadlines counted in calendar time")


def _start(text: str) -> str | tuple[str, str]:
    """``--start``: one date, or a range written FIRST..LAST."""
    first, sep, last = text.partition("..")
    return (first, last) if sep else text


#: Examples shown under each command's ``--help``.
EXAMPLES = {
    "measure": """examples:
  procsimp measure examples/outgoing_letter.yaml
  procsimp measure letter.json -n 0 --json | jq .layers
  cat letter.yaml | procsimp measure - --json""",
    "validate": """examples:
  procsimp validate examples/*.yaml
  curl -s https://example.org/letter.json | procsimp validate - --format json""",
    "convert": """examples:
  procsimp convert letter.yaml -o letter.bpmn
  procsimp convert letter.yaml -o letter.mmd     # Mermaid flowchart
  procsimp convert - --format json -o letter.yaml < letter.json""",
    "schema": """examples:
  procsimp schema -o process.schema.json
  procsimp schema | jq '.properties | keys'""",
    "simplify": """examples:
  procsimp simplify letter.yaml --preset delayering_2019 -o letter_after.yaml --report
  procsimp simplify letter.yaml --pass delayer --pass digitize \\
      --option delayer.remove_levels=[echelon_3,echelon_4] -o after.yaml
  procsimp simplify - --preset all -o after.json --json < letter.yaml""",
    "compare": """examples:
  procsimp compare letter.yaml letter_after.yaml
  procsimp compare letter.yaml letter_after.yaml -n 2000 --markdown > report.md
  procsimp compare letter.yaml letter_after.yaml --json | jq .simulation.p90_cut""",
    "passes": """examples:
  procsimp passes
  procsimp passes --json | jq '.presets | keys'""",
    "render": """examples:
  procsimp render letter.yaml -o letter.png
  procsimp render letter.yaml -o letter.svg --gantt""",
    "portfolio": """SPEC is a preset (see `procsimp passes`) or passes separated by commas; with no
--scenario, every preset is a scenario. Exits 1 when some processes failed (the
others are still reported), 2 on bad input.

examples:
  procsimp portfolio catalogue/ --scenario flat=delayering_2019 --scenario digital=spbe
  procsimp portfolio 'ministries/**/*.yaml' --workers 2 -o table.csv --figure cut.png
  procsimp portfolio catalogue/ --dask tcp://scheduler:8786 --json > portfolio.json""",
    "report": """Without --after, the passes run as for `procsimp simplify` (by default its
default pipeline). A .pdf is printed by a headless Chromium (chromium, google-chrome
or msedge on PATH, or PROCSIMP_CHROMIUM).

examples:
  procsimp report letter.yaml --preset delayering_2019 -o letter_report.html
  procsimp report pbg.yaml --preset all --lang id --currency Rp -o laporan_pbg.pdf
  procsimp report letter.yaml --after letter_after.yaml -o report.html -n 20000""",
    "seek": """TARGET is mean=T, pNN=T (e.g. p90=14) or on_time=DEADLINE:SHARE (e.g.
on_time=licence_decision:0.95). Exits 1 when the target cannot be met, 2 on bad input.

examples:
  procsimp seek letter.yaml --target p90=14
  procsimp seek licence.yaml --target on_time=licence_decision:0.95 \\
      --shorten sign_licence=0.5 -o licence_plan.yaml --figure front.png
  procsimp seek letter.yaml --target mean=10 --json | jq .moves""",
}


def _seek(args: argparse.Namespace) -> int:
    from procsimp import Move, seek

    proc = _load(args.file, args.format)
    key, sep, value = args.target.partition("=")
    if not sep:
        raise OptionError(f"--target {args.target!r}: write mean=T, pNN=T or "
                          f"on_time=DEADLINE:SHARE")
    deadline, colon, share = value.rpartition(":")
    try:
        target: dict[str, Any] = {key: (deadline, float(share)) if key == "on_time" and colon
                                  else float(value)}
    except ValueError:
        raise OptionError(f"--target {args.target!r}: {value!r} is not a number (on_time "
                          f"takes DEADLINE:SHARE)") from None
    moves = []
    for text in args.shorten:
        step, sep, to = text.partition("=")
        try:
            moves.append(Move.shorten(step, float(to)))
        except ValueError:
            raise OptionError(f"--shorten {text!r}: write STEP=DURATION, e.g. sign=0.5") \
                from None
    if args.n < 1:
        raise OptionError("seek verifies its plan by simulation: give -n of at least 1")
    plan = seek(proc, target, moves=moves, n=args.n, seed=args.seed, start=args.start)
    if args.output:
        plan.save(args.output)
    if args.figure:
        from procsimp import plot

        plot.front(plan).savefig(args.figure)
    print(json.dumps(plan.to_json(), indent=2) if args.json else plan)
    return 0 if plan.reachable else 1


def _report(args: argparse.Namespace) -> int:
    from procsimp.pipeline import PRESETS, resolve, simplify
    from procsimp.reporting import SUFFIXES, report

    if Path(args.output).suffix.lower() not in SUFFIXES:
        raise OptionError(f"cannot write a report to {args.output!r}: give a file ending in "
                          f"{', '.join(SUFFIXES)}")
    if args.after is not None and (args.preset is not None or args.passes or args.option):
        raise OptionError("report: give either --after FILE (a process already reformed) or "
                          "the passes to run (--preset, --pass, --option), not both")
    if args.preset is not None and args.preset not in PRESETS:
        raise OptionError(f"unknown preset {args.preset!r}; presets: {', '.join(PRESETS)} "
                          f"(see `procsimp passes`)")
    options = _parse_options(args.option)
    passes = args.preset if args.preset is not None else args.passes
    if args.after is None:
        resolve(passes, options)  # unknown passes and options fail before any work
    proc = _load(args.file, args.format)
    after = (_load(args.after, args.format) if args.after is not None
             else simplify(proc, passes, options))
    written = report(proc, after, args.output, lang=args.lang, n=args.n, seed=args.seed,
                     start=args.start, currency=args.currency)
    print(f"wrote {written}")
    return 0


def _command(sub: Any, name: str, help: str, run: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".",
                       epilog=EXAMPLES[name], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the traceback of an error")
    p.set_defaults(run=run)
    return p


def _input_args(p: argparse.ArgumentParser, what: str = "process file") -> None:
    p.add_argument("file", metavar="FILE",
                   help=f"{what} (.yaml, .yml, .json or .bpmn); - reads standard input")
    _format_arg(p)


def _format_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("yaml", "json", "bpmn"), default="yaml",
                   help="format of standard input when FILE is - (default yaml)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="procsimp",
        description="Model approval chains, simplify them, estimate the cut in layers and time.",
        epilog="`procsimp COMMAND --help` shows each command's options and examples.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "measure", "metrics and the simulated lead time of a process file",
                 _measure)
    _input_args(p)
    _simulation_args(p, "")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object keyed by the metric names (plus simulation)")

    p = _command(sub, "validate", "check process files and list every problem", _validate)
    p.add_argument("files", nargs="+", metavar="FILE", help="process files; - reads stdin")
    _format_arg(p)

    p = _command(sub, "convert", "convert between .yaml, .json and .bpmn, or export to "
                                 ".mmd (Mermaid) or .dot (Graphviz), by suffix", _convert)
    _input_args(p)
    p.add_argument("-o", "--output", required=True, help="output file; its suffix picks the format")

    p = _command(sub, "schema", "print the JSON Schema of the process file format", _schema)
    p.add_argument("-o", "--output", help="write to this file instead of standard output")

    p = _command(sub, "simplify", "run simplification passes and write the result", _simplify)
    _input_args(p, "process file to simplify")
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
    p.add_argument("--json", action="store_true",
                   help="print the changes (and the --report) as JSON")

    p = _command(sub, "compare", "before/after report: metrics, simulated cut, intervals",
                 _compare)
    p.add_argument("before", help="process file before the reform (- reads standard input)")
    p.add_argument("after", help="process file after the reform (- reads standard input)")
    _format_arg(p)
    _simulation_args(p, " per version")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--markdown", action="store_true", help="print Markdown tables")

    p = _command(sub, "render", "draw a process as a swimlane diagram (png, svg, pdf)",
                 _render)
    _input_args(p)
    p.add_argument("-o", "--output", required=True,
                   help="figure file; its suffix picks the format (.png, .svg, .pdf)")
    p.add_argument("--gantt", action="store_true", help="draw a Gantt chart instead")

    p = _command(sub, "passes", "list the registered passes and presets", _passes)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = _command(sub, "portfolio", "simplify and compare many processes under several "
                                   "scenarios", _portfolio)
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="process files, folders (their .yaml .yml .json .bpmn files) or glob "
                        "patterns (quote them)")
    p.add_argument("--scenario", action="append", default=[], metavar="NAME=SPEC",
                   help="a scenario: NAME=PRESET or NAME=PASS,PASS; repeatable")
    p.add_argument("-n", type=int, default=2000,
                   help="simulated cases per version (default 2000; 0 skips the simulation)")
    p.add_argument("--seed", type=int, default=0, help="base random seed (default 0)")
    p.add_argument("--start", type=_start, default=None, metavar="DATE|FIRST..LAST",
                   help="start dates of every process's cases (e.g. 2025-01-01..2025-12-31), "
                        "for deadlines counted in calendar time")
    run_on = p.add_mutually_exclusive_group()
    run_on.add_argument("--workers", type=int, metavar="K",
                        help="run on K local processes (default: serially)")
    run_on.add_argument("--dask", metavar="ADDRESS",
                        help="run on the Dask scheduler at ADDRESS (pip install procsimp[dask])")
    p.add_argument("--dask-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="give up connecting to the --dask scheduler after SECONDS (default 30)")
    p.add_argument("-o", "--output", metavar="TABLE",
                   help="write the table to TABLE (.csv needs pandas, or .json)")
    p.add_argument("--figure", metavar="OUT",
                   help="draw where time and layers are cut to OUT (.png, .svg or .pdf)")
    p.add_argument("--unit", choices=("hour", "day", "week"),
                   help="draw the --figure for the processes in this time unit (needed when "
                        "the catalogue mixes units)")
    p.add_argument("--json", action="store_true",
                   help="print the rows, totals, on-time shares (per process, scenario and "
                        "deadline, and their totals) and failures as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = _command(sub, "seek", "the cheapest set of reforms that meets a lead-time or "
                              "on-time target", _seek)
    _input_args(p)
    p.add_argument("--target", required=True, metavar="TARGET",
                   help="mean=T, pNN=T or on_time=DEADLINE:SHARE")
    p.add_argument("--shorten", action="append", default=[], metavar="STEP=DURATION",
                   help="also consider shortening STEP to DURATION (its service standard); "
                        "repeatable")
    _simulation_args(p, " of the verifying simulation")
    p.add_argument("-o", "--output", help="save the plan's process here (suffix: format)")
    p.add_argument("--figure", metavar="OUT", help="draw the trade-off front to OUT")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")

    p = _command(sub, "report", "write the one-file report of a reform (HTML or PDF, English "
                                "or Indonesian)", _report)
    _input_args(p, "process file before the reform")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--preset", metavar="NAME",
                       help="a named reform programme (see `procsimp passes`)")
    which.add_argument("--pass", dest="passes", action="append", metavar="NAME",
                       help="a pass to run; repeat for several, run in the order given")
    p.add_argument("--option", action="append", default=[], metavar="PASS.KEY=VALUE",
                   help="a pass option, VALUE read as YAML; repeatable")
    p.add_argument("--after", metavar="FILE",
                   help="the process after reform, instead of running passes")
    p.add_argument("-o", "--output", required=True,
                   help="the report file: .html (self-contained) or .pdf")
    p.add_argument("--lang", choices=("en", "id"), default="en",
                   help="language of the report (default en; id: Indonesian)")
    p.add_argument("--currency", metavar="SYMBOL", help="how costs are written, e.g. Rp")
    _simulation_args(p, " per version")
    return parser


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A warning on the command line: one line for the user, not procsimp's source line."""
    print(f"procsimp: warning: {message}", file=sys.stderr if file is None else file)


#: Characters the console could not show in this run of :func:`main` (printed as escapes
#: instead); :func:`main` sets it to 0 when it starts.
_ESCAPED = [0]
_ESCAPE_HANDLER = "procsimp.cli.escape"


def _escape_and_count(exc: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    _ESCAPED[0] += exc.end - exc.start
    return codecs.backslashreplace_errors(exc)


def _escape_what_the_console_cannot_show() -> None:
    """On a console that cannot encode every character (``PYTHONIOENCODING=ascii``, an old
    code page), print the others as ``\\u2014`` escapes instead of failing on a name, and
    count them: :func:`main` then says so and exits with 2 (the output is not as written)."""
    codecs.register_error(_ESCAPE_HANDLER, _escape_and_count)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding and not encoding.startswith("utf") and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a closed stream: leave it
                stream.reconfigure(errors=_ESCAPE_HANDLER)


def _console_note(status: int) -> int:
    """Exit 2 with one line when the console had to escape characters of a run that
    otherwise succeeded: a script must not take the escaped names for the real ones."""
    with contextlib.suppress(ValueError, OSError):  # what is still buffered is counted too
        sys.stdout.flush()
    escaped = _ESCAPED[0]
    if status != 0 or not escaped:
        return status
    encoding = getattr(sys.stdout, "encoding", None) or "?"
    noun = "character" if escaped == 1 else "characters"
    print(f"procsimp: error: this console ({encoding}) cannot show {escaped} {noun} of the "
          f"output, printed above as \\u escapes; set PYTHONIOENCODING=utf-8 (or a UTF-8 "
          f"locale) to see them as written",
          file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    _ESCAPED[0] = 0  # counted per run (tests call main several times in one interpreter)
    _escape_what_the_console_cannot_show()
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(f"procsimp: error: {exc}", file=sys.stderr)
        return 2
    debug = getattr(args, "debug", False)
    if not 0 <= getattr(args, "n", 0) <= MAX_CASES:
        print(f"procsimp: error: -n must be between 0 and {MAX_CASES:,}", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return _console_note(int(args.run(args)))
    except ProcsimpError as exc:
        if debug:
            traceback.print_exc()
        print(f"procsimp: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:
        print("procsimp: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback on request
        if debug:
            traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"procsimp: internal error: {type(exc).__name__}: {first} (rerun with --debug "
              f"for the traceback, and please report it)", file=sys.stderr)
        return 1


__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
