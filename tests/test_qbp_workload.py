"""BIMP/QBP simulation models import with their workload and run in the contention mode.

Expected figures are read off the files by hand (the attribute values are quoted in the
comments) or parsed here with ElementTree independently of procsimp's reader.
"""

from __future__ import annotations

import math
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import procsimp as ps
from procsimp.durations import Exponential, Gamma, mean_of

CORPUS = Path(__file__).resolve().parent / "data" / "bpmn"  # copies of ../shared/bpmn-corpus
LOAN = CORPUS / "bimp_qbp__loan_application_signavio.bpmn"
PURCHASING = CORPUS / "bimp_qbp__purchasing_prom.bpmn"
QBP = "{http://www.qbp-simulator.com/Schema201212}"



def load(path: Path) -> tuple[ps.Process, str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proc = ps.load(path)
    return proc, " ".join(str(w.message) for w in caught)


@pytest.fixture(scope="module")
def loan() -> tuple[ps.Process, str]:
    return load(LOAN)


@pytest.fixture(scope="module")
def purchasing() -> tuple[ps.Process, str]:
    return load(PURCHASING)


def test_loan_resources_staff_timetable_arrivals(loan: tuple[ps.Process, str]) -> None:
    proc, note = loan
    # <qbp:resource name="Clerk" totalAmount="8"/>, "Loan Officer" 4, "AML Investigator" 2,
    # "Appraiser" 2, "Senior Officer" 2 ("Applicant" does no task)
    staff = {r.id: r.staff for r in proc.roles}
    assert staff == {"clerk": 8, "loan_officer": 4, "appraiser": 2, "aml_investigator": 2,
                     "senior_officer": 2}
    assert {r.name for r in proc.roles} >= {"Clerk", "Loan Officer", "Senior Officer"}
    # every resource works "Business Hours": MONDAY..FRIDAY 09:00-17:00
    assert proc.calendar is not None
    assert proc.calendar.workweek == ("mon", "tue", "wed", "thu", "fri")
    assert proc.calendar.hours_per_day == 8.0
    assert all(r.availability == 1.0 for r in proc.roles)
    assert "Business Hours" in note and "process calendar" in note
    # arrivals: FIXED mean="1800" seconds -> half a working hour between cases
    assert proc.time_unit == "hour"
    assert proc.arrivals is not None and proc.arrivals.interarrival == 0.5
    assert ps.capacity(proc).arrival_rate == 2.0


def test_loan_work_maps_exponential_exactly(loan: tuple[ps.Process, str]) -> None:
    proc, _ = loan
    steps = {s.name: s for s in proc.steps}
    check = steps["Check application form completeness"]
    # EXPONENTIAL mean="1800" arg1="1200": QBP's exponential takes its mean from arg1
    assert check.role == "clerk"
    assert isinstance(check.work, Exponential) and check.work.mean == pytest.approx(1200 / 3600)
    risk = steps["Assess loan risk"]           # FIXED mean="1200" on the Loan Officer
    assert risk.role == "loan_officer" and risk.work == pytest.approx(1 / 3)
    assert steps["AML check"].role == "aml_investigator"
    assert steps["Approve loan offer"].role == "senior_officer"


def test_every_qbp_element_becomes_work_on_its_resource() -> None:
    """Independent parse of the file: each task's resource and mean work."""
    root = ET.parse(LOAN).getroot()
    names = {r.get("id"): r.get("name") for r in root.iter(f"{QBP}resource")}
    proc, _ = load(LOAN)
    role_name = {r.id: r.name for r in proc.roles}
    by_id = {s.id: s for s in proc.steps}
    checked = 0
    for el in root.iter(f"{QBP}element"):
        step = by_id[el.get("elementId")]
        res = el.find(f"{QBP}resourceIds/{QBP}resourceId").text.strip()
        assert role_name[step.role] == names[res]
        d = el.find(f"{QBP}durationDistribution")
        seconds = float(d.get("arg1") if d.get("type") == "EXPONENTIAL" else d.get("mean"))
        assert mean_of(step.work) == pytest.approx(seconds / 3600)
        checked += 1
    assert checked == 10


def test_purchasing_timetables_become_calendar_and_availability(
        purchasing: tuple[ps.Process, str]) -> None:
    proc, note = purchasing
    roles = {r.id: r for r in proc.roles}
    # Role 1..5: totalAmount 14, 5, 3, 3, 2 on "24/7"; SYSTEM: 20 on the discovered calendar
    assert {k: r.staff for k, r in roles.items()} == {
        "role_1": 14, "role_2": 5, "role_3": 3, "role_4": 3, "role_5": 2, "system": 20}
    # most tasks' resources work 24/7: continuous time, no calendar
    assert proc.calendar is None
    # by hand: the discovered calendar has 27 slots written hh:00-hh:59 (59 minutes), one
    # of them 23:00-23:59, which runs to midnight (60), and 4 written over two hours
    # (hh:00-(hh+1):59, 119 minutes): 2,070 minutes a week of the 168 hours
    assert roles["system"].availability == pytest.approx((26 * 59 + 60 + 4 * 119) / 60 / 168,
                                                         abs=1e-6)
    assert "SYSTEM" in note and "availability" in note
    # the arrivals' own timetable (the default, discovered one) is named as approximated
    assert "QBP arrivals follow timetable 'Discovered_CASES_ARRIVAL_CALENDAR'" in note
    # arrivals: GAMMA mean="14829.6" arg1="197142750.5" (QBP's gamma: arg1 is the variance)
    gap = proc.arrivals.interarrival
    assert isinstance(gap, Gamma)
    assert gap.mean == pytest.approx(14829.6 / 3600)
    assert gap.sd == pytest.approx(math.sqrt(197142750.5) / 3600)
    steps = {s.name: s for s in proc.steps}
    # GAMMA mean="321.9" arg1="62743.0" on Role 4
    rfq = steps["Create Request for Quotation"]
    assert rfq.role == "role_4" and isinstance(rfq.work, Gamma)
    assert rfq.work.sd == pytest.approx(math.sqrt(62743.0) / 3600)
    # FIXED mean="0": holds no one
    assert steps["Start"].work is None


@pytest.mark.parametrize("which", ["loan", "purchasing"])
def test_imported_models_run_in_the_contention_mode(which: str, request: pytest.FixtureRequest
                                                    ) -> None:
    proc, _ = request.getfixturevalue(which)
    sim = ps.simulate(proc, 3000, seed=2, queues=True, replications=5)
    cap = ps.capacity(proc)
    assert set(sim.roles) == set(cap.roles)
    for rid, r in cap.roles.items():
        # utilisation is an expectation both compute: the analytic one lies in (or within
        # a hair of) the simulation's interval
        lo, hi = sim.roles[rid].utilisation_ci
        assert lo - 0.01 <= r.utilisation <= hi + 0.01, rid
    assert sim.mean > cap.lead_time_without * 0.5


def test_capacity_check_names_roles_and_reasons(loan: tuple[ps.Process, str]) -> None:
    proc, _ = loan
    check = ps.capacity(proc).check(6000, seed=1, replications=6)
    assert set(check.roles) == set(ps.capacity(proc).roles)
    for r in check.roles.values():
        a, b = r.wait, r.simulated_wait
        # the flag is what the rule says, recomputed here
        expect = abs(a - b) > 0.10 * b and abs(a - b) > 0.01 * r.mean_service
        assert r.differs == expect, r.role
        assert bool(r.reasons) == r.differs
    # the appraiser (2 staff, 50 %) sits on a parallel branch fed by the clerk's queue:
    # Allen-Cunneen with the fixed arrivals' ca^2 = 0 is off
    assert "appraiser" in check.differs
    reasons = " ".join(check.roles["appraiser"].reasons)
    assert "parallel branches" in reasons and "earlier steps" in reasons
    text = check.to_text()
    assert "appraiser: the approximation is off the simulation by more than 10%" in text


def test_capacity_check_agrees_where_erlang_c_is_exact() -> None:
    proc = ps.Process.model_validate({
        "time_unit": "minute", "levels": ["s"], "arrivals": {"rate": 42, "per": "hour"},
        "roles": [{"id": "desk", "level": "s", "staff": 2}],
        "steps": [{"id": "serve", "role": "desk", "work": {"dist": "exponential", "mean": 2}}]})
    check = ps.check_capacity(proc, 20_000, seed=3)
    r = check.roles["desk"]
    assert r.method == "erlang_c" and r.utilisation == pytest.approx(0.7)
    assert check.differs == ()
    assert "within 10%" in check.to_text()
    with pytest.raises(ps.OptionError, match="tolerance"):
        ps.check_capacity(proc, 100, tolerance=0)


def test_contention_mode_refuses_role_calendars() -> None:
    proc = ps.Process.model_validate({
        "time_unit": "hour", "levels": ["s"], "arrivals": {"rate": 1, "per": "hour"},
        "roles": [{"id": "village", "level": "s",
                   "calendar": {"workweek": ["mon", "tue", "wed", "thu", "fri", "sat"]}}],
        "steps": [{"id": "a", "role": "village", "work": 0.5}]})
    with pytest.raises(ps.OptionError, match="'village' have their own working calendar"):
        ps.simulate(proc, 100, queues=True)
    with pytest.raises(ps.OptionError, match="start dates"):
        ps.simulate(proc, 100, queues=True, start="2025-01-06")
