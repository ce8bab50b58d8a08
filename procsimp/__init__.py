"""procsimp: model approval chains, simplify them, and estimate the cut with uncertainty.

>>> import procsimp as ps
>>> proc = ps.load("examples/outgoing_letter.yaml")  # doctest: +SKIP
>>> ps.measure(proc).layers  # doctest: +SKIP
4
"""

from procsimp import plot  # figures; matplotlib itself loads on the first drawing
from procsimp.calendar import Calendar
from procsimp.compare import Report, compare
from procsimp.deadlines import Deadline, OnTime
from procsimp.errors import (
    FileFormatError,
    MissingDependencyError,
    ModelError,
    OptionError,
    PassError,
    PrecisionWarning,
    ProcsimpError,
    SimulationError,
)
from procsimp.io import dumps, from_frame, from_networkx, load, loads, save, to_networkx
from procsimp.metrics import Metrics, measure
from procsimp.model import Level, Predecessor, Process, Rework, Role, Step
from procsimp.passes.base import (
    Change,
    PassOptions,
    available_passes,
    register_pass,
    unregister_pass,
)
from procsimp.portfolio import Failure, PortfolioResult, portfolio
from procsimp.simplify import PRESETS, Result, run_pass, simplify
from procsimp.simulate import SimulationResult, simulate

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "Calendar",
    "Change",
    "Deadline",
    "Failure",
    "FileFormatError",
    "Level",
    "Metrics",
    "MissingDependencyError",
    "ModelError",
    "OnTime",
    "OptionError",
    "PassError",
    "PassOptions",
    "PortfolioResult",
    "PrecisionWarning",
    "Predecessor",
    "Process",
    "ProcsimpError",
    "Report",
    "Result",
    "Rework",
    "Role",
    "SimulationError",
    "SimulationResult",
    "Step",
    "__version__",
    "available_passes",
    "compare",
    "dumps",
    "from_frame",
    "from_networkx",
    "load",
    "loads",
    "measure",
    "plot",
    "portfolio",
    "register_pass",
    "run_pass",
    "save",
    "simplify",
    "simulate",
    "to_networkx",
    "unregister_pass",
]
