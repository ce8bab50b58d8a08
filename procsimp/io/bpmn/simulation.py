"""Simulation data in a BPMN file: branch probabilities and task durations.

Where the reader finds them, first match wins:

- a flow's probability: procsimp's own ``procsimp:p`` attribute, then the
  caller's ``probabilities`` (by flow id), then the BIMP/QBP simulation
  extension (``qbp:processSimulationInfo``, as written by BIMP, Apromore and
  Simod); flows out of an exclusive gateway with none of these share what is
  left equally (and the warning says so);
- a task's duration: procsimp's extension (read with the step), else QBP's
  ``durationDistribution`` in seconds, converted by :func:`qbp_duration`.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from procsimp.errors import FileFormatError
from procsimp.io.bpmn._common import PROCSIMP, QBP, Flow, Node, finite_float

__all__ = ["SECONDS_PER_UNIT", "SimulationData", "qbp_duration"]

#: Seconds per procsimp time unit (calendar time: a day is 24 hours, a week 7 days).
SECONDS_PER_UNIT = {"minute": 60.0, "hour": 3600.0, "day": 86400.0, "week": 604800.0}


class SimulationData:
    """The probabilities and durations a BPMN document and the caller give.

    ``notes`` (the reader's list, so the warning keeps the order things were found in)
    collects what was approximated, ``equal_split`` the gateways whose
    flows had no probability at all (both end up in the import warning).
    """

    def __init__(self, root: ET.Element, source: str,
                 probabilities: Mapping[str, float] | None = None,
                 notes: list[str] | None = None) -> None:
        self.source = source
        self.probabilities = dict(probabilities or {})
        self.qbp_durations: dict[str, ET.Element] = {}
        self.qbp_probs: dict[str, float] = {}
        self.notes = notes if notes is not None else []
        self.equal_split: list[str] = []
        for sim in root.iter(f"{{{QBP}}}processSimulationInfo"):
            self._read_qbp(sim)

    def _read_qbp(self, sim: ET.Element) -> None:
        for el in sim.iter(f"{{{QBP}}}element"):
            dist = el.find(f"{{{QBP}}}durationDistribution")
            if el.get("elementId") and dist is not None:
                self.qbp_durations[el.get("elementId") or ""] = dist
        for flow in sim.iter(f"{{{QBP}}}sequenceFlow"):
            p = finite_float(flow.get("executionProbability"))
            if flow.get("elementId") and p is not None:
                self.qbp_probs[flow.get("elementId") or ""] = p

    def has_duration(self, task_id: str) -> bool:
        return task_id in self.qbp_durations

    def duration(self, task_id: str, time_unit: str) -> Any:
        """The QBP duration of a task in ``time_unit``, or None when the file gives none."""
        dist = self.qbp_durations.get(task_id)
        if dist is None:
            return None
        return qbp_duration(dist, SECONDS_PER_UNIT[time_unit], self.notes, task_id)

    def explicit_p(self, flow: Flow) -> float | None:
        """The probability given for ``flow`` (see the module docstring), or None."""
        own = flow.element.get(f"{{{PROCSIMP}}}p")
        for value in (own, self.probabilities.get(flow.id), self.qbp_probs.get(flow.id)):
            p = finite_float(value) if isinstance(value, str) else value
            if p is not None:
                if not 0 <= p <= 1:
                    raise FileFormatError(f"{self.source}: sequence flow {flow.id!r} has "
                                          f"probability {p}; a probability lies between "
                                          f"0 and 1")
                return float(p)
        return None

    def branch_probabilities(self, nodes: Iterable[Node]) -> None:
        """Set ``p`` on every flow out of an exclusive split (scaled to sum to 1)."""
        for node in nodes:
            if not node.is_xor or not node.outs:
                continue
            known = {f.id: self.explicit_p(f) for f in node.outs}
            forward = [f for f in node.outs if not f.back]
            backs = [f for f in node.outs if f.back]
            if len(node.outs) < 2 and not any(v is not None for v in known.values()):
                continue
            missing = [f for f in node.outs if known[f.id] is None]
            if missing:
                if len(missing) == len(node.outs) >= 2:
                    self.equal_split.append(" ".join((node.element.get("name") or "").split())
                                            or node.id)
                rest = max(0.0, 1.0 - math.fsum(v for v in known.values() if v is not None))
                share = rest / len(missing) if len(missing) < len(node.outs) \
                    else 1.0 / len(node.outs)
                for f in missing:
                    known[f.id] = share
            for f in node.outs:
                f.p = known[f.id]
            if backs:
                if len(forward) < 2:
                    for f in forward:
                        f.p = None
                    continue
                total = math.fsum(f.p or 0.0 for f in forward)
                for f in forward:
                    f.p = (f.p or 0.0) / total if total > 0 else 1.0 / len(forward)
            elif len(forward) >= 2:
                total = math.fsum(f.p or 0.0 for f in forward)
                if abs(total - 1.0) > 1e-9:
                    label = " ".join((node.element.get("name") or "").split()) or node.id
                    self.notes.append(f"probabilities out of gateway {label!r} summed to "
                                      f"{total:g}; scaled to 1")
                    for f in forward:
                        f.p = (f.p or 0.0) / total if total > 0 else 1.0 / len(forward)


def _lognormal(mean: float, sd: float) -> Any:
    """The lognormal distribution with this mean and standard deviation (fixed if sd is 0)."""
    if mean <= 0:
        return 0.0
    if sd <= 0:
        return mean
    ratio = sd / mean
    # log(1 + r^2) without squaring a huge ratio (a QBP sd of 1e200 s would overflow)
    sigma2 = math.log1p(ratio * ratio) if ratio < 1e150 else 2 * math.log(ratio)
    return {"dist": "lognormal", "mu": math.log(mean) - sigma2 / 2, "sigma": math.sqrt(sigma2)}


def qbp_duration(dist: ET.Element, seconds_per_unit: float, notes: list[str] | None = None,
                 where: str = "") -> Any:
    """A procsimp duration from a QBP ``durationDistribution`` (values in seconds).

    FIXED, UNIFORM and TRIANGULAR map to their procsimp counterparts; NORMAL,
    EXPONENTIAL, GAMMA and LOGNORMAL to a lognormal with the same mean and
    standard deviation (durations cannot be negative). Anything else keeps its mean.

    >>> el = ET.fromstring('<d type="NORMAL" mean="7200" arg1="0" arg2="0"/>')
    >>> qbp_duration(el, 3600.0)
    2.0
    """
    kind = (dist.get("type") or "FIXED").upper()
    mean, arg1, arg2 = (finite_float(dist.get(k)) for k in ("mean", "arg1", "arg2"))

    def unit(x: float | None) -> float:
        return max(0.0, x or 0.0) / seconds_per_unit

    if kind == "FIXED":
        return unit(mean)
    if kind == "UNIFORM":
        lo, hi = sorted((unit(arg1), unit(arg2)))
        return {"dist": "uniform", "low": lo, "high": hi}
    if kind == "TRIANGULAR":
        lo, hi = sorted((unit(arg1), unit(arg2)))
        return {"dist": "triangular", "low": lo, "mode": min(max(unit(mean), lo), hi), "high": hi}
    if kind == "NORMAL":
        return _lognormal(unit(mean), unit(arg1))
    if kind == "EXPONENTIAL":
        m = unit(arg1) if arg1 else unit(mean)
        return _lognormal(m, m)
    if kind in ("GAMMA", "LOGNORMAL"):
        return _lognormal(unit(mean), math.sqrt(max(0.0, arg1 or 0.0)) / seconds_per_unit)
    if notes is not None:
        notes.append(f"duration of {where!r}: QBP distribution {kind} kept as its mean")
    return unit(mean)

