"""Roles with working calendars of their own, and start dates drawn from an arrival pattern.

The simulation's calendar-time results are checked sample by sample against a
walk over the calendar days written here (one day after another, each day's
working hours used up in turn), and the arrival pattern's weekday shares
against its weights.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from pydantic import ValidationError

import procsimp as ps

D = dt.date
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# the office: Mon-Fri, 8 hours, Nyepi and the Idul Fitri days of 2025 off (SKB 3 Menteri 2024)
OFFICE = {"workweek": ["mon", "tue", "wed", "thu", "fri"], "hours_per_day": 8,
          "holidays": ["2025-03-28", "2025-03-31", "2025-04-01", "2025-04-02", "2025-04-03",
                       "2025-04-04", "2025-04-07", "2025-12-25", "2025-12-26"]}
# a service counter open six days a week, 6 hours, off only on 31 March and 1 April
COUNTER = {"workweek": ["mon", "tue", "wed", "thu", "fri", "sat"], "hours_per_day": 6,
           "holidays": ["2025-03-31", "2025-04-01", "2025-08-17"]}


# --- an independent calendar walk, day by day ------------------------------------------------

class Walk:
    """Instants are float days since midnight starting ``epoch``; a working day's hours
    are the last ``hours_per_day`` before its close (procsimp's convention)."""

    def __init__(self, cal: dict, epoch: dt.date) -> None:
        self.week = set(cal["workweek"])
        self.holidays = {D.fromisoformat(x) for x in cal["holidays"]}
        self.h = cal["hours_per_day"]
        self.epoch = epoch

    def works(self, i: int) -> bool:
        day = self.epoch + dt.timedelta(days=i)
        return WEEK[day.weekday()] in self.week and day not in self.holidays

    def open_close(self, i: int) -> tuple[float, float]:
        return i + 1 - self.h / 24, i + 1

    def advance(self, t: float, working_days: float) -> float:
        """The instant by which ``working_days`` of work started at ``t`` are done."""
        if working_days <= 0:
            return t
        hours = working_days * self.h
        i = math.floor(t)
        while True:
            if self.works(i):
                opens, closes = self.open_close(i)
                lo = max(t, opens)
                if lo < closes:
                    available = (closes - lo) * 24
                    if hours <= available + 1e-9:
                        return lo + hours / 24
                    hours -= available
            i += 1

    def working_between(self, t0: float, t1: float) -> float:
        """Working days of this calendar from instant t0 to instant t1."""
        hours, i = 0.0, math.floor(t0)
        while i <= t1:
            if self.works(i):
                opens, closes = self.open_close(i)
                hours += max(0.0, min(closes, t1) - max(opens, t0)) * 24
            i += 1
        return hours / self.h


def chain(durations, *, delay=0.0, office=OFFICE, counter=COUNTER, unit="day", **extra):
    """``intake`` by the office clerk (process calendar), then ``serve`` at the counter."""
    roles = [{"id": "clerk", "level": "staff"}, {"id": "desk", "level": "staff"}]
    if counter is not None:
        roles[1]["calendar"] = counter
    data = {"name": "two calendars", "time_unit": unit, "levels": ["staff"], "roles": roles,
            "handoff_delay": delay,
            "steps": [{"id": "intake", "role": "clerk", "duration": durations[0]},
                      {"id": "serve", "role": "desk", "duration": durations[1],
                       "after": ["intake"]}], **extra}
    if office is not None:
        data["calendar"] = office
    return ps.Process.model_validate(data)


def alone(step_id, duration, unit="day"):
    """One step on its own: its samples are the durations the chain draws (same stream)."""
    return ps.Process.model_validate({
        "name": "one", "time_unit": unit, "levels": ["staff"],
        "roles": [{"id": "r", "level": "staff"}],
        "steps": [{"id": step_id, "role": "r", "duration": duration}]})


START = ("2025-01-01", "2025-12-31")
EPOCH = D(2025, 1, 1)


def walked(proc_durations, n, seed, delay, office=OFFICE, counter=COUNTER, start=START,
           unit="day"):
    """Calendar days and office working days of every case, walked day by day."""
    per = {"day": 1.0, "hour": 1 / 8}[unit]
    counter_per = {"day": 1.0, "hour": 1 / COUNTER["hours_per_day"]}[unit]
    da = ps.simulate(alone("intake", proc_durations[0], unit), n=n, seed=seed).samples
    db = ps.simulate(alone("serve", proc_durations[1], unit), n=n, seed=seed).samples
    first, last = (D.fromisoformat(x) for x in start)
    days = (last - first).days + 1
    walk_office, walk_counter = Walk(office, EPOCH), Walk(counter, EPOCH)
    elapsed, working = [], []
    for i in range(n):
        start_day = first + dt.timedelta(days=(i * days) // n)
        t0 = (start_day - EPOCH).days + 1.0  # the close of the start date
        t1 = walk_office.advance(t0, da[i] * per)
        t2 = walk_office.advance(t1, delay * per)
        t3 = walk_counter.advance(t2, db[i] * counter_per)
        elapsed.append(t3 - t0)
        working.append(walk_office.working_between(t0, t3) / per)
    return np.array(elapsed), np.array(working)


class TestAgainstDayByDay:
    def test_fixed_durations_every_day_of_2025(self):
        proc = chain((3, 2), delay=0.5)
        sim = ps.simulate(proc, n=365, seed=0, start=START)
        elapsed, working = walked((3, 2), 365, 0, 0.5)
        np.testing.assert_allclose(sim.calendar_days.samples, elapsed, atol=1e-9)
        np.testing.assert_allclose(sim.samples, working, atol=1e-9)

    def test_random_durations_sample_by_sample(self):
        durations = ({"dist": "exponential", "mean": 2.0},
                     {"dist": "gamma", "mean": 1.5, "sd": 1.0})
        proc = chain(durations, delay=0.25)
        sim = ps.simulate(proc, n=1500, seed=7, start=START)
        elapsed, working = walked(durations, 1500, 7, 0.25)
        np.testing.assert_allclose(sim.calendar_days.samples, elapsed, atol=1e-9)
        np.testing.assert_allclose(sim.samples, working, atol=1e-9)

    def test_hours_on_calendars_of_different_length(self):
        durations = ({"dist": "exponential", "mean": 10.0}, {"dist": "uniform", "low": 1,
                                                              "high": 9})
        proc = chain(durations, unit="hour")
        sim = ps.simulate(proc, n=500, seed=3, start=START)
        elapsed, working = walked(durations, 500, 3, 0.0, unit="hour")
        np.testing.assert_allclose(sim.calendar_days.samples, elapsed, atol=1e-9)
        np.testing.assert_allclose(sim.samples, working, atol=1e-9)

    def test_the_friday_before_a_long_weekend(self):
        # a 3-working-day step from Thursday 27 March 2025: the office is shut from Friday
        # 28 March to Monday 7 April, so it works Tuesday 8, Wednesday 9 and Thursday 10 April;
        # the counter, open on Saturdays and off only on 31 March and 1 April, works Friday
        # 28 and Saturday 29 March and Wednesday 2 April
        proc = chain((0, 3))
        sim = ps.simulate(proc, n=1, seed=0, start="2025-03-27")
        assert sim.calendar_days.samples[0] == (D(2025, 4, 2) - D(2025, 3, 27)).days
        office_only = chain((0, 3), counter=None)
        sim = ps.simulate(office_only, n=1, seed=0, start="2025-03-27")
        assert sim.calendar_days.samples[0] == (D(2025, 4, 10) - D(2025, 3, 27)).days

    def test_a_role_calendar_without_a_process_calendar(self):
        # the clerk's time runs continuously; the counter keeps its calendar
        always = {"workweek": list(WEEK), "hours_per_day": 24, "holidays": []}
        proc = chain((1.5, 2), office=None, delay=0.5)
        sim = ps.simulate(proc, n=200, seed=1, start=START)
        elapsed, working = walked((1.5, 2), 200, 1, 0.5, office=always)
        np.testing.assert_allclose(sim.calendar_days.samples, elapsed, atol=1e-9)
        np.testing.assert_allclose(sim.samples, working, atol=1e-9)
        np.testing.assert_allclose(working, elapsed, atol=1e-9)  # days are days


class TestConsistency:
    def test_every_role_on_the_process_calendar_matches_the_working_time_engine(self):
        durations = ({"dist": "exponential", "mean": 2.0}, {"dist": "exponential", "mean": 3})
        plain = chain(durations, counter=None, delay=0.5, deadlines=[
            {"id": "w", "within": 6, "unit": "working_day", "from": "intake"},
            {"id": "d", "within": 9, "unit": "day"},
            {"id": "h", "within": 30, "unit": "hour", "to": "intake"}])
        same = chain(durations, counter=OFFICE, delay=0.5,
                     deadlines=[d.model_dump(by_alias=True) for d in plain.deadlines])
        a = ps.simulate(plain, n=3000, seed=5, start=START)
        b = ps.simulate(same, n=3000, seed=5, start=START)
        np.testing.assert_allclose(a.samples, b.samples, atol=1e-9)
        np.testing.assert_allclose(a.calendar_days.samples, b.calendar_days.samples, atol=1e-9)
        for ident in ("w", "d", "h"):
            np.testing.assert_array_equal(a.on_time[ident].on_time, b.on_time[ident].on_time)
            np.testing.assert_allclose(a.on_time[ident].lateness, b.on_time[ident].lateness,
                                       atol=1e-9)

    def test_rework_runs_one_after_another(self):
        data = chain((1, 1), counter=None).model_dump()
        data["steps"][1]["rework"] = {"to": "intake", "p": 0.4, "delay": 0.5, "revision": 1}
        plain = ps.Process.model_validate(data)
        data["roles"][1]["calendar"] = OFFICE
        same = ps.Process.model_validate(data)
        a = ps.simulate(plain, n=2000, seed=2, start=START)
        b = ps.simulate(same, n=2000, seed=2, start=START)
        np.testing.assert_allclose(a.samples, b.samples, atol=1e-9)
        np.testing.assert_allclose(a.calendar_days.samples, b.calendar_days.samples, atol=1e-9)
        assert b.critical == a.critical

    def test_without_start_dates_working_time_adds_up(self):
        # calendars cannot be placed on dates: each step's working time on its own calendar
        with_role = ps.simulate(chain(({"dist": "exponential", "mean": 2}, 3)), n=500, seed=0)
        without = ps.simulate(chain(({"dist": "exponential", "mean": 2}, 3), counter=None),
                              n=500, seed=0)
        np.testing.assert_array_equal(with_role.samples, without.samples)
        assert with_role.calendar_days is None

    def test_without_role_calendars_nothing_changes(self):
        proc = chain(({"dist": "exponential", "mean": 2}, 3), counter=None)
        assert not proc.role_calendars
        sim = ps.simulate(proc, n=400, seed=0, start=START)
        days = (D(2025, 12, 31) - D(2025, 1, 1)).days + 1
        starts = np.datetime64("2025-01-01") + (np.arange(400) * days // 400).astype(
            "timedelta64[D]")
        cal = proc.calendar
        np.testing.assert_array_equal(sim.calendar_days.samples,
                                      cal.elapsed(starts, sim.samples))

    def test_long_cases_grow_the_table(self):
        sim = ps.simulate(chain((400, 300)), n=3, seed=0, start="2025-06-02")
        elapsed, _ = walked((400, 300), 3, 0, 0.0, start=("2025-06-02", "2025-06-02"))
        np.testing.assert_allclose(sim.calendar_days.samples, elapsed, atol=1e-9)


class TestBadRoleCalendar:
    @pytest.mark.parametrize("calendar", [{"workweek": ["someday"]}, {"hours_per_day": 0},
                                          {"holidays": ["2025-13-01"]}, {"weekends": []}])
    def test_validation_names_the_role_and_field(self, calendar):
        with pytest.raises(ValidationError) as info:
            chain((1, 1), counter=calendar)
        locs = [".".join(str(x) for x in e["loc"]) for e in info.value.errors()]
        assert any(loc.startswith("roles.1.calendar") for loc in locs), locs
        assert "desk" in str(info.value)

    def test_load_wraps_it(self, tmp_path):
        f = tmp_path / "bad.yaml"
        f.write_text("levels: [s]\nroles: [{id: c, level: s, calendar: {workweek: []}}]\n"
                     "steps: [{id: a, role: c}]\n")
        with pytest.raises(ps.ModelError, match=r"bad\.yaml"):
            ps.load(f)

    def test_round_trip(self):
        proc = chain((1, 2))
        again = ps.loads(ps.dumps(proc, "yaml"), "yaml")
        assert again == proc and again.role("desk").calendar == proc.role("desk").calendar


# --- arrival patterns -----------------------------------------------------------------------

class TestArrivalPattern:
    def test_weekday_shares_converge_to_the_weights(self):
        weights = {"mon": 3, "tue": 2, "wed": 1, "fri": 4}
        n = 200_000
        sim = ps.simulate(chain((1, 1)), n=n, seed=11,
                          start={"first": "2025-01-01", "last": "2025-12-31",
                                 "weekdays": weights})
        assert sim.calendar_days is not None
        from procsimp.deadlines import start_dates

        dates = start_dates({"first": "2025-01-01", "last": "2025-12-31", "weekdays": weights},
                            n, 11)
        weekday = np.array([WEEK[d.weekday()] for d in dates.astype(dt.date)])
        # every weekday occurs 52 times in 2025, except Wednesday (53: 1 Jan and 31 Dec)
        count = {w: 52 + (w == "wed") for w in WEEK}
        total = sum(weights[w] * count[w] for w in weights)
        for w in WEEK:
            p = weights.get(w, 0) * count[w] / total
            share = float(np.mean(weekday == w))
            assert abs(share - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-12, (w, share, p)

    def test_dates_with_weights(self):
        from procsimp.deadlines import start_dates

        n = 100_000
        dates = start_dates({"2025-03-26": 1, "2025-06-11": 3}, n, 0)
        share = float(np.mean(dates == np.datetime64("2025-06-11")))
        assert abs(share - 0.75) <= 4 * math.sqrt(0.75 * 0.25 / n)
        assert set(dates.astype(str)) == {"2025-03-26", "2025-06-11"}

    def test_seeded(self):
        pattern = {"first": "2025-01-01", "last": "2025-03-31"}
        a = ps.simulate(chain((1, 1)), n=300, seed=4, start=pattern)
        b = ps.simulate(chain((1, 1)), n=300, seed=4, start=pattern)
        c = ps.simulate(chain((1, 1)), n=300, seed=5, start=pattern)
        np.testing.assert_array_equal(a.calendar_days.samples, b.calendar_days.samples)
        assert not np.array_equal(a.calendar_days.samples, c.calendar_days.samples)

    def test_a_pattern_without_role_calendars(self):
        proc = chain((2, 1), counter=None)
        sim = ps.simulate(proc, n=50, seed=0, start={"2025-03-27": 1})
        expected = (D(2025, 4, 10) - D(2025, 3, 27)).days  # 3 office days after Thu 27 March
        np.testing.assert_allclose(sim.calendar_days.samples, expected)

    @pytest.mark.parametrize(("start", "match"), [
        ({}, "empty"),
        ({"first": "2025-01-01"}, "first, last"),
        ({"first": "2025-01-01", "last": "2025-01-31", "rate": 3}, "first, last"),
        ({"first": "2025-01-31", "last": "2025-01-01"}, "before it begins"),
        ({"first": "2025-01-01", "last": "2025-01-31", "weekdays": {"monday": 1}}, "monday"),
        ({"first": "2025-01-01", "last": "2025-01-31", "weekdays": {"mon": -1}}, "weight"),
        ({"first": "2025-01-01", "last": "2025-01-31", "weekdays": {"mon": 0}}, "weight 0"),
        ({"2025-02-30": 1}, "not a date"),
        ({"2025-02-03": "often"}, "weight"),
        ({"2025-02-03": math.inf}, "weight"),
    ])
    def test_bad_patterns(self, start, match):
        with pytest.raises(ps.OptionError, match=match):
            ps.simulate(chain((1, 1)), n=10, seed=0, start=start)
