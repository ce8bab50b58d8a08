"""The version of procsimp (one place; the package and the BPMN writer read it)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
