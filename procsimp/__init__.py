"""procsimp: model approval chains, simplify them, and estimate the cut with uncertainty.

>>> import procsimp as ps
>>> proc = ps.load("examples/outgoing_letter.yaml")  # doctest: +SKIP
>>> ps.measure(proc).layers  # doctest: +SKIP
4
"""

from procsimp.errors import FileFormatError, ModelError, OptionError, ProcsimpError
from procsimp.io import dumps, load, loads, save
from procsimp.metrics import Metrics, measure
from procsimp.model import Level, Predecessor, Process, Rework, Role, Step
from procsimp.simulate import SimulationResult, simulate

__version__ = "0.1.0"

__all__ = [
    "FileFormatError",
    "Level",
    "Metrics",
    "ModelError",
    "OptionError",
    "Predecessor",
    "Process",
    "ProcsimpError",
    "Rework",
    "Role",
    "SimulationResult",
    "Step",
    "__version__",
    "dumps",
    "load",
    "loads",
    "measure",
    "save",
    "simulate",
]
