"""Calibration cards on the two shared municipal logs (../shared/event-logs/SOURCES.md).

Receipt phase of a WABO environmental permit, CoSeLoG project: J.C.A.M. Buijs (2014),
doi:10.4121/uuid:a07386a5-7be3-4367-9535-70bc9e77dbe6. BPI Challenge 2015, municipality 1:
B.F. van Dongen (2015), doi:10.4121/uuid:31a308ef-c844-48da-948c-305d167a0ec1.

The receipt model (its main path): confirmation; then, side by side, check -> determine ->
print and send (with the adjustment as the check's send-back, and the document request
as a choice after sending) and stop advice -> stop indication (with the report to stop as
a choice); a few cases end at the confirmation (withdrawn). Calibrated on the earliest
70 % of cases by start date, carded on the later 30 %.

The card simulates the later cases through the same window the log shows them in: each
simulated case stands for one test case, from its start date; it is in the log only if its
first event (the confirmation) came before the log's end, and has a lead time only if it
finished by then. (The log holds only cases with a confirmation by 2012-01-23: of the cases
started in its last months only the quick ones are there, which a plain simulation would
not reproduce.)

Measured (seed 0): fitted on 1,004 cases, tested on 408 finished later cases (22 open; 20
simulated open); Wasserstein 10.0 days against a noise floor of 2.2 days (4.6x; seeds 1-3
give 7.9-8.7); mean lead time 29.7 simulated against 19.7 real; on-time share (each case's
own deadline, 56 days for most) 91.6 % simulated against 93.3 % real (-1.7 points, within
the 5-point bar). The distance bar (<= 2x floor) is NOT met, and no model fitted on the
earlier cases can meet it: the process sped up after the split. The time from application
to confirmation fell from about 25 days (cases started before mid-July 2011) to about 16
(September to November 2011, whose cases the log's end hardly truncates), and the work after
the confirmation from about 7 days to about 2. Resampling the earlier cases' own lead times
(a "model" that reproduces them exactly) through the same window still gives a distance of
about 8.7 days (4x the floor); resampling only the last 90 or 180 days before the split,
about 7. ``test_no_model_of_the_earlier_cases_meets_the_distance_bar`` computes this bound;
the bar itself stays below as an expected failure, strictly, so that a model that meets it is
noticed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import procsimp as ps

pd = pytest.importorskip("pandas")
pytest.importorskip("scipy")

LOGS = Path(__file__).resolve().parents[1].parent / "shared" / "event-logs"
RECEIPT = LOGS / "wabo_receipt.csv.gz"
BPIC = LOGS / "bpic2015_municipality1.csv.gz"
pytestmark = pytest.mark.skipif(not RECEIPT.exists(), reason="../shared/event-logs absent")

RECEIPT_MODEL = """
name: WABO receipt phase (main path)
time_unit: day
levels: [staff]
roles: [{id: clerk, level: staff}]
steps:
  - {id: confirm, role: clerk, duration: 0.01}
  - {id: accept, role: clerk, duration: 0, after: [{step: confirm, p: 0.9}]}
  - {id: withdrawn, role: clerk, duration: 0, after: [{step: confirm, p: 0.1}]}
  - {id: check, role: clerk, duration: 1, after: [accept], rework: {to: check, p: 0.05}}
  - {id: determine, role: clerk, duration: 1, after: [check]}
  - {id: send, role: clerk, duration: 1, after: [determine]}
  - {id: document_request, role: clerk, duration: 5, after: [{step: send, p: 0.05}]}
  - {id: sent, role: clerk, duration: 0, join: any,
     after: [document_request, {step: send, p: 0.95}]}
  - {id: stop_advice, role: clerk, duration: 1, after: [accept]}
  - {id: stop_indication, role: clerk, duration: 1, after: [stop_advice]}
  - {id: report_y, role: clerk, duration: 5, after: [{step: stop_indication, p: 0.05}]}
  - {id: stopped, role: clerk, duration: 0, join: any,
     after: [report_y, {step: stop_indication, p: 0.95}]}
  - {id: done, role: clerk, duration: 0, after: [sent, stopped]}
"""


def receipt_mapping(activity: str) -> str | None:
    fixed = {"Confirmation of receipt": "confirm", "T02": "check", "T04": "determine",
             "T05": "send", "T06": "stop_advice", "T10": "stop_indication"}
    code = activity.split(" ")[0]
    if activity in fixed:
        return fixed[activity]
    if code in fixed:
        return fixed[code]
    if code in {"T11", "T12", "T13", "T14", "T15"}:
        return "document_request"
    if code in {"T16", "T17", "T18", "T19", "T20"}:
        return "report_y"
    return None  # T03 (the adjustment: the re-run check carries it), advice T07-T09


@pytest.fixture(scope="module")
def receipt():
    proc = ps.loads(RECEIPT_MODEL)
    log = ps.read_log(RECEIPT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ps.PrecisionWarning)
        return log, ps.calibrate(proc, log, receipt_mapping, split=0.7, seed=0)


def _independent_leads(log_path: Path) -> pd.Series:
    """Lead times (days) by pandas alone: last mapped event minus the case's startdate."""
    raw = pd.read_csv(log_path)
    raw = raw[raw["concept:name"].map(receipt_mapping).notna()]
    t = pd.to_datetime(raw["time:timestamp"], utc=True, format="ISO8601")
    last = t.groupby(raw["case:concept:name"]).max()
    start = pd.to_datetime(raw.groupby("case:concept:name")["case:startdate"].first(),
                           utc=True, format="ISO8601")
    return (last - start) / pd.Timedelta(days=1)


def test_receipt_card_figures_are_those_of_the_log(receipt):
    log, cal = receipt
    card = cal.card
    assert card is not None
    assert card.fit_cases == round(0.7 * log.n_cases) == 1004
    assert card.test_cases + card.open_cases == log.n_cases - 1004
    leads = _independent_leads(RECEIPT)
    start = pd.to_datetime(log.cases["startdate"], utc=True, format="ISO8601")
    later = leads[start.sort_values(kind="stable").index[1004:]]
    # every real lead time on the card is one of the later cases' own
    assert np.isin(np.round(card.real, 6), np.round(later.to_numpy(), 6)).all()
    real_mean = float(np.mean(card.real))
    assert card.errors["mean"] == pytest.approx(float(np.mean(card.simulated)) - real_mean)
    # the real on-time share by each case's own deadline, recomputed here
    due = pd.to_datetime(log.cases["deadline"], utc=True, format="ISO8601")
    allow = (due - start) / pd.Timedelta(days=1)
    finished = later[np.isin(np.round(later.to_numpy(), 6), np.round(card.real, 6))]
    share = float((finished <= allow[finished.index]).mean())
    (check,) = card.on_time
    # open cases already past their deadline count as late, so the card's share is at
    # most the finished cases' share, and equal when no open case is late yet
    assert check.real <= share + 1e-12
    assert check.within == pytest.approx(float(np.median(allow[start.sort_values(
        kind="stable").index[:1004]])))
    # the fitted process carries the fitted parts
    assert cal.process.step("check").rework is not None
    assert {b.decision for b in cal.branches} == {"confirm", "send", "stop_indication"}
    assert cal.process.deadlines[0].id == "deadline"


def test_receipt_card_shows_what_it_measured(receipt):
    _, cal = receipt
    card = cal.card
    assert card is not None
    # the figures this docstring reports (seed 0), to one decimal
    assert card.wasserstein == pytest.approx(10.0, abs=0.05)
    assert card.noise_floor == pytest.approx(2.2, abs=0.05)
    assert (card.test_cases, card.open_cases, card.simulated_open) == (408, 22, 20)
    (check,) = card.on_time
    assert (round(check.real, 3), round(check.simulated, 3)) == (0.933, 0.916)
    assert not card.within_noise
    assert "more than twice the noise floor" in str(card)


def test_receipt_on_time_share_is_within_five_points(receipt):
    _, cal = receipt
    (check,) = cal.card.on_time
    assert abs(check.error) <= 0.05


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="the receipt process sped up after the split: no model fitted on "
                   "the earlier cases reproduces the later ones (see the module)")
def test_receipt_card_meets_the_acceptance_bar(receipt):
    _, cal = receipt
    card = cal.card
    assert card is not None
    (check,) = card.on_time
    assert abs(check.error) <= 0.05
    assert card.wasserstein <= 2 * card.noise_floor


def test_no_model_of_the_earlier_cases_meets_the_distance_bar(receipt):
    """The bound: resample the earlier cases' own (first event, lead time) pairs, so the
    "model" reproduces them exactly, and observe the draws through the later cases'
    window (in the log once confirmed before its end, a lead time once finished by
    then); computed here with pandas and numpy alone, not with procsimp's simulator."""
    _, cal = receipt
    raw = pd.read_csv(RECEIPT)
    raw = raw[raw["concept:name"].map(receipt_mapping).notna()]
    t = pd.to_datetime(raw["time:timestamp"], utc=True, format="ISO8601")
    by_case = t.groupby(raw["case:concept:name"])
    start = pd.to_datetime(raw.groupby("case:concept:name")["case:startdate"].first(),
                           utc=True, format="ISO8601").sort_values(kind="stable")
    day = pd.Timedelta(days=1)
    first = ((by_case.min() - start) / day)[start.index]
    lead = ((by_case.max() - start) / day)[start.index]
    horizon = ((t.max() - start.iloc[1004:]) / day).to_numpy()
    real = cal.card.real
    rng = np.random.default_rng(0)

    def resampled_distance(pool: slice) -> float:
        f, le = first.iloc[pool].to_numpy(), lead.iloc[pool].to_numpy()
        order = np.argsort(f, kind="stable")
        seen = np.searchsorted(f[order], horizon, side="right")
        out = []
        for _ in range(20):
            pick = order[(rng.random(len(horizon)) * np.maximum(seen, 1)).astype(int)]
            done = (le[pick] <= horizon) & (seen > 0)
            out.append(ps.evidence.wasserstein(real, le[pick][done]))
        return float(np.mean(out))

    floor = cal.card.noise_floor
    everything = resampled_distance(slice(0, 1004))
    assert everything > 3 * floor  # about 8.7 days against 2.2
    recent = start.iloc[:1004] >= start.iloc[1003] - pd.Timedelta(days=180)
    assert resampled_distance(slice(int(np.argmax(recent.to_numpy())), 1004)) > 2 * floor
    # the method itself is sound: the later cases resampled through their own window
    # come within the bar
    assert resampled_distance(slice(1004, None)) <= 2 * floor


def bpic_phase(code: str) -> str | None:
    """The coarse model's phases by the main process's activity codes (01_HOOFD_nnn):
    0xx intake, 1xx-2xx assessment, 3xx-4xx decision, 5xx and above closing; the
    subprocesses' codes (08_AWB, 06_VD, ...) are ignored."""
    if not code.startswith("01_HOOFD_"):
        return None
    digit = int(code[9])
    return ("intake", "assessment", "assessment", "decision", "decision")[digit] \
        if digit < 5 else "closing"


BPIC_MODEL = """
name: Building permit (coarse)
levels: [staff]
roles: [{id: office, level: staff}]
steps:
  - {id: intake, role: office, duration: 1}
  - {id: assessment, role: office, duration: 10, after: [intake]}
  - {id: decision, role: office, duration: 10, after: [assessment]}
  - {id: closing, role: office, duration: 5, after: [decision]}
"""


def test_building_permit_coarse_model_is_carded():
    log = ps.read_log(BPIC)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ps.PrecisionWarning)
        cal = ps.calibrate(ps.loads(BPIC_MODEL), log, bpic_phase, seed=0)
    card = cal.card
    assert card is not None and card.fit_cases == round(0.7 * log.n_cases)
    assert card.test_cases + card.open_cases == log.n_cases - card.fit_cases
    assert set(cal.fits) == {"intake", "assessment", "decision", "closing"}
    # the phases interleave in the log: the card and the unsupported list show it
    kinds = {u.kind for u in cal.unsupported}
    assert "order" in kinds
    assert np.isfinite(card.wasserstein) and card.noise_floor > 0
    assert "Calibration card" in str(cal)
    # short of the bar, and the card says so (docs/evidence.md says why: the phases
    # overlap, so their fitted durations add up to more than the cases' lead times)
    assert not card.within_noise and "more than twice the noise floor" in str(card)
    assert (round(card.wasserstein), round(card.noise_floor, 1)) == (66, 9.9)
    assert (card.test_cases, card.open_cases) == (271, 89)
    assert sum(f.mean for f in cal.fits.values()) == pytest.approx(164.4, abs=0.05)


def test_the_evidence_page_runs_and_its_figures_are_measured(monkeypatch):
    """docs/evidence.md: the worked example runs; the figures the page quotes are those
    of the run, and before the speed-up (cases started before July 2011) the receipt model
    meets the acceptance bar for internet applications."""
    import re

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    page = (root / "docs" / "evidence.md").read_text(encoding="utf-8")
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ps.PrecisionWarning)
        for block in re.findall(r"```python\n(.*?)```", page, re.S):
            exec(compile(block, "docs/evidence.md", "exec"), ns)
    card = ns["cal"].card
    assert round(card.wasserstein, 1) == 10.0 and round(card.noise_floor, 1) == 2.2
    online, paper = ns["online"].card, ns["paper"].card
    assert (online.fit_cases, online.test_cases, paper.fit_cases, paper.test_cases) == (
        540, 226, 108, 46)
    assert online.wasserstein <= 2 * online.noise_floor  # 3.7 against 3.8 days
    assert abs(online.on_time[0].error) <= 0.05           # -1.3 points
    assert (round(online.wasserstein, 1), round(online.noise_floor, 1)) == (3.7, 3.8)
    assert (round(paper.wasserstein, 1), round(paper.noise_floor, 1)) == (4.8, 10.1)
    assert round(100 * online.on_time[0].error, 1) == -1.3
    assert round(100 * paper.on_time[0].error, 1) == 4.3
    # the period filter is what the page says: every fitted and tested case started
    # before July 2011 through the channel named
    start = pd.to_datetime(ns["log"].cases["startdate"], utc=True, format="ISO8601")
    early = start < pd.Timestamp("2011-07-01", tz="UTC")
    internet = ns["log"].cases["channel"] == "Internet"
    assert online.fit_cases + online.test_cases + online.open_cases == int(
        (early & internet).sum())
    text = str(ns["rep"])
    assert "93.6%" in text and "88.4%" in text and "-5.2 pp" in text
