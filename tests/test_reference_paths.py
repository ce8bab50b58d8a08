"""The optimised paths against straightforward references written here (issue 18).

The flow analysis runs over arrays wave by wave, the simulation hashes the seeds of all
its streams at once and keeps a running maximum at joins, and YAML is parsed by libyaml.
Each is checked here against the plain definition, over hypothesis-random processes:

* flow analysis (expected start and finish of every step, lead time of a process without
  choices or rework): a loop over the steps by id, in topological order;
* reach probabilities: the product of branch probabilities along the way;
* stream seeds: numpy's own ``SeedSequence``;
* ``simulate``: a reference engine with the documented semantics (a step's draws come
  from ``default_rng([seed, chunk, kind, *blake2b(step ids)])``, chunks of 8,192 cases),
  sample for sample, critical counts included;
* the YAML loader on libyaml refuses what the pure-Python one refuses.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp.analysis import edge_delay
from procsimp.durations import mean_of
from procsimp.durations import sample as draw
from procsimp.io.base import FastLoader, SafeLoader
from procsimp.simulation import seed_states
from tests.strategies import processes

CHUNK = 8192  # the engine's documented chunk size (procsimp.simulation.CHUNK)


def _topological(process: ps.Process) -> list[str]:
    """Kahn's algorithm, file order breaking ties (the library's documented order)."""
    indegree = {s.id: len(s.after) for s in process.steps}
    succs: dict[str, list[str]] = {s.id: [] for s in process.steps}
    for s in process.steps:
        for e in s.after:
            succs[e.step].append(s.id)
    position = {s.id: i for i, s in enumerate(process.steps)}
    ready = sorted((position[v], v) for v, d in indegree.items() if d == 0)
    order: list[str] = []
    while ready:
        _, v = ready.pop(0)
        order.append(v)
        for w in succs[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                ready.append((position[w], w))
                ready.sort()
    return order


def reference_reach(process: ps.Process) -> dict[str, float]:
    """P(step runs): 1 for a first step; join all: the least likely input; any: their sum."""
    by_id = {s.id: s for s in process.steps}
    p: dict[str, float] = {}
    for v in _topological(process):
        step = by_id[v]
        if not step.after:
            p[v] = 1.0
            continue
        fires = [p[e.step] * (e.p if e.p is not None else 1.0) for e in step.after]
        p[v] = min(fires) if step.join == "all" else min(1.0, math.fsum(fires))
    return p


def reference_flow(process: ps.Process) -> tuple[dict[str, float], dict[str, float]]:
    """Expected start and finish of every step on mean durations, by the textbook rules.

    ``join: all`` starts at the latest arrival (finish of a predecessor plus the mean
    delay of the edge); ``join: any`` at the arrivals weighted by the probability that each
    edge fires; a rework block's exit finishes after 1/(1-p) passes (``repeat``) or 1 + p
    (``once``) of the block, each send-back adding its return delay and revision.
    """
    by_id = {s.id: s for s in process.steps}
    reach = reference_reach(process)
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    blocks = {b.exit: b for b in process.analysis.rework_blocks()}
    for v in _topological(process):
        step = by_id[v]
        arrivals = [finish[e.step] + mean_of(edge_delay(process, by_id[e.step], step, e))
                    for e in step.after]
        if not arrivals:
            start[v] = 0.0
        elif step.join == "all":
            start[v] = max(arrivals)
        else:
            weights = [reach[e.step] * (e.p if e.p is not None else 1.0) for e in step.after]
            total = math.fsum(weights)
            start[v] = (math.fsum(w * a for w, a in zip(weights, arrivals, strict=True)) / total
                        if total > 0 else max(arrivals))
        finish[v] = start[v] + mean_of(step.duration)
        if v in blocks:
            blk = blocks[v]
            once = finish[v] - start[blk.entry]
            revision = step.rework.revision if step.rework is not None else 0.0
            back = mean_of(blk.delay) + mean_of(revision)
            if blk.mode == "repeat":
                finish[v] = start[blk.entry] + (once + blk.p * back) / (1.0 - blk.p)
            else:
                finish[v] = start[blk.entry] + (1.0 + blk.p) * once + blk.p * back
    return start, finish


def _close(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(processes(choices=True, rework=True, max_steps=25))
def test_flow_and_reach_match_the_reference(process: ps.Process) -> None:
    c = process.analysis
    start, finish = c.schedule
    ref_start, ref_finish = reference_flow(process)
    ref_reach = reference_reach(process)
    node_p, _ = c.reach
    for v, sid in enumerate(c.ids):
        assert _close(start[v], ref_start[sid]), (sid, start[v], ref_start[sid])
        assert _close(finish[v], ref_finish[sid]), (sid, finish[v], ref_finish[sid])
        assert _close(node_p[v], ref_reach[sid]), (sid, node_p[v], ref_reach[sid])


@settings(max_examples=60, deadline=None)
@given(processes(max_steps=30))
def test_lead_time_without_choices_is_the_longest_path_exactly(process: ps.Process) -> None:
    _, ref_finish = reference_flow(process)
    sinks = [s.id for s in process.steps
             if not any(e.step == s.id for t in process.steps for e in t.after)]
    m = ps.measure(process)
    assert m.lead_time_method == "flow"
    assert m.lead_time == max(ref_finish[v] for v in sinks)  # identical, not merely close


def test_flow_on_a_hand_computed_process() -> None:
    """a (2) -> b (3), a -> c (5), b, c -> d (1), handoff 1 between roles; by hand:
    a 0-2; b 3-6 (other role); c 2-7 (same role: no handoff); d starts at max(7, 7) = 7."""
    p = ps.Process.model_validate({
        "handoff_delay": 1, "levels": ["staff"],
        "roles": [{"id": "x", "level": "staff"}, {"id": "y", "level": "staff"}],
        "steps": [{"id": "a", "role": "x", "duration": 2},
                  {"id": "b", "role": "y", "duration": 3, "after": ["a"]},
                  {"id": "c", "role": "x", "duration": 5, "after": ["a"]},
                  {"id": "d", "role": "y", "duration": 1, "after": ["b", "c"]}]})
    start, finish = p.analysis.schedule
    assert start == [0.0, 3.0, 2.0, 8.0] and finish == [2.0, 6.0, 7.0, 9.0]
    # d: b arrives at 6 (same role y), c at 7 + 1 handoff = 8
    assert ps.measure(p).lead_time == 9.0
    assert ps.measure(p).critical_path == ("a", "c", "d")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**70), min_size=1, max_size=3),
       st.lists(st.integers(0, 2**32 - 1), min_size=5, max_size=5))
def test_seed_states_are_numpys_seed_sequence(head: list[int], tail: list[int]) -> None:
    words: list[int] = []
    for x in [*head, *tail]:
        words.append(x & 0xFFFFFFFF)
        while x > 0xFFFFFFFF:
            x >>= 32
            words.append(x & 0xFFFFFFFF)
    ours = seed_states(np.array([words], dtype=np.uint32))[0]
    theirs = np.random.SeedSequence([*head, *tail]).generate_state(4, np.uint64)
    assert ours.tolist() == theirs.tolist()


# --- simulate against a reference engine ------------------------------------------------


def _stream(seed: int, chunk: int, kind: int, *names: str) -> np.random.Generator:
    digest = hashlib.blake2b("\x1f".join(names).encode(), digest_size=16).digest()
    return np.random.default_rng([seed, chunk, kind, *np.frombuffer(digest, np.uint32).tolist()])


def _draws(d: Any, seed: int, chunk: int, kind: int, names: tuple[str, ...],
           size: int) -> np.ndarray | float:
    if isinstance(d, (int, float)):
        return float(d)
    return draw(d, _stream(seed, chunk, kind, *names), size)


def reference_simulate(process: ps.Process, n: int, seed: int) -> tuple[np.ndarray, dict]:
    """Lead times and critical shares of a process without choices or rework, case by chunk.

    Durations from stream kind 0 keyed by the step id, edge delays from kind 3 keyed by
    (predecessor id, step id); a step starts at its latest arrival (the first predecessor
    with it is the critical one), the case ends at its last finish.
    """
    by_id = {s.id: s for s in process.steps}
    order = _topological(process)
    has_succ = {e.step for s in process.steps for e in s.after}
    ends = np.empty(n)
    counts = dict.fromkeys(by_id, 0)
    for chunk, lo in enumerate(range(0, n, CHUNK)):
        size = min(CHUNK, n - lo)
        finish: dict[str, np.ndarray] = {}
        setter: dict[str, np.ndarray] = {}
        end = np.zeros(size)
        end_step = np.full(size, "", dtype=object)
        for v in order:
            step = by_id[v]
            start = np.zeros(size)
            who = np.full(size, "", dtype=object)
            for k, e in enumerate(step.after):
                delay = edge_delay(process, by_id[e.step], step, e)
                t = finish[e.step] + _draws(delay, seed, chunk, 3, (e.step, v), size)
                later = t > start if k else np.ones(size, dtype=bool)
                start = np.where(later, t, start)
                who = np.where(later, e.step, who)
            setter[v] = who
            finish[v] = start + _draws(step.duration, seed, chunk, 0, (v,), size)
            if v not in has_succ:
                later = finish[v] > end
                end = np.where(later, finish[v], end)
                end_step = np.where(later, v, end_step)
        ends[lo:lo + size] = end
        for case in range(size):  # walk back along the predecessors that set each start
            v = end_step[case]
            while v:
                counts[v] += 1
                v = setter[v][case]
    return ends, {k: c / n for k, c in counts.items()}


@settings(max_examples=25, deadline=None)
@given(processes(max_steps=15), st.integers(0, 2**40), st.sampled_from([1, 37, 300]))
def test_simulate_matches_the_reference_engine(process: ps.Process, seed: int, n: int) -> None:
    res = ps.simulate(process, n=n, seed=seed)
    ref, crit = reference_simulate(process, n, seed)
    assert np.array_equal(np.sort(res.samples), np.sort(ref))
    assert res.critical == pytest.approx(crit, abs=0)


def test_simulate_matches_the_reference_engine_across_chunks() -> None:
    from benchmarks.generate import layered_process

    proc = layered_process(60, width=6, seed=3)
    res = ps.simulate(proc, n=CHUNK + 500, seed=12)  # a full chunk and a partial one
    ref, crit = reference_simulate(proc, CHUNK + 500, 12)
    assert np.array_equal(np.sort(res.samples), np.sort(ref))
    assert res.critical == pytest.approx(crit, abs=0)


# --- the YAML loader on libyaml ----------------------------------------------------------

HOSTILE = [
    "a: !!python/object:os.system x\n",
    "a: 1\na: 2\n",
    "a: &x [1, 2]\nb: *x\nc: !!binary aGVsbG8=\n",
    "a: &x [*x]\n",
    "steps: [\n",
    "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_c_loader_refuses_what_the_python_loader_refuses(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=SafeLoader)
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=FastLoader)


@settings(max_examples=40, deadline=None)
@given(processes(choices=True, rework=True, needs=True, max_steps=12))
def test_the_c_loader_reads_what_the_python_loader_reads(process: ps.Process) -> None:
    text = ps.dumps(process, "yaml")
    assert yaml.load(text, Loader=FastLoader) == yaml.load(text, Loader=SafeLoader)


def test_an_alias_bomb_is_refused_before_a_save_could_blow_it_up() -> None:
    """Issue 20: a 149 kB YAML file with 999 aliases of one 100 kB text saved as 100 MB."""
    big = "x" * 100_000
    steps = "".join(f"  - {{id: s{i}, role: c, duration: 1, description: *d}}\n"
                    for i in range(1, 1000))
    text = ("levels: [staff]\nroles: [{id: c, level: staff}]\nsteps:\n"
            f"  - {{id: s0, role: c, duration: 1, description: &d {big}}}\n{steps}")
    assert len(text) < 160_000
    with pytest.raises(ps.FileFormatError, match="expand the document's text"):
        ps.loads(text)
    # a few aliases of a short value stay welcome
    ok = ("levels: [staff]\nroles: [{id: c, level: staff}]\nsteps:\n"
          "  - {id: s0, role: c, duration: &t {dist: triangular, low: 1, mode: 2, high: 4}}\n"
          "  - {id: s1, role: c, duration: *t, after: [s0]}\n")
    assert ps.loads(ok).steps[1].duration == ps.loads(ok).steps[0].duration


# --- the artifact check of validation ------------------------------------------------------


def reference_artifact_problems(process: ps.Process) -> list[tuple[str, int, str]]:
    """(step, position in needs, artifact) of every need no ancestor of the step produces,
    in topological order: the ancestors found by a plain search over ``after``."""
    by_id = {s.id: s for s in process.steps}
    missing = []
    for sid in _topological(process):
        ancestors: set[str] = set()
        stack = [e.step for e in by_id[sid].after]
        while stack:
            u = stack.pop()
            if u not in ancestors:
                ancestors.add(u)
                stack.extend(e.step for e in by_id[u].after)
        made = {a for u in ancestors for a in by_id[u].produces}
        missing += [(sid, k, a) for k, a in enumerate(by_id[sid].needs) if a not in made]
    return missing


@st.composite
def needy_processes(draw: st.DrawFn) -> ps.Process:
    """A valid process whose steps then need more: artifacts made anywhere (before, after,
    on another branch) and one nobody makes; not validated again (the check runs alone)."""
    process = draw(processes(choices=True, needs=True, max_steps=30))
    made = [*sorted({a for s in process.steps for a in s.produces}), "ghost"]
    steps = list(process.steps)
    for v in draw(st.lists(st.integers(0, len(steps) - 1), max_size=6)):
        extra = draw(st.sampled_from(made))
        if extra not in steps[v].needs:
            steps[v] = steps[v].model_copy(update={"needs": (*steps[v].needs, extra)})
    return process.model_copy(update={"steps": tuple(steps)})


@settings(max_examples=60, deadline=None)
@given(process=needy_processes(), budget=st.sampled_from([0, 2, 64]))
def test_the_artifact_check_matches_the_reference(process: ps.Process, budget: int) -> None:
    # budget 0 sends every need past its direct predecessors to the whole-graph pass
    from procsimp import validation
    from procsimp.analysis import analyse

    kept = validation.PRODUCER_SEARCH_BUDGET
    validation.PRODUCER_SEARCH_BUDGET = budget
    try:
        found = validation._artifact_problems(analyse(process))
    finally:
        validation.PRODUCER_SEARCH_BUDGET = kept
    ids = [s.id for s in process.steps]
    got = [(ids[loc[1]], loc[3], msg) for loc, _, msg in found]
    expected = reference_artifact_problems(process)
    assert [(sid, k) for sid, k, _ in got] == [(sid, k) for sid, k, _ in expected]
    for (_, _, msg), (sid, _, art) in zip(got, expected, strict=True):
        assert msg.startswith(f"step {sid!r} needs {art!r}, but ")
        assert ("no step produces it" in msg) == (art == "ghost")


@settings(max_examples=60, deadline=None)
@given(processes(choices=True, rework=True, max_steps=25))
def test_handoffs_and_work_match_the_reference(process: ps.Process) -> None:
    # measure counts handoffs over arrays and reuses duration means for default work
    by_id = {s.id: s for s in process.steps}
    level = {r.id: r.level for r in process.roles}
    across = [(by_id[e.step].role, s.role) for s in process.steps for e in s.after
              if by_id[e.step].role != s.role]
    m = ps.measure(process)
    assert m.handoffs == len(across)
    assert m.vertical_handoffs == sum(level[a] != level[b] for a, b in across)
    assert m.roles_involved == len({s.role for s in process.steps})
    assert m.layers == len({level[s.role] for s in process.steps})
    assert m.approval_layers == len({level[s.role] for s in process.steps
                                     if s.kind in ("approval", "signature")})
    assert process.analysis.mean_work == [
        mean_of(s.work if s.work is not None else s.duration) for s in process.steps]


@settings(max_examples=40, deadline=None)
@given(processes(rework=True, max_steps=25))
def test_reach_without_choices_matches_the_reference(process: ps.Process) -> None:
    # without a choice the reach is written down directly (no pass over the graph)
    node_p, edge_p = process.analysis.reach
    assert node_p == [reference_reach(process)[s.id] for s in process.steps]
    assert edge_p == [tuple(1.0 for _ in s.after) for s in process.steps]


@settings(max_examples=80, deadline=None)
@given(processes(choices=True, rework=True, max_steps=25), st.randoms(use_true_random=False))
def test_the_analysis_rows_match_the_reference(process: ps.Process, rnd: Any) -> None:
    """Predecessor and successor rows and the topological order (issue 18 builds them over
    arrays, with a shortcut when the file order is already topological), against the plain
    definitions, on the process as written and with its steps shuffled."""
    steps = list(process.steps)
    rnd.shuffle(steps)
    for proc in (process, ps.Process.model_validate({**process.model_dump(), "steps": [
            s.model_dump() for s in steps]})):
        c = proc.analysis
        ids = [s.id for s in proc.steps]
        assert c.ids == ids
        assert c.preds == [tuple(ids.index(e.step) for e in s.after) for s in proc.steps]
        assert c.succs == [tuple(w for w, s in enumerate(proc.steps)
                                 if any(e.step == ids[u] for e in s.after))
                           for u in range(len(ids))]
        assert [ids[v] for v in c.order] == _topological(proc)


def test_a_file_listing_steps_backwards_is_ordered_by_its_edges() -> None:
    p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
                                   "steps": [{"id": "c3", "role": "c", "after": ["b2"]},
                                             {"id": "b2", "role": "c", "after": ["a1"]},
                                             {"id": "a1", "role": "c"},
                                             {"id": "z", "role": "c"}]})
    assert p.analysis.order_ids() == ("a1", "b2", "c3", "z")
    assert p.analysis.succs == [(), (0,), (1,), ()]
