"""BPMN 2.0 XML: import models from modelling tools, export processes for them.

Reading (:func:`read_bpmn`, ``ps.load("x.bpmn")``) maps BPMN onto procsimp:

- every task type (``task``, ``userTask``, ``serviceTask``, ... ``businessRuleTask``),
  ``callActivity`` and collapsed or expanded sub-processes become steps (a
  sub-process is one step; its inside is not imported and the warning says so);
- sequence flows become ``after`` edges; gateways are not steps: edges run
  through chains of gateways from task to task. A flow out of an exclusive
  (or event-based) gateway makes an alternative with probability ``p``; a
  step reached through a merging exclusive gateway, or by two flows at once
  (BPMN's uncontrolled merge), gets ``join: any``; parallel gateways give
  plain edges (inclusive and complex gateways are read as parallel, with a
  warning);
- a flow going back to an earlier element (a loop) becomes ``rework`` on the
  step before it, with the loop flow's probability;
- start and end events are dropped; intermediate events are passed through;
- lanes and pools become roles (see :func:`read_bpmn` for levels);
- branch probabilities come from procsimp's own extension, from the
  BIMP/QBP simulation extension (``qbp:processSimulationInfo``, as written by
  BIMP, Apromore and Simod), from the ``probabilities`` argument, else an
  equal split (with a warning); durations from procsimp's extension or QBP.

Anything not imported is listed in one :class:`BpmnImportWarning`.

Writing (:func:`dumps_bpmn`, ``ps.save(proc, "x.bpmn")``) produces an
executable process with a pool, lanes by level and role, and diagram
interchange (BPMNDI) so it opens laid out in bpmn.io or Camunda Modeler.
procsimp's own data rides in ``extensionElements`` (JSON in the
``urn:procsimp:bpmn:1`` namespace), so ``load(save(p)) == p``.

>>> import procsimp as ps
>>> p = ps.Process.model_validate({"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}],
...     "steps": [{"id": "a", "role": "c", "duration": 1},
...               {"id": "b", "role": "c", "after": ["a"], "rework": {"to": "a", "p": 0.25}}]})
>>> loads_bpmn(dumps_bpmn(p)) == p
True
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procsimp.errors import FileFormatError, ModelError
from procsimp.model import Process, with_source

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
_SUBPROCESS_TAGS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
_XOR_TAGS = frozenset({"exclusiveGateway", "eventBasedGateway"})
_AND_TAGS = frozenset({"parallelGateway", "inclusiveGateway", "complexGateway"})
_PASS_TAGS = frozenset({"intermediateCatchEvent", "intermediateThrowEvent"})
#: Children of a process read elsewhere or carrying nothing procsimp models.
_QUIET_TAGS = frozenset({"laneSet", "extensionElements", "documentation", "startEvent",
                         "endEvent", "sequenceFlow"})

#: Step kinds guessed from words in a task's name (first match wins), for foreign files.
KIND_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("signature", ("sign", "signature", "ttd", "tanda tangan")),
    ("approval", ("approv", "authoris", "authoriz", "endorse", "paraf", "setuju", "accept")),
    ("review", ("review", "check", "verif", "assess", "inspect", "examin", "evaluat",
                "periksa", "validat", "screen")),
    ("handoff", ("forward", "transfer", "hand over", "handover", "deliver", "dispatch",
                 "send", "kirim")),
)
#: Seconds per procsimp time unit (calendar time: a day is 24 hours, a week 7 days).
SECONDS_PER_UNIT = {"minute": 60.0, "hour": 3600.0, "day": 86400.0, "week": 604800.0}
#: Level given to roles when neither ``level_of`` nor the lane convention names one.
DEFAULT_LEVEL = "staff"
#: Role given to tasks outside every lane and pool.
DEFAULT_ROLE = "performer"
_MAX_WALK = 1_000_000


class BpmnImportWarning(UserWarning):
    """Something in a BPMN file was approximated or not imported; the message lists it."""


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


# --- reading -----------------------------------------------------------------------------------


@dataclass
class _Node:
    id: str
    tag: str
    element: ET.Element
    order: int
    lane: str | None = None
    pool: str | None = None
    ins: list[_Flow] = field(default_factory=list)
    outs: list[_Flow] = field(default_factory=list)

    @property
    def is_task(self) -> bool:
        return self.tag in TASK_TAGS

    @property
    def is_xor(self) -> bool:
        return self.tag in _XOR_TAGS


@dataclass
class _Flow:
    id: str
    source: _Node
    target: _Node
    element: ET.Element
    back: bool = False
    p: float | None = None
    """Probability as a branch of an exclusive split (None: not a split flow)."""


def _ext(element: ET.Element, name: str) -> Any:
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


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


class _Reader:
    def __init__(self, root: ET.Element, source: str, *, level_of: dict[str, str] | None,
                 probabilities: dict[str, float] | None, time_unit: str | None,
                 process: str | None) -> None:
        self.root = root
        self.source = source
        self.level_of = dict(level_of or {})
        self.probabilities = dict(probabilities or {})
        self.time_unit_arg = time_unit
        self.process_arg = process
        self.skipped: Counter[str] = Counter()
        self.notes: list[str] = []
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []
        self.lane_role: dict[str, str] = {}
        self.role_level: dict[str, str] = {}
        self.qbp_durations: dict[str, ET.Element] = {}
        self.qbp_probs: dict[str, float] = {}
        self.equal_split: list[str] = []

    def fail(self, message: str) -> FileFormatError:
        return FileFormatError(f"{self.source}: {message}")

    # structure ----------------------------------------------------------------------------

    def read(self) -> Process:
        root = self.root
        if _local(root.tag) != "definitions" or _ns(root.tag) != BPMN:
            raise self.fail(f"not a BPMN 2.0 document: the root element is "
                            f"{root.tag!r}; expected definitions in the namespace {BPMN}")
        processes = [p for p in root.findall(f"{{{BPMN}}}process")]
        if self.process_arg is not None:
            chosen = [p for p in processes
                      if self.process_arg in (p.get("id"), p.get("name"))]
            if not chosen:
                listing = ", ".join(repr(p.get("id")) for p in processes) or "(none)"
                raise self.fail(f"no process {self.process_arg!r}; its processes are {listing}")
            processes = chosen
        pools = self._pools()
        for sim in root.iter(f"{{{QBP}}}processSimulationInfo"):
            self._read_qbp(sim)
        header = next((h for p in processes if (h := _ext(p, "process")) is not None), None)
        for proc in processes:
            self._read_process(proc, pools.get(proc.get("id") or ""))
        for flow in root.iter(f"{{{BPMN}}}messageFlow"):
            self.skipped[_local(flow.tag)] += 1
        if not any(n.is_task for n in self.nodes.values()):
            raise self.fail("no tasks found: a process needs at least one task (task, userTask, "
                            "serviceTask, ...) to import")
        self._mark_back_edges()
        self._probabilities()
        data = self._assemble(processes, header)
        self._warn()
        return self._validate(data)

    def _pools(self) -> dict[str, str]:
        pools: dict[str, str] = {}
        for part in self.root.iter(f"{{{BPMN}}}participant"):
            ref = part.get("processRef")
            if ref:
                pools[ref] = (part.get("name") or "").strip() or ref
        return pools

    def _read_process(self, proc: ET.Element, pool: str | None) -> None:
        for lane_set in proc.findall(f"{{{BPMN}}}laneSet"):
            self._read_lanes(lane_set, None)
        lane_of: dict[str, str] = {}
        for lane in proc.iter(f"{{{BPMN}}}lane"):
            if lane.find(f"{{{BPMN}}}childLaneSet") is not None:
                continue
            role = self.lane_role.get(lane.get("id") or "")
            for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
                if role is not None and ref.text:
                    lane_of[ref.text.strip()] = role
        for child in proc:
            tag = _local(child.tag)
            if _ns(child.tag) != BPMN:
                self.skipped[tag] += 1
                continue
            node_id = child.get("id")
            if tag in TASK_TAGS or tag in _XOR_TAGS or tag in _AND_TAGS or tag in _PASS_TAGS \
                    or tag in ("startEvent", "endEvent"):
                if not node_id:
                    raise self.fail(f"a {tag} element has no id; every flow element needs one")
                if node_id in self.nodes:
                    raise self.fail(f"the id {node_id!r} is used twice")
                node = _Node(node_id, tag, child, len(self.nodes), lane_of.get(node_id), pool)
                self.nodes[node_id] = node
                if tag in _SUBPROCESS_TAGS and any(
                        _local(c.tag) in TASK_TAGS for c in child.iter() if c is not child):
                    self.notes.append(f"sub-process {child.get('name') or node_id!r} imported "
                                      f"as one step (its inside is not imported)")
                if tag in ("inclusiveGateway", "complexGateway", "eventBasedGateway") \
                        or tag in _PASS_TAGS:
                    self.skipped[f"{tag} (approximated)"] += 1
            elif tag not in _QUIET_TAGS:
                self.skipped[tag] += 1
        for child in proc.findall(f"{{{BPMN}}}sequenceFlow"):
            src, tgt = child.get("sourceRef"), child.get("targetRef")
            if src not in self.nodes or tgt not in self.nodes:
                self.skipped["sequenceFlow (from or to an element not imported)"] += 1
                continue
            flow = _Flow(child.get("id") or f"{src}->{tgt}", self.nodes[src], self.nodes[tgt],
                         child)
            self.flows.append(flow)
            flow.source.outs.append(flow)
            flow.target.ins.append(flow)

    def _read_lanes(self, lane_set: ET.Element, parent: str | None) -> None:
        for lane in lane_set.findall(f"{{{BPMN}}}lane"):
            lane_id = lane.get("id") or ""
            name = (lane.get("name") or "").strip()
            children = lane.find(f"{{{BPMN}}}childLaneSet")
            if children is not None:
                self._read_lanes(children, name or lane_id)
                continue
            role = _ext(lane, "role")
            if isinstance(role, str) and role:
                self.lane_role[lane_id] = role
                continue
            level = None
            label = name or lane_id
            if parent is None and " / " in label:
                level, label = (part.strip() for part in label.split(" / ", 1))
            role = label or lane_id
            self.lane_role[lane_id] = role
            level = (self.level_of.get(role) or self.level_of.get(lane_id)
                     or self.level_of.get(name) or level or parent or DEFAULT_LEVEL)
            self.role_level.setdefault(role, level)

    def _read_qbp(self, sim: ET.Element) -> None:
        for el in sim.iter(f"{{{QBP}}}element"):
            dist = el.find(f"{{{QBP}}}durationDistribution")
            if el.get("elementId") and dist is not None:
                self.qbp_durations[el.get("elementId") or ""] = dist
        for flow in sim.iter(f"{{{QBP}}}sequenceFlow"):
            p = _float(flow.get("executionProbability"))
            if flow.get("elementId") and p is not None:
                self.qbp_probs[flow.get("elementId") or ""] = p

    # loops and probabilities --------------------------------------------------------------

    def _mark_back_edges(self) -> None:
        """Depth-first search from the starts: a flow into an element on the stack loops back."""
        state: dict[str, int] = {}  # 1 on the stack, 2 done
        roots = sorted(self.nodes.values(), key=lambda n: (n.tag != "startEvent", bool(n.ins),
                                                           n.order))
        for root in roots:
            if root.id in state:
                continue
            state[root.id] = 1
            stack: list[tuple[_Node, int]] = [(root, 0)]
            while stack:
                node, i = stack.pop()
                if i < len(node.outs):
                    stack.append((node, i + 1))
                    flow = node.outs[i]
                    seen = state.get(flow.target.id)
                    if seen == 1:
                        flow.back = True
                    elif seen is None:
                        state[flow.target.id] = 1
                        stack.append((flow.target, 0))
                else:
                    state[node.id] = 2

    def _explicit_p(self, flow: _Flow) -> float | None:
        own = flow.element.get(f"{{{PROCSIMP}}}p")
        for value in (own, self.probabilities.get(flow.id), self.qbp_probs.get(flow.id)):
            p = _float(value) if isinstance(value, str) else value
            if p is not None:
                if not 0 <= p <= 1:
                    raise self.fail(f"sequence flow {flow.id!r} has probability {p}; a "
                                    f"probability lies between 0 and 1")
                return float(p)
        return None

    def _probabilities(self) -> None:
        for node in self.nodes.values():
            if not node.is_xor or not node.outs:
                continue
            known = {f.id: self._explicit_p(f) for f in node.outs}
            forward = [f for f in node.outs if not f.back]
            backs = [f for f in node.outs if f.back]
            if len(node.outs) < 2 and not any(v is not None for v in known.values()):
                continue
            missing = [f for f in node.outs if known[f.id] is None]
            if missing:
                if len(missing) == len(node.outs) >= 2:
                    self.equal_split.append(node.element.get("name") or node.id)
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
                    self.notes.append(f"probabilities out of gateway "
                                      f"{node.element.get('name') or node.id!r} summed to "
                                      f"{total:g}; scaled to 1")
                    for f in forward:
                        f.p = (f.p or 0.0) / total if total > 0 else 1.0 / len(forward)

    # task-level edges ---------------------------------------------------------------------

    def _predecessors(self, task: _Node) -> dict[str, float | None]:
        """Tasks before ``task`` through chains of gateways, with the branch probability."""
        found: dict[str, float | None] = {}
        stack: list[tuple[_Flow, float | None]] = [(f, None) for f in task.ins if not f.back]
        walked = 0
        while stack:
            flow, p = stack.pop()
            walked += 1
            if walked > _MAX_WALK:
                raise self.fail("gateways too tangled to follow (over a million paths)")
            if flow.p is not None:
                p = flow.p if p is None else p * flow.p
            src = flow.source
            if src.is_task:
                if src.id in found:
                    old = found[src.id]
                    found[src.id] = None if old is None or p is None else old + p
                else:
                    found[src.id] = p
            elif src.tag not in ("startEvent",):
                stack.extend((f, p) for f in src.ins if not f.back)
        return found

    def _merges_alternatives(self, task: _Node) -> bool:
        ins = [f for f in task.ins if not f.back]
        node = task
        while len(ins) == 1 and not ins[0].source.is_task:
            node = ins[0].source
            if node.tag == "startEvent":
                return False
            ins = [f for f in node.ins if not f.back]
        if len(ins) < 2:
            return False
        return node is task or node.is_xor or node.tag in _PASS_TAGS

    def _task_ends(self, node: _Node, forward: bool) -> list[_Node]:
        """The nearest tasks from ``node`` (itself if a task), after or before it."""
        out: list[_Node] = []
        seen: set[str] = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if n.id in seen:
                continue
            seen.add(n.id)
            if n.is_task:
                out.append(n)
                continue
            flows = n.outs if forward else n.ins
            stack.extend((f.target if forward else f.source) for f in flows if not f.back)
        return sorted(out, key=lambda n: n.order)

    # assembling ---------------------------------------------------------------------------

    def _assemble(self, processes: list[ET.Element], header: Any) -> dict[str, Any]:
        head = header if isinstance(header, dict) else {}
        tasks = [n for n in self.nodes.values() if n.is_task]
        own = {t.id: s for t in tasks if isinstance(s := _ext(t.element, "step"), dict)}
        uses_qbp = any(t.id in self.qbp_durations for t in tasks)
        time_unit = self.time_unit_arg or head.get("time_unit") or ("hour" if uses_qbp else "day")
        if not isinstance(time_unit, str) or time_unit not in SECONDS_PER_UNIT:
            raise FileFormatError(f"{self.source}: unknown time_unit {time_unit!r}; use hour, "
                                  f"day or week")
        step_id: dict[str, str] = {}
        for t in tasks:
            own_id = own.get(t.id, {}).get("id")
            step_id[t.id] = own_id if isinstance(own_id, str) else t.id
        reworks: dict[str, dict[str, Any]] = {}
        for flow in self.flows:
            if flow.back:
                self._rework(flow, reworks)
        steps = []
        roles_used: dict[str, None] = {}
        for t in tasks:
            mine = own.get(t.id)
            step: dict[str, Any] = dict(mine) if mine else {}
            step["id"] = step_id[t.id]
            if not mine:
                name = (t.element.get("name") or "").strip()
                step["name"] = name or t.id
                step["kind"] = guess_kind(name)
                step["role"] = t.lane or t.pool or DEFAULT_ROLE
                duration = self._qbp_duration(t, time_unit)
                if duration is not None:
                    step["duration"] = duration
            elif "role" not in step:
                step["role"] = t.lane or t.pool or DEFAULT_ROLE
            if isinstance(step["role"], str):  # any other value is reported by validation
                roles_used[step["role"]] = None
            step["after"] = self._after(t, step_id, mine)
            if mine is None and self._merges_alternatives(t):
                step["join"] = "any"
            rework = reworks.get(t.id)
            step.pop("rework", None)
            if rework is not None:
                base: dict[str, Any] = mine["rework"] if mine and isinstance(
                    mine.get("rework"), dict) else {}
                kept = {k: v for k, v in base.items() if k in ("delay", "revision", "mode")}
                step["rework"] = {**kept, "to": step_id[rework["to"]], "p": rework["p"]}
            steps.append(step)
        if head:
            data = {k: v for k, v in head.items() if k != "steps"}
            for key in ("levels", "roles"):
                if not isinstance(data.get(key, []), list):
                    raise self.fail(f"the procsimp extension of the process gives {key!r} as "
                                    f"{type(data[key]).__name__}; it must be a list (re-export "
                                    f"the file, or remove the procsimp:process element)")
            known_roles = {r.get("id") for r in data.get("roles", [])
                           if isinstance(r, dict) and isinstance(r.get("id"), str)}
            extra = [r for r in roles_used if r not in known_roles]
            if extra:
                head_levels = list(data.get("levels", []))
                level_ids = [lv if isinstance(lv, str) else
                             lv.get("id") if isinstance(lv, dict) else None for lv in head_levels]
                if DEFAULT_LEVEL not in level_ids:
                    head_levels.append(DEFAULT_LEVEL)
                data["levels"] = head_levels
                data["roles"] = [*data.get("roles", []),
                                 *({"id": r, "level": DEFAULT_LEVEL} for r in extra)]
        else:
            data = {"name": self._name(processes), "time_unit": time_unit}
            roles = []
            levels: dict[str, None] = {v: None for v in self.level_of.values()}
            for r in roles_used:
                level = self.level_of.get(r) or self.role_level.get(r) or DEFAULT_LEVEL
                levels[level] = None
                role: dict[str, Any] = {"id": r, "level": level}
                roles.append(role)
            data["levels"] = list(levels)
            data["roles"] = roles
        self._complete_branches(steps)
        data["steps"] = steps
        return data

    def _complete_branches(self, steps: list[dict[str, Any]]) -> None:
        """Scale alternatives to sum 1 where other branches reach no task (they end the case)."""
        outs: dict[str, list[dict[str, Any]]] = {}
        for step in steps:
            for entry in step["after"]:
                if isinstance(entry, dict) and "p" in entry:
                    outs.setdefault(entry["step"], []).append(entry)
        for sid, entries in outs.items():
            total = math.fsum(e["p"] for e in entries)
            if total > 0 and total < 1 - 1e-9:
                self.notes.append(f"branches after {sid!r} that reach no task (ending the "
                                  f"case) were dropped; the others scaled to sum to 1")
                for e in entries:
                    e["p"] = e["p"] / total

    def _name(self, processes: list[ET.Element]) -> str:
        for el in (*processes, *self.root.iter(f"{{{BPMN}}}participant")):
            if (el.get("name") or "").strip():
                return (el.get("name") or "").strip()
        return Path(self.source).stem or "process"

    def _after(self, task: _Node, step_id: dict[str, str],
               mine: dict[str, Any] | None) -> list[Any]:
        preds = self._predecessors(task)
        hints: dict[str, dict[str, Any]] = {}
        order: list[str] = []
        if mine and isinstance(mine.get("after"), list):
            for raw in mine["after"]:
                sid = raw if isinstance(raw, str) else (
                    raw.get("step") if isinstance(raw, dict) else None)
                if isinstance(sid, str):
                    order.append(sid)
                    hints[sid] = raw if isinstance(raw, dict) else {}
        by_step = {step_id[u]: p for u, p in sorted(
            preds.items(), key=lambda kv: self.nodes[kv[0]].order)}
        ranked = [s for s in order if s in by_step] + [s for s in by_step if s not in hints]
        after: list[Any] = []
        for sid in ranked:
            entry: dict[str, Any] = {"step": sid}
            entry.update({k: v for k, v in hints.get(sid, {}).items()
                          if k in ("delay", "hard")})
            if by_step[sid] is not None:
                entry["p"] = by_step[sid]
            after.append(entry if len(entry) > 1 else sid)
        return after

    def _rework(self, flow: _Flow, reworks: dict[str, dict[str, Any]]) -> None:
        senders = self._task_ends(flow.source, forward=False)
        targets = self._task_ends(flow.target, forward=True)
        where = f"loop {flow.id!r}"
        if not senders or not targets:
            self.notes.append(f"{where} skipped (no task before or after it)")
            return
        if not flow.source.is_xor or flow.p is None:
            self.notes.append(f"{where} skipped: it does not leave an exclusive gateway, so "
                              f"it has no probability")
            return
        sender, target = senders[-1], targets[0]
        if len(senders) > 1 or len(targets) > 1:
            self.notes.append(f"{where} read as rework from {sender.id!r} to {target.id!r}")
        if sender.id in reworks:
            self.notes.append(f"{where} skipped: {sender.id!r} already sends back")
            return
        p = flow.p
        if p >= 1:
            self.notes.append(f"{where} skipped: probability 1 would never leave the loop")
            return
        reworks[sender.id] = {"to": target.id, "p": p}

    def _qbp_duration(self, task: _Node, time_unit: str) -> Any:
        dist = self.qbp_durations.get(task.id)
        if dist is None:
            return None
        return qbp_duration(dist, SECONDS_PER_UNIT[time_unit], self.notes, task.id)

    def _warn(self) -> None:
        parts = []
        if self.skipped:
            parts.append("not imported or approximated: " + ", ".join(
                f"{n} {tag}" for tag, n in sorted(self.skipped.items())))
        if self.equal_split:
            parts.append("no branch probabilities for gateway(s) " + ", ".join(
                repr(g) for g in self.equal_split) + ": split equally (pass probabilities= "
                "or add a procsimp or QBP extension)")
        parts.extend(self.notes)
        if parts:
            warnings.warn(f"{self.source}: " + "; ".join(parts), BpmnImportWarning,
                          stacklevel=4)

    def _validate(self, data: dict[str, Any]) -> Process:
        from procsimp.io.files import from_data

        try:
            return from_data(data, source=self.source)
        except ModelError:
            if not any("rework" in s for s in data["steps"]):
                raise
        # loops that do not close a block cannot be rework: keep the flow, drop the loops
        dropped = [s["id"] for s in data["steps"] if s.pop("rework", None) is not None]
        warnings.warn(f"{self.source}: loops back from {', '.join(map(repr, dropped))} are not "
                      f"closed blocks (single entry, single exit), so they were not imported "
                      f"as rework", BpmnImportWarning, stacklevel=3)
        return from_data(data, source=self.source)


def guess_kind(name: str) -> str:
    """A step kind from keywords in a task's name (``task`` when none matches).

    >>> guess_kind("Approve invoice"), guess_kind("Check credit history"), guess_kind("Draft")
    ('approval', 'review', 'task')
    """
    words = name.lower()
    for kind, keys in KIND_KEYWORDS:
        if any(re.search(rf"\b{re.escape(k)}", words) for k in keys):
            return kind
    return "task"


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
    mean, arg1, arg2 = (_float(dist.get(k)) for k in ("mean", "arg1", "arg2"))

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


def loads_bpmn(data: bytes | str, *, source: str = "<string>",
               level_of: dict[str, str] | None = None,
               probabilities: dict[str, float] | None = None,
               time_unit: str | None = None, process: str | None = None) -> Process:
    """Read a process from BPMN 2.0 XML text; see :func:`read_bpmn` for the arguments."""
    from procsimp.io.xmlsafe import parse_xml

    root = parse_xml(data, source)
    try:
        return _Reader(root, source, level_of=level_of, probabilities=probabilities,
                       time_unit=time_unit, process=process).read()
    except RecursionError:
        raise FileFormatError(f"{source}: structure nested too deep to import") from None


def read_bpmn(path: str | os.PathLike[str], *, level_of: dict[str, str] | None = None,
              probabilities: dict[str, float] | None = None, time_unit: str | None = None,
              process: str | None = None) -> Process:
    """Read a process from a BPMN 2.0 XML file (what ``ps.load("x.bpmn")`` does).

    Parameters
    ----------
    path
        The ``.bpmn`` file.
    level_of
        Hierarchy level of each role, keyed by role (lane) name or lane id.
        Without it, a lane nested in another lane takes the outer lane's name as
        its level; a lane named ``"echelon_4 / Section head"`` has level
        ``echelon_4`` and role ``Section head``; any other lane is at level
        ``staff``. Levels are listed in the order of ``level_of``, then of first use.
    probabilities
        Branch probability of sequence flows, keyed by flow id; used where the
        file has neither procsimp's nor the QBP extension.
    time_unit
        Unit of the process (``hour``, ``day``, ``week``); QBP durations (seconds)
        are converted to it. Default: the file's own, else ``hour`` when the file
        has QBP durations, else ``day``.
    process
        Import only the process with this id or name (default: every process of
        the file, pools side by side).

    Returns
    -------
    Process

    Raises
    ------
    FileFormatError
        Unreadable, hostile or non-BPMN XML, or a structure that cannot be imported.
    ModelError
        The imported process is not valid (the message lists each problem).

    Warns
    -----
    BpmnImportWarning
        Listing what was approximated (equal branch split, inclusive gateways, ...)
        or not imported (data objects, boundary events, message flows, ...).
    """
    from procsimp.io.files import read_bytes

    path = Path(path)
    raw = read_bytes(path)
    proc = loads_bpmn(raw, source=str(path), level_of=level_of, probabilities=probabilities,
                      time_unit=time_unit, process=process)
    return with_source(proc, path)


# --- writing -----------------------------------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TASK_W, _TASK_H, _GW, _EV = 100, 80, 50, 36
_COL, _ROW, _LABEL = 420, 110, 30


def _clean(text: str) -> str:
    """Text an XML attribute can hold (characters XML 1.0 forbids are dropped)."""
    return _XML_ILLEGAL.sub("", text)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _fmt(x: float) -> str:
    return repr(float(x))


@dataclass
class _WNode:
    id: str
    kind: str  # task | xor | and | start | end
    lane: int  # role index
    x: float = 0.0
    y: float = 0.0
    default: str | None = None

    @property
    def size(self) -> tuple[float, float]:
        if self.kind == "task":
            return _TASK_W, _TASK_H
        if self.kind in ("start", "end"):
            return _EV, _EV
        return _GW, _GW


@dataclass
class _WFlow:
    id: str
    source: str
    target: str
    p: float | None = None
    condition: str | None = None
    back: bool = False


class _Writer:
    def __init__(self, process: Process) -> None:
        self.proc = process
        self.nodes: dict[str, _WNode] = {}
        self.flows: list[_WFlow] = []
        self.counter = Counter[str]()
        self.role_index = {r.id: i for i, r in enumerate(self._ordered_roles())}

    def _ordered_roles(self) -> list[Any]:
        ranks = {lv.id: i for i, lv in enumerate(self.proc.levels)}
        return sorted(self.proc.roles, key=lambda r: ranks.get(r.level, len(ranks)))

    def new(self, kind: str, lane: int, prefix: str) -> _WNode:
        self.counter[prefix] += 1
        node = _WNode(f"{prefix}_{self.counter[prefix]}", kind, lane)
        self.nodes[node.id] = node
        return node

    def flow(self, source: str, target: str, **kw: Any) -> _WFlow:
        self.counter["Flow"] += 1
        f = _WFlow(f"Flow_{self.counter['Flow']}", source, target, **kw)
        self.flows.append(f)
        return f

    def build(self) -> None:
        proc = self.proc
        steps = list(proc.steps)
        index = {s.id: i for i, s in enumerate(steps)}
        rank = [0] * len(steps)
        for i in proc.analysis.order:
            rank[i] = max((rank[index[e.step]] + 1 for e in steps[i].after), default=0)
        task_ids = [f"Step_{i + 1}" for i in range(len(steps))]
        backs: dict[int, list[int]] = {}
        for i, s in enumerate(steps):
            if s.rework is not None:
                backs.setdefault(index[s.rework.to], []).append(i)
        entry: list[str] = []
        loop_of: dict[int, str] = {}
        exit_: list[str] = []
        rows: Counter[tuple[int, int]] = Counter()
        for i, s in enumerate(steps):
            lane = self.role_index.get(s.role, 0)
            row = rows[(lane, rank[i])]
            rows[(lane, rank[i])] += 1
            task = _WNode(task_ids[i], "task", lane, x=rank[i], y=row)
            self.nodes[task.id] = task
            first = task.id
            if i in backs:
                loop = self.new("xor", lane, "Gateway")
                loop.x, loop.y = rank[i] - 0.15, row
                self.flow(loop.id, first)
                first = loop_of[i] = loop.id
            if len(s.after) >= 2:
                join = self.new("xor" if s.join == "any" else "and", lane, "Gateway")
                join.x, join.y = rank[i] - 0.28, row
                self.flow(join.id, first)
                first = join.id
            entry.append(first)
            last = task.id
            if s.rework is not None:
                rw = self.new("xor", lane, "Gateway")
                rw.x, rw.y = rank[i] + 0.3, row
                self.flow(last, rw.id)
                last = rw.id
            exit_.append(last)
        self.task_entry = entry
        succ_plain: list[list[tuple[int, Any]]] = [[] for _ in steps]
        succ_p: list[list[tuple[int, Any]]] = [[] for _ in steps]
        for w, s in enumerate(steps):
            for e in s.after:
                (succ_p if e.p is not None else succ_plain)[index[e.step]].append((w, e))
        starts = [w for w, s in enumerate(steps) if not s.after]
        start = self.new("start", self.nodes[task_ids[starts[0]]].lane if starts else 0,
                         "StartEvent")
        start.x, start.y = -0.45, self.nodes[task_ids[starts[0]]].y if starts else 0
        self._fan(start.id, [entry[w] for w in starts], start)
        for i, s in enumerate(steps):
            src = self.nodes[exit_[i]]
            if s.rework is not None:
                self.flow(src.id, loop_of[index[s.rework.to]], p=s.rework.p, back=True,
                          condition=f"procsimp_rework == {_json(s.id)}")
            targets = [entry[w] for w, _ in succ_plain[i]]
            choice = None
            if succ_p[i]:
                choice = self.new("xor", src.lane, "Gateway")
                choice.x, choice.y = rank[i] + 0.5, src.y
                targets.append(choice.id)
            fork = self._fan(src.id, targets, src, offset=0.4)
            if s.rework is not None and fork is not None:
                src.default = fork
            if choice is not None:
                outs = succ_p[i]
                for k, (w, e) in enumerate(outs):
                    f = self.flow(choice.id, entry[w], p=e.p)
                    if k == len(outs) - 1:
                        choice.default = f.id
                    else:
                        f.condition = f"procsimp_branch == {_json(steps[w].id)}"
            if not targets:
                end = self.new("end", src.lane, "EndEvent")
                end.x, end.y = rank[i] + 0.62, src.y
                f = self.flow(src.id, end.id)
                if s.rework is not None:
                    src.default = f.id
        if not steps:
            end = self.new("end", 0, "EndEvent")
            self.flow(start.id, end.id)

    def _fan(self, source: str, targets: list[str], near: _WNode,
             offset: float = 0.0) -> str | None:
        """Flows from ``source`` to every target (through a parallel split if several)."""
        if not targets:
            return None
        if len(targets) == 1:
            return self.flow(source, targets[0]).id
        fork = self.new("and", near.lane, "Gateway")
        fork.x, fork.y = near.x + offset if near.kind != "start" else near.x + 0.15, near.y
        first = self.flow(source, fork.id)
        for t in targets:
            self.flow(fork.id, t)
        return first.id

    # XML ----------------------------------------------------------------------------------

    def xml(self) -> str:
        proc = self.proc
        ET.register_namespace("bpmn", BPMN)
        ET.register_namespace("bpmndi", BPMNDI)
        ET.register_namespace("dc", DC)
        ET.register_namespace("di", DI)
        ET.register_namespace("xsi", XSI)
        ET.register_namespace("procsimp", PROCSIMP)
        b = f"{{{BPMN}}}"
        root = ET.Element(f"{b}definitions", {
            "id": "Definitions_1", "targetNamespace": "urn:procsimp:process",
            "exporter": "procsimp", "exporterVersion": _version()})
        collab = ET.SubElement(root, f"{b}collaboration", {"id": "Collaboration_1"})
        ET.SubElement(collab, f"{b}participant", {
            "id": "Participant_1", "name": _clean(proc.name), "processRef": "Process_1"})
        pel = ET.SubElement(root, f"{b}process", {
            "id": "Process_1", "name": _clean(proc.name), "isExecutable": "true"})
        header = proc.model_dump(mode="json", exclude_defaults=True, exclude={"steps"})
        _add_ext(pel, "process", header)
        lane_set = ET.SubElement(pel, f"{b}laneSet", {"id": "LaneSet_1"})
        roles = self._ordered_roles()
        levels = [lv for lv in proc.levels if any(r.level == lv.id for r in roles)]
        members: dict[int, list[str]] = {}
        for node in self.nodes.values():
            members.setdefault(node.lane, []).append(node.id)
        for li, lv in enumerate(levels):
            outer = ET.SubElement(lane_set, f"{b}lane", {
                "id": f"Lane_Level_{li + 1}", "name": _clean(lv.name or lv.id)})
            for r in roles:
                if r.level != lv.id:
                    continue
                for nid in members.get(self.role_index[r.id], []):
                    ET.SubElement(outer, f"{b}flowNodeRef").text = nid
            child = ET.SubElement(outer, f"{b}childLaneSet", {"id": f"LaneSet_{li + 2}"})
            for r in roles:
                if r.level != lv.id:
                    continue
                ri = self.role_index[r.id]
                lane = ET.SubElement(child, f"{b}lane", {
                    "id": f"Lane_Role_{ri + 1}", "name": _clean(r.name or r.id)})
                _add_ext(lane, "role", r.id)
                for nid in members.get(ri, []):
                    ET.SubElement(lane, f"{b}flowNodeRef").text = nid
        steps = list(proc.steps)
        outs: dict[str, list[_WFlow]] = {}
        ins: dict[str, list[_WFlow]] = {}
        for f in self.flows:
            outs.setdefault(f.source, []).append(f)
            ins.setdefault(f.target, []).append(f)
        tag = {"task": "task", "xor": "exclusiveGateway", "and": "parallelGateway",
               "start": "startEvent", "end": "endEvent"}
        for node in self.nodes.values():
            attrs = {"id": node.id}
            if node.kind == "task":
                step = steps[int(node.id.split("_")[1]) - 1]
                attrs["name"] = _clean(step.name)
            if node.default:
                attrs["default"] = node.default
            el = ET.SubElement(pel, f"{b}{tag[node.kind]}", attrs)
            if node.kind == "task":
                _add_ext(el, "step", step.model_dump(mode="json", exclude_defaults=True))
            for f in ins.get(node.id, []):
                ET.SubElement(el, f"{b}incoming").text = f.id
            for f in outs.get(node.id, []):
                ET.SubElement(el, f"{b}outgoing").text = f.id
        for f in self.flows:
            attrs = {"id": f.id, "sourceRef": f.source, "targetRef": f.target}
            if f.p is not None:
                attrs[f"{{{PROCSIMP}}}p"] = _fmt(f.p)
            el = ET.SubElement(pel, f"{b}sequenceFlow", attrs)
            if f.condition is not None:
                cond = ET.SubElement(el, f"{b}conditionExpression",
                                     {f"{{{XSI}}}type": "bpmn:tFormalExpression"})
                cond.text = f.condition
        self._diagram(root, roles, levels)
        ET.indent(root)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                + ET.tostring(root, encoding="unicode") + "\n")

    def _diagram(self, root: ET.Element, roles: list[Any], levels: list[Any]) -> None:
        lane_rows = Counter[int]()
        for node in self.nodes.values():
            lane_rows[node.lane] = max(lane_rows[node.lane], int(node.y) + 1)
        heights = [max(1, lane_rows[self.role_index[r.id]]) * _ROW + 30 for r in roles]
        tops: dict[int, float] = {}
        y = 0.0
        for r, h in zip(roles, heights, strict=True):
            tops[self.role_index[r.id]] = y
            y += h
        total_h = max(y, 120.0)
        max_x = max((n.x for n in self.nodes.values()), default=0.0)
        width = 2 * _LABEL + 140 + (max_x + 1.5) * _COL

        def place(node: _WNode) -> tuple[float, float, float, float]:
            w, h = node.size
            cx = 2 * _LABEL + 120 + node.x * _COL + _TASK_W / 2
            cy = tops.get(node.lane, 0.0) + 15 + node.y * _ROW + _ROW / 2
            return cx - w / 2, cy - h / 2, w, h

        d = f"{{{BPMNDI}}}"
        diagram = ET.SubElement(root, f"{d}BPMNDiagram", {"id": "BPMNDiagram_1"})
        plane = ET.SubElement(diagram, f"{d}BPMNPlane", {
            "id": "BPMNPlane_1", "bpmnElement": "Collaboration_1"})

        def shape(element: str, bounds: tuple[float, float, float, float], **extra: str) -> None:
            s = ET.SubElement(plane, f"{d}BPMNShape", {
                "id": f"{element}_di", "bpmnElement": element, **extra})
            ET.SubElement(s, f"{{{DC}}}Bounds", dict(zip(
                ("x", "y", "width", "height"), (f"{v:g}" for v in bounds), strict=True)))

        shape("Participant_1", (0, 0, width, total_h), isHorizontal="true")
        for li, lv in enumerate(levels):
            mine = [r for r in roles if r.level == lv.id]
            top = tops[self.role_index[mine[0].id]]
            height = sum(heights[roles.index(r)] for r in mine)
            shape(f"Lane_Level_{li + 1}", (_LABEL, top, width - _LABEL, height),
                  isHorizontal="true")
            for r in mine:
                ri = self.role_index[r.id]
                shape(f"Lane_Role_{ri + 1}", (2 * _LABEL, tops[ri], width - 2 * _LABEL,
                                             heights[roles.index(r)]), isHorizontal="true")
        boxes = {}
        for node in self.nodes.values():
            boxes[node.id] = place(node)
            extra = {"isMarkerVisible": "true"} if node.kind == "xor" else {}
            shape(node.id, boxes[node.id], **extra)
        for f in self.flows:
            sx, sy, sw, sh = boxes[f.source]
            tx, ty, tw, th = boxes[f.target]
            if f.back:
                below = max(sy + sh, ty + th) + 12
                points = [(sx + sw / 2, sy + sh), (sx + sw / 2, below),
                          (tx + tw / 2, below), (tx + tw / 2, ty + th)]
            else:
                a = (sx + sw, sy + sh / 2)
                z = (tx, ty + th / 2)
                mid = (a[0] + z[0]) / 2
                points = [a, z] if a[1] == z[1] else [a, (mid, a[1]), (mid, z[1]), z]
            e = ET.SubElement(plane, f"{d}BPMNEdge", {"id": f"{f.id}_di", "bpmnElement": f.id})
            for px, py in points:
                ET.SubElement(e, f"{{{DI}}}waypoint", {"x": f"{px:g}", "y": f"{py:g}"})


def _add_ext(element: ET.Element, name: str, value: Any) -> None:
    ext = ET.SubElement(element, f"{{{BPMN}}}extensionElements")
    ET.SubElement(ext, f"{{{PROCSIMP}}}{name}").text = _json(value)


def _version() -> str:
    from procsimp import __version__

    return __version__


def dumps_bpmn(process: Process) -> str:
    """The process as BPMN 2.0 XML text, with diagram interchange and procsimp's extension.

    Each step is a ``task`` in the lane of its role, lanes grouped by level
    (outer lanes, highest rank on top). A step with several predecessors is
    entered through a parallel gateway (``join: all``) or a merging exclusive
    gateway (``join: any``); edges with ``p`` leave through an exclusive
    gateway whose flows carry conditions (the last flow is the default); a
    rework loop is an exclusive gateway after the sender whose conditional
    flow goes back, the way on being the default flow.
    """
    writer = _Writer(process)
    writer.build()
    return writer.xml()
