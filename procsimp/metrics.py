"""Structural and time metrics of a process: :func:`measure`.

Counts (steps, roles, layers, handoffs) come straight from the graph. Times
come from flow analysis on mean durations, one forward pass in topological
order (linear in the size of the graph):

- a step starts when its predecessors finish: ``join: all`` takes the latest
  arrival (AND: the max of its branches), ``join: any`` the
  probability-weighted average of its alternatives (XOR);
- each arrival adds the mean transfer delay of its edge;
- a rework block taking T on one pass with send-back probability r takes
  T/(1-r) plus r/(1-r) mean return delays (``repeat``), or (1+r)T plus r
  return delays (``once``);
- alternatives that end the process in different final steps are weighted by
  their probabilities.

This is the textbook flow analysis (Dumas et al., *Fundamentals of Business
Process Management*, ch. 7). It is exact for block-structured choices. When
choices are not block-structured (an any join merging only some branches of
a choice), ``measure`` says so (``block_structured=False``) and computes the
expectation over branch outcomes instead: exactly by enumerating them when
there are at most 4,096 outcomes and no rework, otherwise by Monte Carlo on
mean durations, with its standard error in ``lead_time_se``.

Flow analysis works on means, so ``lead_time`` is *not* the mean lead time
that :func:`procsimp.simulate` estimates when parallel branches have random
durations: the expected maximum of random durations exceeds the maximum of
their means. The simulated mean is the better estimate of what cases will
experience; the flow figure is the transparent, reproducible one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from procsimp._gc import paused
from procsimp.durations import mean_of
from procsimp.graph import exclusive
from procsimp.model import APPROVAL_KINDS

if TYPE_CHECKING:
    from procsimp.graph import ChoiceAnalysis, Compiled
    from procsimp.model import Process

#: End outcomes enumerated exactly; beyond this, Monte Carlo.
MAX_OUTCOMES = 4096


class Metrics(BaseModel):
    """What :func:`measure` reports about a process (frozen)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """Name of the process measured."""
    time_unit: str
    """Unit of the time figures."""
    steps: int
    """Number of steps."""
    roles_involved: int
    """Distinct roles performing a step (Reijers & Limam Mansar's numerical involvement)."""
    layers: int
    """Distinct hierarchy levels whose roles perform at least one step."""
    approval_layers: int
    """Distinct levels performing an approval or signature step."""
    handoffs: int
    """Precedence edges whose two steps have different roles."""
    vertical_handoffs: int
    """Handoffs whose two roles sit at different levels."""
    lead_time: float
    """Expected elapsed time from the first start to the last finish, on mean durations."""
    lead_time_method: Literal["flow", "enumeration", "monte_carlo"]
    """How ``lead_time`` was computed: flow analysis, or the expectation over branch outcomes."""
    lead_time_se: float | None
    """Standard error of ``lead_time`` when it was estimated by Monte Carlo."""
    block_structured: bool
    """Flow analysis is exact: every choice is closed by its own any join, and final steps
    either always run together or are exclusive alternatives."""
    touch_time: float
    """Expected work along the process, by the same flow rules as ``lead_time``."""
    cycle_efficiency: float
    """``touch_time / lead_time`` (1 for a process that takes no time)."""
    cost: float
    """Expected cost per case: step costs plus role rate x work, choices and rework weighted."""
    critical_path: tuple[str, ...]
    """Step ids on the longest path of the mean-duration schedule (most likely branches)."""

    def __str__(self) -> str:
        u = self.time_unit
        lead = f"{self.lead_time:.2f} {u}s"
        if self.lead_time_method != "flow":
            lead += f" ({self.lead_time_method.replace('_', ' ')}"
            lead += f", se {self.lead_time_se:.3f})" if self.lead_time_se is not None else ")"
        rows = [
            ("steps", str(self.steps)),
            ("roles involved", str(self.roles_involved)),
            ("layers", str(self.layers)),
            ("approval layers", str(self.approval_layers)),
            ("handoffs", f"{self.handoffs} ({self.vertical_handoffs} vertical)"),
            ("lead time", lead),
            ("touch time", f"{self.touch_time:.2f} {u}s"),
            ("cycle efficiency", f"{self.cycle_efficiency:.1%}"),
            ("cost per case", f"{self.cost:,.2f}"),
            ("critical path", " -> ".join(self.critical_path) or "(none)"),
        ]
        if not self.block_structured:
            rows.append(("note", "choices are not block-structured; lead time is the "
                                 "expectation over branch outcomes"))
        width = max(len(k) for k, _ in rows)
        return "\n".join([f"{self.name}"] + [f"  {k:<{width}}  {v}" for k, v in rows])

    def _repr_html_(self) -> str:
        """The metrics as an HTML table, for Jupyter (the rows of ``str(metrics)``)."""
        import html

        head, *rows = str(self).split("\n")
        cells = "".join(
            f"<tr><th style=\"text-align:left\">{html.escape(k)}</th>"
            f"<td style=\"text-align:left\">{html.escape(v.strip())}</td></tr>"
            for k, _, v in (row.strip().partition("  ") for row in rows))
        return (f"<table><caption>{html.escape(head)}</caption>"
                f"<tbody>{cells}</tbody></table>")


def measure(process: Process) -> Metrics:
    """Measure a process: layers, handoffs, lead time, touch time, cost, critical path.

    >>> import procsimp as ps
    >>> p = ps.Process.model_validate({"time_unit": "hour", "levels": ["staff"],
    ...     "roles": [{"id": "clerk", "level": "staff"}],
    ...     "steps": [{"id": "A", "role": "clerk", "duration": 10},
    ...               {"id": "B", "role": "clerk", "duration": 20,
    ...                "after": [{"step": "A", "p": 0.9}]},
    ...               {"id": "C", "role": "clerk", "duration": 10,
    ...                "after": [{"step": "A", "p": 0.1}]},
    ...               {"id": "end", "role": "clerk", "join": "any", "after": ["B", "C"]}]})
    >>> ps.measure(p).lead_time  # Dumas et al., ch. 7: 10 + 0.9*20 + 0.1*10
    29.0
    """
    with paused():
        return _measure(process)


def _measure(process: Process) -> Metrics:
    c = process.compiled
    roles = {r.id: r for r in process.roles}
    level_of = {s.id: roles[s.role].level for s in process.steps}
    layers = {level_of[s.id] for s in process.steps}
    approval = {level_of[s.id] for s in process.steps if s.kind in APPROVAL_KINDS}
    handoffs = vertical = 0
    for v, step in enumerate(c.steps):
        for u in c.preds[v]:
            pred = c.steps[u]
            if pred.role != step.role:
                handoffs += 1
                vertical += level_of[pred.id] != level_of[step.id]
    choices = c.choices
    reach = _reach_probabilities(c)
    _, lead_finish, lead_best = _flow(c, reach, c.mean_duration, delays=True)
    work = c.mean_work
    _, touch_finish, _ = _flow(c, reach, work, delays=False)
    lead_end = _end(c, choices, reach, lead_finish)
    touch_end = _end(c, choices, reach, touch_finish)
    exact = choices.block_structured and lead_end is not None
    se: float | None = None
    method: Literal["flow", "enumeration", "monte_carlo"] = "flow"
    if exact:
        assert lead_end is not None and touch_end is not None
        lead, touch = lead_end, touch_end
    else:
        from procsimp.simulate import expected_on_means

        lead, se, method = expected_on_means(c, max_outcomes=MAX_OUTCOMES)
        touch = expected_on_means(c, max_outcomes=MAX_OUTCOMES, work=True)[0]
    cost = _cost(c, reach, roles, work)
    return Metrics(
        name=process.name, time_unit=process.time_unit, steps=len(process.steps),
        roles_involved=len({s.role for s in process.steps}), layers=len(layers),
        approval_layers=len(approval), handoffs=handoffs, vertical_handoffs=vertical,
        lead_time=lead, lead_time_method=method, lead_time_se=se,
        block_structured=exact, touch_time=touch,
        cycle_efficiency=touch / lead if lead > 0 else 1.0, cost=cost,
        critical_path=_critical_path(c, reach, lead_finish, lead_best),
    )


def _reach_probabilities(c: Compiled) -> tuple[list[float], list[list[float]]]:
    """Probability that each step runs (first pass), and that each incoming edge fires."""
    node = [0.0] * c.n
    edge: list[list[float]] = [[] for _ in range(c.n)]
    for v in c.order:
        preds = c.preds[v]
        if not preds:
            node[v] = 1.0
            continue
        fires = [node[u] * (e.p if e.p is not None else 1.0)
                 for u, e in zip(preds, c.pred_edges[v], strict=True)]
        edge[v] = fires
        node[v] = min(fires) if c.steps[v].join == "all" else min(1.0, math.fsum(fires))
    return node, edge  # type: ignore[return-value]


def _flow(c: Compiled, reach: tuple[list[float], list[list[float]]], durations: list[float],
          *, delays: bool) -> tuple[list[float], list[float], list[int]]:
    """Expected start and finish of each step given that it runs, and what set its start."""
    _node_p, edge_p = reach
    delay_means = c.mean_edge_delay
    finish = [0.0] * c.n
    start = [0.0] * c.n
    best = [-1] * c.n
    for v in c.order:
        preds = c.preds[v]
        if preds:
            if delays:
                arrivals = [finish[u] + d for u, d in zip(preds, delay_means[v], strict=True)]
            else:
                arrivals = [finish[u] for u in preds]
            if c.steps[v].join == "all":
                k = max(range(len(preds)), key=arrivals.__getitem__)
                start[v] = arrivals[k]
            else:
                weights = edge_p[v]
                total = math.fsum(weights)
                k = max(range(len(preds)), key=weights.__getitem__)
                weighted = math.fsum(w * a for w, a in zip(weights, arrivals, strict=True))
                start[v] = (weighted / total
                            if total > 0 else max(arrivals))
            best[v] = preds[k]
        finish[v] = start[v] + durations[v]
        b = c.block_of_exit.get(v)
        if b is not None:
            blk = c.blocks[b]
            once = finish[v] - start[blk.entry]
            # the return: transport, then the revision by the applicant or drafter
            back = (mean_of(blk.delay) + _revision(c, blk.exit)) if delays else 0.0
            if blk.mode == "repeat":
                finish[v] = start[blk.entry] + (once + blk.p * back) / (1.0 - blk.p)
            else:
                finish[v] = start[blk.entry] + (1.0 + blk.p) * once + blk.p * back
    return start, finish, best


def _revision(c: Compiled, exit_: int) -> float:
    """Mean revision time of the send-back from step ``exit_`` (0 without one)."""
    rework = c.steps[exit_].rework
    return mean_of(rework.revision) if rework is not None else 0.0


def schedule(c: Compiled) -> tuple[list[float], list[float]]:
    """Expected start and finish of every step on mean durations (flow analysis).

    A step in a rework block is scheduled on its first pass; a block's exit
    finishes when the block is expected to be accepted.
    """
    start, finish, _ = _flow(c, _reach_probabilities(c), c.mean_duration, delays=True)
    return start, finish


def _end(c: Compiled, choices: ChoiceAnalysis, reach: tuple[list[float], list[list[float]]],
         finish: list[float]) -> float | None:
    """Expected last finish over the final steps, or None when flow analysis does not fit.

    Final steps that always run together end at the latest of them; final steps on
    mutually exclusive alternatives are weighted by their probabilities. Any other
    mix (a final step that runs only on some branches while another always runs)
    needs the finish times per outcome, which flow analysis does not keep.
    """
    sinks = c.sinks()
    if not sinks:
        return 0.0
    conds = [choices.node_cond[v] for v in sinks]
    if any(cond is None for cond in conds):
        return None
    if all(cond == conds[0] for cond in conds):
        return max(finish[v] for v in sinks)
    if all(exclusive(a, b) for i, a in enumerate(conds) for b in conds[i + 1:]):  # type: ignore[arg-type]
        node_p, _ = reach
        total = math.fsum(node_p[v] for v in sinks)
        return math.fsum(node_p[v] * finish[v] for v in sinks) / total if total else 0.0
    return None


def _cost(c: Compiled, reach: tuple[list[float], list[list[float]]], roles: dict,
          work: list[float]) -> float:
    """Expected cost per case: every step paid each time it runs (AND branches add up)."""
    node_p, _ = reach
    # expected passes of a block: its own factor times those of every enclosing block;
    # blocks are ordered innermost first, so a parent comes after its children
    passes = [0.0] * len(c.blocks)
    for b in reversed(range(len(c.blocks))):
        blk = c.blocks[b]
        own = 1.0 / (1.0 - blk.p) if blk.mode == "repeat" else 1.0 + blk.p
        passes[b] = own * (passes[blk.parent] if blk.parent is not None else 1.0)
    total = 0.0
    for v, step in enumerate(c.steps):
        inner = c.innermost_block[v]
        times = node_p[v] * (passes[inner] if inner is not None else 1.0)
        total += times * (step.cost + roles[step.role].rate * work[v])
    return total


def _critical_path(c: Compiled, reach: tuple[list[float], list[list[float]]],
                   finish: list[float], best: list[int]) -> tuple[str, ...]:
    """Walk back from the most likely, latest final step along the predecessors that set starts."""
    sinks = c.sinks()
    if not sinks:
        return ()
    node_p, _ = reach
    v = max(sinks, key=lambda s: (round(node_p[s], 12), finish[s]))
    path = []
    while v >= 0:
        path.append(c.ids[v])
        v = best[v]
    return tuple(reversed(path))


__all__ = ["Metrics", "measure"]
