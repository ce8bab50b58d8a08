"""Processes as terms: choices and rework inside parallel blocks, with their structure.

A strategy here draws a term (the structure: sequences, parallel blocks, exclusive
choices, rework loops, nested) together with the :class:`procsimp.Process` written
from it, so a test can compute what the process must give from the term alone,
independently of the library (tests/test_lead_time_exact.py enumerates its outcomes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

from hypothesis import strategies as st

import procsimp as ps

# --- random processes with choices and rework inside parallel blocks ---------------------
#
# A process is a term: steps in sequence, parallel blocks (closed by an AND join step, or
# left open at the end), exclusive choices (split at the step before, merged by a join: any
# step, or left open at the end; one branch may be empty) and rework loops (a body from an
# entry step to the step that sends back). Terms nest, so choices and loops sit inside
# parallel branches, and loops inside loops. Every edge into a step carries that step's
# explicit ``delay``; a send-back carries its own ``delay`` and ``revision``.


@dataclass(frozen=True)
class Step:
    duration: float
    delay: float


@dataclass(frozen=True)
class Seq:
    items: tuple[Term, ...]


@dataclass(frozen=True)
class Par:
    branches: tuple[Seq, ...]
    join: Step | None  # None: the branches end the process


@dataclass(frozen=True)
class Xor:
    branches: tuple[tuple[float, Seq | None], ...]  # (p, branch); None: an empty branch
    merge: Step | None  # None: the branches end the process


@dataclass(frozen=True)
class Loop:
    body: Seq  # starts with a Step or a Loop (the entry), ends with a Step (sends back)
    p: float
    mode: str
    delay: float
    revision: float


@dataclass(frozen=True)
class Again:
    """A later pass of a loop body: its entry is reached by the send-back's return."""

    back: float
    body: Term


Term = Union[Step, Seq, Par, Xor, Loop, Again]  # noqa: UP007 - a runtime alias for dataclasses

#: Probability of more passes than the enumerator unrolls, per run of a loop.
TAIL = 1e-12
#: Outcomes the enumerator may unroll (each choice per pass, each pass count).
BUDGET = 2_500
MAX_DEPTH = 3
#: Steps of a generated process (before zero-time split and head steps).
MAX_STEPS = 16
LOOP_P = (0.05, 0.25, 0.5)
BRANCH_P = ((0.5, 0.5), (0.25, 0.75), (0.2, 0.3, 0.5), (0.1, 0.9))
DURATIONS = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 0.5, 2.5)
DELAYS = (0.0, 0.0, 1.0, 2.0)


def passes(p: float, mode: str) -> int:
    """Pass counts the enumerator unrolls: 2 for ``once``; until less than TAIL is left."""
    return 2 if mode == "once" else math.ceil(math.log(TAIL) / math.log(p))


def loop_outcomes(body_outcomes: int, p: float, mode: str) -> int:
    return sum(body_outcomes ** n for n in range(1, passes(p, mode) + 1))


def size(t: Term) -> int:
    """Steps written for ``t`` (at least; zero-time split and head steps come on top)."""
    if isinstance(t, Step):
        return 1
    if isinstance(t, Seq):
        return sum(size(i) for i in t.items)
    if isinstance(t, Par):
        return sum(size(b) for b in t.branches) + (t.join is not None)
    if isinstance(t, Xor):
        return sum(size(b) for _, b in t.branches if b is not None) + (t.merge is not None)
    assert isinstance(t, Loop)
    return size(t.body)


def outcome_count(t: Term) -> int:
    if isinstance(t, Step):
        return 1
    if isinstance(t, Seq):
        return math.prod(outcome_count(i) for i in t.items)
    if isinstance(t, Par):
        return math.prod(outcome_count(b) for b in t.branches)
    if isinstance(t, Xor):
        return sum(outcome_count(b) if b is not None else 1 for _, b in t.branches)
    assert isinstance(t, Loop)
    return loop_outcomes(outcome_count(t.body), t.p, t.mode)


steps = st.builds(Step, st.sampled_from(DURATIONS), st.sampled_from(DELAYS))


@st.composite
def seqs(draw: st.DrawFn, budget: int, room: int, depth: int, *, entry: bool = False,
         sends_back: bool = False, open_end: bool = False) -> Seq:
    """Items whose outcomes multiply to at most ``budget``, in at most ``room`` steps (at
    least 1); ``entry``: the first is a Step or a Loop; ``sends_back``: the last is a Step;
    ``open_end``: the last may end the process."""
    n = draw(st.integers(1, min(3, room)))
    items: list[Term] = []
    used, taken = 1, 0
    for i in range(n):
        last = i == n - 1
        if last and sends_back:
            item: Term = draw(steps)
        else:
            item = draw(items_(budget // used, room - taken - (n - 1 - i), depth,
                               loop_or_step=entry and i == 0, open_end=open_end and last))
        items.append(item)
        used *= outcome_count(item)
        taken += size(item)
    return Seq(tuple(items))


@st.composite
def items_(draw: st.DrawFn, budget: int, room: int, depth: int, *,
           loop_or_step: bool = False, open_end: bool = False) -> Term:
    """One item (a step, parallel block, choice or loop) with at most ``budget`` outcomes
    in at most ``room`` steps."""
    loops = [(p, mode) for p in LOOP_P for mode in ("repeat", "once")
             if loop_outcomes(1, p, mode) <= budget]
    kinds = ["step"]
    if depth < MAX_DEPTH:
        kinds += ["loop"] * bool(loops)
        if not loop_or_step and room >= 3:  # two branches and a join or merge
            kinds += ["par", "par"] + ["xor"] * (budget >= 2)  # parallel blocks hold the rest
    kind = draw(st.sampled_from(kinds))
    if kind == "step":
        return draw(steps)
    if kind == "loop":
        p, mode = draw(st.sampled_from(loops))
        body_budget = 1
        while loop_outcomes(body_budget + 1, p, mode) <= budget:
            body_budget += 1
        body = draw(seqs(body_budget, room, depth + 1, entry=True, sends_back=True))
        return Loop(body, p, mode, draw(st.sampled_from(DELAYS)), draw(st.sampled_from(DELAYS)))
    closed = not open_end or draw(st.booleans())
    width = 3 if room >= 4 else 2
    if kind == "par":
        branches: list[Seq] = []
        used, taken = 1, 1
        n = draw(st.integers(2, width))
        for k in range(n):
            branch = draw(seqs(budget // used, room - taken - (n - 1 - k), depth + 1,
                               open_end=not closed))
            branches.append(branch)
            used *= outcome_count(branch)
            taken += size(branch)
        return Par(tuple(branches), draw(steps) if closed else None)
    probs = draw(st.sampled_from([q for q in BRANCH_P if len(q) <= width]))
    empty = draw(st.integers(-1, len(probs) - 1)) if closed else -1
    alternatives: list[tuple[float, Seq | None]] = []
    taken = 1
    for k, q in enumerate(probs):
        if k == empty:
            alternatives.append((q, None))
            continue
        branch = draw(seqs(budget // len(probs), room - taken - (len(probs) - 1 - k),
                           depth + 1, open_end=not closed))
        alternatives.append((q, branch))
        taken += size(branch)
    return Xor(tuple(alternatives), draw(steps) if closed else None)


class Builder:
    """Writes a term as the steps of a process file."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.splits: set[str] = set()

    def step(self, duration: float, after: list[dict[str, Any]], **extra: Any) -> str:
        sid = f"s{len(self.steps)}"
        self.steps.append({"id": sid, "role": "c", "duration": duration, "after": after, **extra})
        return sid

    def emit(self, t: Term, preds: list[tuple[str, float | None]],
             back: float | None = None) -> list[str]:
        """Steps for ``t`` after ``preds`` ((step, p) pairs); ``back`` replaces the delay
        into its first step. Returns the steps it ends with."""
        if isinstance(t, Step):
            delay = t.delay if back is None else back
            return [self.step(t.duration, [{"step": u, "delay": delay, **({"p": q} if q else {})}
                                           for u, q in preds])]
        if isinstance(t, Seq):
            for k, item in enumerate(t.items):
                ends = self.emit(item, preds, back if k == 0 else None)
                preds = [(u, None) for u in ends]
            return ends
        if isinstance(t, Par):
            ends = [e for b in t.branches for e in self.emit(b, preds, back)]
            if t.join is None:
                return ends
            return self.emit(t.join, [(u, None) for u in ends])
        if isinstance(t, Xor):
            if len(preds) == 1 and preds[0][1] is None and preds[0][0] not in self.splits:
                split = preds[0][0]
            else:  # a zero-time split step keeps every choice on a step of its own
                split = self.step(0.0, [{"step": u, "delay": 0.0, **({"p": q} if q else {})}
                                        for u, q in preds])
            self.splits.add(split)
            ends, skips = [], []
            for q, branch in t.branches:
                if branch is None:
                    skips.append(q)
                    continue
                if not isinstance(branch.items[0], (Step, Loop)):  # p-edges reach one step
                    head = self.step(0.0, [{"step": split, "p": q, "delay": 0.0}])
                    ends += self.emit(branch, [(head, None)])
                else:
                    ends += self.emit(branch, [(split, q)])
            if t.merge is None:
                return ends
            after = [{"step": u, "delay": t.merge.delay} for u in ends]
            after += [{"step": split, "p": q, "delay": t.merge.delay} for q in skips]
            return [self.step(t.merge.duration, after, join="any")]
        assert isinstance(t, Loop)
        first = len(self.steps)
        [exit_] = self.emit(t.body, preds, back)
        entry = self.steps[first]["id"]
        self.steps[-1]["rework"] = {"to": entry, "p": t.p, "mode": t.mode, "delay": t.delay,
                                    "revision": t.revision}
        assert self.steps[-1]["id"] == exit_
        return [exit_]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Seq, ps.Process]:
    """A start step, then items (the last may end the process open), as term and process."""
    rest = draw(seqs(BUDGET, MAX_STEPS, 0, open_end=True))
    term = Seq((Step(draw(st.sampled_from(DURATIONS)), 0.0), *rest.items))
    builder = Builder()
    builder.emit(term, [])
    return term, ps.Process.model_validate({
        "levels": ["staff"], "roles": [{"id": "c", "level": "staff"}], "steps": builder.steps})


# --- the independent exact enumerator ------------------------------------------------------
