"""Issue 20, second half: each remaining finding with its minimal input and its figure by hand.

- ``compare`` of two unrelated processes says so (UnrelatedWarning and a note);
- the command line ends each filed misuse with exit 2 and one line (subprocess, as a user
  runs it), and prints names an ASCII console cannot show as escapes;
- merging two 1e9-day steps gives a process the model accepts (and that loads back);
- digitizing a lognormal cannot underflow its median to 0;
- an empty process is refused as BPMN, never written as a file that cannot be read;
- preset ``all`` keeps the signature after a check that can send the file back (item 5);
- a simulation whose expected work exceeds its budget is refused up front with the estimate.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, ClassVar

import pytest

import procsimp as ps
from procsimp.durations import MAX_DURATION, scaled
from procsimp.simulation import MAX_WORK

STAFF: dict[str, Any] = {"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}]}


def chain(*durations: Any, name: str = "chain", prefix: str = "s") -> ps.Process:
    """Steps ``s0 -> s1 -> ...`` of one role, with these durations."""
    steps = [{"id": f"{prefix}{i}", "role": "c", "duration": d,
              **({"after": [f"{prefix}{i - 1}"]} if i else {})}
             for i, d in enumerate(durations)]
    return ps.Process.model_validate({**STAFF, "name": name, "steps": steps})


def nested(depth: int, p: float) -> ps.Process:
    """``depth`` rework blocks nested in each other (step k+i sends back to step k-1-i)."""
    steps: list[dict[str, Any]] = []
    for i in range(2 * depth):
        step: dict[str, Any] = {"id": f"s{i}", "role": "c", "duration": 1}
        if i:
            step["after"] = [f"s{i - 1}"]
        if i >= depth:
            step["rework"] = {"to": f"s{2 * depth - 1 - i}", "p": p}
        steps.append(step)
    return ps.Process.model_validate({**STAFF, "name": "deep", "steps": steps})


class TestCompareUnrelated:
    def test_two_processes_without_a_common_step_are_flagged(self) -> None:
        before, other = chain(2, 3, name="letter"), chain(1, name="permit", prefix="p")
        with pytest.warns(ps.UnrelatedWarning, match="'letter' and 'permit' share no step"):
            rep = ps.compare(before, other, n=0)
        # still computed (two variants designed apart are a legitimate comparison)
        assert rep.metric("lead_time").cut == 5.0 - 1.0
        assert any("share no step" in note for note in rep.notes)

    def test_a_reform_of_one_process_is_not_flagged(self) -> None:
        before = chain(2, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ps.UnrelatedWarning)
            rep = ps.compare(before, ps.simplify(before, ["merge_sequential"]), n=0)
        assert rep.metric("steps").cut == 1
        assert not any("share no step" in note for note in rep.notes)


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "procsimp.cli", *args], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=120,
                          env={**os.environ, **env})


def one_line_error(run: subprocess.CompletedProcess[str], *words: str) -> None:
    assert run.returncode == 2, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("procsimp: error")]
    assert len(lines) == 1 and "internal error" not in run.stderr, run.stderr
    assert len(lines[0]) < 600, lines[0]
    for word in words:
        assert word in lines[0]


class TestCommandLine:
    def test_a_trillion_cases(self, tmp_path: Path) -> None:
        ps.save(chain(1, 2), tmp_path / "a.yaml")
        one_line_error(cli("measure", str(tmp_path / "a.yaml"), "-n", str(10**12)),
                       "-n must be between 0 and 10,000,000")

    def test_rework_nested_500_deep(self, tmp_path: Path) -> None:
        ps.save(nested(500, 0.5), tmp_path / "deep.yaml")
        # by hand: the innermost step runs 2**500 = 3.27e150 times per case
        one_line_error(cli("measure", str(tmp_path / "deep.yaml"), "-n", "100"),
                       "would run 3.27e+150 times per case", "and 497 more")

    def test_a_name_an_ascii_console_cannot_show(self, tmp_path: Path) -> None:
        ps.save(chain(1, 2, name="Surat keluar \u2014 dinas"), tmp_path / "a.yaml")
        run = cli("measure", str(tmp_path / "a.yaml"), "-n", "0", PYTHONIOENCODING="ascii")
        # the figures are printed, the dash escaped, rather than an internal error; then
        # one line says so, and exit 2 tells a script the names are not as written
        assert run.stdout.splitlines()[0] == "Surat keluar \\u2014 dinas"
        assert "lead time         3.00 days" in run.stdout
        one_line_error(run, "cannot show 1 character", "PYTHONIOENCODING=utf-8")

    def test_an_ascii_name_on_an_ascii_console_is_not_an_error(self, tmp_path: Path) -> None:
        ps.save(chain(1, 2, name="Surat keluar - dinas"), tmp_path / "a.yaml")
        run = cli("measure", str(tmp_path / "a.yaml"), "-n", "0", PYTHONIOENCODING="ascii")
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines()[0] == "Surat keluar - dinas"
        assert run.stderr == ""

    def test_a_failing_run_on_an_ascii_console_keeps_its_own_error(self,
                                                                   tmp_path: Path) -> None:
        missing = tmp_path / "surat\u2014keluar.yaml"
        run = cli("measure", str(missing), PYTHONIOENCODING="ascii")
        one_line_error(run, "surat\\u2014keluar.yaml")
        assert "cannot show" not in run.stderr

    def test_an_unreachable_dask_scheduler(self, tmp_path: Path) -> None:
        pytest.importorskip("distributed")
        ps.save(chain(1, 2), tmp_path / "a.yaml")
        one_line_error(cli("portfolio", str(tmp_path / "a.yaml"), "-n", "0", "--dask",
                           "tcp://127.0.0.1:9", "--dask-timeout", "1"),
                       "cannot connect to a Dask scheduler")


class TestEdgesOfTheModel:
    def test_merging_two_billion_day_steps(self, tmp_path: Path) -> None:
        proc = chain(MAX_DURATION, MAX_DURATION)
        merged, changes = ps.run_pass(proc, "merge_sequential")
        assert len(merged.steps) == 1
        assert [c.kind for c in changes] == ["merged"]
        # by hand: 1e9 + 1e9 days, kept as two parts (one number would exceed the bound)
        assert ps.measure(merged).lead_time == 2 * MAX_DURATION
        ps.save(merged, tmp_path / "m.yaml")
        assert ps.load(tmp_path / "m.yaml") == merged

    def test_digitize_cannot_underflow_a_lognormal(self) -> None:
        tiny = {"dist": "lognormal", "median": 1e-300, "p90": 2e-300}
        proc = ps.Process.model_validate({**STAFF, "steps": [
            {"id": "a", "role": "c", "duration": 1},
            {"id": "b", "role": "c", "duration": tiny, "digitizable": True, "after": ["a"]}]})
        q = proc
        for _ in range(2):  # 1e-300 x 1e-30 underflows to 0.0 in floating point
            q = q.model_copy(update={"steps": (q.steps[0], q.steps[1].model_copy(
                update={"digitizable": True}))})
            q, _ = ps.run_pass(q, "digitize", duration_factor=1e-30)
        assert q.step("b").duration == 0.0
        assert ps.measure(q).lead_time == 1.0  # by hand: a (1 day) and b (0)
        # a scaled distribution keeps its family while its mean is not negligible
        assert scaled(ps.Lognormal(median=1.0, p90=2.0), 0.5) == ps.Lognormal(median=0.5,
                                                                              p90=1.0)

    def test_an_empty_process_is_not_written_as_bpmn(self, tmp_path: Path) -> None:
        empty = ps.Process.model_validate({**STAFF, "steps": []})
        with pytest.raises(ps.FileFormatError, match=r"has no steps.*save it as \.yaml"):
            ps.save(empty, tmp_path / "empty.bpmn")
        assert not (tmp_path / "empty.bpmn").exists()
        ps.save(empty, tmp_path / "empty.yaml")  # the plain formats hold it
        assert ps.load(tmp_path / "empty.yaml") == empty


class TestPresetAllKeepsTheGuard:
    """Item 5: an echelon IV approval that sends the file back to itself becomes a review
    under delayering; the head must still sign after it, not beside it."""

    PROC: ClassVar[dict[str, Any]] = {
        "levels": ["head", "echelon_3", "echelon_4", "staff"],
        "roles": [{"id": "boss", "level": "head"},
                  {"id": "kabid", "level": "echelon_3", "reports_to": "boss"},
                  {"id": "kasi", "level": "echelon_4", "reports_to": "kabid"},
                  {"id": "clerk", "level": "staff", "reports_to": "kasi"}],
        "steps": [
            {"id": "draft", "role": "clerk", "duration": 2, "produces": ["letter"]},
            {"id": "check", "role": "kasi", "kind": "approval", "after": ["draft"],
             "needs": ["letter"], "duration": 1, "rework": {"to": "check", "p": 0.5}},
            {"id": "sign", "role": "boss", "kind": "signature", "after": ["check"],
             "needs": ["letter"], "duration": 1}]}

    def test_the_signature_stays_after_the_looping_check(self) -> None:
        proc = ps.Process.model_validate(self.PROC)
        res = ps.simplify(proc, "all")
        assert res.process.step("check").kind == "review"
        assert [e.step for e in res.process.step("sign").after] == ["check"]
        # by hand: draft 2, the check repeats until accepted 1 / (1 - 0.5) = 2, sign 1
        assert ps.measure(res.process).lead_time == ps.measure(proc).lead_time == 5.0

    def test_a_review_without_rework_may_still_run_beside_the_signature(self) -> None:
        data = {**self.PROC, "steps": [dict(s) for s in self.PROC["steps"]]}
        data["steps"][1] = {**data["steps"][1], "kind": "review"}
        del data["steps"][1]["rework"]
        q, _ = ps.run_pass(ps.Process.model_validate(data), "parallelize")
        assert [e.step for e in q.step("sign").after] == ["draft"]


class TestBudgets:
    def test_expected_work_beyond_the_budget_is_refused_with_its_estimate(self) -> None:
        proc = chain(*[1] * 2000)
        # by hand: 10,000,000 cases x 2,000 steps = 2e10 executions > MAX_WORK (1e10)
        assert MAX_WORK < 10_000_000 * 2000
        with pytest.raises(ps.SimulationError, match=r"about 2e\+10 step executions"):
            ps.simulate(proc, n=10_000_000)
        assert ps.simulate(chain(1, 2), n=1000).mean == 3.0  # within budget: runs

    def test_rework_nested_15_deep_is_refused_not_run_for_minutes(self) -> None:
        # by hand: 2**15 = 32,768 runs of the innermost step per case, beyond 1,000
        with pytest.raises(ps.SimulationError, match="32,768 times per case"):
            ps.simulate(nested(15, 0.5), n=1000)
        assert ps.measure(nested(2, 0.5)).lead_time == 12.0  # (1 + 2 * 2 + 1) * 2
