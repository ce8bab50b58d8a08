"""Before/after reports: exact cuts, paired intervals, attribution per pass, output formats."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import pytest

import procsimp as ps
from procsimp.comparison import METRICS, Report
from procsimp.pipeline import Result

LEVELS: dict[str, Any] = {
    "levels": ["head", "middle", "staff"],
    "roles": [{"id": "boss", "level": "head"}, {"id": "mid", "level": "middle"},
              {"id": "clerk", "level": "staff"}],
}
REMOVE_MIDDLE = {"delayer": {"remove_levels": ["middle"]}}
LOGN = {"dist": "lognormal", "median": 5, "p90": 15}
TRI = {"dist": "triangular", "low": 0.5, "mode": 1, "high": 2}


def proc(steps: list[dict[str, Any]], **extra: Any) -> ps.Process:
    return ps.Process.model_validate({**LEVELS, **extra, "steps": steps})


def chain(middle: dict[str, Any], *, name: str = "Memo", **extra: Any) -> ps.Process:
    """draft (clerk) -> ok (mid, approval) -> sign (boss, signature), one handoff day each."""
    return proc([{"id": "draft", "role": "clerk", "duration": 2},
                 {"id": "ok", "role": "mid", "kind": "approval", "after": ["draft"], **middle},
                 {"id": "sign", "role": "boss", "kind": "signature", "duration": 1,
                  "after": ["ok"]}], name=name, handoff_delay=1, **extra)


@pytest.fixture
def fixed() -> Result:
    """Fixed durations: before 2 + 1 + 1 + 1 + 1 = 6 days; after delayering 2 + 1 + 1 = 4."""
    return ps.simplify(chain({"duration": 1}), ["delayer"], options=REMOVE_MIDDLE)


@pytest.fixture
def fixed_report(fixed: Result) -> Report:
    return ps.compare(fixed.original, fixed, n=1000, seed=0)


def width(ci: tuple[float, float]) -> float:
    return ci[1] - ci[0]


class TestExactCuts:
    def test_metrics_before_after_and_cut(self, fixed_report: Report) -> None:
        expected = {  # name: (before, after)
            "steps": (3, 2), "roles_involved": (3, 2), "layers": (3, 2),
            "approval_layers": (2, 1), "handoffs": (2, 1), "vertical_handoffs": (2, 1),
            "lead_time": (6.0, 4.0), "touch_time": (4.0, 3.0),
            "cycle_efficiency": (4 / 6, 3 / 4), "cost": (0.0, 0.0),
        }
        assert [r.name for r in fixed_report.metrics] == [name for name, _ in METRICS]
        for name, (before, after) in expected.items():
            row = fixed_report.metric(name)
            assert (row.before, row.after) == pytest.approx((before, after)), name
            assert row.cut == pytest.approx(before - after), name
        assert fixed_report.metric("lead_time").relative_cut == pytest.approx(1 / 3)
        assert fixed_report.metric("layers").relative_cut == pytest.approx(1 / 3)

    def test_relative_cut_is_none_when_before_is_zero(self, fixed_report: Report) -> None:
        assert fixed_report.metric("cost").relative_cut is None

    def test_simulated_cut_is_exact_with_zero_width(self, fixed_report: Report) -> None:
        sim = fixed_report.simulation
        assert sim is not None
        assert (sim.before.mean, sim.after.mean) == (6.0, 4.0)
        assert (sim.before.p90, sim.after.p90) == (6.0, 4.0)
        for est in (sim.mean_cut, sim.p50_cut, sim.p90_cut):
            assert est.value == 2.0
            assert est.ci == (2.0, 2.0)
        assert sim.mean_cut.method == "paired_skew_corrected"
        assert sim.p90_cut.method == "paired_bootstrap"

    def test_header_fields(self, fixed_report: Report) -> None:
        assert (fixed_report.before_name, fixed_report.after_name) == ("Memo", "Memo")
        assert (fixed_report.time_unit, fixed_report.n, fixed_report.seed) == ("day", 1000, 0)

    def test_letter_of_the_design_loses_two_layers(self, letter_process: ps.Process) -> None:
        res = ps.simplify(letter_process, ["delayer"],
                       options={"delayer": {"remove_levels": ["echelon_3", "echelon_4"]}})
        rep = ps.compare(letter_process, res, n=2000)
        assert (rep.metric("layers").before, rep.metric("layers").after) == (4, 2)
        assert (rep.metric("approval_layers").before,
                rep.metric("approval_layers").after) == (3, 1)
        assert rep.metric("lead_time").cut > 0

    def test_no_change_is_a_zero_cut_on_random_durations(self) -> None:
        # same cases on both sides: every paired difference is exactly 0
        p = chain({"duration": LOGN})
        sim = ps.compare(p, p, n=5000, seed=3).simulation
        assert sim is not None
        assert sim.mean_cut.ci == (0.0, 0.0)
        assert sim.p90_cut.ci == (0.0, 0.0)


class TestPairedIntervals:
    """Common random numbers: the cut's interval is far narrower than the means' intervals."""

    @pytest.fixture
    def report(self) -> Report:
        # big random draft and signature; delayering removes a small random approval
        p = proc([{"id": "draft", "role": "clerk", "duration": LOGN},
                  {"id": "ok", "role": "mid", "kind": "approval", "after": ["draft"],
                   "duration": TRI},
                  {"id": "sign", "role": "boss", "kind": "signature", "duration": LOGN,
                   "after": ["ok"]}], handoff_delay=TRI)
        return ps.compare(p, ps.simplify(p, ["delayer"], options=REMOVE_MIDDLE), n=20_000, seed=1)

    def test_mean_cut_interval_is_narrow(self, report: Report) -> None:
        sim = report.simulation
        assert sim is not None
        independent = math.hypot(width(sim.before.mean_ci), width(sim.after.mean_ci))
        assert width(sim.mean_cut.ci) < 0.1 * independent
        # the removed approval (mean 7/6) and one handoff (mean 7/6) are the whole cut
        lo, hi = sim.mean_cut.ci
        assert lo < 7 / 3 < hi

    def test_mean_cut_is_the_difference_of_the_means(self, report: Report) -> None:
        sim = report.simulation
        assert sim is not None
        assert sim.mean_cut.value == pytest.approx(sim.before.mean - sim.after.mean)

    def test_p90_cut_interval_is_narrower_than_the_unpaired_one(self, report: Report) -> None:
        sim = report.simulation
        assert sim is not None
        assert sim.p90_cut.value == pytest.approx(sim.before.p90 - sim.after.p90)
        unpaired = (sim.before.p90_ci[0] - sim.after.p90_ci[1],
                    sim.before.p90_ci[1] - sim.after.p90_ci[0])
        assert width(sim.p90_cut.ci) < 0.5 * width(unpaired)
        assert sim.p90_cut.ci[0] <= sim.p90_cut.value <= sim.p90_cut.ci[1]

    def test_bootstrap_zero_gives_the_unpaired_interval(self) -> None:
        p = chain({"duration": TRI})
        q = ps.simplify(p, ["delayer"], options=REMOVE_MIDDLE).process
        sim = ps.compare(p, q, n=2000, bootstrap=0).simulation
        assert sim is not None
        assert sim.p90_cut.method == "independent_order_statistics"
        assert sim.p90_cut.ci == (sim.before.p90_ci[0] - sim.after.p90_ci[1],
                                  sim.before.p90_ci[1] - sim.after.p90_ci[0])


class TestAttribution:
    PIPELINE = ("delayer", "merge_sequential", "parallelize", "digitize")

    @pytest.fixture
    def result(self, repo_root: Any) -> Result:
        letter = ps.load(repo_root / "examples" / "outgoing_letter.yaml")
        return ps.simplify(letter, list(self.PIPELINE),
                        options={"delayer": {"remove_levels": ["echelon_3", "echelon_4"]}})

    def test_one_row_per_pass_in_order(self, result: Result) -> None:
        rep = ps.compare(result.original, result, n=0)
        assert rep.attribution is not None
        assert [a.name for a in rep.attribution] == list(self.PIPELINE)
        for row, run in zip(rep.attribution, result.runs, strict=True):
            m = ps.measure(run.process)
            assert (row.lead_time, row.layers, row.steps) == (m.lead_time, m.layers, m.steps)
            assert row.changes + row.skipped == len(run.changes)
            assert row.skipped == sum(c.kind == "skipped" for c in run.changes)

    def test_cuts_add_up_to_the_total_cut(self, result: Result) -> None:
        rep = ps.compare(result.original, result, n=0)
        assert rep.attribution is not None
        total = sum(a.lead_time_cut for a in rep.attribution)
        assert total == pytest.approx(rep.metric("lead_time").cut)
        assert rep.attribution[-1].lead_time == rep.metric("lead_time").after

    def test_result_given_explicitly(self, result: Result) -> None:
        a = ps.compare(result.original, result.process, n=200, result=result)
        b = ps.compare(result.original, result, n=200)
        assert a == b

    def test_no_attribution_without_a_result(self, fixed: Result) -> None:
        assert ps.compare(fixed.original, fixed.process, n=0).attribution is None


class TestOptions:
    def test_same_seed_same_report(self, fixed: Result) -> None:
        p = chain({"duration": TRI})
        assert ps.compare(p, fixed.process, n=500, seed=7) == ps.compare(p, fixed.process,
                                                                          n=500, seed=7)

    def test_seed_none_reports_the_seed_drawn(self) -> None:
        p = chain({"duration": TRI})
        q = chain({"duration": 0.5})
        rep = ps.compare(p, q, n=500, seed=None)
        assert isinstance(rep.seed, int)
        assert ps.compare(p, q, n=500, seed=rep.seed) == rep

    def test_n_zero_skips_the_simulation(self, fixed: Result) -> None:
        rep = ps.compare(fixed.original, fixed, n=0)
        assert rep.simulation is None
        assert "Simulated" not in str(rep)
        assert rep.to_dict()["simulation"] is None

    @pytest.mark.parametrize("n", [1, -5, 2.5, True, "100"])
    def test_bad_n(self, fixed: Result, n: Any) -> None:
        with pytest.raises(ps.OptionError, match="n must be"):
            ps.compare(fixed.original, fixed, n=n)

    def test_bad_seed(self, fixed: Result) -> None:
        with pytest.raises(ps.OptionError, match="seed"):
            ps.compare(fixed.original, fixed, n=10, seed=-1)

    def test_not_a_process(self, fixed: Result) -> None:
        with pytest.raises(ps.OptionError, match="after must be a Process"):
            ps.compare(fixed.original, "out.yaml")  # type: ignore[arg-type]

    def test_time_units_must_agree(self) -> None:
        with pytest.raises(ps.OptionError, match="in days but after in hours"):
            ps.compare(chain({"duration": 1}), chain({"duration": 1}, time_unit="hour"))

    def test_result_of_another_process(self, fixed: Result) -> None:
        other = chain({"duration": 5})
        with pytest.raises(ps.OptionError, match="different process"):
            ps.compare(other, fixed)
        with pytest.raises(ps.OptionError, match="not the process of result"):
            ps.compare(fixed.original, other, result=fixed)


class TestOutput:
    def test_to_dict_is_json(self, fixed_report: Report) -> None:
        data = json.loads(json.dumps(fixed_report.to_dict()))
        assert data["metrics"]["layers"] == {"kind": "count", "before": 3, "after": 2, "cut": 1,
                                             "relative_cut": pytest.approx(1 / 3)}
        assert data["metrics"]["cost"]["relative_cut"] is None
        assert data["simulation"]["mean_cut"] == {"value": 2.0, "ci": [2.0, 2.0],
                                                  "method": "paired_skew_corrected"}
        assert data["attribution"][0]["name"] == "delayer"
        assert data["attribution"][0]["lead_time_cut"] == 2.0
        assert (data["n"], data["seed"], data["time_unit"]) == (1000, 0, "day")
        assert json.loads(fixed_report.to_json()) == data

    def test_markdown_table(self, fixed_report: Report) -> None:
        md = fixed_report.to_markdown()
        assert "| metric " in md and "| cut % |" in md
        assert "| approval layers " in md
        lead = next(line for line in md.splitlines() if line.startswith("| lead time"))
        assert [c.strip() for c in lead.strip("|").split("|")] == [
            "lead time", "6.00 days", "4.00 days", "2.00 days", "33.3%"]
        assert "[2.00 days, 2.00 days]" in md
        cost = next(line for line in md.splitlines() if line.startswith("| cost"))
        assert cost.rstrip("|").rstrip().endswith("-")  # no relative cut of a zero cost

    def test_text_for_terminals(self, fixed_report: Report) -> None:
        text = str(fixed_report)
        for name in ("steps", "layers", "approval layers", "lead time", "cycle efficiency"):
            assert name in text
        assert "66.7%" in text and "75.0%" in text and "-8.3 pp" in text
        assert "1,000 paired cases (seed 0)" in text
        assert "delayer" in text

    def test_html_is_escaped(self) -> None:
        p = chain({"duration": 1}, name="<b>Memo & co</b>")
        res = ps.simplify(p, ["delayer"], options=REMOVE_MIDDLE)
        page = ps.compare(p, res, n=100)._repr_html_()
        assert "<b>Memo" not in page
        assert "&lt;b&gt;Memo &amp; co&lt;/b&gt;" in page
        assert "<table>" in page and "approval layers" in page and "6.00 days" in page

    def test_to_frame(self, fixed_report: Report) -> None:
        pd = pytest.importorskip("pandas")
        frame = fixed_report.to_frame()
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.columns) == ["before", "after", "cut", "relative_cut", "cut_ci_low",
                                       "cut_ci_high"]
        assert frame.index[: len(METRICS)].tolist() == [name for name, _ in METRICS]
        assert frame.loc["lead_time", "cut"] == 2.0
        assert frame.loc["simulated_p90", "cut_ci_high"] == 2.0
        assert math.isnan(frame.loc["cost", "relative_cut"])

    def test_to_frame_without_pandas(self, fixed_report: Report,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "pandas", None)
        with pytest.raises(ps.MissingDependencyError, match="pip install pandas"):
            fixed_report.to_frame()
        assert issubclass(ps.MissingDependencyError, ps.ProcsimpError)

    def test_repr(self, fixed_report: Report) -> None:
        assert repr(fixed_report) == ("Report('Memo' -> 'Memo', layers 3 -> 2, "
                                      "lead_time 6 -> 4 days)")


def test_a_rise_in_cycle_efficiency_is_explained_under_the_table(repo_root: Any) -> None:
    # the README's example: 2.17 of 16.22 days is touch time before (13.4 %), 2.07 of 13.47
    # after (15.4 %); the cut column prints -2.0 pp, so the footer says why it is negative
    letter = ps.load(repo_root / "examples" / "outgoing_letter.yaml")
    res = ps.simplify(letter, "delayering_2019")
    text = str(ps.compare(letter, res, n=0))
    ce = ps.measure(letter).cycle_efficiency, ps.measure(res.process).cycle_efficiency
    assert ce[0] < ce[1]
    assert (f"Cycle efficiency rose from {ce[0]:.1%} to {ce[1]:.1%}: a rise is the "
            f"improvement here, so its cut is negative.") in text
    assert "Cycle efficiency rose from 13.4% to 15.4%" in text
    # compared with itself nothing rises: no such line
    assert "Cycle efficiency rose" not in str(ps.compare(letter, letter, n=0))
