"""``lead_time`` is the expected lead time over every branch and rework outcome (issue 9).

Flow analysis takes the max of branch *expectations* at an AND join; with a
choice or a rework loop inside a parallel branch that is not the expectation of
the max. The hand-computed cases below are the issue's; the property test
compares ``measure`` with an exact enumerator written here, independent of the
library (it unrolls every outcome into a plain graph and takes its longest
path), and checks that ``simulate`` agrees with that exact value.

The process generator lives here for now; it belongs in tests/strategies.py
with the other strategies.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Union

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import procsimp as ps

ROLES: dict[str, Any] = {"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}]}


def proc(steps: list[dict[str, Any]]) -> ps.Process:
    return ps.Process.model_validate({**ROLES, "steps": steps})


def simulated_near(p: ps.Process, expected: float, n: int = 40_000) -> bool:
    """The simulated mean is within 5 standard errors of ``expected``."""
    sim = ps.simulate(p, n=n, seed=0)
    return abs(sim.mean - expected) <= 5 * sim.std / math.sqrt(n) + 1e-9 * max(1.0, expected)


class TestIssueCases:
    """The figures of issue 9, item 1, computed by hand."""

    def test_choice_inside_a_parallel_block(self) -> None:
        """A, then {S -> B 20 (p .5) or C 0 (p .5), merged by J} beside E 10.

        Flow analysis: max(0.5*20 + 0.5*0, 10) = 10. Per outcome: B runs, max(20, 10) = 20;
        C runs, max(0, 10) = 10; expected 0.5*20 + 0.5*10 = 15.
        """
        p = proc([{"id": "A", "role": "c", "duration": 0},
                  {"id": "S", "role": "c", "duration": 0, "after": ["A"]},
                  {"id": "B", "role": "c", "duration": 20, "after": [{"step": "S", "p": 0.5}]},
                  {"id": "C", "role": "c", "duration": 0, "after": [{"step": "S", "p": 0.5}]},
                  {"id": "J", "role": "c", "join": "any", "after": ["B", "C"]},
                  {"id": "E", "role": "c", "duration": 10, "after": ["A"]},
                  {"id": "end", "role": "c", "after": ["J", "E"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(15, abs=1e-12)
        assert m.lead_time_method == "enumeration" and m.lead_time_se is None
        assert m.block_structured  # the structure is fine; flow analysis still is not exact
        assert simulated_near(p, 15)

    def test_rework_inside_a_parallel_block(self) -> None:
        """B 5 repeated until accepted (p .5) beside C 10.

        N passes of B, P(N = n) = 0.5**n: E[max(5N, 10)] = 10 * P(N <= 2) + sum_{n>=3} 5n/2**n
        = 7.5 + 5 * (E[N] - 1*0.5 - 2*0.25) = 7.5 + 5 * (2 - 1) = 12.5 (flow: max(10, 10)).
        """
        p = proc([{"id": "A", "role": "c", "duration": 0},
                  {"id": "B", "role": "c", "duration": 5, "after": ["A"],
                   "rework": {"to": "B", "p": 0.5}},
                  {"id": "C", "role": "c", "duration": 10, "after": ["A"]},
                  {"id": "end", "role": "c", "after": ["B", "C"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(12.5, abs=1e-9)
        assert m.lead_time_method == "enumeration"
        assert simulated_near(p, 12.5)

    def test_choice_edges_beside_a_plain_edge(self) -> None:
        """A with p-edges to B 10 (p .3) and C 1 (p .7), merged, and a plain edge to D 5.

        0.3 * max(10, 5) + 0.7 * max(1, 5) = 3 + 3.5 = 6.5 (flow: max(0.3*10 + 0.7*1, 5) = 5).
        """
        p = proc([{"id": "A", "role": "c", "duration": 0},
                  {"id": "B", "role": "c", "duration": 10, "after": [{"step": "A", "p": 0.3}]},
                  {"id": "C", "role": "c", "duration": 1, "after": [{"step": "A", "p": 0.7}]},
                  {"id": "M", "role": "c", "join": "any", "after": ["B", "C"]},
                  {"id": "D", "role": "c", "duration": 5, "after": ["A"]},
                  {"id": "end", "role": "c", "after": ["M", "D"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(6.5, abs=1e-12)
        assert m.lead_time_method == "enumeration"
        assert simulated_near(p, 6.5)

    def test_rework_return_delay_and_revision_inside_a_parallel_block(self) -> None:
        """B 5 sent back to itself (p .5), 1 day back and 2 days of revision, beside C 10.

        N passes take 5N + 3(N - 1) = 8N - 3: N = 1 gives max(5, 10) = 10 (p .5); N >= 2 gives
        8N - 3 >= 13. E = 0.5*10 + 8 * sum_{n>=2} n/2**n - 3 * sum_{n>=2} 1/2**n
        = 5 + 8*1.5 - 3*0.5 = 15.5.
        """
        p = proc([{"id": "A", "role": "c", "duration": 0},
                  {"id": "B", "role": "c", "duration": 5, "after": ["A"],
                   "rework": {"to": "B", "p": 0.5, "delay": 1, "revision": 2}},
                  {"id": "C", "role": "c", "duration": 10, "after": ["A"]},
                  {"id": "end", "role": "c", "after": ["B", "C"]}])
        assert ps.measure(p).lead_time == pytest.approx(15.5, abs=1e-9)
        assert simulated_near(p, 15.5)

    def test_rework_at_most_once_inside_a_parallel_block(self) -> None:
        """B 5 sent back at most once (p .5) beside C 7: 0.5*max(5, 7) + 0.5*max(10, 7) = 8.5."""
        p = proc([{"id": "A", "role": "c", "duration": 0},
                  {"id": "B", "role": "c", "duration": 5, "after": ["A"],
                   "rework": {"to": "B", "p": 0.5, "mode": "once"}},
                  {"id": "C", "role": "c", "duration": 7, "after": ["A"]},
                  {"id": "end", "role": "c", "after": ["B", "C"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(8.5, abs=1e-12)
        assert m.lead_time_method == "enumeration"

    def test_long_rework_tail_is_counted(self) -> None:
        """B 1 repeated until accepted with p .9 beside C 5: E[max(N, 5)] = 5 + E[(N - 5)+]
        = 5 + sum_{k>=5} P(N > k) = 5 + 0.9**5 / 0.1 = 10.9049 (about 260 pass counts before
        the tail drops below REWORK_TAIL)."""
        p = proc([{"id": "A", "role": "c", "duration": 0},
                  {"id": "B", "role": "c", "duration": 1, "after": ["A"],
                   "rework": {"to": "B", "p": 0.9}},
                  {"id": "C", "role": "c", "duration": 5, "after": ["A"]},
                  {"id": "end", "role": "c", "after": ["B", "C"]}])
        m = ps.measure(p)
        assert m.lead_time == pytest.approx(5 + 0.9**5 / 0.1, abs=1e-9)
        assert m.lead_time_method == "enumeration"

    def test_parallelize_a_looped_review_cuts_the_exact_time(self) -> None:
        """Two reviews in sequence, fire (5 days, sent back to itself one time in two) then
        zoning (10 days); both need only the form. parallelize puts them side by side.

        Before: apply 1 + fire 5/(1 - 0.5) = 10 + zoning 10 + decide 0 = 21.
        After: 1 + E[max(5N, 10)] = 1 + 12.5 = 13.5 (see test_rework_inside_a_parallel_block).
        The exact cut is 21 - 13.5 = 7.5 days; flow analysis would say 21 - (1 + 10) = 10.
        """
        p = proc([{"id": "apply", "role": "c", "duration": 1, "produces": ["form"]},
                  {"id": "fire", "role": "c", "kind": "review", "duration": 5, "after": ["apply"],
                   "needs": ["form"], "produces": ["fire_ok"], "rework": {"to": "fire", "p": 0.5}},
                  {"id": "zoning", "role": "c", "kind": "review", "duration": 10,
                   "after": ["fire"], "needs": ["form"], "produces": ["zoning_ok"]},
                  {"id": "decide", "role": "c", "duration": 0, "after": ["zoning"],
                   "needs": ["fire_ok", "zoning_ok"]}])
        res = ps.simplify(p, ["parallelize"])
        assert res.process.step("zoning").predecessors == ("apply",)
        before, after = ps.measure(p), ps.measure(res.process)
        assert (before.lead_time, before.lead_time_method) == (pytest.approx(21), "flow")
        assert after.lead_time == pytest.approx(13.5, abs=1e-9)
        assert after.lead_time_method == "enumeration"
        rep = ps.compare(p, res, n=40_000, seed=0)
        assert rep.metric("lead_time").cut == pytest.approx(7.5, abs=1e-9)
        [attributed] = rep.attribution
        assert attributed.lead_time_cut == pytest.approx(7.5, abs=1e-9)
        lo, hi = rep.simulation.mean_cut.ci
        assert lo - 0.1 <= 7.5 <= hi + 0.1  # the paired simulated cut agrees


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
    return term, proc(builder.steps)


# --- the independent exact enumerator ------------------------------------------------------


def unrolled(t: Term) -> list[tuple[float, Term]]:
    """Every outcome of ``t`` as (probability, a term without choices or loops)."""
    if isinstance(t, (Step, Again)):
        return [(1.0, t)]
    if isinstance(t, Seq):
        return [(math.prod(q for q, _ in combo), Seq(tuple(x for _, x in combo)))
                for combo in itertools.product(*(unrolled(i) for i in t.items))]
    if isinstance(t, Par):
        return [(math.prod(q for q, _ in combo), Par(tuple(x for _, x in combo), t.join))
                for combo in itertools.product(*(unrolled(b) for b in t.branches))]
    if isinstance(t, Xor):
        out = []
        for q, branch in t.branches:
            tail = (t.merge,) if t.merge is not None else ()
            for r, x in (unrolled(branch) if branch is not None else [(1.0, Seq(()))]):
                out.append((q * r, Seq((x, *tail))))
        return out
    assert isinstance(t, Loop)
    one = unrolled(t.body)
    out = []
    for n in range(1, passes(t.p, t.mode) + 1):
        # P(N = n): repeat, p**(n-1) (1-p); once, 1-p or p
        p_n = ((1 - t.p) if n == 1 else t.p) if t.mode == "once" else t.p ** (n - 1) * (1 - t.p)
        for combo in itertools.product(one, repeat=n):
            body = [x for _, x in combo]
            run = Seq((body[0], *(Again(t.delay + t.revision, x) for x in body[1:])))
            out.append((p_n * math.prod(q for q, _ in combo), run))
    return out


def longest_path(t: Term) -> float:
    """Lead time of one outcome: build its graph, then the longest path by a forward pass."""
    nodes: list[tuple[float, list[tuple[int, float]]]] = []  # (duration, [(pred, delay)])

    def build(t: Term, preds: list[int], back: float | None) -> list[int]:
        if isinstance(t, Step):
            nodes.append((t.duration, [(u, t.delay if back is None else back) for u in preds]))
            return [len(nodes) - 1]
        if isinstance(t, Again):
            return build(t.body, preds, t.back)
        if isinstance(t, Seq):
            for k, item in enumerate(t.items):
                preds = build(item, preds, back if k == 0 else None)
            return preds
        assert isinstance(t, Par)
        ends = [e for b in t.branches for e in build(b, preds, back)]
        return ends if t.join is None else build(t.join, ends, None)

    build(t, [], None)
    finish: list[float] = []
    for duration, preds in nodes:  # built in topological order
        finish.append(max((finish[u] + d for u, d in preds), default=0.0) + duration)
    return max(finish, default=0.0)


def expectation(t: Term) -> tuple[float, float]:
    """Exact expected lead time (loops unrolled to a TAIL), and the probability covered."""
    outcomes = unrolled(t)
    return (math.fsum(q * longest_path(x) for q, x in outcomes),
            math.fsum(q for q, _ in outcomes))


class TestEnumerator:
    """The test's own enumerator reproduces the hand-computed figures."""

    def test_choice_in_parallel(self) -> None:
        term = Seq((Step(0, 0), Par((Seq((Xor(((0.5, Seq((Step(20, 0),))),
                                                (0.5, Seq((Step(0, 0),)))), Step(0, 0)),)),
                                     Seq((Step(10, 0),))), Step(0, 0))))
        assert expectation(term)[0] == pytest.approx(15)

    def test_loop_in_parallel(self) -> None:
        term = Seq((Step(0, 0), Par((Seq((Loop(Seq((Step(5, 0),)), 0.5, "repeat", 0, 0),)),
                                     Seq((Step(10, 0),))), Step(0, 0))))
        value, mass = expectation(term)
        assert value == pytest.approx(12.5) and mass == pytest.approx(1, abs=1e-11)


@given(cases())
def test_measure_is_the_exact_expected_lead_time(case: tuple[Seq, ps.Process]) -> None:
    """Exact enumeration (outcomes weighted by probability, each outcome's longest path)
    against ``measure``; the simulated mean lies within 5 standard errors of it.

    The enumerator drops rework pass counts beyond a probability of 1e-12 per loop (at most
    a few loops; their lead times grow only linearly with the count), far below the 1e-6
    tolerance. Generated processes have at most 2,500 outcomes, within what ``measure``
    enumerates, so it never falls back to Monte Carlo here.
    """
    term, p = case
    exact, covered = expectation(term)
    assert covered == pytest.approx(1.0, abs=1e-9)
    m = ps.measure(p)
    event(m.lead_time_method)
    assert m.lead_time_method in ("flow", "enumeration")
    assert m.lead_time == pytest.approx(exact, rel=1e-6, abs=1e-6)
    sim = ps.simulate(p, n=20_000, seed=0)
    assert abs(sim.mean - exact) <= 5 * sim.std / math.sqrt(sim.n) + 1e-9 * max(1.0, exact)
