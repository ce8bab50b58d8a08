"""procsimp: model approval chains, simplify them, and estimate the cut with uncertainty.

>>> import procsimp as ps
>>> proc = ps.load("examples/outgoing_letter.yaml")  # doctest: +SKIP
>>> ps.measure(proc).layers  # doctest: +SKIP
4

``import procsimp`` loads next to nothing: each public name imports the module that
defines it on first use (``ps.measure`` loads the engines with numpy and pydantic,
``ps.plot`` the figures; matplotlib itself loads on the first drawing).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from procsimp import _hooks
from procsimp._version import __version__
from procsimp.errors import (
    FileFormatError,
    MissingDependencyError,
    ModelError,
    OptionError,
    PassError,
    PrecisionWarning,
    ProcsimpError,
    SimulationError,
    UnrelatedWarning,
)

if TYPE_CHECKING:  # the names the lazy table gives, for type checkers and editors
    from procsimp import plot
    from procsimp.analysis import Analysis
    from procsimp.batch import Failure, PortfolioResult, portfolio
    from procsimp.calendar import Calendar
    from procsimp.comparison import Report, compare
    from procsimp.deadlines import Deadline, OnTime
    from procsimp.durations import (
        Duration,
        Empirical,
        Exponential,
        Gamma,
        Lognormal,
        Pert,
        Sum,
        Triangular,
        Uniform,
        mean_of,
        scaled,
    )
    from procsimp.evidence import Calibration, Card, EventLog, calibrate, read_log
    from procsimp.io import dumps, from_frame, from_networkx, load, loads, save, to_networkx
    from procsimp.io.bpmn import BpmnImportWarning, read_bpmn
    from procsimp.io.tables import read_table, write_table
    from procsimp.metrics import Metrics, measure
    from procsimp.model import Level, Predecessor, Process, Rework, Role, Step
    from procsimp.passes import PassContext
    from procsimp.passes.base import (
        Change,
        LevelId,
        PassOptions,
        RoleId,
        StepId,
        available_passes,
        register_pass,
        unregister_pass,
    )
    from procsimp.pipeline import PRESETS, Result, run_pass, simplify
    from procsimp.queueing import Capacity, capacity, check_capacity
    from procsimp.queues import QueueSimulationResult, RoleQueue
    from procsimp.reporting import report
    from procsimp.seeking import Move, Plan, seek
    from procsimp.simulation import SimulationResult, simulate


#: module -> the public names it defines, imported on first use of ``ps.<name>``
#: (PEP 562); ``procsimp.plot`` is itself the name ``plot``.
_LAZY: dict[str, tuple[str, ...]] = {
    "procsimp.plot": (),
    "procsimp.analysis": ("Analysis",),
    "procsimp.batch": ("Failure", "PortfolioResult", "portfolio"),
    "procsimp.calendar": ("Calendar",),
    "procsimp.comparison": ("Report", "compare"),
    "procsimp.deadlines": ("Deadline", "OnTime"),
    "procsimp.durations": ("Duration", "Empirical", "Exponential", "Gamma", "Lognormal", "Pert",
        "Sum", "Triangular", "Uniform", "mean_of", "scaled"),
    "procsimp.evidence": ("Calibration", "Card", "EventLog", "calibrate", "read_log"),
    "procsimp.io": ("dumps", "from_frame", "from_networkx", "load", "loads", "save",
        "to_networkx"),
    "procsimp.io.bpmn": ("BpmnImportWarning", "read_bpmn"),
    "procsimp.io.tables": ("read_table", "write_table"),
    "procsimp.metrics": ("Metrics", "measure"),
    "procsimp.model": ("Level", "Predecessor", "Process", "Rework", "Role", "Step"),
    "procsimp.passes": ("PassContext",),
    "procsimp.passes.base": ("Change", "LevelId", "PassOptions", "RoleId", "StepId",
        "available_passes", "register_pass", "unregister_pass"),
    "procsimp.pipeline": ("PRESETS", "Result", "run_pass", "simplify"),
    "procsimp.queueing": ("Capacity", "capacity", "check_capacity"),
    "procsimp.queues": ("QueueSimulationResult", "RoleQueue"),
    "procsimp.reporting": ("report",),
    "procsimp.seeking": ("Move", "Plan", "seek"),
    "procsimp.simulation": ("SimulationResult", "simulate"),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    """``ps.<name>``: import the module defining it, once (later uses are plain lookups)."""
    if name == "plot":
        value: Any = importlib.import_module("procsimp.plot")
    else:
        module = _MODULE_OF.get(name)
        if module is None:
            raise AttributeError(f"module 'procsimp' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _notebook_svg(process: Any) -> str:
    """The swimlane diagram of a process as SVG text (drawn without pyplot)."""
    import io as _io

    from procsimp import plot

    buffer = _io.StringIO()
    plot.process(process).savefig(buffer, format="svg")
    return buffer.getvalue()


def _step_table(process: Any) -> Any:
    """The steps of a process as a pandas DataFrame (see :mod:`procsimp.io.tables`)."""
    from procsimp.io.tables import to_frame

    return to_frame(process)


def _simulate_queues(process: Any, n: int, seed: Any, **workload: Any) -> Any:
    """``simulate(..., queues=True)``: the contention simulation of :mod:`procsimp.queues`."""
    from procsimp.queues import simulate_queues

    return simulate_queues(process, n, seed, **workload)


# Process's notebook picture and step table (see procsimp._hooks): installed here, before
# any submodule runs, so the model can offer them without importing plotting or io.
_hooks.HOOKS.setdefault("svg", _notebook_svg)
_hooks.HOOKS.setdefault("frame", _step_table)
_hooks.HOOKS.setdefault("queues", _simulate_queues)

__all__ = [
    "PRESETS",
    "Analysis",
    "BpmnImportWarning",
    "Calendar",
    "Calibration",
    "Capacity",
    "Card",
    "Change",
    "Deadline",
    "Duration",
    "Empirical",
    "EventLog",
    "Exponential",
    "Failure",
    "FileFormatError",
    "Gamma",
    "Level",
    "LevelId",
    "Lognormal",
    "Metrics",
    "MissingDependencyError",
    "ModelError",
    "Move",
    "OnTime",
    "OptionError",
    "PassContext",
    "PassError",
    "PassOptions",
    "Pert",
    "Plan",
    "PortfolioResult",
    "PrecisionWarning",
    "Predecessor",
    "Process",
    "ProcsimpError",
    "QueueSimulationResult",
    "Report",
    "Result",
    "Rework",
    "Role",
    "RoleId",
    "RoleQueue",
    "SimulationError",
    "SimulationResult",
    "Step",
    "StepId",
    "Sum",
    "Triangular",
    "Uniform",
    "UnrelatedWarning",
    "__version__",
    "available_passes",
    "calibrate",
    "capacity",
    "check_capacity",
    "compare",
    "dumps",
    "from_frame",
    "from_networkx",
    "load",
    "loads",
    "mean_of",
    "measure",
    "plot",
    "portfolio",
    "read_bpmn",
    "read_log",
    "read_table",
    "register_pass",
    "report",
    "run_pass",
    "save",
    "scaled",
    "seek",
    "simplify",
    "simulate",
    "to_networkx",
    "unregister_pass",
    "write_table",
]
