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

from procsimp.errors import FileFormatError, ModelError
from procsimp.io.base import read_bytes
from procsimp.io.bpmn._common import (
    AND_TAGS,
    BPMN,
    PASS_TAGS,
    QUIET_TAGS,
    SUBPROCESS_TAGS,
    TASK_TAGS,
    XOR_TAGS,
    BpmnImportWarning,
    Flow,
    Node,
    extension,
    local,
    namespace,
)
from procsimp.io.bpmn.simulation import SECONDS_PER_UNIT, SimulationData
from procsimp.io.plain import from_data
from procsimp.io.xmlsafe import parse_xml
from procsimp.model import Process, with_source

__all__ = ["DEFAULT_LEVEL", "DEFAULT_ROLE", "KIND_KEYWORDS", "OPTIONS", "guess_kind",
           "loads_bpmn", "read_bpmn"]

#: Step kinds guessed from words in a task's name (first match wins), for foreign files.
KIND_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("signature", ("sign", "signature", "ttd", "tanda tangan")),
    ("approval", ("approv", "authoris", "authoriz", "endorse", "paraf", "setuju", "accept")),
    ("review", ("review", "check", "verif", "assess", "inspect", "examin", "evaluat",
                "periksa", "validat", "screen")),
    ("handoff", ("forward", "transfer", "hand over", "handover", "deliver", "dispatch",
                 "send", "kirim")),
)
#: Level given to roles when neither ``level_of`` nor the lane convention names one.
DEFAULT_LEVEL = "staff"
#: Role given to tasks outside every lane and pool.
DEFAULT_ROLE = "performer"
_MAX_WALK = 1_000_000
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
        self.sim = SimulationData(root, source, probabilities, notes=self.notes)

    def fail(self, message: str) -> FileFormatError:
        return FileFormatError(f"{self.source}: {message}")

    # structure ----------------------------------------------------------------------------

    def read(self) -> Process:
        root = self.root
        if local(root.tag) != "definitions" or namespace(root.tag) != BPMN:
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
        header = next((h for p in processes if (h := extension(p, "process")) is not None), None)
        for proc in processes:
            self._read_process(proc, pools.get(proc.get("id") or ""))
        for flow in root.iter(f"{{{BPMN}}}messageFlow"):
            self.skipped[local(flow.tag)] += 1
        if not any(n.is_task for n in self.nodes.values()):
            raise self.fail("no tasks found: a process needs at least one task (task, userTask, "
                            "serviceTask, ...) to import")
        self._mark_back_edges()
        self.sim.branch_probabilities(self.nodes.values())
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
            tag = local(child.tag)
            if namespace(child.tag) != BPMN:
                self.skipped[tag] += 1
                continue
            node_id = child.get("id")
            if tag in TASK_TAGS or tag in XOR_TAGS or tag in AND_TAGS or tag in PASS_TAGS \
                    or tag in ("startEvent", "endEvent"):
                if not node_id:
                    raise self.fail(f"a {tag} element has no id; every flow element needs one")
                if node_id in self.nodes:
                    raise self.fail(f"the id {node_id!r} is used twice")
                node = Node(node_id, tag, child, len(self.nodes), lane_of.get(node_id), pool)
                self.nodes[node_id] = node
                if tag in SUBPROCESS_TAGS and any(
                        local(c.tag) in TASK_TAGS for c in child.iter() if c is not child):
                    self.notes.append(f"sub-process {child.get('name') or node_id!r} imported "
                                      f"as one step (its inside is not imported)")
                if tag in ("inclusiveGateway", "complexGateway", "eventBasedGateway") \
                        or tag in PASS_TAGS:
                    self.skipped[f"{tag} (approximated)"] += 1
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
        for lane in lane_set.findall(f"{{{BPMN}}}lane"):
            lane_id = lane.get("id") or ""
            name = (lane.get("name") or "").strip()
            children = lane.find(f"{{{BPMN}}}childLaneSet")
            if children is not None:
                self._read_lanes(children, name or lane_id)
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
            level = (self.level_of.get(role) or self.level_of.get(lane_id)
                     or self.level_of.get(name) or level or parent or DEFAULT_LEVEL)
            self.role_level.setdefault(role, level)


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


    def _predecessors(self, task: Node) -> dict[str, float | None]:
        """Tasks before ``task`` through chains of gateways, with the branch probability."""
        found: dict[str, float | None] = {}
        stack: list[tuple[Flow, float | None]] = [(f, None) for f in task.ins if not f.back]
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

    def _merges_alternatives(self, task: Node) -> bool:
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
        """The nearest tasks from ``node`` (itself if a task), after or before it."""
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
                step["name"] = name or t.id
                step["kind"] = guess_kind(name)
                step["role"] = t.lane or t.pool or DEFAULT_ROLE
                duration = self.sim.duration(t.id, time_unit)
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
    path = Path(path)
    raw = read_bytes(path)
    proc = loads_bpmn(raw, source=str(path), level_of=level_of, probabilities=probabilities,
                      time_unit=time_unit, process=process)
    return with_source(proc, path)

