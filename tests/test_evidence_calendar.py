"""Calibrating a process with a working calendar: durations measured in working time on
it, fitted in the process's time unit, and a card that simulates each test case from its
own start on the calendar and compares calendar days.

The log is made here by an independent generator: numpy draws the working-time durations
and the calendar's rules, written out below (not procsimp's Timeline), place them on the
dates: the office works Monday to Friday except the listed holidays, ``HOURS`` hours a
day, and (procsimp's convention, docs/time.md) those are the last ``HOURS`` hours before
midnight, local time in Jakarta (UTC+7, no daylight saving)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

import procsimp as ps

pd = pytest.importorskip("pandas")
pytest.importorskip("scipy")

HOURS = 8.0
HOLIDAYS = ("2024-02-08", "2024-02-09", "2024-02-14", "2024-03-11", "2024-03-29",
            "2024-04-10", "2024-04-11")
EPOCH = dt.datetime(2024, 1, 1)  # local midnight, Monday
#: step -> (shape, mean) of a gamma duration in working hours
TRUE = {"intake": (2.0, 6.0), "review": (1.5, 20.0), "sign": (3.0, 4.0)}
MODEL = {
    "name": "permit on a calendar", "time_unit": "hour", "levels": ["staff"],
    "roles": [{"id": "clerk", "level": "staff"}],
    "calendar": {"workweek": ["mon", "tue", "wed", "thu", "fri"], "hours_per_day": HOURS,
                 "holidays": list(HOLIDAYS)},
    "steps": [{"id": "intake", "role": "clerk", "duration": 1},
              {"id": "review", "role": "clerk", "duration": 1, "after": ["intake"]},
              {"id": "sign", "role": "clerk", "duration": 1, "after": ["review"]}]}


def _working(day: int) -> bool:
    date = EPOCH.date() + dt.timedelta(days=day)
    return date.weekday() < 5 and date.isoformat() not in HOLIDAYS


def advance(t: float, hours: float) -> float:
    """The instant (local days since EPOCH) at which ``hours`` working hours started at
    ``t`` are done: day by day, each working day open for its last HOURS hours."""
    span = HOURS / 24.0
    left = hours / HOURS  # working days
    day = math.floor(t)
    while True:
        if _working(day):
            opens, closes = day + 1 - span, day + 1
            begin = max(t, opens)
            if begin < closes:
                room = (closes - begin) / span
                if left <= room:
                    return begin + left * span
                left -= room
        day += 1
        t = float(day)


def generate(n: int, seed: int):
    rng = np.random.default_rng(seed)
    # cases arrive on any day at any hour (also outside the office's hours)
    arrive = np.sort(rng.uniform(0.0, 100.0, n))
    rows, drawn = [], {s: [] for s in TRUE}
    for i, t0 in enumerate(arrive):
        t = t0
        for step, (shape, mean) in TRUE.items():
            h = rng.gamma(shape, mean / shape)
            drawn[step].append(h)
            t = advance(t, h)
            stamp = EPOCH + dt.timedelta(days=t)
            rows.append((f"c{i:04d}", step, stamp.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+07:00",
                         (EPOCH + dt.timedelta(days=t0)).strftime("%Y-%m-%dT%H:%M:%S.%f")
                         + "+07:00"))
    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp", "case:startdate"])
    return frame, {s: np.array(v) for s, v in drawn.items()}, arrive


@pytest.fixture(scope="module")
def synthetic():
    frame, drawn, arrive = generate(600, seed=11)
    return ps.read_log(frame), drawn, arrive


def test_working_time_durations_are_recovered(synthetic):
    log, drawn, _ = synthetic
    cal = ps.calibrate(ps.Process.model_validate(MODEL), log, {s: s for s in TRUE},
                       tz="Asia/Jakarta", family="gamma", seed=1, card=False)
    n_fit = cal.fits["intake"].executions
    for step, (shape, mean) in TRUE.items():
        fit = cal.fits[step]
        # the measured working hours are the drawn ones (the clock reads the log as the
        # generator wrote it), so the observed mean is the fit cases' drawn mean ...
        fit_cases = sorted(cal_cases(log, n_fit))
        want = drawn[step][[int(c[1:]) for c in fit_cases]].mean()
        assert fit.observed_mean == pytest.approx(want, rel=1e-6, abs=1e-6)
        # ... and the fitted mean lies within sampling error of the true mean
        se = mean / math.sqrt(shape) / math.sqrt(fit.executions)
        assert abs(fit.mean - mean) < 4 * se, (step, fit.mean, mean, se)
    # elapsed time (the same log, no calendar) reads very different durations: review's
    # 20 working hours (2.5 working days) take about 3.5 calendar days, 84 hours
    plain = ps.Process.model_validate({k: v for k, v in MODEL.items() if k != "calendar"})
    elapsed = ps.calibrate(plain, log, {s: s for s in TRUE}, family="gamma", seed=1,
                           card=False)
    assert elapsed.fits["review"].mean > 2.5 * TRUE["review"][1]


def cal_cases(log, n_fit):
    """The earliest ``n_fit`` cases by start (the ones calibrate fits on)."""
    start = pd.to_datetime(log.cases["startdate"], utc=True, format="ISO8601")
    return list(start.sort_values(kind="stable").index[:n_fit])


def test_the_card_compares_calendar_days_simulated_on_the_calendar(synthetic):
    log, drawn, arrive = synthetic
    proc = ps.Process.model_validate(MODEL)
    cal = ps.calibrate(proc, log, {s: s for s in TRUE}, tz="Asia/Jakarta", seed=2)
    card = cal.card
    # the right model on the right calendar: no error beyond sampling noise
    assert card.wasserstein <= 2 * card.noise_floor, (card.wasserstein, card.noise_floor)
    # real lead times are calendar days, as the generator placed them: 30 working hours
    # are about 4 working days, about 5.6 calendar days with weekends
    assert 5.0 < card.real.mean() < 7.0
    # the simulated ones too (read as elapsed hours, 30 working hours would be 1.25 days)
    assert 5.0 < card.simulated.mean() < 7.0
    assert abs(card.errors["mean"]) < 3 * card.floors["mean"]
    assert np.isfinite(card.simulated).all()
    # the same check by hand: the drawn working hours of the test cases, placed on the
    # calendar from each case's start by the generator's own rules, are the real lead
    # times the card holds
    later = sorted(set(log.cases.index) - set(cal_cases(log, card.fit_cases)))
    by_hand = np.sort([advance(arrive[int(c[1:])], sum(drawn[s][int(c[1:])] for s in TRUE))
                       - arrive[int(c[1:])] for c in later])
    assert np.allclose(np.sort(card.real), by_hand, atol=1e-6)


def test_role_calendars_are_refused_with_what_to_do(synthetic):
    log, _, _ = synthetic
    model = {**MODEL, "roles": [{"id": "clerk", "level": "staff",
                                 "calendar": {"workweek": ["mon", "tue", "wed", "thu",
                                                           "fri", "sat"]}}]}
    with pytest.raises(ps.ModelError, match="roles keep calendars of their own"):
        ps.calibrate(ps.Process.model_validate(model), log, {s: s for s in TRUE})
    with pytest.raises(ps.OptionError, match="cannot place the log's times in time zone"):
        ps.calibrate(ps.Process.model_validate(MODEL), log, {s: s for s in TRUE},
                     tz="Mars/Olympus")
