"""Many processes under several reform scenarios at once: :func:`portfolio`.

A reform programme is judged across a service catalogue: every licence,
letter and permit of an office, under a few scenarios (presets or pipelines
of passes). :func:`portfolio` simplifies every process under every scenario,
compares each pair with :func:`procsimp.compare` and gathers one tidy row per
(process, scenario).

Assumptions and guarantees:

- A process that fails to load or to simplify yields a :class:`Failure` and
  never stops the batch; a scenario that names an unknown pass or option is an
  error in the call itself, raised before any work starts.
- Work runs serially, on any :class:`concurrent.futures.Executor`, or on a
  ``dask.distributed.Client``, in chunks of whole processes (about
  ``chunk_size`` process x scenario tasks each), so thousands of small
  processes do not drown the scheduler. Paths are loaded inside the worker.
- The results do not depend on the executor: the simulation seed of a process
  is derived from the base seed and the process's key (its source path, else
  its name) with a stable hash, and rows come back in input order. Every
  scenario of one process is simulated with the same seed, so its scenarios
  are compared on the same cases and its "before" figures agree across rows.
- Figures in different time units are never added: :meth:`PortfolioResult.totals`
  gives one line per scenario and time unit (a day is not a fixed number of
  hours without a calendar saying how long a working day is, nor a week a fixed
  number of days). Totals over services are weighted by each process's
  ``cases_per_year`` when every process of the unit declares it (the cut per
  case, and the time saved a year); otherwise they are per-process means.
- On-time shares come in a tidy table of their own, :attr:`PortfolioResult.on_time`:
  one record per (process, scenario, deadline) with the share before and after,
  the paired change and their 95 % intervals, exactly as :func:`procsimp.compare`
  reports them. Processes without deadlines add none, and their rows are as
  before. :meth:`PortfolioResult.on_time_totals` averages the shares over
  services per scenario and deadline, grouped by the deadline's id, limit and
  unit (a 5-working-day and a 10-working-day ``decision`` are never averaged).

A draft of 2 days, a 1-day transfer to the head, a signature of 1 day: 4 days.
Under SPBE (electronic transfers) the transfer vanishes: 3 days.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["head", "staff"], "handoff_delay": 1,
...     "roles": [{"id": "boss", "level": "head"}, {"id": "clerk", "level": "staff"}],
...     "steps": [{"id": "draft", "role": "clerk", "duration": 2},
...               {"id": "sign", "role": "boss", "kind": "signature", "duration": 1,
...                "after": ["draft"]}]})
>>> res = ps.portfolio([p], {"e-office": "spbe"}, n=200, progress=False)
>>> res.rows[0]["lead_time_before"], res.rows[0]["lead_time_after"], res.failures
(4.0, 3.0, ())
"""

from __future__ import annotations

import glob
import hashlib
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procsimp._checks import validated
from procsimp._progress import check_progress, progress_bar
from procsimp.comparison import METRICS, Report, compare
from procsimp.deadlines import WORKING_UNITS, start_dates, wilson
from procsimp.errors import OptionError, PrecisionWarning
from procsimp.io import load
from procsimp.model import Process
from procsimp.pipeline import resolve, simplify
from procsimp.render import Cell, Renderable, Table, Tables, require
from procsimp.simulation import check_cases, check_seed

if TYPE_CHECKING:
    import pandas

#: Suffixes of the process files a folder contributes.
SUFFIXES = (".yaml", ".yml", ".json", ".bpmn")
#: Process x scenario tasks per chunk at most, when ``chunk_size`` is not given.
MAX_CHUNK = 32
#: Simulated statistics of the lead time reported before and after, with their cut.
SIMULATED = ("mean", "p50", "p90")

#: Columns of :attr:`PortfolioResult.table`, in order.
COLUMNS: tuple[str, ...] = (
    "process", "source", "scenario", "time_unit", "cases_per_year", "changes",
    *(f"{name}_{part}" for name, _ in METRICS for part in ("before", "after", "cut")),
    *(f"simulated_{stat}_{part}" for stat in SIMULATED for part in ("before", "after", "cut")),
)
#: Columns of :meth:`PortfolioResult.on_time_frame`, one record per process x scenario x
#: deadline: shares of cases on time (0-1) before and after, the change ``after - before``,
#: each with the ends of its 95 % interval.
_SHARES = tuple(f"{share}{end}" for share in ("before", "after", "change")
                for end in ("", "_low", "_high"))
ON_TIME_COLUMNS: tuple[str, ...] = (
    "process", "source", "scenario", "deadline", "within", "unit", "on_miss",
    "cases_per_year", "cases", *_SHARES, "note",
)
#: On-time records shown in text, Markdown and HTML at most (beyond: frames, dicts, Excel).
SHOWN_ON_TIME = 30


@dataclass(frozen=True)
class Failure:
    """A process that could not be loaded, or simplified under one scenario."""

    process: str | None
    """Name of the process (None when it could not be loaded)."""
    source: str | None
    """The file it came from (None for a process given as an object)."""
    scenario: str | None
    """The scenario that failed (None when loading failed)."""
    error_type: str
    """Class of the exception, e.g. ``FileFormatError``."""
    error: str
    """Its message, which names the file or step and what to do."""


@dataclass(frozen=True, repr=False)
class PortfolioResult(Renderable):
    """What :func:`portfolio` returns: one row per process x scenario, and the failures.

    Shown as tables (:class:`~procsimp.render.Renderable`: Markdown, HTML, Excel, every
    table as a frame in ``to_frames()``); ``str()`` is :meth:`summary`, :meth:`to_frame`
    the rows and :meth:`to_dict` its own plain data, as before.
    """

    rows: tuple[dict[str, Any], ...]
    """One plain record per process x scenario, keys as :data:`COLUMNS`, in input order."""
    failures: tuple[Failure, ...]
    """Processes that failed to load (scenario None) or to simplify under a scenario."""
    scenarios: tuple[str, ...]
    processes: int
    """Processes given (loaded or not)."""
    n: int
    seed: int
    on_time: tuple[dict[str, Any], ...] = ()
    """One plain record per process x scenario x deadline the process declares, keys as
    :data:`ON_TIME_COLUMNS`, in the order of :attr:`rows` (none for processes without
    deadlines)."""
    start: Any = None
    """The cases' start dates given to :func:`portfolio` (None: none)."""

    @property
    def table(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (columns :data:`COLUMNS`)."""
        return self.to_frame()

    def to_frame(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame, one per process x scenario.

        Raises
        ------
        MissingDependencyError
            pandas is not installed (``pip install pandas``).
        """
        pd = require("pandas", "PortfolioResult.to_frame")
        return pd.DataFrame(list(self.rows), columns=list(COLUMNS))

    def on_time_frame(self) -> pandas.DataFrame:
        """The on-time shares as a tidy pandas DataFrame (columns :data:`ON_TIME_COLUMNS`).

        One row per process x scenario x deadline; join it to :attr:`table` on
        ``process``, ``source`` and ``scenario``. Shares are fractions of the cases that
        reach both ends of the deadline's clock (``cases``); NaN with a ``note`` when a
        deadline was not evaluated.

        Raises
        ------
        MissingDependencyError
            pandas is not installed (``pip install pandas``).
        """
        pd = require("pandas", "PortfolioResult.on_time_frame")
        frame = pd.DataFrame(list(self.on_time), columns=list(ON_TIME_COLUMNS))
        frame.attrs["units"] = dict.fromkeys(_SHARES, "share of cases")
        return frame

    def on_time_totals(self) -> list[OnTimeTotal]:
        """On-time shares per scenario and deadline (id, limit, unit) over the services
        (:class:`OnTimeTotal`)."""
        return on_time_totals(self.on_time)

    def failures_frame(self) -> pandas.DataFrame:
        """The failures as a pandas DataFrame (process, source, scenario, error_type, error)."""
        pd = require("pandas", "PortfolioResult.failures_frame")
        return pd.DataFrame([asdict(f) for f in self.failures],
                            columns=["process", "source", "scenario", "error_type", "error"])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data: settings, rows (NaN as None), totals, the on-time
        records and their totals, and failures."""
        def plain(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
            return [{k: _json_number(v) for k, v in r.items()} for r in records]

        return {"scenarios": list(self.scenarios), "n": self.n, "seed": self.seed,
                "start": _json_start(self.start),
                "rows": plain(self.rows),
                "totals": plain(asdict(t) for t in self.totals()),
                "on_time": plain(self.on_time),
                "on_time_totals": plain(asdict(t) for t in self.on_time_totals()),
                "failures": [asdict(f) for f in self.failures]}

    def totals(self, metric: str = "lead_time") -> list[Total]:
        """The cut per scenario and time unit, weighted by volume where known (:class:`Total`)."""
        return totals(self.rows, metric)

    def tables(self) -> Tables:
        """The cut per scenario and time unit, every row (a detail table: frames, dicts and
        Excel only) and the failures."""
        tables = [Table("Portfolio: cut per scenario and time unit", (
            "scenario", "time unit", "processes", "cases a year", "lead-time cut", "per",
            "cut a year", "layers cut"), tuple(
                (t.scenario, t.time_unit, t.processes, t.cases_per_year,
                 Cell(t.cut, f"{t.cut:,.2f} {t.time_unit}s"), "case" if t.weighted else "process",
                 Cell(t.cut_per_year, "-" if t.cut_per_year is None
                      else f"{t.cut_per_year:,.0f} {t.time_unit}s"), t.layers_cut)
                for t in self.totals()),
            notes=(f"{self.processes} processes x {len(self.scenarios)} scenarios, "
                   f"{len(self.failures)} failures; the flow lead time (on mean durations); "
                   f"cuts per case weighted by cases a year where every process of the unit "
                   f"declares it, else per process",), name="totals")]
        tables.append(Table("Portfolio rows", COLUMNS,
                            tuple(tuple(r.get(c) for c in COLUMNS) for r in self.rows),
                            name="rows", display=False))
        tables += self._on_time_tables()
        if self.failures:
            tables.append(Table("Failures", ("process", "source", "scenario", "error type",
                                             "error"),
                                tuple((f.process, f.source, f.scenario, f.error_type, f.error)
                                      for f in self.failures), name="failures", align="lllll"))
        return Tables(tuple(tables))

    def _on_time_tables(self) -> list[Table]:
        """The on-time totals and every on-time record (shown when there are few)."""
        if not self.on_time:
            return []
        out = []
        sums = self.on_time_totals()
        if sums:
            out.append(Table(
                "On time: share of cases per scenario and deadline", (
                    "scenario", "deadline", "within", "processes", "cases a year", "before",
                    "after", "change", "per", "more on time a year"), tuple(
                    (t.scenario, t.deadline, Cell(t.within, _limit(t.within, t.unit)),
                     t.processes, t.cases_per_year, Cell(t.before, _share(t.before)),
                     Cell(t.after, _share(t.after)), Cell(t.change, _pp(t.change)),
                     "case" if t.weighted else "process",
                     Cell(t.on_time_gain_per_year, "-" if t.on_time_gain_per_year is None
                          else f"{t.on_time_gain_per_year:+,.0f} cases"))
                    for t in sums),
                units={"before": "share of cases", "after": "share of cases",
                       "change": "share of cases"}, align="llrrrrrrlr",
                notes=("means over the services declaring each deadline (same id, limit and "
                       "unit), per case weighted by cases a year where every one of them "
                       "declares it, else per process; each service's shares with their 95% "
                       "intervals are in the on-time table (on_time_frame())",),
                name="on_time_totals"))
        out.append(Table(
            "On time per process, scenario and deadline (95% intervals; change paired)", (
                "process", "scenario", "deadline", "within", "cases", "before", "before 95% CI",
                "after", "after 95% CI", "change", "change 95% CI", "note"), tuple(
                (r["process"], r["scenario"], r["deadline"],
                 Cell(r["within"], _limit(r["within"], r["unit"])), r["cases"],
                 Cell(r["before"], _share(r["before"])),
                 Cell((r["before_low"], r["before_high"]), _interval(r, "before", _share)),
                 Cell(r["after"], _share(r["after"])),
                 Cell((r["after_low"], r["after_high"]), _interval(r, "after", _share)),
                 Cell(r["change"], _pp(r["change"])),
                 Cell((r["change_low"], r["change_high"]), _interval(r, "change", _pp)),
                 r["note"] or "") for r in self.on_time),
            units={c: "share of cases" for c in ("before", "before 95% CI", "after",
                                                 "after 95% CI", "change", "change 95% CI")},
            align="lllrrrrrrrrl", name="on_time", display=len(self.on_time) <= SHOWN_ON_TIME))
        return out

    def summary(self) -> str:
        """The cut per scenario and time unit (flow lead time and layers), the on-time
        shares per scenario and deadline (each record too when there are few), and the
        failures."""
        lines = [f"Portfolio: {self.processes} processes x {len(self.scenarios)} scenarios, "
                 f"{len(self.failures)} failures"]
        lines += [f"  {t}" for t in self.totals()]
        if self.on_time:
            lines.append("  on time, per scenario and deadline:")
            lines += [f"    {t}" for t in self.on_time_totals()]
            if len(self.on_time) <= SHOWN_ON_TIME:
                lines.append("  on time, per process (95% intervals; the change paired):")
                lines += [f"    {_on_time_line(r)}" for r in self.on_time]
        lines += [f"  failed: {f.source or f.process}"
                  f"{f' ({f.scenario})' if f.scenario else ''}: {f.error}" for f in self.failures]
        return "\n".join(lines)

    def __str__(self) -> str:  # the sentences of summary(), as before
        return self.summary()

    def __repr__(self) -> str:
        return (f"PortfolioResult({len(self.rows)} rows, {len(self.failures)} failures, "
                f"scenarios={list(self.scenarios)})")


@dataclass(frozen=True)
class Total:
    """The cut of one scenario over the processes in one time unit.

    With ``weighted`` (every one of these processes declares ``cases_per_year``)
    the cuts are means per case, weighted by volume, and ``cut_per_year`` is the
    time saved a year over all those cases; otherwise they are means per process
    and ``cut_per_year`` is None.
    """

    scenario: str
    time_unit: str
    metric: str
    """The time metric, e.g. ``lead_time`` (flow) or ``simulated_mean``."""
    processes: int
    weighted: bool
    cases_per_year: float | None
    """Total volume of these processes (None unless ``weighted``)."""
    cut: float
    """Mean cut of ``metric`` per case (weighted) or per process, in ``time_unit``."""
    cut_per_year: float | None
    """``time_unit`` s saved a year: the sum over processes of volume x cut."""
    layers_cut: float
    """Mean layers cut, per case or per process like ``cut``."""

    def __str__(self) -> str:
        unit = self.time_unit
        if self.weighted:
            assert self.cases_per_year is not None and self.cut_per_year is not None
            return (f"{self.scenario} ({_count(self.processes)} in {unit}s, "
                    f"{self.cases_per_year:,.0f} cases a year): "
                    f"{self.metric.replace('_', ' ')} cut {self.cut:,.2f} {unit}s per case "
                    f"({self.cut_per_year:,.0f} {unit}s a year), {self.layers_cut:.2f} "
                    f"layers per case")
        return (f"{self.scenario} ({_count(self.processes)} in {unit}s, cases per year "
                f"not given for all: means per process): {self.metric.replace('_', ' ')} cut "
                f"{self.cut:,.2f} {unit}s, {self.layers_cut:.2f} layers")


@dataclass(frozen=True)
class OnTimeTotal:
    """The on-time share of one scenario over the services declaring one deadline.

    A deadline is its id, limit and unit together: services whose ``decision`` has
    different limits get separate totals. With ``weighted`` (every such service
    declares ``cases_per_year``) the shares are per case, weighted by volume, and
    ``on_time_gain_per_year`` is the number of cases a year more on time; otherwise
    they are means per process and it is None. Services whose deadline was not
    evaluated (a NaN share in :attr:`PortfolioResult.on_time`) are left out.
    """

    scenario: str
    deadline: str
    within: float
    unit: str
    """The deadline's unit: ``working_day``, ``day``, ``working_hour`` or ``hour``."""
    processes: int
    weighted: bool
    cases_per_year: float | None
    """Total volume of these services (None unless ``weighted``)."""
    before: float
    """Share of cases on time before (0-1), per case or per process."""
    after: float
    change: float
    """``after - before``, averaged like the shares."""
    on_time_gain_per_year: float | None
    """Cases a year more on time: the sum over services of volume x change."""

    def __str__(self) -> str:
        limit = _limit(self.within, self.unit)
        shares = (f"{_share(self.before)} -> {_share(self.after)} on time "
                  f"({_pp(self.change)})")
        if self.weighted:
            assert self.cases_per_year is not None and self.on_time_gain_per_year is not None
            return (f"{self.scenario}: {self.deadline} within {limit} ({_count(self.processes)}, "
                    f"{self.cases_per_year:,.0f} cases a year): {shares} per case, "
                    f"{self.on_time_gain_per_year:+,.0f} cases a year on time")
        return (f"{self.scenario}: {self.deadline} within {limit} ({_count(self.processes)}, "
                f"means per process): {shares}")


def on_time_totals(records: Iterable[Mapping[str, Any]]) -> list[OnTimeTotal]:
    """One :class:`OnTimeTotal` per scenario and deadline (id, limit, unit) of on-time records.

    A deadline's services are weighted by ``cases_per_year`` only when every evaluated
    record of that deadline (in any scenario) has it, so its scenarios are compared on the
    same basis.

    >>> recs = [{"scenario": "s", "deadline": "decision", "within": 5, "unit": "working_day",
    ...          "cases_per_year": c, "before": b, "after": 1.0, "change": 1.0 - b}
    ...         for c, b in ((300, 0.5), (100, 1.0))]
    >>> t = on_time_totals(recs)[0]
    >>> t.weighted, t.before, t.after, t.on_time_gain_per_year
    (True, 0.625, 1.0, 150.0)
    """
    evaluated = [r for r in records if not _missing(r.get("before"))]
    volume_known: dict[tuple[str, float, str], bool] = {}
    groups: dict[tuple[str, str, float, str], list[Mapping[str, Any]]] = {}
    for r in evaluated:
        deadline = (str(r["deadline"]), float(r["within"]), str(r["unit"]))
        volume_known[deadline] = volume_known.get(deadline, True) and _volume(r) is not None
        groups.setdefault((str(r["scenario"]), *deadline), []).append(r)
    out = []
    for (scenario, ident, within, unit), group in groups.items():
        weighted, total, mean = _weighting(group, volume_known[(ident, within, unit)])
        change = mean("change")
        out.append(OnTimeTotal(scenario, str(ident), float(within), str(unit), len(group),
                               weighted, total if weighted else None, mean("before"),
                               mean("after"), change, change * total if weighted else None))
    return out


def _weighting(group: list[Mapping[str, Any]], weighted: bool
               ) -> tuple[bool, float, Callable[[str], float]]:
    """How a group of rows is averaged: weighted by ``cases_per_year`` when ``weighted``
    (unless every row declares 0 cases: nothing to weight), else per row.

    Returns whether it is weighted, the total weight (cases a year, or the row count)
    and the mean of a column under those weights.
    """
    weights = [(_volume(r) or 0.0) if weighted else 1.0 for r in group]
    total = math.fsum(weights)
    if weighted and total == 0:
        weighted, weights, total = False, [1.0] * len(group), float(len(group))

    def mean(key: str) -> float:
        return math.fsum(w * float(r[key]) for w, r in zip(weights, group, strict=True)) / total

    return weighted, total, mean


def totals(rows: Iterable[Mapping[str, Any]], metric: str = "lead_time") -> list[Total]:
    """One :class:`Total` per scenario and time unit of portfolio rows, in order of appearance.

    A time unit's processes are weighted by ``cases_per_year`` only when every
    row of that unit (in any scenario) has it, so all scenarios of a unit are
    compared on the same basis.

    >>> rows = [{"scenario": "s", "time_unit": "day", "cases_per_year": c,
    ...          "lead_time_cut": cut, "layers_cut": 1} for c, cut in ((300, 2), (100, 6))]
    >>> t = totals(rows)[0]
    >>> t.weighted, t.cut, t.cut_per_year
    (True, 3.0, 1200.0)
    """
    rows = list(rows)
    column = f"{metric}_cut"
    if rows and column not in rows[0]:
        raise OptionError(f"portfolio totals: no column {column!r}; metric is a time column "
                          f"pair such as lead_time, touch_time or simulated_mean")
    volume_known: dict[str, bool] = {}
    for r in rows:
        known = _volume(r) is not None
        volume_known[r["time_unit"]] = volume_known.get(r["time_unit"], True) and known
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault((str(r["scenario"]), str(r["time_unit"])), []).append(r)
    out = []
    for (scenario, unit), group in groups.items():
        weighted, total, mean = _weighting(group, volume_known[unit])
        cut = mean(column)
        out.append(Total(scenario, unit, metric, len(group), weighted,
                         total if weighted else None, cut,
                         cut * total if weighted else None, mean("layers_cut")))
    return out


def _count(n: int) -> str:
    return f"{n} process{'' if n == 1 else 'es'}"


def _volume(row: Mapping[str, Any]) -> float | None:
    value = row.get("cases_per_year")
    return None if value is None or _missing(value) else float(value)


def _missing(value: Any) -> bool:
    """None or NaN (a figure not computed)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _limit(within: float, unit: str) -> str:
    """A deadline's limit with its unit: ``5 working days``."""
    return f"{within:g} {unit.replace('_', ' ')}{'' if within == 1 else 's'}"


def _share(value: float | None) -> str:
    return "n/a" if value is None or _missing(value) else f"{value:.1%}"


def _pp(value: float | None) -> str:
    """A change of a share, in percentage points."""
    return "n/a" if value is None or _missing(value) else f"{value * 100:+.1f} pp"


def _interval(record: Mapping[str, Any], key: str, show: Any) -> str:
    low, high = record[f"{key}_low"], record[f"{key}_high"]
    return "-" if _missing(low) else f"[{show(low)}, {show(high)}]"


def _on_time_line(r: Mapping[str, Any]) -> str:
    """One on-time record as a sentence."""
    limit = _limit(r["within"], r["unit"])
    head = f"{r['process']}, {r['scenario']}: {r['deadline']} within {limit}"
    if _missing(r["before"]):
        return f"{head}: not evaluated ({r['note']})"
    return (f"{head}: {_share(r['before'])} {_interval(r, 'before', _share)} -> "
            f"{_share(r['after'])} {_interval(r, 'after', _share)} on time, change "
            f"{_pp(r['change'])} {_interval(r, 'change', _pp)} ({r['cases']:,} cases)")


@validated
def portfolio(processes: Iterable[Process | str | os.PathLike[str]] | str | os.PathLike[str],
              scenarios: Mapping[str, Any], n: int = 2000, seed: int = 0, *,
              executor: Any = None, chunk_size: int | None = None,
              progress: bool | None = None, start: Any = None) -> PortfolioResult:
    """Simplify and compare every process under every scenario.

    Parameters
    ----------
    processes
        Process objects and/or paths, each path a file, a folder (its ``*.yaml``,
        ``*.yml``, ``*.json`` and ``*.bpmn`` files) or a glob pattern
        (``"catalogue/**/*.yaml"``); or one such path.
    scenarios
        Scenario name -> a preset name, a pass name, a list of pass names, or
        ``{"passes": [...], "options": {...}}``.
    n
        Simulated cases per version (0 skips the simulation; its columns are NaN).
    seed
        Base seed; each process's seed is derived from it and the process's key.
    executor
        None (serial), a :class:`concurrent.futures.Executor`, or a
        ``dask.distributed.Client``.
    chunk_size
        Process x scenario tasks sent to a worker at once (whole processes);
        default a sixty-fourth of the batch (so uneven processes balance), at most
        :data:`MAX_CHUNK`.
    progress
        Show progress (tqdm when installed, else a text line on standard error): None
        on a terminal once the work passes two seconds, True always, False never (see
        :mod:`procsimp._progress`).
    start
        Start dates of every process's cases (a date, ``(FIRST, LAST)`` or an arrival
        pattern; see :func:`procsimp.simulate`), for deadlines counted in calendar time (``day``,
        ``hour``) on a process with a calendar; without it those deadlines are left
        out, with a ``note`` in :attr:`PortfolioResult.on_time`.

    Returns
    -------
    PortfolioResult

    Raises
    ------
    OptionError
        No scenarios, an unknown pass, preset or option, a bad ``n``, ``seed`` or
        ``chunk_size``, a ``start`` that is not a date, a range or a pattern, no process
        found, or an executor of an unknown kind.
    """
    plan = _scenarios(scenarios)
    progress = check_progress(progress, "portfolio")
    n = check_cases(n, "portfolio", none_ok=True)
    seed = check_seed(seed, "portfolio", draw=False)
    if start is not None:
        try:
            start_dates(start, 1)
        except OptionError as exc:
            raise OptionError(f"portfolio: {str(exc).removeprefix('simulate: ')}") from None
    items = _items(processes)
    size = chunk_size if chunk_size is not None else max(
        1, min(MAX_CHUNK, math.ceil(len(items) * len(plan) / 64)))
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise OptionError(f"portfolio: chunk_size must be a positive integer, got {chunk_size!r}")
    per_chunk = max(1, size // len(plan))
    chunks = [items[i:i + per_chunk] for i in range(0, len(items), per_chunk)]
    done: Outcome = []
    with progress_bar(len(items) * len(plan), "portfolio", progress=progress,
                      unit="task") as bar:
        for chunk, outcome in _run(chunks, plan, n, seed, executor, start):
            done += outcome
            bar.update(len(chunk) * len(plan))
    done.sort(key=lambda d: d[0])
    rows = tuple(row for _, r, _, _ in done for row in r)
    failures = tuple(f for _, _, fs, _ in done for f in fs)
    on_time = tuple(record for _, _, _, o in done for record in o)
    return PortfolioResult(rows=rows, failures=failures, scenarios=tuple(plan),
                           processes=len(items), n=n, seed=seed, on_time=on_time, start=start)


# --- inputs ------------------------------------------------------------------------------

Item = tuple[int, "Process | str"]
Plan = dict[str, tuple[Any, dict[str, Any]]]


def _scenarios(scenarios: Mapping[str, Any]) -> Plan:
    """Scenario specs as ``{name: (passes, options)}``, each checked by resolving it."""
    if not isinstance(scenarios, Mapping) or not scenarios:
        raise OptionError("portfolio: give scenarios as a non-empty mapping of name -> preset, "
                          "list of passes, or {'passes': [...], 'options': {...}}")
    plan: Plan = {}
    for name, spec in scenarios.items():
        if isinstance(spec, Mapping):
            stray = set(spec) - {"passes", "options"}
            if stray:
                raise OptionError(f"portfolio: scenario {name!r} has unknown keys "
                                  f"{sorted(stray)}; use 'passes' and 'options'")
            passes, options = spec.get("passes"), dict(spec.get("options") or {})
        else:
            passes, options = spec, {}
        if not isinstance(passes, str):
            if not isinstance(passes, Sequence) or not all(isinstance(p, str) for p in passes):
                raise OptionError(f"portfolio: scenario {name!r} must be a preset name, a list "
                                  f"of pass names or {{'passes': [...], 'options': {{...}}}}, "
                                  f"got {spec!r}")
            passes = list(passes)
        try:
            resolve(passes, options)
        except OptionError as exc:
            raise OptionError(f"portfolio: scenario {name!r}: {exc}") from None
        plan[str(name)] = (passes, options)
    return plan


def _items(processes: Any) -> list[Item]:
    """``(position, Process or path string)`` for every process to run, in input order."""
    if isinstance(processes, (str, os.PathLike)):
        found: list[Process | str] = [*_expand(os.fspath(processes))]
    elif isinstance(processes, Process):
        found = [processes]
    elif isinstance(processes, Iterable):
        found = []
        for p in processes:
            if isinstance(p, Process):
                found.append(p)
            elif isinstance(p, (str, os.PathLike)):
                found += _expand(os.fspath(p))
            else:
                raise OptionError(f"portfolio: processes must be Process objects or paths, got "
                                  f"{type(p).__name__}")
    else:
        raise OptionError(f"portfolio: processes must be an iterable of Process objects or "
                          f"paths, a folder or a glob pattern, got {type(processes).__name__}")
    if not found:
        raise OptionError(f"portfolio: no process found in {processes!r}; give process files "
                          f"({', '.join(SUFFIXES)}) or Process objects")
    return list(enumerate(found))


def _expand(spec: str) -> list[str]:
    """A folder's process files, a glob's matches, or the single file, sorted."""
    if os.path.isdir(spec):
        return sorted(str(p) for p in Path(spec).iterdir()
                      if p.is_file() and p.suffix.lower() in SUFFIXES)
    if glob.has_magic(spec):
        return sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
    return [spec]


# --- the work, in a worker ---------------------------------------------------------------

def task_seed(seed: int, key: str) -> int:
    """The simulation seed of one process: a stable hash of the base seed and its key.

    >>> task_seed(0, "letters/outgoing.yaml") == task_seed(0, "letters/outgoing.yaml")
    True
    """
    # a file name that is not valid UTF-8 reaches Python as surrogate escapes: keep its bytes
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode("utf-8", "surrogateescape"),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # a non-negative 63-bit integer


#: What a worker returns per process: its position, rows, failures and on-time records.
Done = tuple[int, list[dict[str, Any]], list[Failure], list[dict[str, Any]]]
Outcome = list[Done]


def run_chunk(chunk: Sequence[Item], plan: Plan, n: int, seed: int,
              start: Any = None) -> Outcome:
    """Run every scenario on each process of a chunk (what a worker does); never raises."""
    return [_run_one(position, item, plan, n, seed, start) for position, item in chunk]


def shown(path: str | None) -> str | None:
    """A file name as text any console can print: bytes that are not UTF-8 as ``\\xNN``.

    >>> shown("caf\\udce9.yaml")
    'caf\\\\xe9.yaml'
    """
    if path is None:
        return None
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _failure(process: str | None, source: str | None, scenario: str | None,
             exc: BaseException, prefix: str = "") -> Failure:
    """A failure row whose message names its file, process and scenario."""
    where = ", ".join(part for part in (
        f"file {source}" if source is not None else "",
        f"process {process!r}" if process is not None else "",
        f"scenario {scenario!r}" if scenario is not None else "") if part)
    message = shown(str(exc)) or type(exc).__name__
    return Failure(process, source, scenario, type(exc).__name__,
                   f"{where}: {prefix}{message}" if where else f"{prefix}{message}")


def _run_one(position: int, item: Process | str, plan: Plan, n: int, seed: int,
             start: Any) -> Done:
    source = None if isinstance(item, Process) else shown(item)
    try:
        proc = item if isinstance(item, Process) else load(item)
        process_seed = task_seed(seed, item if isinstance(item, str) else proc.name)
    except Exception as exc:  # one bad file must not stop the batch
        return position, [], [_failure(None, source, None, exc)], []
    rows, failures, on_time = [], [], []
    for name, (passes, options) in plan.items():
        try:
            result = simplify(proc, passes, options)
            # the table keeps point values only, which need no bootstrap intervals
            with warnings.catch_warnings():  # the table has no intervals to qualify
                warnings.simplefilter("ignore", PrecisionWarning)
                # an undated calendar-time deadline becomes a note in its on-time record
                warnings.filterwarnings("ignore", "simulate .*counts calendar time",
                                        UserWarning)
                report = compare(proc, result, n=n, seed=process_seed, bootstrap=0,
                                 start=start)
        except Exception as exc:  # a pass that fails on one process fails that row only
            failures.append(_failure(proc.name, source, name, exc))
            continue
        row: dict[str, Any] = {
            "process": proc.name, "source": source, "scenario": name,
            "time_unit": proc.time_unit, "cases_per_year": proc.cases_per_year,
            "changes": sum(1 for c in result.changes if c.kind != "skipped")}
        for m in report.metrics:
            row.update({f"{m.name}_before": m.before, f"{m.name}_after": m.after,
                        f"{m.name}_cut": m.cut})
        sim = report.simulation
        for stat in SIMULATED:
            before = getattr(sim.before, stat) if sim else math.nan
            after = getattr(sim.after, stat) if sim else math.nan
            cut = getattr(sim, f"{stat}_cut").value if sim else math.nan
            row.update({f"simulated_{stat}_before": before, f"simulated_{stat}_after": after,
                        f"simulated_{stat}_cut": cut})
        rows.append(row)
        on_time += _on_time_records(proc, result.process, report, source, name, start)
    return position, rows, failures, on_time


def _on_time_records(before: Process, after: Process, report: Report, source: str | None,
                     scenario: str, start: Any) -> list[dict[str, Any]]:
    """One record per deadline ``before`` declares: compare's paired change, or a note.

    The shares' intervals are the Wilson intervals on the paired cases, the ones
    :func:`procsimp.deadlines.paired_change` combines into the change's interval.
    """
    changes = {c.id: c for c in report.on_time}
    kept = {d.id for d in after.deadlines}
    out = []
    for d in before.deadlines:
        record: dict[str, Any] = {
            "process": before.name, "source": source, "scenario": scenario, "deadline": d.id,
            "within": d.within, "unit": d.unit, "on_miss": d.on_miss,
            "cases_per_year": before.cases_per_year, "cases": 0,
            **dict.fromkeys(_SHARES, math.nan), "note": None}
        c = changes.get(d.id)
        if c is not None and c.cases:
            (b_low, b_high), (a_low, a_high) = wilson(c.before, c.cases), wilson(c.after, c.cases)
            record.update(cases=c.cases, before=c.before, before_low=b_low, before_high=b_high,
                          after=c.after, after_low=a_low, after_high=a_high, change=c.change,
                          change_low=c.ci[0], change_high=c.ci[1])
        elif c is not None:
            record["note"] = "no simulated case reaches both ends of its clock"
        elif not report.n:
            record["note"] = "not simulated (n=0)"
        elif d.id not in kept:
            record["note"] = "the process after this scenario no longer declares it"
        elif before.calendar is not None and start is None and d.unit not in WORKING_UNITS:
            record["note"] = ("counts calendar time, which needs the cases' dates: give "
                              "portfolio start= (the CLI's --start)")
        else:
            record["note"] = "not evaluated"
        out.append(record)
    return out


# --- executors ---------------------------------------------------------------------------


def _run(chunks: list[list[Item]], plan: Plan, n: int, seed: int, executor: Any,
         start: Any = None) -> Iterator[tuple[list[Item], Outcome]]:
    """Each chunk with its outcome, in completion order.

    A chunk whose worker died (``os._exit`` in a pass, a memory kill: a broken process
    pool, a killed or lost Dask worker) is run again one process and one scenario at a
    time, each in a fresh process of its own, so every row that can be computed is, and
    the one that kills its worker becomes a failure naming its file, process and scenario.
    """
    if executor is None:
        for chunk in chunks:
            yield chunk, run_chunk(chunk, plan, n, seed, start)
    elif _is_dask_client(executor):
        from distributed import as_completed as dask_completed

        # each chunk travels with its task: scattered data would die with the worker
        # holding it, and take every task that needs it along
        futures = [executor.submit(run_chunk, c, plan, n, seed, start, pure=False)
                   for c in chunks]
        chunk_of = {f.key: c for f, c in zip(futures, chunks, strict=True)}
        for future in dask_completed(futures):
            chunk = chunk_of[future.key]
            yield chunk, _outcome(future.result, chunk, plan, n, seed, start)
            future.release()
    elif isinstance(executor, Executor):
        submitted = {executor.submit(run_chunk, c, plan, n, seed, start): c for c in chunks}
        for future in as_completed(submitted):
            chunk = submitted.pop(future)
            yield chunk, _outcome(future.result, chunk, plan, n, seed, start)
    else:
        raise OptionError(f"portfolio: executor must be None, a concurrent.futures.Executor or "
                          f"a dask.distributed.Client, got {type(executor).__name__}")


def _outcome(get: Any, chunk: list[Item], plan: Plan, n: int, seed: int,
             start: Any) -> Outcome:
    """A chunk's outcome; when its worker died, each process and scenario run alone."""
    try:
        return get()
    except BaseException as exc:  # a worker killed, lost, or a chunk that cannot be pickled
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return [_isolated(position, item, plan, n, seed, start, exc)
                for position, item in chunk]


def _isolated(position: int, item: Process | str, plan: Plan, n: int, seed: int,
              start: Any, cause: BaseException) -> Done:
    """One process, every scenario in a fresh one-worker process pool of its own."""
    from concurrent.futures import ProcessPoolExecutor

    rows: list[dict[str, Any]] = []
    failures: list[Failure] = []
    on_time: list[dict[str, Any]] = []
    name = item.name if isinstance(item, Process) else None
    source = None if isinstance(item, Process) else shown(item)
    for scenario, spec in plan.items():
        try:
            with ProcessPoolExecutor(1) as alone:
                [(_, r, f, o)] = alone.submit(run_chunk, [(position, item)],
                                              {scenario: spec}, n, seed, start).result()
        except Exception as exc:  # it kills its worker even alone
            failures.append(_failure(name, source, scenario, exc, prefix=(
                f"the worker died running it (a pass that exits, or a memory kill; first "
                f"seen as {type(cause).__name__}: {shown(str(cause)) or 'no message'}): ")))
            continue
        rows += r
        on_time += o
        if f and f[0].scenario is None:  # it failed to load: once is enough
            return position, [], f, []
        failures += f
    return position, rows, failures, on_time


def _is_dask_client(executor: Any) -> bool:
    distributed = sys.modules.get("distributed")  # a Client exists only if it was imported
    return distributed is not None and isinstance(executor, distributed.Client)


def _json_number(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _json_start(start: Any) -> Any:
    """The start dates as JSON: dates as text, a range as a list, a pattern as a mapping."""
    if start is None or isinstance(start, (bool, int, float)):
        return start
    if isinstance(start, Mapping):
        return {str(k): _json_start(v) for k, v in start.items()}
    if isinstance(start, (tuple, list)):
        return [_json_start(d) for d in start]
    return str(start)


__all__ = ["COLUMNS", "ON_TIME_COLUMNS", "Failure", "OnTimeTotal", "PortfolioResult", "Total",
           "on_time_totals", "portfolio", "shown", "task_seed", "totals"]
