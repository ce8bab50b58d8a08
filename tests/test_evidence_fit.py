"""Calibrating a process on an event log (procsimp.evidence.fit, .card).

Synthetic logs come from a generator written here (not procsimp's code): cases arrive as
a Poisson stream, each step's completion is drawn from its known distribution, the
send-back repeats the review until accepted, the expert opinion is an exclusive choice.
The fitted figures must fall within their sampling error of the known ones, and the
fitted model's simulated lead times within the noise floor of the generating model's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import procsimp as ps
from procsimp.evidence import wasserstein
from procsimp.evidence.fit import fit_duration

pd = pytest.importorskip("pandas")
stats = pytest.importorskip("scipy.stats")

P_EXPERT, P_REWORK, RATE = 0.3, 0.2, 5.0  # rate: cases per day
TRUE = {"register": ("exponential", 0.5, 0.5),       # family, mean, sd
        "review": ("gamma", 2.0, 1.0),
        "expert": ("lognormal", math.exp(0.125), math.sqrt((math.exp(0.25) - 1)
                                                           * math.exp(0.25))),
        "decide": ("exponential", 1.0, 1.0)}
MAPPING = {"Register": "register", "Review": "review", "Expert opinion": "expert",
           "Decide": "decide", "Coffee": None}

MODEL = {
    "name": "permit", "levels": ["staff"], "roles": [{"id": "clerk", "level": "staff"}],
    "steps": [
        {"id": "register", "role": "clerk", "duration": 1},
        {"id": "review", "role": "clerk", "after": ["register"], "duration": 1,
         "rework": {"to": "review", "p": 0.5}},
        {"id": "expert", "role": "clerk", "after": [{"step": "review", "p": 0.5}],
         "duration": 1},
        {"id": "decide", "role": "clerk", "join": "any", "duration": 1,
         "after": ["expert", {"step": "review", "p": 0.5}]},
    ]}

GENERATING = {**MODEL, "steps": [
    {"id": "register", "role": "clerk", "duration": {"dist": "exponential", "mean": 0.5}},
    {"id": "review", "role": "clerk", "after": ["register"],
     "duration": {"dist": "gamma", "mean": 2.0, "sd": 1.0},
     "rework": {"to": "review", "p": P_REWORK, "delay": 0}},
    {"id": "expert", "role": "clerk", "after": [{"step": "review", "p": P_EXPERT}],
     "duration": {"dist": "lognormal", "mu": 0.0, "sigma": 0.5}},
    {"id": "decide", "role": "clerk", "join": "any",
     "duration": {"dist": "exponential", "mean": 1.0},
     "after": ["expert", {"step": "review", "p": 1 - P_EXPERT}]},
]}


def generate(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """An event log of ``n`` cases: completions only, a case start attribute, times with a
    +07:00 offset; also the true lead times (days) and the true counts."""
    rng = np.random.default_rng(seed)
    epoch = pd.Timestamp("2024-01-01T00:00:00+07:00")
    arrive = np.cumsum(rng.exponential(1 / RATE, n))
    rows, leads = [], np.empty(n)
    counts = {"reviews": 0, "sendbacks": 0, "experts": 0}
    for i in range(n):
        case, t0 = f"c{i:05d}", arrive[i]
        t = t0 + rng.exponential(0.5)
        ev = [("Register", t)]
        while True:
            t += rng.gamma(4.0, 0.5)  # mean 2, sd 1
            ev.append(("Review", t))
            counts["reviews"] += 1
            if rng.random() >= P_REWORK:
                break
            counts["sendbacks"] += 1
        if rng.random() < P_EXPERT:
            counts["experts"] += 1
            t += rng.lognormal(0.0, 0.5)
            ev.append(("Expert opinion", t))
            ev.append(("Coffee", t))  # an activity the analyst ignores
        t += rng.exponential(1.0)
        ev.append(("Decide", t))
        leads[i] = t - t0
        start = (epoch + pd.to_timedelta(t0, unit="D")).isoformat()
        rows += [{"case:concept:name": case, "concept:name": a,
                  "time:timestamp": (epoch + pd.to_timedelta(x, unit="D")).isoformat(),
                  "case:startdate": start, "case:channel": "Internet" if i % 3 else "Post"}
                 for a, x in ev]
    return pd.DataFrame(rows), leads, counts


@pytest.fixture(scope="module")
def synthetic():
    frame, leads, counts = generate(3000, seed=7)
    log = ps.read_log(frame)
    proc = ps.Process.model_validate(MODEL)
    return log, leads, counts, ps.calibrate(proc, log, MAPPING, split=1.0)


def _within(estimate: float, true: float, se: float, k: float = 4.0) -> bool:
    return abs(estimate - true) <= k * se


def test_durations_are_recovered_within_their_sampling_error(synthetic):
    _, _, counts, cal = synthetic
    for step, (_family, mean, sd) in TRUE.items():
        fit = cal.fits[step]
        se = sd / math.sqrt(fit.executions)
        assert _within(fit.observed_mean, mean, se), (step, fit.observed_mean, mean)
        assert _within(fit.mean, mean, se), (step, fit.mean, mean)
        assert fit.ks <= fit.ks_critical or fit.family == "empirical"
    assert cal.fits["review"].executions == counts["reviews"]
    assert cal.fits["expert"].executions == counts["experts"]
    # exponential data: the AIC picks the one-parameter family or one nesting it
    assert cal.fits["register"].family in {"exponential", "gamma"}
    assert cal.fits["review"].family in {"gamma", "lognormal"}
    assert isinstance(cal.process.step("review").duration, (ps.Gamma, ps.Lognormal))


def test_branch_rework_and_arrival_rate_are_recovered(synthetic):
    log, _, counts, cal = synthetic
    n = log.n_cases
    (b_exp,) = [b for b in cal.branches if b.alternative == "expert"]
    assert b_exp.count == counts["experts"] and b_exp.total == n
    assert _within(b_exp.p, P_EXPERT, math.sqrt(P_EXPERT * (1 - P_EXPERT) / n))
    (rw,) = cal.rework
    assert (rw.executions, rw.sendbacks) == (counts["reviews"], counts["sendbacks"])
    assert _within(rw.p, P_REWORK, math.sqrt(P_REWORK * (1 - P_REWORK) / rw.executions))
    assert _within(cal.arrivals["per_day"], RATE, RATE / math.sqrt(n))
    assert cal.process.cases_per_year == pytest.approx(cal.arrivals["per_day"] * 365.25)
    review = cal.process.step("review")
    assert review.rework is not None and review.rework.p == pytest.approx(rw.p)
    # the ignored activity is not reported; nothing else contradicts the model
    assert cal.unsupported == ()


def test_fitted_lead_times_are_within_the_noise_floor_of_the_generating_model(synthetic):
    _, leads, _, cal = synthetic
    rng = np.random.default_rng(3)
    half = len(leads) // 2
    floor = np.mean([wasserstein(*np.split(rng.permutation(leads)[:2 * half], 2))
                     for _ in range(100)])
    generating = ps.simulate(ps.Process.model_validate(GENERATING), n=20_000, seed=1)
    fitted = ps.simulate(cal.process, n=20_000, seed=2)
    assert wasserstein(fitted.samples, generating.samples) <= floor
    # and the independent generator agrees with procsimp's simulator of the same model
    assert wasserstein(leads, generating.samples) <= 2 * floor


def test_the_card_on_a_stationary_log_sees_no_model_error():
    frame, leads, _, = generate(2000, seed=11)
    log = ps.read_log(frame)
    cal = ps.calibrate(ps.Process.model_validate(MODEL), log, MAPPING, split=0.6, seed=4)
    card = cal.card
    assert card is not None and card.test_cases == 800 and card.fit_cases == 1200
    # the test cases' real lead times are the generator's last 800, by start time
    assert np.allclose(np.sort(card.real), np.sort(leads[1200:]), atol=1e-6)
    assert card.wasserstein <= 2 * card.noise_floor and card.within_noise
    assert abs(card.errors["mean"]) <= 3 * card.floors["mean"]
    assert card.simulated.shape == (800,)
    text = str(cal)
    assert "Calibration card" in text and "noise floor" in text
    assert cal.to_dict()["tables"][-1]["name"] == "card"
    assert set(cal.to_frames()) >= {"fits", "branches", "rework", "arrivals", "card"}


def test_durations_by_hand_on_a_tiny_log():
    # case a: starts 08:00, register 09:00, review 12:00 (sent back), review 18:00, decide
    # at 20:00 next day; durations: register 1 h; review 3 h and 6 h; decide 26 h
    rows = [("a", "Register", "2024-01-01 09:00"), ("a", "Review", "2024-01-01 12:00"),
            ("a", "Review", "2024-01-01 18:00"), ("a", "Decide", "2024-01-02 20:00"),
            ("b", "Register", "2024-01-01 10:00"), ("b", "Review", "2024-01-01 11:00"),
            ("b", "Expert opinion", "2024-01-01 15:00"), ("b", "Decide", "2024-01-01 16:00")]
    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp"])
    frame["case:startdate"] = frame["case"].map({"a": "2024-01-01 08:00",
                                                 "b": "2024-01-01 08:00"})
    cal = ps.calibrate(ps.Process.model_validate(MODEL), ps.read_log(frame), MAPPING,
                       split=1.0)
    h = 1 / 24
    assert cal.fits["register"].observed_mean == pytest.approx((1 + 2) / 2 * h)
    assert cal.fits["review"].observed_mean == pytest.approx((3 + 6 + 1) / 3 * h)
    assert cal.fits["expert"].observed_mean == pytest.approx(4 * h)
    assert cal.fits["decide"].observed_mean == pytest.approx((26 + 1) / 2 * h)
    (rw,) = cal.rework
    assert (rw.executions, rw.sendbacks) == (3, 1)
    (b,) = [b for b in cal.branches if b.alternative == "expert"]
    assert (b.count, b.total) == (1, 2)
    assert b.p == pytest.approx((1 + 0.5) / (2 + 1))  # Jeffreys' estimate
    assert cal.arrivals == {}  # both cases start at the same instant: no rate


def test_unsupported_paths_are_reported_with_counts_and_examples():
    rows = [("a", "Review", "2024-01-01 12:00"), ("a", "Register", "2024-01-01 13:00"),
            ("a", "Decide", "2024-01-01 14:00"), ("b", "Register", "2024-01-01 10:00"),
            ("b", "Review", "2024-01-01 11:00"), ("b", "Scan", "2024-01-01 11:30"),
            ("b", "Decide", "2024-01-01 16:00")]
    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp"])
    cal = ps.calibrate(ps.Process.model_validate(MODEL), ps.read_log(frame), MAPPING,
                       split=1.0)
    found = {(u.kind, u.what): (u.count, u.examples) for u in cal.unsupported}
    assert found[("order", "review recorded before register")] == (1, ("a",))
    assert found[("unmapped", "activity 'Scan' is not in the mapping (ignored)")] == (1, ("b",))
    assert ("never seen", "step expert (its duration kept from the model)") in found


def test_filter_and_bad_options():
    frame, _, _ = generate(300, seed=5)
    log = ps.read_log(frame)
    proc = ps.Process.model_validate(MODEL)
    post = ps.calibrate(proc, log, MAPPING, filter={"channel": "Post"}, split=1.0)
    assert post.arrivals["cases"] == 100  # every third case
    with pytest.raises(ps.OptionError, match="steps the process does not have: 'nope'"):
        ps.calibrate(proc, log, {"Register": "nope"})
    with pytest.raises(ps.OptionError, match="filter names case attribute 'year'"):
        ps.calibrate(proc, log, MAPPING, filter={"year": 2024})
    with pytest.raises(ps.OptionError, match="family must be one of"):
        ps.calibrate(proc, log, MAPPING, family="weibull")
    with pytest.raises(ps.OptionError, match="maps no activity"):
        ps.calibrate(proc, log, {"Unknown": "register"})


def test_open_cases_are_counted_not_dropped():
    frame, _, _ = generate(400, seed=9)
    # cut the last 40 cases short: they stop after their review
    last = sorted(frame["case:concept:name"].unique())[-40:]
    cut = frame["case:concept:name"].isin(last) & frame["concept:name"].isin(
        ["Decide", "Expert opinion", "Coffee"])
    cal = ps.calibrate(ps.Process.model_validate(MODEL), ps.read_log(frame[~cut]), MAPPING,
                       split=0.75)
    assert cal.card is not None
    assert cal.card.open_cases == 40 and cal.card.test_cases == 60
    assert "40 later cases were still open" in str(cal.card)


@given(st.lists(st.floats(0, 1e3), min_size=1, max_size=40),
       st.lists(st.floats(0, 1e3), min_size=1, max_size=40))
def test_wasserstein_matches_scipy(a, b):
    assert wasserstein(np.array(a), np.array(b)) == pytest.approx(
        stats.wasserstein_distance(a, b), rel=1e-9, abs=1e-9)


@given(st.lists(st.floats(0, 1e3), min_size=1, max_size=40), st.floats(0, 100))
def test_wasserstein_of_a_shift_is_the_shift(a, c):
    x = np.array(a)
    assert wasserstein(x, x + c) == pytest.approx(c, rel=1e-9, abs=1e-7)
    assert wasserstein(x, x) == 0


@given(st.lists(st.floats(0.001, 100), min_size=2, max_size=60))
def test_fit_duration_gives_a_duration_bounded_by_the_data(values):
    dur, family, _, _, _ = fit_duration(np.array(values))
    if family == "fixed":
        assert dur == values[0]
    elif family == "empirical":
        assert sorted(dur.values) == sorted(values)
    else:
        # accepted only if its 99.9th percentile lies within ten times the largest value
        draws = dur.sample(np.random.default_rng(0), 20_000)
        assert np.quantile(draws, 0.999) <= 10 * max(values) * 1.2


def test_the_card_sees_the_later_cases_through_the_logs_window():
    """A log extracted at a fixed date: events after it are missing, a case not yet
    registered by then is not in the log at all. The card's simulated cases go through the
    same window, so about as many of them are open as of the real ones."""
    frame, _, _ = generate(1500, seed=13)
    t = pd.to_datetime(frame["time:timestamp"], format="ISO8601")
    starts = pd.to_datetime(frame.groupby("case:concept:name")["case:startdate"].first(),
                            format="ISO8601").sort_values()
    extracted = starts.iloc[1480]  # the last 20 cases arrive after it
    kept = frame[(t <= extracted).to_numpy()]
    log = ps.read_log(kept)
    assert log.n_cases < 1480 + 1  # cases registered after the extraction are absent
    cal = ps.calibrate(ps.Process.model_validate(MODEL), log, MAPPING, split=0.8, seed=3)
    card = cal.card
    assert card is not None and card.open_cases >= 5  # the last few days' cases are open
    # independently: cases whose last event (in the full log) comes after the extraction
    last = t.groupby(frame["case:concept:name"]).max()
    in_log = set(log.cases.index)
    assert card.open_cases == sum(1 for c, x in last.items() if c in in_log and x > extracted)
    # the simulated cases, observed through the same window, are open about as often
    assert abs(card.simulated_open - card.open_cases) <= 4 * math.sqrt(card.open_cases) + 2
    assert card.simulated_open > 0
    assert card.wasserstein <= 2 * card.noise_floor
