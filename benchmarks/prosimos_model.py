"""The benchmark process as a Prosimos model: the BPMN file ``ps.save`` writes and the
Prosimos simulation parameters (JSON) written here, for :mod:`benchmarks.bench_queues`.

Prosimos (https://github.com/AutomatedProcessImprovement/Prosimos) is a benchmark-only
comparison, never a procsimp dependency; install it in a separate environment
(``pip install prosimos simpy`` next to procsimp): it pins pandas below 3 and installs
a top-level ``tests`` package that shadows the project's own tests.

Every resource works around the clock (procsimp's continuous time), a task's duration
is its ``work`` in seconds (exponential: ``expon`` with the mean; gamma: ``gamma`` with
mean and variance), and cases arrive as a Poisson stream.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import procsimp as ps
from procsimp.durations import Exponential, Gamma

HOUR = 3600.0
ALWAYS = [{"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00.000",
           "endTime": "23:59:59.999"}]


def _dist(work: Any) -> dict[str, Any]:
    if isinstance(work, Exponential):
        return {"distribution_name": "expon",
                "distribution_params": [{"value": work.mean * HOUR}, {"value": 0.0},
                                        {"value": 1e12}]}
    if isinstance(work, Gamma):
        return {"distribution_name": "gamma",
                "distribution_params": [{"value": work.mean * HOUR},
                                        {"value": (work.sd * HOUR) ** 2}, {"value": 0.0},
                                        {"value": 1e12}]}
    raise TypeError(f"no Prosimos mapping for {work!r}")


def write(proc: ps.Process, staff: dict[str, int], rate_per_hour: float,
          folder: Path) -> tuple[Path, Path]:
    """Write ``model.bpmn`` (by ``ps.save``) and ``model.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    bpmn, params = folder / "model.bpmn", folder / "model.json"
    ps.save(proc, bpmn)
    data = {
        "resource_profiles": [
            {"id": f"pool_{r}", "name": r, "resource_list": [
                {"id": r, "name": r, "amount": c, "cost_per_hour": 0, "calendar": "always"}]}
            for r, c in staff.items()],
        "resource_calendars": [{"id": "always", "time_periods": ALWAYS}],
        "task_resource_distribution": [
            {"task_id": s.id, "resources": [{"resource_id": s.role, **_dist(s.work)}]}
            for s in proc.steps],
        "arrival_time_distribution": {
            "distribution_name": "expon",
            "distribution_params": [{"value": HOUR / rate_per_hour}, {"value": 0.0},
                                    {"value": 1e12}]},
        "arrival_time_calendar": ALWAYS,
        "gateway_branching_probabilities": [],
    }
    params.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return bpmn, params
