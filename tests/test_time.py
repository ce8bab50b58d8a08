"""Working calendars, deadlines and on-time shares (issue 11).

Every figure is checked against something computed apart from procsimp: the
published 2025 Indonesian dates, a day-by-day walk over the calendar written
here, or a closed form.

The 2025 dates the tests rely on are listed below (``PUBLIC_2025``,
``CUTI_BERSAMA_2025``), from the joint decree of the Ministers of Religious
Affairs, Manpower and Administrative Reform (SKB 3 Menteri No. 1017/2024,
2/2024, 2/2024) and its 2025 amendment adding 18 August as collective leave.
The arithmetic tests use these listed dates, so they do not depend on the
``holidays`` package; ``TestHolidayPackage`` checks that the package's data
(pinned in pyproject.toml, ``holidays>=0.109``) give the same dates.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from pydantic import ValidationError

import procsimp as ps
from procsimp.calendar import Calendar

D = dt.date
PUBLIC_2025 = (D(2025, 1, 1), D(2025, 1, 27), D(2025, 1, 29), D(2025, 3, 29), D(2025, 3, 31),
               D(2025, 4, 1), D(2025, 4, 18), D(2025, 4, 20), D(2025, 5, 1), D(2025, 5, 12),
               D(2025, 5, 29), D(2025, 6, 1), D(2025, 6, 6), D(2025, 6, 27), D(2025, 8, 17),
               D(2025, 9, 5), D(2025, 12, 25))
CUTI_BERSAMA_2025 = (D(2025, 1, 28), D(2025, 3, 28), D(2025, 4, 2), D(2025, 4, 3),
                     D(2025, 4, 4), D(2025, 4, 7), D(2025, 5, 13), D(2025, 5, 30),
                     D(2025, 6, 9), D(2025, 8, 18), D(2025, 12, 26))
CIVIL_SERVICE = Calendar(holidays=PUBLIC_2025 + CUTI_BERSAMA_2025)
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- an independent calendar, day by day ---------------------------------------------------

def works(day: dt.date, holidays: set[dt.date], workweek: tuple[str, ...]) -> bool:
    return WEEKDAY_NAMES[day.weekday()] in workweek and day not in holidays


def nth_working_day_after(day: dt.date, n: int, holidays: set[dt.date],
                          workweek: tuple[str, ...] = WEEKDAY_NAMES[:5]) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        n -= works(day, holidays, workweek)
    return day


def elapsed_day_by_day(start: dt.date, working_days: float, holidays: set[dt.date],
                       hours_per_day: float) -> float:
    """Calendar days from the close of ``start`` to the end of ``working_days`` of work."""
    if working_days == 0:
        return 0.0
    hours = working_days * hours_per_day
    day = start
    while True:
        day += dt.timedelta(days=1)
        if not works(day, holidays, WEEKDAY_NAMES[:5]):
            continue
        if hours <= hours_per_day + 1e-9:
            return (day - start).days - (hours_per_day - hours) / 24.0
        hours -= hours_per_day


def one_step(duration, *, calendar=None, deadlines=(), unit="day"):
    data = {"name": "permit", "time_unit": unit, "levels": ["staff"],
            "roles": [{"id": "clerk", "level": "staff"}],
            "steps": [{"id": "decide", "role": "clerk", "duration": duration}],
            "deadlines": list(deadlines)}
    if calendar is not None:
        data["calendar"] = calendar
    return ps.Process.model_validate(data)


CAL_2025 = {"holidays": [str(d) for d in PUBLIC_2025 + CUTI_BERSAMA_2025]}


# --- calendar arithmetic -------------------------------------------------------------------

class TestPublishedDates:
    def test_five_working_days_over_nyepi_and_idul_fitri(self):
        assert CIVIL_SERVICE.add("2025-03-26", 5) == D(2025, 4, 11)

    def test_ten_working_days_over_good_friday(self):
        assert CIVIL_SERVICE.add(D(2025, 3, 26), 10) == D(2025, 4, 21)

    def test_five_working_days_from_june_11(self):
        assert CIVIL_SERVICE.add("2025-06-11", 5) == D(2025, 6, 18)

    def test_working_days_2025_with_cuti_bersama_as_leave(self):
        assert CIVIL_SERVICE.working_days("2025-01-01", "2025-12-31") == 237

    def test_working_days_2025_public_holidays_only(self):
        assert Calendar(holidays=PUBLIC_2025).working_days("2025-01-01", "2025-12-31") == 248

    def test_add_zero_is_the_date(self):
        assert CIVIL_SERVICE.add("2025-03-29", 0) == D(2025, 3, 29)

    def test_non_working_start_counts_from_the_next_working_day(self):
        # Saturday 22 March: Monday 24 is the first day counted
        assert CIVIL_SERVICE.add("2025-03-22", 1) == D(2025, 3, 24)


class TestAgainstDayByDay:
    def test_add_matches_a_day_by_day_walk(self):
        rng = np.random.default_rng(5)
        hol = set(PUBLIC_2025 + CUTI_BERSAMA_2025)
        for _ in range(300):
            start = D(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
            n = int(rng.integers(0, 30))
            assert CIVIL_SERVICE.add(start, n) == nth_working_day_after(start, n, hol), (start, n)

    def test_six_day_workweek(self):
        cal = Calendar(workweek=["mon", "tue", "wed", "thu", "fri", "sat"], holidays=PUBLIC_2025)
        hol = set(PUBLIC_2025)
        for start in (D(2025, 3, 26), D(2025, 4, 17), D(2025, 12, 20)):
            assert cal.add(start, 7) == nth_working_day_after(start, 7, hol, WEEKDAY_NAMES[:6])

    def test_working_days_counts_day_by_day(self):
        hol = set(PUBLIC_2025 + CUTI_BERSAMA_2025)
        first, last = D(2025, 3, 20), D(2025, 6, 30)
        count = sum(works(first + dt.timedelta(days=i), hol, WEEKDAY_NAMES[:5])
                    for i in range((last - first).days + 1))
        assert CIVIL_SERVICE.working_days(first, last) == count


class TestHolidayPackage:
    """The ``holidays`` package's 2025 data for Indonesia are the decree's dates."""

    def test_public_and_government_categories(self):
        pytest.importorskip("holidays")
        cal = Calendar(holidays={"country": "ID", "categories": ["public", "government"]})
        assert cal.holiday_dates(2025, 2025) == tuple(sorted(PUBLIC_2025 + CUTI_BERSAMA_2025))

    def test_public_only(self):
        pytest.importorskip("holidays")
        cal = Calendar(holidays={"country": "ID"})
        assert cal.holiday_dates(2025, 2025) == PUBLIC_2025
        assert cal.working_days("2025-01-01", "2025-12-31") == 248

    def test_package_arithmetic(self):
        pytest.importorskip("holidays")
        cal = Calendar(holidays={"country": "ID", "categories": ["public", "government"]})
        assert cal.add("2025-03-26", 5) == D(2025, 4, 11)
        assert cal.working_days("2025-01-01", "2025-12-31") == 237

    def test_pinned_lists_the_dates(self):
        pytest.importorskip("holidays")
        cal = Calendar(holidays={"country": "ID", "categories": ["public", "government"]})
        pinned = cal.pinned(2025, 2025)
        assert pinned.holidays == tuple(sorted(PUBLIC_2025 + CUTI_BERSAMA_2025))

    def test_without_the_package(self, monkeypatch):
        import sys

        from procsimp import calendar as calmod

        monkeypatch.setitem(sys.modules, "holidays", None)
        calmod._package_holidays.cache_clear()
        calmod._busdaycal.cache_clear()
        cal = Calendar(holidays={"country": "ID", "categories": ["public", "government"]})
        with pytest.raises(ps.MissingDependencyError, match="pip install holidays"):
            cal.add("2025-03-26", 5)
        assert CIVIL_SERVICE.add("2025-03-26", 5) == D(2025, 4, 11)  # listed dates still work
        calmod._package_holidays.cache_clear()
        calmod._busdaycal.cache_clear()

    def test_unknown_country(self):
        pytest.importorskip("holidays")
        with pytest.raises(ps.ModelError, match="country"):
            Calendar(holidays={"country": "QQ"}).add("2025-01-01", 1)


# --- simulation with calendars -------------------------------------------------------------

class TestSimulatedCalendarDays:
    def test_fixed_five_days_started_on_every_day_of_2025(self):
        proc = one_step(5, calendar=CAL_2025)
        sim = ps.simulate(proc, n=365, seed=0, start=("2025-01-01", "2025-12-31"))
        hol = set(PUBLIC_2025 + CUTI_BERSAMA_2025)
        days = [D(2025, 1, 1) + dt.timedelta(days=i) for i in range(365)]
        expected = [(nth_working_day_after(d, 5, hol) - d).days for d in days]
        assert sim.calendar_days.samples.tolist() == expected
        assert sim.calendar_days.mean == pytest.approx(np.mean(expected), abs=1e-12)
        assert sim.calendar_days.p90 == pytest.approx(np.quantile(expected, 0.9), abs=1e-12)
        assert sim.samples.tolist() == [5.0] * 365  # working time is untouched

    def test_twice_every_day(self):
        proc = one_step(5, calendar=CAL_2025)
        sim = ps.simulate(proc, n=730, seed=0, start=("2025-01-01", "2025-12-31"))
        counts = np.unique(sim.calendar_days.samples, return_counts=True)
        once = ps.simulate(proc, n=365, seed=0, start=("2025-01-01", "2025-12-31"))
        ref = np.unique(once.calendar_days.samples, return_counts=True)
        assert counts[0].tolist() == ref[0].tolist()
        assert counts[1].tolist() == (2 * ref[1]).tolist()

    def test_stochastic_against_day_by_day(self):
        proc = ps.Process.model_validate({
            "name": "licence", "levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
            "calendar": {**CAL_2025, "hours_per_day": 7.5},
            "steps": [{"id": "check", "role": "c", "duration": {"dist": "exponential", "mean": 1}},
                      {"id": "decide", "role": "c", "after": ["check"],
                       "duration": {"dist": "triangular", "low": 0.5, "mode": 2, "high": 6}}]})
        n = 400
        sim = ps.simulate(proc, n=n, seed=3, start=("2025-03-01", "2025-06-30"))
        hol = set(PUBLIC_2025 + CUTI_BERSAMA_2025)
        first = D(2025, 3, 1)
        ndays = 122
        for i in range(n):
            start = first + dt.timedelta(days=i * ndays // n)
            expected = elapsed_day_by_day(start, float(sim.samples[i]), hol, 7.5)
            assert sim.calendar_days.samples[i] == pytest.approx(expected, abs=1e-9), i

    def test_minutes_on_a_calendar(self):
        # 480 minutes of work is one 8-hour working day: Wed 26 March -> Thu 27 March
        proc = one_step(480, calendar=CAL_2025, unit="minute")
        sim = ps.simulate(proc, n=2, seed=0, start="2025-03-26")
        assert sim.calendar_days.samples.tolist() == [1.0, 1.0]
        # one more minute falls on Tuesday 8 April, just after opening
        proc = one_step(481, calendar=CAL_2025, unit="minute")
        sim = ps.simulate(proc, n=1, seed=0, start="2025-03-26")
        assert sim.calendar_days.samples[0] == pytest.approx(13 - (8 - 1 / 60) / 24)

    def test_without_calendar_time_runs_continuously(self):
        proc = one_step(36, unit="hour")
        sim = ps.simulate(proc, n=3, seed=0, start="2025-03-26")
        assert sim.calendar_days.samples.tolist() == [1.5, 1.5, 1.5]

    def test_no_start_no_calendar_days(self):
        sim = ps.simulate(one_step(5, calendar=CAL_2025), n=10, seed=0)
        assert sim.calendar_days is None and sim.on_time == {}

    def test_bad_start(self):
        proc = one_step(5, calendar=CAL_2025)
        for bad in ("26 March", ("2025-03-01",), ("2025-03-05", "2025-03-01")):
            with pytest.raises(ps.OptionError, match="start"):
                ps.simulate(proc, n=10, seed=0, start=bad)


# --- deadlines -----------------------------------------------------------------------------

def deadline(**kw):
    return {"id": "decision", "within": 4, "unit": "working_day", **kw}


class TestCompliance:
    def test_exponential_converges_to_closed_form(self):
        proc = one_step({"dist": "exponential", "mean": 1}, calendar=CAL_2025,
                        deadlines=[deadline()])
        o = ps.simulate(proc, n=400_000, seed=1).on_time["decision"]
        exact = 1 - math.exp(-4)
        assert round(exact, 4) == 0.9817
        se = math.sqrt(exact * (1 - exact) / o.cases)
        assert abs(o.share - exact) < 4 * se
        assert o.ci[0] < exact < o.ci[1]

    def test_interval_coverage_over_500_seeds(self):
        proc = one_step({"dist": "exponential", "mean": 2}, deadlines=[
            {"id": "decision", "within": 8, "unit": "day"}])
        exact = 1 - math.exp(-4)
        hits = 0
        for seed in range(500):
            o = ps.simulate(proc, n=2000, seed=seed, critical=False).on_time["decision"]
            hits += o.ci[0] <= exact <= o.ci[1]
        assert 0.93 <= hits / 500 <= 0.97

    def test_deemed_share_is_the_late_share(self):
        proc = one_step({"dist": "exponential", "mean": 2}, calendar=CAL_2025,
                        deadlines=[deadline(on_miss="deemed_granted"),
                                   deadline(id="plain", within=3)])
        sim = ps.simulate(proc, n=5000, seed=2)
        o, plain = sim.on_time["decision"], sim.on_time["plain"]
        late = float(np.mean(sim.samples > 4))
        assert o.deemed == pytest.approx(late) == pytest.approx(1 - o.share)
        assert o.deemed_ci == pytest.approx((1 - o.ci[1], 1 - o.ci[0]))
        assert plain.deemed == 0.0
        assert o.lateness == pytest.approx(sim.samples - 4)
        assert o.mean_lateness == pytest.approx(float(np.mean(sim.samples[sim.samples > 4] - 4)))

    def test_clock_from_a_step_against_day_by_day(self):
        # the clock starts when the completeness check finishes (mid-morning of the first
        # working day); the day it starts is not counted
        proc = ps.Process.model_validate({
            "name": "permit", "levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
            "calendar": CAL_2025,
            "deadlines": [{"id": "wd", "within": 5, "unit": "working_day", "from": "check",
                           "to": "decide"},
                          {"id": "cd", "within": 7, "unit": "day", "from": "check",
                           "to": "decide"}],
            "steps": [{"id": "check", "role": "c", "duration": 0.25},
                      {"id": "decide", "role": "c", "after": ["check"],
                       "duration": {"dist": "uniform", "low": 0, "high": 9}}]})
        n = 600
        sim = ps.simulate(proc, n=n, seed=4, start=("2025-03-01", "2025-08-31"))
        hol = set(PUBLIC_2025 + CUTI_BERSAMA_2025)
        ndays = 184
        for i in range(n):
            start = D(2025, 3, 1) + dt.timedelta(days=i * ndays // n)
            clock_day = nth_working_day_after(start, 1, hol)  # check ends on working day 1
            t = float(sim.samples[i])
            finish_day = nth_working_day_after(start, math.ceil(t - 1e-9), hol)
            assert sim.on_time["wd"].on_time[i] == (
                finish_day <= nth_working_day_after(clock_day, 5, hol)), i
            assert sim.on_time["cd"].on_time[i] == (
                finish_day <= clock_day + dt.timedelta(days=7)), i

    def test_hours(self):
        proc = ps.Process.model_validate({
            "name": "counter", "time_unit": "minute", "levels": ["staff"],
            "roles": [{"id": "c", "level": "staff"}],
            "deadlines": [{"id": "serve", "within": 1, "unit": "hour"}],
            "steps": [{"id": "a", "role": "c", "duration": {"dist": "exponential", "mean": 20}}]})
        sim = ps.simulate(proc, n=20_000, seed=0)
        assert sim.on_time["serve"].share == pytest.approx(float(np.mean(sim.samples <= 60)))

    def test_working_hours(self):
        proc = one_step({"dist": "uniform", "low": 0, "high": 2}, calendar=CAL_2025,
                        deadlines=[deadline(within=12, unit="working_hour")])
        sim = ps.simulate(proc, n=10_000, seed=0)
        assert sim.on_time["decision"].share == pytest.approx(
            float(np.mean(sim.samples * 8 <= 12)))

    def test_calendar_deadline_needs_dates(self):
        proc = one_step(1, calendar=CAL_2025, deadlines=[deadline(unit="day")])
        with pytest.warns(UserWarning, match="start="):
            sim = ps.simulate(proc, n=10, seed=0)
        assert "decision" not in sim.on_time

    def test_unreached_cases_are_not_counted(self):
        proc = ps.Process.model_validate({
            "name": "x", "levels": ["s"], "roles": [{"id": "c", "level": "s"}],
            "deadlines": [{"id": "issue", "within": 3, "unit": "day", "to": "issue"}],
            "steps": [{"id": "screen", "role": "c", "duration": 1},
                      {"id": "issue", "role": "c", "duration": 1,
                       "after": [{"step": "screen", "p": 0.6}]},
                      {"id": "reject", "role": "c", "duration": 5,
                       "after": [{"step": "screen", "p": 0.4}]}]})
        o = ps.simulate(proc, n=10_000, seed=0).on_time["issue"]
        assert o.share == 1.0
        assert abs(o.cases / 10_000 - 0.6) < 0.03
        assert o.cases == int(np.count_nonzero(o.on_time >= 0))


class TestCompare:
    def _pair(self, before_mean, after_mean):
        dl = [{"id": "decision", "within": 3, "unit": "working_day"}]
        return (one_step({"dist": "exponential", "mean": before_mean}, calendar=CAL_2025,
                         deadlines=dl),
                one_step({"dist": "exponential", "mean": after_mean}, calendar=CAL_2025,
                         deadlines=dl))

    def test_paired_change_against_closed_form(self):
        before, after = self._pair(2, 1)
        rep = ps.compare(before, after, n=20_000, seed=0, bootstrap=0)
        (row,) = rep.on_time
        exact = math.exp(-3 / 2) - math.exp(-3)
        assert row.ci[0] < exact < row.ci[1]
        assert row.before == pytest.approx(1 - math.exp(-1.5), abs=0.015)
        # the same cases: every case on time before is on time after
        assert row.ci[1] - row.ci[0] < 0.02

    def test_identical_versions_change_nothing(self):
        before, _ = self._pair(2, 1)
        (row,) = ps.compare(before, before, n=5000, seed=0, bootstrap=0).on_time
        assert row.change == 0.0
        assert row.ci[0] <= 0.0 <= row.ci[1]

    def test_paired_interval_coverage(self):
        before, after = self._pair(2, 1.5)
        exact = math.exp(-3 / 2) - math.exp(-2)
        hits = 0
        for seed in range(300):
            (row,) = ps.compare(before, after, n=1000, seed=seed, bootstrap=0).on_time
            hits += row.ci[0] <= exact <= row.ci[1]
        assert 0.92 <= hits / 300 <= 0.98

    def test_report_prints_and_serialises(self):
        before, after = self._pair(2, 1)
        rep = ps.compare(before, after, n=2000, seed=0, bootstrap=0)
        assert "On time" in str(rep) and "decision" in str(rep)
        assert rep.to_dict()["on_time"]["decision"]["change"] == rep.on_time[0].change


# --- durations -----------------------------------------------------------------------------

class TestNewDurations:
    def test_exponential(self):
        from procsimp.durations import Exponential, sample
        d = Exponential(mean=2.5)
        x = sample(d, np.random.default_rng(0), 400_000)
        assert d.mean == 2.5
        assert abs(x.mean() - 2.5) < 4 * 2.5 / math.sqrt(len(x))

    def test_gamma(self):
        from procsimp.durations import Gamma, sample
        d = Gamma(mean=3, sd=1.2)
        x = sample(d, np.random.default_rng(0), 400_000)
        assert d.mean == 3
        assert abs(x.mean() - 3) < 4 * 1.2 / math.sqrt(len(x))
        assert abs(x.std() - 1.2) < 0.01

    def test_round_trip(self, tmp_path):
        proc = one_step({"dist": "gamma", "mean": 3, "sd": 1}, calendar=CAL_2025,
                        deadlines=[deadline(**{"from": "decide", "on_miss": "issued_by_system",
                                               "source": "PP 5/2021"})])
        for suffix in (".yaml", ".json"):
            ps.save(proc, tmp_path / f"p{suffix}")
            assert ps.load(tmp_path / f"p{suffix}") == proc
        assert ps.measure(proc).lead_time == 3


# --- bad input -----------------------------------------------------------------------------

class TestBadInput:
    @pytest.mark.parametrize(("patch", "field"), [
        ({"calendar": {"workweek": ["monday"]}}, "calendar.workweek"),
        ({"calendar": {"workweek": ["mon", "mon"]}}, "calendar.workweek"),
        ({"calendar": {"holidays": ["2025-02-30"]}}, "calendar.holidays"),
        ({"calendar": {"holidays": "ID"}}, "calendar.holidays"),
        ({"calendar": {"hours_per_day": 25}}, "calendar.hours_per_day"),
        ({"deadlines": [{"id": "d", "within": 5, "from": "nope"}]}, "deadlines.0.from"),
        ({"deadlines": [{"id": "d", "within": 5, "to": "nope"}]}, "deadlines.0.to"),
        ({"deadlines": [{"id": "d", "within": 5, "unit": "week"}]}, "deadlines.0.unit"),
        ({"deadlines": [{"id": "d", "within": 5, "unit": "working_day"}]}, "deadlines.0.unit"),
        ({"deadlines": [{"id": "d", "within": 5, "unit": "day", "on_miss": "x"}]},
         "deadlines.0.on_miss"),
        ({"deadlines": [{"id": "d", "within": -1, "unit": "day"}]}, "deadlines.0.within"),
        ({"deadlines": [{"id": "d", "within": 1, "unit": "day"},
                        {"id": "d", "within": 2, "unit": "day"}]}, "deadlines.1.id"),
    ])
    def test_validation_names_the_field(self, patch, field):
        data = {"name": "p", "levels": ["s"], "roles": [{"id": "c", "level": "s"}],
                "steps": [{"id": "a", "role": "c", "duration": 1}], **patch}
        with pytest.raises(ValidationError) as info:
            ps.Process.model_validate(data)
        locs = [".".join(str(x) for x in e["loc"]) for e in info.value.errors()]
        assert any(loc.startswith(field) for loc in locs), locs

    def test_load_wraps_it(self, tmp_path):
        f = tmp_path / "bad.yaml"
        f.write_text("levels: [s]\nroles: [{id: c, level: s}]\nsteps: [{id: a, role: c}]\n"
                     "deadlines: [{id: d, within: 5, unit: day, to: zz}]\n")
        with pytest.raises(ps.ProcsimpError, match=r"bad\.yaml"):
            ps.load(f)

    def test_clock_inside_a_rework_block_is_refused(self):
        proc = ps.Process.model_validate({
            "name": "p", "levels": ["s"], "roles": [{"id": "c", "level": "s"}],
            "deadlines": [{"id": "d", "within": 5, "unit": "day", "from": "fix"}],
            "steps": [{"id": "a", "role": "c", "duration": 1},
                      {"id": "fix", "role": "c", "duration": 1, "after": ["a"]},
                      {"id": "b", "role": "c", "duration": 1, "after": ["fix"],
                       "rework": {"to": "a", "p": 0.3}}]})
        with pytest.raises(ps.SimulationError, match="fix"):
            ps.simulate(proc, n=10, seed=0)
        # the step that closes the block is allowed: its last run stops the clock
        ok = proc.model_copy(update={"deadlines": (
            ps.Process.model_validate({**proc.model_dump(), "deadlines": [
                {"id": "d", "within": 5, "unit": "day", "from": "b"}]}).deadlines)})
        assert ps.simulate(ok, n=10, seed=0).on_time["d"].share == 1.0

    def test_calendar_arguments(self):
        with pytest.raises(ps.OptionError):
            CIVIL_SERVICE.add("2025-03-26", -1)
        with pytest.raises(ps.OptionError):
            CIVIL_SERVICE.add("not a date", 1)
        with pytest.raises(ps.OptionError):
            CIVIL_SERVICE.working_days("2025-03-26", "2025-03-01")


class TestCommandLine:
    def test_report_shows_the_on_time_share(self, tmp_path, capsys):
        from procsimp.cli import main

        out = tmp_path / "after.yaml"
        assert main(["simplify", "examples/outgoing_letter.yaml", "--preset", "delayering_2019",
                     "-o", str(out), "--report", "-n", "2000"]) == 0
        text = capsys.readouterr().out
        assert "On time, 2,000 paired cases" in text and "information_request" in text

    def test_start_range_and_json(self, capsys):
        import json

        from procsimp.cli import main

        assert main(["measure", "examples/business_licence.yaml", "-n", "500", "--json",
                     "--start", "2025-01-01..2025-12-31"]) == 0
        data = json.loads(capsys.readouterr().out)["simulation"]
        assert data["calendar_days"]["mean"] > data["mean"]
        assert data["on_time"]["licence_decision"]["on_miss"] == "deemed_granted"


def test_the_time_page_runs(monkeypatch):
    """docs/time.md: its code runs and its figures are the published ones."""
    import re
    from pathlib import Path

    pytest.importorskip("holidays")
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    page = (root / "docs" / "time.md").read_text(encoding="utf-8")
    namespace: dict[str, object] = {}
    for block in re.findall(r"```python\n(.*?)```", page, re.S):
        exec(compile(block, "time.md", "exec"), namespace)
    cal = namespace["cal"]
    assert cal.add("2025-03-26", 5) == D(2025, 4, 11)
    assert cal.working_days("2025-01-01", "2025-12-31") == 237
    frozen = ps.loads(namespace["text"], "yaml")
    assert set(PUBLIC_2025 + CUTI_BERSAMA_2025) <= set(frozen.calendar.holidays)
    assert namespace["o"].cases == 10_000


def test_compare_refuses_mixed_time_bases():
    with pytest.raises(ps.OptionError, match="calendar"):
        ps.compare(one_step(2, calendar=CAL_2025), one_step(2), n=0)
