"""Calibrating a process on an event log: durations, branches, rework, arrivals, deadline.

The analyst keeps their own model of the chain and says which activities are which step
(``mapping``: activity -> step id, several activities may map to one step, ``None``
ignores an activity; or a function of the activity name). :func:`calibrate` then

- replays every case against the model: a step's **duration** is the time from the
  event that enabled it (the latest completion of its nearest recorded predecessors, or
  the send-back that re-opened it, or the case's start) to its completion: procsimp's
  ``duration``, elapsed time, inbox waiting included. Repeated events of one step with
  no send-back between them are one execution (from the first enabling to the last
  completion);
- fits each step's durations: exponential, gamma and lognormal by maximum likelihood,
  the family with the lowest AIC kept unless a Kolmogorov-Smirnov test rejects it at 5 %
  or its 99.9th percentile lies beyond ten times the longest observation (then the
  observations themselves, ``empirical``, bounded by what was seen);
- counts each exclusive choice (which alternative's own steps the case reached; the
  probability is Jeffreys' estimate, ``(count + 1/2) / (cases + k/2)`` for ``k``
  alternatives, so one the sample missed keeps a small chance) and
  each send-back (the target step recurring after the rework step), and the arrival
  rate of cases (``cases_per_year``); where a case attribute holds a deadline, fits the
  deadline's ``within`` (the median allowance, calendar days) and checks each case
  against its own;
- splits the cases by start time (earlier ones fit, later ones test) and builds the
  :class:`~procsimp.evidence.card.Card`: the fitted model is simulated for as many cases
  as the test set, each simulated case standing for one test case (its start, its own
  deadline) and seen through the same window as the log: in the log only if its first
  recorded event came before the log's last event, with a lead time only if it finished
  by then, open otherwise (a log extracted on a given day holds, of its last months'
  cases, only those already seen, and of those only the quick ones have finished).

Durations are elapsed calendar time: a process that declares a ``calendar`` is refused
(turning each elapsed interval into working time on the calendar is not done yet).

Cases still open at the end of the log (a recorded step whose required successor never
came) give their durations and choices but not their lead time; the card counts them.
What the log contradicts is listed in ``unsupported``: activities not mapped, mapped
steps never seen, steps recorded before their predecessors, cases that took two
exclusive paths; with counts and example case ids.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp._checks import validated
from procsimp._progress import check_progress, progress_bar
from procsimp.deadlines import Deadline
from procsimp.durations import Empirical, Exponential, Gamma, Lognormal, mean_of
from procsimp.errors import ModelError, OptionError
from procsimp.evidence.card import Card, OnTimeCheck, floors, wasserstein
from procsimp.evidence.logs import EventLog
from procsimp.model import Process
from procsimp.render import Cell, Renderable, Table, Tables, require
from procsimp.simulation import CHUNK, Engine, RandomDraws

if TYPE_CHECKING:
    import pandas

DAY = np.timedelta64(86_400_000_000_000, "ns")
#: Below this many observations a step keeps its observations (``empirical``) only if
#: the parametric families are rejected; with fewer than 2, its model duration is kept.
MIN_FIT = 2
FAMILIES = ("auto", "empirical", "exponential", "gamma", "lognormal")
#: Largest send-back probability written into a ``repeat`` rework (it must stay below 1).
MAX_REWORK_P = 0.95
#: The card simulates this many cases per test case (at least ``MIN_POOL``) and draws,
#: for each test case, one among those the log could already show at its horizon.
POOL_PER_CASE = 50
MIN_POOL = 20_000
PER_DAY = {"minute": 1440.0, "hour": 24.0, "day": 1.0, "week": 1.0 / 7.0}


@dataclass(frozen=True)
class StepFit:
    """How one step's duration was fitted."""

    step: str
    cases: int
    executions: int
    family: str
    """``exponential``, ``gamma``, ``lognormal``, ``empirical``, ``fixed``, or ``model``
    (no observations: the model's duration kept)."""
    params: dict[str, float]
    mean: float
    """Mean of the fitted duration (process time unit)."""
    ks: float
    """Kolmogorov-Smirnov distance between the observations and the fitted family."""
    ks_critical: float
    """Its 5 % critical value, 1.36 / sqrt(n)."""
    aic: dict[str, float]
    observed_mean: float
    observed_se: float


@dataclass(frozen=True)
class BranchFit:
    decision: str
    alternative: str
    count: int
    total: int
    p: float

    @property
    def se(self) -> float:
        return math.sqrt(self.p * (1 - self.p) / self.total) if self.total else math.nan


@dataclass(frozen=True)
class ReworkFit:
    step: str
    to: str
    executions: int
    sendbacks: int
    p: float

    @property
    def se(self) -> float:
        n = self.executions
        return math.sqrt(self.p * (1 - self.p) / n) if n else math.nan


@dataclass(frozen=True)
class Unsupported:
    """Something the log shows that the model does not allow, or does not show at all."""

    kind: str
    what: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True, repr=False)
class Calibration(Renderable):
    """The result of :func:`calibrate`: ``process`` (the fitted process), ``fits`` (step id
    -> :class:`StepFit`), ``branches``, ``rework``, ``arrivals`` (cases per day and its
    standard error), ``unsupported`` and ``card``."""

    process: Process
    fits: dict[str, StepFit]
    branches: tuple[BranchFit, ...]
    rework: tuple[ReworkFit, ...]
    arrivals: dict[str, float]
    unsupported: tuple[Unsupported, ...]
    card: Card | None
    notes: tuple[str, ...] = field(default=())

    def tables(self) -> Tables:
        unit = self.process.time_unit
        fits = Table("Step durations fitted", ("step", "cases", "family", "parameters",
                                               "mean", "observed mean", "KS", "KS 5 %"),
                     tuple((f.step, f.cases, f.family,
                            ", ".join(f"{k}={v:.4g}" for k, v in f.params.items()),
                            Cell(f.mean, f"{f.mean:.3f} {unit}"),
                            Cell(f.observed_mean, f"{f.observed_mean:.3f} ± "
                                 f"{1.96 * f.observed_se:.3f}"),
                            Cell(f.ks, f"{f.ks:.3f}"), Cell(f.ks_critical,
                                                           f"{f.ks_critical:.3f}"))
                           for f in self.fits.values()),
                     units={"mean": unit, "observed mean": unit}, name="fits",
                     notes=("family by lowest AIC among exponential, gamma, lognormal; "
                            "empirical where KS rejects it at 5 % or its tail is "
                            "implausible",))
        tables = [fits]
        if self.branches:
            tables.append(Table("Exclusive choices", ("decision", "alternative", "cases",
                                                     "of", "p", "± 95 %"),
                                tuple((b.decision, b.alternative, b.count, b.total,
                                       Cell(b.p, f"{b.p:.3f}"),
                                       Cell(1.96 * b.se, f"{1.96 * b.se:.3f}"))
                                      for b in self.branches), name="branches"))
        if self.rework:
            tables.append(Table("Send-backs", ("step", "to", "executions", "send-backs",
                                              "p", "± 95 %"),
                                tuple((r.step, r.to, r.executions, r.sendbacks,
                                       Cell(r.p, f"{r.p:.3f}"),
                                       Cell(1.96 * r.se, f"{1.96 * r.se:.3f}"))
                                      for r in self.rework), name="rework"))
        a = self.arrivals
        if a:
            tables.append(Table("Arrivals", ("what", "value"), (
                ("cases", int(a["cases"])),
                ("cases per day", Cell(a["per_day"], f"{a['per_day']:.3f} ± "
                                       f"{1.96 * a['se_per_day']:.3f}")),
                ("cases per year", Cell(a["per_year"], f"{a['per_year']:.0f}"))),
                header=False, name="arrivals"))
        if self.unsupported:
            tables.append(Table("What the log does not support", ("kind", "what", "cases",
                                                                 "examples"),
                                tuple((u.kind, u.what, u.count, ", ".join(u.examples))
                                      for u in self.unsupported), name="unsupported"))
        if self.card is not None:
            tables += self.card.tables().tables
        return Tables(tuple(tables), self.notes)

    def __repr__(self) -> str:
        return (f"Calibration({self.process.name!r}, steps fitted={len(self.fits)}, "
                f"unsupported={len(self.unsupported)}, card={self.card!r})")


# --- duration families ------------------------------------------------------------------

def _ks(x: np.ndarray, cdf: np.ndarray) -> float:
    n = len(x)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - cdf), np.max(cdf - (i - 1) / n)))


def fit_duration(values: np.ndarray, family: str = "auto") -> tuple[Any, str, dict[str, float],
                                                                  float, dict[str, float]]:
    """Fit one step's durations: ``(duration, family, params, ks, aic)`` (see the module)."""
    require("scipy", "calibrate (fitting durations)")
    from scipy import stats as scipy_stats

    stats = vars(scipy_stats)
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if np.ptp(x) == 0:
        return float(x[0]), "fixed", {"value": float(x[0])}, 0.0, {}
    empirical = Empirical(values=tuple(float(v) for v in x))
    emp_ks = 0.0
    if family == "empirical":
        return empirical, "empirical", {"n": float(n)}, emp_ks, {}
    cands: dict[str, tuple[Any, np.ndarray, float, dict[str, float]]] = {}
    if x[0] > 0:
        m = float(x.mean())
        cands["exponential"] = (Exponential(mean=m),  # type: ignore[call-arg]
                                 1 - np.exp(-x / m),
                                float(np.sum(stats["expon"].logpdf(x, scale=m))), {"mean": m})
        logs = np.log(x)
        mu, sigma = float(logs.mean()), float(logs.std())
        if sigma > 0:
            try:
                dist = Lognormal(mu=mu, sigma=sigma)
                ll = float(np.sum(stats["lognorm"].logpdf(x, sigma, scale=math.exp(mu))))
                cands["lognormal"] = (dist, stats["lognorm"].cdf(x, sigma, scale=math.exp(mu)),
                                      ll, {"mu": mu, "sigma": sigma})
            except ValueError:
                pass
            k, _, scale = stats["gamma"].fit(x, floc=0)
            if np.isfinite(k) and k > 0 and scale > 0:
                g_mean, g_sd = k * scale, math.sqrt(k) * scale
                cands["gamma"] = (Gamma(mean=g_mean, sd=g_sd),  # type: ignore[call-arg]
                                  stats["gamma"].cdf(x, k, scale=scale),
                                  float(np.sum(stats["gamma"].logpdf(x, k, scale=scale))),
                                  {"mean": g_mean, "sd": g_sd})
    if family != "auto":
        if family not in cands:
            return empirical, "empirical", {"n": float(n)}, emp_ks, {}
        dist, cdf, _, params = cands[family]
        return dist, family, params, _ks(x, cdf), {}
    k_of = {"exponential": 1, "lognormal": 2, "gamma": 2}
    aic = {name: 2 * k_of[name] - 2 * c[2] for name, c in cands.items() if np.isfinite(c[2])}
    if not aic or n < MIN_FIT:
        return empirical, "empirical", {"n": float(n)}, emp_ks, aic
    best = min(aic, key=aic.__getitem__)
    dist, cdf, _, params = cands[best]
    ks = _ks(x, cdf)
    tail = _quantile(best, params, 0.999, stats)
    if ks > 1.36 / math.sqrt(n) or not tail <= 10 * x[-1]:
        return empirical, "empirical", {"n": float(n)}, emp_ks, aic
    return dist, best, params, ks, aic


def _quantile(family: str, params: dict[str, float], q: float, stats: dict[str, Any]) -> float:
    if family == "exponential":
        return float(-params["mean"] * math.log(1 - q))
    if family == "lognormal":
        return float(stats["lognorm"].ppf(q, params["sigma"], scale=math.exp(params["mu"])))
    k = (params["mean"] / params["sd"]) ** 2
    return float(stats["gamma"].ppf(q, k, scale=params["sd"] ** 2 / params["mean"]))


# --- the model's structure, as calibrate reads it ---------------------------------------

class _Shape:
    def __init__(self, proc: Process, observed: set[str]) -> None:
        self.steps = {s.id: s for s in proc.steps}
        self.observed = observed
        self.succ: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
        for s in proc.steps:
            for p in s.after:
                self.succ[p.step].append((s.id, p.p))
        self.anc = {s: self._nearest_observed_back(s) for s in self.steps}
        self.decisions = {u: [v for v, p in outs if p is not None]
                          for u, outs in self.succ.items() if any(p is not None for _, p in outs)}
        self.exclusive = {u: self._exclusive(alts) for u, alts in self.decisions.items()}
        self.required = {s: self._required(s) for s in self.steps}
        self.rework_into: dict[str, list[str]] = defaultdict(list)
        self.block: dict[str, set[str]] = {}
        for s in proc.steps:
            if s.rework is not None:
                self.rework_into[s.rework.to].append(s.id)
                self.block[s.id] = self._descendants(s.rework.to) & self._ancestors(s.id)

    def _nearest_observed_back(self, s: str) -> set[str]:
        out: set[str] = set()
        stack = [p.step for p in self.steps[s].after]
        seen: set[str] = set()
        while stack:
            u = stack.pop()
            if u in seen:
                continue
            seen.add(u)
            if u in self.observed:
                out.add(u)
            else:
                stack += [p.step for p in self.steps[u].after]
        return out

    def _descendants(self, s: str) -> set[str]:
        out, stack = {s}, [s]
        while stack:
            for v, _ in self.succ[stack.pop()]:
                if v not in out:
                    out.add(v)
                    stack.append(v)
        return out

    def _ancestors(self, s: str) -> set[str]:
        out, stack = {s}, [s]
        while stack:
            for p in self.steps[stack.pop()].after:
                if p.step not in out:
                    out.add(p.step)
                    stack.append(p.step)
        return out

    def _exclusive(self, alts: list[str]) -> list[set[str]]:
        desc = [self._descendants(v) for v in alts]
        return [(d - set().union(*(e for j, e in enumerate(desc) if j != i))) & self.observed
                for i, d in enumerate(desc)]

    def _required(self, s: str) -> set[str]:
        out: set[str] = set()
        stack = [v for v, p in self.succ[s] if p is None]
        seen: set[str] = set()
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in self.observed:
                out.add(v)
            elif v not in self.decisions:
                stack += [w for w, p in self.succ[v] if p is None]
        return out

    def visited(self, u: str, done: set[str]) -> bool:
        if u in self.observed:
            return u in done
        anc = self.anc[u]
        if not anc:
            return True
        return (any if self.steps[u].join == "any" else all)(a in done for a in anc)


@dataclass
class _Case:
    id: str
    start: Any
    last: Any
    done: set[str]
    complete: bool
    choices: dict[str, int]


class _Tally:
    def __init__(self) -> None:
        self.durations: dict[str, list[float]] = defaultdict(list)
        self.cases_of: dict[str, set[str]] = defaultdict(set)
        self.runs: dict[str, int] = defaultdict(int)
        self.sendbacks: dict[str, int] = defaultdict(int)
        self.problems: dict[tuple[str, str], list[str]] = defaultdict(list)

    def problem(self, kind: str, what: str, case: str) -> None:
        self.problems[(kind, what)].append(case)


def _replay(shape: _Shape, case: str, start: Any, steps: list[str], ends: np.ndarray,
            tally: _Tally, per: float) -> _Case:
    last_done: dict[str, Any] = {}
    fresh: set[str] = set()  # steps whose next event opens a new execution (send-back)
    runs: dict[str, list[Any]] = {}
    order_done: set[str] = set()
    for s, t in zip(steps, ends, strict=True):
        new = s not in runs or s in fresh
        sent_back = None
        if s in runs and not new:
            # a send-back: a rework step into s completed after s's last completion
            for r in shape.rework_into.get(s, ()):
                if r in last_done and last_done[r] >= last_done[s]:
                    sent_back = r
                    new = True
                    break
        if not new:
            runs[s][1] = t  # repeated event of the same execution
            last_done[s] = t
            continue
        if sent_back is not None:
            tally.sendbacks[sent_back] += 1
            fresh |= shape.block[sent_back] - {s}
            enable = last_done[sent_back]
        else:
            fresh.discard(s)
            anc = shape.anc[s]
            have = [last_done[a] for a in anc if a in last_done]
            if anc and (not have or (shape.steps[s].join == "all" and len(have) < len(anc))):
                missing = sorted(a for a in anc if a not in last_done)
                tally.problem("order", f"{s} recorded before {', '.join(missing)}", case)
            enable = max(have) if have else start
        if s in runs:
            _close(runs.pop(s), s, tally, per)
        runs[s] = [enable, t]
        tally.runs[s] += 1
        tally.cases_of[s].add(case)
        last_done[s] = t
        order_done.add(s)
    for s, run in runs.items():
        _close(run, s, tally, per)
    done = order_done
    choices: dict[str, int] = {}
    inferred: set[str] = set()  # choices known only by the absence of the others' steps
    complete = all(shape.required[s] <= done for s in done)
    for u, alts in shape.decisions.items():
        if not shape.visited(u, done):
            continue
        hits = [i for i, ex in enumerate(shape.exclusive[u]) if ex & done]
        if len(hits) == 1:
            choices[u] = hits[0]
        elif len(hits) > 1:
            tally.problem("exclusive", f"after {u}: both " +
                          " and ".join(alts[i] for i in hits), case)
        else:
            empty = [i for i, ex in enumerate(shape.exclusive[u]) if not ex]
            if len(empty) == 1:
                choices[u] = empty[0]
                inferred.add(u)
            else:
                complete = False
        if u in choices:  # the chosen alternative's first recorded steps must follow
            v = alts[choices[u]]
            if not ({v} if v in shape.observed else shape.required[v]) <= done:
                complete = False
    if not complete:  # an open case has not yet shown what it left out
        choices = {u: i for u, i in choices.items() if u not in inferred}
    return _Case(case, start, ends[-1] if len(ends) else start, done, complete, choices)


def _close(run: list[Any], s: str, tally: _Tally, per: float) -> None:
    tally.durations[s].append(float((run[1] - run[0]) / DAY) * per)


# --- calibrate ------------------------------------------------------------------------

def _mapper(mapping: Mapping[str, str | None] | Callable[[str], str | None],
            steps: set[str]) -> Callable[[str], str | None]:
    if callable(mapping):
        fn = mapping
    elif isinstance(mapping, Mapping):
        bad = sorted({v for v in mapping.values() if v is not None and v not in steps})
        if bad:
            raise OptionError(f"calibrate: mapping names steps the process does not have: "
                              f"{', '.join(map(repr, bad))} (steps: {', '.join(sorted(steps))})")
        table = dict(mapping)

        def fn(a: str) -> str | None:
            return table.get(a, _UNMAPPED)
    else:
        raise OptionError("calibrate: mapping must be a dict {activity: step id or None} or "
                          "a function of the activity name")
    return fn


_UNMAPPED = "\x00unmapped"


def _select(cases: pandas.DataFrame, filt: Any) -> Any:
    if filt is None:
        return cases.index
    if callable(filt):
        mask = filt(cases)
    elif isinstance(filt, Mapping):
        mask = np.ones(len(cases), dtype=bool)
        for col, want in filt.items():
            if col not in cases.columns:
                raise OptionError(f"calibrate: filter names case attribute {col!r}, which the "
                                  f"log does not have (it has {', '.join(cases.columns)})")
            values = want if isinstance(want, (list, tuple, set, frozenset)) else [want]
            mask &= cases[col].isin(list(values)).to_numpy()
    else:
        raise OptionError("calibrate: filter must be {attribute: value(s)} or a function of "
                          "the cases frame returning a boolean mask")
    return cases.index[np.asarray(mask, dtype=bool)]


@validated
def calibrate(proc: Process, log: EventLog, mapping: Mapping[str, str | None]
              | Callable[[str], str | None], *, filter: Any = None, split: float = 0.7,
              case_start: str | None = "startdate", deadline: str | None = "deadline",
              family: str = "auto", window: float | None = None, seed: int = 0,
              card: bool = True, progress: bool | None = None) -> Calibration:
    """Fit ``proc`` to ``log`` and validate it on later cases (see the module).

    Parameters
    ----------
    mapping
        ``{activity: step id}`` (``None``: ignore the activity; activities not in the
        mapping are ignored and reported) or a function of the activity name.
    filter
        Cases to use: ``{attribute: value or values}`` (``{"channel": "Internet"}``) or a
        function of the cases frame returning a boolean mask.
    split
        Share of cases, by start time, to fit on; the later ones test (``1``: fit on all,
        no card).
    case_start
        Case attribute holding when a case started (used when the log has no start
        times; absent or ``None``: the first event's completion, so the first step's
        duration is 0).
    deadline
        Case attribute holding each case's deadline (a timestamp); absent or ``None``: no
        deadline is fitted.
    family
        ``"auto"`` (by AIC and KS, see the module) or one family for every step.
    window
        Fit only on the cases started in the last ``window`` days before the split (a
        process that changes over time is best described by its recent cases); default:
        every earlier case.
    seed
        Seed of the card's simulation and noise floors.
    progress
        Show progress (tqdm when installed, else a text line on standard error): None
        on a terminal once the work passes two seconds, True always, False never.
    """
    pd = require("pandas", "calibrate")
    if not isinstance(proc, Process):
        raise OptionError("calibrate: the first argument must be a Process (ps.load(...))")
    if not isinstance(log, EventLog):
        raise OptionError("calibrate: the log must be an EventLog (ps.read_log(...))")
    if family not in FAMILIES:
        raise OptionError(f"calibrate: family must be one of {', '.join(FAMILIES)}, got "
                          f"{family!r}")
    if not 0 < split <= 1:
        raise OptionError(f"calibrate: split must be in (0, 1], got {split!r}")
    if proc.calendar is not None:
        raise ModelError(f"{proc.name}: calibrate fits elapsed calendar time and cannot yet "
                         f"convert it to working time on the process calendar; calibrate a "
                         f"copy without `calendar` and add the calendar back")
    step_ids = {s.id for s in proc.steps}
    fn = _mapper(mapping, step_ids)
    per = PER_DAY[proc.time_unit]
    acts = log.events["activity"].cat.categories
    to_step = {a: fn(str(a)) for a in acts}
    bad = sorted({v for v in to_step.values()
                  if v is not None and v != _UNMAPPED and v not in step_ids})
    if bad:
        raise OptionError(f"calibrate: the mapping function names steps the process does not "
                          f"have: {', '.join(map(repr, bad))}")
    observed = {v for v in to_step.values() if v is not None and v != _UNMAPPED}
    if not observed:
        raise OptionError("calibrate: the mapping maps no activity of the log to a step; "
                          f"the log's activities are e.g. {', '.join(map(str, acts[:5]))}")
    if isinstance(mapping, Mapping):  # a mapped step the log never shows is still recorded
        observed |= {v for v in mapping.values() if v is not None}
    shape = _Shape(proc, observed)

    cases = log.cases
    chosen = _select(cases, filter)
    if not len(chosen):
        raise OptionError("calibrate: the filter leaves no case")
    ev = log.events
    ev = ev[ev["case"].isin(chosen)]
    codes = ev["activity"].cat.codes.to_numpy()
    step_of = np.array([to_step[a] if to_step[a] is not None else "" for a in acts] + [""],
                       dtype=object)
    mapped = step_of[codes]
    unmapped = mapped == _UNMAPPED
    tally = _Tally()
    for a in sorted({str(acts[c]) for c in np.unique(codes[unmapped])}):
        ids = ev["case"][ev["activity"] == a].astype(str).unique()
        tally.problems[("unmapped", f"activity {a!r} is not in the mapping (ignored)")] = list(ids)
    keep = (mapped != "") & ~unmapped
    ev_case = ev["case"].astype(str).to_numpy()
    ends = ev["end"].dt.tz_convert(None).to_numpy()  # naive UTC datetime64
    # when each case started
    first_end = ev.groupby("case", observed=True)["end"].min()
    if log.has_start:
        starts = ev.groupby("case", observed=True)["start"].min()
    elif case_start is not None and case_start in cases.columns:
        starts = pd.to_datetime(cases.loc[chosen, case_start], utc=True, format="ISO8601")
        starts = starts.where(starts <= first_end.reindex(starts.index), first_end.reindex(
            starts.index)).fillna(first_end.reindex(starts.index))
    else:
        starts = first_end
    starts.index = starts.index.astype(str)
    starts = starts.dt.tz_convert(None)
    starts = starts.reindex([str(c) for c in chosen]).dropna().sort_values(kind="stable")
    order = list(starts.index)
    n_fit = len(order) if split >= 1 else max(1, round(split * len(order)))
    cut = starts.iloc[n_fit] if n_fit < len(order) else None
    fit_ids, test_ids = set(order[:n_fit]), order[n_fit:]
    if window is not None:
        if not window > 0:
            raise OptionError(f"calibrate: window must be a positive number of days, got "
                              f"{window!r}")
        edge = (cut if cut is not None else starts.iloc[-1]) - pd.Timedelta(days=window)
        fit_ids = {c for c in order[:n_fit] if starts[c] >= edge}
        if len(fit_ids) < 2:
            raise OptionError(f"calibrate: only {len(fit_ids)} cases started in the "
                              f"{window:g} days before the split; widen the window")

    # the mapped events of each case, in time order
    k_case, k_step, k_end = ev_case[keep], mapped[keep], ends[keep]
    bounds = np.flatnonzero(np.r_[True, k_case[1:] != k_case[:-1], True])
    replayed: dict[str, _Case] = {}
    test_tally = _Tally()
    bar = progress_bar(len(bounds) - 1 + len(proc.steps) + 1, "calibrate", unit="part",
                       progress=check_progress(progress, "calibrate"))
    bar.describe("calibrate: replaying cases")
    for i in range(len(bounds) - 1):
        bar.update()
        lo, hi = bounds[i], bounds[i + 1]
        cid = k_case[lo]
        if cid not in starts.index:
            continue
        t = tally if cid in fit_ids else test_tally
        replayed[cid] = _replay(shape, cid, starts[cid].to_datetime64(),
                                list(k_step[lo:hi]), k_end[lo:hi], t, per)
    log_end = ends.max()

    # durations
    fits: dict[str, StepFit] = {}
    new_steps = {}
    bar.describe("calibrate: fitting durations")
    for s in proc.steps:
        bar.update()
        x = np.asarray(tally.durations.get(s.id, []), dtype=float)
        if s.id not in observed or len(x) == 0:
            continue
        if len(x) < MIN_FIT:
            dur: Any = float(x[0])
            fam, params, ks = "fixed", {"value": float(x[0])}, 0.0
            aic: dict[str, float] = {}
        else:
            dur, fam, params, ks, aic = fit_duration(x, family)
        fits[s.id] = StepFit(s.id, len(tally.cases_of[s.id]), len(x), fam, params,
                             float(mean_of(dur)), ks, 1.36 / math.sqrt(len(x)), aic,
                             float(x.mean()),
                             float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan)
        new_steps[s.id] = {"duration": dur}
    # choices (fit cases only)
    branches: list[BranchFit] = []
    counts: dict[str, np.ndarray] = {u: np.zeros(len(a), dtype=int)
                                     for u, a in shape.decisions.items()}
    for cid in fit_ids:
        c = replayed.get(cid)
        if c is None:
            continue
        for u, i in c.choices.items():
            counts[u][i] += 1
    p_of: dict[tuple[str, str], float] = {}
    for u, alts in shape.decisions.items():
        total = int(counts[u].sum())
        if total == 0:
            tally.problems[("never seen", f"the choice after {u} (probabilities kept)")] = []
            continue
        # Jeffreys' estimate (count + 1/2) / (total + k/2): the maximum-likelihood share
        # pulled by half a case, so an alternative the sample missed keeps a small chance
        ps_ = (counts[u] + 0.5) / (total + 0.5 * len(alts))
        for v, cnt, p in zip(alts, counts[u], ps_, strict=True):
            branches.append(BranchFit(u, v, int(cnt), total, float(p)))
            p_of[(u, v)] = float(p)
    # send-backs
    rework: list[ReworkFit] = []
    for s in proc.steps:
        if s.rework is None or tally.runs.get(s.id, 0) == 0:
            continue
        n_runs, back = tally.runs[s.id], tally.sendbacks.get(s.id, 0)
        p = back / n_runs if s.rework.mode == "repeat" else back / max(1, n_runs - back)
        rework.append(ReworkFit(s.id, s.rework.to, n_runs, back, float(p)))
        p_fit = min(float(p), MAX_REWORK_P) if s.rework.mode == "repeat" else min(float(p), 1.0)
        new_steps.setdefault(s.id, {})["rework"] = s.rework.model_copy(
            update={"p": p_fit, "delay": 0.0, "revision": 0.0})
    for s in proc.steps:
        if s.id in observed and not tally.runs.get(s.id):
            tally.problems[("never seen", f"step {s.id} (its duration kept from the model)")] = []
    # arrivals
    fit_starts = starts[starts.index.isin(list(fit_ids))]
    arrivals: dict[str, float] = {}
    if len(fit_starts) >= 2:
        span = float((fit_starts.iloc[-1] - fit_starts.iloc[0]) / pd.Timedelta(days=1))
        if span > 0:
            k = len(fit_starts)
            rate = (k - 1) / span
            arrivals = {"cases": float(k), "span_days": span, "per_day": rate,
                        "se_per_day": rate / math.sqrt(k - 1), "per_year": rate * 365.25}
    # deadline
    deadlines = list(proc.deadlines)
    allowance = None
    if deadline is not None and deadline in cases.columns:
        due = pd.to_datetime(cases[deadline], utc=True, format="ISO8601")
        due.index = due.index.astype(str)
        allowance = ((due.reindex(starts.index).dt.tz_convert(None) - starts)
                     / pd.Timedelta(days=1))
        fit_allow = allowance[allowance.index.isin(list(fit_ids))].dropna()
        if len(fit_allow):
            within = float(np.median(fit_allow))
            if within > 0:
                if deadlines:
                    deadlines[0] = deadlines[0].model_copy(update={"within": within,
                                                                   "unit": "day"})
                else:
                    deadlines.append(Deadline(id=deadline, within=within, unit="day",
                                              source=f"median of case attribute {deadline!r}"))
    # the fitted process
    steps = []
    for s in proc.steps:
        upd = dict(new_steps.get(s.id, {}))
        if any(p.p is not None for p in s.after):
            after = tuple(p.model_copy(update={"p": p_of[(p.step, s.id)]})
                          if p.p is not None and (p.step, s.id) in p_of else p for p in s.after)
            upd["after"] = after
        steps.append(s.model_copy(update=upd) if upd else s)
    data = proc.model_copy(update={"steps": tuple(steps), "deadlines": tuple(deadlines),
                                   **({"cases_per_year": arrivals["per_year"]}
                                      if arrivals else {})}).model_dump(by_alias=True)
    try:
        fitted = Process.model_validate(data)
    except ValueError as exc:
        raise ModelError(f"{proc.name}: the calibrated process is not valid ({exc}); check "
                         f"the mapping") from None
    unsupported = tuple(Unsupported(kind, what, len(set(ids)), tuple(sorted(set(ids))[:3]))
                        for (kind, what), ids in sorted(tally.problems.items()))

    result_card = None
    bar.describe("calibrate: held-out card")
    if test_ids and card:
        result_card = _card(fitted, observed, replayed, test_ids, allowance, log_end, cut,
                            len(fit_ids), seed, per, deadlines)
    bar.update()
    bar.close()
    notes = ("durations are elapsed time (inbox waiting included) from the event that "
             "enabled each step; a send-back's own time is carried by the re-run step",)
    return Calibration(fitted, fits, tuple(branches), tuple(rework), arrivals, unsupported,
                       result_card, notes)


def _simulate_observed(fitted: Process, observed: set[str], n: int, seed: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Lead times of ``n`` simulated cases and when each one's first recorded event (the
    earliest finish of a mapped step outside rework blocks) happened, process time unit.
    A case with no such event is first seen when it ends."""
    analysis = fitted.analysis
    engine = Engine(analysis, RandomDraws(analysis, int(seed)))
    inner = analysis.innermost_block or [None] * analysis.n
    watch = [v for v in range(analysis.n) if analysis.ids[v] in observed and inner[v] is None]
    engine.keep = frozenset(watch)
    leads, firsts = np.empty(n), np.empty(n)
    for chunk, lo in enumerate(range(0, n, CHUNK)):
        size = min(CHUNK, n - lo)
        engine.draws.start_chunk(chunk)
        end = engine.run(size)
        first = np.full(size, np.inf)
        for v in watch:
            fin = engine.kept.get(v)
            if fin is not None:
                first = np.minimum(first, np.where(np.isfinite(fin), fin, np.inf))
        leads[lo:lo + size] = end
        firsts[lo:lo + size] = np.minimum(first, end)
    return leads, firsts


def _card(fitted: Process, observed: set[str], replayed: dict[str, _Case],
          test_ids: list[str], allowance: Any, log_end: Any, cut: Any, n_fit: int,
          seed: int, per: float, deadlines: list[Deadline]) -> Card:
    """The held-out card. The simulated cases are observed through the same window as
    the real ones: each stands for one test case (its start, its own deadline), is in the
    log only if its first recorded event came before the log's end (a case not yet seen
    by then is not in the log at all), and has a lead time only if it finished by then;
    otherwise it is open, as the real open cases are."""
    cases = [replayed[c] for c in test_ids if c in replayed]
    done = [c for c in cases if c.complete]
    still = [c for c in cases if not c.complete]
    real = np.array([float((c.last - c.start) / DAY) for c in done])
    open_elapsed = np.array([float((log_end - c.start) / DAY) for c in still])
    if len(real) < 2:
        raise OptionError("calibrate: fewer than two finished test cases; use a larger "
                          "split share or a longer log")
    rng = np.random.default_rng(seed)
    horizon = np.array([float((log_end - c.start) / DAY) for c in cases])
    pool = max(POOL_PER_CASE * len(cases), MIN_POOL)
    lead, first = _simulate_observed(fitted, observed, pool, seed)
    lead, first = lead / per, first / per  # days
    by_first = np.argsort(first, kind="stable")
    seen = np.searchsorted(first[by_first], horizon, side="right")
    unseen = int(np.count_nonzero(seen == 0))  # the model says: not in the log yet
    pick = by_first[(rng.random(len(cases)) * np.maximum(seen, 1)).astype(np.int64)]
    sim_lead = lead[pick]
    sim_done = (sim_lead <= horizon) & (seen > 0)
    s = sim_lead[sim_done]
    if len(s) < 2:
        raise OptionError("calibrate: the fitted model finishes fewer than two of the test "
                          "cases before the end of the log; check the mapping and the split")
    checks: list[tuple[str, float, np.ndarray, int, float]] = []
    if allowance is not None and deadlines and deadlines[0].unit == "day":
        dl = deadlines[0]
        allow = np.array([float(allowance.get(c.id, np.nan)) for c in cases])
        known = np.isfinite(allow)
        real_done = np.array([c.complete for c in cases])
        real_lead = np.array([float((c.last - c.start) / DAY) for c in cases])

        def shares(finished: np.ndarray, took: np.ndarray) -> tuple[np.ndarray, int]:
            # finished: on time if within the case's own allowance; open: late once the
            # allowance has passed by the log's end, undecided (left out) before
            late_open = ~finished & (horizon > allow)
            decided = known & (finished | late_open)
            return (finished & (took <= allow))[decided].astype(float), int(
                np.count_nonzero(known & ~decided))

        got, undecided = shares(real_done, real_lead)
        sim_flags, _ = shares(sim_done, sim_lead)
        if len(got):
            checks.append((dl.id, dl.within, got, undecided,
                           float(sim_flags.mean()) if len(sim_flags) else float("nan")))
    w_floor, stat_floor, share_floor = floors(real, rng, {k: (f, 0.0)
                                                          for k, _, f, _, _ in checks})
    r = (real.mean(), np.quantile(real, 0.5), np.quantile(real, 0.9))
    q = (s.mean(), np.quantile(s, 0.5), np.quantile(s, 0.9))
    errors = {name: float(q[k] - r[k]) for k, name in enumerate(("mean", "p50", "p90"))}
    on_time = tuple(OnTimeCheck(key, within, float(got.mean()), simulated, share_floor[key],
                                undecided)
                    for key, within, got, undecided, simulated in checks)
    split_time = f"{cut} UTC" if cut is not None else "the end of the log"
    return Card(real, s, wasserstein(real, s), w_floor, errors, stat_floor, n_fit,
                split_time, len(still), open_elapsed, on_time,
                simulated_open=int(np.count_nonzero(~sim_done)), simulated_unseen=unseen)


__all__ = ["FAMILIES", "BranchFit", "Calibration", "ReworkFit", "StepFit", "Unsupported",
           "calibrate", "fit_duration"]
