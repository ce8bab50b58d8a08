"""procsimp: model approval chains, simplify them, and estimate the cut with uncertainty.

>>> import procsimp as ps
>>> proc = ps.load("examples/outgoing_letter.yaml")  # doctest: +SKIP
>>> ps.measure(proc).layers  # doctest: +SKIP
4
"""

from procsimp import plot  # figures; matplotlib itself loads on the first drawing
from procsimp._version import __version__
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
from procsimp.queueing import Capacity, capacity
from procsimp.queues import QueueSimulationResult, RoleQueue
from procsimp.reporting import report
from procsimp.seeking import Move, Plan, seek
from procsimp.simulation import SimulationResult, simulate


def _notebook_svg(process: Process) -> str:
    """The swimlane diagram of a process as SVG text (drawn without pyplot)."""
    import io as _io

    buffer = _io.StringIO()
    plot.process(process).savefig(buffer, format="svg")
    return buffer.getvalue()


def _install_hooks() -> None:
    """Give :class:`Process` its notebook picture and step table (see ``model.HOOKS``)."""
    from procsimp import model as _model
    from procsimp.io import tables as _tables

    _model.HOOKS.setdefault("svg", _notebook_svg)
    _model.HOOKS.setdefault("frame", _tables.to_frame)


_install_hooks()

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
