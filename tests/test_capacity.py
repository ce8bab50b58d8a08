"""``ps.capacity``: the load on each role and its queue, checked against formulas written
here independently of the library (Erlang C by its closed form with factorials, not the
library's Erlang B recursion; expected executions by hand; brute-force staffing).

Sources of the worked examples:
- Erlang C, 100 calls per 30 minutes, 180 s handling, 14 agents: the standard call-centre
  example (e.g. "Erlang C formula - made simple with an easy worked example", callcentre
  helper.com): P(wait) 0.1741, 88.8 % answered within 20 s, mean wait 7.8 s, occupancy
  71.4 %.
- M/M/1 with lambda 0.5, mu 1: Kleinrock, *Queueing Systems* vol. 1 (1975), sec. 3.2:
  rho 0.5, L = rho / (1 - rho) = 1, W = 1 / (mu - lambda) = 2, Wq = rho / (mu - lambda) = 1.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp import queueing as q

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXP = {"dist": "exponential", "mean": 3}


def erlang_c_closed_form(c: int, a: float) -> float:
    """P(wait) of M/M/c by its textbook closed form (Kleinrock eq. 3.40)."""
    rho = a / c
    top = a ** c / math.factorial(c) / (1 - rho)
    return top / (math.fsum(a ** k / math.factorial(k) for k in range(c)) + top)


def one_role(rate: float, per: str, work: Any, staff: int = 1, availability: float = 1.0,
             unit: str = "minute", **extra: Any) -> ps.Process:
    return ps.Process.model_validate({
        "name": "counter", "time_unit": unit, "levels": ["staff"],
        "arrivals": {"rate": rate, "per": per},
        "roles": [{"id": "agent", "level": "staff", "staff": staff,
                   "availability": availability}],
        "steps": [{"id": "serve", "role": "agent", "duration": 1, "work": work}], **extra})


class TestExactFigures:
    def test_erlang_c_call_centre(self) -> None:
        # 100 per 30 minutes = 200 an hour; 180 s = 3 minutes; 10 erlangs on 14 agents
        r = ps.capacity(one_role(200, "hour", EXP, staff=14)).roles["agent"]
        assert r.method == "erlang_c"
        assert r.arrival_rate == pytest.approx(200 / 60)
        assert r.p_wait == pytest.approx(0.1741319, abs=5e-8)
        assert r.p_wait == pytest.approx(erlang_c_closed_form(14, 10.0), rel=1e-12)
        assert r.utilisation == pytest.approx(0.7143, abs=5e-5)
        assert r.wait * 60 == pytest.approx(7.836, abs=5e-4)          # seconds
        assert r.p_within(20 / 60) == pytest.approx(0.88835, abs=5e-6)
        # by hand: Wq = C / (c mu - lambda) = 0.1741319 / (14/3 - 10/3) minutes
        assert r.wait == pytest.approx(erlang_c_closed_form(14, 10.0) / (4 / 3), rel=1e-12)

    def test_mm1(self) -> None:
        r = ps.capacity(one_role(0.5, "minute", {"dist": "exponential", "mean": 1})
                        ).roles["agent"]
        assert (r.utilisation, r.wait, r.in_system, r.time_in_system) == pytest.approx(
            (0.5, 1.0, 1.0, 2.0))
        assert r.p_wait == pytest.approx(0.5) and r.in_queue == pytest.approx(0.5)

    @pytest.mark.parametrize("c, a", [(1, 0.3), (2, 1.5), (5, 4.2), (30, 27.0), (3, 0.01)])
    def test_erlang_c_matches_closed_form(self, c: int, a: float) -> None:
        assert q.erlang_c(c, a) == pytest.approx(erlang_c_closed_form(c, a), rel=1e-10)

    def test_availability_slows_service(self) -> None:
        # one person giving half their time: service rate halves; M/M/1 with mu = 0.5
        r = ps.capacity(one_role(0.25, "minute", {"dist": "exponential", "mean": 1},
                                 availability=0.5)).roles["agent"]
        assert r.mean_service == 2.0 and r.utilisation == pytest.approx(0.5)
        assert r.wait == pytest.approx(0.5 / (0.5 - 0.25))  # rho / (mu - lambda)

    def test_md1_is_pollaczek_khinchine(self) -> None:
        # deterministic work: Allen-Cunneen with cs^2 = 0 is P-K for M/D/1: Wq = rho S / 2(1-rho)
        r = ps.capacity(one_role(0.5, "minute", 1.0)).roles["agent"]
        assert r.method == "allen_cunneen" and r.scv_service == 0
        assert r.wait == pytest.approx(0.5 * 1.0 / (2 * 0.5))

    def test_gg3_allen_cunneen_by_hand(self) -> None:
        # interarrival mean 5 sd 6 (ca^2 1.44), service mean 12 sd 15 (cs^2 1.5625), 3 staff
        p = ps.Process.model_validate({
            "time_unit": "minute", "levels": ["s"],
            "arrivals": {"interarrival": {"dist": "gamma", "mean": 5, "sd": 6}},
            "roles": [{"id": "r", "level": "s", "staff": 3}],
            "steps": [{"id": "a", "role": "r", "work": {"dist": "gamma", "mean": 12, "sd": 15}}]})
        r = ps.capacity(p).roles["r"]
        mmc = erlang_c_closed_form(3, 12 / 5) * 12 / (3 - 12 / 5)
        assert r.method == "allen_cunneen"
        assert r.wait == pytest.approx(mmc * (1.44 + 1.5625) / 2, rel=1e-12)
        assert q.ggc_wait(3, 1 / 5, 12, 1.44, 1.5625) == pytest.approx(r.wait)


def routed() -> ps.Process:
    """Two roles; a choice (0.3 to the expert) and a rework (p 0.2, repeat) around review."""
    return ps.Process.model_validate({
        "name": "routed", "time_unit": "hour", "levels": ["head", "staff"],
        "arrivals": {"rate": 4, "per": "day"},
        "roles": [{"id": "clerk", "level": "staff", "staff": 2},
                  {"id": "head", "level": "head", "availability": 0.25}],
        "steps": [
            {"id": "screen", "role": "clerk", "duration": 2, "work": 0.5},
            {"id": "expert", "role": "clerk", "duration": 5, "work": {"dist": "gamma",
             "mean": 2, "sd": 1}, "after": [{"step": "screen", "p": 0.3}]},
            {"id": "review", "role": "head", "duration": 3, "work": 0.5, "join": "any",
             "after": ["expert", {"step": "screen", "p": 0.7}],
             "rework": {"to": "review", "p": 0.2}},
            {"id": "file", "role": "clerk", "duration": 1, "after": ["review"]},
        ]})


class TestNetwork:
    def test_visits_by_hand(self) -> None:
        p = routed().model_copy(update={})
        # 4 a day = 4/24 an hour; review runs 1/(1-0.2) = 1.25 times a case
        cap = ps.capacity(routed())
        lam = 4 / 24
        clerk, head = cap.roles["clerk"], cap.roles["head"]
        assert clerk.steps == ("screen", "expert") and head.steps == ("review",)
        assert clerk.arrival_rate == pytest.approx(lam * 1.3)
        assert head.arrival_rate == pytest.approx(lam * 1.25)
        # clerk: load lam*(0.5 + 0.3*2) erlangs over 2 staff
        assert clerk.utilisation == pytest.approx(lam * (0.5 + 0.3 * 2) / 2)
        # head: service 0.5 / 0.25 = 2 hours; rho = lam * 1.25 * 2
        assert head.mean_service == 2.0
        assert head.utilisation == pytest.approx(lam * 1.25 * 2)
        # mixed service at the clerk: E[S] = (0.5 + 0.3*2)/1.3, E[S^2] = (0.25 + 0.3*(1+4))/1.3
        es, es2 = 1.1 / 1.3, (0.25 + 0.3 * 5) / 1.3
        assert clerk.mean_service == pytest.approx(es)
        assert clerk.scv_service == pytest.approx(es2 / es ** 2 - 1)
        assert cap.bottleneck == "head"
        assert cap.max_rate == pytest.approx(1 / (1.25 * 2))
        assert p.step("file").work is None and "file" not in clerk.steps

    def test_lead_time_with_waiting(self) -> None:
        proc = routed()
        cap = ps.capacity(proc)
        head, clerk = cap.roles["head"], cap.roles["clerk"]
        # by hand: screen + 0.3 expert + review block x 1.25 + file, durations replaced
        screen = clerk.wait + 0.5
        expert = clerk.wait + 2
        review = head.wait + 2
        expected = screen + 0.3 * expert + 1.25 * review + 1
        assert cap.lead_time == pytest.approx(expected)
        assert cap.lead_time_without == pytest.approx(2 + 0.3 * 5 + 1.25 * 3 + 1)
        assert ps.measure(q.queued(proc)).lead_time == pytest.approx(expected)
        assert head.share == pytest.approx(1.25 * head.wait / expected)

    def test_unstable_role_reported(self) -> None:
        proc = routed().model_copy(update={"arrivals": ps.model.Arrivals(rate=12, per="day")})
        cap = ps.capacity(proc)
        head = cap.roles["head"]
        assert head.utilisation == pytest.approx(12 / 24 * 1.25 * 2) and not head.stable
        assert head.wait == math.inf and head.p_wait == 1.0
        assert cap.lead_time == math.inf and cap.unstable == ("head",)
        text = str(cap)
        assert "unstable" in text and "grows without bound" in text
        with pytest.raises(ps.OptionError, match="head"):
            q.queued(proc)

    def test_staff_needed_brute_force(self) -> None:
        proc = one_role(200, "hour", EXP, staff=14)
        for target in (0.5, 0.05, 0.01):
            need = ps.capacity(proc, wait_target=target).roles["agent"].staff_needed
            assert need is not None
            waits = {c: erlang_c_closed_form(c, 10.0) * 3 / (c - 10) for c in range(11, 40)}
            assert need == min(c for c, w in waits.items() if w <= target)

    def test_errors(self) -> None:
        plain = ps.Process.model_validate({"levels": ["s"], "roles": [{"id": "r", "level": "s"}],
                                           "steps": [{"id": "a", "role": "r"}]})
        with pytest.raises(ps.OptionError, match="arrivals"):
            ps.capacity(plain)
        with pytest.raises(ps.OptionError, match="wait_target"):
            ps.capacity(routed(), wait_target=-1)


class TestTime:
    def test_continuous_periods(self) -> None:
        assert q.arrival_rate(one_role(120, "month", EXP, unit="day")) == pytest.approx(
            120 * 12 / 365.25)
        assert q.arrival_rate(one_role(7, "week", EXP, unit="day")) == pytest.approx(1.0)
        assert q.arrival_rate(one_role(24, "day", EXP, unit="hour")) == pytest.approx(1.0)

    def test_calendar_periods(self) -> None:
        cal = {"workweek": ["mon", "tue", "wed", "thu", "fri"], "hours_per_day": 8,
               "holidays": ["2025-01-01", "2025-12-25", "2025-05-31", "2026-01-01"]}
        # 2025-05-31 is a Saturday: not a working day; 3 holidays on working days in 2 years
        per_year = 5 * 365.25 / 7 - 3 / 2
        p = one_role(1200, "year", EXP, unit="day", calendar=cal)
        assert q.arrival_rate(p) == pytest.approx(1200 / per_year)
        assert q.arrival_rate(one_role(100, "month", EXP, unit="day", calendar=cal)
                              ) == pytest.approx(1200 / per_year)
        assert q.arrival_rate(one_role(16, "day", EXP, unit="hour", calendar=cal)
                              ) == pytest.approx(2.0)
        assert q.arrival_rate(one_role(10, "week", EXP, unit="day", calendar=cal)
                              ) == pytest.approx(2.0)


class TestRender:
    def test_every_form(self, tmp_path: Path) -> None:
        cap = ps.capacity(routed(), wait_target=1.0)
        assert "bottleneck: head" in cap.to_text()
        assert "| head |" in cap.to_markdown().replace("  ", " ")
        assert "<table" in cap.to_html()
        rows = cap.to_dict()["tables"][0]["rows"]
        head = next(r for r in rows if r[0] == "head")
        assert head[3] == pytest.approx(cap.roles["head"].utilisation)
        pytest.importorskip("pandas")
        assert list(cap.to_frame().index) == ["clerk", "head"]
        pytest.importorskip("openpyxl")
        import pandas as pd

        cap.to_excel(tmp_path / "capacity.xlsx")
        sheet = pd.read_excel(tmp_path / "capacity.xlsx", sheet_name=0, index_col=0)
        assert sheet.loc["head", "utilisation [share]"] == pytest.approx(
            cap.roles["head"].utilisation)

    def test_unstable_renders_without_numbers(self) -> None:
        proc = routed().model_copy(update={"arrivals": ps.model.Arrivals(rate=12, per="day")})
        data = ps.capacity(proc).to_dict()
        head = next(r for r in data["tables"][0]["rows"] if r[0] == "head")
        assert head[5] is None and head[6] is None      # no finite wait, no time at post
        import json

        json.dumps(data, allow_nan=False)


# --- properties ------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 50), st.floats(1.01, 3), st.integers(1, 20), st.floats(0.05, 1),
       st.sampled_from([EXP, 3.0, {"dist": "gamma", "mean": 3, "sd": 5}]))
def test_utilisation_monotone_in_rate(rate: float, factor: float, staff: int, avail: float,
                                      work: Any) -> None:
    low = ps.capacity(one_role(rate, "hour", work, staff, avail)).roles["agent"]
    high = ps.capacity(one_role(rate * factor, "hour", work, staff, avail)).roles["agent"]
    assert high.utilisation > low.utilisation
    assert high.utilisation == pytest.approx(low.utilisation * factor)
    if high.stable:
        assert high.wait >= low.wait


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 500), st.integers(1, 20), st.floats(0.05, 1),
       st.sampled_from([EXP, 3.0, {"dist": "gamma", "mean": 3, "sd": 5}]))
def test_saturated_never_finite(rate: float, staff: int, avail: float, work: Any) -> None:
    r = ps.capacity(one_role(rate, "hour", work, staff, avail)).roles["agent"]
    assert r.utilisation == pytest.approx(rate / 60 * 3 / avail / staff)
    if r.utilisation >= 1:
        assert not r.stable and r.wait == math.inf and r.time_in_system == math.inf
    else:
        assert r.stable and math.isfinite(r.wait) and r.wait >= 0 and 0 <= r.p_wait < 1


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_workload_fields_without_arrivals_change_nothing(data: st.DataObject) -> None:
    from tests.strategies import processes

    proc = data.draw(processes())
    staffed = proc.model_copy(update={
        "roles": tuple(r.model_copy(update={"staff": 3, "availability": 0.4})
                       for r in proc.roles),
        "steps": tuple(s.model_copy(update={"work": s.work if s.work is not None else 0.1})
                       for s in proc.steps)})
    before, after = ps.measure(proc), ps.measure(staffed)
    assert before.lead_time == after.lead_time and before.layers == after.layers
    a = ps.simulate(proc, n=50, seed=1).samples
    b = ps.simulate(staffed, n=50, seed=1).samples
    assert (a == b).all()


# --- the bundled letter: the load delayering moves ---------------------------------------

def letter(rate: float, signing_division: bool = False) -> ps.Process:
    """The bundled outgoing letter with a workload: ``rate`` letters a working day, one
    head of agency giving half her time to letters, three records clerks, twelve analysts."""
    from procsimp.io.plain import to_data

    data = to_data(ps.load(EXAMPLES / "outgoing_letter.yaml"))
    data["arrivals"] = {"rate": rate, "per": "day"}
    staff = {"head_of_agency": (1, 0.5), "records_clerk": (3, 1.0), "analyst": (12, 1.0)}
    for role in data["roles"]:
        role["staff"], role["availability"] = staff.get(role["id"], (1, 1.0))
    if signing_division:
        for step in data["steps"]:
            if step["id"] == "initial_division":
                step["kind"] = "signature"
    return ps.Process.model_validate(data)


class TestLetter:
    def test_capacity_by_hand(self) -> None:
        cap = ps.capacity(letter(6))
        r = cap.roles
        # head: 6 letters a working day x 0.05 days of signing / availability 0.5
        assert r["head_of_agency"].utilisation == pytest.approx(6 * 0.05 / 0.5)
        # section head: initials run 1/(1-0.25) = 4/3 times a letter (send-back to draft)
        assert r["section_head"].utilisation == pytest.approx(6 * 4 / 3 * 0.1)
        # records: format check (4/3 runs) + number + dispatch, 0.1 each, over 3 clerks
        assert r["records_clerk"].utilisation == pytest.approx(6 * (4 / 3 + 2) * 0.1 / 3)
        # analysts: triangular(0.5, 1, 2) mean 7/6, 4/3 runs, 12 people
        assert r["analyst"].utilisation == pytest.approx(6 * 4 / 3 * 7 / 6 / 12)
        assert cap.bottleneck == "section_head"
        # the head's wait: fixed signing (cs^2 0), Poisson letters: M/D/1 by P-K,
        # rho S / (2 (1 - rho)) with S = 0.1 days
        assert r["head_of_agency"].wait == pytest.approx(0.6 * 0.1 / (2 * 0.4))

    def test_delayering_report_shows_head(self) -> None:
        before = letter(6)
        result = ps.simplify(before, ["delayer"],
                             {"delayer": {"remove_levels": ["echelon_3", "echelon_4"]}})
        report = ps.compare(before, result.process, n=0)
        head = next(c for c in report.workload if c.role == "head_of_agency")
        # the head's signing is unchanged: 60 % before and after
        assert head.utilisation_before == pytest.approx(0.6)
        assert head.utilisation_after == pytest.approx(0.6)
        division = next(c for c in report.workload if c.role == "division_head")
        assert division.utilisation_before == pytest.approx(0.6)
        assert division.utilisation_after == 0.0       # its initials are gone
        text = report.to_text()
        assert "Workload by role" in text and "head_of_agency" in text and "60.0%" in text

    def test_moved_signature_warns_and_reports_gain(self) -> None:
        before = letter(3, signing_division=True)
        result = ps.simplify(before, ["delayer"],
                             {"delayer": {"remove_levels": ["echelon_3", "echelon_4"]}})
        # the division head's signature (0.1 days) moves to the head: (0.05 + 0.1) x 3 / 0.5
        load = {c.role: c for c in result.load}
        assert load["head_of_agency"].utilisation_before == pytest.approx(0.3)
        assert load["head_of_agency"].utilisation_after == pytest.approx(0.9)
        assert result.gained_load == ("head_of_agency",)
        moved = [c for c in result.changes if c.kind == "reassigned"
                 and c.steps == ("initial_division",)]
        assert moved and "Warning: head_of_agency is now at 90% utilisation" in moved[0].reason
        assert "head_of_agency gained load: utilisation 30% -> 90%" in result.summary()
        report = ps.compare(before, result, n=0)
        text = report.to_text()
        assert "it is overloaded" in text
        # the report's row for the head: utilisation before and after, and the mean queue
        # wait after by hand: her two signing steps, 0.1 and 0.2 days of service (work /
        # availability 0.5), 3 letters a day each: rho = 6 x 0.15 = 0.9, E[S^2] = 0.025,
        # M/G/1 (Pollaczek-Khinchine) wait = 6 x 0.025 / (2 x 0.1) = 0.75 days
        row = next(line.split() for line in text.splitlines()
                   if line.strip().startswith("head_of_agency") and "%" in line)
        assert row[1:3] == ["30.0%", "90.0%"]
        assert row[5] == "0.75"
        head = next(c for c in report.workload if c.role == "head_of_agency")
        assert head.wait_after == pytest.approx(6 * 0.025 / (2 * (1 - 0.9)))


def test_utilisation_figure() -> None:
    before = letter(3, signing_division=True)
    result = ps.simplify(before, ["delayer"],
                         {"delayer": {"remove_levels": ["echelon_3", "echelon_4"]}})
    fig = ps.plot.utilisation(result)
    bars = {p.get_gid(): p.get_width() for p in fig.axes[0].patches}
    # widths are the utilisations computed by hand in the test above
    assert bars["before:head_of_agency"] == pytest.approx(0.3)
    assert bars["after:head_of_agency"] == pytest.approx(0.9)
    assert bars["after:division_head"] == 0.0
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert " 90%" in labels
    unstable = ps.plot.utilisation(letter(3), letter(12))
    assert " unstable" in [t.get_text() for t in unstable.axes[0].texts]
    with pytest.raises(ps.OptionError, match="arrivals"):
        ps.plot.utilisation(ps.load(EXAMPLES / "outgoing_letter.yaml"),
                            ps.load(EXAMPLES / "outgoing_letter.yaml"))
