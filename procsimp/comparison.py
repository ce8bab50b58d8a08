"""Before/after comparison of two versions of a process: :func:`compare` and :class:`Report`.

The report puts side by side every numeric metric of :func:`procsimp.measure`
(before, after, the cut ``before - after`` and the cut relative to before)
and the simulated lead time of both versions. Both are simulated with the
same seed; since every step draws from its own random stream keyed by
(seed, step id), sample ``i`` of the two simulations is the same case, with
the same draws for every step the two versions share (common random
numbers). The cut is therefore estimated case by case, from the paired
differences:

- mean cut: the mean of ``before.samples - after.samples``, with the normal
  interval ``mean +- 1.96 std(diff) / sqrt(n)``;
- p50 and p90 cuts: ``p(before) - p(after)``, with a paired percentile
  bootstrap interval (the same resampled cases for both versions) while
  ``n x bootstrap`` stays under :data:`BOOTSTRAP_BUDGET`; a larger run uses
  paired *sectioning* instead: the cases split into :data:`SECTIONS` equal
  sections, the cut is estimated in each, and the interval is the full-sample
  cut plus or minus Student's t (``SECTIONS - 1`` degrees of freedom) times the
  sections' standard error (Asmussen & Glynn, *Stochastic Simulation*, 2007,
  III.5a; Nakayama 2014 shows it valid for quantiles). It costs one sort of the
  cases, so ``compare(n=1_000_000)`` costs little more than its two simulations.

Pairing removes the case-to-case variation the two versions share, so the
interval of the cut is far narrower than those of the two means; with fixed
durations it has zero width. When the version after comes from
:func:`procsimp.simplify`, the report also attributes the cut in the flow
lead time to each pass in turn.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c", "duration": 2},
...               {"id": "b", "role": "c", "duration": 3, "after": ["a"]}]})
>>> q = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c", "duration": 2}]})
>>> rep = ps.compare(p, q, n=1000)
>>> rep.metric("lead_time").cut, rep.simulation.mean_cut.ci
(3.0, (3.0, 3.0))
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from procsimp._checks import check_count, validated
from procsimp._progress import check_progress, progress_bar
from procsimp.deadlines import OnTimeChange, paired_change
from procsimp.errors import OptionError, UnrelatedWarning
from procsimp.intervals import mean_interval
from procsimp.metrics import Metrics, measure
from procsimp.model import Process
from procsimp.pipeline import Result
from procsimp.queueing import RoleLoad, load_changes, load_notes
from procsimp.render import Cell, Renderable, Table, Tables, require
from procsimp.simulation import SimulationResult, check_cases, check_seed, simulate

if TYPE_CHECKING:
    import pandas

MetricKind = Literal["count", "time", "ratio", "money"]

#: The numeric metrics of :class:`~procsimp.Metrics` the report compares, with how to print them.
METRICS: tuple[tuple[str, MetricKind], ...] = (
    ("steps", "count"),
    ("roles_involved", "count"),
    ("layers", "count"),
    ("approval_layers", "count"),
    ("handoffs", "count"),
    ("vertical_handoffs", "count"),
    ("lead_time", "time"),
    ("touch_time", "time"),
    ("cycle_efficiency", "ratio"),
    ("cost", "money"),
)

#: Bootstrap resamples for the intervals of the quantile cuts.
BOOTSTRAP = 1000
#: Bootstrap resamples at most (beyond 100,000 the interval's ends no longer move).
MAX_BOOTSTRAP = 100_000
#: Resampled cases held at once by the bootstrap (bounds its memory to about 50 MB).
_BOOTSTRAP_CELLS = 2_000_000
#: Largest ``n x bootstrap`` resampled (about a second); a larger run sections instead.
BOOTSTRAP_BUDGET = 20_000_000
#: Sections of the paired cases for the quantile cuts of a large run.
SECTIONS = 40
#: Fewest cases per section (a p90 needs a few hundred cases to be near normal).
SECTION_CASES = 500
#: Student's t 97.5 % point for ``SECTIONS - 1`` = 39 degrees of freedom.
_T_SECTIONS = 2.0226909200367604


@dataclass(frozen=True)
class MetricCut:
    """One metric before and after, and how much it was cut."""

    name: str
    """Field name in :class:`~procsimp.Metrics` (``lead_time``, ``layers``, ...)."""
    kind: MetricKind
    """``count``, ``time`` (in the report's time unit), ``ratio`` or ``money``."""
    before: float
    after: float
    cut: float
    """``before - after``: positive when the metric went down."""
    relative_cut: float | None
    """``cut / before``; None when ``before`` is 0."""


@dataclass(frozen=True)
class Estimate:
    """A cut estimated from simulated cases, with its 95 % confidence interval."""

    value: float
    ci: tuple[float, float]
    method: Literal["paired_skew_corrected", "paired_bootstrap", "paired_sectioning",
                    "independent_order_statistics"]
    """``paired_skew_corrected``: Hall's skewness-corrected interval of the mean of the
    paired differences (:func:`procsimp.intervals.mean_interval`; mean +- 1.96 standard
    errors when the differences are symmetric);
    ``paired_bootstrap``: percentile bootstrap over resampled cases, both versions alike;
    ``paired_sectioning`` (large runs): the full-sample cut +- t x the standard error of the
    cut estimated in :data:`SECTIONS` sections of the paired cases;
    ``independent_order_statistics`` (``bootstrap=0``): from the two quantiles' own
    order-statistic intervals, ``[lo_before - hi_after, hi_before - lo_after]``, which
    ignores the pairing and is conservative."""


@dataclass(frozen=True)
class SimulatedLeadTime:
    """Summary of one version's simulated lead time."""

    mean: float
    p50: float
    p90: float
    mean_ci: tuple[float, float]
    p50_ci: tuple[float, float]
    p90_ci: tuple[float, float]

    @classmethod
    def of(cls, sim: SimulationResult) -> SimulatedLeadTime:
        return cls(mean=sim.mean, p50=sim.p50, p90=sim.p90, mean_ci=sim.mean_ci,
                   p50_ci=sim.p50_ci, p90_ci=sim.p90_ci)


@dataclass(frozen=True)
class SimulatedCut:
    """Simulated lead time of both versions on the same cases, and the cut."""

    before: SimulatedLeadTime
    after: SimulatedLeadTime
    mean_cut: Estimate
    p50_cut: Estimate
    p90_cut: Estimate


@dataclass(frozen=True)
class PassCut:
    """What one pass of a pipeline contributed: the process after it, and the cut it made."""

    name: str
    steps: int
    layers: int
    lead_time: float
    """Flow lead time after this pass."""
    lead_time_cut: float
    """Flow lead time before this pass minus after it."""
    changes: int
    """Changes made (removed, merged, ...), skipped ones not counted."""
    skipped: int
    """Changes the pass deliberately did not make (locked steps, ...)."""


@dataclass(frozen=True, repr=False)
class Report(Renderable):
    """Before/after comparison returned by :func:`compare`: plain data, printable.

    ``metrics`` holds every numeric metric (see :data:`METRICS`); ``simulation``
    the simulated lead times and their cuts (None when ``n`` is 0);
    ``attribution`` the cut made by each pass (None unless the version after
    came with a :class:`~procsimp.pipeline.Result`).
    """

    before_name: str
    after_name: str
    time_unit: str
    n: int
    seed: int
    """The seed both versions were simulated with (drawn afresh when ``compare`` got None)."""
    metrics: tuple[MetricCut, ...]
    simulation: SimulatedCut | None
    attribution: tuple[PassCut, ...] | None
    notes: tuple[str, ...] = ()
    """Caveats about the figures (e.g. a lead time estimated over branch outcomes)."""
    on_time: tuple[OnTimeChange, ...] = ()
    """Per deadline both versions declare, its on-time share before and after and the
    paired change (see :func:`procsimp.deadlines.paired_change`)."""
    workload: tuple[RoleLoad, ...] = ()
    """Per role, utilisation and queue wait before and after, when both versions declare
    ``arrivals`` (see :func:`procsimp.queueing.load_changes`)."""

    @validated
    def metric(self, name: str) -> MetricCut:
        """The row of one metric, by its field name in :class:`~procsimp.Metrics`."""
        for row in self.metrics:
            if row.name == name:
                return row
        raise OptionError(f"no metric {name!r} in the report; metrics: "
                          f"{', '.join(r.name for r in self.metrics)}")

    # --- plain data ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-serialisable plain data."""
        return {
            "before": self.before_name, "after": self.after_name, "time_unit": self.time_unit,
            "n": self.n, "seed": self.seed,
            "metrics": {r.name: {k: v for k, v in asdict(r).items() if k != "name"}
                        for r in self.metrics},
            "simulation": _lists(asdict(self.simulation)) if self.simulation else None,
            "attribution": ([asdict(a) for a in self.attribution]
                            if self.attribution is not None else None),
            "notes": list(self.notes),
            "on_time": {c.id: _lists({k: v for k, v in asdict(c).items() if k != "id"})
                        for c in self.on_time},
            "workload": {c.role: {k: (None if isinstance(v, float) and not math.isfinite(v)
                                      else v) for k, v in asdict(c).items() if k != "role"}
                         for c in self.workload},
        }

    @validated
    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text (``indent``: spaces per level, 0 to 16, or None: one line)."""
        if indent is not None:
            check_count(indent, "Report.to_json", "indent", high=16)
        return json.dumps(self.to_dict(), indent=indent)

    def to_frame(self) -> pandas.DataFrame:
        """One row per metric (then the simulated mean, p50 and p90) as a pandas DataFrame.

        Columns: ``before``, ``after``, ``cut``, ``relative_cut``, ``cut_ci_low``,
        ``cut_ci_high`` (the interval only for simulated figures).

        Raises
        ------
        MissingDependencyError
            pandas is not installed (``pip install pandas``).
        """
        pd = require("pandas", "Report.to_frame")
        rows: dict[str, dict[str, float | None]] = {}
        for r in self.metrics:
            rows[r.name] = {"before": r.before, "after": r.after, "cut": r.cut,
                            "relative_cut": r.relative_cut, "cut_ci_low": None,
                            "cut_ci_high": None}
        for stat, before, after, est in self._simulated():
            rows[f"simulated_{stat}"] = {
                "before": before, "after": after, "cut": est.value,
                "relative_cut": _relative(est.value, before),
                "cut_ci_low": est.ci[0], "cut_ci_high": est.ci[1]}
        frame = pd.DataFrame.from_dict(rows, orient="index", dtype=float)
        frame.index.name = "metric"
        return frame

    # --- text ----------------------------------------------------------------------------

    def _simulated(self) -> list[tuple[str, float, float, Estimate]]:
        s = self.simulation
        if s is None:
            return []
        return [("mean", s.before.mean, s.after.mean, s.mean_cut),
                ("p50", s.before.p50, s.after.p50, s.p50_cut),
                ("p90", s.before.p90, s.after.p90, s.p90_cut)]

    def tables(self) -> Tables:
        """The report's tables (metrics, simulated lead time, on time, cut by pass) and notes.

        Every cell keeps its value (:class:`~procsimp.render.Cell`): ``to_frames()`` and
        ``to_excel()`` hold the numbers, the text the formatted figures.
        """
        t = self._time
        title = (f"{self.before_name}: before -> after" if self.before_name == self.after_name
                 else f"{self.before_name} -> {self.after_name}")
        tables = [Table(title, ("metric", "before", "after", "cut", "cut %"), tuple(
            (r.name.replace("_", " "), Cell(r.before, _fmt(r.before, r.kind, t)),
             Cell(r.after, _fmt(r.after, r.kind, t)), Cell(r.cut, _fmt_cut(r.cut, r.kind, t)),
             Cell(r.relative_cut, _pct(r.relative_cut))) for r in self.metrics),
            name="metrics", units={"cut %": "share of before"})]
        if self.simulation is not None:
            tables.append(Table(
                f"Simulated lead time, {self.n:,} paired cases (seed {self.seed})",
                ("statistic", "before", "after", "cut", "95% CI of the cut", "cut %"), tuple(
                    (stat, Cell(before, t(before)), Cell(after, t(after)),
                     Cell(est.value, t(est.value)),
                     Cell(est.ci, f"[{t(est.ci[0])}, {t(est.ci[1])}]"),
                     Cell(_relative(est.value, before), _pct(_relative(est.value, before))))
                    for stat, before, after, est in self._simulated()),
                name="simulated", units={c: self.time_unit for c in ("before", "after", "cut",
                                                                     "95% CI of the cut")}))
        if self.on_time:
            tables.append(Table(
                f"On time, {self.n:,} paired cases",
                ("deadline", "within", "before", "after", "change", "95% CI of the change"),
                tuple((c.id + (f" ({c.on_miss.replace('_', ' ')} when late)"
                               if c.on_miss != "none" else ""),
                       Cell(c.within, f"{c.within:g} {c.unit.replace('_', ' ')}s"),
                       Cell(c.before, f"{c.before:.1%}"), Cell(c.after, f"{c.after:.1%}"),
                       Cell(c.change, _pp(c.change)),
                       Cell(c.ci, f"[{_pp(c.ci[0])}, {_pp(c.ci[1])}]"))
                      for c in self.on_time), name="on_time"))
        if self.attribution is not None:
            tables.append(Table(
                "Lead-time cut by pass (expected, on mean durations)",
                ("pass", "steps", "layers", "lead time", "lead-time cut", "changes", "skipped"),
                tuple((a.name, Cell(a.steps, str(a.steps)), Cell(a.layers, str(a.layers)),
                       Cell(a.lead_time, t(a.lead_time)), Cell(a.lead_time_cut,
                                                               t(a.lead_time_cut)),
                       Cell(a.changes, str(a.changes)), Cell(a.skipped, str(a.skipped)))
                      for a in self.attribution),
                name="attribution", units={"lead time": self.time_unit,
                                           "lead-time cut": self.time_unit}))
        if self.workload:
            def wait(w: float) -> Cell:
                return Cell(None, "-") if math.isnan(w) else \
                    Cell(None, "unstable") if math.isinf(w) else Cell(w, t(w))
            tables.append(Table(
                "Workload by role (utilisation and mean queue wait)",
                ("role", "utilisation before", "utilisation after", "wait before",
                 "wait after", "bottleneck"),
                tuple((c.role, Cell(c.utilisation_before, f"{c.utilisation_before:.1%}"),
                       Cell(c.utilisation_after, f"{c.utilisation_after:.1%}"),
                       wait(c.wait_before), wait(c.wait_after),
                       _bottleneck_words(c.bottleneck_before, c.bottleneck_after))
                      for c in self.workload), name="workload", index="role",
                notes=load_notes(self.workload)))
        return Tables(tuple(tables), tuple(self._footer()))

    def _time(self, value: float) -> str:
        return f"{value:,.2f} {self.time_unit}s"

    def _footer(self) -> list[str]:
        s = self.simulation
        lines = ["Lead time and touch time in the first table are expected figures on mean "
                 "durations (see measure)" + ("; the simulated figures are what cases "
                                               "experience." if s else ".")]
        if s is not None:
            quantiles = ("the quantiles by a paired bootstrap"
                         if s.p90_cut.method == "paired_bootstrap" else
                         f"the quantiles by paired sectioning ({SECTIONS} sections of the "
                         f"cases, Student's t)" if s.p90_cut.method == "paired_sectioning" else
                         "the quantiles (not paired, conservative) from their own "
                         "order-statistic intervals")
            lines.append("Cut = before - after. Both versions are simulated on the same cases; "
                         "the interval of the mean cut comes from the paired differences, "
                         f"{quantiles}.")
        efficiency = self.metric("cycle_efficiency")
        if efficiency.cut < 0:
            lines.append(f"Cycle efficiency rose from {efficiency.before:.1%} to "
                         f"{efficiency.after:.1%}: a rise is the improvement here, so its cut "
                         f"is negative.")
        return lines + list(self.notes)

    def __repr__(self) -> str:
        lead = self.metric("lead_time")
        layers = self.metric("layers")
        return (f"Report({self.before_name!r} -> {self.after_name!r}, layers {layers.before:g} -> "
                f"{layers.after:g}, lead_time {lead.before:.4g} -> {lead.after:.4g} "
                f"{self.time_unit}s)")


@validated
def compare(before: Process, after: Process | Result, n: int = 10_000, seed: int | None = 0,
            *, result: Result | None = None, bootstrap: int = BOOTSTRAP,
            start: Any = None, progress: bool | None = None) -> Report:
    """Compare two versions of a process: metrics, simulated lead time, cut per pass.

    Parameters
    ----------
    before
        The process as it is.
    after
        The process after reform, or the :class:`~procsimp.pipeline.Result` of
        :func:`procsimp.simplify` (its ``process`` is compared, and the cut is
        attributed to each pass).
    n
        Simulated cases for each version; 0 skips the simulation.
    seed
        Seed of both simulations (the same, so the cases are paired); None draws one.
    result
        The :class:`~procsimp.pipeline.Result` that produced ``after``, for the
        attribution, when ``after`` is given as a process.
    bootstrap
        Resamples for the paired intervals of the p50 and p90 cuts. Their cost grows
        with ``n x bootstrap`` (about 0.4 s for 10,000 cases and 1,000 resamples); above
        :data:`BOOTSTRAP_BUDGET` (from 20,001 cases at the default) the intervals come
        from paired sectioning instead (one sort, see the module notes); 0 uses the two
        quantiles' independent order-statistic intervals, instant but conservative (wide).
    start
        Start dates of the cases (see :func:`procsimp.simulate`), for deadlines counted
        in calendar time.
    progress
        Show progress (tqdm when installed, else a text line on standard error): None
        on a terminal once the work passes two seconds, True always, False never.

    Returns
    -------
    Report

    Raises
    ------
    OptionError
        ``before``/``after`` are not processes, their time units differ, ``result``
        does not belong to them, or ``n``, ``seed`` or ``bootstrap`` is invalid.

    Warns
    -----
    UnrelatedWarning
        ``before`` and ``after`` share no step id: the report is computed (and says so in
        its ``notes``), but it compares two different services, not a reform of one.
    """
    if isinstance(after, Result):
        if result is not None and result is not after:
            raise OptionError("compare: give the simplify Result either as `after` or as "
                              "`result=`, not two different ones")
        result, after = after, after.process
    for label, proc in (("before", before), ("after", after)):
        if not isinstance(proc, Process):
            raise OptionError(f"compare: {label} must be a Process (or, for after, a simplify "
                              f"Result), got {type(proc).__name__}")
    if result is not None:
        if not isinstance(result, Result):
            raise OptionError(f"compare: result must be a simplify Result, got "
                              f"{type(result).__name__}")
        if not (result.original is before or result.original == before):
            raise OptionError("compare: result was computed from a different process than "
                              "`before`; pass the process you simplified")
        if not (result.process is after or result.process == after):
            raise OptionError("compare: `after` is not the process of result; pass "
                              "result.process (or the Result itself)")
    if before.time_unit != after.time_unit:
        raise OptionError(f"compare: before is in {before.time_unit}s but after in "
                          f"{after.time_unit}s; express both in the same time unit")
    if (before.calendar is None) != (after.calendar is None):
        timed, plain = ("before", "after") if before.calendar is not None else ("after", "before")
        raise OptionError(f"compare: {timed} counts working time on a calendar but {plain} "
                          f"runs continuously; give both the same calendar (or neither) so "
                          f"their days mean the same")
    n = check_cases(n, "compare", none_ok=True)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) \
            or bootstrap < 0 or bootstrap > MAX_BOOTSTRAP:
        raise OptionError(f"compare: bootstrap must be a number of resamples from 0 (no "
                          f"bootstrap) to {MAX_BOOTSTRAP:,}, got {bootstrap!r}")
    seed = check_seed(seed, "compare")
    progress = check_progress(progress, "compare")

    unrelated = _unrelated_note(before, after)
    if unrelated:
        warnings.warn(unrelated, UnrelatedWarning, stacklevel=3)
    m_before, m_after = measure(before), measure(after)
    rows = tuple(_metric_cut(name, kind, getattr(m_before, name), getattr(m_after, name))
                 for name, kind in METRICS)
    notes = tuple(note for label, m in (("before", m_before), ("after", m_after))
                  if (note := _lead_time_note(label, m))) + ((unrelated,) if unrelated else ())
    simulation = None
    on_time: tuple[OnTimeChange, ...] = ()
    if n:
        with progress_bar(3, "compare", unit="stage", progress=progress) as bar:
            bar.describe("compare: simulating before")
            sim_before = simulate(before, n=n, seed=seed, start=start)
            bar.update()
            bar.describe("compare: simulating after")
            sim_after = simulate(after, n=n, seed=seed, start=start)
            bar.update()
            bar.describe("compare: paired intervals")
            simulation = _simulated_cut(sim_before, sim_after, seed, bootstrap)
            on_time = tuple(paired_change(o, sim_after.on_time[k])
                            for k, o in sim_before.on_time.items() if k in sim_after.on_time)
            bar.update()
    attribution = None
    if result is not None:
        attribution = _attribution(result, {id(before): m_before, id(after): m_after})
    return Report(before_name=before.name, after_name=after.name, time_unit=before.time_unit,
                  n=int(n), seed=int(seed), metrics=rows, simulation=simulation,
                  attribution=attribution, notes=notes, on_time=on_time,
                  workload=load_changes(before, after))


def _unrelated_note(before: Process, after: Process) -> str | None:
    """Why the two processes look unrelated (no step id in common), or None."""
    ids = {s.id for s in before.steps}
    if not ids or not after.steps or any(s.id in ids for s in after.steps):
        return None
    return (f"compare: {before.name!r} and {after.name!r} share no step id, so the cut "
            f"compares two unrelated processes, not a reform of one: the cases are not "
            f"paired step by step (no common random numbers). Compare a process with its "
            f"own reformed version (ps.simplify keeps the ids of the steps it keeps)")


def _metric_cut(name: str, kind: MetricKind, before: float, after: float) -> MetricCut:
    cut = before - after
    return MetricCut(name=name, kind=kind, before=before, after=after, cut=cut,
                     relative_cut=_relative(cut, before))


def _relative(cut: float, before: float) -> float | None:
    return cut / before if before != 0 else None


def _lead_time_note(label: str, m: Metrics) -> str | None:
    if m.lead_time_method == "flow":
        return None
    how = m.lead_time_method.replace("_", " ")
    se = f", standard error {m.lead_time_se:.3f}" if m.lead_time_se is not None else ""
    return (f"Flow analysis is not exact for {label} (a choice or rework inside parallel "
            f"branches, or choices not block-structured): its lead time is the expectation "
            f"over every branch and rework outcome ({how}{se}).")


def _simulated_cut(before: SimulationResult, after: SimulationResult, seed: int,
                   resamples: int) -> SimulatedCut:
    diff = before.samples - after.samples
    mean = float(diff.mean())
    mean_cut = Estimate(mean, mean_interval(diff), "paired_skew_corrected")
    n = len(diff)
    if resamples and n * resamples > BOOTSTRAP_BUDGET and n >= SECTIONS * SECTION_CASES:
        (p50_lo, p90_lo), (p50_hi, p90_hi) = paired_sectioning(
            before.samples, after.samples, (0.5, 0.9))
        p50_cut = Estimate(before.p50 - after.p50, (p50_lo, p50_hi), "paired_sectioning")
        p90_cut = Estimate(before.p90 - after.p90, (p90_lo, p90_hi), "paired_sectioning")
    elif resamples:
        (p50_lo, p90_lo), (p50_hi, p90_hi) = _paired_bootstrap(
            before.samples, after.samples, (0.5, 0.9), seed, resamples)
        p50_cut = Estimate(before.p50 - after.p50, (p50_lo, p50_hi), "paired_bootstrap")
        p90_cut = Estimate(before.p90 - after.p90, (p90_lo, p90_hi), "paired_bootstrap")
    else:
        p50_cut = _independent(before.p50, before.p50_ci, after.p50, after.p50_ci)
        p90_cut = _independent(before.p90, before.p90_ci, after.p90, after.p90_ci)
    return SimulatedCut(before=SimulatedLeadTime.of(before), after=SimulatedLeadTime.of(after),
                        mean_cut=mean_cut, p50_cut=p50_cut, p90_cut=p90_cut)


def _independent(before: float, before_ci: tuple[float, float], after: float,
                 after_ci: tuple[float, float]) -> Estimate:
    return Estimate(before - after, (before_ci[0] - after_ci[1], before_ci[1] - after_ci[0]),
                    "independent_order_statistics")


def _paired_bootstrap(before: np.ndarray, after: np.ndarray, qs: tuple[float, ...], seed: int,
                      resamples: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """2.5 % and 97.5 % points of ``quantile(before) - quantile(after)`` over resampled cases."""
    rng = np.random.default_rng([seed, 0x636F6D70])  # a stream of its own, apart from the steps'
    n = len(before)
    cuts = np.empty((resamples, len(qs)))
    batch = max(1, _BOOTSTRAP_CELLS // n)
    for lo in range(0, resamples, batch):
        size = min(batch, resamples - lo)
        idx = rng.integers(0, n, size=(size, n))
        cuts[lo:lo + size] = (np.quantile(before[idx], qs, axis=1)
                              - np.quantile(after[idx], qs, axis=1)).T
    low, high = np.quantile(cuts, [0.025, 0.975], axis=0)
    return tuple(float(x) for x in low), tuple(float(x) for x in high)


def paired_sectioning(before: np.ndarray, after: np.ndarray, qs: tuple[float, ...],
                      sections: int = SECTIONS) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """95 % interval ends of ``quantile(before) - quantile(after)`` by paired sectioning.

    Case ``i`` of both arrays is the same case. The cases split into ``sections``
    consecutive sections of equal size (the last ``n mod sections`` cases join no
    section); the interval is centred on the cut over all cases, with half-width
    ``t * sd(section cuts) / sqrt(sections)``. Cases must be independent (those of
    :func:`procsimp.simulate` are). Time and memory linear in ``n`` (one sort per array).
    """
    if sections != SECTIONS:
        raise OptionError(f"paired_sectioning uses {SECTIONS} sections (its t point is for "
                          f"{SECTIONS - 1} degrees of freedom), got {sections}")
    m = len(before) // sections
    whole = np.quantile(before, qs) - np.quantile(after, qs)
    parts = (np.quantile(before[:m * sections].reshape(sections, m), qs, axis=1)
             - np.quantile(after[:m * sections].reshape(sections, m), qs, axis=1))
    half = _T_SECTIONS * parts.std(axis=1, ddof=1) / math.sqrt(sections)
    return (tuple(float(x) for x in whole - half), tuple(float(x) for x in whole + half))


def _attribution(result: Result, known: dict[int, Metrics]) -> tuple[PassCut, ...]:
    def metrics_of(proc: Process) -> Metrics:
        if id(proc) not in known:
            known[id(proc)] = measure(proc)
        return known[id(proc)]

    previous = metrics_of(result.original).lead_time
    out = []
    for run in result.runs:
        m = metrics_of(run.process)
        skipped = sum(1 for c in run.changes if c.kind == "skipped")
        out.append(PassCut(name=run.name, steps=m.steps, layers=m.layers, lead_time=m.lead_time,
                           lead_time_cut=previous - m.lead_time,
                           changes=len(run.changes) - skipped, skipped=skipped))
        previous = m.lead_time
    return tuple(out)


def _bottleneck_words(before: bool, after: bool) -> str:
    return {(True, True): "before and after", (True, False): "before",
            (False, True): "after (new)", (False, False): ""}[(before, after)]


def _lists(data: Any) -> Any:
    """Tuples to lists, recursively (plain JSON data)."""
    if isinstance(data, dict):
        return {k: _lists(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_lists(v) for v in data]
    return data


def _fmt(value: float, kind: MetricKind, time: Callable[[float], str]) -> str:
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "time":
        return time(value)
    if kind == "ratio":
        return f"{value:.1%}"
    return f"{value:,.2f}"


def _fmt_cut(value: float, kind: MetricKind, time: Callable[[float], str]) -> str:
    # a ratio's cut is a difference of percentages: percentage points
    return f"{value * 100:.1f} pp" if kind == "ratio" else _fmt(value, kind, time)


def _pp(value: float) -> str:
    """A change of a share, in percentage points."""
    return f"{value * 100:+.1f} pp"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


__all__ = ["BOOTSTRAP_BUDGET", "METRICS", "SECTIONS", "Estimate", "MetricCut", "PassCut",
           "Report", "SimulatedCut", "SimulatedLeadTime", "compare", "paired_sectioning"]
