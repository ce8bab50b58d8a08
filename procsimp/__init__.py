"""procsimp: model approval chains, simplify them, estimate the cut with uncertainty."""
from procsimp.errors import FileFormatError, ModelError, OptionError, ProcsimpError
from procsimp.io import load, loads, save, dumps
from procsimp.model import Level, Predecessor, Process, Rework, Role, Step
