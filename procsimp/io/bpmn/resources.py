"""Workload from a BIMP/QBP simulation model: resources, timetables, arrivals, work.

BIMP, Apromore and Simod write a ``qbp:processSimulationInfo`` block into the BPMN
file. :func:`read_workload` turns it into procsimp's workload (see the workload page
of the docs), so that ``ps.capacity`` and ``ps.simulate(..., queues=True)`` run on the
imported model:

- each **resource** (``qbp:resource``) becomes a role (id from its name, e.g.
  ``Loan Officer`` -> ``loan_officer``) with ``staff`` = ``totalAmount``; every task
  is assigned to the first resource its ``qbp:resourceIds`` names;
- each task's **duration** (``qbp:durationDistribution``) becomes its ``work`` (the
  touch time, for which it holds one of the role's staff); EXPONENTIAL and GAMMA map
  exactly to procsimp's families (QBP writes the exponential's mean in ``arg1`` and
  the gamma's variance in ``arg1``), the others as the BPMN reader maps durations;
  a task with zero work holds no one;
- the **arrivals** (``qbp:arrivalRateDistribution``, directly or per timetable) become
  ``arrivals: {interarrival: ...}`` in the process's time unit;
- the **timetables** are approximated, as far as procsimp's model allows: the
  timetable most tasks' resources work on becomes the process ``calendar`` (its
  working weekdays, and the mean working hours of those days; a timetable open
  around the clock every day is continuous time, no calendar), so that time in the
  simulation is that timetable's working time. A resource on another timetable
  works its share of those hours: ``availability`` = its weekly hours / the process
  calendar's (at most 1; a resource working *more* hours than the process calendar
  is capped at 1). This keeps each role's capacity (staff x hours) but not *when*
  in the week it works: a task does not wait for the resource's shift to start, its
  service is stretched instead; arrivals follow the process calendar, whatever the
  arrival timetable. Each approximation is named in the import warning.

What is not read: costs, ``processInstances`` and ``startDateTime`` (give ``n`` to
``simulate``), resource pools shared by name across files, and a task's second and
further resources.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from procsimp.io.bpmn._common import QBP, finite_float

__all__ = ["Timetable", "qbp_exact_duration", "read_workload", "timetable"]

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Seconds per procsimp time unit (calendar time).
_SECONDS = {"minute": 60.0, "hour": 3600.0, "day": 86400.0, "week": 604800.0}


def _q(tag: str) -> str:
    return f"{{{QBP}}}{tag}"


@dataclass(frozen=True)
class Timetable:
    """A QBP timetable read as working hours per weekday (Monday first)."""

    id: str
    name: str
    hours: tuple[float, ...]
    """Working hours on each weekday, Monday to Sunday (slots of a day added, at most 24)."""
    slots: int
    """How many time slots (rules) it has."""

    @property
    def weekly(self) -> float:
        return math.fsum(self.hours)

    @property
    def around_the_clock(self) -> bool:
        """Open (nearly) 24 hours on every day of the week."""
        return all(h >= 24.0 - 1.0 / 60.0 - 1e-9 for h in self.hours)

    @property
    def workweek(self) -> tuple[str, ...]:
        return tuple(d for d, h in zip(_SHORT, self.hours, strict=True) if h > 0)

    @property
    def even(self) -> bool:
        """The same hours in one slot on each of its working days."""
        days = [h for h in self.hours if h > 0]
        return self.slots <= len(days) and max(days) - min(days) < 1e-9 if days else True


def _clock(text: str | None) -> float | None:
    """Hours since midnight of a QBP time such as ``09:00:00.000+00:00``."""
    if not text:
        return None
    m = re.match(r"\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?", text)
    if not m:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    frac = float("0." + m.group(4)) if m.group(4) else 0.0
    return h + mi / 60.0 + (s + frac) / 3600.0


def timetable(el: ET.Element) -> Timetable:
    """Read a ``qbp:timetable``: each rule adds its hours to each weekday it spans. A rule
    ending at 23:59 (or later) runs to midnight, as the modelers write "until the end of
    the day"."""
    hours = [0.0] * 7
    slots = 0
    for rule in el.iter(_q("rule")):
        a, b = _clock(rule.get("fromTime")), _clock(rule.get("toTime"))
        d0 = (rule.get("fromWeekDay") or "").upper()
        d1 = (rule.get("toWeekDay") or d0).upper()
        if a is None or b is None or d0 not in WEEKDAYS or d1 not in WEEKDAYS:
            continue
        if b >= 24.0 - 1.0 / 60.0 - 1e-9:
            b = 24.0
        length = max(0.0, b - a)
        i, j = WEEKDAYS.index(d0), WEEKDAYS.index(d1)
        days = range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]
        slots += 1
        for d in days:
            hours[d] = min(24.0, hours[d] + length)
    return Timetable(id=el.get("id") or "", name=(el.get("name") or el.get("id") or "").strip(),
                     hours=tuple(hours), slots=slots)


def qbp_exact_duration(dist: ET.Element, seconds_per_unit: float, notes: list[str],
                       where: str) -> Any:
    """A procsimp duration from a QBP ``durationDistribution`` (seconds): exponential and
    gamma exactly, anything else as the BPMN reader maps it.

    >>> el = ET.fromstring('<d type="EXPONENTIAL" mean="0" arg1="1800" arg2="0"/>')
    >>> qbp_exact_duration(el, 3600.0, [], "x")
    {'dist': 'exponential', 'mean': 0.5}
    >>> el = ET.fromstring('<d type="GAMMA" mean="7200" arg1="12960000" arg2="0"/>')
    >>> qbp_exact_duration(el, 3600.0, [], "x")   # variance 3600^2 s^2: sd 1 h
    {'dist': 'gamma', 'mean': 2.0, 'sd': 1.0}
    """
    from procsimp.io.bpmn.simulation import qbp_duration

    kind = (dist.get("type") or "FIXED").upper()
    mean, arg1 = finite_float(dist.get("mean")), finite_float(dist.get("arg1"))
    if kind == "EXPONENTIAL":
        m = (arg1 if arg1 else mean) or 0.0
        return {"dist": "exponential", "mean": m / seconds_per_unit} if m > 0 else 0.0
    if kind == "GAMMA":
        m, var = mean or 0.0, max(0.0, arg1 or 0.0)
        if m <= 0:
            return 0.0
        if var <= 0:
            return m / seconds_per_unit
        return {"dist": "gamma", "mean": m / seconds_per_unit,
                "sd": math.sqrt(var) / seconds_per_unit}
    return qbp_duration(dist, seconds_per_unit, notes, where)


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "resource"
    rid, k = base, 2
    while rid in taken:
        rid, k = f"{base}_{k}", k + 1
    taken.add(rid)
    return rid


def _mean(duration: Any) -> float:
    from procsimp.durations import mean_of

    if isinstance(duration, dict):
        from pydantic import TypeAdapter

        from procsimp.durations import Duration

        return mean_of(TypeAdapter(Duration).validate_python(duration))
    return float(duration)


def read_workload(root: ET.Element, data: dict[str, Any], notes: list[str]) -> bool:
    """Add the workload of the file's QBP block to the imported process ``data`` (the
    dict the BPMN reader builds, by BPMN element id; see the module text); ``notes``
    collect what was approximated. Returns whether a QBP block with resources was read.
    Steps that already declare ``work`` (procsimp's own extension) are left alone."""
    sim = next(root.iter(_q("processSimulationInfo")), None)
    if sim is None:
        return False
    unit = data.get("time_unit", "hour")
    spu = _SECONDS.get(unit, 3600.0)
    tables = {t.id: t for t in map(timetable, sim.iter(_q("timetable")))}
    default_tt = next((el.get("id") for el in sim.iter(_q("timetable"))
                       if (el.get("default") or "").lower() == "true"), None)
    resources: dict[str, dict[str, Any]] = {}
    taken = {r["id"] for r in data.get("roles", []) if isinstance(r, dict) and "id" in r}
    for res in sim.iter(_q("resource")):
        rid = res.get("id")
        if not rid:
            continue
        name = " ".join((res.get("name") or rid).split())
        amount = finite_float(res.get("totalAmount"))
        staff = int(amount) if amount is not None and amount >= 1 else 1
        if amount is None or amount < 1 or amount != int(amount):
            notes.append(f"QBP resource {name!r} has totalAmount {res.get('totalAmount')!r}: "
                         f"imported with staff {staff}")
        resources[rid] = {"id": _slug(name, taken), "name": name, "staff": staff,
                          "timetable": res.get("timetableId") or default_tt}
    if not resources:
        return False
    steps = {s["id"]: s for s in data.get("steps", []) if isinstance(s, dict)}
    # tasks: their resource and work
    assigned: dict[str, str] = {}
    work: dict[str, Any] = {}
    for el in sim.iter(_q("element")):
        sid = el.get("elementId") or ""
        if sid not in steps or "work" in steps[sid]:
            continue
        ids = [(r.text or "").strip() for r in el.iter(_q("resourceId"))]
        known = [r for r in ids if r in resources]
        if not known:
            continue
        if len(known) > 1:
            notes.append(f"task {steps[sid].get('name') or sid!r} lists {len(known)} QBP "
                         f"resources: assigned to the first, {resources[known[0]]['name']!r}")
        assigned[sid] = known[0]
        dist = el.find(_q("durationDistribution"))
        if dist is not None:
            w = qbp_exact_duration(dist, spu, notes, sid)
            if _mean(w) > 0:
                work[sid] = w
    if not assigned:
        return False
    # the process calendar: the timetable of the resources of most tasks
    count: dict[str | None, int] = {}
    for rid in assigned.values():
        tt = resources[rid]["timetable"]
        count[tt] = count.get(tt, 0) + 1
    main_id = max(count, key=lambda k: (count[k], k == default_tt))
    main = tables.get(main_id or "")
    if main is None or main.weekly <= 0 or main.around_the_clock:
        calendar_hours = 168.0
        if main is not None and main.around_the_clock:
            notes.append(f"QBP timetable {main.name!r} (most tasks' resources) is open around "
                         f"the clock: the process runs in continuous time")
    else:
        days = main.workweek
        per_day = main.weekly / len(days)
        calendar_hours = main.weekly
        if "calendar" not in data:
            data["calendar"] = {"workweek": list(days), "hours_per_day": round(per_day, 6)}
        how = "" if main.even else (f" (its {main.slots} time slots approximated as "
                                    f"{per_day:.4g} working hours on each working day)")
        notes.append(f"QBP timetable {main.name!r} (most tasks' resources) is the process "
                     f"calendar: {', '.join(days)}, {per_day:.4g} hours a day{how}; times are "
                     f"working time on it")
    # roles
    old_roles = [r for r in data.get("roles", []) if isinstance(r, dict)]
    level_of = {r.get("id"): r.get("level") for r in old_roles}
    new_roles = []
    for rid in dict.fromkeys(assigned.values()):
        info = resources[rid]
        first = next(s for s, r in assigned.items() if r == rid)
        role: dict[str, Any] = {"id": info["id"], "name": info["name"],
                                "level": level_of.get(steps[first].get("role")) or "staff",
                                "staff": info["staff"]}
        tt = tables.get(info["timetable"] or "")
        if tt is not None and tt.id != (main.id if main is not None else None):
            hours = min(tt.weekly, 168.0)
            share = hours / calendar_hours if calendar_hours > 0 else 1.0
            if share > 1.0:
                notes.append(f"QBP resource {info['name']!r} works {hours:.4g} hours a week "
                             f"(timetable {tt.name!r}), more than the process calendar's "
                             f"{calendar_hours:.4g}: modelled with availability 1")
                share = 1.0
            elif share > 0:
                notes.append(f"QBP resource {info['name']!r} works {hours:.4g} of the process "
                             f"calendar's {calendar_hours:.4g} hours a week (timetable "
                             f"{tt.name!r}): modelled as availability {share:.3g}, its "
                             f"service stretched rather than waiting for its shift")
            if share > 0:
                role["availability"] = round(share, 6)
        new_roles.append(role)
    for sid, rid in assigned.items():
        steps[sid]["role"] = resources[rid]["id"]
        if sid in work:
            steps[sid]["work"] = work[sid]
    still = {s.get("role") for s in steps.values()}
    bosses = {r.get("reports_to") for r in old_roles}
    data["roles"] = [r for r in old_roles if r.get("id") in still or r.get("id") in bosses] + \
        new_roles
    levels = list(data.get("levels", []))
    level_ids = {lv if isinstance(lv, str) else lv.get("id") for lv in levels
                 if isinstance(lv, (str, dict))}
    for r in new_roles:
        if r["level"] not in level_ids:
            levels.append(r["level"])
            level_ids.add(r["level"])
    data["levels"] = levels
    # arrivals
    arrival = _arrival(sim)
    if arrival is not None and "arrivals" not in data:
        dist, tt_id = arrival
        gap = qbp_exact_duration(dist, spu, notes, "arrivals")
        if _mean(gap) > 0:
            data["arrivals"] = {"interarrival": gap}
            tt = tables.get(tt_id or default_tt or "")
            if tt is not None and main is not None and tt.id != main.id \
                    and not (tt.around_the_clock and main.around_the_clock):
                notes.append(f"QBP arrivals follow timetable {tt.name!r}; imported as "
                             f"arriving on the process calendar")
        else:
            notes.append("QBP arrival distribution has no positive mean: no arrivals imported")
    return True


def _arrival(sim: ET.Element) -> tuple[ET.Element, str | None] | None:
    el = sim.find(_q("arrivalRateDistribution"))
    if el is None:
        return None
    inner = el.find(f"{_q('byTimetable')}/{_q('distribution')}")
    if inner is not None:
        return inner, inner.get("timetableId")
    if el.get("type") is None:
        return None
    return el, None
