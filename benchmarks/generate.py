"""Random layered approval processes for benchmarks.

:func:`layered_process` builds a process of any size whose shape resembles a
large administrative workflow: steps in layers of about ``width``, each step
after the first layer waiting for 1-3 steps of the layer before (AND joins),
roles on four hierarchy levels, every duration family the file format knows,
a stochastic ``handoff_delay`` with a few per-edge overrides, and
``needs``/``produces`` artifacts that leave some edges as habit (so
``parallelize`` has work to do). With ``with_choices=True`` some layers also
hold an exclusive choice (edges with ``p``) closed by a ``join: any`` step,
with an empty branch now and then.

The process is built as a plain dict and validated with
``procsimp.Process.model_validate``; the same seed gives the same process.
Building is linear in ``n_steps`` (100,000 steps take a few seconds, most of
it pydantic validation).

>>> proc = layered_process(50, width=5, seed=1)
>>> len(proc.steps)
50
>>> layered_process(50, width=5, seed=1) == proc
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

import procsimp as ps

LEVELS = ("head", "echelon_3", "echelon_4", "staff")
#: (level, role ids, share of the steps done at that level, cost rate per day of work)
ROLES_BY_LEVEL = (
    ("head", ("head_of_office", "deputy_head"), 0.08, 60.0),
    ("echelon_3", ("division_head_a", "division_head_b", "division_head_c"), 0.14, 45.0),
    ("echelon_4", ("section_head_a", "section_head_b", "section_head_c", "section_head_d"),
     0.23, 35.0),
    ("staff", ("analyst", "clerk", "legal_officer", "surveyor", "archivist", "front_desk"),
     0.55, 20.0),
)
#: step kinds per level, each drawn with equal chance
KINDS_BY_LEVEL = {
    "head": ("signature", "approval"),
    "echelon_3": ("approval", "approval", "review"),
    "echelon_4": ("approval", "review", "review"),
    "staff": ("task", "task", "review", "handoff"),
}
DURATION_FAMILIES = ("fixed", "triangular", "pert", "uniform", "lognormal", "empirical")
DURATION_SHARES = (0.2, 0.2, 0.15, 0.15, 0.2, 0.1)
HANDOFF_DELAY = {"dist": "triangular", "low": 0.1, "mode": 0.5, "high": 2.0}
#: share of edges with their own ``delay`` (an override of the handoff delay)
EDGE_DELAY_SHARE = 0.03
#: share of steps that declare no ``needs`` (all their edges are then required)
NO_NEEDS_SHARE = 0.25
#: chance that a step needs each predecessor's artifact / one of a grandparent
NEED_PRED = 0.6
NEED_GRANDPARENT = 0.15
#: chance that a layer (with room for it) opens an exclusive choice
CHOICE_SHARE = 0.3
EMPTY_BRANCH_SHARE = 0.3


def _roles() -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Role records with a reporting line, and the (role, level) pairs steps draw from."""
    roles: list[dict[str, Any]] = []
    superiors: list[str] = []
    for level, ids, _, rate in ROLES_BY_LEVEL:
        for k, rid in enumerate(ids):
            role: dict[str, Any] = {"id": rid, "level": level, "rate": rate}
            if superiors:
                role["reports_to"] = superiors[k % len(superiors)]
            roles.append(role)
        superiors = list(ids)
    return roles, [(r["id"], r["level"]) for r in roles]


def _duration(family: str, scale: float, shape: float, rng: np.random.Generator) -> Any:
    """One duration around ``scale`` days; ``shape`` in [0, 1) sets the right tail."""
    m = round(scale, 2)
    high = round(scale * (1.5 + 2.5 * shape), 2)
    low = round(0.5 * scale, 2)
    if family == "fixed":
        return m
    if family in ("triangular", "pert"):
        return {"dist": family, "low": low, "mode": m, "high": high}
    if family == "uniform":
        return {"dist": "uniform", "low": low, "high": round(1.5 * scale, 2)}
    if family == "lognormal":
        return {"dist": "lognormal", "median": m, "p90": high}
    values = np.round(rng.lognormal(np.log(scale), 0.5, int(rng.integers(5, 13))), 2)
    return {"dist": "empirical", "values": [float(v) for v in values]}


def _layer_sizes(n_steps: int, width: int, rng: np.random.Generator) -> list[int]:
    """Layer sizes of about ``width`` (between width/2 and 3*width/2) summing to n_steps."""
    lo, hi = max(1, width // 2), max(1, width + width // 2)
    sizes: list[int] = []
    total = 0
    while total < n_steps:
        size = min(int(rng.integers(lo, hi + 1)), n_steps - total)
        sizes.append(size)
        total += size
    return sizes


def _branch_probabilities(rng: np.random.Generator, empty: bool) -> list[float]:
    """Probabilities of two alternatives (and an empty branch), summing to 1."""
    if empty:
        p1, p2 = (round(float(x), 2) for x in rng.uniform(0.2, 0.4, 2))
        return [p1, p2, round(1.0 - p1 - p2, 2)]
    p1 = round(float(rng.uniform(0.2, 0.8)), 2)
    return [p1, round(1.0 - p1, 2)]


def _needs(preds: list[int], preds_of: list[list[int]], need_draw: list[float],
           grand_draw: list[float]) -> list[str]:
    """Artifacts a step needs: some of its predecessors', now and then a grandparent's."""
    needs = [f"doc_{u}" for u, x in zip(preds, need_draw, strict=False) if x < NEED_PRED]
    needs = needs or [f"doc_{preds[0]}"]
    grand = preds_of[preds[int(grand_draw[0] * len(preds))]]
    if grand and grand_draw[1] < NEED_GRANDPARENT:
        needs.append(f"doc_{grand[int(grand_draw[2] * len(grand))]}")
    return list(dict.fromkeys(needs))


def layered_process(n_steps: int, width: int = 10, seed: int = 0,
                    with_choices: bool = False) -> ps.Process:
    """A random layered process of ``n_steps`` steps (see the module docstring), validated:
    ``Process.model_validate(layered_data(...))``."""
    return ps.Process.model_validate(layered_data(n_steps, width, seed, with_choices))


def layered_data(n_steps: int, width: int = 10, seed: int = 0,
                 with_choices: bool = False) -> dict[str, Any]:
    """The description of :func:`layered_process` as plain data (what a file holds).

    Parameters
    ----------
    n_steps
        Number of steps (at least 1).
    width
        Typical number of steps per layer; the depth is about ``n_steps / width``.
    seed
        Seed of the numpy Generator: the same seed gives the same process.
    with_choices
        Add exclusive choices: a step of one layer splits into two alternatives
        in the next layer (plus, sometimes, an empty branch), merged by a
        ``join: any`` step in the layer after.

    Returns
    -------
    dict
        The process description, not validated.
    """
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    rng = np.random.default_rng(seed)
    roles, role_levels = _roles()
    role_p = np.array([share / len(ids) for _, ids, share, _ in ROLES_BY_LEVEL for _ in ids])

    # every per-step draw at once (as Python lists: the loop below only indexes them)
    role_of = rng.choice(len(role_levels), size=n_steps, p=role_p / role_p.sum()).tolist()
    family_of = rng.choice(len(DURATION_FAMILIES), size=n_steps, p=DURATION_SHARES).tolist()
    scale = rng.uniform(0.3, 3.0, n_steps).tolist()
    shape = rng.random(n_steps).tolist()
    kind_draw = rng.random(n_steps).tolist()
    n_preds = rng.integers(1, 4, n_steps).tolist()
    pred_draw = rng.random((n_steps, 3)).tolist()
    need_draw = rng.random((n_steps, 3)).tolist()
    no_needs = (rng.random(n_steps) < NO_NEEDS_SHARE).tolist()
    grand_draw = rng.random((n_steps, 3)).tolist()
    work_draw = rng.random(n_steps).tolist()

    sizes = _layer_sizes(n_steps, width, rng)
    steps: list[dict[str, Any]] = []
    preds_of: list[list[int]] = []  # predecessor indices, for grandparent needs
    prev: list[int] = []  # steps of the previous layer that run in every case
    merges: dict[int, list[Any]] = {}  # layer -> ``after`` of its join: any step
    first = 0  # index of the layer's first step
    for layer, size in enumerate(sizes):
        current = range(first, first + size)
        merge = merges.pop(layer, None)
        opens_choice = (with_choices and 0 < layer < len(sizes) - 1 and merge is None
                        and size >= 3 and rng.random() < CHOICE_SHARE)
        branch: dict[int, Any] = {}  # alternative -> its ``after`` entry
        if opens_choice:
            split = f"s{prev[int(rng.integers(len(prev)))]}"
            probs = _branch_probabilities(rng, empty=rng.random() < EMPTY_BRANCH_SHARE)
            branch = {current[k]: {"step": split, "p": p} for k, p in enumerate(probs[:2])}
            merges[layer + 1] = [f"s{v}" for v in branch] + [
                {"step": split, "p": p} for p in probs[2:]]  # the empty branch skips ahead
        for v in current:
            role, level = role_levels[role_of[v]]
            kinds = KINDS_BY_LEVEL[level]
            step: dict[str, Any] = {
                "id": f"s{v}",
                "role": role,
                "kind": kinds[int(kind_draw[v] * len(kinds))],
                "duration": _duration(DURATION_FAMILIES[family_of[v]], scale[v], shape[v], rng),
                "produces": [f"doc_{v}"],
            }
            if work_draw[v] < 0.3:
                step["work"] = round(0.4 * scale[v], 2)
            if layer == 0:
                step["applicant_facing"] = True
            if step["kind"] == "handoff":
                step["digitizable"] = True
            if v in branch:
                after: list[Any] = [branch[v]]
            elif merge is not None and v == first:
                after = merge
                step["join"] = "any"
            else:
                k = min(n_preds[v], len(prev))
                picks = dict.fromkeys(prev[int(x * len(prev))] for x in pred_draw[v][:k])
                after = [f"s{u}" for u in picks]
                if after and rng.random() < EDGE_DELAY_SHARE:
                    after[0] = {"step": after[0], "delay": 0.0 if rng.random() < 0.5 else
                                {"dist": "uniform", "low": 1.0, "high": 3.0}}
            preds = [int((e if isinstance(e, str) else e["step"])[1:]) for e in after]
            if after:
                step["after"] = after
            if preds and not no_needs[v] and step.get("join") != "any":
                step["needs"] = _needs(preds, preds_of, need_draw[v], grand_draw[v])
            steps.append(step)
            # a merge's predecessors run only in some cases: not a source of needs
            preds_of.append([] if step.get("join") == "any" else preds)
        prev = [v for v in current if v not in branch]
        first += size
    data = {
        "name": f"layered process, {n_steps} steps",
        "description": f"benchmarks.generate.layered_process({n_steps}, width={width}, "
                       f"seed={seed}, with_choices={with_choices})",
        "time_unit": "day",
        "handoff_delay": HANDOFF_DELAY,
        "levels": list(LEVELS),
        "roles": roles,
        "steps": steps,
    }
    return data
