"""A hand-written SimPy model of a procsimp process: the baseline for ``ps.simulate``.

This is the model a competent analyst would write with SimPy, one
``simpy.Environment`` per replication:

- every step is a SimPy process that waits for all its incoming edges
  (``AllOf``; ``AnyOf`` for a ``join: any`` step), then holds for its
  duration and triggers its ``finish`` event;
- every edge is a SimPy process that waits for its predecessor's ``finish``
  event, then holds for the edge's transfer delay;
- every duration and delay is drawn per replication with a numpy scalar draw
  from the same distribution family as in the file.

So, per replication, start(v) = max over predecessors u of finish(u) + delay(u, v)
and finish(v) = start(v) + duration(v); the lead time is the latest finish.
delay(u, v) is the edge's own ``delay`` if set, else the process's
``handoff_delay`` if the two steps' roles differ, else 0 (as
``procsimp.analysis.edge_delay``). Exclusive choices (edges with ``p``) are drawn
once per replication at each splitting step; steps on branches not taken do
not run. Rework is not modelled: the benchmark processes have none.

The random streams differ from procsimp's, so the two agree in distribution,
not sample by sample.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

import procsimp as ps
from procsimp.analysis import edge_delay
from procsimp.durations import Empirical, Lognormal, Pert, Triangular, Uniform

Sampler = Callable[[], float]


def scalar_sampler(duration: Any, rng: np.random.Generator) -> Sampler:
    """A function drawing one value of ``duration`` (a number or a distribution) per call."""
    if isinstance(duration, (int, float)):
        value = float(duration)
        return lambda: value
    if isinstance(duration, Triangular):
        low, mode, high = duration.low, duration.mode, duration.high
        if low == high:
            return lambda: low
        return lambda: rng.triangular(low, mode, high)
    if isinstance(duration, Pert):
        low, span = duration.low, duration.high - duration.low
        if span == 0:
            return lambda: low
        a = 1.0 + 4.0 * (duration.mode - low) / span
        b = 1.0 + 4.0 * (duration.high - duration.mode) / span
        return lambda: low + span * rng.beta(a, b)
    if isinstance(duration, Uniform):
        low, high = duration.low, duration.high
        return lambda: rng.uniform(low, high)
    if isinstance(duration, Lognormal):
        mu, sigma = duration.params
        return lambda: rng.lognormal(mu, sigma)
    if isinstance(duration, Empirical):
        values = np.asarray(duration.values, dtype=float)
        return lambda: rng.choice(values)
    raise TypeError(f"unknown duration {duration!r}")


class SimpyModel:
    """The process's steps and edges with their samplers, ready to run replications."""

    def __init__(self, process: ps.Process, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        steps = list(process.steps)
        index = {s.id: i for i, s in enumerate(steps)}
        self.n_steps = len(steps)
        self.join_any = [s.join == "any" for s in steps]
        self.duration = [scalar_sampler(s.duration, self.rng) for s in steps]
        # incoming edges of each step: (predecessor, delay sampler, (split, branch) or None)
        self.incoming: list[list[tuple[int, Sampler, tuple[int, int] | None]]] = []
        # outgoing alternatives of each splitting step: branch probabilities
        self.branch_p: dict[int, list[float]] = {}
        for step in steps:
            edges = []
            for edge in step.after:
                u = index[edge.step]
                label = None
                if edge.p is not None:
                    probs = self.branch_p.setdefault(u, [])
                    label = (u, len(probs))
                    probs.append(edge.p)
                delay = edge_delay(process, steps[u], step, edge)
                edges.append((u, scalar_sampler(delay, self.rng), label))
            self.incoming.append(edges)
        self.order = _topological_order(self.incoming, self.n_steps)

    def run_once(self) -> float:
        """One replication: build a fresh environment, run it, return the lead time."""
        env = simpy.Environment()
        chosen = {u: int(self.rng.choice(len(ps_), p=ps_)) for u, ps_ in self.branch_p.items()}
        finish = [env.event() for _ in range(self.n_steps)]
        finished_at = [0.0] * self.n_steps
        runs = [False] * self.n_steps

        def transfer(done: simpy.Event, delay: Sampler) -> Generator[simpy.Event, Any, None]:
            yield done
            yield env.timeout(delay())

        def step(v: int, arrivals: list[simpy.Process]) -> Generator[simpy.Event, Any, None]:
            if arrivals:
                yield env.any_of(arrivals) if self.join_any[v] else env.all_of(arrivals)
            yield env.timeout(self.duration[v]())
            finished_at[v] = env.now
            finish[v].succeed()

        for v in self.order:
            live = [(u, delay) for u, delay, label in self.incoming[v]
                    if runs[u] and (label is None or chosen[label[0]] == label[1])]
            if not self.incoming[v]:
                runs[v] = True
            elif self.join_any[v]:
                runs[v] = bool(live)
            else:
                runs[v] = len(live) == len(self.incoming[v])
            if runs[v]:
                env.process(step(v, [env.process(transfer(finish[u], d)) for u, d in live]))
        env.run()
        return max(t for t, ran in zip(finished_at, runs, strict=True) if ran)

    def run(self, n: int) -> np.ndarray:
        """Lead times of ``n`` replications."""
        return np.array([self.run_once() for _ in range(n)])


def _topological_order(incoming: list[list[Any]], n: int) -> list[int]:
    succs: list[list[int]] = [[] for _ in range(n)]
    indegree = [len(edges) for edges in incoming]
    for v, edges in enumerate(incoming):
        for u, _, _ in edges:
            succs[u].append(v)
    ready = [v for v in range(n) if indegree[v] == 0]
    order = []
    while ready:
        u = ready.pop()
        order.append(u)
        for v in succs[u]:
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    return order


def simulate_simpy(process: ps.Process, n: int, seed: int = 0) -> np.ndarray:
    """Lead times of ``n`` SimPy replications of ``process`` (see the module docstring)."""
    return SimpyModel(process, seed).run(n)
