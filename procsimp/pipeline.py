"""The simplification pipeline: run passes in order, keep every change and every step.

The pipelines are read off the pass table (:data:`procsimp.passes.BUILTIN_PASSES`):
:data:`DEFAULT_PIPELINE` is its rows marked ``default``, the ``all`` preset every
built-in pass in table order.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"handoff_delay": 1, "levels": ["staff"],
...     "roles": [{"id": "clerk", "level": "staff"}, {"id": "cashier", "level": "staff"}],
...     "steps": [{"id": "count", "role": "clerk", "duration": 1},
...               {"id": "check", "role": "clerk", "duration": 1, "after": ["count"]},
...               {"id": "pay", "role": "cashier", "duration": 1, "after": ["check"]}]})
>>> res = ps.simplify(p)
>>> [(c.pass_name, c.kind) for c in res.changes], len(res.process.steps), len(p.steps)
([('merge_sequential', 'merged'), ('digitize', 'retimed')], 2, 3)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from procsimp._checks import validated
from procsimp.errors import OptionError, PassError
from procsimp.model import Level, Process, Role, Step
from procsimp.passes import BUILTIN_PASSES
from procsimp.passes.base import Change, PassOptions, available_passes, get_pass
from procsimp.passes.context import PassContext
from procsimp.queueing import RoleLoad, load_changes, load_notes
from procsimp.render import Cell, Renderable, Table, Tables

#: What ``simplify(proc)`` runs when no passes are named: the rows of the pass table marked
#: ``default`` (they need no options and leave the posts as they are).
DEFAULT_PIPELINE: tuple[str, ...] = tuple(row.name for row in BUILTIN_PASSES if row.default)


@dataclass(frozen=True)
class Preset:
    """A named reform programme: a pipeline of passes with their options."""

    name: str
    description: str
    passes: tuple[str, ...]
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("delayering_2019",
           "Indonesia's 2019 delayering (penyederhanaan birokrasi): echelon III and IV posts "
           "become functional, their approvals disappear.",
           ("delayer",),
           {"delayer": {"remove_levels": ["echelon_3", "echelon_4"]}}),
    Preset("spbe",
           "SPBE digitalisation (Perpres 95/2018): electronic documents and signatures; paper "
           "transfers vanish, digitizable steps take half the time.",
           ("digitize",),
           {"digitize": {"delay": 0, "duration_factor": 0.5}}),
    Preset("ptsp",
           "PTSP one-stop service: every applicant contact at one window, independent reviews "
           "in parallel.",
           ("single_window", "merge_sequential", "parallelize")),
    Preset("all",
           "Every reform at once: delayering, duplicate checks removed, one-stop window, "
           "sequential steps merged, reviews in parallel, digitalisation.",
           tuple(row.name for row in BUILTIN_PASSES),
           {"delayer": {"remove_levels": ["echelon_3", "echelon_4"]},
            "digitize": {"delay": 0, "duration_factor": 0.5}}),
)}


@dataclass(frozen=True)
class PassRun:
    """One pass of a pipeline: its options, the process after it, and its changes."""

    name: str
    options: PassOptions
    process: Process
    changes: tuple[Change, ...]


@dataclass(frozen=True, repr=False)
class Result(Renderable):
    """What :func:`simplify` returns: the simplified process and how it got there."""

    original: Process
    """The input process (untouched)."""
    process: Process
    """The simplified process."""
    changes: tuple[Change, ...]
    """Every change, in order."""
    runs: tuple[PassRun, ...]
    """Each pass with the process after it (the intermediate results)."""

    @property
    def passes(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.runs)

    @validated
    def changes_of(self, pass_name: str) -> tuple[Change, ...]:
        """The changes one pass made."""
        return tuple(c for c in self.changes if c.pass_name == pass_name)

    @property
    def load(self) -> tuple[RoleLoad, ...]:
        """Per role, utilisation and queue wait before and after the pipeline, when the
        process declares ``arrivals`` (``()`` otherwise); see
        :func:`procsimp.queueing.load_changes`."""
        return load_changes(self.original, self.process)

    @property
    def gained_load(self) -> tuple[str, ...]:
        """Roles carrying more load after the pipeline than before."""
        return tuple(c.role for c in self.load if c.gained)

    @property
    def new_bottleneck(self) -> str | None:
        """The role that became the bottleneck, if the bottleneck moved."""
        return next((c.role for c in self.load if c.became_bottleneck), None)

    def summary(self) -> str:
        """The changes as text, grouped by pass, then the roles that gained load."""
        lines = [f"{self.original.name}: {len(self.original.steps)} -> "
                 f"{len(self.process.steps)} steps"]
        for run in self.runs:
            done = [c for c in run.changes if c.kind != "skipped"]
            skipped = [c for c in run.changes if c.kind == "skipped"]
            lines.append(f"{run.name}: {_count(len(done), 'change')}" +
                         (f", {len(skipped)} skipped" if skipped else ""))
            lines += [f"  - {c.reason}" for c in done]
            lines += [f"  - (skipped) {c.reason}" for c in skipped]
        lines += [f"workload: {note}" for note in load_notes(self.load)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def tables(self) -> Tables:
        """One row per change, in order: the pass, the kind of change, the steps, why."""
        caption = (f"{self.original.name}: {len(self.original.steps)} -> "
                   f"{len(self.process.steps)} steps, passes {' -> '.join(self.passes)}")
        return Tables((Table(caption, ("pass", "change", "steps", "what and why"), tuple(
            (c.pass_name, c.kind, Cell(list(c.steps), ", ".join(c.steps)), c.reason)
            for c in self.changes), name="changes", align="llll",
            notes=load_notes(self.load)),))

    def __repr__(self) -> str:
        return (f"Result({self.original.name!r}, passes={list(self.passes)}, "
                f"{len(self.changes)} changes)")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def resolve(passes: str | Sequence[str] | None,
            options: Mapping[str, Any] | None = None) -> list[tuple[str, PassOptions]]:
    """Pipeline and validated options for ``passes`` (names, a preset name, or None)."""
    preset_options: Mapping[str, Mapping[str, Any]] = {}
    if passes is None:
        names: list[str] = list(DEFAULT_PIPELINE)
    elif isinstance(passes, str):
        if passes in PRESETS:
            names, preset_options = list(PRESETS[passes].passes), PRESETS[passes].options
        elif passes in available_passes():
            names = [passes]
        else:
            raise OptionError(f"unknown pass or preset {passes!r}; passes: "
                              f"{', '.join(available_passes())}; presets: {', '.join(PRESETS)}")
    else:
        names = list(passes)
    infos = [get_pass(n) for n in names]
    options = dict(options or {})
    stray = [k for k in options if k not in names]
    if stray:
        raise OptionError(f"options given for {', '.join(map(repr, stray))}, which "
                          f"{'is' if len(stray) == 1 else 'are'} not in the pipeline "
                          f"{names}; check the pass names")
    out = []
    for info in infos:
        given = options.get(info.name)
        merged = dict(preset_options.get(info.name, {}))
        if isinstance(given, PassOptions):
            out.append((info.name, info.parse_options(given)))
            continue
        if given is not None:
            if not isinstance(given, Mapping):
                raise OptionError(f"options of pass {info.name!r} must be a mapping, got "
                                  f"{type(given).__name__}")
            merged.update(given)
        out.append((info.name, info.parse_options(merged)))
    return out


@validated
def simplify(process: Process, passes: str | Sequence[str] | None = None,
             options: Mapping[str, Any] | None = None) -> Result:
    """Run simplification passes in order and return a :class:`Result`.

    Parameters
    ----------
    process
        The process to simplify; it is not modified.
    passes
        Pass names in order, a preset name (see :data:`PRESETS`), or ``None`` for
        :data:`DEFAULT_PIPELINE`.
    options
        Options per pass name, e.g. ``{"delayer": {"remove_levels": ["echelon_3"]}}``;
        they override a preset's options key by key.

    Raises
    ------
    OptionError
        An unknown pass or preset, an unknown or invalid option, or an option
        naming a level, role or step the process does not have; the message
        lists the valid ones.
    PassError
        A pass raised an exception, or returned something that is not
        ``(valid Process, list of Change)``; the message names the pass and
        every problem of its output.
    """
    if not isinstance(process, Process):
        raise OptionError(f"simplify needs a Process, got {type(process).__name__}")
    pipeline = resolve(passes, options)
    current = process
    runs: list[PassRun] = []
    changes: list[Change] = []
    for name, opts in pipeline:
        current, made = _run(name, current, opts)
        runs.append(PassRun(name, opts, current, tuple(made)))
        changes += made
    return Result(process, current, tuple(changes), tuple(runs))


@validated
def run_pass(process: Process, name: str, **options: Any) -> tuple[Process, list[Change]]:
    """Run one pass with keyword options; returns ``(process, changes)``.

    Checked like every pass of :func:`simplify`: its options against the process
    before it runs, its output after.
    """
    if not isinstance(process, Process):
        raise OptionError(f"run_pass needs a Process, got {type(process).__name__}")
    info = get_pass(name)
    return _run(name, process, info.parse_options(options))


def _run(name: str, process: Process, options: PassOptions) -> tuple[Process, list[Change]]:
    """Run one pass: its option names checked first, its output checked after."""
    info = get_pass(name)
    info.check_names(process, options)
    try:
        out = info.function(PassContext(process, name) if info.context else process, options)
    except OptionError:
        raise
    except Exception as exc:  # a pass's own error, or its bug, names the pass
        raise PassError(f"pass {name!r} failed on process {process.name!r}: "
                        f"{type(exc).__name__}: {exc}", name) from exc
    if not (isinstance(out, tuple) and len(out) == 2):
        raise PassError(f"pass {name!r} must return a tuple (Process, list of Change), got "
                        f"{_kind(out)}", name)
    result, changes = out
    if not isinstance(result, Process):
        raise PassError(f"pass {name!r} must return a Process first, got {_kind(result)}", name)
    if not isinstance(changes, (list, tuple)):
        raise PassError(f"pass {name!r} must return a list of Change second, got "
                        f"{_kind(changes)}", name)
    stray = [i for i, c in enumerate(changes) if not isinstance(c, Change)]
    if stray:
        raise PassError(f"pass {name!r} returned changes that are not Change objects: item "
                        f"{stray[0]} is {_kind(changes[stray[0]])}; build each with "
                        f"ps.Change(pass_name=..., kind=..., steps=..., reason=...)", name)
    if result is not process:
        problems = output_problems(result)
        if problems:
            listed = "".join(f"\n  - {line}" for line in problems[:20])
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise PassError(f"pass {name!r} returned an invalid process from {process.name!r} "
                            f"({len(problems)} problem{'' if len(problems) == 1 else 's'}); "
                            f"fix the pass:{listed}{more}", name, problems)
    # the runner, not the pass, says which pass made a change
    return result, [c if c.pass_name == name else c.model_copy(update={"pass_name": name})
                    for c in changes]


def output_problems(process: Process) -> list[str]:
    """What is wrong with a process a pass built, one line each (empty when valid).

    One linear pass over the whole-process checks of validation (references,
    duplicate ids, cycles, probabilities, rework blocks, joins, artifacts). Field
    values are not validated again: a pass builds its steps from validated ones.
    """
    from procsimp.validation import whole_process_problems

    lines = []
    for key, cls in (("levels", Level), ("roles", Role), ("steps", Step)):
        items = getattr(process, key)
        if not isinstance(items, tuple):
            lines.append(f"{key}: must be a tuple of {cls.__name__}, got {_kind(items)}")
            continue
        lines += [f"{key}[{i}]: must be a {cls.__name__}, got {_kind(x)}"
                  for i, x in enumerate(items) if not isinstance(x, cls)]
    if lines:
        return lines
    for loc, _, message in whole_process_problems(process):
        where = ""
        for part in loc:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        lines.append(f"{where}: {message}")
    return lines


def _kind(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


__all__ = [
    "DEFAULT_PIPELINE",
    "PRESETS",
    "PassRun",
    "Preset",
    "Result",
    "output_problems",
    "resolve",
    "run_pass",
    "simplify",
]
