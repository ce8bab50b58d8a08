"""Strategies for target-seeking (issue 14): processes with many candidate moves.

Processes drawn like :func:`strategies.processes` (choices, rework, needs, the
preset levels), with a positive handoff delay so that digitizing a post's
handoffs is a real move, and declared "shorten this step" moves that complete
the built-in candidates to a drawn total of at most 12.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import procsimp as ps
from procsimp.seeking import Move, candidates
from strategies import process_dicts

MAX_MOVES = 12


@st.composite
def seek_processes(draw: st.DrawFn, max_steps: int = 8) -> ps.Process:
    """A small process whose handoffs take time (so every post has a digitize move)."""
    data: dict[str, Any] = draw(process_dicts(choices=True, rework=True, needs=True,
                                              max_steps=max_steps, max_roles=5,
                                              domain_levels=True))
    data["handoff_delay"] = draw(st.sampled_from([0.5, 1.0, 2.0]))
    return ps.Process.model_validate(data)


@st.composite
def moves_for(draw: st.DrawFn, process: ps.Process, costs: bool = True) -> list[Move]:
    """The built-in candidates plus declared shortenings, at most :data:`MAX_MOVES`, each
    with a cost of 1, 2 or 3 when ``costs``."""
    kept, _ = candidates(process)
    moves = list(kept)[:MAX_MOVES]
    room = MAX_MOVES - len(moves)
    steps = [s for s in process.steps if ps.mean_of(s.duration) > 0]
    extra = draw(st.lists(st.sampled_from(steps), unique_by=lambda s: s.id,
                          max_size=min(room, len(steps)))) if steps and room else []
    for step in extra:
        factor = draw(st.sampled_from([0.25, 0.5, 0.75]))
        moves.append(Move.shorten(step.id, ps.mean_of(step.duration) * factor))
    if costs:
        weights = draw(st.lists(st.sampled_from([1.0, 1.0, 2.0, 3.0]), min_size=len(moves),
                                max_size=len(moves)))
        moves = [Move(m.pass_name, m.options, m.label, w)
                 for m, w in zip(moves, weights, strict=True)]
    return moves


__all__ = ["MAX_MOVES", "moves_for", "seek_processes"]
