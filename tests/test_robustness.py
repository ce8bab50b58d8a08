"""Robust under misuse, faults and size (issue 20): one regression test per finding, each
with its minimal input.

1. batches lose no row: a worker killed on purpose (process pool, Dask) and a file name
   that is not valid UTF-8;
3. valid input never gives an inf or nan figure;
4. work that would grow without bound is refused up front with its estimate;
5. preset ``all`` keeps a check that can send the file back before the decision it guards.
(2, the argument checks of every public function, is tests/test_api_arguments.py.)
"""

from __future__ import annotations

import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import procsimp as ps
from procsimp.batch import task_seed

KILLER = "killer"


def _letter(name: str, days: float = 2.0) -> ps.Process:
    """Draft, transfer, sign: the smallest process a scenario changes."""
    return ps.Process.model_validate({
        "name": name, "levels": ["head", "staff"], "handoff_delay": 1,
        "roles": [{"id": "boss", "level": "head"}, {"id": "clerk", "level": "staff"}],
        "steps": [{"id": "draft", "role": "clerk", "duration": days},
                  {"id": "sign", "role": "boss", "kind": "signature", "duration": 1,
                   "after": ["draft"]}]})


def _exit_on_killer(process: ps.Process,
                    options: ps.PassOptions) -> tuple[ps.Process, list[ps.Change]]:
    """Kill the worker running it on the process named ``killer`` (a test pass)."""
    if process.name == KILLER:
        os._exit(3)
    return process, []


def _register() -> None:
    if "exit_on_killer" not in ps.available_passes():
        ps.register_pass("exit_on_killer")(_exit_on_killer)


@pytest.fixture
def killer_pass() -> Any:
    _register()
    yield "exit_on_killer"
    ps.unregister_pass("exit_on_killer")


#: 20 good processes and the killer at position 7; two scenarios each
SCENARIOS = {"spbe": "spbe", "kill": ["exit_on_killer", "merge_sequential"]}


def _batch() -> list[ps.Process]:
    procs = [_letter(f"letter {i}", days=1 + i) for i in range(20)]
    procs.insert(7, _letter(KILLER))
    return procs


def _check_every_other_row(res: ps.PortfolioResult) -> None:
    by_key = {(r["process"], r["scenario"]): r for r in res.rows}
    for i in range(20):  # every good row is present, with the figure it must have
        for scenario in SCENARIOS:
            row = by_key[(f"letter {i}", scenario)]
            flow_after = 1 + i + 1 + (0 if scenario == "spbe" else 1)  # transfer gone on spbe
            assert row["lead_time_before"] == pytest.approx(1 + i + 1 + 1)
            assert row["lead_time_after"] == pytest.approx(flow_after)
    # the killer's spbe row is computed; its "kill" row is the one failure, naming all three
    assert (KILLER, "spbe") in by_key
    [failure] = res.failures
    assert (failure.process, failure.scenario) == (KILLER, "kill")
    assert "killer" in failure.error and "'kill'" in failure.error
    assert "worker died" in failure.error
    assert len(res.rows) == 2 * 20 + 1
    assert [r["process"] for r in res.rows][:2] == ["letter 0", "letter 0"]  # input order


class TestBatchesLoseNoRow:
    def test_a_killed_process_pool_worker_loses_only_its_row(self, killer_pass: str) -> None:
        with ProcessPoolExecutor(2) as pool:
            res = ps.portfolio(_batch(), SCENARIOS, n=0, executor=pool, chunk_size=4,
                               progress=False)
        _check_every_other_row(res)

    def test_a_killed_dask_worker_loses_only_its_row(self, killer_pass: str) -> None:
        distributed = pytest.importorskip("distributed")
        cloudpickle = pytest.importorskip("cloudpickle")
        cloudpickle.register_pickle_by_value(sys.modules[__name__])

        class Register(distributed.WorkerPlugin):  # restarted workers get the pass too
            def setup(self, worker: Any) -> None:
                _register()

        dask = pytest.importorskip("dask")
        # the killer's chunk fails on the first worker it kills instead of being retried
        # on three more (each restart is slow on a loaded machine; the rows are the same)
        try:
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
                    distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                          dashboard_address=None,
                                          host="127.0.0.1") as cluster, \
                    distributed.Client(cluster) as client:
                client.register_plugin(Register())
                res = ps.portfolio(_batch(), SCENARIOS, n=0, executor=client, chunk_size=4,
                                   progress=False)
        finally:
            cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
        _check_every_other_row(res)

    @pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse such names")
    def test_a_file_name_that_is_not_utf8(self, tmp_path: Path) -> None:
        good = os.fsdecode(bytes(tmp_path) + b"/caf\xe9.yaml")  # Latin-1, not UTF-8
        bad = os.fsdecode(bytes(tmp_path) + b"/bro\xffken.yaml")
        ps.save(_letter("café"), tmp_path / "plain.yaml")
        os.rename(tmp_path / "plain.yaml", good)
        Path(bad).write_bytes(b"steps: [ {id: a\n")
        res = ps.portfolio(str(tmp_path), {"spbe": "spbe"}, n=50, progress=False)
        # the good file is computed (its seed derived from its bytes), the corrupt one is
        # one failure row, both shown with the undecodable byte escaped
        [row] = res.rows
        assert row["source"] == str(tmp_path) + "/caf\\xe9.yaml"
        assert row["lead_time_after"] == 3.0
        [failure] = res.failures
        assert failure.source == str(tmp_path) + "/bro\\xffken.yaml"
        assert failure.source in failure.error and failure.scenario is None
        str(res).encode("ascii", "backslashreplace")  # printable everywhere
        res.summary().encode("utf-8")
        assert task_seed(0, good) != task_seed(0, bad)

    def test_a_pass_failure_names_file_process_and_scenario(self, tmp_path: Path) -> None:
        @ps.register_pass("explode")
        def explode(process: ps.Process,
                    options: ps.PassOptions) -> tuple[ps.Process, list[ps.Change]]:
            """Fail (a test pass)."""
            raise ps.ModelError("cannot handle it")

        try:
            ps.save(_letter("a letter"), tmp_path / "a.yaml")
            res = ps.portfolio(tmp_path, {"x": ["explode"]}, n=0, progress=False)
        finally:
            ps.unregister_pass("explode")
        [failure] = res.failures
        assert failure.error.startswith(f"file {tmp_path / 'a.yaml'}, process 'a letter', "
                                        f"scenario 'x': ")
        assert "cannot handle it" in failure.error


def _nested(depth: int, p: float) -> ps.Process:
    """A chain s0..s(2k-1) whose step k+i sends back to step k-1-i: ``depth`` nested reworks."""
    steps: list[dict[str, Any]] = []
    for i in range(2 * depth):
        step: dict[str, Any] = {"id": f"s{i}", "role": "c", "duration": 1}
        if i:
            step["after"] = [f"s{i - 1}"]
        if i >= depth:
            step["rework"] = {"to": f"s{2 * depth - 1 - i}", "p": p}
        steps.append(step)
    return ps.Process.model_validate({"levels": ["staff"], "steps": steps,
                                      "roles": [{"id": "c", "level": "staff"}]})


class TestNoSilentInfinity:
    def test_400_nested_reworks_at_09_are_refused_not_inf(self) -> None:
        # by hand: the innermost step runs (1 / (1 - 0.9)) ** 400 = 1e400 times per case,
        # beyond a float (max about 1.8e308): no lead time can be reported
        assert 400 * math.log10(1 / (1 - 0.9)) > math.log10(sys.float_info.max)
        proc = _nested(400, 0.9)
        with pytest.raises(ps.SimulationError, match="lead time and touch time and cost "
                                                     "overflow"):
            ps.measure(proc)
        with pytest.raises(ps.SimulationError):
            ps.compare(proc, proc, n=0)

    def test_two_nested_reworks_by_hand(self) -> None:
        # s0 s1 s2 s3, s2 -> s1 at p .5 (inner), s3 -> s0 at p .5 (outer); all 1 day:
        # inner block runs 2 passes per outer pass, outer 2 passes: (1 + 2*2 + 1) * 2 = 12
        assert ps.measure(_nested(2, 0.5)).lead_time == pytest.approx(12.0)


class TestWorkIsBounded:
    def test_rework_nested_500_deep_is_refused_up_front(self) -> None:
        proc = _nested(500, 0.5)
        with pytest.raises(ps.SimulationError, match="times per case on average"):
            ps.simulate(proc, n=100)

    def test_a_billion_cases_is_refused_with_its_memory(self) -> None:
        with pytest.raises(ps.OptionError, match=r"7,450\.6 GiB"):  # 1e12 x 8 bytes / 2**30
            ps.simulate(_letter("a"), n=10**12)
