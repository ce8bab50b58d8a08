"""Evidence: read an event log, calibrate a process on it, validate on held-out cases.

- :func:`read_log` (:mod:`procsimp.evidence.logs`, XES through
  :mod:`procsimp.evidence.xes`) reads CSV, Parquet, XES or a DataFrame into an
  :class:`EventLog`;
- :func:`calibrate` (:mod:`procsimp.evidence.fit`) fits a process's durations,
  branch and rework probabilities, arrival rate and deadline to the log and returns a
  :class:`Calibration`, whose ``card`` (:mod:`procsimp.evidence.card`) compares the
  fitted model with the later cases it did not see.
"""

from procsimp.evidence.card import Card, wasserstein
from procsimp.evidence.fit import Calibration, StepFit, calibrate
from procsimp.evidence.logs import EventLog, read_log

__all__ = ["Calibration", "Card", "EventLog", "StepFit", "calibrate", "read_log", "wasserstein"]
