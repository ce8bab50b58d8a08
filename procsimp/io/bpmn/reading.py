"""Reading BPMN 2.0 XML: elements and flows into a procsimp process.

The mapping is described in :mod:`procsimp.io.bpmn`; branch probabilities
and durations come from :mod:`procsimp.io.bpmn.simulation`.
"""

from __future__ import annotations

import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from procsimp._checks import validated
from procsimp.errors import FileFormatError, ModelError
from procsimp.io.base import read_bytes
from procsimp.io.bpmn._common import (
    AND_TAGS,
    BOUNDARY_TAG,
    BPMN,
    BPMNDI,
    DC,
    PASS_TAGS,
    QUIET_TAGS,
    SUBPROCESS_TAGS,
    TASK_TAGS,
    XOR_TAGS,
    BpmnImportWarning,
    Flow,
    Node,
    extension,
    finite_float,
    local,
    namespace,
)
from procsimp.io.bpmn.simulation import SECONDS_PER_UNIT, SimulationData
from procsimp.io.plain import from_data
from procsimp.io.xmlsafe import parse_xml
from procsimp.model import Process, with_source

#: Loops tried one by one when some do not close a block (more: all are dropped).
_MAX_LOOP_TRIALS = 200
_GATE_NAMES = {"split": "parallel split", "merge": "merge", "wait": "wait"}

__all__ = ["DEFAULT_LEVEL", "DEFAULT_ROLE", "KIND_KEYWORDS", "OPTIONS", "TASK_VERBS", "guess_kind",
           "loads_bpmn", "read_bpmn"]

#: Step kinds guessed from words in a task's name (first match wins), for foreign files.
#: Each entry is a word stem followed by the endings it may take: whole words only, so
#: "Approver" and "Checkout" match nothing.
KIND_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("signature", ("sign(|s|ed|ing)", "signature", "countersign(|s|ed)", "ttd",
                   "tanda tangan")),
    ("approval", ("approv(e|es|ed|ing|al)", "authori[sz](e|es|ed|ing|ation)",
                  "endorse(|s|d|ment)", "paraf", "setuju(|i)", "accept(|s|ed|ance)")),
    ("review", ("review(|s|ed|ing)", "check(|s|ed|ing)", "verif(y|ies|ied|ication)",
                "assess(|es|ed|ing|ment)", "inspect(|s|ed|ion)", "examin(e|es|ed|ation)",
                "evaluat(e|es|ed|ion)", "periksa", "validat(e|es|ed|ion)",
                "screen(|s|ed|ing)")),
    ("handoff", ("forward(|s|ed|ing)", "transfer(|s|red)", "hand over", "handover",
                 "deliver(|s|ed|y)", "dispatch(|es|ed)", "send(|s)", "kirim")),
)
#: Leading verbs that say what a step does when its object is an approval, a check, ...
#: ("Notify employee of approval", "Request approval", "Assign approver"): a plain task.
TASK_VERBS = frozenset({
    "notify", "inform", "assign", "request", "ask", "prepare", "draft", "create", "record",
    "register", "archive", "file", "update", "schedule", "calculate", "pay", "receive", "print",
    "scan", "store", "email", "tell", "announce", "publish", "log", "enter", "submit", "wait",
})
#: Level given to roles when neither ``level_of`` nor the lane convention names one.
DEFAULT_LEVEL = "staff"
#: Role given to tasks outside every lane and pool.
DEFAULT_ROLE = "performer"
#: The keywords :func:`loads_bpmn` and :func:`read_bpmn` take (``ps.load``'s BPMN options).
OPTIONS = ("level_of", "probabilities", "time_unit", "process")


class _Reader:
    def __init__(self, root: ET.Element, source: str, *, level_of: dict[str, str] | None,
                 probabilities: dict[str, float] | None, time_unit: str | None,
                 process: str | None) -> None:
        self.root = root
        self.source = source
        self.level_of = dict(level_of or {})
        self.time_unit_arg = time_unit
        self.process_arg = process
        self.skipped: Counter[str] = Counter()
        self.notes: list[str] = []
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.lane_role: dict[str, str] = {}
        self.role_level: dict[str, str] = {}
        self.level_order: dict[str, None] = {}
        self.lane_keys: set[str] = set()
        self.lane_y = self._lane_positions()
        self.sim = SimulationData(root, source, probabilities, notes=self.notes)
        self.preds: dict[str, dict[str, float | None]] = {}
        self._steps: list[dict[str, Any]] = []

    def fail(self, message: str) -> FileFormatError:
        return FileFormatError(f"{self.source}: {message}")

    # structure ----------------------------------------------------------------------------

    def read(self) -> Process:
        root = self.root
        if local(root.tag) != "definitions" or namespace(root.tag) != BPMN:
            raise self.fail(f"not a BPMN 2.0 document: the root element is "
                            f"{root.tag!r}; expected definitions in the namespace {BPMN}")
        processes = self._choose_processes(root.findall(f"{{{BPMN}}}process"))
        pools = self._pools()
        header = next((h for p in processes if (h := extension(p, "process")) is not None), None)
        for proc in processes:
            self._read_process(proc, pools.get(proc.get("id") or ""))
        for flow in root.iter(f"{{{BPMN}}}messageFlow"):
            self.skipped[local(flow.tag)] += 1
        self._drop_boundary_handlers()
        if not any(n.is_task for n in self.nodes.values()):
            raise self.fail("no tasks found: a process needs at least one task (task, userTask, "
                            "serviceTask, ...) to import")
        unknown = sorted(k for k in self.level_of if k not in self.lane_keys)
        if unknown:
            lanes = ", ".join(sorted(repr(r) for r in self.lane_role.values())) or "(none)"
            self.notes.append(f"level_of names {', '.join(map(repr, unknown))}, which match no "
                              f"lane (by name or id); the lanes are {lanes}")
        self._mark_back_edges()
        self.sim.branch_probabilities(self.nodes.values())
        self._compute_predecessors()
        data = self._assemble(processes, header)
        # --- workload of a BIMP/QBP simulation model (procsimp.io.bpmn.resources) ---
        if header is None:
            from procsimp.io.bpmn.resources import read_workload

            read_workload(root, data, self.notes)
        # --- end of the workload hook ---
        process = self._validate(data)
        self._warn()
        return process

    def _choose_processes(self, processes: list[ET.Element]) -> list[ET.Element]:
        """The process to import: the one asked for, else the main one (with a note)."""
        if self.process_arg is not None:
            chosen = [p for p in processes
                      if self.process_arg in (p.get("id"), p.get("name"))]
            if not chosen:
                listing = ", ".join(repr(p.get("id")) for p in processes) or "(none)"
                raise self.fail(f"no process {self.process_arg!r}; its processes are {listing}")
            return chosen[:1]

        def tasks(p: ET.Element) -> int:
            return sum(1 for c in p if local(c.tag) in TASK_TAGS)

        with_tasks = [p for p in processes if tasks(p)]
        if len(with_tasks) <= 1:
            return with_tasks or processes[:1]
        called = {c.get("calledElement") for c in self.root.iter(f"{{{BPMN}}}callActivity")}
        main = [p for p in with_tasks if p.get("id") not in called] or with_tasks
        best = max(main, key=tasks)  # first of the largest, in file order

        def named(p: ET.Element) -> str:
            name = (p.get("name") or "").strip()
            return f"{name!r} (id {p.get('id')!r})" if name else repr(p.get("id"))

        others = [p for p in with_tasks if p is not best]
        called_others = [named(p) for p in others if p.get("id") in called]
        rest = [named(p) for p in others if p.get("id") not in called]
        if rest:
            self.notes.append(f"the file holds {len(with_tasks)} processes with tasks; imported "
                              f"{named(best)} (the most tasks), not {', '.join(rest)}: pass "
                              f"process= (id or name) to import another")
        if called_others:
            self.notes.append(f"process(es) {', '.join(called_others)} are called by a call "
                              f"activity, which is imported as one step; their tasks are not "
                              f"imported again (pass process= to import one on its own)")
        return [best]

    def _pools(self) -> dict[str, str]:
        pools: dict[str, str] = {}
        for part in self.root.iter(f"{{{BPMN}}}participant"):
            ref = part.get("processRef")
            if ref:
                pools[ref] = (part.get("name") or "").strip() or ref
        return pools

    def _lane_positions(self) -> dict[str, float]:
        """Top edge of each lane's shape in the diagram (to order levels top to bottom)."""
        y: dict[str, float] = {}
        for shape in self.root.iter(f"{{{BPMNDI}}}BPMNShape"):
            bounds = shape.find(f"{{{DC}}}Bounds")
            ref = shape.get("bpmnElement")
            value = finite_float(bounds.get("y")) if bounds is not None else None
            if ref and value is not None:
                y.setdefault(ref, value)
        return y

    def _read_process(self, proc: ET.Element, pool: str | None) -> None:
        for lane_set in proc.findall(f"{{{BPMN}}}laneSet"):
            self._read_lanes(lane_set, None)
        lane_of: dict[str, str] = {}
        for lane in proc.iter(f"{{{BPMN}}}lane"):
            role = self.lane_role.get(lane.get("id") or "")
            for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
                if role is not None and ref.text:
                    lane_of[ref.text.strip()] = role
        for child in proc:
            tag = local(child.tag)
            if namespace(child.tag) != BPMN:
                self.skipped[tag] += 1
                continue
            node_id = child.get("id")
            if tag == "subProcess" and child.get("triggeredByEvent") == "true":
                self.notes.append(f"event sub-process {_label(child)} not imported (it runs "
                                  f"only when its event occurs, which procsimp does not model)")
                continue
            if tag in TASK_TAGS or tag in XOR_TAGS or tag in AND_TAGS or tag in PASS_TAGS \
                    or tag in ("startEvent", "endEvent", BOUNDARY_TAG):
                if not node_id:
                    raise self.fail(f"a {tag} element has no id; every flow element needs one")
                if node_id in self.nodes:
                    raise self.fail(f"the id {node_id!r} is used twice")
                node = Node(node_id, tag, child, len(self.nodes), lane_of.get(node_id), pool)
                self.nodes[node_id] = node
                if tag in SUBPROCESS_TAGS and any(
                        local(c.tag) in TASK_TAGS for c in child.iter() if c is not child):
                    self.notes.append(f"sub-process {node.label} imported as one step (its "
                                      f"inside is not imported)")
                if tag in ("inclusiveGateway", "complexGateway"):
                    self.notes.append(f"{tag} {node.label} read as parallel (every branch "
                                      f"runs)")
                elif tag == "eventBasedGateway":
                    self.notes.append(f"event-based gateway {node.label} read as an exclusive "
                                      f"choice (the first event to occur wins)")
                if tag in PASS_TAGS and self.sim.has_duration(node_id):
                    node.gate = "wait"
            elif tag not in QUIET_TAGS:
                self.skipped[tag] += 1
        for child in proc.findall(f"{{{BPMN}}}sequenceFlow"):
            src, tgt = child.get("sourceRef"), child.get("targetRef")
            if src not in self.nodes or tgt not in self.nodes:
                self.skipped["sequenceFlow (from or to an element not imported)"] += 1
                continue
            flow = Flow(child.get("id") or f"{src}->{tgt}", self.nodes[src], self.nodes[tgt],
                        child)
            self.flows.append(flow)
            flow.source.outs.append(flow)
            flow.target.ins.append(flow)

    def _read_lanes(self, lane_set: ET.Element, parent: str | None) -> None:
        lanes = lane_set.findall(f"{{{BPMN}}}lane")
        lanes.sort(key=lambda lane: self.lane_y.get(lane.get("id") or "", math.inf))
        for lane in lanes:
            lane_id = lane.get("id") or ""
            name = (lane.get("name") or "").strip()
            self.lane_keys.update(k for k in (lane_id, name) if k)
            children = lane.find(f"{{{BPMN}}}childLaneSet")
            if children is not None and children.find(f"{{{BPMN}}}lane") is not None:
                outer = name or lane_id
                inner = self.level_of.get(outer) or self.level_of.get(lane_id) or outer
                self.level_order.setdefault(inner, None)
                self._read_lanes(children, inner)
                continue
            role = extension(lane, "role")
            if isinstance(role, str) and role:
                self.lane_role[lane_id] = role
                continue
            level = None
            label = name or lane_id
            if parent is None and " / " in label:
                level, label = (part.strip() for part in label.split(" / ", 1))
            role = label or lane_id
            self.lane_role[lane_id] = role
            self.lane_keys.add(role)  # "head / Director" is also found as "Director"
            level = (self.level_of.get(role) or self.level_of.get(lane_id)
                     or self.level_of.get(name) or level or parent or DEFAULT_LEVEL)
            self.role_level.setdefault(role, level)
            self.level_order.setdefault(self.role_level[role], None)

    def _drop_boundary_handlers(self) -> None:
        """Remove what only a boundary event leads to (handlers of escalations, timers, errors).

        procsimp has no events that interrupt a step, so a handler cannot be imported
        as a step that runs after it; it would otherwise start with the process.
        """
        boundary = [n for n in self.nodes.values() if n.tag == BOUNDARY_TAG]
        if not boundary:
            return
        reached: set[str] = set()
        stack = [n for n in self.nodes.values() if not n.ins and n.tag != BOUNDARY_TAG]
        while stack:
            n = stack.pop()
            if n.id in reached:
                continue
            reached.add(n.id)
            stack.extend(f.target for f in n.outs)
        for event in boundary:
            if event.id not in self.nodes:
                continue
            host = self.nodes.get(event.element.get("attachedToRef") or "")
            handler: list[Node] = []
            seen: set[str] = set()
            stack = [event]
            while stack:
                n = stack.pop()
                if n.id in seen or n.id in reached:
                    continue
                seen.add(n.id)
                if n.is_task:
                    handler.append(n)
                stack.extend(f.target for f in n.outs)
            kinds = [local(c.tag).removesuffix("EventDefinition") for c in event.element
                     if local(c.tag).endswith("EventDefinition")]
            what = f"{'/'.join(kinds) or 'boundary'} event {event.label}"
            on = f" on {host.label}" if host is not None else ""
            if handler:
                names = ", ".join(t.label for t in sorted(handler, key=lambda t: t.order))
                self.notes.append(f"{what}{on} and its handler {names} not imported (procsimp "
                                  f"has no events that interrupt a step; model the outcome as "
                                  f"an exclusive choice after the step to keep it)")
            else:
                self.notes.append(f"{what}{on} not imported")
            for sid in seen:
                if sid in self.nodes:  # another boundary event's handler may have taken it
                    self._remove(self.nodes[sid])
        for event in boundary:
            if event.id in self.nodes:
                self._remove(event)

    def _remove(self, node: Node) -> None:
        for f in node.ins:
            f.source.outs.remove(f)
        for f in node.outs:
            f.target.ins.remove(f)
        gone = {id(f) for f in (*node.ins, *node.outs)}
        self.flows = [f for f in self.flows if id(f) not in gone]
        del self.nodes[node.id]

    def _mark_back_edges(self) -> None:
        """Depth-first search from the starts: a flow into an element on the stack loops back."""
        state: dict[str, int] = {}  # 1 on the stack, 2 done
        roots = sorted(self.nodes.values(), key=lambda n: (n.tag != "startEvent", bool(n.ins),
                                                           n.order))
        for root in roots:
            if root.id in state:
                continue
            state[root.id] = 1
            stack: list[tuple[Node, int]] = [(root, 0)]
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

    def _compute_predecessors(self) -> None:
        """For every element, the steps just before it (through gateways), with probabilities.

        One pass in topological order over the forward flows (linear in flows times steps,
        where walking every path through a ladder of gateways would be exponential). On the
        way, gateways that flattening would misread become instant steps:

        - a parallel split inside an exclusive branch (its branches would otherwise become
          alternatives of each other);
        - an exclusive merge that feeds a parallel join or a step with other inputs (the
          merged alternatives would otherwise be joined as if all ran), unless nothing but
          end events follows the join.
        """
        indegree = {n.id: sum(1 for f in n.ins if not f.back) for n in self.nodes.values()}
        ready = sorted((n for n in self.nodes.values() if indegree[n.id] == 0),
                       key=lambda n: n.order, reverse=True)
        while ready:
            node = ready.pop()
            value: dict[str, float | None] = {}
            for flow in node.ins:
                if flow.back:
                    continue
                src = flow.source
                part = {src.id: None} if src.is_task else self.preds.get(src.id, {})
                for sid, p in part.items():
                    if flow.p is not None:
                        p = flow.p if p is None else p * flow.p
                    if sid in value:
                        old = value[sid]
                        value[sid] = None if old is None or p is None else old + p
                    else:
                        value[sid] = p
            self.preds[node.id] = value
            if node.gate is None and not node.is_task:
                self._maybe_gate(node, value)
            for flow in sorted((f for f in node.outs if not f.back),
                               key=lambda f: f.target.order, reverse=True):
                indegree[flow.target.id] -= 1
                if indegree[flow.target.id] == 0:
                    ready.append(flow.target)
        if len(self.preds) < len(self.nodes):  # cannot happen: back edges break every cycle
            raise self.fail("the flows form a cycle the reader could not break")

    def _maybe_gate(self, node: Node, value: dict[str, float | None]) -> None:
        ins = [f for f in node.ins if not f.back]
        outs = [f for f in node.outs if not f.back]
        if node.tag in AND_TAGS and len(outs) >= 2 and any(p is not None for p in value.values()):
            node.gate = "split"
            self.notes.append(f"{node.tag} {node.label} splits inside an exclusive branch: "
                              f"imported as an instant step (duration 0) so its branches run "
                              f"together")
        elif node.is_xor and len(ins) >= 2 and len(outs) == 1:
            nxt = outs[0].target
            while not nxt.is_task and nxt.tag in PASS_TAGS and len(nxt.ins) == 1 \
                    and len(nxt.outs) == 1:
                nxt = nxt.outs[0].target
            if (nxt.is_task or nxt.tag in AND_TAGS) \
                    and sum(1 for f in nxt.ins if not f.back) >= 2 \
                    and (nxt.is_task or self._reaches_step(nxt)):
                node.gate = "merge"
                self.notes.append(f"exclusive merge {node.label} feeds a join of other "
                                  f"branches: imported as an instant step (duration 0) that "
                                  f"merges the alternatives")

    def _reaches_step(self, node: Node) -> bool:
        """True when a step lies after ``node`` (a join that only ends the case needs none).

        An exclusive merge whose join leads to end events only (procsimp's own export
        joins concurrent last steps this way) orders nothing: the steps before it are
        last steps whichever way they are merged.
        """
        seen: set[str] = set()
        stack = [f.target for f in node.outs if not f.back]
        while stack:
            n = stack.pop()
            if n.id in seen:
                continue
            seen.add(n.id)
            if n.tag in TASK_TAGS or n.gate == "wait":
                return True
            stack.extend(f.target for f in n.outs if not f.back)
        return False

    def _predecessors(self, task: Node) -> dict[str, float | None]:
        """Steps before ``task`` through chains of gateways, with the branch probability."""
        return self.preds.get(task.id, {})

    def _merges_alternatives(self, task: Node) -> bool:
        if task.gate == "merge":
            return True
        ins = [f for f in task.ins if not f.back]
        node = task
        while len(ins) == 1 and not ins[0].source.is_task:
            node = ins[0].source
            if node.tag == "startEvent":
                return False
            ins = [f for f in node.ins if not f.back]
        if len(ins) < 2:
            return False
        return node is task or node.is_xor or node.tag in PASS_TAGS

    def _task_ends(self, node: Node, forward: bool) -> list[Node]:
        """The nearest steps from ``node`` (itself if a step), after or before it."""
        out: list[Node] = []
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
        own = {t.id: s for t in tasks if isinstance(s := extension(t.element, "step"), dict)}
        uses_qbp = any(self.sim.has_duration(t.id) for t in tasks)
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
                step["name"] = name or (t.id if t.gate is None else _GATE_NAMES[t.gate])
                step["kind"] = guess_kind(name) if t.gate is None else "task"
                step["role"] = self._role(t)
                duration = self.sim.duration(t.id, time_unit)
                if duration is not None:
                    step["duration"] = duration
                    if t.gate == "wait":
                        self.notes.append(f"{t.tag} {t.label} has a simulation duration: "
                                          f"imported as a waiting step")
            elif "role" not in step:
                step["role"] = self._role(t)
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
            # the caller's order first, then the lanes' from top to bottom
            levels: dict[str, None] = {v: None for v in self.level_of.values()}
            levels.update((v, None) for v in self.level_order)
            for r in roles_used:
                level = self.level_of.get(r) or self.role_level.get(r) or DEFAULT_LEVEL
                levels[level] = None
                role: dict[str, Any] = {"id": r, "level": level}
                roles.append(role)
            data["levels"] = list(levels)
            data["roles"] = roles
        self._complete_branches(steps)
        data["steps"] = steps
        self._steps = steps
        return data

    def _role(self, node: Node) -> str:
        """The lane (or pool) of an element; a gateway outside every lane takes a neighbour's."""
        if node.lane or node.gate is None:
            return node.lane or node.pool or DEFAULT_ROLE
        near = [self.nodes[sid] for sid in self.preds.get(node.id, {}) if sid in self.nodes]
        for f in node.outs:
            near.extend(self._task_ends(f.target, forward=True))
        for n in near:
            if n is not node and n.lane:
                return n.lane
        return node.pool or DEFAULT_ROLE

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

    def _after(self, task: Node, step_id: dict[str, str],
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

    def _rework(self, flow: Flow, reworks: dict[str, dict[str, Any]]) -> None:
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


    def _warn(self) -> None:
        parts = []
        if self.skipped:
            parts.append("not imported or approximated: " + ", ".join(
                f"{n} {tag}" for tag, n in sorted(self.skipped.items())))
        if self.sim.equal_split:
            parts.append("no branch probabilities for gateway(s) " + ", ".join(
                repr(g) for g in self.sim.equal_split) + ": split equally (pass probabilities= "
                "or add a procsimp or QBP extension)")
        parts.extend(self.notes)
        if parts:
            warnings.warn(f"{self.source}: " + "; ".join(parts), BpmnImportWarning,
                          stacklevel=4)

    def _validate(self, data: dict[str, Any]) -> Process:
        try:
            return from_data(data, source=self.source)
        except ModelError as exc:
            if not any("rework" in s for s in data["steps"]):
                raise self._named(exc) from None
        # a loop that does not close a block cannot be rework: keep each loop that does
        loops = [(s, s.pop("rework")) for s in data["steps"] if "rework" in s]
        dropped = []
        if len(loops) <= _MAX_LOOP_TRIALS:
            for step, rework in loops:
                step["rework"] = rework
                try:
                    from_data(data, source=self.source)
                except ModelError:
                    del step["rework"]
                    dropped.append(step)
        else:
            dropped = [step for step, _ in loops]
        if dropped:
            names = ", ".join(repr(_words(s.get("name") or s["id"])) for s in dropped)
            self.notes.append(
                f"loop(s) back from {names} "
                f"not imported as rework: each is not a closed block (one entry, one exit), so "
                f"the step runs once; redraw the loop to return to the block's first step")
        try:
            return from_data(data, source=self.source)
        except ModelError as exc:
            raise self._named(exc) from None

    def _named(self, exc: ModelError) -> ModelError:
        """The error with steps named as the user drew them (task names beside BPMN ids)."""
        steps = [s for s in self._steps if isinstance(s, dict)]
        message = str(exc)

        def step_at(match: re.Match[str]) -> str:
            i = int(match.group(1))
            if i >= len(steps):
                return match.group(0)
            st = steps[i]
            name = st.get("name") if isinstance(st.get("name"), str) else None
            tail = match.group(2) or ""
            field = f", field {tail.lstrip('.')}" if tail else ""
            if name and name != st.get("id"):
                return f"step {name!r} (BPMN id {st.get('id')!r}){field}"
            return f"step {st.get('id')!r}{field}"

        message = re.sub(r"steps\[(\d+)\]((?:\.[A-Za-z_]+|\[\d+\])*)", step_at, message)
        for st in steps:
            name, sid = st.get("name"), st.get("id")
            if isinstance(name, str) and isinstance(sid, str) and name != sid:
                message = message.replace(f"step {sid!r}", f"step {name!r} (BPMN id {sid!r})")
        return ModelError(message, getattr(exc, "problems", None))


def _words(text: Any) -> Any:
    """A name on one line (modelers break long names over several)."""
    return " ".join(text.split()) if isinstance(text, str) else text


def _label(element: ET.Element) -> str:
    name = " ".join((element.get("name") or "").split())
    ident = element.get("id")
    return f"{name!r} (BPMN id {ident!r})" if name else f"{local(element.tag)} {ident!r}"


def guess_kind(name: str) -> str:
    """A step kind from words in a task's name (``task`` when none matches).

    Whole words only, and a name that starts with another verb ("Notify ... of
    approval", "Assign approver") is a plain task.

    >>> guess_kind("Approve invoice"), guess_kind("Check credit history"), guess_kind("Draft")
    ('approval', 'review', 'task')
    >>> guess_kind("Notify Employee of Approval"), guess_kind("Checkout")
    ('task', 'task')
    """
    words = " ".join(re.findall(r"[^\W\d_]+", name.lower()))
    first = words.split(" ", 1)[0] if words else ""
    if first in TASK_VERBS:
        return "task"
    for kind, keys in KIND_KEYWORDS:
        if any(re.search(rf"\b(?:{k})\b", words) for k in keys):
            return kind
    return "task"


def loads_bpmn(data: bytes | str, *, source: str = "<string>",
               level_of: dict[str, str] | None = None,
               probabilities: dict[str, float] | None = None,
               time_unit: str | None = None, process: str | None = None) -> Process:
    """Read a process from BPMN 2.0 XML text; see :func:`read_bpmn` for the arguments."""
    root = parse_xml(data, source)
    try:
        return _Reader(root, source, level_of=level_of, probabilities=probabilities,
                       time_unit=time_unit, process=process).read()
    except RecursionError:
        raise FileFormatError(f"{source}: structure nested too deep to import") from None


@validated
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
        ``staff``. Levels are listed in the order of ``level_of``, then of the lanes
        from top to bottom (diagram position, else file order); keys that match no
        lane are named in the warning.
    probabilities
        Branch probability of sequence flows, keyed by flow id; used where the
        file has neither procsimp's nor the QBP extension.
    time_unit
        Unit of the process (``hour``, ``day``, ``week``); QBP durations (seconds)
        are converted to it. Default: the file's own, else ``hour`` when the file
        has QBP durations, else ``day``.
    process
        Import the process with this id or name (default: the one with the most
        tasks that is not only called by a call activity; the warning names the
        others).

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
    path = Path(path)
    raw = read_bytes(path)
    proc = loads_bpmn(raw, source=str(path), level_of=level_of, probabilities=probabilities,
                      time_unit=time_unit, process=process)
    return with_source(proc, path)

