"""What the BPMN reader, its simulation data and the writer share: names and the flow graph.

The namespaces of BPMN 2.0 and its diagram interchange, procsimp's own
extension namespace, the element kinds the reader knows, and the graph of
flow nodes and sequence flows the reader builds from a file.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BPMN", "BPMNDI", "DC", "DI", "PROCSIMP", "QBP", "TASK_TAGS", "XSI",
           "BpmnImportWarning"]

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QBP = "http://www.qbp-simulator.com/Schema201212"
#: Namespace of procsimp's extension elements and attributes.
PROCSIMP = "urn:procsimp:bpmn:1"

#: Task elements read as steps (every BPMN task type, call activities, sub-processes).
TASK_TAGS = frozenset({
    "task", "userTask", "serviceTask", "sendTask", "receiveTask", "scriptTask", "manualTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
})
SUBPROCESS_TAGS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
XOR_TAGS = frozenset({"exclusiveGateway", "eventBasedGateway"})
AND_TAGS = frozenset({"parallelGateway", "inclusiveGateway", "complexGateway"})
PASS_TAGS = frozenset({"intermediateCatchEvent", "intermediateThrowEvent"})
#: Events attached to a task's boundary (their handlers are not imported).
BOUNDARY_TAG = "boundaryEvent"
#: Children of a process read elsewhere or carrying nothing procsimp models.
QUIET_TAGS = frozenset({"laneSet", "extensionElements", "documentation", "startEvent",
                         "endEvent", "sequenceFlow"})



class BpmnImportWarning(UserWarning):
    """Something in a BPMN file was approximated or not imported; the message lists it."""


def local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""




@dataclass
class Node:
    id: str
    tag: str
    element: ET.Element
    order: int
    lane: str | None = None
    pool: str | None = None
    ins: list[Flow] = field(default_factory=list)
    outs: list[Flow] = field(default_factory=list)
    gate: str | None = None
    """Why a gateway or event is imported as an instant (or waiting) step, or None."""

    @property
    def is_task(self) -> bool:
        """A step of the imported process: a task, or a gateway or event kept as a step."""
        return self.tag in TASK_TAGS or self.gate is not None

    @property
    def label(self) -> str:
        """The element as users know it: its name (and BPMN id), else its kind and id."""
        name = " ".join((self.element.get("name") or "").split())
        return f"{name!r} (BPMN id {self.id!r})" if name else f"{self.tag} {self.id!r}"

    @property
    def is_xor(self) -> bool:
        return self.tag in XOR_TAGS


@dataclass
class Flow:
    id: str
    source: Node
    target: Node
    element: ET.Element
    back: bool = False
    p: float | None = None
    """Probability as a branch of an exclusive split (None: not a split flow)."""


def extension(element: ET.Element, name: str) -> Any:
    """procsimp JSON stored in ``element``'s extensionElements, or None."""
    ext = element.find(f"{{{BPMN}}}extensionElements")
    if ext is None:
        return None
    found = ext.find(f"{{{PROCSIMP}}}{name}")
    if found is None or not (found.text or "").strip():
        return None
    try:
        return json.loads(found.text or "")
    except (ValueError, RecursionError):
        return None


def finite_float(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None



def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))

