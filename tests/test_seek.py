"""Target-seeking (issue 14): ``ps.seek`` against a brute force written here.

The brute force enumerates every subset of the candidate moves, applies each
subset's moves in candidate order with ``ps.run_pass`` (a move whose level, role
or step an earlier move removed changes nothing) and judges it with
``ps.measure`` (mean targets) or a plain ``numpy`` quantile of ``ps.simulate``'s
samples (quantile targets); the plan must be the cheapest subset that meets the
target, then the one with the best figure, then the earliest moves.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import processes
from strategies.seeking import MAX_MOVES, moves_for, seek_processes

import procsimp as ps
from procsimp.seeking import Move, candidates, locked_steps

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.yaml"))
SLOW = settings(max_examples=12, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def apply_moves(process, moves):
    """The test's own composition: each move through ps.run_pass (or the shortening by
    hand), in order; a move naming what an earlier move removed changes nothing."""
    current = process
    for move in moves:
        if move.pass_name == "shorten":
            sid = move.options["step"]
            if sid in {s.id for s in current.steps}:
                data = current.model_dump(mode="json")
                for s in data["steps"]:
                    if s["id"] == sid:
                        s["duration"] = ps.mean_of(move.options["to"])
                        s.pop("work", None)
                current = ps.Process.model_validate(data)
            continue
        with contextlib.suppress(ps.OptionError):
            current, _ = ps.run_pass(current, move.pass_name, **dict(move.options))
    return current


def brute_force(process, moves, figure, meets, lower_is_better=True, seen=None):
    """Every subset: the cheapest meeting the target, then the best figure, then the
    earliest moves (as sorted index tuples).

    The subsets are walked depth-first in index order, each one applied as its parent
    subset's process plus one more move (the same composition as :func:`apply_moves`,
    which applies a subset's moves in index order), so the 4,096 subsets of 12 moves cost
    4,096 pass runs rather than six times as many. Every subset's figure is appended to
    ``seen`` when given."""
    best = None

    def visit(current, subset, start):
        nonlocal best
        value = figure(current)
        if seen is not None:
            seen.append(value)
        if meets(value):
            key = (round(sum(moves[i].cost for i in subset), 9),
                   round(value if lower_is_better else -value, 9), tuple(sorted(subset)))
            if best is None or key < best[0]:
                best = (key, value)
        for i in range(start, len(moves)):
            visit(apply_moves(current, [moves[i]]), (*subset, i), i + 1)

    visit(process, (), 0)
    return best


def chosen(plan, moves):
    return tuple(sorted(moves.index(m.move) for m in plan.moves))


small = processes(choices=True, rework=True, needs=True, max_steps=7, max_roles=4,
                  domain_levels=True)


class TestAgainstBruteForce:
    @SLOW
    @given(seek_processes(), st.data())
    def test_mean_target(self, process, data):
        moves = data.draw(moves_for(process))
        none = ps.measure(process).lead_time
        every = ps.measure(apply_moves(process, moves)).lead_time
        fraction = data.draw(st.sampled_from([0.0, 0.3, 0.6, 1.0, 1.2]))
        target = every + fraction * (none - every)
        plan = ps.seek(process, {"mean": target}, passes=[], moves=moves, n=200, seed=1,
                       budget=2 ** len(moves))
        kept = list(plan.candidates)
        assert len(kept) <= MAX_MOVES and all(m in moves for m in kept)
        figures: list[float] = []
        best = brute_force(process, kept, lambda p: ps.measure(p).lead_time,
                           lambda v: v <= target + 1e-9, seen=figures)
        assert len(figures) == 2 ** len(kept)
        if best is None:
            assert not plan.reachable
            assert plan.best == pytest.approx(min(figures), abs=1e-9)
            return
        assert plan.reachable
        assert chosen(plan, kept) == best[0][2]
        assert plan.figure == pytest.approx(best[1], abs=1e-9)
        assert plan.search.method == "exact" and plan.search.gap == 0
        assert plan.minimal

    @settings(SLOW, max_examples=8)
    @given(seek_processes(max_steps=6), st.data())
    def test_quantile_target(self, process, data):
        moves = data.draw(moves_for(process, costs=False))
        n, seed = 300, 3

        def p90(p):
            return float(np.quantile(ps.simulate(p, n=n, seed=seed, critical=False).samples,
                                     0.9))

        none, every = p90(process), p90(apply_moves(process, moves))
        target = every + data.draw(st.sampled_from([0.0, 0.5, 1.0])) * (none - every)
        plan = ps.seek(process, {"p90": target}, passes=[], moves=moves, n=200, search_n=n,
                       seed=seed, confidence="estimate", budget=2 ** len(moves))
        kept = list(plan.candidates)
        assert all(m in moves for m in kept)
        best = brute_force(process, kept, p90, lambda v: v <= target + 1e-9)
        assert best is not None  # the all-moves set meets its own figure
        assert plan.reachable
        assert chosen(plan, kept) == best[0][2]
        assert plan.figure == pytest.approx(best[1], abs=1e-9)
        assert plan.minimal


class TestExamples:
    @pytest.fixture(params=EXAMPLES, ids=lambda p: p.stem)
    def example(self, request):
        return ps.load(request.param)

    def test_all_passes_target_is_reached(self, example):
        kept, _ = candidates(example)
        every = ps.measure(apply_moves(example, kept)).lead_time
        plan = ps.seek(example, {"mean": every}, n=2000, budget=600)
        assert plan.reachable and plan.figure <= every + 1e-9
        assert ps.measure(plan.process).lead_time == pytest.approx(plan.figure)
        assert plan.minimal

    def test_looser_target_selects_a_strict_subset(self, example):
        kept, _ = candidates(example)
        none = ps.measure(example).lead_time
        every = ps.measure(apply_moves(example, kept)).lead_time
        plan = ps.seek(example, {"mean": (none + every) / 2}, n=2000)
        assert plan.reachable and 0 < len(plan.moves) < len(kept)
        assert plan.figure <= (none + every) / 2
        assert plan.minimal
        for check in plan.minimal.checks:  # each figure recomputed without that move
            rest = [m.move for m in plan.moves if m.label != check.move]
            assert ps.measure(apply_moves(example, rest)).lead_time == \
                pytest.approx(check.figure)
            assert check.figure > (none + every) / 2

    def test_unreachable_target_reports_best_and_locks(self, example):
        plan = ps.seek(example, {"mean": 0.5}, n=1000, budget=600)
        kept, _ = candidates(example)
        every = ps.measure(apply_moves(example, kept)).lead_time
        assert not plan.reachable
        assert plan.best <= every + 1e-9
        assert ps.measure(plan.process).lead_time == pytest.approx(plan.best)
        locks = {("step", s.id) for s in example.steps if s.locked} | \
            {("role", r.id) for r in example.roles if r.locked} | \
            {("level", lv.id) for lv in example.levels if lv.locked}
        named = {(b.kind, b.id) for b in plan.blocked_by}
        assert named <= locks
        for lock in plan.blocked_by:  # lifting a lock never makes every move worse
            assert lock.figure_if_lifted is not None
            assert lock.figure_if_lifted <= every + 1e-9
        assert "NOT reachable" in str(plan)


def test_a_locked_level_stands_in_the_way():
    """Echelon III exempt from delayering: its approval stays, and the plan says so, with
    the figure every move reaches once the lock is lifted (recomputed here)."""
    p = ps.load(Path(__file__).parent.parent / "examples" / "outgoing_letter.yaml")
    data = p.model_dump(mode="json")
    data["levels"] = [dict(lv, locked=True) if lv["id"] == "echelon_3" else lv
                      for lv in data["levels"]]
    locked = ps.Process.model_validate(data)
    plan = ps.seek(locked, {"mean": 1}, n=500)
    assert not plan.reachable
    lock = {(b.kind, b.id): b for b in plan.blocked_by}[("level", "echelon_3")]
    assert any("echelon_3" in label for label in lock.moves)
    kept, _ = candidates(p)
    assert lock.figure_if_lifted == pytest.approx(ps.measure(apply_moves(p, kept)).lead_time)
    assert lock.figure_if_lifted < plan.best
    assert any("echelon_3" in e.move.label and "locked" in e.reason for e in plan.excluded)


class TestLocks:
    @SLOW
    @given(small, st.data())
    def test_locked_steps_never_touched(self, process, data):
        data_ = process.model_dump(mode="json")
        for s in data_["steps"]:
            s["locked"] = data.draw(st.booleans())
        for r in data_["roles"]:
            r["locked"] = data.draw(st.integers(0, 4)) == 0
        locked_process = ps.Process.model_validate(data_)
        locked = locked_steps(locked_process)
        target = data.draw(st.sampled_from([0.0, 0.5, 1.0])) * \
            ps.measure(locked_process).lead_time
        plan = ps.seek(locked_process, {"mean": target}, n=100, budget=512)
        after = {s.id: s for s in plan.process.steps}
        for sid in locked:
            old = locked_process.step(sid)
            assert sid in after, f"locked step {sid} removed"
            assert after[sid].role == old.role and after[sid].kind == old.kind
        for c in plan.changes:
            if c.kind in ("removed", "merged", "reassigned"):
                assert not (set(c.steps) & locked) or (c.kind == "merged" and
                                                       len(c.steps) == 1)


class TestIndonesianOnTime:
    """The business licence: 5 working days from payment to the signed licence
    (UU 30/2014 Pasal 53), Indonesian holidays and cuti bersama on the calendar."""

    def test_reaches_95_percent_with_its_interval(self):
        p = ps.load(Path(__file__).parent.parent / "examples" / "business_licence.yaml")
        standard = Move.shorten("sign_licence", {"dist": "triangular", "low": 0.25,
                                                  "mode": 0.5, "high": 1.5},
                                label="the head signs electronically within 1.5 days")
        plan = ps.seek(p, {"on_time": ("licence_decision", 0.95)}, moves=[standard],
                       n=10_000, seed=0)
        assert plan.reachable and plan.achieved.met
        assert plan.achieved.ci[0] > 0.95
        assert plan.minimal
        # a separate simulation with another seed, counted here by hand
        check = ps.simulate(plan.process, n=20_000, seed=12345)
        flags = check.on_time["licence_decision"].on_time
        share = float(np.mean(flags[flags >= 0] == 1))
        low = share - 1.96 * math.sqrt(share * (1 - share) / int(np.sum(flags >= 0)))
        assert low > 0.95
        assert check.on_time["licence_decision"].ci[0] > 0.95


class TestTargetsAndErrors:
    letter = Path(__file__).parent.parent / "examples" / "outgoing_letter.yaml"

    @pytest.mark.parametrize("target, words", [
        ({"p190": 3}, "unknown target"), ({"mean": -1}, "non-negative"),
        ({"on_time": ("nope", 0.9)}, "does not declare"), ({"on_time": ("x",)}, "DEADLINE_ID"),
        ([("mean", 3)], "mapping"), ({"mean": 1, "p90": 2}, "one entry")])
    def test_bad_targets(self, target, words):
        with pytest.raises(ps.OptionError, match=words):
            ps.seek(ps.load(self.letter), target)

    def test_bad_pass_and_cost(self):
        p = ps.load(self.letter)
        with pytest.raises(ps.OptionError, match="not a built-in pass"):
            ps.seek(p, {"mean": 3}, passes=["delayr"])
        with pytest.raises(ps.OptionError, match="positive"):
            Move.shorten("draft", 1, cost=0)
        with pytest.raises(ps.OptionError, match="duration"):
            Move.shorten("draft", "soon")

    def test_target_already_met_needs_no_move(self):
        p = ps.load(self.letter)
        plan = ps.seek(p, {"mean": 100}, n=500)
        assert plan.moves == () and plan.reachable and bool(plan.minimal)

    def test_renders_and_saves(self, tmp_path):
        p = ps.load(self.letter)
        plan = ps.seek(p, {"p90": 18}, n=1000, search_n=500)
        assert "Verified by simulation" in str(plan) and "<table" in plan._repr_html_()
        assert plan.to_json()["moves"]
        plan.save(tmp_path / "plan.yaml")
        assert ps.load(tmp_path / "plan.yaml") == plan.process
        assert any(pt.on_front for pt in plan.front)
        # the front's figures recomputed: p90 on the same random numbers, cost per case
        for pt in plan.front:
            moves = [m for m in plan.candidates if m.label in pt.moves]
            q = apply_moves(p, moves)
            assert pt.p90 == pytest.approx(ps.simulate(q, n=500, seed=0).p90)
            assert pt.cost_per_case == pytest.approx(ps.measure(q).cost)

    def test_deterministic_for_a_seed(self):
        p = ps.load(self.letter)
        a = ps.seek(p, {"p90": 18}, n=500, search_n=300, seed=4)
        b = ps.seek(p, {"p90": 18}, n=500, search_n=300, seed=4)
        assert [m.label for m in a.moves] == [m.label for m in b.moves]
        assert a.achieved == b.achieved


def test_heuristic_reports_a_gap_bound():
    p = ps.load(Path(__file__).parent.parent / "examples" / "building_approval.yaml")
    kept, _ = candidates(p)
    every = ps.measure(apply_moves(p, kept)).lead_time
    plan = ps.seek(p, {"mean": every}, n=500, budget=40)
    assert plan.reachable and plan.minimal
    assert plan.search.method == "heuristic"
    assert plan.search.lower_bound <= plan.cost
    assert plan.search.gap == pytest.approx(plan.cost - plan.search.lower_bound)
    # no set cheaper than the bound meets the target: checked on every such set
    for k in range(math.ceil(plan.search.lower_bound)):
        for subset in itertools.combinations(kept, k):
            assert ps.measure(apply_moves(p, subset)).lead_time > every + 1e-9


class TestCommandLine:
    letter = str(Path(__file__).parent.parent / "examples" / "outgoing_letter.yaml")

    def test_json_plan_saved_and_drawn(self, tmp_path, capsys):
        import json

        from procsimp.cli import main

        out, fig = tmp_path / "plan.yaml", tmp_path / "front.png"
        code = main(["seek", self.letter, "--target", "p90=18", "-n", "1000", "--json",
                     "-o", str(out), "--figure", str(fig)])
        data = json.loads(capsys.readouterr().out)
        assert code == 0 and data["reachable"] and data["minimal"]
        api = ps.seek(ps.load(self.letter), {"p90": 18}, n=1000)
        assert [m["move"] for m in data["moves"]] == [m.label for m in api.moves]
        assert ps.load(out) == api.process and fig.stat().st_size > 1000

    @pytest.mark.parametrize("argv, words", [
        (["--target", "p90"], "write mean=T"), (["--target", "p90=x"], "not a number"),
        (["--target", "mean=5", "--shorten", "draft"], "STEP=DURATION"),
        (["--target", "mean=5", "-n", "0"], "at least 1")])
    def test_bad_input(self, argv, words, capsys):
        from procsimp.cli import main

        assert main(["seek", self.letter, *argv]) == 2
        assert words in capsys.readouterr().err

    def test_unreachable_exits_1(self, capsys):
        from procsimp.cli import main

        assert main(["seek", self.letter, "--target", "mean=0.5", "-n", "500"]) == 1
        assert "NOT reachable" in capsys.readouterr().out


def test_front_figure():
    from matplotlib.figure import Figure

    p = ps.load(Path(__file__).parent.parent / "examples" / "outgoing_letter.yaml")
    plan = ps.seek(p, {"p90": 18}, n=1000, search_n=500)
    fig = ps.plot.front(plan)
    assert isinstance(fig, Figure)
    axis = fig.axes[0]
    points = next(c for c in axis.collections if c.get_gid() == "plans").get_offsets()
    assert [tuple(xy) for xy in points] == [(pt.cost, pt.p90) for pt in plan.front]
    line = next(ln for ln in axis.lines if ln.get_gid() == "front")
    assert list(line.get_xdata()) == sorted(pt.cost for pt in plan.front if pt.on_front)
    with pytest.raises(ps.OptionError, match="Plan"):
        ps.plot.front(p)


def test_seeking_page_example_runs(monkeypatch, tmp_path):
    docs = Path(__file__).resolve().parents[1] / "docs"
    monkeypatch.chdir(docs.parent)
    import re

    blocks = re.findall(r"```python\n(.*?)```", (docs / "seeking.md").read_text("utf-8"), re.S)
    namespace: dict[str, object] = {}
    monkeypatch.chdir(tmp_path)
    import os

    os.symlink(docs.parent / "examples", tmp_path / "examples")
    for block in blocks:
        exec(compile(block, "seeking.md", "exec"), namespace)
    plan = namespace["plan"]
    assert isinstance(plan, ps.Plan) and plan.reachable and plan.achieved.ci[0] > 0.95
    assert ps.load(tmp_path / "licence_plan.yaml") == plan.process
